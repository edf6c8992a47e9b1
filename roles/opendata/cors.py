"""CORS for the open data: any site may read /api/v3/ and /data/ from a browser."""

from django.http import HttpResponse

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
