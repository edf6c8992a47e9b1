"""Open data: the read API on Wagtail's API v3 (api.py), the /data/ downloads (downloads.py) and
CORS for both (cors.py)."""
