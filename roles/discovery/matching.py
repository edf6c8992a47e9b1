"""How roles relate: side-by-side comparison, related roles, and fit to a visitor's skills.

Every function reads roles through RolePage.objects.visible() (live and public) and their taxonomy
links, in a constant number of queries however large the catalogue grows.
"""

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from roles import rules
from roles.choices import UNSTATED, SkillLevel
from roles.models import (
    Background,
    RoleCategoryPage,
    RoleCompanyType,
    RolePage,
    RoleSkill,
    Skill,
)
from roles.site.caching import until_changed

MAX_COMPARED = 4
# The shortlist's cap: enough for a real shortlist, and its link stays short enough for a QR code.
MAX_SHORTLIST = 20
SLUG_SEPARATORS = re.compile(r"[\s,，、;；]+")
SLUG_RE = re.compile(rules.SLUG_PATTERN)


# Comparison.


def parse_role_slugs(values):
    """(slugs, notices) from the `roles` parameter(s): comma-separated, repeatable."""
    tokens = [t for value in values for t in SLUG_SEPARATORS.split(value[:2000]) if t]
    slugs, duplicates = [], False
    for token in tokens:
        if token in slugs:
            duplicates = True
        else:
            slugs.append(token)
    notices = [_("重复的岗位只显示一次。")] if duplicates else []
    return slugs, notices


@dataclass
class Comparison:
    roles: list
    notices: list
    shared_skills: set = field(default_factory=set)
    shared_company_types: set = field(default_factory=set)

    @property
    def ready(self):
        return len(self.roles) >= 2

    def skill_rows(self):
        """The skill matrix: each skill any role needs, shared ones first, then by how many
        roles need it; a cell is the role's link (essential or preferred) or None."""
        links = {role.pk: {link.skill_id: link for link in role.skills} for role in self.roles}
        skills = {}
        for role in self.roles:
            for link in role.skills:
                skills.setdefault(link.skill_id, link.skill)
        rows = [
            {
                "skill": skill,
                "cells": [links[role.pk].get(skill_id) for role in self.roles],
                "shared": skill_id in self.shared_skills,
            }
            for skill_id, skill in skills.items()
        ]
        rows.sort(key=lambda row: (not row["shared"], -sum(1 for c in row["cells"] if c)))
        return rows

    def columns(self):
        """Per role: its skills and company types, each marked shared (by every role) or
        unique (to this role alone), and the counts for the overlap bars."""
        skill_owners = defaultdict(int)
        company_owners = defaultdict(int)
        for role in self.roles:
            for link in role.skills:
                skill_owners[link.skill_id] += 1
            for company_type in role.company_types:
                company_owners[company_type.pk] += 1
        columns = []
        for role in self.roles:
            skills = [
                {
                    "link": link,
                    "shared": link.skill_id in self.shared_skills,
                    "unique": skill_owners[link.skill_id] == 1,
                }
                for link in role.skills
            ]
            company_types = [
                {
                    "company_type": company_type,
                    "shared": company_type.pk in self.shared_company_types,
                    "unique": company_owners[company_type.pk] == 1,
                }
                for company_type in role.company_types
            ]
            # The three parts of a bar are the three counts its label states, so they add up
            # (a role with no skills draws an empty bar, not a full "some" one).
            total = len(skills) or 1
            shared = sum(1 for s in skills if s["shared"])
            unique = sum(1 for s in skills if s["unique"] and not s["shared"])
            other = len(skills) - shared - unique
            shared_end = round(100 * shared / total)
            other_end = round(100 * (shared + other) / total)
            columns.append(
                {
                    "role": role,
                    "skills": skills,
                    "company_types": company_types,
                    "shared_count": shared,
                    "unique_count": unique,
                    "other_count": other,
                    "shared_pct": shared_end,
                    "other_pct": other_end - shared_end,
                    "other_end": other_end,
                    "unique_pct": 100 - other_end if skills else 0,
                }
            )
        return columns


