"""Open data: the read API on Wagtail's API v3 (api.py: ninja schemas and pagination) and the
/data/ downloads (downloads.py). CORS for both is django-cors-headers (CORS_* in settings)."""
