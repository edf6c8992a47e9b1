"""Skill pages (issue 13): /skills/ and /skills/<slug>/ — the roles that need a skill, where, with
which other skills, who hires for it and how to learn it; linked from every skill chip."""

import datetime
import re
from html import unescape

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext

from roles.choices import SkillLevel
from roles.discovery.skills import skill_profile
from roles.editorial.terms import merge_terms
from roles.models import (
    CompanyType,
    RoleCategoryPage,
    RoleCompanyType,
    RolePage,
    RoleSkill,
    Skill,
    SkillResource,
)

from .factories import RolePageFactory, growing_catalogue
from .test_views import card_titles, html

pytestmark = pytest.mark.django_db


def section(page, heading_id):
    match = re.search(rf'aria-labelledby="{heading_id}">(.*?)</section>', page, re.S)
    return match.group(1) if match else ""


def chip_labels(fragment):
    return [
        unescape(re.sub(r"<[^>]+>", "", label)).split()[0]
        for label in re.findall(r'<a class="chip[^"]*" href="[^"]+">(.*?)</a>', fragment, re.S)
    ]


def test_the_skill_index_lists_every_skill_with_its_role_count(client):
    page = html(client, "/skills/")
    links = re.findall(r'<a href="/skills/([a-z0-9-]+)/"><span class="skill-list__name">', page)
    assert sorted(links) == sorted(Skill.objects.values_list("slug", flat=True))
    communication = RoleSkill.objects.filter(skill__slug="communication").count()
    assert communication > 10
    assert (
        '<span class="skill-list__name">沟通能力</span> '
        f'<span class="skill-list__count">{communication} 个岗位' in page
    )
    # Shared skills first, then each category's own, linked to the category.
    groups = re.findall(r'<h2 id="skill-group-\d+">(.*?)</h2>', page)
    assert groups[0] == "多个类别都需要的技能"
    assert '<a href="/design/">设计类</a>' in groups
    design = page.split('<a href="/design/">设计类</a>')[1].split("</section>")[0]
    assert "原画设计" in design and "Python" not in design


def test_a_skill_page_shows_roles_categories_company_types_and_travelling_skills(client):
    page = html(client, "/skills/data-analysis/")
    assert "<h1>数据分析</h1>" in page
    assert '<p class="page-head__other-name" lang="en">Data analysis</p>' in page
    assert "6 个岗位需要这项技能：必备 6 个，优先 0 个" in page
    assert set(card_titles(section(page, "essential-heading"))) == {
        "机器学习工程师",
        "数据科学家",
        "AI数据分析师",
        "AI用户体验研究员",
        "AI产品运营",
        "AI品牌分析师",
    }
    categories = section(page, "categories-heading")
    filtered = "/roles/?category=data-engineering&amp;skill=data-analysis"
    assert f'href="{filtered}">数据工程类' in categories
    assert chip_labels(categories) == ["技术研发类", "数据工程类", "产品类", "运营类", "品牌类"]
    companies = section(page, "companies-heading")
    assert chip_labels(companies)[0] == "科技公司"
    assert 'href="/company-types/financial-institution/?skill=data-analysis"' in companies
    travelling = chip_labels(section(page, "travelling-heading"))
    # Specific skills that often come with it first (统计学, with it in three roles, all data
    # roles); 编程语言, as common but asked in more fields, after them.
    assert travelling[0] == "统计学"
    assert travelling.index("编程语言") > travelling.index("机器学习") > 0
    assert "数据分析" not in travelling
    assert 'href="/roles/?skill=data-analysis"' in page


def test_preferred_roles_are_listed_apart(client):
    # C++: 优先 for AI研发项目经理, an example (编程能力（如Python、C++等）) for AI培训师.
    page = html(client, "/skills/cpp/")
    assert card_titles(section(page, "essential-heading")) == []
    assert set(card_titles(section(page, "preferred-heading"))) == {"AI研发项目经理", "AI培训师"}
    # 编程语言, which the examples illustrate, is essential.
    page = html(client, "/skills/programming-languages/")
    assert "AI培训师" in card_titles(section(page, "essential-heading"))


def test_an_unknown_skill_is_a_404(client):
    html(client, "/skills/no-such-skill/", status=404)
    html(client, "/skills/%E6%95%B0%E6%8D%AE/", status=404)


def test_a_skill_no_live_role_needs_still_has_a_page_but_no_sitemap_entry(client):
    Skill.objects.create(name="量子计算", slug="quantum-computing")
    page = html(client, "/skills/quantum-computing/")
    assert "目前没有已发布的岗位需要这项技能。" in page
    assert "/skills/quantum-computing/" not in client.get("/sitemap.xml").content.decode()
    assert "暂时没有岗位需要的技能" in html(client, "/skills/")


