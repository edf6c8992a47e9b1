"""The read API: project routers mounted on Wagtail's API v3 (django-ninja) at /api/v3/.

Wagtail's own page endpoints stay as they are; these routers add what they cannot give (role
listings with their taxonomy as objects rather than ids, the public listing's facets and Chinese
search). The role list runs the same RoleFilterSet over the same queryset as /roles/, so the two
give the same roles for the same query; where the HTML listing drops an unknown value with a
notice, the API answers 422, since a program cannot read a notice.
"""

import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.throttling import AnonRateThrottle

from django.conf import settings
from django.db import DataError, IntegrityError, OperationalError, connection
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wagtail.api.v3.errors import ProblemDetail, problem_response
from wagtail.api.v3.urls import api
from wagtail.models import APIToken

from airoles.clients import client_address
from roles.catalogue.filters import RoleFilterSet
from roles.catalogue.forms import QUERY_MAX_LENGTH
from roles.choices import UNSTATED, ThresholdLevel
from roles.models import (
    Background,
    CompanyType,
    RoleCategoryPage,
    RoleCompanyType,
    RolePage,
    RoleSkill,
    Skill,
)
from roles.models.blocks import (
    CURRENCIES,
    PERIODS,
    RouteKind,
    is_dated,
    item_values,
    raw_next_role_ids,
    role_sections,
)

MAX_LIMIT = 100
MAX_OFFSET = 100_000  # far past any catalogue; keeps OFFSET within what SQL accepts
FACETS = ("company_type", "category", "skill", "threshold")

ERRORS = {
    400: ProblemDetail,
    404: ProblemDetail,
    422: ProblemDetail,
    429: ProblemDetail,
}


