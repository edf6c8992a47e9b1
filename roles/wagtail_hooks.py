from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import WorkflowState
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import (
    Background,
    CompanyType,
    Delivery,
    RoleCategoryPage,
    RolePage,
    Skill,
    Subscriber,
)


class TaxonomyViewSet(SnippetViewSet):
    list_display = [
        "name",
        "slug",
        "english_name",
        Column("role_count", label=_("岗位数"), sort_key="role_count"),
    ]
    ordering = ["name"]

    def get_queryset(self, request):
        return self.model._default_manager.annotate(role_count=Count("role_links"))


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
    icon = "user"
    menu_label = _("背景")
    list_display = ["name", "slug", "english_name"]


class TaxonomyGroup(SnippetViewSetGroup):
    items = (SkillViewSet, CompanyTypeViewSet, BackgroundViewSet)
    menu_icon = "tag"
    menu_label = _("分类词表")
    menu_name = "taxonomy"


register_snippet(TaxonomyGroup)


class SubscriberViewSet(ModelViewSet):
    model = Subscriber
    icon = "mail"
    menu_label = _("订阅者")
    list_display = ["email", "status", "frequency", "scope_label", "created_at", "confirmed_at"]
    list_filter = ["status", "frequency", "categories"]
    list_export = [
        "email",
        "status",
        "frequency",
        "scope_label",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    export_filename = "subscribers"
    search_fields = ["email"]
    form_fields = ["email", "status", "frequency", "categories", "company_types"]


class DeliveryViewSet(ModelViewSet):
    model = Delivery
    icon = "history"
    menu_label = _("投递记录")
    list_display = ["subscriber", "role", "digest", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "created_at"]
    search_fields = ["subscriber__email"]
    form_fields = ["status", "next_attempt_at"]


class SubscriptionGroup(ViewSetGroup):
    items = (SubscriberViewSet, DeliveryViewSet)
    menu_icon = "mail"
    menu_label = _("订阅")
    menu_name = "subscriptions"


@hooks.register("register_admin_viewset")
def register_subscriptions():
    return SubscriptionGroup()


class CataloguePanel(Component):
    """The dashboard's view of the catalogue: roles per category, what was published last,
    what waits for moderation, and how many people subscribe."""

    name = "catalogue"
    template_name = "roles/admin/catalogue_panel.html"
    order = 50

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
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
