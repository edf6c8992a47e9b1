from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import ListView, TemplateView

from roles.models import CompanyType, RolePage

from .filters import RoleFilterSet, suggest
from .text import filter_keys, label_key

ROLES_PER_PAGE = 20
LONG_FACET = 10  # options; a longer facet shows its first FACET_TOP and "显示全部 N 项"
FACET_TOP = 8
QUERY_KEYS = ("q", "company_type", "category", "skill", "threshold", "sort")


class RoleListView(TemplateView):
    """The filterable listing of live, public roles at /roles/."""

    template_name = "roles/role_list.html"

    def get_preset(self):
        """Facet values fixed by the URL path rather than the query string."""
        return {}

    def get_base_path(self):
        return reverse("role_list")

    def get_title(self):
        return _("全部 AI 岗位")

    def get_filterset(self):
        data = self.request.GET.copy()
        preset = self.get_preset()
        for name, values in preset.items():
            data.setlist(name, values)
        return RoleFilterSet(
            data,
            queryset=RolePage.objects.visible().for_cards(),
            counts_scope="visible",
            preset=preset,
        )

    def get_context_data(self, **kwargs):
        filterset = self.get_filterset()
        preset = self.get_preset()
        state = query_state(filterset.values, exclude=preset)
        url = ListingURLs(self.get_base_path(), state)
        notices = filterset.notices()

        paginator = Paginator(filterset.qs, ROLES_PER_PAGE)
        requested = self.request.GET.get("page", "").strip()
        wanted = int(requested[:12]) if requested.isdecimal() else None
        page_obj = paginator.get_page(max(wanted or 1, 1))  # past the end: the last page
        if requested and wanted != page_obj.number:
            notices.append(
                _("没有第“%(page)s”页，显示的是第 %(number)s 页。")
                % {"page": requested[:20], "number": page_obj.number}
            )

        facets = [facet for facet in filterset.facets() if facet.name not in preset]
        for facet in facets:
            # Most roles first, ties in the reader's order (pinyin; English: alphabetical).
            # Thresholds keep their own order, high to moderate: a scale, not a vocabulary.
            if facet.name != "threshold":
                facet.options.sort(key=lambda option: (-option.count, label_key(option.label)))
            facet.long = len(facet.options) > LONG_FACET
            facet.top = facet.options[:FACET_TOP] if facet.long else facet.options
            facet.rest = facet.options[FACET_TOP:] if facet.long else []
            facet.rest_open = any(option.selected for option in facet.rest)
            for option in facet.options:
                option.disabled = option.count == 0 and not option.selected
                option.keys = filter_keys(option.label)

        chips = [
            {
                "label": _("%(facet)s：%(option)s")
                % {"facet": facet.label, "option": option.label},
                "url": url.toggle(facet.name, option.value),
            }
            for facet in facets
            for option in facet.selected
        ]
        if state.get("q"):
            chips.insert(
                0, {"label": _("关键词：%(q)s") % {"q": state["q"][0]}, "url": url.without("q")}
            )

        query = (state.get("q") or [""])[0]
        search = filterset.search
        # Not read here: where every card is kept, the cards need only the roles' ids.
        roles = page_obj.object_list
        if search is not None:
            roles = list(roles)
            for role in roles:
                role.match_reasons = search.reasons.get(role.pk, [])
        heading = self.get_title()
        if query:
            heading = ngettext(
                "搜索“%(query)s”：找到 %(count)s 个岗位",
                "搜索“%(query)s”：找到 %(count)s 个岗位",
                paginator.count,
            ) % {"query": query, "count": paginator.count}

        return {
            **super().get_context_data(**kwargs),
            "title": self.get_title(),
            "heading": heading,
            "site_query": query,
            "search_words": search.words if search is not None else [],
            "suggestions": suggest(query) if query and not paginator.count else None,
            "filterset": filterset,
            "query": query,
            "sort": (state.get("sort") or [""])[0],
            "sort_choices": filterset.form.fields["sort"].choices,
            "facets": facets,
            "chips": chips,
            "clear_url": url.base,
            "page_obj": page_obj,
            "prev_url": url.page(page_obj.previous_page_number())
            if page_obj.has_previous()
            else None,
            "next_url": url.page(page_obj.next_page_number()) if page_obj.has_next() else None,
            "roles": roles,
            "result_count": paginator.count,
            "notices": notices,
            "canonical_url": self.request.build_absolute_uri(url.page(page_obj.number)),
            "form_action": url.base,
        }


def query_state(values, exclude=()):
    """The cleaned query as {key: [values]}, without the keys in `exclude`."""
    return {
        key: value if isinstance(value, list) else ([value] if value else [])
        for key, value in values.items()
        if key in QUERY_KEYS and key not in exclude
    }


class ListingURLs:
    """URLs of the listing in other states; only known values, in a fixed order, so that
    each state has one canonical URL."""

    def __init__(self, base, state):
        self.base = base
        self.state = state

    def build(self, state, page=1):
        pairs = [(key, value) for key in QUERY_KEYS for value in state.get(key, [])]
        if page > 1:
            pairs.append(("page", page))
        return f"{self.base}?{urlencode(pairs)}" if pairs else self.base

    @property
    def current(self):
        return self.build(self.state)

    def toggle(self, name, value):
        values = list(self.state.get(name, []))
        values = [v for v in values if v != value] if value in values else [*values, value]
        return self.build({**self.state, name: values})

    def without(self, name):
        return self.build({**self.state, name: []})

    def page(self, number):
        return self.build(self.state, page=number)


class CompanyTypeListView(ListView):
    template_name = "roles/company_type_list.html"
    context_object_name = "company_types"

    def get_queryset(self):
        return CompanyType.objects.annotate(
            role_count=RolePage.visible_count("role_links__page")
        ).order_by("-role_count", "name")


class CompanyTypeDetailView(RoleListView):
    """The listing, pre-filtered to one company type, at /company-types/<slug>/."""

    def get(self, request, *args, slug, **kwargs):
        self.company_type = get_object_or_404(CompanyType, slug=slug)
        return super().get(request, *args, **kwargs)

    def get_preset(self):
        return {"company_type": [self.company_type.slug]}

    def get_base_path(self):
        return reverse("company_type_detail", args=[self.company_type.slug])

    def get_title(self):
        return _("%(name)s招聘的 AI 岗位") % {"name": self.company_type.display_name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["company_type"] = self.company_type
        # The company type itself shows as a chip whose removal leads to the whole listing.
        others = query_state(context["filterset"].values, exclude={"company_type"})
        context["chips"].insert(
            0,
            {
                "label": _("公司类型：%(name)s") % {"name": self.company_type.display_name},
                "url": ListingURLs(reverse("role_list"), others).current,
            },
        )
        return context
