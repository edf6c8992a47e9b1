"""The FilterSet behind the public role listing.

Every facet takes repeatable slugs (OR within a facet, AND across facets). Bad input never fails a
request and never reaches SQL as it came: unknown slugs are dropped, an over-long query is cut,
an unknown sort falls back to the default, and each field keeps a `notice` saying what it did so
that the page can tell the visitor.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import django_filters

from django import forms
from django.db.models import Count
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .forms import QueryField, SlugListField, SortField, term_choices
from .models import (
    CompanyType,
    RoleCategoryPage,
    RoleCompanyType,
    RolePage,
    RoleSkill,
    Skill,
    ThresholdLevel,
)
from .search import segment_query

UNSTATED = "unstated"  # the threshold facet's value for categories whose level the article omits


class SlugFilter(django_filters.Filter):
    """Roles whose `lookup` is any of the chosen slugs."""

    field_class = SlugListField

    def __init__(self, *args, lookup, choices, **kwargs):
        self.lookup = lookup
        super().__init__(*args, choices=choices, **kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        return queryset.filter(**{f"{self.lookup}__in": value})

    def counts(self, queryset):
        """{slug: number of roles in `queryset` that this option would give}."""
        rows = queryset.order_by().values(self.lookup).annotate(n=Count("pk"))
        return {row[self.lookup]: row["n"] for row in rows}


class LinkedSlugFilter(SlugFilter):
    """Like SlugFilter over a link table, as a subquery so that rows are never duplicated."""

    def __init__(self, *args, link_model, **kwargs):
        self.link_model = link_model
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        pages = self.link_model.objects.filter(**{f"{self.lookup}__in": value})
        return queryset.filter(pk__in=pages.values("page_id"))

    def counts(self, queryset):
        rows = (
            self.link_model.objects.filter(page__in=queryset.order_by().values("pk"))
            .values(self.lookup)
            .annotate(n=Count("page_id", distinct=True))
        )
        return {row[self.lookup]: row["n"] for row in rows}


class ThresholdFilter(SlugFilter):
    """The category's threshold level; `unstated` stands for "the article gives none"."""

    def filter(self, queryset, value):
        return super().filter(queryset, ["" if v == UNSTATED else v for v in value])

    def counts(self, queryset):
        counts = super().counts(queryset)
        counts[UNSTATED] = counts.pop("", 0)
        return counts


class KeywordFilter(django_filters.CharFilter):
    field_class = QueryField

    def filter(self, queryset, value):
        ids = self.parent.search_ids
        return queryset if ids is None else queryset.filter(pk__in=ids)


class SortFilter(django_filters.ChoiceFilter):
    field_class = SortField

    def filter(self, queryset, value):
        return queryset  # ordering is applied once, after filtering: see RoleFilterSet.ordered()


def _categories():
    pages = RoleCategoryPage.objects.visible().order_by("sort_order", "path")
    return [(page.slug, page.title) for page in pages]


def _thresholds():
    return [*ThresholdLevel.choices, (UNSTATED, _("未注明"))]


SORT_CHOICES = [
    ("", _("默认顺序")),
    ("name", _("按名称")),
    ("newest", _("最新发布")),
]


class RankedRoles(Sequence):
    """Roles of `queryset` in the order of `ranking` (ids, best first). Only the ids are read to
    count; a slice (a page) reads just its own roles."""

    def __init__(self, queryset, ranking):
        self.queryset = queryset
        matching = set(queryset.order_by().values_list("pk", flat=True))
        self.ids = [pk for pk in ranking if pk in matching]

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            ids = self.ids[index]
            found = {role.pk: role for role in self.queryset.filter(pk__in=ids)}
            return [found[pk] for pk in ids if pk in found]
        index = range(len(self))[index]  # IndexError out of range, as for a list
        return self[index : index + 1][0]

    def __iter__(self):
        return iter(self[:])


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    label: str
    options: list

    @property
    def selected(self):
        return [option for option in self.options if option.selected]


class RoleFilterSet(django_filters.FilterSet):
    q = KeywordFilter(label=_("关键词"))
    company_type = LinkedSlugFilter(
        label=_("公司类型"),
        link_model=RoleCompanyType,
        lookup="company_type__slug",
        choices=term_choices(CompanyType),
    )
    category = SlugFilter(label=_("类别"), lookup="category__slug", choices=_categories)
    skill = LinkedSlugFilter(
        label=_("技能"), link_model=RoleSkill, lookup="skill__slug", choices=term_choices(Skill)
    )
    threshold = ThresholdFilter(
        label=_("门槛"), lookup="category__threshold_level", choices=_thresholds
    )
    sort = SortFilter(label=_("排序"), choices=SORT_CHOICES)

    FACETS = ("company_type", "category", "skill", "threshold")

    class Meta:
        model = RolePage
        fields = []

    @property
    def values(self):
        """The cleaned query: only known values, each once."""
        self.form.is_valid()
        return self.form.cleaned_data

    @cached_property
    def search_ids(self):
        """Ids of the live roles matching the keyword query, best first: roles whose name,
        English name or synonyms contain every word come before roles that only mention them
        in their text, whatever the search backend's own ranking does. None: no search."""
        words = segment_query(self.values.get("q", ""))
        if not words:
            return None  # no query, or nothing searchable in it: no filter
        # Every role: the search backends cannot express visible()'s subquery, and these ids
        # only ever narrow the filterset's own queryset, which is RolePage.objects.visible().
        candidates = RolePage.objects.only("id", "title", "english_name", "synonyms")
        matches = list(candidates.search(words, operator="and"))
        needles = [word.lower() for word in words.split()]

        def named(role):
            names = " ".join([role.title, role.english_name, *role.synonym_list]).lower()
            return all(needle in names for needle in needles)

        return [role.pk for role in sorted(matches, key=lambda role: not named(role))]

    def filter_queryset(self, queryset, exclude=None):
        """All active filters, or all but `exclude` (for the counts of that facet's options)."""
        for name, value in self.values.items():
            if name != exclude:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def form(self):
        form = super().form
        if not getattr(form, "choices_resolved", False):
            # The vocabularies are read from the database once per request, not per use.
            for field in form.fields.values():
                if isinstance(field, forms.ChoiceField):
                    field.choices = list(field.choices)
            form.choices_resolved = True
        return form

    @property
    def qs(self):
        """The filtered roles in the chosen order: a queryset, or for a keyword search in
        relevance order, a RankedRoles sequence (both paginate the same way)."""
        queryset = super().qs
        sort = self.values.get("sort")
        if sort == "name":
            return queryset.order_by("title", "path")
        if sort == "newest":
            return queryset.order_by("-first_published_at", "path")
        if self.search_ids:
            return RankedRoles(queryset, self.search_ids)
        return queryset.order_by("category__sort_order", "path")

    def facets(self):
        """Each facet with every option's count given the other active filters."""
        facets = []
        for name in self.FACETS:
            field = self.form.fields[name]
            selected = set(self.values.get(name, []))
            counts = self.filters[name].counts(self.filter_queryset(self.queryset, exclude=name))
            options = [
                Option(str(value), str(label), counts.get(value, 0), value in selected)
                for value, label in field.choices
            ]
            facets.append(Facet(name, str(field.label), options))
        return facets

    def notices(self):
        """What the page should tell the visitor about their query."""
        self.form.is_valid()
        notices = [
            str(field.notice)
            for field in self.form.fields.values()
            if getattr(field, "notice", None)
        ]
        notices += [
            _("“%(field)s”的值无效，已忽略。") % {"field": self.form.fields[name].label}
            for name in self.form.errors
        ]
        return notices
