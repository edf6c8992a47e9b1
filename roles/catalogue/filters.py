"""The FilterSet behind the public role listing.

Every facet takes repeatable slugs (OR within a facet, AND across facets). Bad input never fails a
request and never reaches SQL as it came: unknown slugs are dropped, an over-long query is cut,
an unknown sort falls back to the default, and each field keeps a `notice` saying what it did so
that the page can tell the visitor.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import django_filters

from django import forms
from django.db.models import Count
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from roles.choices import UNSTATED, ThresholdLevel
from roles.models import CompanyType, RoleCategoryPage, RoleCompanyType, RolePage, RoleSkill, Skill
from roles.models.blocks import raw_section_text
from roles.models.expressions import AmongIds
from roles.models.pages import split_lines
from roles.site.caching import until_changed

from .forms import QueryField, SlugListField, SortField, term_choices
from .search import segment_query
from .text import HAN, matches, pinyin_spans, sort_key, syllables


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
        return queryset if ids is None else queryset.filter(AmongIds("pk", ids))


class SortFilter(django_filters.ChoiceFilter):
    field_class = SortField

    def filter(self, queryset, value):
        return queryset  # ordering is applied once, after filtering: see RoleFilterSet.ordered()


def _categories():
    def read():
        pages = RoleCategoryPage.objects.visible().order_by("sort_order", "path")
        return [(page.slug, page.display_name) for page in pages]

    return until_changed("choices:category", read)


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


# Why a role matched, by tier: a match in a role's names outranks one in its definition, which
# outranks one in its skills (see README, "Finding roles").
MATCH_FIELDS = [
    (0, "title", _("名称")),
    (0, "synonym", _("别名")),
    (0, "english_name", _("英文名")),
    (1, "definition", _("角色定义")),
    (2, "skill", _("技能")),
    (2, "skills_text", _("技能原文")),
    (3, "sections", _("编辑栏目")),
]
WHOLE_TEXT_FIELDS = ("title", "definition", "skills_text", "sections")  # no detail to name
UNEXPLAINED = 4  # the search backend matched a form of the word that these fields do not show


@dataclass
class Reason:
    field: str
    label: str
    detail: str = ""


@dataclass
class Search:
    words: list
    ids: list = field(default_factory=list)
    reasons: dict = field(default_factory=dict)  # role id → [Reason]


class Matched(NamedTuple):
    """A role the search backend matched: what rank() reads of it."""

    pk: int
    title: str
    english_name: str
    synonyms: str
    definition: str
    skills_text: str
    body: object  # a StreamValue


def role_texts(role, skill_names):
    """{field: [texts]} of a role (a Matched), as MATCH_FIELDS names them."""
    return {
        "title": [role.title],
        "synonym": split_lines(role.synonyms),
        "english_name": [role.english_name] if role.english_name else [],
        "definition": [role.definition],
        "skill": skill_names,
        "skills_text": [role.skills_text],
        "sections": [raw_section_text(role.body.raw_data)],
    }


def concise(reasons, skills=2):
    """The reasons worth a line on a card: in field order, at most `skills` skills, and the
    article's skill sentence only where no skill of the role explains the match."""
    order = [name for _t, name, _l in MATCH_FIELDS]
    reasons = sorted(reasons, key=lambda r: order.index(r.field))
    named = [r for r in reasons if r.field == "skill"]
    kept = [r for r in reasons if r.field != "skill" and r.field != "skills_text"]
    kept += named[:skills]
    if not named:
        kept += [r for r in reasons if r.field == "skills_text"]
    return kept


def rank(roles, words):
    """`roles` (the search backend's matches as Matched rows, in its order) ordered by the best
    field each word matched — names, then definition, then skills; the backend's order within a
    tier — with the reasons for each: which fields matched, and which synonym or skill."""
    skills = defaultdict(list)
    links = RoleSkill.objects.filter(AmongIds("page_id", [role.pk for role in roles]))
    for page_id, name in links.order_by("sort_order").values_list("page_id", "skill__name"):
        skills[page_id].append(name)
    result = Search(words)
    labels = {name: str(label) for _tier, name, label in MATCH_FIELDS}  # once, not per role
    tiers = {}
    for role in roles:
        texts = role_texts(role, skills[role.pk])
        tier, reasons = 0, []
        for word in words:
            best = UNEXPLAINED
            for field_tier, name, _label in MATCH_FIELDS:
                found = [text for text in texts[name] if matches(text, word)]
                if not found:
                    continue
                best = min(best, field_tier)
                detail = "" if name in WHOLE_TEXT_FIELDS else found[0]
                if name == "english_name":
                    detail = ""
                if not any(r.field == name and r.detail == detail for r in reasons):
                    reasons.append(Reason(name, labels[name], detail))
            tier = max(tier, best)
        tiers[role.pk] = tier
        result.reasons[role.pk] = concise(reasons)
    result.ids = [role.pk for role in sorted(roles, key=lambda role: tiers[role.pk])]
    return result


