"""Site-wide plumbing of the public pages: the anonymous page cache (caching.py), the language
and gzip middleware (middleware.py), the language switch and robots.txt (views.py), the sitemap
(sitemaps.py), and the catalogue facts that every page's frame shows (context_processors.py).
Deployment-level parts (security headers, outage page, Redis cache, client address) stay in
airoles/."""
