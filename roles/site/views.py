"""Site-wide views: the language switch, robots.txt and the sitemap."""

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap

from .caching import kept_for
from .sitemaps import SITEMAPS


@never_cache
def switch_language(request, language):
    """The header's language links: a plain GET that remembers the choice in the language
    cookie and goes back to `next` (a path on this site only). A link, unlike Django's POST
    set_language view, needs no CSRF token on every page, so pages stay cacheable."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /django-admin/",
        "Disallow: /subscribe/",
        "Disallow: /lang/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def sitemap(request):
    """Wagtail's sitemap of the pages, plus the skill pages (sitemaps.py), kept until the
    catalogue changes: building it works out every page's URL and last change (~60 ms at 45
    roles). A later page of a long sitemap (?p=2) is built each time."""
    if "p" in request.GET:
        return wagtail_sitemap(request, sitemaps=SITEMAPS)

    def build():
        response = wagtail_sitemap(request, sitemaps=SITEMAPS).render()
        return response.status_code, response.content, dict(response.items())

    status, content, headers = kept_for(request, "sitemap", build)
    return HttpResponse(content, status=status, headers=headers)
