from django import template
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, to_locale

from roles import text

register = template.Library()


@register.filter
def bcp47(language_code):
    """A Django language code as an HTML lang value: "zh-hans" → "zh-Hans", "en" → "en"."""
    return to_locale(language_code).replace("_", "-")


@register.filter
def display_name(item):
    """`item.display_name` (roles/models/names.py), for templates that are handed a role,
    category or term; anything else shows as itself."""
    return getattr(item, "display_name", item)


@register.filter
def lang_of(item):
    """` lang="zh-Hans"` where `item`'s display name is Chinese on the English interface (a name
    with no English one), for the element that shows it; nothing otherwise."""
    if getattr(item, "display_lang", "") == "zh-Hans" and get_language() == "en":
        return mark_safe(' lang="zh-Hans"')
    return ""


@register.filter
def highlight(value, words):
    """`value` escaped, with the search words it contains (or spells in pinyin) in <mark>."""
    return text.highlight(value, words)


@register.filter
def truncate_highlight(value, words, length=60):
    """The first `length` characters of `value` (as truncatechars), highlighted."""
    return text.highlight(Truncator(value or "").chars(int(length)), words)


@register.filter
def canonical_path(request):
    """The request's path with only the query parameters the page reads, in a fixed order (the
    page cache's key): a page stored for `?utm_source=…` may be served for the bare URL."""
    from roles.caching import normalised_query

    query = normalised_query(request)
    return f"{request.path}?{query}" if query else request.path
