"""Tests: the database comes from DATABASE_URL, which the harness in tests/postgres.py sets to a
throwaway PostgreSQL cluster (or to SQLite where no PostgreSQL binaries exist)."""

from . import base

globals().update(base.settings())

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": base.mailer_from_url("locmem://")}
STORAGES = {
    **base.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# Serve static files straight from the apps; no collectstatic needed here.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
