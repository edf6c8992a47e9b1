from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()


@register.filter
def bcp47(language_code):
    """A Django language code as an HTML lang value: "zh-hans" → "zh-Hans", "en" → "en"."""
    return to_locale(language_code).replace("_", "-")


@register.filter
def display_name(item):
    """A role's or category's name for the interface language: the English name on the English
    interface where there is one, the article's Chinese name otherwise."""
    if isinstance(item, dict):
        english, title = item.get("english_name", ""), item.get("title", "")
    else:
        english, title = getattr(item, "english_name", ""), getattr(item, "title", "")
    if english and get_language() == "en":
        return english
    return title or item
