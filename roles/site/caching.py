"""The public pages' cache: whole responses for anonymous visitors, kept in Django's default cache
(Redis when REDIS_URL is set, local memory otherwise) and dropped all at once whenever a page or
a vocabulary term changes.

A request with credentials (an `Authorization` header, such as an API bearer token, or a session
cookie) is never answered from the cache and its response is never stored: it is marked
`Cache-Control: private` and `Vary: Authorization, Cookie`, so no shared cache keeps it either.
A CSRF cookie alone is no credential: it identifies nobody, and a page that embeds a CSRF token
is never stored.

A response is only stored when it is the same for every anonymous visitor: no session was read,
no cookie is set, no CSRF token or message is on the page. Entries are keyed by a generation
number that each change bumps, so invalidation is one write, shared by every app server that
uses the same cache.

The key is built from the query parameters a page reads, and only those (KNOWN_PARAMETERS, per
path): sorted by name, each name=value pair once, the rest dropped. `?utm_source=…`, `?z=…` or
the same filters in another order share the canonical page's entry, so adding a parameter does
not bypass the cache or grow it. Paths not listed keep all their parameters (sorted).

Requests the cache cannot answer are rendered, and that costs: they are limited per client address
(UNCACHED_RATE, counted in the same cache) and to UNCACHED_CONCURRENCY renders at a time, and
over either limit the client gets a 429 with
Retry-After, so that one client requesting made-up URLs cannot slow everybody else's pages. For
that Retry-After, this process refuses the client's cache misses at once, near the top of the
middleware (FloodGuardMiddleware). Answers from the cache are never limited.

When the cache is unreachable (airoles/cache.py) pages are served uncached. A change made then
could not drop the cached pages, so this process drops them as soon as the cache answers again.
"""

import functools
import hashlib
import logging
import math
import re
from time import monotonic
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language

from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from airoles.clients import client_address
from roles.models import Background, CompanyType, RoleCompanyType, RoleSkill, Skill
from roles.subscriptions import ratelimit

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
CHANGED_KEY = "pagecache:changed-at"
UNCACHED_PREFIXES = ("/admin/", "/django-admin/", "/documents/", "/subscribe/", "/static/")
MAX_URL_LENGTH = 1000
# Credentialed responses vary on these (an API token; the session and language cookies).
CREDENTIAL_HEADERS = ("Authorization", "Cookie")

# The query parameters each page reads (fullmatch on the path); the page cache's key keeps only
# these. A page not listed here keeps every parameter in its key.
LISTING_PARAMETERS = ("q", "company_type", "category", "skill", "threshold", "sort", "page")
API_TERMS = "categories|skills|company-types|backgrounds"
KNOWN_PARAMETERS = [
    (re.compile(pattern), frozenset(names))
    for pattern, names in (
        (r"/roles/", LISTING_PARAMETERS),
        (r"/company-types/[^/]+/", LISTING_PARAMETERS),
        (r"/company-types/", ()),
        (r"/compare/", ("roles",)),
        (r"/shortlist/", ("roles",)),
        (r"/qr/(?:compare|shortlist)/", ("roles",)),
        (r"/qr/.+", ()),
        (r"/match/", ("background", "skill", "company_type", "threshold")),
        (r"/skills/(?:[^/]+/)?", ()),
        (r"/api/v3/roles/", (*LISTING_PARAMETERS[:-1], "limit", "offset")),
        (rf"/api/v3/(?:roles|{API_TERMS})/[^/]+/", ()),
        (rf"/api/v3/(?:{API_TERMS})/", ()),
    )
]

# An invalidation the cache could not take (it was down); retried once it is back.
_missed_invalidation = False


def cache_available():
    """False while the shared cache's circuit breaker is open (airoles/cache.py)."""
    is_available = getattr(cache, "is_available", None)
    return is_available() if is_available is not None else True


def generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return value


# How long a cached fragment lives: long enough to outlive many page-cache entries; any change
# drops it sooner (the generation in its key).
FRAGMENT_TIMEOUT = 60 * 60


def until_changed(name, compute):
    """compute()'s value (a vocabulary's choices, say), kept in the cache until the catalogue next
    changes: keyed by the generation and the interface language, so an editor's change to any page
    or term makes the next request compute it again. With the fragment cache off or the cache
    down, it is computed every time."""
    if not (settings.FRAGMENT_CACHE and cache_available()):
        return compute()
    try:
        key = f"until-changed:{name}:{generation()}:{get_language()}"
        value = cache.get(key)
    except Exception:  # the cache went away: compute, as without it
        logger.warning("%s: cache unavailable, computing", name, exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, FRAGMENT_TIMEOUT)
        except Exception:
            logger.warning("%s: could not store", name, exc_info=True)
    return value


