"""Rendered role cards kept in Django's cache, so that a page the page cache cannot answer (a new
combination of filters, a page of the finder) renders only what changed: a role card's markup
depends on the role, its category and its taxonomy links, which change only when an editor saves
or publishes, and on the interface language.

A card is keyed by the role, the language, whether it shows its category, and the page cache's
generation (roles/site/caching.py), which every page, term or link change bumps: one write drops
every card, as it drops every page. Cards that show a search's highlights or match reasons are
particular to one request and are rendered, never stored.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet, prefetch_related_objects
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from roles.discovery.matching import related_roles
from roles.models.pages import CARDS_SHOWN, LISTING_PREFETCH
from roles.site.caching import (
    FRAGMENT_TIMEOUT,
    cache_available,
    generation,
    kept_for,
    until_changed,
)

logger = logging.getLogger(__name__)

TEMPLATE = "includes/role_card.html"
__all__ = [
    "CARDS_SHOWN",
    "related_ids",
    "render_cards",
    "render_kept",
    "render_related",
    "render_role_body",
    "role_structured_data",
]


def _key(version, pk, language, show_category):
    return f"card:{version}:{language}:{int(show_category)}:{pk}"


def _needs_links(role):
    cache = getattr(role, "_prefetched_objects_cache", {})
    return "skill_links" not in cache or "company_type_links" not in cache


def render_cards(roles, context, show_category=False):
    """The cards of `roles` as one safe string: stored cards from the cache, the rest rendered
    (their skill and company-type links fetched in one query each, for all of them at once).
    `roles` may be a queryset not yet read: if every card is stored, only the roles' ids are
    read (a listing page's rows with their categories were a third of its time)."""
    words = context.get("search_words") or []
    language = get_language()
    storable = settings.FRAGMENT_CACHE and not words and cache_available()
    keys, found = {}, {}
    if storable and isinstance(roles, QuerySet) and roles._result_cache is None:
        keys, found = _stored(roles.values_list("pk", flat=True), language, show_category)
        if keys and len(found) == len(keys):
            return mark_safe("".join(found[key] for key in keys.values()))  # noqa: S308
    roles = list(roles)
    if storable and not keys:
        # Cards that show a search's match reasons are particular to one request.
        pks = [role.pk for role in roles if not getattr(role, "match_reasons", None)]
        keys, found = _stored(pks, language, show_category)
    template = get_template(TEMPLATE)
    flat = context.flatten()
    missing = [role for role in roles if keys.get(role.pk) not in found]
    unlinked = [role for role in missing if _needs_links(role)]
    if unlinked:
        prefetch_related_objects(unlinked, *LISTING_PREFETCH)
    rendered, new = [], {}
    for role in roles:
        key = keys.get(role.pk)
        if key in found:
            rendered.append(found[key])
            continue
        html = template.render({**flat, "role": role, "show_category": show_category})
        rendered.append(html)
        if key:
            new[key] = html
    if new:
        try:
            cache.set_many(new, FRAGMENT_TIMEOUT)
        except Exception:
            logger.warning("role cards: could not store", exc_info=True)
    return mark_safe("".join(rendered))  # noqa: S308  (rendered by the template engine)


def _stored(pks, language, show_category):
    """({pk: key}, {key: stored card}) for the cards of these roles, in their order; both empty
    when the cache cannot answer (every card is then rendered)."""
    try:
        version = generation()
        keys = {pk: _key(version, pk, language, show_category) for pk in pks}
        return keys, cache.get_many(list(keys.values()))
    except Exception:
        logger.warning("role cards: cache unavailable, rendering", exc_info=True)
        return {}, {}


def _stored_for_live(context, name, compute):
    """compute() for the page in `context` (if any), kept until the catalogue changes, per host
    and language (caching.kept_for)."""
    return kept_for(context.get("request"), name, compute, context.get("page"))


def render_kept(context, name, render):
    """Markup that depends only on the catalogue, the page, the host and the language ({% kept %}
    in roles_listing), rendered once per generation."""
    return _stored_for_live(context, f"kept:{name}", lambda: mark_safe(render()))  # noqa: S308


def render_related(context):
    """The related roles of the role page in `context` (includes/related_roles.html). They depend
    on the whole catalogue (how specific each skill is), so they are kept per generation."""

    def render():
        template = get_template("includes/related_roles.html")
        flat = {**context.flatten(), "related": related_roles(context["page"])}
        return mark_safe(template.render(flat))  # noqa: S308  (rendered, escaped)

    return _stored_for_live(context, "related", render)


def render_role_body(context):
    """A role page's content (roles/role_page_body.html): everything below the header, which
    depends only on the catalogue, the language and the host."""

    def render():
        page = context["page"]
        extra = page.content_context(context.get("request"))
        template = get_template("roles/role_page_body.html")
        return mark_safe(template.render({**context.flatten(), **extra}))  # noqa: S308

    return _stored_for_live(context, "role-body", render)


def role_structured_data(context):
    """A role page's JSON-LD (RolePage.structured_data), kept like its content."""

    def build():
        page, request = context["page"], context.get("request")
        page.load_links(request)
        return page.structured_data(request, context["category"], page.sections())

    return _stored_for_live(context, "role-ld", build)


def related_ids(role):
    """The ids of `role`'s related roles (matching.related_roles), best first, kept per
    generation like the rendered ones: compare's suggestions need only these."""
    return until_changed(
        f"related-ids:{role.pk}", lambda: [item.role.pk for item in related_roles(role)]
    )
