"""roles/discovery/matching.py and the compare and finder pages built on it."""

import re
from html import unescape

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext

from roles.discovery.matching import (
    GENERIC_SHARE,
    compare,
    rank_by_fit,
    related_roles,
    skill_weights,
)
from roles.models import RoleCategoryPage, RolePage, RoleSkill, Skill

from .factories import RolePageFactory, growing_catalogue

pytestmark = pytest.mark.django_db

DATA_SKILLS = {
    "data-analysis",
    "statistics",
    "machine-learning",
    "data-processing",
    "database-management",
    "data-labeling",
    "data-visualization",
    "data-quality-awareness",
}


def role(slug):
    return RolePage.objects.for_listing().get(slug=slug)


def skill_ids(*slugs):
    return set(Skill.objects.filter(slug__in=slugs).values_list("pk", flat=True))


# Compare.


def test_compare_marks_shared_skills_of_ml_engineer_and_data_scientist():
    comparison = compare(["machine-learning-engineer,data-scientist"])
    assert [r.title for r in comparison.roles] == ["机器学习工程师", "数据科学家"]
    shared = {s.slug for s in Skill.objects.filter(pk__in=comparison.shared_skills)}
    assert shared == {"programming-languages", "machine-learning", "statistics", "data-analysis"}
    columns = {c["role"].slug: c for c in comparison.columns()}
    scientist = {s["link"].skill.slug: s for s in columns["data-scientist"]["skills"]}
    assert scientist["statistics"]["shared"] and not scientist["statistics"]["unique"]
    assert scientist["python"]["unique"] and not scientist["python"]["shared"]
    rows = comparison.skill_rows()
    assert all(row["shared"] for row in rows[:4]) and not any(row["shared"] for row in rows[4:])


def test_compare_page_shows_both_definitions_and_marks(client):
    page = client.get("/compare/?roles=machine-learning-engineer,data-scientist").content.decode()
    assert role("machine-learning-engineer").definition in page
    assert role("data-scientist").definition in page
    assert re.search(
        r'class="chip chip--shared"><a href="/skills/statistics/">统计学</a>'
        r'<span class="visually-hidden">（共同）',
        page,
    )
    assert re.search(
        # Python: an example of 编程语言 for 数据科学家 (如Python、R等), so a preferred skill.
        r'class="chip chip--unique chip--preferred"><a href="/skills/python/">Python</a>'
        r'<span class="visually-hidden">（独有）',
        page,
    )
    assert "技能重合一览" in page and "<svg" in page  # the overlap picture, drawn on the server
    assert len(re.findall(r"<h1[\s>]", page)) == 1


def notices(page):
    block = re.search(r'<div class="notice" role="alert">(.*?)</div>', page, re.S)
    return (
        [unescape(item) for item in re.findall(r"<li>(.*?)</li>", block.group(1))] if block else []
    )


@pytest.mark.parametrize(
    ("query", "roles", "expected_notices"),
    [
        ("", [], []),
        ("?roles=", [], []),
        ("?roles=data-scientist", ["数据科学家"], []),
        (
            "?roles=data-scientist,nope,%3Cscript%3E",
            ["数据科学家"],
            ["找不到这些岗位，已忽略：nope、<script>"],
        ),
        (
            "?roles=data-scientist,data-scientist&roles=data-engineer",
            ["数据科学家", "数据工程师"],
            ["重复的岗位只显示一次。"],
        ),
        (
            "?roles=ai-designer,data-scientist,data-engineer,ai-data-analyst,prompt-engineer",
            ["AI设计师", "数据科学家", "数据工程师", "AI数据分析师"],
            ["一次最多对比 4 个岗位，只显示了前 4 个。"],
        ),
        ("?roles=" + "x" * 5000, [], ["找不到这些岗位，已忽略：" + "x" * 40]),
        ("?roles=%00%FF,，、", [], None),
    ],
)
def test_compare_bad_input(client, query, roles, expected_notices):
    response = client.get("/compare/" + query)
    assert response.status_code == 200
    page = response.content.decode()
    shown = re.findall(r'data-compared-slug="[^"]+" data-compared-title="([^"]+)"', page)
    assert shown == roles
    if expected_notices is not None:
        assert notices(page) == expected_notices
    if len(roles) < 2:
        # A helpful page: roles to add, each a link that builds the compare URL.
        assert "＋ " in page
        if roles:
            assert "再加一个岗位就可以对比了" in page
            assert 'href="/compare/?roles=data-scientist,' in page
        else:
            assert 'href="/compare/?roles=deep-learning-engineer"' in page


def test_compare_columns_can_be_removed(client):
    page = client.get("/compare/?roles=data-scientist,data-engineer,ai-designer").content.decode()
    assert 'href="/compare/?roles=data-engineer,ai-designer">移除' in page
    assert 'href="/compare/?roles=data-scientist,ai-designer">移除' in page


