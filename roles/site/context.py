"""Template context every public page shares."""

from django.utils.functional import SimpleLazyObject

from roles.models import RoleIndexPage


def catalogue_home(request):
    """The catalogue's home page as `catalogue_home`, for the footer's source credit: the
    credit is the editors' (the home page's source fields), not a literal in a template. Read
    only when a template uses it."""
    return {"catalogue_home": SimpleLazyObject(lambda: RoleIndexPage.objects.visible().first())}
