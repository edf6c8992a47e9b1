"""The shortlist (收藏) at /shortlist/?roles=<slug>,<slug>…: roles a visitor saved, kept in their
browser (shortlist.js) and never on the server. The URL is the whole list, so the same link
opens the same list on another device; without JavaScript each 收藏 link leads here."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from .matching import MAX_COMPARED, MAX_SHORTLIST, named_roles
from .sharing import share_links


def shortlist_url(slugs):
    return reverse("shortlist") + (f"?roles={','.join(slugs)}" if slugs else "")


class ShortlistView(TemplateView):
    template_name = "roles/shortlist.html"

    def get_context_data(self, **kwargs):
        roles, notices = named_roles(self.request.GET.getlist("roles"))
        if len(roles) > MAX_SHORTLIST:
            notices.append(
                _("收藏最多 %(max)s 个岗位，只显示了前 %(max)s 个。") % {"max": MAX_SHORTLIST}
            )
            roles = roles[:MAX_SHORTLIST]
        slugs = [role.slug for role in roles]
        for role in roles:
            # Without JavaScript a saved role's 收藏 link is the list without it.
            role.shortlist_url = shortlist_url([slug for slug in slugs if slug != role.slug])
        path = shortlist_url(slugs)
        return {
            **super().get_context_data(**kwargs),
            "roles": roles,
            "notices": notices,
            "slugs": ",".join(slugs),
            "requested": "roles" in self.request.GET,
            "compare_url": (
                reverse("compare") + "?roles=" + ",".join(slugs[:MAX_COMPARED])
                if len(slugs) >= 2
                else None
            ),
            "share": share_links(self.request, path),
        }
