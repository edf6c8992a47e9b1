"""Forms and form fields of the public pages. Bad input never fails a request: each lenient
field keeps a `notice` saying what it dropped or changed, for the page to tell the visitor."""

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from .models import Background, CompanyType, Frequency, RoleCategoryPage, Skill, ThresholdLevel
from .text import sort_key

QUERY_MAX_LENGTH = 100


def _shorten(values, limit=5):
    shown = [value if len(value) <= 30 else value[:30] + "…" for value in values[:limit]]
    return pgettext("list separator", "、").join(shown) + ("…" if len(values) > limit else "")


class SlugListField(forms.MultipleChoiceField):
    """Known slugs, each once; unknown ones are set aside with a notice instead of failing."""

    def validate(self, value):
        pass  # unknown slugs are dropped in clean(); an empty list means "no filter"

    def clean(self, value):
        values = list(dict.fromkeys(super().clean(value)))
        known = {str(key) for key, _label in self.choices}
        ignored = [v for v in values if v not in known]
        self.notice = (
            _("未知的%(facet)s已忽略：%(values)s")
            % {"facet": self.label, "values": _shorten(ignored)}
            if ignored
            else None
        )
        return [v for v in values if v in known]


class QueryField(forms.CharField):
    """A keyword query: control characters removed, whitespace collapsed, cut to a length."""

    def to_python(self, value):
        value = super().to_python(value)
        text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in value)
        text = " ".join(text.split())
        self.notice = None
        if len(text) > QUERY_MAX_LENGTH:
            self.notice = _("搜索词太长，只使用了前 %(count)s 个字。") % {"count": QUERY_MAX_LENGTH}
            text = text[:QUERY_MAX_LENGTH].rstrip()
        return text


class SortField(forms.ChoiceField):
    """An unknown sort order falls back to the default, with a notice."""

    def clean(self, value):
        self.notice = None
        if isinstance(value, str) and value and not self.valid_value(value):
            self.notice = _("不支持的排序方式已忽略，按默认顺序排列。")
            return ""
        return super().clean(value)


def term_choices(model):
    """The choices of a vocabulary, read when a form is made, not when this module loads: in the
    reader's order (pinyin on the Chinese interface, alphabetical by English name on the
    English one, which also shows the English names)."""

    def choices():
        terms = sorted(model.objects.all(), key=sort_key)
        return [(term.slug, term.display_name) for term in terms]

    return choices


class ReaderOrderIterator(ModelChoiceIterator):
    """A model choice field's options in the reader's order (see term_choices)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in sorted(self.queryset, key=sort_key):
            yield self.choice(obj)


class ReaderOrderedMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ReaderOrderIterator

    def label_from_instance(self, obj):
        return obj.display_name


def threshold_choices():
    from .filters import UNSTATED  # roles.filters builds on the fields above

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

    def notices(self):
        return [str(f.notice) for f in self.fields.values() if getattr(f, "notice", None)]


NULL_CHARACTER = _("含有不允许的空字符，请重新填写。")


class TermsField(ReaderOrderedMultipleChoiceField):
    """Terms chosen by slug. A value with a NUL byte, which PostgreSQL cannot compare, is refused
    before any query, in the site's words."""

    def validate_no_null_characters(self, value):
        if "\x00" in str(value):
            raise ValidationError(NULL_CHARACTER, code="null_characters_not_allowed")


class ScopeForm(forms.Form):
    """What a subscriber wants to hear about, and how often."""

    categories = TermsField(
        label=_("类别"),
        queryset=RoleCategoryPage.objects.none(),  # visible ones, read per form: see __init__
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示全部类别。"),
    )
    company_types = TermsField(
        label=_("公司类型"),
        queryset=CompanyType.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示全部公司类型。"),
    )
    frequency = forms.ChoiceField(
        label=_("频率"),
        choices=Frequency.choices,
        initial=Frequency.IMMEDIATE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # visible() reads the view restrictions when called, so not once at import.
        categories = RoleCategoryPage.objects.visible().order_by("sort_order", "path")
        self.fields["categories"].queryset = categories


class SubscribeForm(ScopeForm):
    email = forms.EmailField(
        label=_("邮箱"),
        max_length=254,
        error_messages={
            "required": _("请填写邮箱地址。"),
            "invalid": _("这不是有效的邮箱地址，请检查后重试。"),
            "null_characters_not_allowed": NULL_CHARACTER,
        },
    )
    field_order = ["email", "categories", "company_types", "frequency"]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()
