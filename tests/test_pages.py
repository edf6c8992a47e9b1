"""Page models (roles/models/pages.py) and the public pages they serve."""

import re

import pytest

from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from roles.models import RoleCategoryPage, RoleIndexPage, RolePage, RoleSkill

from .factories import (
    CompanyTypeFactory,
    RoleCategoryPageFactory,
    RolePageFactory,
    SkillFactory,
    growing_catalogue,
)

pytestmark = pytest.mark.django_db


class PageTreeRulesTest(WagtailPageTestCase):
    def test_index_lives_at_the_root_and_holds_categories(self):
        self.assertAllowedParentPageTypes(RoleIndexPage, {Page})
        self.assertAllowedSubpageTypes(RoleIndexPage, {RoleCategoryPage})

    def test_categories_hold_roles(self):
        self.assertAllowedParentPageTypes(RoleCategoryPage, {RoleIndexPage})
        self.assertAllowedSubpageTypes(RoleCategoryPage, {RolePage})

    def test_roles_are_leaves(self):
        self.assertAllowedParentPageTypes(RolePage, {RoleCategoryPage})
        self.assertAllowedSubpageTypes(RolePage, set())

    def test_one_catalogue_home_per_site(self):
        root = Page.get_first_root_node()
        self.assertFalse(RoleIndexPage.can_create_at(root))

    def test_a_role_cannot_be_created_under_the_home(self):
        index = RoleIndexPage.objects.get()
        self.assertCanNotCreateAt(RoleIndexPage, RolePage)
        self.assertFalse(RolePage.can_create_at(index))


def public_urls(client):
    urls = ["/", "/roles/", "/company-types/", "/company-types/financial-institution/"]
    urls += [page.url for page in RoleCategoryPage.objects.live()]
    urls += [page.url for page in RolePage.objects.live()]
    return urls


def test_every_public_page_renders_with_exactly_one_h1(client):
    urls = public_urls(client)
    assert len(urls) == 4 + 10 + 45
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert len(re.findall(r"<h1[\s>]", html)) == 1, url
        assert 'lang="zh-Hans"' in html, url


def test_the_404_page_is_styled_with_one_h1(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert "页面不存在" in html and "site.css" in html


def test_every_role_page_shows_its_definition_skills_and_company_types(client):
    for role in RolePage.objects.live().for_listing():
        html = client.get(role.url).content.decode()
        assert role.definition in html, role.title
        for link in role.skill_links.all():
            assert f"/skills/{link.skill.slug}/" in html, (role.title, link.skill.slug)
        for company_type in role.company_types:
            assert f"/company-types/{company_type.slug}/" in html, (role.title, company_type)


def test_role_page_shows_category_breadcrumb_preferred_mark_and_last_update(client):
    role = RolePage.objects.get(title="AI研发项目经理")
    html = client.get(role.url).content.decode()
    assert 'aria-label="面包屑"' in html and ">项目管理类</a>" in html
    assert "门槛相对较高" in html
    assert re.search(r'chip--preferred"[^>]*>C\+\+ <span class="chip__tag">优先</span>', html)
    updated = timezone.localtime(role.last_published_at).strftime("%Y-%m-%d")
    assert re.search(rf"最后更新：<time datetime=\"[^\"]+\">{updated}</time>", html)
    assert role.skills_text in html  # the article's sentence, verbatim


def test_category_page_shows_who_suits_the_threshold_and_its_roles(client):
    category = RoleCategoryPage.objects.get(slug="design")
    html = client.get(category.url).content.decode()
    assert category.suits in html
    assert category.threshold_text in html
    assert "门槛适中" in html
    for title in ["AI设计师", "AI原画设计师", "AI美术设计师", "AI视觉设计师", "AI创意设计师"]:
        assert f">{title}</a>" in html


def test_home_lists_every_category_with_its_count_and_roles(client):
    html = client.get("/").content.decode()
    assert "45 个热门 AI 岗位" in html
    for category in RoleCategoryPage.objects.all():
        count = RolePage.objects.live().filter(category=category).count()
        assert f">{category.title}</a>" in html
        assert f"{count} 个岗位" in html
    for role in RolePage.objects.live():
        assert f'href="{role.url}"' in html


def test_unpublished_roles_are_not_shown(client):
    role = RolePage.objects.get(slug="ai-ethicist")
    role.unpublish()
    assert client.get(role.url).status_code == 404
    assert "AI伦理师" not in client.get("/").content.decode()
    assert "AI伦理师" not in client.get("/training-services/").content.decode()


def test_moving_a_role_moves_it_to_the_new_category():
    role = RolePage.objects.get(slug="ai-ethicist")
    product = RoleCategoryPage.objects.get(slug="product")
    role.move(product, pos="last-child")
    assert RolePage.objects.get(slug="ai-ethicist").category == product


def query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_roles(category, count):
    skills = SkillFactory.create_batch(3)
    company_types = CompanyTypeFactory.create_batch(2)
    with growing_catalogue():
        for _ in range(count):
            RolePageFactory(parent=category, links=(skills, company_types))


def test_page_query_counts_do_not_grow_with_the_catalogue(client):
    category = RoleCategoryPage.objects.get(slug="design")
    role = RolePage.objects.get(slug="ai-designer")
    urls = ["/", category.url, role.url]
    for url in urls:  # warm the per-process caches: an earlier test on this worker may not have
        client.get(url)
    before = [query_count(client, url) for url in urls]
    add_roles(category, 30)
    add_roles(RoleCategoryPageFactory(parent=RoleIndexPage.objects.get()), 10)
    role.skill_links.add(*[RoleSkill(skill=skill) for skill in SkillFactory.create_batch(4)])
    role.save_revision().publish()
    after = [query_count(client, url) for url in urls]
    assert after == before, dict(zip(urls, zip(before, after, strict=True), strict=True))


def test_the_500_page_is_styled_and_needs_nothing_that_can_fail():
    # Django renders it with no context, maybe while the database is down.
    html = render_to_string("500.html")
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert 'href="/static/roles/site.css"' in html and "服务暂时不可用" in html


# HTML allows at most three fraction digits in a <time datetime> (the W3C checker's one error).
VALID_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:?\d\d)$")
# A date alone (the article's publication date, a source's date consulted) is a valid date string.
VALID_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


def test_time_elements_carry_valid_datetimes(client):
    role = RolePage.objects.live().first()
    role.save_revision().publish()  # last_published_at now has microseconds
    for path in (role.url, "/data/"):
        html = client.get(path).content.decode()
        values = re.findall(r'<time datetime="([^"]*)"', html)
        assert values, path
        for value in values:
            assert VALID_DATETIME.match(value) or VALID_DATE.match(value), (path, value)
