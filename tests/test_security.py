"""Security: the production settings pass Django's deployment checks, every public response
carries the site's headers and a strict Content-Security-Policy, and anonymous visitors reach no
draft, preview, revision or admin view (airoles/security.py, airoles/settings/)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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
