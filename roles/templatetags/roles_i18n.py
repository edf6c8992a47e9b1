from django import template
from django.utils.text import Truncator
from django.utils.translation import get_language, to_locale

from roles.catalogue import text
from roles.site.caching import normalised_query

register = template.Library()


@register.filter
def bcp47(language_code):
    """A Django language code as an HTML lang value: "zh-hans" → "zh-Hans", "en" → "en"."""
    return to_locale(language_code).replace("_", "-")


@register.filter
def display_name(item):
    """A role's, category's or term's name for the interface language: the English name on the
    English interface where there is one, the article's Chinese name otherwise."""
    if isinstance(item, dict):
        english, title = item.get("english_name", ""), item.get("title", "")
    else:
        english = getattr(item, "english_name", "")
        title = getattr(item, "title", "") or getattr(item, "name", "")
    if english and get_language() == "en":
        return english
    return title or item


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
    query = normalised_query(request)
    return f"{request.path}?{query}" if query else request.path
