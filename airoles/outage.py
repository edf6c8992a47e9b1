"""Behaviour while the database is unreachable: a friendly 503 instead of a 500, and /healthz.

Django turns an exception into a response at every layer of the middleware stack, so one place
is not enough to catch a database error:

- an error in a view or while rendering its template reaches `process_exception` below;
- an error in another middleware (a session saved on the way out, Wagtail's redirect lookup on
  a 404) becomes Django's 500 handler, which is `server_error` below (airoles/urls.py).

Both answer 503 with templates/503.html, a static page that needs no database, and
`Retry-After`. Connections recover by themselves when the database is back: CONN_HEALTH_CHECKS
makes Django test a persistent connection before reusing it in a new request.

The cache is not the database: an unreachable Redis answers as an empty cache
(airoles/cache.py), so pages are served uncached, and /healthz names the cache's state without
failing the app server over it.
"""

import logging
import sys

from django.core.cache import cache
from django.db import connection
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

try:
    import psycopg
except ImportError:  # SQLite-only installations
    DRIVER_ERRORS = ()
else:
    DRIVER_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError)

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError, *DRIVER_ERRORS)
RETRY_AFTER_SECONDS = 30
HEALTH_PATH = "/healthz"


def is_database_outage(exc):
    """Whether `exc`, or an exception it was raised from, says the database is unreachable."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def outage_response(exc=None):
    # Rendered without a request: no context processors, nothing that queries the database.
    content = loader.get_template("503.html").render()
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Neither the page cache nor a CDN may keep it.
    response["Cache-Control"] = "no-store"
    # One warning line per request, not Django's "Service Unavailable" error with a traceback.
    response._has_been_logged = True
    logger.warning("database unavailable: %s", type(exc).__name__ if exc else "unknown")
    return response


def cache_state():
    """ "ok" or "unavailable": the shared cache's state, for people reading /healthz."""
    ping = getattr(cache, "ping", None)  # airoles.cache.ResilientRedisCache
    try:
        if ping is not None:
            return "ok" if ping() else "unavailable"
        cache.get("healthz")
    except Exception:  # another backend, down
        return "unavailable"
    return "ok"


def healthz(request):
    """For a load balancer: 200 when one query succeeds, 503 otherwise; the cache's state is
    reported on the second line but never fails the check (pages are served without it). No
    template."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DATABASE_ERRORS:
        status, state = 503, "database unavailable"
    else:
        status, state = 200, "ok"
    response = HttpResponse(
        f"{state}\ncache: {cache_state()}\n", status=status, content_type="text/plain"
    )
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """First in MIDDLEWARE. Answers /healthz before the host check and the HTTPS redirect (a load
    balancer probes over plain HTTP with its own Host header), and turns a database error raised
    by a view into the 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH:
            return healthz(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_outage(exception):
            return outage_response(exception)
        return None


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """handler500: the 503 page when the error was the database going away, else Django's 500."""
    exc = sys.exc_info()[1]
    if is_database_outage(exc):
        return outage_response(exc)
    return HttpResponseServerError(loader.get_template(template_name).render())