def named_roles(values):
    """(roles, notices): the live, public roles named in the `roles` parameter values, in the
    order given, ready for cards (for_listing); unknown or malformed names are left out with a
    notice. Compare and the shortlist read their URLs through this."""
    slugs, notices = parse_role_slugs(values)
    wanted = [s for s in slugs if SLUG_RE.match(s)][:50]
    # None named (an empty compare page): no queryset, whose compiling alone took 8 ms.
    found = (
        {
            role.slug: role
            for role in RolePage.objects.visible().filter(slug__in=wanted).for_listing()
        }
        if wanted
        else {}
    )
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        separator = pgettext("list separator", "、")
        shown = separator.join(s[:40] for s in unknown[:5]) + ("…" if len(unknown) > 5 else "")
        notices.append(_("找不到这些岗位，已忽略：%(slugs)s") % {"slugs": shown})
    return [found[slug] for slug in slugs if slug in found], notices


def compare(values):
    """A Comparison of the roles named in the `roles` parameter values."""
    roles, notices = named_roles(values)
    if len(roles) > MAX_COMPARED:
        notices.append(
            _("一次最多对比 %(max)s 个岗位，只显示了前 %(max)s 个。") % {"max": MAX_COMPARED}
        )
        roles = roles[:MAX_COMPARED]
    comparison = Comparison(roles, notices)
    if roles:
        skill_sets = [{link.skill_id for link in role.skills} for role in roles]
        company_sets = [{ct.pk for ct in role.company_types} for role in roles]
        comparison.shared_skills = set.intersection(*skill_sets) if len(roles) > 1 else set()
        comparison.shared_company_types = (
            set.intersection(*company_sets) if len(roles) > 1 else set()
        )
    return comparison


# How specific a skill is.
#
# A skill that most roles need says little about which role fits; one that few roles need says
# much. So does a skill that few roles list but that the article expects across many fields:
# 创新思维 is listed for two roles, yet the "适合…转型" sentences ask it of four categories. The
# finder, related roles and the skill pages weigh a skill by both (skill_weights()): its inverse
# document frequency over the live roles, idf = log(1 + N / df), times the square of its inverse
# frequency over the categories, counting a category when one of its roles needs the skill or its
# sentence names it. Everything is read from the database when asked (never a fixed table), and an
# essential skill counts twice a preferred one.

LEVEL_WEIGHT = {SkillLevel.ESSENTIAL: 2.0, SkillLevel.PREFERRED: 1.0}
# A skill (or company type) that more than this share of live roles need is "generic": it never
# makes two roles related on its own.
GENERIC_SHARE = 0.1
# The finder's blend of a role's own fit with the fit of its category as a whole.
CATEGORY_SHARE = 0.25
# Related roles: the weight of shared company types, and the same category's small bonus.
COMPANY_TYPE_WEIGHT = 0.1
SAME_CATEGORY_BONUS = 0.1


def idf(size, df):
    return math.log(1 + size / df) if df else 0.0


def is_generic(size, df):
    return df > GENERIC_SHARE * size


def cosine(a, b):
    dot = sum(value * b.get(key, 0.0) for key, value in a.items())
    if not dot:
        return 0.0
    norms = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norms


def named_in(text, terms):
    """The terms whose name the text uses (names of one character would match by accident)."""
    return [term for term in terms if len(term.name) > 1 and term.name in text]


def suits_skills():
    """{category id: skill ids its "适合…转型" sentence names}: a skill by its name, a background
    by its name standing for the background's skills, as the finder's visitors tick them."""
    skills = list(Skill.objects.only("pk", "name"))
    backgrounds = list(Background.objects.only("pk", "name").prefetch_related("skills"))
    named = {}
    for category_id, text in RoleCategoryPage.objects.live().values_list("pk", "suits"):
        ids = {skill.pk for skill in named_in(text, skills)}
        for background in named_in(text, backgrounds):
            ids |= {skill.pk for skill in background.skills.all()}
        named[category_id] = ids
    return named


def compute_skill_weights():
    links = RoleSkill.objects.filter(page__in=RolePage.objects.visible().values("pk"))
    roles, categories = defaultdict(set), defaultdict(set)
    for page_id, skill_id, category_id in links.values_list(
        "page_id", "skill_id", "page__category_id"
    ):
        roles[skill_id].add(page_id)
        categories[skill_id].add(category_id)
    for category_id, skill_ids in suits_skills().items():
        for skill_id in skill_ids & categories.keys():
            categories[skill_id].add(category_id)
    size = len(set().union(*roles.values())) if roles else 0
    fields = len(set().union(*categories.values())) if categories else 0
    return {
        skill_id: idf(size, len(roles[skill_id])) * idf(fields, len(categories[skill_id])) ** 2
        for skill_id in roles
    }


