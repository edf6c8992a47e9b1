"""The role finder's form: what a visitor brings, as backgrounds and skills."""

from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from roles.catalogue.forms import SlugListField, term_choices
from roles.catalogue.text import sort_key
from roles.choices import UNSTATED, ThresholdLevel
from roles.models import Background, CompanyType, Skill


def threshold_choices():
    return [*ThresholdLevel.choices, (UNSTATED, _("未注明"))]


@dataclass
class FinderBackgrounds:
    """The finder keeps backgrounds and skills as two lists with no term in both.

    A background is offered when it says what the skill list cannot say in one tick: two or
    more skills, under a name that is not a skill's (教学经验 = 培训技巧 + 教学能力). One that is
    a single skill (产品规划, 编程基础), or is named exactly like a skill (数据分析), is left to
    the skill list: asked for by its slug (an old link), its skills are ticked instead. The data
    stay the editors': nothing is renamed or removed, the finder only chooses what to offer
    where."""

    offered: list  # (slug, name) of the backgrounds offered
    folded: dict  # slug → skill slugs, for the backgrounds left to the skill list

    @classmethod
    def load(cls):
        skill_names = set(Skill.objects.values_list("name", flat=True))
        backgrounds = Background.objects.only("slug", "name", "english_name")
        skills = defaultdict(list)
        for slug, skill in Background.skills.through.objects.values_list(
            "background__slug", "skill__slug"
        ):
            skills[slug].append(skill)
        offered, folded = [], {}
        for background in sorted(backgrounds, key=sort_key):
            slug = background.slug
            if len(skills[slug]) >= 2 and background.name not in skill_names:
                offered.append((slug, background.display_name))
            else:
                folded[slug] = skills[slug]
        return cls(offered, folded)

    def fold(self, data):
        """`data` (a QueryDict) with the folded backgrounds' skills ticked in their place."""
        chosen = data.getlist("background")
        if not any(slug in self.folded for slug in chosen[:100]):
            return data
        data = data.copy()
        data.setlist("background", [slug for slug in chosen if slug not in self.folded])
        skills = [skill for slug in chosen[:100] for skill in self.folded.get(slug, [])]
        data.setlist("skill", [*data.getlist("skill"), *skills])
        return data


class MatchForm(forms.Form):
    """What a visitor brings to the role finder; unknown values are dropped with a notice."""

    background = SlugListField(label=_("背景"), required=False)
    skill = SlugListField(label=_("技能"), required=False, choices=term_choices(Skill))
    threshold = SlugListField(label=_("门槛"), required=False, choices=threshold_choices)
    company_type = SlugListField(
        label=_("想去的公司类型"), required=False, choices=term_choices(CompanyType)
    )

    def __init__(self, data=None, *args, **kwargs):
        backgrounds = FinderBackgrounds.load()
        super().__init__(None if data is None else backgrounds.fold(data), *args, **kwargs)
        self.fields["background"].choices = backgrounds.offered
        # Read each vocabulary once per form: validation and the template both iterate them.
        for name in ("skill", "company_type", "threshold"):
            self.fields[name].choices = list(self.fields[name].choices)

    def notices(self):
        return [str(f.notice) for f in self.fields.values() if getattr(f, "notice", None)]

    def chosen(self):
        """[(field label, [labels of the ticked choices])] for the fields with any ticked."""
        chosen = []
        for name, field in self.fields.items():
            values = set(getattr(self, "cleaned_data", {}).get(name) or ())
            labels = [label for value, label in field.choices if value in values]
            if labels:
                chosen.append((field.label, labels))
        return chosen
