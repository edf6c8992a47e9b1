"""What every page's frame says about the catalogue, read from the CMS rather than written into
the templates: the source article (the home page's source fields) and the live role count."""

from django.utils.functional import cached_property

from roles.models import RoleIndexPage, RolePage


class CatalogueFacts:
    """Each fact is read when a template first asks for it, so a page that shows neither costs
    no query."""

    @cached_property
    def home(self):
        return RoleIndexPage.objects.live().first()

    @cached_property
    def role_count(self):
        return RolePage.objects.visible().count()


def catalogue(request):
    return {"catalogue": CatalogueFacts()}
