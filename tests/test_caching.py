"""The anonymous page cache (roles/caching.py): hits and misses, invalidation on every change,
what is never cached, and the headers browsers and a CDN see."""

import pytest

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from roles.caching import _cacheable_response
from roles.models import RolePage, Skill

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


def test_a_cache_that_is_down_gives_the_friendly_page_and_never_stops_publishing(client):
    # A cache server nobody listens on (Django's Redis backend; nothing is mocked). Wagtail
    # itself needs the cache to route pages, so visitors get the outage page, not a 500.
    down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    role = RolePage.objects.get(slug="prompt-engineer")
    with override_settings(CACHES=down):
        response = client.get("/roles/")
        assert response.status_code == 503 and response.get("X-Cache") is None
        role.definition = "缓存宕机时发布。"
        role.save_revision().publish()  # invalidation fails quietly, the change is saved
    assert "缓存宕机时发布。" in client.get(role.url).content.decode()
