from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Background, CompanyType, Skill


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
