"""roles/opendata/api.py: the read API on Wagtail's API v3, at /api/v3/."""

import json
from urllib.parse import urlencode

import pytest

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.http import QueryDict

from wagtail.models import APIToken

from roles.catalogue.filters import RoleFilterSet
from roles.editorial.setup import EDITORS, MODERATORS
from roles.models import RolePage

from .factories import growing_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_throttle(settings):
    """Rate limiting off unless a test turns it on; its counters start empty."""
    settings.API_THROTTLE_RATE = None
    cache.clear()


def get(client, path, **params):
    query = urlencode(params, doseq=True)
    return client.get(f"{path}?{query}" if query else path)


def html_slugs(query):
    """The roles the public listing gives for `query`, in its order (all pages)."""
    filterset = RoleFilterSet(
        QueryDict(query), queryset=RolePage.objects.live().public().for_listing()
    )
    return [role.slug for role in filterset.qs]


def api_slugs(client, query):
    response = client.get(f"/api/v3/roles/?{query}&limit=100")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == len(data["items"])
    return [role["slug"] for role in data["items"]]


def test_openapi_schema_is_valid_and_describes_the_catalogue_routers(client):
    from openapi_spec_validator import validate

    response = client.get("/api/v3/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    roles = schema["paths"]["/api/v3/roles/"]
    assert set(roles) == {"get"}
    parameters = {p["name"]: p for p in roles["get"]["parameters"]}
    expected = {"company_type", "category", "skill", "threshold", "q", "sort", "limit", "offset"}
    assert expected <= set(parameters)
    assert all(p.get("description") for p in parameters.values())
    assert {"200", "404", "422", "429"} <= set(roles["get"]["responses"])
    for path in [
        "/api/v3/roles/{slug}/",
        "/api/v3/categories/",
        "/api/v3/categories/{slug}/",
        "/api/v3/skills/",
        "/api/v3/skills/{slug}/",
        "/api/v3/company-types/",
        "/api/v3/company-types/{slug}/",
        "/api/v3/backgrounds/",
        "/api/v3/backgrounds/{slug}/",
    ]:
        assert set(schema["paths"][path]) == {"get"}, path
    # Wagtail's own page endpoints stay.
    assert "/api/v3/pages/" in schema["paths"]


def test_a_role_in_the_list_carries_its_taxonomy_as_objects(client):
    data = get(client, "/api/v3/roles/", q="提示工程师").json()
    role = next(item for item in data["items"] if item["slug"] == "prompt-engineer")
    page = RolePage.objects.get(slug="prompt-engineer")
    assert role["name"] == "提示工程师"
    assert role["english_name"] == page.english_name
    assert role["synonyms"] == page.synonym_list
    assert role["definition"] == page.definition
    assert role["category"]["slug"] == page.category.slug
    assert role["category"]["name"] == page.category.title
    assert role["category"]["threshold"] in {"high", "fairly_high", "moderate", "unstated"}
    assert [(s["slug"], s["name"], s["level"]) for s in role["skills"]] == [
        (link.skill.slug, link.skill.name, link.level) for link in page.skills
    ]
    assert [c["slug"] for c in role["company_types"]] == [c.slug for c in page.company_types]
    assert all(c["name"] for c in role["company_types"])
    assert role["url"] == page.get_full_url()
    assert role["url"].startswith("http")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=数据",
        "q=产品",
        "company_type=financial-institution",
        "company_type=financial-institution&company_type=game-company",
        "skill=python&threshold=high",
        "category=tech-rnd&company_type=internet-company",
        "threshold=unstated",
        "q=数据&company_type=internet-company",
        "sort=name&company_type=tech-company",
        "sort=newest",
    ],
)
def test_the_api_gives_the_same_roles_as_the_html_listing(client, query):
    assert api_slugs(client, query) == html_slugs(query)


