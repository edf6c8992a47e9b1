"""The public pages' cache: whole responses for anonymous visitors, kept in Django's default cache
(Redis when REDIS_URL is set, local memory otherwise) and dropped all at once whenever a page or
a vocabulary term changes.

A response is only stored when it is the same for every anonymous visitor: no session was read,
no cookie is set, no CSRF token or message is on the page. Entries are keyed by a generation
number that each change bumps, so invalidation is one write, shared by every app server that
uses the same cache.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from wagtail.signals import page_published, page_unpublished, post_page_move

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
CHANGED_KEY = "pagecache:changed-at"
UNCACHED_PREFIXES = ("/admin/", "/django-admin/", "/documents/", "/subscribe/", "/static/")
MAX_URL_LENGTH = 1000


def generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def changed_at():
    """When the catalogue last changed (or, after a cache restart, when that was first asked)."""
    value = cache.get(CHANGED_KEY)
    if value is None:
        value = int(timezone.now().timestamp())
        cache.add(CHANGED_KEY, value, timeout=None)
    return value


def invalidate(**kwargs):
    """Drop every cached page: called for any change to pages, terms or sites. A cache that is
    down must not stop an editor's change, so its errors are logged, not raised."""
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # not there yet
            cache.set(GENERATION_KEY, 2, timeout=None)
        cache.set(CHANGED_KEY, int(timezone.now().timestamp()), timeout=None)
    except Exception:
        logger.exception("page cache: could not drop the cached pages")


def connect_signals():
    from wagtail.models import Page, Site

    from .models import Background, CompanyType, RoleCompanyType, RoleSkill, Skill

    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(invalidate, dispatch_uid=f"pagecache-{signal!r}")
    for model in (Page, Site, Skill, CompanyType, Background, RoleSkill, RoleCompanyType):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"pagecache-del-{model}")
    m2m_changed.connect(
        invalidate, sender=Background.skills.through, dispatch_uid="pagecache-background-skills"
    )
    # Subclasses of Page are saved as their own class: catch every page model too.
    post_save.connect(_page_saved, dispatch_uid="pagecache-any-page")
    post_delete.connect(_page_saved, dispatch_uid="pagecache-any-page-delete")


def _page_saved(sender, instance, **kwargs):
    from wagtail.models import Page

    if isinstance(instance, Page):
        invalidate()


def _cache_key(request):
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    url = request.build_absolute_uri()
    digest = hashlib.sha256(f"{language}|{url}".encode()).hexdigest()
    return f"pagecache:{generation()}:{digest}"


def _cacheable_request(request):
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and len(request.get_full_path()) <= MAX_URL_LENGTH
        and not request.path.startswith(UNCACHED_PREFIXES)
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
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


class PageCacheMiddleware:
    """Between LocaleMiddleware (the key needs the language) and the rest; see the module."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable_request(request):
            return self.get_response(request)
        try:
            key = _cache_key(request)
            response = cache.get(key)
        except Exception:  # the cache is down: serve the page uncached
            logger.warning("page cache: unavailable, serving uncached", exc_info=True)
            return self.get_response(request)
        if response is not None:
            response["X-Cache"] = "HIT"
            return response
        response = self.get_response(request)
        if _cacheable_response(request, response):
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
        patch_vary_headers(response, ["Accept-Language", "Cookie"])
        response.setdefault("Last-Modified", http_date(changed_at()))
