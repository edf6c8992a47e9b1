"""Site-wide middleware: the language's Vary header, gzip for public HTML, and the Wagtail site
of a request without a query."""

import threading

from django.core.exceptions import DisallowedHost
from django.middleware import locale
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers

from wagtail.models import Site

from .caching import until_changed


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's, plus `Vary: Cookie`: the language may come from the cookie that the language
    switcher sets, not only from Accept-Language, so a cache must key on both."""

    def process_response(self, request, response):
        response = super().process_response(request, response)
        patch_vary_headers(response, ("Cookie",))
        return response


class PublicGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for public HTML pages only. Compression next to a secret on the
    same page lets an attacker who can inject text and watch sizes guess the secret (BREACH), so
    a response is left as it is if it sets a cookie, carries a CSRF token, is private (a session
    or an API token: roles/site/caching.py) or is not HTML. Before ConditionalGetMiddleware in
    MIDDLEWARE, so its ETag is computed on the uncompressed page.

    Each process keeps the compressed bytes of the last KEPT pages it compressed, by their strong
    ETag (the uncompressed page's digest): a page served from the page cache is the same bytes
    each time, and compressing it again was three quarters of a cached listing's time in process
    (1.32 → 0.33 ms without gzip). Reusing the bytes reuses their random padding too, which only
    guards against BREACH; these pages hold no secret."""

    KEPT = 256  # pages; ~15 KiB each compressed

    def __init__(self, get_response):
        super().__init__(get_response)
        self.kept = {}  # strong ETag → gzipped body, oldest first
        self.lock = threading.Lock()

    def process_response(self, request, response):
        if (
            response.streaming
            or response.cookies
            or not response.get("Content-Type", "").startswith("text/html")
            or "private" in response.get("Cache-Control", "")
            or b"csrfmiddlewaretoken" in response.content
        ):
            return response
        etag = response.get("ETag", "")
        strong = etag.startswith('"')
        body = self.kept.get(etag) if strong else None
        if (
            body is None
            or response.has_header("Content-Encoding")
            or not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        ):
            response = super().process_response(request, response)
            if strong and response.get("Content-Encoding") == "gzip":
                with self.lock:
                    self.kept[etag] = response.content
                    while len(self.kept) > self.KEPT:
                        self.kept.pop(next(iter(self.kept)))
            return response
        # What GZipMiddleware does to a response it compresses, with the kept bytes.
        patch_vary_headers(response, ("Accept-Encoding",))
        response.content = body
        response.headers["Content-Length"] = str(len(body))
        response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response


class SiteMiddleware:
    """Wagtail finds a request's Site with a query on every request, then reads its root page's
    own fields with another, before any page is routed. Both are kept until the catalogue next
    changes (until_changed: a page's or a Site's change bumps it), and Wagtail takes the site
    from request._wagtail_site, where Site.find_for_request would put it. Each request gets its
    own copy (unpickled from the cache), so no page object is shared between requests. After
    the page cache in MIDDLEWARE, so that only requests that render pay even the cache read;
    not for the admin, which works on the pages themselves."""

    ADMIN_PREFIXES = ("/admin/", "/django-admin/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(self.ADMIN_PREFIXES):
            try:
                host = request.get_host()  # ALLOWED_HOSTS bounds the keys
            except DisallowedHost:
                host = None  # refused further on, as ever
            if host is not None:
                key = f"site:{host}:{request.get_port()}"
                request._wagtail_site = until_changed(key, lambda: _site_of(request))
        return self.get_response(request)


def _site_of(request):
    site = Site._find_for_request(request)
    if site is not None:
        site.root_page = site.root_page.specific
    return site
