"""roles/catalogue/views.py: the role listing, company-type pages and what they do with bad
input."""

import re
from html import unescape

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext

from roles.models import CompanyType, RoleCategoryPage, RoleCompanyType, RolePage, RoleSkill, Skill

from .factories import RolePageFactory, growing_catalogue
from .test_filters import ARTICLE_HIRERS

pytestmark = pytest.mark.django_db


def html(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def card_titles(page):
    """Role card titles, as read: without the <mark> of a search match."""
    found = re.findall(r'<h3 class="role-card__title"><a href="[^"]+">(.*?)</a>', page)
    return [unescape(re.sub(r"</?mark>", "", title)) for title in found]


def notices(page):
    block = re.search(r'<div class="notice" role="alert">(.*?)</div>', page, re.S)
    return (
        [unescape(item) for item in re.findall(r"<li>(.*?)</li>", block.group(1))] if block else []
    )


def canonical(page):
    return unescape(re.search(r'<link rel="canonical" href="([^"]+)">', page).group(1))


def test_listing_shows_all_roles_20_a_page(client):
    page = html(client, "/roles/")
    assert "共 45 个岗位" in page
    assert len(card_titles(page)) == 20
    assert len(card_titles(html(client, "/roles/?page=3"))) == 5
    assert 'rel="next" href="/roles/?page=2"' in page


def test_filtering_by_company_type_gives_the_articles_roles(client):
    page = html(client, "/roles/?company_type=financial-institution")
    assert set(card_titles(page)) == ARTICLE_HIRERS["financial-institution"]
    assert "共 8 个岗位" in page


def test_company_type_pages(client):
    index = html(client, "/company-types/")
    assert re.search(
        r"金融机构</span>(?: <span class=\"company-list__other-name\"[^>]*>[^<]*</span>)?"
        r" <span class=\"company-list__count\">8 个岗位",
        index,
    )
    assert (
        len(re.findall(r'href="/company-types/[a-z0-9-]+/"', index)) == CompanyType.objects.count()
    )

    page = html(client, "/company-types/game-company/")
    assert "<h1>游戏公司招聘的 AI 岗位</h1>" in page
    assert set(card_titles(page)) == ARTICLE_HIRERS["game-company"]
    # Narrowed further, and the company type itself can be removed to see every role.
    page = html(client, "/company-types/game-company/?category=design&skill=drawing-skills")
    assert card_titles(page) == ["AI原画设计师"]
    assert 'href="/roles/?category=design&amp;skill=drawing-skills"' in page
    assert canonical(page).endswith(
        "/company-types/game-company/?category=design&skill=drawing-skills"
    )

    html(client, "/company-types/no-such-type/", status=404)


def test_role_page_chips_lead_to_listings(client):
    role = RolePage.objects.get(slug="data-scientist")
    page = html(client, role.url)
    assert 'href="/company-types/financial-institution/"' in page
    assert 'href="/skills/statistics/"' in page  # the skill's page, which leads to the listing
    assert 'href="/roles/?skill=statistics"' in html(client, "/skills/statistics/")
    listing = html(client, "/roles/?skill=statistics")
    assert "数据科学家" in card_titles(listing)


def test_facets_show_counts_and_disable_empty_options(client):
    page = html(client, "/roles/?company_type=game-company")
    assert re.search(
        r'value="design" id="f-category-design">\s*<label[^>]*>设计类 <span class="facet__count">3',
        page,
    )
    assert re.search(r'value="tech-rnd" id="f-category-tech-rnd" disabled>', page)
    assert 'value="game-company" id="f-company_type-game-company" checked>' in page


def test_active_filters_are_removable_chips_with_clear_all(client):
    page = html(client, "/roles/?q=数据&company_type=financial-institution&skill=python")
    chips = dict(
        (unescape(label), unescape(url))
        for url, label in re.findall(
            r'<a class="chip chip--active" href="([^"]+)"[^>]*>([^<]+)<', page
        )
    )
    assert chips == {
        "关键词：数据": "/roles/?company_type=financial-institution&skill=python",
        "公司类型：金融机构": "/roles/?q=数据&skill=python".replace("数据", "%E6%95%B0%E6%8D%AE"),
        "技能：Python": "/roles/?q=%E6%95%B0%E6%8D%AE&company_type=financial-institution",
    }
    assert 'class="active-filters__clear" href="/roles/"' in page


def test_an_empty_result_says_so_and_offers_to_remove_a_filter(client):
    page = html(client, "/roles/?company_type=game-company&skill=python")
    assert "没有符合条件的岗位。" in page
    assert "共 0 个岗位" in page
    assert 'href="/roles/?skill=python" data-listing-link>去掉“公司类型：游戏公司”' in page


def test_every_state_has_one_canonical_url(client):
    page = html(
        client,
        "/roles/?skill=python&company_type=tech-company&company_type=tech-company&sort=&q=&page=1",
    )
    assert canonical(page) == "http://testserver/roles/?company_type=tech-company&skill=python"
    assert canonical(html(client, "/roles/?page=2")) == "http://testserver/roles/?page=2"


def test_the_filter_form_works_without_javascript(client):
    page = html(client, "/roles/")
    form = re.search(r'<form id="filters"[^>]*>', page).group(0)
    assert 'method="get"' in form and 'action="/roles/"' in form
    assert 'name="company_type" value="financial-institution"' in page
    assert '<button type="submit" class="button">应用筛选</button>' in page


def test_the_search_box_is_on_every_page(client):
    for url in ["/", "/design/", RolePage.objects.get(slug="ai-designer").url, "/company-types/"]:
        page = html(client, url)
        assert re.search(r'<form class="site-search" method="get" action="/roles/"', page), url


def test_search_results_page(client):
    page = html(client, "/roles/?q=数据")
    found = card_titles(page)
    assert found[:4] and all("数据" in title for title in found[:4])
    assert f"<title>搜索“数据”：找到 {len(found)} 个岗位" in page


BAD_INPUT = {
    "unknown slug": ("/roles/?company_type=moon-base", ["未知的公司类型已忽略：moon-base"], 45),
    "unknown among known": (
        "/roles/?company_type=moon-base&company_type=financial-institution",
        ["未知的公司类型已忽略：moon-base"],
        8,
    ),
    "repeated": ("/roles/?skill=python&skill=python&skill=python", [], 4),
    "garbage": ("/roles/?category=%FF%FE%00&threshold=<script>", None, 45),
    "sql": ("/roles/?skill=1%27%20OR%20%271%27%3D%271&q=%27%3B%20DROP%20TABLE%20x%3B--", None, 0),
    "long q": ("/roles/?q=" + "数" * 500, ["搜索词太长，只使用了前 100 个字。"], 0),
    "page 0": ("/roles/?page=0", ["没有第“0”页，显示的是第 1 页。"], 45),
    "page abc": ("/roles/?page=abc", ["没有第“abc”页，显示的是第 1 页。"], 45),
    "page 99999": ("/roles/?page=99999", ["没有第“99999”页，显示的是第 3 页。"], 45),
    "page huge": (
        "/roles/?page=" + "9" * 5000,
        ["没有第“99999999999999999999”页，显示的是第 3 页。"],
        45,
    ),
    "page negative": ("/roles/?page=-2", ["没有第“-2”页，显示的是第 1 页。"], 45),
    "page superscript": ("/roles/?page=%C2%B2", ["没有第“²”页，显示的是第 1 页。"], 45),
    "bad sort": ("/roles/?sort=;DELETE", ["不支持的排序方式已忽略，按默认顺序排列。"], 45),
    "unknown parameter": ("/roles/?colour=blue", [], 45),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_explained_never_an_error(client, case):
    url, expected_notices, count = BAD_INPUT[case]
    page = html(client, url)
    assert f"共 {count} 个岗位" in page
    if expected_notices is not None:
        assert notices(page) == expected_notices
    assert "<script>" not in page.split("<main", 1)[1].split("</main>")[0]


def test_garbage_values_are_named_in_the_notice(client):
    page = html(client, "/roles/?category=%FF%FE&threshold=<b>x</b>")
    assert "未知的类别已忽略" in page
    assert "未知的门槛已忽略：&lt;b&gt;x&lt;/b&gt;" in page


def query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


LISTING_URLS = [
    "/roles/",
    "/roles/?company_type=financial-institution",
    "/roles/?q=数据",
    "/company-types/financial-institution/",
    "/roles/?skill=python&threshold=high&sort=name&page=2",
]


def test_listing_query_counts_do_not_grow_with_the_catalogue(client):
    # Warm the per-process caches (Wagtail's site, Django's content types, which the first
    # search in a process reads): whether an earlier test on this worker did so must not matter.
    for url in ["/", *LISTING_URLS]:
        client.get(url)
    before = [query_count(client, url) for url in LISTING_URLS]
    category = RoleCategoryPage.objects.get(slug="data-engineering")
    skills = list(Skill.objects.filter(slug__in=["python", "data-analysis", "statistics"]))
    finance = CompanyType.objects.get(slug="financial-institution")
    with growing_catalogue():
        for i in range(40):
            role = RolePageFactory(parent=category, title=f"数据岗位{i}", slug=f"data-role-{i}")
            role.skill_links = [RoleSkill(skill=skill) for skill in skills]
            role.company_type_links = [RoleCompanyType(company_type=finance)]
            role.save_revision().publish()
    assert RolePage.objects.live().count() == 85
    after = [query_count(client, url) for url in LISTING_URLS]
    assert after == before, dict(zip(LISTING_URLS, zip(before, after, strict=True), strict=True))
