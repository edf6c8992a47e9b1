"""Settings shared by every environment. Secure by default: only dev.py and test.py relax them.

Everything that differs between machines comes from the environment:
DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, EMAIL_URL, DEFAULT_FROM_EMAIL, REDIS_URL, …
(docs/deploy.md lists every variable).
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def mailer_from_url(url):
    """Build a MAILERS entry from EMAIL_URL: smtp://user:pass@host:port, smtp+tls://…,
    smtp+ssl://…, console://, file:///absolute/folder or locmem://."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "file":
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": unquote(parts.path) or str(VAR_DIR / "mail")},
        }
    if scheme in {"smtp", "smtp+tls", "smtp+ssl"}:
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname or "localhost",
                "port": parts.port or 25,
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_tls": scheme == "smtp+tls",
                "use_ssl": scheme == "smtp+ssl",
                "timeout": 10,
            },
        }
    raise ImproperlyConfigured(f"EMAIL_URL has an unsupported scheme: {scheme!r}")


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "roles",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "django.contrib.sitemaps",
    "wagtail.contrib.redirects",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks_db",
    "wagtail.api.v3",
    "ninja",  # so that the API docs load Swagger UI from the site's own static files, not a CDN
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Wagtail shows times with its naturaltime ("3 分钟之前"): its translations load with the app.
    "django.contrib.humanize",
    "django.contrib.staticfiles",
    # Login lockouts (AXES_* below); staff unlock in /django-admin/axes/ or `manage.py axes_reset`.
    "axes",
    # CORS for the open data (CORS_* below).
    "corsheaders",
    # Wagtail's search index table needs it on PostgreSQL (postgres.E005 otherwise).
    "django.contrib.postgres",
]

MIDDLEWARE = [
    # First: /healthz, and a friendly 503 when the database is unreachable (airoles/outage.py).
    "airoles.outage.DatabaseOutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "airoles.security.SecurityHeadersMiddleware",
    # Before anything that could refuse a cross-origin preflight.
    "corsheaders.middleware.CorsMiddleware",
    # A client just refused for rendering too much: its cache misses get the 429 at once.
    "roles.site.caching.FloodGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Public HTML only (no cookie, CSRF token or private answer), before the ETag is computed.
    "roles.site.middleware.PublicGZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "roles.site.middleware.LocaleMiddleware",
    "roles.site.caching.PageCacheMiddleware",
    # Only for requests that render: the Wagtail site and its root page without a query.
    "roles.site.middleware.SiteMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last: turns a login refused for a locked-out account or address into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "airoles.urls"
WSGI_APPLICATION = "airoles.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "roles.site.context_processors.catalogue",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable host answers in seconds rather than after the TCP timeout (minutes), so a
    # request gets the 503 page long before gunicorn's worker timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache shared by every app server when REDIS_URL is set (page cache, Wagtail's site root
# paths, throttles); otherwise each process keeps its own in memory. An unreachable Redis
# answers as an empty cache (airoles/cache.py): pages are served uncached, not a 503.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "airoles.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "airoles",
            # A slow or absent Redis costs a second, not a hung worker, and then not even that
            # for RETRY_AFTER seconds (the circuit breaker).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "RETRY_AFTER": 5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Logins (Wagtail's /admin/login/ and Django's /django-admin/) go through django-axes first: it
# refuses an account or an address that failed too often, before any password is checked.
# AxesBackend only checks (it logs nobody in: ModelBackend does), but unlike
# AxesStandaloneBackend it can load a session's user, which tools that log in with the first
# backend (Wagtail's page test helpers) need.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failures are counted per account and, separately, per client address: ten wrong passwords for
# one account (from any number of addresses) lock that account, and ten from one address (for
# any accounts) lock that address, for AXES_COOLOFF_TIME after the last failure; a successful
# login clears its counters. docs/deploy.md says how to tune and unlock.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "airoles.clients.client_address"  # the one rule, as for every limit
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"  # 429, in the visitor's language
AXES_HTTP_RESPONSE_CODE = 429

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]
# The interface's English lives in locale/en (msgids are the Chinese strings); content stays
# Chinese. The language comes from the cookie set by /lang/<code>/, else Accept-Language.
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # a visitor's choice outlives the browser session
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Large page forms in the Wagtail editor exceed Django's default of 1,000 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