def test_learning_resources_show_with_their_checked_date(client):
    skill = Skill.objects.get(slug="python")
    page = html(client, "/skills/python/")
    assert "编辑还没有为这项技能整理学习资源。" in page  # none ship in the fixture
    skill.resources = [
        SkillResource(
            title="Python 官方教程",
            url="https://docs.python.org/zh-cn/3/tutorial/",
            kind="docs",
            free=True,
            language="zh",
            checked_on=datetime.date(2025, 3, 1),
        ),
        SkillResource(
            title="<Python> & 数据分析",
            url="https://example.com/course",
            kind="course",
            free=False,
            language="en",
            checked_on=datetime.date(2025, 2, 10),
        ),
    ]
    skill.save()
    page = html(client, "/skills/python/")
    learn = section(page, "learn-heading")
    titles = re.findall(
        r'class="resource__title" href="([^"]+)" rel="noopener nofollow">([^<]+)', learn
    )
    assert titles == [
        ("https://docs.python.org/zh-cn/3/tutorial/", "Python 官方教程"),
        ("https://example.com/course", "&lt;Python&gt; &amp; 数据分析"),
    ]
    assert '链接检查于 <time datetime="2025-03-01">2025-03-01</time>' in learn
    assert '<time datetime="2025-02-10">2025-02-10</time>' in learn
    text = unescape(re.sub(r"<[^>]+>", " ", learn))
    assert "官方文档" in text and "免费" in text and "中文" in text
    assert "课程" in text and "付费" in text and "英文" in text
    english = client.get("/skills/python/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Link checked on" in english and "Official documentation" in english


def test_merging_a_skill_keeps_its_learning_resources():
    source, target = Skill.objects.get(slug="cpp"), Skill.objects.get(slug="java")
    SkillResource.objects.create(
        skill=source, title="C++ Primer", url="https://example.com/", checked_on="2025-01-01"
    )
    merge_terms(source, target)
    assert [r.title for r in target.resources.all()] == ["C++ Primer"]


def test_english_skill_pages_lead_with_the_english_name(client):
    page = client.get("/skills/data-analysis/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Data analysis</h1>" in page
    assert '<p class="page-head__other-name" lang="zh-Hans">数据分析</p>' in page
    assert "<title>Data analysis: which AI roles need it, how to learn it" in page
    assert ">Machine learning <span" in page  # travelling skills in English too


def test_every_skill_chip_links_to_its_skill_page(client):
    role = RolePage.objects.get(slug="data-scientist")
    page = html(client, role.url)
    chips = re.findall(r'<a class="chip[^"]*" href="/skills/([a-z0-9-]+)/">', page)
    assert set(chips) == {link.skill.slug for link in role.skill_links.all()}
    # Role cards.
    listing = html(client, "/roles/?category=data-engineering")
    assert '<a class="chip" href="/skills/statistics/">统计学</a>' in listing
    # The compare matrix and table.
    compare = html(client, "/compare/?roles=data-scientist,data-engineer")
    assert '<th scope="row"><a href="/skills/python/">Python</a>' in compare
    assert '<a href="/skills/sql/">SQL</a>' in compare


def profile_query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


SKILL_URLS = ["/skills/", "/skills/python/", "/skills/data-analysis/", "/skills/cpp/"]


def test_skill_page_query_counts_do_not_grow_with_the_catalogue(client):
    python = Skill.objects.get(slug="python")
    python.resources = [
        SkillResource(title=f"资源{i}", url="https://example.com/", checked_on="2025-01-01")
        for i in range(3)
    ]
    python.save()
    for url in SKILL_URLS:  # warm the per-process caches: an earlier test on this worker may not
        client.get(url)
    before = [profile_query_count(client, url) for url in SKILL_URLS]
    preferred_before = len(skill_profile(python).preferred)  # the article's examples (如Python)
    category = RoleCategoryPage.objects.get(slug="data-engineering")
    skills = list(Skill.objects.filter(slug__in=["python", "data-analysis", "statistics", "cpp"]))
    finance = CompanyType.objects.get(slug="financial-institution")
    with growing_catalogue():
        for i in range(30):
            role = RolePageFactory(parent=category, title=f"数据岗位{i}", slug=f"data-role-{i}")
            role.skill_links = [
                RoleSkill(
                    skill=skill, level=SkillLevel.PREFERRED if i % 2 else SkillLevel.ESSENTIAL
                )
                for skill in skills
            ]
            role.company_type_links = [RoleCompanyType(company_type=finance)]
            role.save_revision().publish()
            python.resources.add(
                SkillResource(
                    title=f"新资源{i}", url="https://example.com/", checked_on="2025-01-01"
                )
            )
    python.save()
    assert len(skill_profile(python).preferred) == preferred_before + 15
    after = [profile_query_count(client, url) for url in SKILL_URLS]
    assert after == before, dict(zip(SKILL_URLS, zip(before, after, strict=True), strict=True))
