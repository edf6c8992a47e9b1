"""The read API: project routers mounted on Wagtail's API v3 (django-ninja) at /api/v3/.

Wagtail's own page endpoints stay as they are; these routers add what they cannot give (role
listings with their taxonomy as objects rather than ids, the public listing's facets and Chinese
search). The role list runs the same RoleFilterSet over the same queryset as /roles/, so the two
give the same roles for the same query; where the HTML listing drops an unknown value with a
notice, the API answers 422, since a program cannot read a notice.
"""

from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError
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
from roles.catalogue.filters import RankedRoles, RoleFilterSet
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


# Schemas: what the API returns. Names are the catalogue's Chinese names; English keys.

Threshold = Literal["high", "fairly_high", "moderate", "unstated"]
THRESHOLD_LABELS = {**dict(ThresholdLevel.choices), UNSTATED: "未注明"}


class Term(Schema):
    slug: str = Field(description="Stable identifier, used in URLs and filters.")
    name: str = Field(description="Name in Chinese, as the article has it.")


class CategoryRef(Term):
    threshold: Threshold = Field(
        description="The category's entry threshold as the article states it; `unstated` where "
        "the article gives no level."
    )
    threshold_label: str = Field(description="The threshold in Chinese.")


class RoleSkillOut(Term):
    level: Literal["essential", "preferred"] = Field(
        description="`essential`: the article asks for it; `preferred`: it counts in your favour "
        "(the article marks it 优先, or names it as an example, 如…, of an essential skill)."
    )


class Role(Schema):
    slug: str
    name: str = Field(description="The role's name in Chinese.")
    english_name: str = Field(
        description="Editorial: the editors' English translation of the name (the article is in "
        "Chinese); empty where there is none."
    )
    synonyms: list[str] = Field(
        description="Editorial: other names the editors added for search; not from the article."
    )
    category: CategoryRef
    definition: str = Field(description="角色定义: what the role does, summarised.")
    skills: list[RoleSkillOut] = Field(description="Core skills, essential ones first.")
    company_types: list[Term] = Field(description="Kinds of companies that hire the role.")
    url: str = Field(description="Absolute URL of the role's page on the site.")
    editorial_fields: list[str] = Field(
        description="The fields of this object that hold the editors' additions rather than "
        "the article's text (`english_name`, `synonyms` where filled)."
    )


class RoleDetail(Role):
    skills_text: str = Field(description="The article's own sentence on core skills.")
    company_types_text: str = Field(description="The article's own sentence on company types.")
    first_published_at: str | None = Field(description="ISO 8601, when the role first went live.")
    last_published_at: str | None = Field(description="ISO 8601, when the role last changed.")


class RoleList(Schema):
    count: int = Field(description="Roles matching the query, over all pages.")
    limit: int
    offset: int
    items: list[Role]


class RoleQuery(Schema):
    """The role list's query parameters."""

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
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="Roles per page.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Roles to skip.")


class RoleLink(Schema):
    slug: str
    name: str
    url: str


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


class CategoryDetail(Category):
    roles: list[RoleLink]


class TaxonomyTerm(Term):
    english_name: str = EDITORIAL_ENGLISH_NAME
    description: str
    role_count: int = Field(description="Live roles linked to the term.")


class SkillOut(TaxonomyTerm):
    url: str = Field(
        description="The skill's page on the site: the roles that need it and how to learn it."
    )


class SkillDetail(SkillOut):
    roles: list[RoleLink]


class CompanyTypeOut(TaxonomyTerm):
    url: str = Field(description="The listing of the roles this kind of company hires.")


class CompanyTypeDetail(CompanyTypeOut):
    roles: list[RoleLink]


class BackgroundOut(Term):
    english_name: str = EDITORIAL_ENGLISH_NAME
    description: str
    skills: list[Term] = Field(description="Skills that people with this background usually have.")


class ListOf[T](Schema):
    count: int
    items: list[T]


# Serialisers: one place that turns models into the schemas above.


def threshold_of(category):
    return category.threshold_level or UNSTATED


def category_ref(category):
    threshold = threshold_of(category)
    return {
        "slug": category.slug,
        "name": category.title,
        "threshold": threshold,
        "threshold_label": str(THRESHOLD_LABELS[threshold]),
    }


def role_out(role, request):
    """A role as Role: reads only what for_listing() prefetched."""
    return {
        "slug": role.slug,
        "name": role.title,
        "english_name": role.english_name,
        "synonyms": role.synonym_list,
        "category": category_ref(role.category),
        "definition": role.definition,
        "skills": [
            {"slug": link.skill.slug, "name": link.skill.name, "level": link.level}
            for link in role.skills
        ],
        "company_types": [{"slug": ct.slug, "name": ct.name} for ct in role.company_types],
        "url": role.get_full_url(request),
        "editorial_fields": editorial_fields(role),
    }


def editorial_fields(role):
    """Which of a role's fields are the editors' additions: its English name and synonyms (the
    article names each role once, in Chinese)."""
    return [name for name in ("english_name", "synonyms") if getattr(role, name)]


def role_detail_out(role, request):
    def iso(value):
        return value.isoformat() if value else None

    return {
        **role_out(role, request),
        "skills_text": role.skills_text,
        "company_types_text": role.company_types_text,
        "first_published_at": iso(role.first_published_at),
        "last_published_at": iso(role.last_published_at),
    }