# Related roles.


def test_related_roles_of_a_data_role_are_data_roles():
    related = related_roles(role("data-scientist"))
    assert 3 <= len(related) <= 5
    assert {item.role.title for item in related[:2]} == {"AI数据分析师", "机器学习工程师"}
    for item in related:
        slugs = {link.skill.slug for link in item.role.skills}
        assert slugs & DATA_SKILLS, item.role.title
        assert item.shared_skills  # what they share is named
    assert "数据科学家" not in [item.role.title for item in related]


def skill_frequencies():
    live = RolePage.objects.live().public()
    rows = RoleSkill.objects.filter(page__in=live.values("pk")).values_list("skill_id", flat=True)
    df = {}
    for skill_id in rows:
        df[skill_id] = df.get(skill_id, 0) + 1
    return live.count(), df


def test_related_roles_never_rest_on_generic_skills_alone():
    """issue #13: 提示工程师 was related to AI客户服务代表, AI售前/售后支持 and AI教育导师 through
    科技公司 and AI技术理解, which most roles share."""
    related = related_roles(role("prompt-engineer"))
    titles = [item.role.title for item in related]
    assert titles[0] == "自然语言处理（NLP）工程师"
    assert not {"AI客户服务代表", "AI售前/售后支持", "AI教育导师"} & set(titles)
    size, df = skill_frequencies()
    weights = skill_weights()
    for page in RolePage.objects.live().for_listing():
        for item in related_roles(page):
            assert item.shared_skills, (page.slug, item.role.slug)
            specific = [s for s in item.shared_skills if df[s.pk] <= GENERIC_SHARE * size]
            assert specific or item.role.category_id == page.category_id, (
                page.slug,
                item.role.slug,
            )
            # The most specific shared skill (by the weight that scored it) comes first.
            shown = [weights[s.pk] for s in item.shared_skills]
            assert shown == sorted(shown, reverse=True)


def test_related_roles_show_on_the_role_page_with_one_click_compare(client):
    page = client.get(role("ai-designer").url).content.decode()
    assert "相近的岗位" in page
    assert re.search(r'href="/compare/\?roles=ai-designer,[a-z0-9-]+">与AI', page)
    assert "共同技能" in page


# The finder.


def test_finder_ranks_a_role_whose_essential_skills_are_all_picked_first():
    ml = role("machine-learning-engineer")
    picked = {link.skill_id for link in ml.skills}
    ranking = rank_by_fit(picked)
    fits = {fit.role.slug: fit for fit in ranking.fits}
    assert ranking.fits[0].role.slug == "machine-learning-engineer"
    assert fits["machine-learning-engineer"].score == 100
    assert fits["machine-learning-engineer"].need == []
    # A role with none of these skills is not ranked above it; it is not listed at all.
    assert "ai-concept-artist" not in fits
    assert ranking.unmatched > 0
    best = max(fits.values(), key=lambda fit: fit.score)
    assert best.score == 100


def test_finder_names_what_you_have_and_what_you_need_essential_first():
    ranking = rank_by_fit(skill_ids("project-management", "communication"))
    fits = {fit.role.slug: fit for fit in ranking.fits}
    manager = fits["ai-rnd-project-manager"]
    assert [link.skill.slug for link in manager.have] == ["project-management", "communication"]
    needs = [(link.skill.slug, link.level) for link in manager.need]
    assert needs[-1] == ("cpp", "preferred")
    assert all(level == "essential" for _slug, level in needs[:-1])


def test_finder_is_one_list_filtered_by_company_type_and_threshold():
    ranking = rank_by_fit(skill_ids("data-analysis"), ["financial-institution"])
    roles = {fit.role.title for fit in ranking.fits}
    assert roles == {"机器学习工程师", "数据科学家", "AI数据分析师"}
    # One list by fit: the threshold level does not group it.
    everything = rank_by_fit(skill_ids("data-analysis", "communication"))
    assert [fit.fit for fit in everything.fits] == sorted(
        (fit.fit for fit in everything.fits), reverse=True
    )
    levels = [fit.role.category.threshold_level for fit in everything.fits]
    assert levels != sorted(levels, key=["high", "fairly_high", "moderate", ""].index)
    # The threshold is a filter; `unstated` stands for the categories without a level.
    high = rank_by_fit(skill_ids("data-analysis", "communication"), thresholds=["high"])
    assert high.fits and {fit.role.category.threshold_level for fit in high.fits} == {"high"}
    unstated = rank_by_fit(skill_ids("data-analysis"), thresholds=["unstated", "moderate"])
    assert {fit.role.category.threshold_level for fit in unstated.fits} == {""}
    assert [fit.role.slug for fit in high.fits] == [
        fit.role.slug for fit in everything.fits if fit.role.category.threshold_level == "high"
    ]