def skill_weights(skill_ids=()):
    """{skill id: how specific it is} for every skill a live role needs (see above), kept until the
    catalogue next changes; computed afresh if it lacks one of `skill_ids` (a change that landed
    between the cache's read and the caller's)."""
    weights = until_changed("skill-weights", compute_skill_weights)
    if not weights.keys() >= set(skill_ids):
        weights = compute_skill_weights()
    return weights


def document_frequencies(link_model, field):
    """{term id: number of live roles linked to it}, in one query."""
    rows = (
        link_model.objects.filter(page__in=RolePage.objects.visible().values("pk"))
        .values(field)
        .annotate(n=Count("page_id", distinct=True))
        .values_list(field, "n")
    )
    return dict(rows)


# Related roles.


@dataclass
class Related:
    role: RolePage
    score: float
    shared_skills: list  # the skills the two share, the most specific first
    shared_company_types: list  # the shared company types that are not generic


def related_roles(role, limit=5):
    """The roles closest to `role`: cosine similarity of their skills, each weighted by how
    specific it is (skill_weights()) and its level, plus a minor share for specific company types
    in common and a small bonus for the same category. A role is related only when they share a
    skill that is not generic, or share a skill and the category: the most common skills alone
    relate nothing."""
    mine = {link.skill_id: LEVEL_WEIGHT[link.level] for link in role.skills}
    if not mine:
        return []
    size = RolePage.objects.visible().count()
    skill_df = document_frequencies(RoleSkill, "skill_id")
    weight = skill_weights(mine)
    company_df = document_frequencies(RoleCompanyType, "company_type_id")

    # Every live role sharing a skill with this one, with all its skill links.
    candidates = (
        RoleSkill.objects.filter(
            skill_id__in=mine, page__in=RolePage.objects.visible().values("pk")
        )
        .exclude(page_id=role.pk)
        .values("page_id")
    )
    vectors, categories = defaultdict(dict), {}
    for page_id, skill_id, level, category_id in RoleSkill.objects.filter(
        page_id__in=candidates
    ).values_list("page_id", "skill_id", "level", "page__category_id"):
        vectors[page_id][skill_id] = LEVEL_WEIGHT[level] * weight.get(skill_id, 0.0)
        categories[page_id] = category_id
    companies = defaultdict(dict)
    for page_id, company_type_id in RoleCompanyType.objects.filter(
        page_id__in=candidates
    ).values_list("page_id", "company_type_id"):
        companies[page_id][company_type_id] = idf(size, company_df.get(company_type_id, 0))

    my_vector = {pk: w * weight.get(pk, 0.0) for pk, w in mine.items()}
    my_companies = {ct.pk: idf(size, company_df.get(ct.pk, 0)) for ct in role.company_types}
    scores = {}
    for page_id, vector in vectors.items():
        shared = mine.keys() & vector.keys()
        same_category = categories[page_id] == role.category_id
        specific = any(not is_generic(size, skill_df.get(pk, 0)) for pk in shared)
        if not (specific or same_category):
            continue
        scores[page_id] = (
            cosine(my_vector, vector)
            + COMPANY_TYPE_WEIGHT * cosine(my_companies, companies[page_id])
            + (SAME_CATEGORY_BONUS if same_category else 0.0)
        )
    best = sorted(scores, key=lambda pk: -scores[pk])[: limit * 2]
    found = {r.pk: r for r in RolePage.objects.visible().filter(pk__in=best).for_listing()}

    def strength(skill):
        return -weight.get(skill.pk, 0.0)

    related = []
    for pk in best:
        other = found.get(pk)
        if other is None:
            continue
        shared_skills = [link.skill for link in other.skills if link.skill_id in mine]
        shared_companies = [
            ct
            for ct in other.company_types
            if ct.pk in my_companies and not is_generic(size, company_df.get(ct.pk, 0))
        ]
        related.append(
            Related(
                role=other,
                score=scores[pk],
                shared_skills=sorted(shared_skills, key=strength),
                shared_company_types=shared_companies,
            )
        )
    related.sort(key=lambda r: (-r.score, r.role.path))
    return related[:limit]


# The role finder.


@dataclass
class Fit:
    role: RolePage
    score: int  # the share of what the role asks that the visitor has (essential twice), in percent
    fit: float  # what the list is ordered by
    have: list  # skill links the visitor brings, the ones that carry the score first
    need: list  # the rest: essential first, then preferred


