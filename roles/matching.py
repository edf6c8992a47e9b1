"""How roles relate: side-by-side comparison, related roles, and fit to a visitor's skills.

Every function reads roles through RolePage.objects.visible() (live and public) and their taxonomy
links, in a constant number of queries however large the catalogue grows.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, FloatField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from .models import RoleCompanyType, RolePage, RoleSkill, SkillLevel, ThresholdLevel

MAX_COMPARED = 4
SLUG_SEPARATORS = re.compile(r"[\s,，、;；]+")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def live_roles():
    return RolePage.objects.visible()


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
            total = len(skills) or 1
            shared = sum(1 for s in skills if s["shared"])
            unique = sum(1 for s in skills if s["unique"])
            columns.append(
                {
                    "role": role,
                    "skills": skills,
                    "company_types": company_types,
                    "shared_count": shared,
                    "unique_count": unique,
                    "other_count": len(skills) - shared - unique,
                    "shared_pct": round(100 * shared / total),
                    "unique_pct": round(100 * unique / total),
                    "other_pct": 100 - round(100 * shared / total) - round(100 * unique / total),
                    "other_end": 100 - round(100 * unique / total),
                }
            )
        return columns


def compare(values):
    """A Comparison of the roles named in the `roles` parameter values."""
    slugs, notices = parse_role_slugs(values)
    found = {
        role.slug: role
        for role in live_roles()
        .filter(slug__in=[s for s in slugs if SLUG_RE.match(s)][:50])
        .for_listing()
    }
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        separator = pgettext("list separator", "、")
        shown = separator.join(s[:40] for s in unknown[:5]) + ("…" if len(unknown) > 5 else "")
        notices.append(_("找不到这些岗位，已忽略：%(slugs)s") % {"slugs": shown})
    roles = [found[slug] for slug in slugs if slug in found]
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


# Related roles.


@dataclass
class Related:
    role: RolePage
    score: float
    shared_skills: list
    shared_company_types: list


def related_roles(role, limit=5, candidates=30):
    """The roles closest to `role`: Jaccard similarity of their skills (weight 0.7) and of
    their company types (0.3), each with what the two share."""
    my_skills = {link.skill_id: link.skill for link in role.skills}
    my_companies = {ct.pk: ct for ct in role.company_types}
    if not my_skills and not my_companies:
        return []
    totals = (
        RoleSkill.objects.filter(page_id=OuterRef("page_id"))
        .values("page_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # The candidates with the most skills in common, relative to their own number of skills.
    nearest = (
        RoleSkill.objects.filter(skill_id__in=my_skills, page__in=live_roles().values("pk"))
        .exclude(page_id=role.pk)
        .values("page_id")
        .annotate(shared=Count("pk"), total=Subquery(totals))
        .annotate(
            jaccard=Cast(F("shared"), FloatField()) / (len(my_skills) + F("total") - F("shared"))
        )
        .order_by("-jaccard", "page_id")[:candidates]
    )
    jaccard = {row["page_id"]: row["jaccard"] for row in nearest}
    roles = {r.pk: r for r in live_roles().filter(pk__in=jaccard).for_listing()}
    related = []
    for pk, skill_score in jaccard.items():
        other = roles.get(pk)
        if other is None:
            continue
        companies = {ct.pk for ct in other.company_types}
        union = companies | set(my_companies)
        company_score = len(companies & set(my_companies)) / len(union) if union else 0
        related.append(
            Related(
                role=other,
                score=0.7 * skill_score + 0.3 * company_score,
                shared_skills=[link.skill for link in other.skills if link.skill_id in my_skills],
                shared_company_types=[ct for ct in other.company_types if ct.pk in my_companies],
            )
        )
    related.sort(key=lambda r: (-r.score, r.role.path))
    return related[:limit]


# The role finder.

# The finder's group headings; the context lets English say "High entry threshold" where
# Chinese keeps the facet's short label.
THRESHOLD_GROUPS = [
    (ThresholdLevel.HIGH, pgettext_lazy("threshold group", "较高")),
    (ThresholdLevel.FAIRLY_HIGH, pgettext_lazy("threshold group", "相对较高")),
    (ThresholdLevel.MODERATE, pgettext_lazy("threshold group", "适中")),
    ("", gettext_lazy("门槛未注明")),
]


@dataclass
class Fit:
    role: RolePage
    score: int
    have: list  # skill links the visitor brings
    need: list  # the rest: essential first, then preferred


def rank_by_fit(skill_ids, company_type_slugs=(), per_group=30):
    """Every live role (at one of the company types, if any are given) scored by how much of
    what it asks the visitor has: essential skills count double preferred ones. Returns
    (groups, unmatched): [(threshold label, [Fit…], hidden count)] and the number of roles with
    no skill in common."""
    roles = live_roles()
    if company_type_slugs:
        hiring = RoleCompanyType.objects.filter(company_type__slug__in=company_type_slugs)
        roles = roles.filter(pk__in=hiring.values("page_id"))
    links = defaultdict(list)
    for page_id, skill_id, level in RoleSkill.objects.filter(
        page__in=roles.values("pk")
    ).values_list("page_id", "skill_id", "level"):
        links[page_id].append((skill_id, level))

    scores = {}
    for page_id, page_links in links.items():
        weight = {SkillLevel.ESSENTIAL: 2, SkillLevel.PREFERRED: 1}
        total = sum(weight[level] for _skill, level in page_links)
        have = sum(weight[level] for skill, level in page_links if skill in skill_ids)
        scores[page_id] = round(100 * have / total) if total else 0
    matched = {pk: score for pk, score in scores.items() if score > 0}
    levels = dict(roles.values_list("pk", "category__threshold_level"))

    grouped = defaultdict(list)
    for pk in matched:
        grouped[levels.get(pk, "")].append(pk)
    shown = set()
    for pks in grouped.values():
        pks.sort(key=lambda pk: -matched[pk])
        shown.update(pks[:per_group])
    full = {role.pk: role for role in roles.filter(pk__in=shown).for_listing()}

    groups = []
    for level, label in THRESHOLD_GROUPS:
        pks = [pk for pk in grouped.get(level, []) if pk in full]
        fits = []
        for pk in pks:
            role = full[pk]
            have = [link for link in role.skills if link.skill_id in skill_ids]
            need = [link for link in role.skills if link.skill_id not in skill_ids]
            fits.append(Fit(role, matched[pk], have, need))
        fits.sort(key=lambda fit: (-fit.score, fit.role.path))
        if fits:
            groups.append((str(label), fits, len(grouped[level]) - len(fits)))
    return groups, len(scores) - len(matched)