class CatalogueThrottle(AnonRateThrottle):
    """Anonymous callers, by address, at API_THROTTLE_RATE ("120/min"; None: no limit). The rate
    is read on each request rather than once at import, so settings (and tests) can change it.
    The address is the one every limit uses (airoles/clients.py): ninja's own would take
    X-Forwarded-For as the client sent it, and a new value per request would lift the limit.
    The counters are in the shared cache; while it is down they let requests through."""

    def __init__(self):
        self.rate = None
        self.num_requests = self.duration = None

    def allow_request(self, request):
        self.rate = getattr(settings, "API_THROTTLE_RATE", None)
        if not self.rate:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request):
        # Wagtail's AllowAnonymous sets request.auth to an AnonymousUser, which ninja's own
        # AnonRateThrottle takes for a caller with credentials; only a bearer token is one.
        if isinstance(getattr(request, "auth", None), APIToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def get_ident(self, request):
        return client_address(request)


# Schemas: what the API returns, read straight from the models (ninja's resolvers and aliases);
# names are the catalogue's Chinese names, keys are English.

Threshold = Literal["high", "fairly_high", "moderate", "unstated"]
THRESHOLD_LABELS = {**dict(ThresholdLevel.choices), UNSTATED: "未注明"}


def threshold_of(category):
    return category.threshold_level or UNSTATED


def absolute(context, name, slug):
    return context["request"].build_absolute_uri(reverse(name, args=[slug]))


def page_url(page, context):
    return page.get_full_url(context["request"])


class Term(Schema):
    slug: str = Field(description="Stable identifier, used in URLs and filters.")
    name: str = Field(description="Name in Chinese, as the article has it.")


class CategoryRef(Term):
    name: str = Field(alias="title", description=Term.model_fields["name"].description)
    threshold: Threshold = Field(
        description="The category's entry threshold as the article states it; `unstated` where "
        "the article gives no level."
    )
    threshold_label: str = Field(description="The threshold in Chinese.")

    resolve_threshold = staticmethod(threshold_of)

    @staticmethod
    def resolve_threshold_label(category):
        return str(THRESHOLD_LABELS[threshold_of(category)])


class RoleSkillOut(Term):
    """A role's link to a skill (RoleSkill), which carries the level."""

    slug: str = Field(alias="skill.slug", description=Term.model_fields["slug"].description)
    name: str = Field(alias="skill.name", description=Term.model_fields["name"].description)
    level: Literal["essential", "preferred"] = Field(
        description="`essential`: the article asks for it; `preferred`: it counts in your favour "
        "(the article marks it 优先, or names it as an example, 如…, of an essential skill)."
    )


class SourceOut(Schema):
    title: str
    url: str
    consulted: str = Field(description="The date an editor last checked the source (ISO 8601).")


class SectionOut(Schema):
    heading: str = Field(description="The section's heading on the page, in Chinese.")
    sources: list[SourceOut] = Field(
        description="What the section rests on; the page shows them as numbered references."
    )


class DailyWorkOut(SectionOut):
    type: Literal["daily_work"]
    tasks: list[str]


class RouteOut(Schema):
    kind: Literal["education", "certificate", "portfolio", "career_change"]
    kind_label: str
    text: str


class EntryRoutesOut(SectionOut):
    type: Literal["entry_routes"]
    routes: list[RouteOut]


class NextRoleOut(Schema):
    slug: str
    name: str
    url: str
    note: str


class CareerPathOut(SectionOut):
    type: Literal["career_path"]
    next_roles: list[NextRoleOut] = Field(description="Live roles this one can lead to.")


class ResourceOut(Schema):
    title: str
    url: str
    kind: str
    free: bool
    language: str
    checked_on: str = Field(description="When an editor last checked the link (ISO 8601).")


class LearningResourcesOut(Schema):
    type: Literal["learning_resources"]
    heading: str
    resources: list[ResourceOut]


class SalaryRowOut(Schema):
    city: str
    minimum: int
    maximum: int
    currency: Literal[tuple(code for code, _label in CURRENCIES)]
    period: Literal[tuple(code for code, _label in PERIODS)]
    as_of: str = Field(description="The time the figures describe (ISO 8601).")
    dated: bool = Field(description="`as_of` is more than twelve months ago.")


class SalaryOut(SectionOut):
    type: Literal["salary"]
    rows: list[SalaryRowOut]


class QuestionOut(Schema):
    question: str
    answer: str


class FAQOut(SectionOut):
    type: Literal["faq"]
    questions: list[QuestionOut]


RoleSection = Annotated[
    DailyWorkOut | EntryRoutesOut | CareerPathOut | LearningResourcesOut | SalaryOut | FAQOut,
    Field(discriminator="type"),
]


def editorial_fields(role):
    """Which of a role's fields are the editors' additions: its English name and synonyms (the
    article names each role once, in Chinese)."""
    return [name for name in ("english_name", "synonyms") if getattr(role, name)]


class Role(Schema):
    """Reads only what for_listing() prefetched."""

    slug: str
    name: str = Field(alias="title", description="The role's name in Chinese.")
    english_name: str = Field(
        description="Editorial: the editors' English translation of the name (the article is in "
        "Chinese); empty where there is none."
    )
    synonyms: list[str] = Field(
        alias="synonym_list",
        description="Editorial: other names the editors added for search; not from the article.",
    )
    category: CategoryRef
    definition: str = Field(description="角色定义: what the role does, summarised.")
    skills: list[RoleSkillOut] = Field(description="Core skills, essential ones first.")
    company_types: list[Term] = Field(description="Kinds of companies that hire the role.")
    url: str = Field(description="Absolute URL of the role's page on the site.")
    sections: list[RoleSection] = Field(
        description="The sections editors wrote for the role (day-to-day work, ways in, next "
        "roles, learning resources, salaries, questions), each with its sources, in the order "
        "the page shows them; only those with content."
    )
    editorial_fields: list[str] = Field(
        description="The fields of this object that hold the editors' additions rather than "
        "the article's text (`english_name`, `synonyms` where filled)."
    )

    resolve_url = staticmethod(page_url)

    @staticmethod
    def resolve_editorial_fields(role):
        return editorial_fields(role)

    @staticmethod
    def resolve_sections(role, context):
        request = context["request"]
        # A list or download looks the next roles up once for all its roles (next_roles_for).
        next_roles = getattr(request, "next_roles", None)
        if next_roles is None:
            next_roles = visible_next_roles([role])
        return [section_out(section, request) for section in role_sections(role.body, next_roles)]


def visible_next_roles(roles):
    """{id: role} of the visible roles that the 职业发展 sections of `roles` name: one query,
    and none for a role without such a section, read from the stored data."""
    ids = {pk for role in roles for pk in raw_next_role_ids(role.body.raw_data)}
    return RolePage.objects.visible().filter(pk__in=ids).in_bulk() if ids else {}


def next_roles_for(request, roles):
    """Look up the next roles of all `roles` in one query, for their sections to read."""
    roles = list(roles)
    request.next_roles = visible_next_roles(roles)
    return roles


def _raw_items(value, name):
    return [item for item in item_values(value.get(name)) if item is not None]


SALARY_FIELDS = ("city", "minimum", "maximum", "currency", "period")


def parse_date(value):
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def section_out(section, request):
    """A section as the API gives it, from its stored data (no query)."""
    raw = section.raw
    out = {"type": section.name, "heading": str(section.label)}
    if section.block.cites_sources:
        out["sources"] = [
            {
                "title": s.get("title", ""),
                "url": s.get("url", ""),
                "consulted": s.get("consulted") or "",
            }
            for s in section.raw_sources
        ]
    if section.name == "daily_work":
        out["tasks"] = [str(task) for task in _raw_items(raw, "tasks")]
    elif section.name == "entry_routes":
        labels = dict(RouteKind.CHOICES)
        out["routes"] = [
            {"kind": r["kind"], "kind_label": str(labels.get(r["kind"], "")), "text": r["text"]}
            for r in _raw_items(raw, "routes")
        ]
    elif section.name == "career_path":
        out["next_roles"] = [
            {
                "slug": role.slug,
                "name": role.title,
                "url": role.get_full_url(request),
                "note": note,
            }
            for role, note in section.next_roles
        ]
    elif section.name == "learning_resources":
        out["resources"] = [
            {key: r.get(key) for key in ("title", "url", "kind", "free", "language", "checked_on")}
            for r in _raw_items(raw, "resources")
        ]
    elif section.name == "salary":
        out["rows"] = [
            {
                **{key: row.get(key) for key in SALARY_FIELDS},
                "as_of": row.get("as_of") or "",
                "dated": is_dated(parse_date(row.get("as_of"))),
            }
            for row in _raw_items(raw, "rows")
        ]
    elif section.name == "faq":
        out["questions"] = [
            {"question": q["question"], "answer": q["answer"]} for q in _raw_items(raw, "questions")
        ]
    return out


def iso(value):
    # isoformat(), not pydantic's datetime encoding: the API has always written "+00:00", not "Z".
    return value.isoformat() if value else None


class RoleDetail(Role):
    skills_text: str = Field(description="The article's own sentence on core skills.")
    company_types_text: str = Field(description="The article's own sentence on company types.")
    first_published_at: str | None = Field(description="ISO 8601, when the role first went live.")
    last_published_at: str | None = Field(description="ISO 8601, when the role last changed.")

    @staticmethod
    def resolve_first_published_at(role):
        return iso(role.first_published_at)

    @staticmethod
    def resolve_last_published_at(role):
        return iso(role.last_published_at)


class RoleQuery(Schema):
    """The role list's filters; `limit` and `offset` belong to RolePagination."""

    company_type: list[str] = Field(
        [], description="Company type slugs (see /api/v3/company-types/)."
    )
    category: list[str] = Field([], description="Category slugs (see /api/v3/categories/).")
    skill: list[str] = Field([], description="Skill slugs (see /api/v3/skills/).")
    threshold: list[str] = Field(
        [],
        description="Category thresholds: `high`, `fairly_high`, `moderate`, or `unstated` "
        "where the article gives no level.",
    )
    q: str = Field(
        "",
        max_length=QUERY_MAX_LENGTH,
        description="Keywords in Chinese or English, matched against names, synonyms, "
        "definitions and skills (Chinese is segmented into words). All words must match.",
    )
    sort: Literal["", "name", "newest"] = Field(
        "", description="`name`, `newest` (first published), or empty for the default order."
    )


class RolePagination(LimitOffsetPagination):
    """Ninja's limit/offset pagination with two changes that keep the API's documented shape:
    the envelope echoes `limit` and `offset` beside `count` and `items`, and `offset` is bounded
    (far past any catalogue) so that it stays within what SQL accepts."""

    class Input(Schema):
        limit: int = Field(20, ge=1, le=MAX_LIMIT, description="Roles per page.")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Roles to skip.")

    class Output(Schema):
        count: int = Field(description="Roles matching the query, over all pages.")
        limit: int
        offset: int
        items: list[Any]

    def __init__(self, **kwargs):
        super().__init__(max_limit=MAX_LIMIT, **kwargs)

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        items = next_roles_for(request, page["items"])
        return {**page, "items": items, "limit": pagination.limit, "offset": pagination.offset}


class RoleLink(Schema):
    slug: str
    name: str = Field(alias="title")
    url: str

    resolve_url = staticmethod(page_url)


EDITORIAL_ENGLISH_NAME = Field(
    description="Editorial: the editors' English translation of the name (the article is in "
    "Chinese)."
)


class Category(CategoryRef):
    english_name: str = EDITORIAL_ENGLISH_NAME
    intro: str = Field(description="The article's summary of the category.")
    suits: str = Field(description="Who suits a transition into the category.")
    threshold_text: str = Field(description="The article's sentence on the threshold.")
    role_count: int
    url: str

    resolve_url = staticmethod(page_url)


class CategoryDetail(Category):
    roles: list[RoleLink] = Field(alias="visible_roles")


class TaxonomyTerm(Term):
    english_name: str = EDITORIAL_ENGLISH_NAME
    description: str
    role_count: int = Field(description="Live roles linked to the term.")


def linked_roles(term):
    """The live roles linked to a term, from the prefetch that live_links() builds."""
    return [link.page for link in term.role_links.all()]


class SkillOut(TaxonomyTerm):
    url: str = Field(
        description="The skill's page on the site: the roles that need it and how to learn it."
    )

    @staticmethod
    def resolve_url(term, context):
        return absolute(context, "skill_detail", term.slug)


class SkillDetail(SkillOut):
    roles: list[RoleLink]

    resolve_roles = staticmethod(linked_roles)


class CompanyTypeOut(TaxonomyTerm):
    url: str = Field(description="The listing of the roles this kind of company hires.")

    @staticmethod
    def resolve_url(term, context):
        return absolute(context, "company_type_detail", term.slug)


class CompanyTypeDetail(CompanyTypeOut):
    roles: list[RoleLink]

    resolve_roles = staticmethod(linked_roles)


class BackgroundOut(Term):
    english_name: str = EDITORIAL_ENGLISH_NAME
    description: str
    skills: list[Term] = Field(description="Skills that people with this background usually have.")


class ListOf[T](Schema):
    count: int
    items: list[T]


def whole_list(queryset):
    """A vocabulary is tens of terms: given whole, with its count, in one query."""
    items = list(queryset)
    return {"count": len(items), "items": items}


def live_links(link_model):
    """Links to live, public roles only, with the role's URL fields, in catalogue order."""
    links = link_model.objects.filter(page__in=RolePage.objects.visible().values("pk"))
    return Prefetch("role_links", queryset=links.select_related("page").order_by("page__path"))


def live_role_count():
    return RolePage.visible_count("role_links__page")


NOT_FOUND = {
    "role": _("没有 URL 标识为“%(slug)s”的岗位。"),
    "category": _("没有 URL 标识为“%(slug)s”的类别。"),
    "skill": _("没有 URL 标识为“%(slug)s”的技能。"),
    "company type": _("没有 URL 标识为“%(slug)s”的公司类型。"),
    "background": _("没有 URL 标识为“%(slug)s”的背景。"),
}


def not_found(kind, slug):
    return Http404(NOT_FOUND[kind] % {"slug": slug})


# Routes. Every one is GET: the API is read-only.

router = Router(tags=["catalogue"])


@router.get(
    "/roles/",
    response={200: list[Role], **ERRORS},
    url_name="role_list",
    operation_id="roles_list",
    summary="List roles",
    description="Live roles, filtered as on the site's /roles/ listing: each facet takes one or "
    "more values (repeat the parameter, or separate values with commas); values of one facet are "
    "ORed, facets are ANDed. An unknown value is a 422 naming it. Ordered by catalogue order, "
    "by relevance when `q` is given, or by `sort`. Paged by `limit` and `offset`: "
    "`{count, limit, offset, items}`.",
)
@paginate(RolePagination)
def list_roles(request: HttpRequest, params: Query[RoleQuery]):
    data = QueryDict(mutable=True)
    for name in FACETS:
        # Repeated or comma-separated; slugs never contain commas.
        values = getattr(params, name)
        data.setlist(name, [v.strip() for value in values for v in value.split(",") if v.strip()])
    data["q"], data["sort"] = params.q, params.sort
    filterset = RoleFilterSet(data, queryset=RolePage.objects.visible().for_listing())
    form = filterset.form
    form.is_valid()

    errors = []
    for name in FACETS:
        known = {str(value) for value, _label in form.fields[name].choices}
        unknown = [value for value in data.getlist(name) if value not in known]
        if unknown:
            errors.append(
                {
                    "type": "unknown_value",
                    "loc": ["query", name],
                    "msg": _("未知的 %(name)s 取值：%(values)s。")
                    % {"name": name, "values": ", ".join(unknown[:10])},
                }
            )
    if errors:
        raise ValidationError(errors)
    # A QuerySet, or RankedRoles for a search: both count and slice as the paginator needs.
    return filterset.qs


@router.get(
    "/roles/{slug}/",
    response={200: RoleDetail, **ERRORS},
    url_name="role_detail",
    operation_id="roles_detail",
    summary="Role detail",
)
def get_role(request: HttpRequest, slug: str):
    role = RolePage.objects.visible().for_listing().filter(slug=slug).first()
    if role is None:
        raise not_found("role", slug)
    return role


def categories():
    return (
        RoleCategoryPage.objects.visible()
        .annotate(role_count=RolePage.visible_count("roles"))
        .order_by("sort_order", "path")
    )


@router.get(
    "/categories/",
    response={200: ListOf[Category], **ERRORS},
    url_name="category_list",
    operation_id="categories_list",
    summary="List categories",
)
def list_categories(request: HttpRequest):
    return whole_list(categories())


@router.get(
    "/categories/{slug}/",
    response={200: CategoryDetail, **ERRORS},
    url_name="category_detail",
    operation_id="categories_detail",
    summary="Category detail, with its roles",
)
def get_category(request: HttpRequest, slug: str):
    roles = RolePage.objects.visible().order_by("path")
    category = categories().filter(slug=slug)
    category = category.prefetch_related(Prefetch("roles", roles, to_attr="visible_roles")).first()
    if category is None:
        raise not_found("category", slug)
    return category


def term_detail(model, link_model, kind, slug):
    term = model.objects.annotate(role_count=live_role_count()).filter(slug=slug)
    term = term.prefetch_related(live_links(link_model)).first()
    if term is None:
        raise not_found(kind, slug)
    return term


@router.get(
    "/skills/",
    response={200: ListOf[SkillOut], **ERRORS},
    url_name="skill_list",
    operation_id="skills_list",
    summary="List skills",
)
def list_skills(request: HttpRequest):
    return whole_list(Skill.objects.annotate(role_count=live_role_count()))


@router.get(
    "/skills/{slug}/",
    response={200: SkillDetail, **ERRORS},
    url_name="skill_detail",
    operation_id="skills_detail",
    summary="Skill detail, with the roles that need it",
)
def get_skill(request: HttpRequest, slug: str):
    return term_detail(Skill, RoleSkill, "skill", slug)


@router.get(
    "/company-types/",
    response={200: ListOf[CompanyTypeOut], **ERRORS},
    url_name="company_type_list",
    operation_id="company_types_list",
    summary="List company types",
)
def list_company_types(request: HttpRequest):
    return whole_list(CompanyType.objects.annotate(role_count=live_role_count()))


@router.get(
    "/company-types/{slug}/",
    response={200: CompanyTypeDetail, **ERRORS},
    url_name="company_type_detail",
    operation_id="company_types_detail",
    summary="Company type detail, with the roles it hires",
)
def get_company_type(request: HttpRequest, slug: str):
    return term_detail(CompanyType, RoleCompanyType, "company type", slug)


def backgrounds():
    return Background.objects.prefetch_related(
        Prefetch("skills", queryset=Skill.objects.order_by("name"))
    )


@router.get(
    "/backgrounds/",
    response={200: ListOf[BackgroundOut], **ERRORS},
    url_name="background_list",
    operation_id="backgrounds_list",
    summary="List backgrounds (what a visitor may bring from their current job)",
)
def list_backgrounds(request: HttpRequest):
    return whole_list(backgrounds())


@router.get(
    "/backgrounds/{slug}/",
    response={200: BackgroundOut, **ERRORS},
    url_name="background_detail",
    operation_id="backgrounds_detail",
    summary="Background detail",
)
def get_background(request: HttpRequest, slug: str):
    term = backgrounds().filter(slug=slug).first()
    if term is None:
        raise not_found("background", slug)
    return term


def openapi_without_anonymous_scheme(get_schema):
    """Wagtail declares its AllowAnonymous fallback as an HTTP security scheme without a `scheme`,
    which makes the whole document invalid OpenAPI. "No authentication needed" is written in
    OpenAPI as an empty security requirement, so that is what this puts in its place."""

    def wrapper(*args, **kwargs):
        schema = get_schema(*args, **kwargs)
        schemes = schema.get("components", {}).get("securitySchemes", {})
        anonymous = [name for name, scheme in schemes.items() if "scheme" not in scheme]
        for name in anonymous:
            del schemes[name]
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                if "security" in operation:
                    operation["security"] = [
                        {} if any(name in anonymous for name in requirement) else requirement
                        for requirement in operation["security"]
                    ]
        return schema

    return wrapper


def data_error(request, exc):
    """A value the database cannot store in a query: Wagtail's own endpoints pass numbers of any
    size (an `offset` or page id past 2**63) straight to SQL, and PostgreSQL refuses them. The
    caller's mistake, not the server's: a 400, not a 500."""
    return problem_response(status=400, detail=str(_("请求中的某个数值超出了目录能接受的范围。")))


# What SQLite (the embedded default) says about a number it cannot bind, and about a full-text
# query it cannot parse (an odd number of double quotes, a NUL byte): the caller's mistake too.
SQLITE_NUMBER_ERRORS = ("datatype mismatch",)
SQLITE_SEARCH_ERRORS = ("unterminated string", "fts5: syntax error")


def integrity_error(request, exc):
    """SQLite answers an `offset` past 2**63 with "datatype mismatch", as an IntegrityError."""
    if connection.vendor == "sqlite" and str(exc).startswith(SQLITE_NUMBER_ERRORS):
        return data_error(request, exc)
    raise exc


def operational_error(request, exc):
    """A search term SQLite's full-text index cannot parse: a 400 that says so. Any other
    OperationalError is the database failing, which airoles/outage.py answers with a 503."""
    if connection.vendor == "sqlite" and str(exc).startswith(SQLITE_SEARCH_ERRORS):
        return problem_response(
            status=400,
            detail=str(_('无法理解这个搜索词：请去掉其中的引号（"）和控制字符后再试。')),
        )
    raise exc


# Mounting: routers must be added, and the throttle set, before api.urls is first read.
api.add_router("/", router)
api.throttle = [CatalogueThrottle()]
api.description = (
    "Read API of the AI岗位图谱 catalogue (45 AI roles in 10 categories). The catalogue routers "
    "(roles, categories, skills, company types, backgrounds) are read-only and need no "
    "authentication; Wagtail's own page endpoints are under /pages/. Anonymous callers are "
    "rate-limited (429 with Retry-After). The texts are summarised from an article whose "
    "copyright belongs to its author: see /data/ for the terms of use."
)
api.title = "AI岗位图谱 API"
api.add_exception_handler(DataError, data_error)
api.add_exception_handler(OverflowError, data_error)  # a number too large for the driver
api.add_exception_handler(IntegrityError, integrity_error)
api.add_exception_handler(OperationalError, operational_error)
api.get_openapi_schema = openapi_without_anonymous_scheme(api.get_openapi_schema)
