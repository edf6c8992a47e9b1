"""Open data: the whole live catalogue as /data/roles.json and /data/roles.csv, and the page at
/data/ that links them and the API and says on what terms the texts may be used.

Both files hold live, public roles only (never drafts), in catalogue order, built from the same
serialisers as the read API (api.py beside this module), so a role looks the same in the API and in
the JSON.
"""

import io
import json

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.http import HttpResponse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import condition, require_safe
from django.views.generic import TemplateView

from wagtail.models import ModelLogEntry, Page, PageLogEntry

from roles.choices import SkillLevel
from roles.datafile.csvfiles import SafeWriter
from roles.models import (
    Background,
    CataloguePageQuerySet,
    CompanyType,
    RoleCategoryPage,
    RoleIndexPage,
    RolePage,
    Skill,
)
from roles.site.caching import kept_for

from .api import (
    THRESHOLD_LABELS,
    Category,
    Role,
    categories,
    editorial_fields,
    next_roles_for,
    threshold_of,
)

JSON_FORMAT = "ai-roles-open-data"
JSON_VERSION = 1
CSV_COLUMNS = (
    "slug",
    "name",
    "english_name",
    "synonyms",
    "category",
    "threshold",
    "definition",
    "essential_skills",
    "preferred_skills",
    "company_types",
    "url",
    "editorial_fields",
)
# Where each kind of text comes from; the files say so, since only some of it is the article's.
FIELD_SOURCES = {
    "article": (
        "The article's own text: names (name), definitions, the skills and company-types "
        "sentences, category summaries; skills, company types and thresholds are normalised "
        "from it (a skill the article names as an example, 如…, is linked as preferred)."
    ),
    "editorial": (
        "Added by the site's editors, not from the article: every english_name (the article is "
        "in Chinese) and every synonym. Each role lists them in editorial_fields."
    ),
}
LIST_SEPARATOR = "; "  # no name in the catalogue contains it; "/" and "、" do occur
# Page changes that alter the public catalogue without a new last_published_at (a view
# restriction added or lifted takes roles out of it or brings them back).
REMOVALS = (
    "wagtail.unpublish",
    "wagtail.delete",
    "wagtail.move",
    "wagtail.view_restriction.create",
    "wagtail.view_restriction.edit",
    "wagtail.view_restriction.delete",
)


def catalogue_last_modified(request=None, *args, **kwargs):
    """When the public catalogue last changed: the latest publication of a visible catalogue
    page, unpublication, deletion, move or change of view restriction of one, or edit of a skill,
    company type or background (Wagtail logs snippet edits made in the admin). None for an empty
    database."""
    page_types = ContentType.objects.get_for_models(RoleIndexPage, RoleCategoryPage, RolePage)
    term_types = ContentType.objects.get_for_models(Skill, CompanyType, Background)
    candidates = [
        # The three page types in one query: the visible() rule over the base Page table.
        CataloguePageQuerySet(Page)
        .filter(content_type__in=page_types.values())
        .visible()
        .aggregate(at=Max("last_published_at"))["at"],
        PageLogEntry.objects.filter(
            content_type__in=page_types.values(), action__in=REMOVALS
        ).aggregate(at=Max("timestamp"))["at"],
        ModelLogEntry.objects.filter(content_type__in=term_types.values()).aggregate(
            at=Max("timestamp")
        )["at"],
    ]
    return max((at for at in candidates if at), default=None)


def source():
    index = RoleIndexPage.objects.visible().first()
    if index is None:
        return {}
    return {
        "title": index.source_title,
        "author": index.source_author,
        "url": index.source_url,
        "published": index.source_published.isoformat() if index.source_published else "",
    }


TERMS = (
    "The texts (definitions, skills, company types, category descriptions) are summarised from "
    "the source article, whose copyright belongs to its author; it states that it may not be "
    "reproduced without permission. These data are provided for personal study and reference, "
    "with attribution and a link to the source. Republishing the texts requires the author's "
    "permission. No open licence is granted for the content."
)


def dump(schema, objects, request):
    """Objects as the read API writes them (its schemas), for json.dumps."""
    context = {"request": request}
    return [schema.from_orm(obj, context=context).model_dump() for obj in objects]


@require_safe
@condition(last_modified_func=catalogue_last_modified)
def roles_json(request):
    body = kept_for(request, "roles.json", lambda: _roles_json(request))
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = 'inline; filename="ai-roles.json"'
    return response


def _roles_json(request):
    modified = catalogue_last_modified()
    data = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "last_modified": modified.isoformat() if modified else None,
        "source": source(),
        "terms": TERMS,
        "field_sources": FIELD_SOURCES,
        "categories": dump(Category, categories(), request),
        "roles": dump(Role, next_roles_for(request, roles()), request),
    }
    return json.dumps(data, ensure_ascii=False, indent=1)


def roles():
    return RolePage.objects.visible().for_listing().order_by("category__sort_order", "path")


@require_safe
@condition(last_modified_func=catalogue_last_modified)
def roles_csv(request):
    body = kept_for(request, "roles.csv", lambda: _roles_csv(request))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ai-roles.csv"'
    return response


def _roles_csv(request):
    out = io.StringIO()
    out.write("\ufeff")  # a BOM, or Excel reads UTF-8 as the local code page
    writer = SafeWriter(out)
    writer.writerow(CSV_COLUMNS)
    for role in roles():
        skills = role.skills
        writer.writerow(
            [
                role.slug,
                role.title,
                role.english_name,
                LIST_SEPARATOR.join(role.synonym_list),
                role.category.title,
                str(THRESHOLD_LABELS[threshold_of(role.category)]),
                role.definition,
                LIST_SEPARATOR.join(
                    link.skill.name for link in skills if link.level == SkillLevel.ESSENTIAL
                ),
                LIST_SEPARATOR.join(
                    link.skill.name for link in skills if link.level == SkillLevel.PREFERRED
                ),
                LIST_SEPARATOR.join(company_type.name for company_type in role.company_types),
                role.get_full_url(request),
                LIST_SEPARATOR.join(editorial_fields(role)),
            ]
        )
    return out.getvalue()


class OpenDataView(TemplateView):
    """/data/: the downloads, the API, the date of the last change and the terms of use."""

    template_name = "roles/open_data.html"

    def get_context_data(self, **kwargs):
        # Read only where the page's content is rendered: it is kept ({% kept %}).
        return {
            **super().get_context_data(**kwargs),
            "last_modified": SimpleLazyObject(catalogue_last_modified),
            "role_count": SimpleLazyObject(RolePage.objects.visible().count),
            "source": SimpleLazyObject(source),
        }
