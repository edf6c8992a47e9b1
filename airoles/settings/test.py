"""Tests: the database comes from DATABASE_URL, which the harness in tests/postgres.py sets to a
throwaway PostgreSQL cluster (or to SQLite where no PostgreSQL binaries exist)."""

import os

from .base import *  # noqa: F403  (the environment starts from the secure defaults)
from .base import STORAGES, TASK_BACKENDS, env_bool, mailer_from_url

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": mailer_from_url(os.environ.get("EMAIL_URL", "locmem://"))}
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False

# Pages are cached only where PAGE_CACHE_SECONDS asks for it (the caching tests do).
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "0"))
UNCACHED_RATE = os.environ.get("UNCACHED_RATE", "")
UNCACHED_CONCURRENCY = int(os.environ.get("UNCACHED_CONCURRENCY", "0"))
# Likewise role cards (the in-memory cache outlives each test's rolled-back changes).
FRAGMENT_CACHE = env_bool("FRAGMENT_CACHE", False)

# Serve static files straight from the apps; no collectstatic needed here.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Tasks run inline here unless TASKS_BACKEND says otherwise (the worker tests use "database").
TASKS = {
    "default": {"BACKEND": TASK_BACKENDS[os.environ.get("TASKS_BACKEND", "immediate")]},
    # For the tests that queue work for real `db_worker` processes.
    "database": {"BACKEND": TASK_BACKENDS["database"]},
}
DELIVERY_RETRY_SECONDS = int(os.environ.get("DELIVERY_RETRY_SECONDS", "0"))

# Subscribe limits only where a test sets them (the limit tests do): the in-memory cache lives
# as long as the test run, and many tests subscribe from the same address.
SUBSCRIBE_RATE_PER_ADDRESS = os.environ.get("SUBSCRIBE_RATE_PER_ADDRESS", "")
SUBSCRIBE_RATE_SITE = os.environ.get("SUBSCRIBE_RATE_SITE", "")
