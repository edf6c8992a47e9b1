"""FilterSets for the public role listing.

Every facet takes repeatable slugs (OR within a facet, AND across facets). Unknown or repeated
slugs never fail a request: they are dropped, and the form remembers them so that the page can
say what it ignored.
"""

import django_filters

from django import forms
from django.db.models import Subquery
from django.utils.translation import gettext_lazy as _

from .models import (
    CompanyType,
    RoleCategoryPage,
    RoleCompanyType,
    RolePage,
    RoleSkill,
    Skill,
    ThresholdLevel,
)


class SlugListField(forms.MultipleChoiceField):
    """A list of slugs where unknown values are set aside in `ignored` instead of failing."""

    def validate(self, value):
        # Unknown slugs are dropped in clean(); an empty list is "no filter".
        pass

    def clean(self, value):
        values = super().clean(value)
        known = {str(key) for key, _label in self.choices}
        self.ignored = [v for v in dict.fromkeys(values) if v not in known]
        return [v for v in dict.fromkeys(values) if v in known]


class SlugFilter(django_filters.Filter):
    """Roles linked to any of the chosen slugs; `lookup` is the path from RolePage."""

    field_class = SlugListField

    def __init__(self, *args, lookup, choices, **kwargs):
        self.lookup = lookup
        super().__init__(*args, choices=choices, **kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        return queryset.filter(**{f"{self.lookup}__in": value})


class LinkedSlugFilter(SlugFilter):
    """Like SlugFilter over a link table, as a subquery so that rows are never duplicated."""

    def __init__(self, *args, link_model, **kwargs):
        self.link_model = link_model
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        pages = self.link_model.objects.filter(**{f"{self.lookup}__in": value})
        return queryset.filter(pk__in=Subquery(pages.values("page_id")))


def _choices(model):
    return lambda: [(term.slug, term.name) for term in model.objects.all()]


def _category_choices():
    return [
        (page.slug, page.title)
        for page in RoleCategoryPage.objects.live().order_by("sort_order", "path")
    ]


class RoleFilterSet(django_filters.FilterSet):
    company_type = LinkedSlugFilter(
        label=_("公司类型"),
        link_model=RoleCompanyType,
        lookup="company_type__slug",
        choices=_choices(CompanyType),
    )
    category = SlugFilter(label=_("类别"), lookup="category__slug", choices=_category_choices)
    skill = LinkedSlugFilter(
        label=_("技能"), link_model=RoleSkill, lookup="skill__slug", choices=_choices(Skill)
    )
    threshold = SlugFilter(
        label=_("门槛"), lookup="category__threshold_level", choices=ThresholdLevel.choices
    )

    class Meta:
        model = RolePage
        fields = []

    def filter_queryset(self, queryset, exclude=None):
        """All active filters, or all but `exclude` (for the counts of that facet's options)."""
        for name, value in self.form.cleaned_data.items():
            if name != exclude:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def ignored(self):
        """(filter label, [slug, …]) for every value that was not understood."""
        self.form.is_valid()
        return [
            (self.filters[name].label, field.ignored)
            for name, field in self.form.fields.items()
            if getattr(field, "ignored", None)
        ]
