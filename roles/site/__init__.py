"""Site-wide plumbing of the public pages: the anonymous page cache and what is kept until the
catalogue changes (caching.py), the language, gzip and Wagtail-site middleware (middleware.py),
the language switch, robots.txt and the kept sitemap (views.py), the sitemap's skill entries
(sitemaps.py), and the catalogue facts that every page's frame shows (context_processors.py).
Deployment-level parts (security headers, outage page, Redis cache, client address) stay in
airoles/."""
