from django import template
from django.utils.translation import to_locale

register = template.Library()


@register.filter
def bcp47(language_code):
    """A Django language code as an HTML lang value: "zh-hans" → "zh-Hans", "en" → "en"."""
    return to_locale(language_code).replace("_", "-")