def test_finder_page_from_skills_and_background(client):
    page = client.get("/match/?skill=data-analysis&skill=communication").content.decode()
    assert "匹配结果" in page
    have = r'你已具备</span><a class="chip chip--small chip--shared" href="/skills/data-analysis/">'
    assert re.search(have + "数据分析", page)
    assert "还需要" in page
    page = client.get("/match/?background=teaching").content.decode()
    assert "按背景计入的技能来自：教学经验" in page
    assert "AI企业培训师" in page
    # A background that is one plain skill is offered as that skill: an old link ticks it.
    page = client.get("/match/?background=programming").content.decode()
    assert "按背景计入" not in page and "未知的" not in page
    checked = r'value="programming-languages" id="m-skill-programming-languages" checked'
    assert re.search(checked, page)
    assert "深度学习算法工程师" in page


def test_finder_background_and_skill_lists_have_no_term_in_common(client):
    page = client.get("/match/").content.decode()

    def labels(field):
        return set(re.findall(rf'<label for="m-{field}-[a-z0-9_-]+">([^<]+)</label>', page))

    backgrounds, skills = labels("background"), labels("skill")
    assert backgrounds and skills and not backgrounds & skills
    assert "产品规划" in skills and "产品规划" not in backgrounds
    assert {"教学经验", "市场营销背景", "传统设计经验"} <= backgrounds
    assert labels("threshold") == {"较高", "相对较高", "适中", "未注明"}


def test_finder_results_say_why_and_what_is_missing(client):
    page = client.get(
        "/match/?skill=statistics&skill=python&skill=data-analysis&threshold=high"
        "&threshold=unstated"
    ).content.decode()
    assert 'action="/match/#results"' in page and 'id="results"' in page
    results = page[page.index('id="results"') :]
    items = re.findall(r'<li class="fit" data-role="([a-z0-9-]+)">(.*?)</li>', results, re.S)
    assert items[0][0] == "data-scientist"
    for _slug, item in items:
        assert "badge badge--high" in item or 'class="badge' not in item
    scientist = items[0][1]
    # Why: the skills that carried the score, the most specific first; then what is missing.
    have = re.findall(r'chip--shared" href="/skills/([a-z0-9-]+)/">([^<]+)<', scientist)
    # Python is one of the article's examples (编程语言（如Python、R等）), preferred, yet it says
    # more about this role than 数据分析, essential but asked across five categories.
    assert have == [("statistics", "统计学"), ("python", "Python"), ("data-analysis", "数据分析")]
    # Each missing skill leads to its skill page, where the visitor learns how to close the gap.
    assert re.findall(r'href="/skills/([a-z0-9-]+)/" data-skill="([a-z0-9-]+)"', scientist) == [
        ("programming-languages", "programming-languages"),
        ("machine-learning", "machine-learning"),
        ("r-language", "r-language"),  # preferred (an example), after the essential ones
    ]
    assert 'class="badge' not in scientist  # 数据工程类: the article gives no level
    assert "门槛较高" in dict(items)["machine-learning-engineer"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "先在左边选择你的背景或技能"),
        ("?skill=telepathy", "未知的技能已忽略：telepathy"),
        ("?skill=drawing-skills&company_type=financial-institution", "没有岗位用到你选的技能"),
        ("?company_type=%00&background=%FF", "未知的"),
        ("?skill=python&threshold=extreme", "未知的门槛已忽略：extreme"),
        ("?skill=drawing-skills&threshold=high", "没有岗位用到你选的技能"),
    ],
)
def test_finder_bad_input(client, query, expected):
    response = client.get("/match/" + query)
    assert response.status_code == 200
    assert expected in unescape(response.content.decode())


def query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_compare_and_finder_query_counts_do_not_grow(client):
    urls = [
        "/compare/?roles=machine-learning-engineer,data-scientist,data-engineer,ai-data-analyst",
        "/compare/?roles=data-scientist",
        "/match/?skill=python&skill=statistics&skill=data-analysis&skill=communication&skill=sql",
        "/match/?background=teaching&background=data-analysis&skill=python&threshold=high"
        "&company_type=tech-company",
        role("data-scientist").url,
        "/",
    ]
    # Each page is asked once before it is counted: Django's per-process caches (content types,
    # the site's root paths) are warm on a running site, and whether an earlier test left them
    # warm must not decide the count.
    for url in urls:
        client.get(url)
    before = [query_count(client, url) for url in urls]
    category = RoleCategoryPage.objects.get(slug="data-engineering")
    skills = list(Skill.objects.filter(slug__in=["python", "data-analysis", "statistics"]))
    with growing_catalogue():
        for i in range(30):
            extra = RolePageFactory(parent=category, slug=f"extra-{i}")
            extra.skill_links = [RoleSkill(skill=skill) for skill in skills]
            extra.save_revision().publish()
    for url in urls:
        client.get(url)
    after = [query_count(client, url) for url in urls]
    assert after == before, dict(zip(urls, zip(before, after, strict=True), strict=True))
