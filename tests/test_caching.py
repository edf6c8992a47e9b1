"""The anonymous page cache (roles/site/caching.py): hits and misses, invalidation on every change,
what is never cached, and the headers browsers and a CDN see."""

import pytest

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

from wagtail.models import APIToken, PageViewRestriction

from roles.models import RolePage, Skill
from roles.site.caching import _cacheable_response

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def test_an_anonymous_page_is_served_from_the_cache_the_second_time(client):
    first = client.get("/roles/?company_type=tech-company")
    second = client.get("/roles/?company_type=tech-company")
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert first.content == second.content
    other = client.get("/roles/?company_type=game-company")
    assert other["X-Cache"] == "MISS" and other.content != first.content


CANONICAL = "/roles/?category=tech-rnd&company_type=tech-company"


def test_unknown_parameters_and_another_order_share_the_canonical_pages_entry(client, settings):
    canonical = client.get(CANONICAL)
    assert canonical["X-Cache"] == "MISS"
    for url in (
        "/roles/?company_type=tech-company&category=tech-rnd",  # known ones, another order
        "/roles/?category=tech-rnd&z=8f3a&company_type=tech-company&utm_source=mail",
        "/roles/?utm_medium=x&category=tech-rnd&category=tech-rnd&company_type=tech-company",
    ):
        response = client.get(url)
        assert response["X-Cache"] == "HIT", url
        assert response.content == canonical.content
        for header in ("Vary", "Cache-Control", "Content-Type", "Last-Modified"):
            assert response[header] == canonical[header]
    # A known parameter with another value is another page.
    assert client.get("/roles/?category=tech-rnd&company_type=game-company")["X-Cache"] == "MISS"
    assert client.get("/compare/?roles=data-scientist&z=1")["X-Cache"] == "MISS"
    assert client.get("/compare/?roles=data-scientist&utm_source=2")["X-Cache"] == "HIT"


def test_a_page_stored_for_a_busted_url_is_the_canonical_page(client, settings):
    busted = client.get(f"{CANONICAL}&z=1&utm_campaign=spring")
    assert busted["X-Cache"] == "MISS"
    served = client.get(CANONICAL)
    assert served["X-Cache"] == "HIT"
    settings.PAGE_CACHE_SECONDS = 0
    fresh = client.get(CANONICAL)
    assert fresh.get("X-Cache") is None
    assert served.content == fresh.content  # e.g. the language links carry no `z`
    assert "utm_campaign" not in served.content.decode()


def test_unlisted_paths_keep_their_parameters_in_the_key(client):
    role = RolePage.objects.live().first()
    assert client.get(f"{role.url}?x=1")["X-Cache"] == "MISS"
    assert client.get(f"{role.url}?x=2")["X-Cache"] == "MISS"
    assert client.get(f"{role.url}?x=2")["X-Cache"] == "HIT"


def test_browsers_and_cdns_get_cache_control_etag_and_last_modified(client):
    response = client.get("/tech-rnd/prompt-engineer/")
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=60", "s-maxage=300"} <= cache_control
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]
    assert response["ETag"] and response["Last-Modified"]
    again = client.get("/tech-rnd/prompt-engineer/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    since = client.get(
        "/tech-rnd/prompt-engineer/", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]
    )
    assert since.status_code == 304


def test_publishing_a_page_drops_the_cached_copies(client):
    role = RolePage.objects.get(slug="prompt-engineer")
    client.get(role.url)
    client.get("/roles/")
    assert client.get(role.url)["X-Cache"] == "HIT"
    role.definition = "缓存之后发布的新定义。"
    role.save_revision().publish()
    response = client.get(role.url)
    assert response["X-Cache"] == "MISS"
    assert "缓存之后发布的新定义。" in response.content.decode()
    assert "缓存之后发布的新定义。" in client.get("/roles/").content.decode()


