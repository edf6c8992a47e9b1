"""What the skill pages show: every skill with the roles that need it (/skills/), and for one
skill its roles, categories, the skills that travel with it, who hires for it and how to learn it
(/skills/<slug>/). Each reads live, public roles in a constant number of queries."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from roles.catalogue.text import sort_key
from roles.choices import SkillLevel
from roles.models import RoleCategoryPage, RolePage, RoleSkill, Skill

from .matching import document_frequencies, skill_weights

COMMON_ACROSS = 3  # a skill that roles of this many categories need is a common one
TRAVELLING = 12  # co-occurring skills shown on a skill page


@dataclass
class SkillGroup:
    label: str
    category: RoleCategoryPage | None
    skills: list = field(default_factory=list)


def skill_overview():
    """Every skill with its live role count (`role_count`, `essential_count`), in groups: the
    skills roles of several categories share, then each category with the skills mostly its
    roles need, then the skills no live role needs yet. Within a group: most needed first,
    ties in the reader's order."""
    live = RolePage.objects.visible().values("pk")
    counts = {
        row["skill_id"]: row
        for row in RoleSkill.objects.filter(page__in=live)
        .values("skill_id")
        .annotate(
            total=Count("page_id", distinct=True),
            essential=Count("page_id", filter=Q(level=SkillLevel.ESSENTIAL), distinct=True),
            categories=Count("page__category_id", distinct=True),
        )
    }
    by_category = defaultdict(Counter)
    for row in (
        RoleSkill.objects.filter(page__in=live)
        .values("skill_id", "page__category_id")
        .annotate(n=Count("page_id", distinct=True))
    ):
        by_category[row["skill_id"]][row["page__category_id"]] = row["n"]
    categories = list(RoleCategoryPage.objects.visible().order_by("sort_order", "path"))
    position = {category.pk: i for i, category in enumerate(categories)}

    common = SkillGroup(str(_("多个类别都需要的技能")), None)
    groups = {category.pk: SkillGroup(category.title, category) for category in categories}
    unused = SkillGroup(str(_("暂时没有岗位需要的技能")), None)
    for skill in Skill.objects.all():
        row = counts.get(skill.pk)
        skill.role_count = row["total"] if row else 0
        skill.essential_count = row["essential"] if row else 0
        if not row:
            unused.skills.append(skill)
        elif row["categories"] >= COMMON_ACROSS:
            common.skills.append(skill)
        else:
            # The category whose roles need it most; ties: the earlier category.
            home = min(
                by_category[skill.pk],
                key=lambda pk: (-by_category[skill.pk][pk], position.get(pk, len(position))),
            )
            if home in groups:
                groups[home].skills.append(skill)
            else:
                common.skills.append(skill)
    result = [common, *groups.values(), unused]
    for group in result:
        group.skills.sort(key=lambda skill: (-skill.role_count, sort_key(skill)))
    return [group for group in result if group.skills]


@dataclass
class SkillProfile:
    skill: Skill
    essential: list  # roles that need it
    preferred: list  # roles where it counts in your favour
    categories: list  # (category, role count), in catalogue order
    company_types: list  # (company type, role count), most first
    travelling: list  # (skill, roles needing both, roles needing it in all)
    resources: list

    @property
    def role_count(self):
        return len(self.essential) + len(self.preferred)


def skill_profile(skill):
    roles = list(RolePage.objects.visible().filter(skill_links__skill=skill).for_listing())
    essential, preferred = [], []
    for role in roles:
        link = next(link for link in role.skill_links.all() if link.skill_id == skill.pk)
        (preferred if link.is_preferred else essential).append(role)

    categories = Counter(role.category for role in roles if role.category)
    company_types = Counter(ct for role in roles for ct in role.company_types)
    together = Counter(
        link.skill for role in roles for link in role.skill_links.all() if link.skill_id != skill.pk
    )
    # Ordered by the roles needing both, weighted by how specific the other skill is (the finder's
    # and related roles' skill_weights()): a specific skill that often comes with this one first.
    totals = document_frequencies(RoleSkill, "skill_id")
    specificity = skill_weights({other.pk for other in together})

    def weight(other, n):
        return n * specificity.get(other.pk, 0.0)

    travelling = sorted(
        ((other, n, totals.get(other.pk, n)) for other, n in together.items()),
        key=lambda t: (-weight(t[0], t[1]), t[2], sort_key(t[0])),
    )
    return SkillProfile(
        skill=skill,
        essential=essential,
        preferred=preferred,
        categories=sorted(categories.items(), key=lambda c: (c[0].sort_order, c[0].path)),
        company_types=sorted(company_types.items(), key=lambda c: (-c[1], sort_key(c[0]))),
        travelling=travelling[:TRAVELLING],
        resources=list(skill.resources.all()),
    )
