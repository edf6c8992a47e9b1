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

The thresholds are the figures measured when the scoring was written (`make answers`), rounded
down: a change that makes the answers worse fails here. Two personas are not perfect today; both
get AI用户体验研究员 in their top 3 through 创新思维 (a skill the article asks of three categories
but lists for only two roles) — that is recorded, not tuned away.
"""

import pytest

from roles.discovery.matching import GENERIC_SHARE, rank_by_fit
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
    assert sum(precision) / len(precision) >= 0.95, report
    assert sum(ndcg) / len(ndcg) >= 0.85, report
    # Every persona gets at least two acceptable roles in its top 3, and all but two get three.
    assert min(precision) >= 2 / 3, report
    assert sum(1 for p in precision if p == 1) >= 12, report


def test_related_roles_precision_and_no_generic_links():
    figures = evaluation.related_figures()
    micro, per_role = evaluation.related_precision(figures)
    assert micro >= 0.85 and per_role >= 0.85, (micro, per_role)
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
