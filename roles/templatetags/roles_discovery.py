"""Discovery on the role page: `{% related_roles page as related %}`. A tag rather than
RolePage.get_context, so that the page model does not depend on roles.discovery, which is built
on it."""

from django import template

from roles.discovery import sharing
from roles.discovery.matching import MAX_SHORTLIST
from roles.discovery.matching import related_roles as related_to

register = template.Library()


@register.simple_tag
def related_roles(role):
    """The roles related to `role`, with the skills and company types they share."""
    return related_to(role)


@register.simple_tag(takes_context=True)
def share_links(context, target):
    """{"url", "qr"} of a page (or a compare/shortlist path): see roles.discovery.sharing."""
    return sharing.share_links(context["request"], target)


@register.simple_tag
def shortlist_limit():
    """How many roles a shortlist keeps, for shortlist.js."""
    return MAX_SHORTLIST
