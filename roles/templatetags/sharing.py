from django import template

from roles.discovery import sharing

register = template.Library()


@register.simple_tag(takes_context=True)
def share_links(context, target):
    """{"url", "qr"} of a page (or a compare/shortlist path): see roles.discovery.sharing."""
    return sharing.share_links(context["request"], target)


@register.simple_tag
def shortlist_limit():
    """How many roles a shortlist keeps, for shortlist.js."""
    from roles.discovery.shortlist import MAX_SHORTLIST

    return MAX_SHORTLIST
