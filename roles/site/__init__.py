"""Site-wide plumbing of the public pages: the anonymous page cache (caching.py), the language
and gzip middleware (middleware.py), the language switch and robots.txt (views.py), and the
sitemap (sitemaps.py). Deployment-level parts (security headers, outage page, Redis cache, client
address) stay in airoles/."""