MAILERS = {"default": mailer_from_url(os.environ.get("EMAIL_URL", "smtp://localhost:25"))}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "AI岗位图谱 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True  # the admin reads the token from the page, not the cookie
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (Django's built-in middleware). Every asset is served from this site;
# the one inline script, a page's JSON-LD, carries the request's nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# The Wagtail admin's own policy (airoles/security.py): its date pickers and widgets use inline
# scripts and styles, and previews are framed by the admin itself.
SECURE_CSP_ADMIN = {
    **SECURE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "frame-src": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
}
# How many reverse proxies (load balancer, CDN) sit in front of the app servers and append the
# client's address to X-Forwarded-For; 0: the header is ignored (airoles/clients.py).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Whole public pages for anonymous visitors (roles/site/caching.py); 0 turns the cache off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
# Page renders the cache could not answer, per client address (roles/caching.py): over it, 429.
UNCACHED_RATE = os.environ.get("UNCACHED_RATE", "60/min")
# ... and how many of them one client address may have in progress at once (0: any number).
UNCACHED_CONCURRENCY = int(os.environ.get("UNCACHED_CONCURRENCY", "1"))
# Rendered role cards in the same cache, dropped with the pages (roles/fragments.py).
FRAGMENT_CACHE = env_bool("FRAGMENT_CACHE", True)
PAGE_CACHE_BROWSER_SECONDS = 60

# Any site may read the open data (/api/v3/ and /data/) from a browser, and nothing else: read-only
# and without credentials, so `*` is enough. A preflight is answered by the middleware itself,
# since the views behind these paths only know GET.
CORS_URLS_REGEX = r"^/(api|data)/"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = (
    "accept",
    "accept-language",
    "content-language",
    "content-type",
    "if-modified-since",
)
# Headers a script may read beyond the CORS-safelisted ones.
CORS_EXPOSE_HEADERS = ("Content-Disposition", "Last-Modified", "Retry-After")
CORS_PREFLIGHT_MAX_AGE = 86400

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # One line per task run is noise outside the worker (which sets its own level).
    "loggers": {
        name: {"level": "WARNING"} for name in ("django.tasks", "django_tasks", "django_tasks_db")
    },
}

# Background tasks (django.tasks): new-role notifications and Wagtail's index updates. With the
# database backend a worker runs them: `manage.py db_worker`. "immediate" runs them inline.
TASK_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {"default": {"BACKEND": TASK_BACKENDS[os.environ.get("TASKS_BACKEND", "database")]}}

# Subscriptions: failed sends are retried after DELIVERY_RETRY_SECONDS × 2^(attempt − 1).
DELIVERY_MAX_ATTEMPTS = 5
DELIVERY_RETRY_SECONDS = int(os.environ.get("DELIVERY_RETRY_SECONDS", "60"))
# How many task workers share one large run of mail (a new role to many subscribers, the weekly
# digest): the task that creates the deliveries queues one send task for each further sender.
DELIVERY_SENDERS = int(os.environ.get("DELIVERY_SENDERS", "2"))
# A claimed batch of deliveries is not due for other workers for this long (the lease): a worker
# that lost the database just after a mail went out records it when the database is back, before
# another worker may send that mail again. A worker that dies leaves its batch to the next run
# once the lease is over (roles/subscriptions/notifications.py).
DELIVERY_LEASE_SECONDS = int(os.environ.get("DELIVERY_LEASE_SECONDS", "300"))
SUBSCRIBE_CONFIRM_MAX_AGE = 7 * 24 * 3600  # seconds a confirmation link stays valid
# At most one confirmation mail per mailbox (a+1@x, A+2@x … count as a@x) this often.
SUBSCRIBE_RESEND_SECONDS = 10 * 60
# Subscribe requests (valid forms) per client address and for the whole site, counted in the
# cache (roles/subscriptions/ratelimit.py): "10/hour", "200/day", "5/10min"; empty: no limit.
# Over it: 429.
SUBSCRIBE_RATE_PER_ADDRESS = os.environ.get("SUBSCRIBE_RATE_PER_ADDRESS", "10/hour")
SUBSCRIBE_RATE_SITE = os.environ.get("SUBSCRIBE_RATE_SITE", "200/hour")

WAGTAIL_SITE_NAME = "AI岗位图谱"
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Nothing may load from another host: no Gravatar, no update check.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# The read API (/api/v3/): anonymous callers per address; None turns the limit off.
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "120/min") or None
WAGTAILAPI_LIMIT_MAX = 100
WAGTAILDOCS_EXTENSIONS = ["csv", "json", "pdf", "txt"]

# CDN purge on publish (wagtail.contrib.frontend_cache), only when a CDN is configured: the app
# queues a purge task on every publication, which is wasted work without one.
WAGTAILFRONTENDCACHE = {}
if os.environ.get("CLOUDFLARE_ZONE_ID"):
    WAGTAILFRONTENDCACHE["cloudflare"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        "BEARER_TOKEN": os.environ.get("CLOUDFLARE_API_TOKEN", ""),
        "ZONEID": os.environ["CLOUDFLARE_ZONE_ID"],
    }
if os.environ.get("FRONTEND_CACHE_PURGE_URL"):
    # A cache that accepts HTTP PURGE requests (Varnish, nginx with a purge module).
    WAGTAILFRONTENDCACHE["http"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": os.environ["FRONTEND_CACHE_PURGE_URL"],
    }
if WAGTAILFRONTENDCACHE:
    INSTALLED_APPS.append("wagtail.contrib.frontend_cache")

# jieba writes its dictionary cache here instead of /tmp.
JIEBA_CACHE_DIR = VAR_DIR / "jieba"
