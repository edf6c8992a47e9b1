"""内容完整度: the admin report of which sections each role lacks and which of its sources were
last checked more than a year ago, by category, exportable as CSV or XLSX (every cell through
csvfiles.safe_cell). It reads each role's published content (for a role never published, its
first draft): what visitors see, not drafts waiting in moderation."""

import django_filters

from django import forms
from django.utils.translation import gettext_lazy as _

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies.pages import PagePermissionPolicy

from roles.datafile.csvfiles import SafeSpreadsheetExportMixin
from roles.models import RoleCategoryPage, RolePage
from roles.models.blocks import SECTION_ORDER, RoleBodyBlock, raw_dated_sources, raw_filled_sections

SECTION_LABELS = {name: RoleBodyBlock.base_blocks[name].label for name in SECTION_ORDER}
LIST_SEPARATOR = "、"


def missing_sections(role):
    filled = raw_filled_sections(role.body.raw_data)
    return [SECTION_LABELS[name] for name in SECTION_ORDER if name not in filled]


def dated_sources(role):
    return raw_dated_sources(role.body.raw_data)


def missing_label(role):
    return LIST_SEPARATOR.join(str(label) for label in missing_sections(role))


def dated_label(role):
    return "；".join(
        f"{SECTION_LABELS[name]}：{title}（{day.isoformat()}）"
        for name, title, day in dated_sources(role)
    )


def matching_ids(queryset, test):
    return [pk for pk, body in queryset.values_list("pk", "body") if test(body.raw_data)]


class CompletenessFilterSet(WagtailFilterSet):
    category = django_filters.ModelChoiceFilter(
        label=_("类别"),
        queryset=RoleCategoryPage.objects.order_by("sort_order", "path"),
        field_name="category",
    )
    lacks = django_filters.ChoiceFilter(
        label=_("缺少栏目"),
        choices=[(name, SECTION_LABELS[name]) for name in SECTION_ORDER],
        method="filter_lacks",
        empty_label=_("全部"),
    )
    dated = django_filters.BooleanFilter(
        label=_("超过一年的来源"),
        method="filter_dated",
        widget=forms.RadioSelect(
            choices=[("", _("全部")), ("true", _("有")), ("false", _("没有"))]
        ),
    )

    class Meta:
        model = RolePage
        fields = ["category"]

    # The sections live in each role's JSON; the catalogue is small enough to read it here
    # rather than write the same test twice, once in SQL for each database.
    def filter_lacks(self, queryset, name, value):
        if not value:
            return queryset
        ids = matching_ids(queryset, lambda raw: value not in raw_filled_sections(raw))
        return queryset.filter(pk__in=ids)

    def filter_dated(self, queryset, name, value):
        if value is None:
            return queryset
        ids = matching_ids(queryset, lambda raw: bool(raw_dated_sources(raw)) == value)
        return queryset.filter(pk__in=ids)


class ContentCompletenessView(SafeSpreadsheetExportMixin, ReportView):
    page_title = _("内容完整度")
    header_icon = "tasks"
    filterset_class = CompletenessFilterSet
    index_url_name = "roles_content_completeness"
    index_results_url_name = "roles_content_completeness_results"
    permission_policy = PagePermissionPolicy()
    any_permission_required = ["add", "change", "publish"]
    export_filename = "content-completeness"
    list_export = ["title", "category", "missing", "dated", "status"]
    export_headings = {
        "title": _("岗位"),
        "category": _("类别"),
        "missing": _("缺少的栏目"),
        "dated": _("超过一年的来源"),
        "status": _("状态"),
    }
    columns = [
        TitleColumn(
            "title",
            label=_("岗位"),
            url_name="wagtailadmin_pages:edit",
            accessor=lambda role: role.get_admin_display_title(),
        ),
        Column("category", label=_("类别"), accessor="category.title"),
        Column("missing", label=_("缺少的栏目"), accessor=missing_label),
        Column("dated", label=_("超过一年的来源"), accessor=dated_label),
        Column("status", label=_("状态"), accessor="status_string"),
    ]

    def get_queryset(self):
        self.queryset = RolePage.objects.select_related("category").order_by(
            "category__sort_order", "path"
        )
        return super().get_queryset()

    def to_row_dict(self, item):
        return {
            "title": item.title,
            "category": item.category.title if item.category else "",
            "missing": missing_label(item),
            "dated": dated_label(item),
            "status": str(item.status_string),
        }
