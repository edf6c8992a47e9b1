import copy

from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from roles.models import CompanyType, RoleCategoryPage, RolePage
from roles.site.caching import kept_for

FEED_SIZE = 50


class NewRolesFeed(Feed):
    """Newly published roles, newest first (RSS 2.0)."""

    def __call__(self, request, *args, **kwargs):
        """urls.py makes one instance that serves every request, and item_link needs the request
        (for the page's URL on its site): each request is answered by its own copy, so no request
        is ever kept on the shared instance, nor read by another thread.

        A feed depends on nothing in the request but its path, host and scheme (no parameter),
        so it is written once and kept until the catalogue changes (caching.kept_for), as the
        pages' fragments are: 10 ms a feed, for every reader's poll that the page cache missed."""
        feed = copy.copy(self)
        feed.request = request

        def write():
            response = super(NewRolesFeed, feed).__call__(request, *args, **kwargs)
            return response["Content-Type"], response.get("Last-Modified"), response.content

        name = f"feed:{request.scheme}:{request.path}"
        content_type, last_modified, content = kept_for(request, name, write)
        response = HttpResponse(content, content_type=content_type)
        if last_modified:
            response["Last-Modified"] = last_modified
        return response

    def title(self, obj):
        return _("AI岗位图谱 · 新岗位")

    def link(self, obj):
        return reverse("role_list") + "?sort=newest"

    def description(self, obj):
        return _("新加入 AI岗位图谱的岗位：角色定义、核心技能和可应聘的公司类型。")

    def roles(self, obj):
        return RolePage.objects.visible()

    def items(self, obj):
        return (
            self.roles(obj)
            .select_related("category")
            .order_by("-first_published_at", "-pk")[:FEED_SIZE]
        )

    def item_title(self, item):
        return item.display_name

    def item_description(self, item):
        return item.definition

    def item_link(self, item):
        return item.get_url(self.request)

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at

    def item_categories(self, item):
        return [item.category.display_name] if item.category else []


class CategoryFeed(NewRolesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(RoleCategoryPage.objects.visible(), slug=slug)

    def title(self, obj):
        return _("AI岗位图谱 · %(category)s新岗位") % {"category": obj.display_name}

    def link(self, obj):
        return obj.get_url(self.request)

    def roles(self, obj):
        return super().roles(obj).filter(category=obj)


class CompanyTypeFeed(NewRolesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(CompanyType, slug=slug)

    def title(self, obj):
        return _("AI岗位图谱 · %(name)s的新岗位") % {"name": obj.display_name}

    def link(self, obj):
        return reverse("company_type_detail", args=[obj.slug])

    def roles(self, obj):
        return super().roles(obj).filter(company_type_links__company_type=obj)


class AtomMixin:
    feed_type = Atom1Feed

    def subtitle(self, obj):
        return self.description(obj)


class NewRolesAtomFeed(AtomMixin, NewRolesFeed):
    pass


class CategoryAtomFeed(AtomMixin, CategoryFeed):
    pass


class CompanyTypeAtomFeed(AtomMixin, CompanyTypeFeed):
    pass
