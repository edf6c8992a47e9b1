from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from .filters import RoleFilterSet
from .models import CompanyType, RolePage

ROLES_PER_PAGE = 20


class RoleListingMixin:
    """The filtered, paginated listing of live, public roles that several pages share."""

    template_name = "roles/role_list.html"
    preset = {}  # facet → slugs fixed by the URL (e.g. a company-type page)

    def get_filter_data(self):
        data = self.request.GET.copy()
        for name, values in self.get_preset().items():
            data.setlist(name, values)
        return data

    def get_preset(self):
        return self.preset

    def get_filterset(self):
        return RoleFilterSet(
            self.get_filter_data(), queryset=RolePage.objects.live().public().for_listing()
        )

    def get_listing_context(self):
        filterset = self.get_filterset()
        notices = [
            _("未知的%(facet)s已忽略：%(values)s") % {"facet": label, "values": "、".join(values)}
            for label, values in filterset.ignored()
        ]
        paginator = Paginator(filterset.qs, ROLES_PER_PAGE)
        page_number = self.request.GET.get("page", "1")
        page_obj = paginator.get_page(page_number)
        if str(page_obj.number) != page_number.strip() and "page" in self.request.GET:
            notices.append(
                _("页码“%(page)s”无效，已显示第 %(number)s 页。")
                % {"page": page_number[:20], "number": page_obj.number}
            )
        return {
            "filterset": filterset,
            "page_obj": page_obj,
            "roles": page_obj.object_list,
            "result_count": paginator.count,
            "notices": notices,
        }


class RoleListView(RoleListingMixin, TemplateView):
    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **self.get_listing_context(),
            "title": _("全部 AI 岗位"),
        }


class CompanyTypeListView(ListView):
    template_name = "roles/company_type_list.html"
    context_object_name = "company_types"

    def get_queryset(self):
        live_roles = Q(role_links__page__live=True)
        return CompanyType.objects.annotate(
            role_count=Count("role_links__page", filter=live_roles, distinct=True)
        ).order_by("-role_count", "name")


class CompanyTypeDetailView(RoleListingMixin, TemplateView):
    def get_preset(self):
        return {"company_type": [self.company_type.slug]}

    def get(self, request, *args, slug, **kwargs):
        self.company_type = get_object_or_404(CompanyType, slug=slug)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **self.get_listing_context(),
            "title": _("%(name)s招聘的 AI 岗位") % {"name": self.company_type.name},
            "company_type": self.company_type,
        }
