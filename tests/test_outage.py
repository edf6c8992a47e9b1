"""A database outage (airoles/outage.py): every public page answers the friendly 503 page, never
a 500 or a traceback, wherever the error surfaces; /healthz tells a load balancer. A real outage
(PostgreSQL stopped and started under gunicorn) is measured by bench/faults.py."""

import re
from contextlib import contextmanager

import psycopg
import pytest
import redis

from django.db import OperationalError
from django.db.backends import utils as backend_utils
from django.test import Client

from roles.models import RolePage

pytestmark = pytest.mark.django_db


@contextmanager
def database_down(monkeypatch, error=None):
    """Every query fails as it does while PostgreSQL is stopped."""

    def refuse(*args, **kwargs):
        raise error or OperationalError("connection refused: is the server running?")

    with monkeypatch.context() as patch:
        patch.setattr(backend_utils.CursorWrapper, "execute", refuse)
        patch.setattr(backend_utils.CursorWrapper, "executemany", refuse)
        yield


@pytest.fixture
def browser_client():
    # As in production: an exception becomes the error page instead of failing the test.
    return Client(raise_request_exception=False)


def assert_outage_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    # Chinese first, then English; no traceback, no settings.
    assert html.index("请稍后再试") < html.index("We'll be right back")
    assert "Traceback" not in html and "OperationalError" not in html


def test_public_pages_answer_the_friendly_503_while_the_database_is_down(
    browser_client, monkeypatch
):
    role_url = RolePage.objects.get(slug="prompt-engineer").url
    urls = [
        "/",
        role_url,  # Wagtail's page serving looks up the site first
        "/roles/?company_type=financial-institution",
        "/roles/?q=%E6%95%B0%E6%8D%AE",
        "/compare/?roles=data-scientist,data-engineer",
        "/match/?skill=python",
        "/feeds/roles/",
        "/subscribe/",
    ]
    browser_client.get("/")  # a session-free warm-up, as a visitor has
    with database_down(monkeypatch):
        for url in urls:
            assert_outage_page(browser_client.get(url))
        response = browser_client.post("/subscribe/", {"email": "a@example.com"})
        assert_outage_page(response)


def test_a_signed_in_editor_gets_the_503_page_when_the_session_cannot_be_read(
    browser_client, admin_user, monkeypatch
):
    browser_client.force_login(admin_user)
    with database_down(monkeypatch):
        assert_outage_page(browser_client.get("/admin/"))
        assert_outage_page(browser_client.get("/roles/"))


class SessionLikeMiddleware:
    """Reads the database before the view runs, as a session or site lookup would."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        RolePage.objects.exists()
        return self.get_response(request)


def test_an_error_in_a_later_middleware_gets_the_503_page_too(
    browser_client, monkeypatch, settings
):
    # Django turns it into a response (handler500) before the outage middleware sees it.
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.test_outage.SessionLikeMiddleware"]
    with database_down(monkeypatch):
        assert_outage_page(browser_client.get("/robots.txt"))
        assert_outage_page(browser_client.get("/no-such-page/"))


def test_a_driver_error_wrapped_in_another_exception_is_recognised(browser_client, monkeypatch):
    try:
        raise psycopg.OperationalError("server closed the connection unexpectedly")
    except psycopg.OperationalError as cause:
        wrapped = RuntimeError("while rendering")
        wrapped.__cause__ = cause
    with database_down(monkeypatch, error=wrapped):
        assert_outage_page(browser_client.get("/roles/"))


def test_an_unreachable_redis_cache_gets_the_503_page_too(browser_client, monkeypatch):
    with database_down(monkeypatch, error=redis.exceptions.ConnectionError("refused")):
        assert_outage_page(browser_client.get("/roles/"))


def test_other_errors_still_give_the_500_page(browser_client, monkeypatch):
    with database_down(monkeypatch, error=ValueError("a bug")):
        response = browser_client.get("/roles/")
    assert response.status_code == 500
    assert "服务暂时不可用" in response.content.decode()


def test_healthz_checks_the_database_whatever_the_host(monkeypatch):
    # A load balancer probes over HTTP with its own Host header: no 400, no HTTPS redirect.
    client = Client(HTTP_HOST="10.0.0.7")
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"
    with database_down(monkeypatch):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Cache-Control"] == "no-store"
