"""Where each fact comes from (issue 14, section 4; issue 15, the home page's own voice): the
article's text is labelled as the original, the editors' additions (English names, synonyms) as
theirs, and the home page's introduction and the footer's credit are the editors', in the CMS."""

import csv
import io
import re

import pytest

from roles.models import RoleIndexPage, RolePage

pytestmark = pytest.mark.django_db

ROLE = "deep-learning-engineer"  # an English name and one synonym (深度学习工程师)
ARTICLE_LEAD = "本文盘点了当前市场上热门的AI岗位"


def test_the_api_lists_the_editors_fields_of_each_role(client):
    role = client.get(f"/api/v3/roles/{ROLE}/").json()
    assert role["editorial_fields"] == ["english_name", "synonyms"]
    assert role["synonyms"] == ["深度学习工程师"]
    plain = RolePage.objects.filter(synonyms="").exclude(english_name="").first()
    assert client.get(f"/api/v3/roles/{plain.slug}/").json()["editorial_fields"] == ["english_name"]
    schema = client.get("/api/v3/openapi.json").json()["components"]["schemas"]
    assert schema["Role"]["properties"]["synonyms"]["description"].startswith("Editorial")
    assert schema["Role"]["properties"]["english_name"]["description"].startswith("Editorial")


def test_the_downloads_say_which_fields_are_the_editors(client):
    data = client.get("/data/roles.json").json()
    assert set(data["field_sources"]) == {"article", "editorial"}
    assert "synonym" in data["field_sources"]["editorial"]
    role = next(r for r in data["roles"] if r["slug"] == ROLE)
    assert role["editorial_fields"] == ["english_name", "synonyms"]
    text = client.get("/data/roles.csv").content.decode("utf-8-sig")
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows[ROLE]["editorial_fields"] == "english_name; synonyms"


def test_the_role_page_labels_the_editors_names_and_the_articles_text(client):
    role = RolePage.objects.get(slug=ROLE)
    html = client.get(role.url).content.decode()
    names = re.search(r'<p class="role__aka">(.*?)</p>', html, re.S).group(1)
    assert '<span class="tag tag--editorial">编辑添加</span>' in names
    assert "Deep Learning Algorithm Engineer" in names and "深度学习工程师" in names
    originals = re.findall(r'<p class="[^"]*original">(.*?)</p>', html, re.S)
    assert len(originals) == 5  # definition, skills, company types, the category's two
    assert all("原文" in text for text in originals)
    assert not any("深度学习工程师" in text or "编辑添加" in text for text in originals)
    assert f'<span lang="zh-Hans">{role.definition}</span>' in html


def test_the_home_page_speaks_in_the_sites_own_voice_kept_by_the_editors(client):
    html = client.get("/").content.decode()
    assert ARTICLE_LEAD not in html
    home = RoleIndexPage.objects.get()
    assert f'<p class="hero__lead">{home.intro}</p>' in html
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<p class="hero__lead">{home.intro_en}</p>' in english

    home.intro = "编辑写的新介绍。"
    home.intro_en = ""
    home.source_author = "另一位作者"
    home.save_revision().publish()
    html = client.get("/").content.decode()
    assert '<p class="hero__lead">编辑写的新介绍。</p>' in html
    assert "作者：另一位作者" in html  # the footer's credit
    # No English introduction yet: the Chinese one, marked as Chinese.
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<p class="hero__lead" lang="zh-Hans">编辑写的新介绍。</p>' in english


def test_the_footer_credits_the_article_from_the_home_pages_source_fields(client):
    home = RoleIndexPage.objects.get()
    html = client.get("/roles/").content.decode()
    credit = re.search(r'<p class="site-footer__credit">(.*?)</p>', html, re.S).group(1)
    assert (
        f'岗位资料整理自<a href="{home.source_url}" rel="noopener">《{home.source_title}》</a>'
        in (credit)
    )
    assert f"（作者：{home.source_author}，人人都是产品经理，2024-12-17），仅供参考。" in credit
    # On the English interface the article's words are marked as Chinese.
    english = client.get("/roles/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'“<span lang="zh-Hans">{home.source_title}</span>”</a>' in english
    assert f'by <span lang="zh-Hans">{home.source_author}</span>' in english
