"""Whether the finder and related roles give answers a careers adviser would accept, measured
on a judged set (issue #13).

How the judged set was built (tests/judged/):
- finder_personas.json: one visitor per category, from the article's own sentence saying who
  suits a transition into it ("…适合…转型", the category's `suits` text, quoted in each persona),
  ticking the catalogue's backgrounds and skills that the sentence names; then the four visitors
  observed in the issue (a teacher, a customer-service agent, a marketer, a statistician). For each,
  the roles an adviser would accept in the top 3 were written down by hand before any ranking was
  looked at; the file's `about` says how phrases were mapped to terms.
- related_roles.json: for each of the 45 roles, the roles an adviser would accept under its
  相近的岗位, judged by hand from the definitions and skills (not every role of the same category).
The measures (tests/evaluation.py) run through the site's own form and functions over the
catalogue in the database; bench/answers.py prints the same figures, before and after.

The thresholds are the figures measured when the scoring was last changed (`make answers`):
every persona's top 3 is acceptable, and a change that makes any answer worse fails here. Two
changes got there, each a general rule rather than a fix for one persona: a skill's weight counts
the categories it spreads over (创新思维, listed for two roles but asked of four categories, had
put AI用户体验研究员 in the marketing-sales and brand personas' top 3), and the share of a role's
asks that a visitor has counts each asked skill by its level only (a teacher got AI客服代表 above
AI教育顾问 because the consultant's two missing skills are rare ones).
"""

import pytest

from roles.discovery.matching import GENERIC_SHARE, rank_by_fit, skill_weights, suits_skills
from roles.models import RoleCategoryPage, RolePage, RoleSkill, Skill

from . import evaluation

pytestmark = pytest.mark.django_db


def test_every_category_has_a_persona_from_the_article():
    personas = evaluation.personas()
    assert len(personas) >= 14
    suits = {page.suits for page in RoleCategoryPage.objects.live()}
    sources = {persona["source"] for persona in personas}
    assert suits <= sources


def test_finder_precision_at_3_and_ndcg_at_5():
    rows = evaluation.finder_figures()
    precision = [p for _name, _top, p, _n in rows]
    ndcg = [n for _name, _top, _p, n in rows]
    report = {name: (top, round(p, 2), round(n, 2)) for name, top, p, n in rows}
    # Every persona's top 3 is acceptable (the issue's "done when").
    assert min(precision) == 1, report
    assert sum(ndcg) / len(ndcg) >= 0.93, report


def test_related_roles_precision_and_no_generic_links():
    figures = evaluation.related_figures()
    micro, per_role = evaluation.related_precision(figures)
    assert micro >= 0.88 and per_role >= 0.88, (micro, per_role)
    # Every role page lists related roles, but AI创业公司创始人's, whose skills no role shares.
    assert [slug for slug, items in figures.items() if not items] == ["ai-startup-founder"]
    # Every related role shares a specific skill or the category (the issue's "done when").
    live = RolePage.objects.live().for_listing()
    roles = {role.slug: role for role in live}
    df = {}
    for skill_id in RoleSkill.objects.filter(page__in=live).values_list("skill_id", flat=True):
        df[skill_id] = df.get(skill_id, 0) + 1
    for slug, items in figures.items():
        mine = {link.skill_id for link in roles[slug].skills}
        for other, _ok in items:
            shared = mine & {link.skill_id for link in roles[other].skills}
            specific = [pk for pk in shared if df[pk] <= GENERIC_SHARE * len(roles)]
            assert specific or roles[other].category_id == roles[slug].category_id, (slug, other)


def top(*slugs, n=3):
    skills = set(Skill.objects.filter(slug__in=slugs).values_list("pk", flat=True))
    return [fit.role.title for fit in rank_by_fit(skills).fits[:n]]


def test_the_failures_observed_in_the_issue_are_gone():
    # A teacher (教学经验 = 培训技巧 + 教学能力, and 沟通能力) gets the training roles first.
    assert set(top("training-skills", "teaching", "communication", n=2)) == {
        "AI企业培训师",
        "AI教育导师",
    }
    # A customer-service agent gets the customer-service roles, not project roles.
    assert set(top("customer-service", "communication")) == {
        "AI客户服务代表",
        "AI售前/售后支持",
        "AI客服代表",
    }
    # A marketer gets AI销售与营销专家 above AI研发项目经理.
    marketer = top("marketing", "market-analysis", "communication", n=45)
    assert marketer.index("AI销售与营销专家") < marketer.index("AI研发项目经理")
    assert "AI研发项目经理" not in marketer[:3]
    # Someone with 统计学 + Python + 数据分析 gets 数据科学家 in the top 2.
    assert "数据科学家" in top("statistics", "python", "data-analysis", n=2)


def test_a_skill_the_article_asks_of_many_fields_weighs_less_than_one_field_s_own():
    slugs = dict(Skill.objects.values_list("slug", "pk"))
    suits = suits_skills()
    named = {
        page.slug: {slug for slug, pk in slugs.items() if pk in suits[page.pk]}
        for page in RoleCategoryPage.objects.live()
    }
    # Each "适合…转型" sentence names its skills, directly (创新思维) or through a background
    # (市场营销背景: 市场分析, 市场营销).
    assert {"innovative-thinking", "communication", "market-analysis", "marketing"} <= named[
        "marketing-sales"
    ]
    assert "innovative-thinking" in named["design"] and "innovative-thinking" in named["brand"]
    assert "innovative-thinking" not in named["tech-rnd"]
    # 创新思维 and 数学基础 are each listed for two roles; 创新思维 is asked of four more
    # categories, 数学基础 of none, so it says less about which role fits.
    weights = skill_weights()
    assert weights[slugs["innovative-thinking"]] < weights[slugs["math-foundation"]] / 2
    # The skills most roles share weigh least, one role's own skill most.
    lightest = sorted(weights, key=weights.get)[:2]
    assert {slug for slug, pk in slugs.items() if pk in lightest} == {
        "ai-application",
        "communication",
    }
    assert RoleSkill.objects.filter(skill_id=max(weights, key=weights.get)).count() == 1