def test_facet_values_may_also_be_separated_by_commas(client):
    combined = api_slugs(client, "company_type=financial-institution,game-company")
    repeated = html_slugs("company_type=financial-institution&company_type=game-company")
    assert combined == repeated


def test_the_html_listing_shows_the_same_roles_as_the_api(client):
    """Against the rendered page too, not only the FilterSet both use."""
    query = "company_type=financial-institution&skill=python"
    html = client.get(f"/roles/?{query}").content.decode()
    slugs = api_slugs(client, query)
    assert slugs
    for slug in slugs:
        assert f"/{slug}/" in html


@pytest.mark.parametrize(
    "query, name",
    [
        ("company_type=no-such-company", "company_type"),
        ("category=tech-rnd&category=nowhere", "category"),
        ("skill=flying", "skill"),
        ("threshold=sky-high", "threshold"),
        ("sort=random", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=99999999999999999999999", "offset"),
        ("q=" + "数" * 101, "q"),
    ],
)
def test_bad_query_values_are_a_422_naming_them(client, query, name):
    response = client.get(f"/api/v3/roles/?{query}")
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422
    assert any(name in error["loc"] for error in problem["errors"]), problem
    assert all(error["msg"] for error in problem["errors"])


def test_unknown_company_type_message_names_the_value(client):
    problem = get(client, "/api/v3/roles/", company_type="nope-co").json()
    assert "nope-co" in json.dumps(problem)


def test_pagination_with_a_total_count(client):
    first = get(client, "/api/v3/roles/", limit=10).json()
    assert first["count"] == 45 and first["limit"] == 10 and first["offset"] == 0
    assert len(first["items"]) == 10
    rest = [get(client, "/api/v3/roles/", limit=10, offset=o).json() for o in (10, 20, 30, 40)]
    slugs = [r["slug"] for page in [first, *rest] for r in page["items"]]
    assert slugs == html_slugs("") and len(set(slugs)) == 45
    past = get(client, "/api/v3/roles/", offset=500).json()
    assert past["count"] == 45 and past["items"] == []
    searched = get(client, "/api/v3/roles/", q="数据", limit=2, offset=1).json()
    assert [r["slug"] for r in searched["items"]] == html_slugs("q=数据")[1:3]


def test_role_detail_by_slug(client):
    page = RolePage.objects.get(slug="prompt-engineer")
    data = client.get("/api/v3/roles/prompt-engineer/").json()
    assert data["name"] == "提示工程师"
    assert data["skills_text"] == page.skills_text
    assert data["company_types_text"] == page.company_types_text
    assert data["last_published_at"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v3/roles/no-such-role/",
        "/api/v3/categories/no-such-category/",
        "/api/v3/skills/no-such-skill/",
        "/api/v3/company-types/no-such-type/",
        "/api/v3/backgrounds/no-such-background/",
        "/api/v3/roles/%E6%95%B0%E6%8D%AE/",
        "/api/v3/pages/999999/",
    ],
)
def test_unknown_slugs_are_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


def test_categories_skills_company_types_and_backgrounds(client):
    categories = client.get("/api/v3/categories/").json()
    assert categories["count"] == 10
    assert sum(c["role_count"] for c in categories["items"]) == 45
    first = categories["items"][0]
    detail = client.get(f"/api/v3/categories/{first['slug']}/").json()
    assert len(detail["roles"]) == first["role_count"]
    assert detail["suits"] and detail["threshold_text"]

    skills = client.get("/api/v3/skills/").json()
    python = next(s for s in skills["items"] if s["slug"] == "python")
    detail = client.get("/api/v3/skills/python/").json()
    assert len(detail["roles"]) == python["role_count"] > 0
    assert {r["slug"] for r in detail["roles"]} == set(html_slugs("skill=python"))
    assert detail["url"] == python["url"] == "http://testserver/skills/python/"
    assert client.get(detail["url"]).status_code == 200

    company_types = client.get("/api/v3/company-types/").json()
    assert company_types["count"] > 10
    detail = client.get("/api/v3/company-types/game-company/").json()
    assert detail["name"] == "游戏公司"
    assert {r["slug"] for r in detail["roles"]} == set(html_slugs("company_type=game-company"))
    assert detail["url"].endswith("/company-types/game-company/")

    backgrounds = client.get("/api/v3/backgrounds/").json()
    assert backgrounds["count"] > 0
    slug = backgrounds["items"][0]["slug"]
    assert client.get(f"/api/v3/backgrounds/{slug}/").json()["skills"]