def kept_for(request, name, compute, page=None):
    """compute()'s value for a response to `request` that depends only on the catalogue, the host
    (absolute links), the language and `page` if given: kept until the catalogue changes
    (until_changed). Never kept for a preview or an unsaved page (particular to one editor)."""
    unsaved = page is not None and page.pk is None
    if unsaved or request is None or getattr(request, "is_preview", False):
        return compute()
    return until_changed(f"{name}:{getattr(page, 'pk', '-')}:{request.get_host()}", compute)


def changed_at():
    """When the catalogue last changed (or, after a cache restart, when that was first asked)."""
    value = cache.get(CHANGED_KEY)
    if value is None:
        value = int(timezone.now().timestamp())
        cache.add(CHANGED_KEY, value, timeout=None)
    return value


def invalidate(**kwargs):
    """Drop every cached page: called for any change to pages, terms or sites. A cache that is
    down must not stop an editor's change, so its errors are logged, not raised, and the drop is
    retried when the cache answers again."""
    global _missed_invalidation
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # not there yet
            cache.set(GENERATION_KEY, 2, timeout=None)
        cache.set(CHANGED_KEY, int(timezone.now().timestamp()), timeout=None)
    except Exception:
        logger.exception("page cache: could not drop the cached pages")
        _missed_invalidation = True
    else:
        _missed_invalidation = not cache_available()
        if _missed_invalidation:
            logger.warning("page cache: unavailable, the cached pages are dropped once it is back")


def connect_signals():
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(invalidate, dispatch_uid=f"pagecache-{signal!r}")
    for model in (
        Page,
        PageViewRestriction,
        Site,
        Skill,
        CompanyType,
        Background,
        RoleSkill,
        RoleCompanyType,
    ):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"pagecache-del-{model}")
    m2m_changed.connect(
        invalidate, sender=Background.skills.through, dispatch_uid="pagecache-background-skills"
    )
    # Subclasses of Page are saved as their own class: catch every page model too.
    post_save.connect(_page_saved, dispatch_uid="pagecache-any-page")
    post_delete.connect(_page_saved, dispatch_uid="pagecache-any-page-delete")


def _page_saved(sender, instance, **kwargs):
    if isinstance(instance, Page):
        invalidate()


def known_parameters(path):
    """The query parameter names `path` reads, or None if it is not listed (keep them all)."""
    for pattern, names in KNOWN_PARAMETERS:
        if pattern.fullmatch(path):
            return names
    return None


def normalised_query(request):
    """The request's query string as the cache key sees it: the known parameters only, sorted by
    name (values of one name keep their order: it may matter, e.g. compare's columns), each
    name=value pair once."""
    known = known_parameters(request.path_info)
    pairs = []
    for name in sorted(request.GET):
        if known is not None and name not in known:
            continue
        for value in dict.fromkeys(request.GET.getlist(name)):
            pairs.append((name, value))
    return urlencode(pairs)


def _cache_key(request):
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    url = f"{request.scheme}://{request.get_host()}{request.path}?{normalised_query(request)}"
    digest = hashlib.sha256(f"{language}|{url}".encode()).hexdigest()
    return f"pagecache:{generation()}:{digest}"


def has_credentials(request):
    """A bearer token (or any other Authorization) or a session: the answer may be personal."""
    return "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES


def _cacheable_request(request):
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and len(request.get_full_path()) <= MAX_URL_LENGTH
        and not request.path.startswith(UNCACHED_PREFIXES)
        and not has_credentials(request)
        and "messages" not in request.COOKIES
    )