@lru_cache(maxsize=4096)
def _words(text):
    return frozenset(segment_query(text).split())


def _bigrams(items):
    return {(a, b) for a, b in zip(items, items[1:], strict=False)}


def similarity(query, name, english_name=""):
    """How close a name is to a query that found nothing: shared words (jieba) count most,
    then shared Chinese characters, then shared pairs of pinyin syllables (a homophone), and
    for Latin letters, an English word or the pinyin of the name that starts with them."""
    words = _words(query)
    score = 2 * len(words & _words(name))
    score += len({ch for ch in query if HAN.match(ch)} & set(name))
    score += 0.5 * len(_bigrams(syllables(query)) & _bigrams(syllables(name)))
    for word in words:
        if word.isascii() and word.isalpha() and len(word) >= 2:
            word = word.lower()
            english = english_name.lower().split()
            if any(w.startswith(word) or word.startswith(w) for w in english if len(w) > 2):
                score += 1
            elif pinyin_spans(name, word):
                score += 1
    return score


@dataclass
class Suggestion:
    label: str
    kind: str
    url: str


def suggest(query, limit=8):
    """What to try when a query finds nothing: the skills and company types closest to it, and
    its closest categories (every category when none is close), each as a link."""

    def closest(items):
        scored = []
        for item in items:
            score = similarity(query, item.native_name, item.english_name)
            if score > 0:
                scored.append((score, item))
        return scored

    terms = [(score, skill, "skill") for score, skill in closest(Skill.objects.all())]
    terms += [(score, ct, "company_type") for score, ct in closest(CompanyType.objects.all())]
    terms.sort(key=lambda t: (-t[0], t[2] != "skill", sort_key(t[1])))
    categories = list(RoleCategoryPage.objects.visible().order_by("sort_order", "path"))
    close = sorted(closest(categories), key=lambda pair: -pair[0])
    kinds = {"skill": _("技能"), "company_type": _("公司类型")}
    urls = {"skill": "skill_detail", "company_type": "company_type_detail"}
    return {
        "terms": [
            Suggestion(term.display_name, str(kinds[kind]), reverse(urls[kind], args=[term.slug]))
            for _score, term, kind in terms[:limit]
        ],
        "categories": [
            Suggestion(category.display_name, str(_("类别")), category.url)
            for category in ([c for _s, c in close] or categories)
        ],
        "close_categories": bool(close),
    }


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

    def __init__(self, *args, counts_scope=None, preset=(), **kwargs):
        """`counts_scope`: a name for the rows of `queryset` (e.g. "visible", every visible
        role), under which its facet counts may be kept; None: always counted. `preset`: the
        facets the page's path fixes (a company type's page): their values are part of the
        counts' scope, not other filters."""
        super().__init__(*args, **kwargs)
        self.counts_scope = counts_scope
        self.preset = tuple(preset)

    @property
    def values(self):
        """The cleaned query: only known values, each once."""
        self.form.is_valid()
        return self.form.cleaned_data

    @cached_property
    def search(self):
        """The keyword search: a Search of the live roles matching every word of the query,
        best first, or None when there is no query (or nothing searchable in it)."""
        words = segment_query(self.values.get("q", ""))
        if not words:
            return None  # no query, or nothing searchable in it: no filter
        # Every role: the search backends cannot express visible()'s subquery, and these ids
        # only ever narrow the filterset's own queryset, which is RolePage.objects.visible().
        # Read as rows, not pages: a common word matches most of a large catalogue, and
        # building that many pages (ClusterableModel's __init__) cost more than ranking them.
        # get_queryset() is the database backends' (WAGTAILSEARCH_BACKENDS): their ordered,
        # filtered queryset.
        matched = RolePage.objects.search(words, operator="and").get_queryset()
        rows = matched.values_list(*Matched._fields)
        return rank([Matched(*row) for row in rows], words.split())

    @property
    def search_ids(self):
        """Ids of the matching roles, best first; None: no search."""
        return None if self.search is None else self.search.ids

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
            counts = self._counts(name)
            options = [
                Option(str(value), str(label), counts.get(value, 0), value in selected)
                for value, label in field.choices
            ]
            facets.append(Facet(name, str(field.label), options))
        return facets

    def _counts(self, name):
        """{value: roles} of one facet given the other active filters. Without any but the
        page's preset (the listing as first opened, a company type's page, or either filtered by
        this facet alone), they depend only on the catalogue and the base queryset, so where the
        caller names that queryset and preset (`counts_scope`) they are kept until the catalogue
        changes: one query per facet saved on the most visited listings."""

        def count():
            return self.filters[name].counts(self.filter_queryset(self.queryset, exclude=name))

        fixed = (name, "sort", *self.preset)
        others = any(value for key, value in self.values.items() if key not in fixed)
        if others or self.counts_scope is None:
            return count()
        preset = "".join(f":{key}={','.join(self.values.get(key, []))}" for key in self.preset)
        return until_changed(f"facet-counts:{self.counts_scope}{preset}:{name}", count)

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
