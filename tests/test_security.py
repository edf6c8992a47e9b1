"""Security: the production settings pass Django's deployment checks, every public response
carries the site's headers and a strict Content-Security-Policy, and anonymous visitors reach no
draft, preview, revision or admin view (airoles/security.py, airoles/settings/)."""

import json
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from axes.models import AccessAttempt

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from roles.models import RoleCategoryPage, RolePage

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "airoles.settings.production",
    "SECRET_KEY": "k3y-" + "x7Q!p9Z#" * 8,
    "ALLOWED_HOSTS": "roles.example.org",
    "SITE_URL": "https://roles.example.org",
    "DATABASE_URL": "sqlite:////tmp/airoles-deploy-check.sqlite3",
    "EMAIL_URL": "smtp://mail.example.org:587",
}


def production(*args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE"))}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**env, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checks():
    result = production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_httponly_and_samesite():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps("
        "{n: getattr(s, n) for n in ['SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_HTTPONLY', "
        "'CSRF_COOKIE_SAMESITE', 'LANGUAGE_COOKIE_SECURE', 'LANGUAGE_COOKIE_HTTPONLY', "
        "'LANGUAGE_COOKIE_SAMESITE', 'SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT']}))"
    )
    result = production("-c", code)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_SSL_REDIRECT"]
    for cookie in ("SESSION", "CSRF", "LANGUAGE"):
        assert values[f"{cookie}_COOKIE_SECURE"] is True
        assert values[f"{cookie}_COOKIE_HTTPONLY"] is True
        assert values[f"{cookie}_COOKIE_SAMESITE"] == "Lax"


PUBLIC_URLS = [
    "/",
    "/tech-rnd/",
    "/tech-rnd/prompt-engineer/",
    "/roles/?company_type=tech-company",
    "/company-types/",
    "/compare/?roles=data-scientist,data-engineer",
    "/match/?skill=python",
    "/subscribe/",
    "/feeds/roles/",
    "/sitemap.xml",
    "/no-such-page/",
]


def directives(policy):
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part
    }


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_response_carries_the_security_headers(client, settings, url):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get(url, secure=True)
    assert response.status_code in (200, 404)
    policy = directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_inline_json_ld_carries_the_responses_nonce(client):
    response = client.get("/tech-rnd/prompt-engineer/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    inline = [tag for tag in scripts if "src=" not in tag]
    assert inline == [f'<script type="application/ld+json" nonce="{nonce}">']
    assert (
        client.get("/tech-rnd/prompt-engineer/")["Content-Security-Policy"]
        != response["Content-Security-Policy"]
    )  # a fresh nonce per response


@pytest.mark.django_db
def test_the_admin_has_its_own_policy(client):
    policy = directives(client.get("/admin/login/")["Content-Security-Policy"])
    assert "'unsafe-inline'" in policy["script-src"]
    assert policy["frame-ancestors"] == ["'self'"]


@pytest.mark.django_db
def test_anonymous_visitors_reach_no_draft_preview_revision_or_admin_api(client):
    category = RoleCategoryPage.objects.get(slug="design")
    draft = RolePage(
        title="未发布的岗位",
        slug="unpublished-role",
        definition="草稿。",
        skills_text="技能。",
        company_types_text="公司。",
        live=False,
    )
    category.add_child(instance=draft)
    draft.save_revision()
    role = RolePage.objects.get(slug="prompt-engineer")
    role.definition = "尚未发布的修改。"
    revision = role.save_revision()

    assert client.get("/design/unpublished-role/").status_code == 404
    assert "尚未发布的修改。" not in client.get(role.url).content.decode()
    assert "未发布的岗位" not in client.get("/design/").content.decode()
    assert "未发布的岗位" not in client.get("/roles/?q=未发布").content.decode()
    assert "unpublished-role" not in client.get("/sitemap.xml").content.decode()
    for url in (
        reverse("wagtailadmin_pages:preview_on_edit", args=[role.pk]),
        reverse("wagtailadmin_pages:revisions_view", args=[role.pk, revision.pk]),
        reverse("wagtailadmin_pages:revisions_index", args=[role.pk]),
        reverse("wagtailadmin_pages:edit", args=[draft.pk]),
        "/admin/api/main/pages/",
        f"/admin/api/main/pages/{draft.pk}/",
        "/django-admin/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 401, 403), url
        assert "草稿。" not in response.content.decode()
        assert "尚未发布的修改。" not in response.content.decode()


# Logins resist guessing (django-axes, AXES_* in airoles/settings/base.py): failures are counted
# per account and, separately, per client address.

LOGINS = ["/admin/login/", "/django-admin/login/"]
PASSWORD = "the-right-password-1"


@pytest.fixture
def lead(django_user_model):
    return django_user_model.objects.create_user(
        "lead", "lead@example.org", PASSWORD, is_staff=True, is_superuser=True
    )


def log_in(client, url, username, password, address, **headers):
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def logged_in(client):
    return "_auth_user_id" in client.session


def assert_locked_out(response):
    assert response.status_code == 429
    page = response.content.decode()
    assert "登录尝试次数过多" in page and "15 分钟后再试" in page
    assert page.count("<h1") == 1


@pytest.mark.django_db
@pytest.mark.parametrize("url", LOGINS)
def test_fifty_wrong_passwords_lock_the_account_and_the_right_one_is_refused(client, lead, url):
    statuses = [
        log_in(client, url, "lead", f"guess-{i}", "198.51.100.7").status_code for i in range(50)
    ]
    # The form again, with its error; the tenth failure locks the account (and the address).
    assert statuses[:9] == [200] * 9
    assert set(statuses[9:]) == {429}
    response = log_in(client, url, "lead", PASSWORD, "198.51.100.7")
    assert_locked_out(response)
    assert not logged_in(client)
    assert AccessAttempt.objects.filter(username="lead").exists()


@pytest.mark.django_db
def test_one_account_guessed_from_many_addresses_is_locked(client, lead):
    for i in range(10):
        log_in(client, "/admin/login/", "lead", f"guess-{i}", f"203.0.113.{i + 1}")
    assert_locked_out(log_in(client, "/admin/login/", "lead", PASSWORD, "192.0.2.200"))
    assert not logged_in(client)


@pytest.mark.django_db
def test_one_address_spraying_many_accounts_is_locked_whatever_it_forwards(client, lead):
    """The address is the project's one rule (airoles/clients.py): with no trusted proxy, a
    forged X-Forwarded-For changes nothing."""
    statuses = [
        log_in(
            client, "/admin/login/", f"user{i}", "guess", "198.51.100.9",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
        ).status_code
        for i in range(10)
    ]  # fmt: skip
    assert statuses == [200] * 9 + [429]
    locked = log_in(
        client, "/admin/login/", "lead", PASSWORD, "198.51.100.9", HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert_locked_out(locked)
    assert not logged_in(client)
    # Another account from another address is not locked out.
    response = log_in(Client(), "/admin/login/", "lead", PASSWORD, "192.0.2.10")
    assert response.status_code == 302 and response["Location"] == "/admin/"


@pytest.mark.django_db
def test_a_successful_login_clears_the_accounts_failures(client, lead):
    for i in range(9):
        log_in(client, "/admin/login/", "lead", f"typo-{i}", "198.51.100.20")
    assert log_in(client, "/admin/login/", "lead", PASSWORD, "198.51.100.20").status_code == 302
    client.logout()
    for i in range(9):
        log_in(client, "/admin/login/", "lead", f"typo-{i}", "198.51.100.20")
    assert log_in(client, "/admin/login/", "lead", PASSWORD, "198.51.100.20").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command", [["axes_reset"], ["axes_reset_username", "lead"], ["axes_reset_ip", "198.51.100.7"]]
)
def test_staff_unlock_with_axes_reset(client, lead, command):
    for i in range(10):
        log_in(client, "/admin/login/", "lead", f"guess-{i}", "198.51.100.7")
    assert_locked_out(log_in(client, "/admin/login/", "lead", PASSWORD, "198.51.100.7"))
    call_command(*command, stdout=StringIO())
    if command[0] == "axes_reset_ip":  # the account's own count still stands: another address
        call_command("axes_reset_username", "lead", stdout=StringIO())
    response = log_in(client, "/admin/login/", "lead", PASSWORD, "198.51.100.7")
    assert response.status_code == 302 and logged_in(client)


@pytest.mark.django_db
def test_superusers_see_and_unlock_attempts_in_the_django_admin(client, lead, django_user_model):
    for i in range(10):
        log_in(client, "/admin/login/", "intruder", f"guess-{i}", "198.51.100.30")
    attempt = AccessAttempt.objects.get(username="intruder")
    client.force_login(lead)
    listing = client.get("/django-admin/axes/accessattempt/")
    assert listing.status_code == 200 and "intruder" in listing.content.decode()
    response = client.post(
        f"/django-admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="intruder").exists()
    editor = django_user_model.objects.create_user("editor", password=PASSWORD)
    client.force_login(editor)
    assert client.get("/django-admin/axes/accessattempt/").status_code == 302  # not staff