def test_no_write_methods_on_the_catalogue_routers(client):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/api/v3/roles/", content_type="application/json")
        assert response.status_code == 405, method


# Drafts and unpublished pages stay out of every anonymous answer.


@pytest.fixture
def draft_role():
    """A role that was never published, and a live role whose latest revision is a draft."""
    live = RolePage.objects.get(slug="prompt-engineer")
    category = live.get_parent().specific
    draft = RolePage(
        title="草稿岗位",
        slug="draft-role",
        definition="还没有发布。",
        skills_text="-",
        company_types_text="-",
        live=False,
    )
    category.add_child(instance=draft)
    draft.save_revision()
    changed = live.get_latest_revision_as_object()
    changed.title = "未发布的新标题"
    changed.save_revision()
    return draft, live


def test_anonymous_callers_never_see_drafts(client, draft_role, django_user_model):
    draft, live = draft_role
    assert client.get("/api/v3/roles/draft-role/").status_code == 404
    assert "draft-role" not in api_slugs(client, "")
    assert "draft-role" not in api_slugs(client, "q=草稿")
    assert client.get(f"/api/v3/categories/{live.category.slug}/").json()["roles"]
    assert "draft-role" not in {
        r["slug"] for r in client.get(f"/api/v3/categories/{live.category.slug}/").json()["roles"]
    }
    assert client.get("/api/v3/roles/prompt-engineer/").json()["name"] == "提示工程师"

    # Wagtail's own page endpoints.
    pages = get(client, "/api/v3/pages/", type="roles.RolePage", limit=100).json()
    assert pages["count"] == 45
    assert draft.pk not in {item["id"] for item in pages["items"]}
    assert client.get(f"/api/v3/pages/{draft.pk}/").status_code == 404
    assert get(client, f"/api/v3/pages/{draft.pk}/", version="draft").status_code == 404
    found = get(client, "/api/v3/pages/find/", html_path=draft.url_path.split("/", 2)[2])
    assert found.status_code == 404
    detail = get(client, f"/api/v3/pages/{live.pk}/", version="draft").json()
    assert detail["title"] == "提示工程师"
    assert client.get(f"/api/v3/pages/{live.pk}/revisions/").status_code == 401

    # A logged-in editor's session cookie does not count: API v3 trusts only bearer tokens.
    editor = django_user_model.objects.create_superuser("editor", "e@example.com", "pw")
    client.force_login(editor)
    assert client.get(f"/api/v3/pages/{draft.pk}/").status_code == 404
    detail = get(client, f"/api/v3/pages/{live.pk}/", version="draft").json()
    assert detail["title"] == "提示工程师"
    assert client.get("/api/v3/roles/draft-role/").status_code == 404


def test_anonymous_callers_cannot_write_through_wagtails_endpoints(client):
    live = RolePage.objects.get(slug="prompt-engineer")
    body = json.dumps({"title": "改掉"})
    assert client.patch(f"/api/v3/pages/{live.pk}/", body, "application/json").status_code == 401
    assert client.delete(f"/api/v3/pages/{live.pk}/").status_code == 401
    assert client.post(f"/api/v3/pages/{live.pk}/actions/unpublish/").status_code == 401
    live.refresh_from_db()
    assert live.live and live.title == "提示工程师"


# Rate limiting, CORS, query counts.


