"""Small middleware: the language's Vary header, and gzip for public HTML. (CORS for the open data
is django-cors-headers: CORS_* in settings.)"""

from django.middleware import locale
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers


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
    or an API token: roles/caching.py) or is not HTML. Before ConditionalGetMiddleware in
    MIDDLEWARE, so its ETag is computed on the uncompressed page."""

    def process_response(self, request, response):
        if (
            response.streaming
            or response.cookies
            or not response.get("Content-Type", "").startswith("text/html")
            or "private" in response.get("Cache-Control", "")
            or b"csrfmiddlewaretoken" in response.content
        ):
            return response
        return super().process_response(request, response)
