from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, pgettext, to_locale

from roles.catalogue import text
from roles.site.caching import normalised_query

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


@register.simple_tag
def source_credit(home):
    """The footer's credit of the article, from the home page's 内容来源 fields (the editors'),
    as a paragraph; nothing without a source title. On the English interface the article's
    title, author and publisher, which stay as published, are marked as Chinese."""
    if not home or not home.source_title:
        return ""

    def as_published(value):
        if get_language() == "en":
            return format_html('<span lang="zh-Hans">{}</span>', value)
        return value

    title = format_html(
        pgettext("book title", "《{title}》"), title=as_published(home.source_title)
    )
    if home.source_url:
        title = format_html('<a href="{}" rel="noopener">{}</a>', home.source_url, title)
    details = [
        format_html(gettext("作者：{author}"), author=as_published(home.source_author))
        if home.source_author
        else "",
        as_published(home.source_publisher) if home.source_publisher else "",
        home.source_published.isoformat() if home.source_published else "",
    ]
    details = format_html_join(
        pgettext("credit", "，"), "{}", ((detail,) for detail in details if detail)
    )
    return format_html(
        '<p class="site-footer__credit">{}</p>',
        format_html(
            gettext("岗位资料整理自{title}（{details}），仅供参考。"), title=title, details=details
        ),
    )


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
