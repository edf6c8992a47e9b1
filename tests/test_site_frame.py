"""The frame of every page (roles/site/context_processors.py): the source credit and the role
count come from the CMS — the home page's source fields and the live roles — not from the
templates."""

from pathlib import Path

import pytest

from roles.models import RoleIndexPage, RolePage

pytestmark = pytest.mark.django_db

BASE_TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "base.html"


def test_the_footer_credits_the_home_pages_source(client):
    home = RoleIndexPage.objects.get()
    html = client.get("/roles/").content.decode()
    assert f"《{home.source_title}》" in html
    assert home.source_author in html
    assert f'href="{home.source_url}"' in html

    home.source_title = "另一篇文章"
    home.source_author = "另一位作者"
    home.save_revision().publish()
    html = client.get("/skills/").content.decode()
    assert "《另一篇文章》" in html and "另一位作者" in html
    assert "职场新机遇" not in html.split("<footer", 1)[1]


def test_a_home_without_a_source_shows_no_credit(client):
    home = RoleIndexPage.objects.get()
    home.source_title = ""
    home.save_revision().publish()
    assert "岗位资料整理自" not in client.get("/roles/").content.decode()


def test_the_default_description_counts_the_live_roles(client):
    html = client.get("/company-types/").content.decode()
    count = RolePage.objects.visible().count()
    assert f'<meta name="description" content="{count} 个热门 AI 岗位' in html

    RolePage.objects.visible().first().unpublish()
    html = client.get("/company-types/").content.decode()
    assert f'<meta name="description" content="{count - 1} 个热门 AI 岗位' in html


def test_the_frame_holds_no_catalogue_facts():
    template = BASE_TEMPLATE.read_text(encoding="utf-8")
    assert "职场新机遇" not in template
    assert "45 个" not in template
