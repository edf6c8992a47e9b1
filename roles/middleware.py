"""Small middleware: CORS for the open data, the language's Vary header, and gzip for public
HTML."""

from django.http import HttpResponse
from django.middleware import locale
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

CORS_PATHS = ("/api/v3/", "/data/")
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
ALLOWED_HEADERS = "Accept, Accept-Language, Content-Language, Content-Type, If-Modified-Since"
# Headers a script may read beyond the CORS-safelisted ones.
EXPOSED_HEADERS = "Content-Disposition, Last-Modified, Retry-After"


class OpenDataCorsMiddleware:
    """Any site may read /api/v3/ and /data/ from a browser. Read-only, no credentials, so `*`
    is enough and no third-party package is needed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(CORS_PATHS):
            return self.get_response(request)
        preflight = request.method == "OPTIONS" and (
            "access-control-request-method" in request.headers
        )
        if preflight:
            # Answered here: the views behind these paths only know GET.
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
            if request.method not in ("GET", "HEAD"):
                return response
            response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        response["Access-Control-Allow-Origin"] = "*"
        return response


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
