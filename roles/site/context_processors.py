"""What every page's frame says about the catalogue, read from the CMS rather than written into
the templates: the source article (the home page's source fields, which role pages cite too) and
the live role count. Both are kept until the catalogue next changes (until_changed)."""

from django.utils.functional import cached_property

from roles.models import RoleIndexPage, RolePage

from .caching import until_changed


def _home():
    return RoleIndexPage.objects.live().first()


def _role_count():
    return RolePage.objects.visible().count()


class CatalogueFacts:
    """Each fact is read when a template first asks for it, so a page that shows neither costs
    nothing."""

    @cached_property
    def home(self):
        return until_changed("home", _home)

    @cached_property
    def role_count(self):
        return until_changed("role-count", _role_count)


def catalogue(request):
    return {"catalogue": CatalogueFacts()}