def role_link(role, request):
    return {"slug": role.slug, "name": role.title, "url": role.get_full_url(request)}


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
    response={200: RoleList, **ERRORS},
    url_name="role_list",
    operation_id="roles_list",
    summary="List roles",
    description="Live roles, filtered as on the site's /roles/ listing: each facet takes one or "
    "more values (repeat the parameter, or separate values with commas); values of one facet are "
    "ORed, facets are ANDed. An unknown value is a 422 naming it. Ordered by catalogue order, "
    "by relevance when `q` is given, or by `sort`.",
)
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

    roles = filterset.qs
    total = len(roles) if isinstance(roles, RankedRoles) else roles.count()
    page = roles[params.offset : params.offset + params.limit]
    return {
        "count": total,
        "limit": params.limit,
        "offset": params.offset,
        "items": [role_out(role, request) for role in page],
    }


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
    return role_detail_out(role, request)


def categories():
    return (
        RoleCategoryPage.objects.visible()
        .annotate(role_count=RolePage.visible_count("roles"))
        .order_by("sort_order", "path")
    )


def category_out(category, request):
    return {
        **category_ref(category),
        "english_name": category.english_name,
        "intro": category.intro,
        "suits": category.suits,
        "threshold_text": category.threshold_text,
        "role_count": category.role_count,
        "url": category.get_full_url(request),
    }


@router.get(
    "/categories/",
    response={200: ListOf[Category], **ERRORS},
    url_name="category_list",
    operation_id="categories_list",
    summary="List categories",
)
def list_categories(request: HttpRequest):
    items = [category_out(category, request) for category in categories()]
    return {"count": len(items), "items": items}


@router.get(
    "/categories/{slug}/",
    response={200: CategoryDetail, **ERRORS},
    url_name="category_detail",
    operation_id="categories_detail",
    summary="Category detail, with its roles",
)
def get_category(request: HttpRequest, slug: str):
    category = categories().filter(slug=slug).first()
    if category is None:
        raise not_found("category", slug)
    roles = RolePage.objects.visible().filter(category=category).order_by("path")
    return {
        **category_out(category, request),
        "roles": [role_link(role, request) for role in roles],
    }


def term_out(term):
    return {
        "slug": term.slug,
        "name": term.name,
        "english_name": term.english_name,
        "description": term.description,
        "role_count": term.role_count,
    }


def term_detail(model, link_model, kind, slug, request):
    term = model.objects.annotate(role_count=live_role_count()).filter(slug=slug)
    term = term.prefetch_related(live_links(link_model)).first()
    if term is None:
        raise not_found(kind, slug)
    roles = [role_link(link.page, request) for link in term.role_links.all()]
    return {**term_out(term), "roles": roles}


def skill_out(term, request):
    return {
        **term_out(term),
        "url": request.build_absolute_uri(reverse("skill_detail", args=[term.slug])),
    }


@router.get(
    "/skills/",
    response={200: ListOf[SkillOut], **ERRORS},
    url_name="skill_list",
    operation_id="skills_list",
    summary="List skills",
)
def list_skills(request: HttpRequest):
    terms = Skill.objects.annotate(role_count=live_role_count())
    items = [skill_out(term, request) for term in terms]
    return {"count": len(items), "items": items}


@router.get(
    "/skills/{slug}/",
    response={200: SkillDetail, **ERRORS},
    url_name="skill_detail",
    operation_id="skills_detail",
    summary="Skill detail, with the roles that need it",
)
def get_skill(request: HttpRequest, slug: str):
    detail = term_detail(Skill, RoleSkill, "skill", slug, request)
    return {**detail, "url": request.build_absolute_uri(reverse("skill_detail", args=[slug]))}


def company_type_out(term, request):
    url = request.build_absolute_uri(reverse("company_type_detail", args=[term.slug]))
    return {**term_out(term), "url": url}


@router.get(
    "/company-types/",
    response={200: ListOf[CompanyTypeOut], **ERRORS},
    url_name="company_type_list",
    operation_id="company_types_list",
    summary="List company types",
)
def list_company_types(request: HttpRequest):
    terms = CompanyType.objects.annotate(role_count=live_role_count())
    items = [company_type_out(term, request) for term in terms]
    return {"count": len(items), "items": items}


@router.get(
    "/company-types/{slug}/",
    response={200: CompanyTypeDetail, **ERRORS},
    url_name="company_type_detail",
    operation_id="company_types_detail",
    summary="Company type detail, with the roles it hires",
)
def get_company_type(request: HttpRequest, slug: str):
    detail = term_detail(CompanyType, RoleCompanyType, "company type", slug, request)
    return {
        **detail,
        "url": request.build_absolute_uri(reverse("company_type_detail", args=[slug])),
    }


def background_out(term):
    return {
        "slug": term.slug,
        "name": term.name,
        "english_name": term.english_name,
        "description": term.description,
        "skills": [{"slug": s.slug, "name": s.name} for s in term.skills.all()],
    }


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
    items = [background_out(term) for term in backgrounds()]
    return {"count": len(items), "items": items}


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
    return background_out(term)


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