def test_anonymous_callers_are_rate_limited(client, settings):
    settings.API_THROTTLE_RATE = "3/min"
    statuses = [client.get("/api/v3/roles/?limit=1").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = client.get("/api/v3/categories/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["status"] == 429
    # Wagtail's page endpoints share the limit.
    assert client.get("/api/v3/pages/").status_code == 429
    # Another address has its own allowance.
    assert client.get("/api/v3/categories/", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_a_forged_x_forwarded_for_does_not_lift_the_limit(client, settings):
    # No trusted proxy (the default): the header is the client's own words, and ignored.
    settings.API_THROTTLE_RATE = "3/min"
    settings.TRUSTED_PROXY_COUNT = 0
    statuses = [
        client.get("/api/v3/categories/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(6)
    ]
    assert statuses == [200, 200, 200, 429, 429, 429]


def test_behind_a_trusted_proxy_the_address_it_appended_is_the_client(client, settings):
    settings.API_THROTTLE_RATE = "3/min"
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}  # every request comes from the load balancer

    def from_client(address, forged=""):
        header = f"{forged}, {address}" if forged else address
        return client.get("/api/v3/categories/", HTTP_X_FORWARDED_FOR=header, **proxy)

    # A prefix the client wrote itself changes nothing: the proxy's hop is the last one.
    statuses = [from_client("198.51.100.7", forged=f"203.0.113.{n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Another client behind the same proxy has its own allowance; the proxy is not throttled
    # as one client.
    assert from_client("198.51.100.8").status_code == 200


def test_cors_allows_any_origin_to_read(client):
    response = client.get("/api/v3/roles/?limit=1", HTTP_ORIGIN="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Retry-After" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/v3/roles/",
        HTTP_ORIGIN="https://example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="accept",
    )
    assert preflight.status_code == 200  # django-cors-headers answers a preflight with 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in preflight
    assert "Access-Control-Allow-Credentials" not in response
    # Not the rest of the site.
    assert "Access-Control-Allow-Origin" not in client.get(
        "/roles/", HTTP_ORIGIN="https://example.org"
    )


def add_roles(count):
    """`count` more live roles in the first category, each with skills and company types."""
    from roles.models import CompanyType, RoleCompanyType, RoleSkill, Skill

    template = RolePage.objects.get(slug="prompt-engineer")
    category = template.get_parent().specific
    skills = list(Skill.objects.all()[:4])
    company_types = list(CompanyType.objects.all()[:3])
    with growing_catalogue():
        for i in range(count):
            role = RolePage(
                title=f"测试岗位{i}",
                slug=f"extra-role-{i}",
                definition="测试用的数据岗位。",
                skills_text="-",
                company_types_text="-",
            )
            role.skill_links = [RoleSkill(skill=s, sort_order=n) for n, s in enumerate(skills)]
            role.company_type_links = [
                RoleCompanyType(company_type=c, sort_order=n) for n, c in enumerate(company_types)
            ]
            category.add_child(instance=role)


QUERY_COUNTED = [
    "/api/v3/roles/?limit=100",
    "/api/v3/roles/?limit=100&q=数据",
    "/api/v3/roles/?limit=100&company_type=tech-company&skill=python",
    "/api/v3/categories/",
    "/api/v3/skills/",
    "/api/v3/skills/python/",
    "/api/v3/company-types/",
    "/api/v3/company-types/tech-company/",
    "/api/v3/categories/tech-rnd/",
    "/api/v3/backgrounds/",
]


def query_counts(client, paths, warm=False):
    """{path: SQL queries to answer it}; with `warm`, each asked once before (caches warm, as on
    a running site)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for path in paths:
        if warm:
            client.get(path)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200, path
        counts[path] = len(queries)
    return counts


def test_query_count_does_not_grow_with_the_catalogue(client):
    # Every endpoint is counted before and after one growth of the catalogue (growing it is
    # what takes the time here).
    before = query_counts(client, QUERY_COUNTED, warm=True)
    add_roles(30)
    assert query_counts(client, QUERY_COUNTED) == before
    assert max(before.values()) <= 12, before


# Property-based: schemathesis generates requests from the OpenAPI document.

SCHEMATHESIS_EXAMPLES = 25  # per operation; the whole run stays well under a minute


@pytest.fixture
def wsgi_app():
    """The site's WSGI application, answering inside the test's transaction: as Django's test
    client does, keep request_started/finished from closing the test's database connection."""
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_server_errors_and_no_schema_violations(wsgi_app):
    """Every GET operation of /api/v3/openapi.json (Wagtail's and the project's), as an
    anonymous caller, with generated valid and invalid parameters: no 5xx, and every response
    whose status the document declares matches the schema declared for it. Then each detail
    operation of the catalogue routers with every real slug, since random slugs only find 404s."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    from roles.models import Background, CompanyType, RoleCategoryPage, Skill

    checks = [not_a_server_error, response_schema_conformance]

    def call(case):
        """One request in a savepoint, rolled back after: a query that PostgreSQL refuses
        (answered with a 400) aborts the transaction it ran in, which here is the test's own."""
        savepoint = transaction.savepoint_create()
        try:
            return case.call()
        finally:
            transaction.savepoint_rollback(savepoint)

    schema = schemathesis.openapi.from_wsgi("/api/v3/openapi.json", wsgi_app)
    # Wagtail's snippet endpoints take a `type` that only snippets registered with API v3 may
    # have; this project registers none, so the document says `const: ""`, which no request can
    # satisfy (and every one of them needs a bearer token anyway).
    schema = schema.include(method="GET").exclude(path_regex="^/api/v3/snippets/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    tried = {}

    def runner(operation):
        @given(case=operation.as_strategy())
        @settings(
            max_examples=SCHEMATHESIS_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,  # the same cases in every run, so a failure can be replayed
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = call(case)
            tried[operation.label] = tried.get(operation.label, 0) + 1
            case.validate_response(response, checks=checks)

        return run

    failures = []
    for operation in operations:
        try:
            runner(operation)()
        except (Exception, ExceptionGroup) as error:  # every operation's failures, not the first
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)

    slugs = {
        "/api/v3/roles/{slug}/": RolePage.objects.live().values_list("slug", flat=True),
        "/api/v3/categories/{slug}/": RoleCategoryPage.objects.values_list("slug", flat=True),
        "/api/v3/skills/{slug}/": Skill.objects.values_list("slug", flat=True),
        "/api/v3/company-types/{slug}/": CompanyType.objects.values_list("slug", flat=True),
        "/api/v3/backgrounds/{slug}/": Background.objects.values_list("slug", flat=True),
    }
    for operation in operations:
        for slug in slugs.get(operation.path, []):
            case = operation.Case(path_parameters={"slug": slug})
            response = call(case)
            assert response.status_code == 200, (operation.path, slug)
            case.validate_response(response, checks=checks)
            tried[operation.label] += 1

    print(f"schemathesis: {len(tried)} operations, {sum(tried.values())} requests")
    for label, count in sorted(tried.items()):
        print(f"  {label}: {count}")


@pytest.mark.parametrize(
    "path, status",
    [
        ("/api/v3/pages/?offset=99999999999999999999", 400),
        ("/api/v3/pages/99999999999999999999/", 404),  # Django's lookups handle this one
    ],
)
def test_numbers_too_large_for_sql_on_wagtails_endpoints_are_not_a_500(client, path, status):
    """Wagtail passes `offset` to PostgreSQL unchecked ("bigint out of range"); see
    roles/opendata/api.py."""
    with transaction.atomic():  # the refused query aborts the transaction it ran in
        response = client.get(path)
        transaction.set_rollback(True)
    assert response.status_code == status
    assert response.json()["status"] == status


def test_error_messages_follow_the_interface_language(client):
    chinese = client.get("/api/v3/roles/?company_type=nope-co").json()
    english = client.get("/api/v3/roles/?company_type=nope-co", HTTP_ACCEPT_LANGUAGE="en").json()
    assert chinese["errors"][0]["msg"] == "未知的 company_type 取值：nope-co。"
    assert english["errors"][0]["msg"] == "Unknown company_type value(s): nope-co."
    missing = client.get("/api/v3/roles/no-such-role/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert missing["detail"] == "No role with the slug “no-such-role”."
    assert "no-such-role" in client.get("/api/v3/skills/no-such-role/").json()["detail"]


# No 500 from Wagtail's page endpoints, on PostgreSQL or on the embedded SQLite (`make run`).

HUGE = "9" * 25


@pytest.mark.parametrize("offset", [HUGE, str(2**63)])
def test_a_huge_offset_is_a_problem_not_a_500(client, offset):
    with transaction.atomic():  # PostgreSQL's refusal aborts the transaction it ran in
        response = client.get(f"/api/v3/pages/?offset={offset}")
        transaction.set_rollback(True)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "请求中的某个数值超出了目录能接受的范围。"


@pytest.mark.parametrize("term", ['"', 'a"b', '"""', "\x00", "数据\x00"])
def test_a_search_term_the_index_cannot_parse_is_a_problem_not_a_500(client, term):
    """SQLite's full-text index refuses an odd number of double quotes or a NUL byte (an
    OperationalError, which is not an outage); PostgreSQL's search takes the first and refuses
    a NUL byte in any text."""
    with transaction.atomic():
        response = get(client, "/api/v3/pages/", search=term)
        transaction.set_rollback(True)
    if response.status_code == 200:
        assert connection.vendor == "postgresql" and "\x00" not in term
        assert response.json()["count"] >= 0
    else:
        assert response.status_code in (400, 422), response.content
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"]
    if connection.vendor == "sqlite":
        assert response.status_code == 400
        assert "无法理解这个搜索词" in response.json()["detail"]


def test_a_database_outage_under_the_api_is_still_a_503(client, monkeypatch):
    """The handler for unparsable search terms leaves real database errors alone."""
    from wagtail.api.v3.routers import pages

    def unreachable(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(pages, "get_pages_queryset", unreachable)
    response = get(client, "/api/v3/pages/", search='"')
    assert response.status_code == 503


# Writes through Wagtail's API v3 with a token run the role editor's own form (RolePageForm).


def token_for(name, group):
    user = get_user_model().objects.create_user(name, password="pw-for-tests")
    user.groups.add(Group.objects.get(name=group))
    return APIToken.create_token(user=user, name=f"{name}'s script")[1]


def patch(client, token, page_id, body):
    return client.patch(
        f"/api/v3/pages/{page_id}/",
        json.dumps(body),
        "application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.mark.parametrize("group", [EDITORS, MODERATORS])
def test_a_token_patch_of_a_role_saves_a_draft_not_a_500(client, group):
    role = RolePage.objects.get(slug="prompt-engineer")
    token = token_for("scripted", group)
    response = patch(
        client, token, role.pk, {"meta": {"type": "roles.RolePage"}, "title": "提示词工程师"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "提示词工程师"
    role.refresh_from_db()
    assert role.title == "提示工程师" and role.has_unpublished_changes  # a draft, live unchanged
    draft = role.get_latest_revision_as_object()
    assert draft.title == "提示词工程师"
    assert {link.skill.slug for link in draft.skill_links.all()} == {
        link.skill.slug for link in role.skill_links.all()
    }  # the links the request did not mention are kept


def test_a_token_patch_that_breaks_a_role_rule_is_a_422_with_the_message(client):
    role = RolePage.objects.get(slug="prompt-engineer")
    other = RolePage.objects.get(slug="data-scientist")
    token = token_for("scripted", EDITORS)
    response = patch(
        client, token, role.pk, {"meta": {"type": "roles.RolePage"}, "title": other.title}
    )
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "岗位名称不能重复" in response.content.decode()
    role.refresh_from_db()
    assert role.get_latest_revision_as_object().title == "提示工程师"
