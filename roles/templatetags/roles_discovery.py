"""Discovery on the role page: `{% related_roles page as related %}`. A tag rather than
RolePage.get_context, so that the page model does not depend on roles.discovery, which is built
on it."""

from django import template

from roles.discovery.matching import related_roles as related_to

register = template.Library()


@register.simple_tag
def related_roles(role):
    """The roles related to `role`, with the skills and company types they share."""
    return related_to(role)