@dataclass
class Ranking:
    fits: list  # one list, best fit first
    hidden: int  # matching roles beyond the limit
    unmatched: int  # roles (within the filters) with no skill in common


def brought_skills(background_slugs, skill_slugs):
    """(backgrounds, skill ids): what a visitor brings, a background counting as its skills."""
    backgrounds = list(
        Background.objects.filter(slug__in=list(background_slugs)).prefetch_related("skills")
    )
    skill_ids = set(Skill.objects.filter(slug__in=list(skill_slugs)).values_list("pk", flat=True))
    skill_ids |= {skill.pk for background in backgrounds for skill in background.skills.all()}
    return backgrounds, skill_ids


def rank_by_fit(skill_ids, company_type_slugs=(), thresholds=(), limit=30):
    """Every live role that needs one of `skill_ids`, in one list, best fit first.

    A role's own fit is the F1 of two shares: how much of what the role asks the visitor has
    (essential skills count double preferred ones: each asked skill has to be learned, however
    rare it is), and how much of what the visitor brings the role uses, each skill weighted by
    how specific it is (what a visitor brings that few roles ask says most about where they fit).
    It is blended (geometric mean, a quarter) with how well the visitor fits the role's category
    as a whole (the cosine between the visitor's skills and the category's pooled skills), so
    that a role in a category that suits the visitor beats an equal match elsewhere. Company
    types and threshold levels (`unstated` for none) filter the list; they never reorder it."""
    rows = RoleSkill.objects.filter(page__in=RolePage.objects.visible().values("pk")).values_list(
        "page_id", "skill_id", "level", "page__category_id", "page__path"
    )
    links, categories, paths = defaultdict(dict), {}, {}
    for page_id, skill_id, level, category_id, path in rows:
        links[page_id][skill_id] = LEVEL_WEIGHT[level]
        categories[page_id], paths[page_id] = category_id, path
    weight = skill_weights({skill_id for role_links in links.values() for skill_id in role_links})

    # The category's pooled skills: each skill's weight averaged over the category's roles.
    pooled, members = defaultdict(lambda: defaultdict(float)), defaultdict(int)
    for page_id, role_links in links.items():
        members[categories[page_id]] += 1
        for skill_id, level_weight in role_links.items():
            pooled[categories[page_id]][skill_id] += level_weight * weight[skill_id]
    visitor = {pk: weight[pk] for pk in skill_ids if pk in weight}
    brought = sum(visitor.values())
    category_fit = {category_id: cosine(visitor, vector) for category_id, vector in pooled.items()}

    allowed = set(links)
    if company_type_slugs:
        hiring = RoleCompanyType.objects.filter(company_type__slug__in=list(company_type_slugs))
        allowed &= set(hiring.values_list("page_id", flat=True))
    if thresholds:
        levels = ["" if level == UNSTATED else level for level in thresholds]
        allowed &= set(
            RolePage.objects.visible()
            .filter(category__threshold_level__in=levels)
            .values_list("pk", flat=True)
        )

    fits, coverage = {}, {}
    for page_id in allowed:
        role_links = links[page_id]
        shared = role_links.keys() & visitor.keys()
        if not shared:
            continue
        covered = sum(role_links[pk] for pk in shared) / sum(role_links.values())
        used = sum(visitor[pk] for pk in shared) / brought
        own = 2 * covered * used / (covered + used)
        fits[page_id] = (
            own ** (1 - CATEGORY_SHARE) * category_fit[categories[page_id]] ** CATEGORY_SHARE
        )
        coverage[page_id] = covered

    ordered = sorted(fits, key=lambda pk: (-fits[pk], paths[pk]))
    shown = ordered[:limit]
    full = {role.pk: role for role in RolePage.objects.visible().filter(pk__in=shown).for_listing()}
    results = []
    for pk in shown:
        role = full.get(pk)
        if role is None:
            continue
        have = [link for link in role.skills if link.skill_id in visitor]
        have.sort(key=lambda link: -LEVEL_WEIGHT[link.level] * weight[link.skill_id])
        need = [link for link in role.skills if link.skill_id not in visitor]
        results.append(Fit(role, round(100 * coverage[pk]), fits[pk], have, need))
    return Ranking(results, len(ordered) - len(shown), len(allowed) - len(fits))
