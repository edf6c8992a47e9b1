"""Sharing a page: its canonical absolute address (for the share sheet and copy-link) and a QR
code of that address, drawn on the server by segno as SVG, so a desktop visitor can open the page
on a phone or in WeChat, offline.

The QR code lives at /qr + the page's path (/qr/tech-rnd/prompt-engineer/, /qr/compare/?roles=…)
and only draws this site's own shareable pages: a live, public role page, or compare or the
shortlist with those of their `roles` that name live, public roles. It never encodes text a
visitor chose, so it is no open QR generator."""

import io

import segno

from django.db.models import CharField, Subquery, Value
from django.db.models.functions import Concat
from django.http import Http404, HttpResponse
from django.urls import reverse

from wagtail.models import Page, Site

from roles.models import RolePage

from .matching import MAX_COMPARED, MAX_SHORTLIST, SLUG_RE, parse_role_slugs

QR_ERROR_CORRECTION = "m"  # survives a smudged print or a phone held at an angle


def share_links(request, target):
    """{"url", "qr"} for a role page or the path (with query) of a compare or shortlist page."""
    if isinstance(target, Page):
        return {"url": target.get_full_url(request), "qr": qr_url(target.get_url_parts(request)[2])}
    return {"url": request.build_absolute_uri(target), "qr": qr_url(target)}


def qr_url(path):
    """/qr + the page's path: the QR view is keyed by the page it draws."""
    base, _, query = path.partition("?")
    return reverse("qr_code", args=[base.lstrip("/")]) + (f"?{query}" if query else "")


def listed_roles_paths():
    """Pages whose `roles` parameter lists roles, and how many each shows."""
    return {reverse("compare"): MAX_COMPARED, reverse("shortlist"): MAX_SHORTLIST}


def shareable_address(request, path):
    """The canonical absolute address of the shareable page at `path`, or None."""
    limit = listed_roles_paths().get(path)
    if limit is not None:
        slugs, _notices = parse_role_slugs(request.GET.getlist("roles"))
        wanted = [slug for slug in slugs if SLUG_RE.match(slug)][:50]
        known = set(
            RolePage.objects.visible().filter(slug__in=wanted).values_list("slug", flat=True)
        )
        slugs = [slug for slug in wanted if slug in known][:limit]
        query = f"?roles={','.join(slugs)}" if slugs else ""  # slugs: nothing to escape
        return request.build_absolute_uri(path + query)
    site = Site.find_for_request(request)
    # A NUL byte is refused here: PostgreSQL cannot compare it.
    if site is None or not path.endswith("/") or "\x00" in path:
        return None
    root = Page.objects.filter(pk=site.root_page_id).values("url_path")
    role = (
        RolePage.objects.visible()
        .filter(url_path=Concat(Subquery(root), Value(path[1:]), output_field=CharField()))
        .first()
    )
    return role.get_full_url(request) if role is not None else None


def qr_code(request, path):
    address = shareable_address(request, "/" + path)
    if address is None:
        raise Http404
    svg = io.BytesIO()
    segno.make(address, error=QR_ERROR_CORRECTION).save(
        svg,
        kind="svg",
        xmldecl=False,
        scale=1,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,  # a viewBox only: the page sets the size
        title=address,
    )
    return HttpResponse(svg.getvalue(), content_type="image/svg+xml")
