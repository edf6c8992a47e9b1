"""The embedded default for `make run`: SQLite under var/, mail written to var/mail."""

import os

from .base import *  # noqa: F403  (the environment starts from the secure defaults)
from .base import SECRET_KEY, TASK_BACKENDS, VAR_DIR, env_bool, env_list, mailer_from_url

# The embedded SQLite database, mail folder and caches live here.
VAR_DIR.mkdir(exist_ok=True)

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
if "EMAIL_URL" not in os.environ:
    MAILERS = {"default": mailer_from_url(f"file://{VAR_DIR / 'mail'}")}

# Plain http on 127.0.0.1: the cookies cannot be Secure here.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False

# Pages are cached only where PAGE_CACHE_SECONDS asks for it (the caching tests do).
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "0"))

# Serve static files straight from the apps; no collectstatic needed here.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Tasks run inline here unless TASKS_BACKEND says otherwise (the worker tests use "database").
TASKS = {"default": {"BACKEND": TASK_BACKENDS[os.environ.get("TASKS_BACKEND", "immediate")]}}