def _cacheable_response(request, response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if "private" in response.get("Cache-Control", "") or "no-store" in response.get(
        "Cache-Control", ""
    ):
        return False
    session = getattr(request, "session", None)
    if session is not None and (session.accessed or session.modified):
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or b"csrfmiddlewaretoken" in response.content:
        return False
    messages = getattr(request, "_messages", None)
    return not (messages is not None and len(messages))


RENDER_SLOT_SECONDS = 60  # a worker killed mid-render frees its client's slot after this


def _start_render(client):
    """Count a render of `client`'s in progress; False if it has UNCACHED_CONCURRENCY already
    (the count is dropped again). A cache that cannot count lets the request through."""
    limit = settings.UNCACHED_CONCURRENCY
    if not limit:
        return True
    key = f"rendering:{client}"
    try:
        cache.add(key, 0, timeout=RENDER_SLOT_SECONDS)
        if cache.incr(key) <= limit:
            return True
        cache.decr(key)
    except Exception:  # expired between add() and incr(), or the cache is down: fail open
        return True
    return False


def _end_render(client):
    if settings.UNCACHED_CONCURRENCY:
        try:
            cache.decr(f"rendering:{client}")
        except Exception:  # expired meanwhile, or the cache is down
            pass


@functools.lru_cache(maxsize=256)
def _too_many_body(language, wait):
    # The same for everyone in one language: a flood of refused requests should cost as little
    # as a cached page, so each language and wait is rendered once per process.
    return render_to_string("429.html", {"wait": wait})


def too_many_requests(request, wait):
    """429 with Retry-After, in the visitor's language; never stored by any cache."""
    response = HttpResponse(_too_many_body(get_language(), wait), status=429)
    response["Retry-After"] = str(wait)
    patch_cache_control(response, no_store=True)
    return response


# Clients this process answered with a 429, and until when (time.monotonic()): the Retry-After
# they were told. For that long FloodGuardMiddleware refuses their cache misses near the top of
# the stack, before the rest of it and the limiter's counting run. A flood of made-up URLs
# through sync workers queues everyone's requests behind its own: each refused request cost
# ~1.4 ms of a worker (bench/run.py's cache-busting scenario), and answering it early costs a
# fraction of that. The pages they would get from the cache stay open to them.
_refused_until = {}
REFUSED_MAX = 10_000  # clients remembered; expired ones are dropped first


def _remember_refusal(client, wait):
    now = monotonic()
    if len(_refused_until) >= REFUSED_MAX:
        for known, until in list(_refused_until.items()):
            if until <= now:
                del _refused_until[known]
        if len(_refused_until) >= REFUSED_MAX:
            _refused_until.clear()
    _refused_until[client] = now + wait


class FloodGuardMiddleware:
    """After the security and CORS headers (so a 429 carries them), before everything else; see
    _refused_until."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _refused_until:  # nobody refused: nothing to do, not even finding the client
            wait = self._wait(request)
            if wait:
                with translation.override(request.LANGUAGE_CODE):
                    return too_many_requests(request, wait)
        return self.get_response(request)

    @staticmethod
    def _wait(request):
        client = client_address(request)
        until = _refused_until.get(client)
        if until is None:
            return 0
        wait = math.ceil(until - monotonic())
        if wait <= 0:
            _refused_until.pop(client, None)
            return 0
        if not _cacheable_request(request) or not cache_available():
            return 0
        # The language LocaleMiddleware will pick, for the page cache's key and the 429 page.
        request.LANGUAGE_CODE = translation.get_language_from_request(request)
        try:
            cached = cache.has_key(_cache_key(request))
        except Exception:  # the cache is down: let PageCacheMiddleware serve it uncached
            return 0
        return 0 if cached else wait


class PageCacheMiddleware:
    """Between LocaleMiddleware (the key needs the language) and the rest; see the module."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_credentials(request):
            # Never from the cache, never into it, and no shared cache may keep it.
            response = self.get_response(request)
            if "no-store" not in response.get("Cache-Control", ""):  # already stronger
                patch_cache_control(response, private=True)
            patch_vary_headers(response, CREDENTIAL_HEADERS)
            return response
        if not _cacheable_request(request):
            return self.get_response(request)
        if not cache_available():  # down: airoles/cache.py logs it; serve the page uncached
            return self.get_response(request)
        if _missed_invalidation:
            invalidate()
        try:
            key = _cache_key(request)
            response = cache.get(key)
        except Exception:  # the cache is down: serve the page uncached
            logger.warning("page cache: unavailable, serving uncached", exc_info=True)
            return self.get_response(request)
        if response is not None:
            response["X-Cache"] = "HIT"
            return response
        # What the cache cannot answer costs a render: limited per client, so that one client
        # making up URLs cannot take the servers from everyone else.
        client = client_address(request)
        wait = ratelimit.wait_seconds("uncached", client, settings.UNCACHED_RATE)
        if wait:
            _remember_refusal(client, wait)
            return too_many_requests(request, wait)
        # With sync workers a render holds a worker: a client with many connections open would
        # hold them all, and cached pages would queue behind its renders.
        if not _start_render(client):
            _remember_refusal(client, 1)
            return too_many_requests(request, 1)
        try:
            response = self.get_response(request)
        finally:
            _end_render(client)
        # Stored (and marked public) only while the cache answers: a page served during an
        # outage says nothing about caching.
        if _cacheable_response(request, response) and cache_available():
            self._add_headers(response)
            try:
                cache.set(key, response, settings.PAGE_CACHE_SECONDS)
            except Exception:
                logger.warning("page cache: could not store %s", request.path, exc_info=True)
            response["X-Cache"] = "MISS"
        return response

    def _add_headers(self, response):
        # Browsers revalidate soon (ETag / Last-Modified → 304); a CDN may keep the page as long
        # as this cache does, and is purged on publish (WAGTAILFRONTENDCACHE).
        patch_cache_control(
            response,
            public=True,
            max_age=settings.PAGE_CACHE_BROWSER_SECONDS,
            s_maxage=settings.PAGE_CACHE_SECONDS,
        )
        # Authorization: a shared cache must not answer a token's request with this copy.
        patch_vary_headers(response, ["Accept-Language", "Cookie", "Authorization"])
        response.setdefault("Last-Modified", http_date(changed_at()))