def test_changing_a_term_drops_the_cached_copies(client):
    assert "Python" in client.get("/roles/?skill=python").content.decode()
    skill = Skill.objects.get(slug="python")
    skill.name = "Python 编程"
    skill.save()
    response = client.get("/roles/?skill=python")
    assert response["X-Cache"] == "MISS" and "Python 编程" in response.content.decode()


def test_restricting_a_role_drops_the_cached_copies_that_list_it(client):
    role = RolePage.objects.get(slug="prompt-engineer")
    client.get("/roles/")
    assert client.get("/roles/")["X-Cache"] == "HIT"
    PageViewRestriction.objects.create(
        page=role, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    response = client.get("/roles/")
    assert response["X-Cache"] == "MISS"
    assert role.url not in response.content.decode()


def test_unpublishing_drops_the_cached_copies(client):
    role = RolePage.objects.get(slug="prompt-engineer")
    assert client.get(role.url).status_code == 200
    role.unpublish()
    assert client.get(role.url).status_code == 404


def test_each_language_has_its_own_copy(client):
    chinese = client.get("/compare/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = client.get("/compare/", HTTP_ACCEPT_LANGUAGE="en")
    assert (chinese["X-Cache"], english["X-Cache"]) == ("MISS", "MISS")
    assert client.get("/compare/", HTTP_ACCEPT_LANGUAGE="en")["X-Cache"] == "HIT"


def test_signed_in_visitors_forms_and_messages_are_never_cached(client):
    client.get("/roles/")
    assert client.get("/subscribe/").get("X-Cache") is None  # a form with a CSRF token
    assert client.get("/subscribe/").get("X-Cache") is None
    cookie_client = client.__class__()
    cookie_client.cookies["messages"] = "x"
    assert cookie_client.get("/roles/").get("X-Cache") is None

    user = get_user_model().objects.create_superuser("admin", password="pw")
    client.force_login(user)
    response = client.get("/roles/")
    assert response.get("X-Cache") is None
    assert "Cache-Control" not in response or "public" not in response["Cache-Control"]


def directives(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def vary(response):
    return {part.strip() for part in response.get("Vary", "").split(",")}


def assert_private(response):
    assert response.get("X-Cache") is None
    assert "private" in directives(response) and "public" not in directives(response)
    assert {"Authorization", "Cookie"} <= vary(response)


@pytest.fixture
def editor_token(django_user_model):
    """An editor's API token, as the Authorization header that carries it."""
    editor = django_user_model.objects.create_superuser(
        "token-editor", "token-editor@example.com", "pw"
    )
    editor.groups.add(Group.objects.get(name="编辑"))
    _, token = APIToken.create_token(user=editor, name="script")
    return f"Bearer {token}"


@pytest.fixture
def drafts():
    """A role never published, and a live role whose latest revision is a draft."""
    live = RolePage.objects.get(slug="prompt-engineer")
    draft = RolePage(
        title="草稿岗位标题",
        slug="draft-role",
        definition="还没有发布。",
        skills_text="-",
        company_types_text="-",
        live=False,
    )
    live.get_parent().add_child(instance=draft)
    draft.save_revision()
    changed = live.get_latest_revision_as_object()
    changed.title = "未发布的新标题"
    changed.save_revision()
    return draft, live


SECRETS = ("token-editor", "草稿岗位标题", "未发布的新标题")


def test_an_api_token_answer_is_never_stored_for_anonymous_callers(client, editor_token, drafts):
    draft, live = drafts
    urls = [
        "/api/v3/whoami/",
        f"/api/v3/pages/{draft.pk}/",
        f"/api/v3/pages/{live.pk}/?version=draft",
        f"/api/v3/pages/{live.pk}/revisions/",
        "/api/v3/roles/?limit=1",
    ]
    for url in urls:
        with_token = client.get(url, HTTP_AUTHORIZATION=editor_token)
        assert with_token.status_code == 200, url
        assert_private(with_token)
        anonymous = client.get(url)
        assert anonymous.get("X-Cache") != "HIT", url
        text = anonymous.content.decode()
        assert not any(secret in text for secret in SECRETS), (url, text[:300])
    whoami = client.get("/api/v3/whoami/", HTTP_AUTHORIZATION=editor_token).json()
    assert whoami["user"]["username"] == "token-editor"  # what the token itself may see


def test_a_cached_anonymous_answer_is_never_served_to_a_token(client, editor_token, drafts):
    _, live = drafts
    url = f"/api/v3/pages/{live.pk}/?version=draft"
    assert client.get(url)["X-Cache"] == "MISS"
    assert client.get(url)["X-Cache"] == "HIT"
    with_token = client.get(url, HTTP_AUTHORIZATION=editor_token)
    assert_private(with_token)
    assert with_token.json()["title"] == "未发布的新标题"  # the draft, not the cached live copy
    assert client.get(url)["X-Cache"] == "HIT"  # anonymous callers keep their copy


def test_html_pages_with_credentials_are_neither_served_from_nor_stored_in_the_cache(
    client, editor_token
):
    role_url = RolePage.objects.get(slug="prompt-engineer").url
    # A token (or any Authorization) first: not stored.
    assert_private(client.get(role_url, HTTP_AUTHORIZATION=editor_token))
    assert client.get(role_url)["X-Cache"] == "MISS"
    # Cached for anonymous visitors first: not served to a token or a session.
    assert client.get(role_url)["X-Cache"] == "HIT"
    assert_private(client.get(role_url, HTTP_AUTHORIZATION=editor_token))
    signed_in = Client()
    signed_in.force_login(get_user_model().objects.get(username="token-editor"))
    assert_private(signed_in.get(role_url))
    assert_private(signed_in.get("/api/v3/roles/?limit=1"))
    # A session cookie is a credential even where the page never reads the session.
    cookie_only = Client()
    cookie_only.cookies["sessionid"] = "whatever"
    assert_private(cookie_only.get("/roles/"))
    # A CSRF cookie alone identifies nobody: the cached copy is fine.
    csrf_only = Client()
    csrf_only.cookies["csrftoken"] = "x" * 32
    assert csrf_only.get(role_url)["X-Cache"] == "HIT"


def test_cached_pages_tell_shared_caches_they_vary_on_authorization(client):
    response = client.get("/roles/")
    assert response["X-Cache"] == "MISS"
    assert {"Accept-Language", "Cookie", "Authorization"} <= vary(response)


def test_responses_with_a_token_cookie_or_error_are_not_stored():
    request = RequestFactory().get("/roles/")
    assert _cacheable_response(request, HttpResponse("<p>ok</p>"))
    assert not _cacheable_response(
        request, HttpResponse('<input name="csrfmiddlewaretoken" value="x">')
    )
    with_cookie = HttpResponse("ok")
    with_cookie.set_cookie("a", "b")
    assert not _cacheable_response(request, with_cookie)
    assert not _cacheable_response(request, HttpResponse("gone", status=404))
    private = HttpResponse("mine")
    private["Cache-Control"] = "private"
    assert not _cacheable_response(request, private)


def test_the_cache_can_be_switched_off(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/roles/")
    assert client.get("/roles/").get("X-Cache") is None


def test_a_cache_that_is_down_serves_pages_uncached_and_never_stops_publishing(client):
    # A cache server nobody listens on (the production backend, airoles/cache.py; nothing is
    # mocked). Pages are served without the cache, not the outage page.
    down = {
        "default": {
            "BACKEND": "airoles.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    role = RolePage.objects.get(slug="prompt-engineer")
    with override_settings(CACHES=down):
        for _ in range(2):
            response = client.get("/roles/")
            assert response.status_code == 200 and response.get("X-Cache") is None
            assert "public" not in response.get("Cache-Control", "")
        role.definition = "缓存宕机时发布。"
        role.save_revision().publish()  # invalidation fails quietly, the change is saved
        assert "缓存宕机时发布。" in client.get(role.url).content.decode()
    assert "缓存宕机时发布。" in client.get(role.url).content.decode()
