"""Response headers that Django's own middleware does not set: Permissions-Policy everywhere, and
the Wagtail admin's own Content-Security-Policy (its widgets use inline scripts and styles, which
the public site's policy refuses)."""

from django.conf import settings

ADMIN_PREFIXES = ("/admin/", "/django-admin/")


class SecurityHeadersMiddleware:
    """Goes after ContentSecurityPolicyMiddleware in MIDDLEWARE, so that the policy chosen here
    is the one that middleware writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if request.path.startswith(ADMIN_PREFIXES) and not hasattr(response, "_csp_config"):
            response._csp_config = settings.SECURE_CSP_ADMIN
        return response
