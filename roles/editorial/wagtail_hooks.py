import django_filters

from django import forms
from django.db.models import Count, Q
from django.http import HttpResponseForbidden
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.admin.widgets.button import Button
from wagtail.models import WorkflowState
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from roles.models import Background, CompanyType, RoleCategoryPage, RolePage, Skill, Subscriber

from . import views
from .reports import ContentCompletenessView
from .terms import MERGE_ACTION, MERGE_LABEL, live_use, may_change_term


class TermChooserViewSet(SnippetChooserViewSet):
    # A "创建" tab in the chooser, so an editor can add a missing term without leaving the role.
    form_fields = ["name", "slug", "english_name"]


class UsageFilterSet(WagtailFilterSet):
    in_use = django_filters.BooleanFilter(
        label=_("使用情况"),
        method="filter_in_use",
        widget=forms.RadioSelect(
            choices=[("", _("全部")), ("true", _("有岗位在用")), ("false", _("没有岗位在用"))]
        ),
    )

    def filter_in_use(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(role_count__gt=0) if value else queryset.filter(role_count=0)


class TermIndexView(SnippetIndexView):
    """A term's listing: no edit or delete action on a term that an editor may not change
    (see terms.may_change_term); the edit and delete views refuse them too."""

    def get_edit_url(self, instance):
        if may_change_term(self.request.user, instance):
            return super().get_edit_url(instance)
        return None

    def get_delete_url(self, instance):
        if may_change_term(self.request.user, instance):
            return super().get_delete_url(instance)
        return None


class TaxonomyViewSet(SnippetViewSet):
    index_view_class = TermIndexView
    list_display = [
        "name",
        "slug",
        "english_name",
        Column("role_count", label=_("岗位数"), sort_key="role_count"),
    ]
    ordering = ["name"]
    chooser_viewset_class = TermChooserViewSet

    def get_queryset(self, request):
        return self.model._default_manager.annotate(
            role_count=Count("role_links"), in_live_use=live_use(self.model)
        )

    @property
    def filterset_class(self):
        return type(
            f"{self.model.__name__}FilterSet",
            (UsageFilterSet,),
            {"Meta": type("Meta", (), {"model": self.model, "fields": []})},
        )


class SkillViewSet(TaxonomyViewSet):
    model = Skill
    icon = "pick"
    menu_label = _("技能")


class CompanyTypeViewSet(TaxonomyViewSet):
    model = CompanyType
    icon = "site"
    menu_label = _("公司类型")


class BackgroundViewSet(SnippetViewSet):
    model = Background
    index_view_class = TermIndexView
    icon = "user"
    menu_label = _("背景")
    list_display = ["name", "slug", "english_name"]

    def get_queryset(self, request):
        return self.model._default_manager.annotate(in_live_use=live_use(self.model))


class TaxonomyGroup(SnippetViewSetGroup):
    items = (SkillViewSet, CompanyTypeViewSet, BackgroundViewSet)
    menu_icon = "tag"
    menu_label = _("分类词表")
    menu_name = "taxonomy"


register_snippet(TaxonomyGroup)


class CataloguePanel(Component):
    """The dashboard's view of the catalogue: roles per category, what was published last,
    what waits for moderation, and how many people subscribe."""

    name = "catalogue"
    template_name = "roles/admin/catalogue_panel.html"
    # After Wagtail's own workflow panels ("你在工作流中的页面和片段" 210, "等待你的审查" 220), so
    # a moderator sees first what waits for them; before recent edits (250) and locks (300).
    order = 230

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        # Staff see every published role here, private ones too: live(), not visible().
        live = Q(roles__live=True)
        context.update(
            categories=RoleCategoryPage.objects.annotate(
                role_count=Count("roles", filter=live)
            ).order_by("sort_order", "path"),
            latest=RolePage.objects.live().order_by("-first_published_at")[:5],
            in_moderation=WorkflowState.objects.active().count(),
            subscribers={
                status: Subscriber.objects.filter(status=status).count()
                for status in ("confirmed", "pending")
            },
        )
        return context


@hooks.register("construct_homepage_panels")
def add_catalogue_panel(request, panels):
    panels.append(CataloguePanel())


# Editors' workflow.


class RolesPageViewSet(PageViewSet):
    """Wagtail's page views, with a workflow action that confirms what it did (see
    views.ConfirmedWorkflowActionView). Registered for the base Page model after Wagtail's
    own (order=-1), it replaces that one for every page type."""

    name = "roles_pages"
    workflow_action_view_class = views.ConfirmedWorkflowActionView


@hooks.register("register_admin_viewset")
def register_page_viewset():
    return RolesPageViewSet()


@hooks.register("register_admin_urls")
def register_editorial_urls():
    return [
        path(
            "taxonomy/<str:model_name>/<int:pk>/merge/",
            views.MergeTermView.as_view(),
            name="roles_merge_term",
        ),
        path(
            "catalogue/import-export/",
            views.CatalogueImportView.as_view(),
            name="roles_catalogue_import",
        ),
        path(
            "catalogue/export.<str:format>",
            views.export_view,
            name="roles_catalogue_export",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_import_export_menu_item():
    return MenuItem(
        _("导入与导出"),
        reverse("roles_catalogue_import"),
        icon_name="download",
        name="catalogue-import-export",
        order=900,
    )


@hooks.register("register_snippet_listing_buttons")
def merge_button(snippet, user, next_url=None):
    model_name = snippet._meta.model_name
    if (
        model_name in views.MERGEABLE
        and user.has_perm(f"roles.delete_{model_name}")
        and may_change_term(user, snippet)
    ):
        yield Button(
            _("合并到…"),
            reverse("roles_merge_term", args=[model_name, snippet.pk]),
            icon_name="resubmit",
            priority=30,
        )


@hooks.register("before_edit_snippet")
def refuse_editing_live_terms(request, instance):
    return views.term_change_refused_response(request, [instance])


@hooks.register("before_delete_snippet")
def refuse_deleting_used_terms(request, instances):
    return views.term_change_refused_response(request, instances) or views.term_in_use_response(
        request, instances
    )


def _refuse_publish(request, can_publish, back_url):
    """The editor has no publish action; a hand-made POST that asks to publish is refused
    rather than quietly saved as a draft."""
    if request.method == "POST" and request.POST.get("action-publish") and not can_publish:
        return HttpResponseForbidden(
            render_to_string(
                "roles/admin/publish_refused.html", {"back_url": back_url}, request=request
            )
        )
    return None


@hooks.register("before_edit_page")
def refuse_publish_on_edit(request, page):
    return _refuse_publish(
        request,
        page.permissions_for_user(request.user).can_publish(),
        reverse("wagtailadmin_pages:edit", args=[page.pk]),
    )


@hooks.register("before_create_page")
def refuse_publish_on_create(request, parent_page, page_class):
    perms = parent_page.permissions_for_user(request.user)
    return _refuse_publish(
        request,
        perms.can_publish_subpage(),
        reverse("wagtailadmin_explore", args=[parent_page.pk]),
    )


@hooks.register("register_log_actions")
def register_merge_action(actions):
    actions.register_action(
        MERGE_ACTION, MERGE_LABEL, _("把一个分类词合并到另一个，并更新使用它的岗位")
    )


# The 内容完整度 report (reports.py), under 报告.


class ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return PagePermissionPolicy().user_has_any_permission(
            request.user, ["add", "change", "publish"]
        )


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        path(
            "reports/content-completeness/",
            ContentCompletenessView.as_view(),
            name="roles_content_completeness",
        ),
        path(
            "reports/content-completeness/results/",
            ContentCompletenessView.as_view(results_only=True),
            name="roles_content_completeness_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_report_menu_item():
    return ReportMenuItem(
        _("内容完整度"),
        reverse("roles_content_completeness"),
        name="content-completeness",
        icon_name="tasks",
        order=1100,
    )
