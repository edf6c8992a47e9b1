"""Forms and form fields of the public pages. Bad input never fails a request: each lenient
field keeps a `notice` saying what it dropped or changed, for the page to tell the visitor."""

import unicodedata

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from roles.site.caching import until_changed

from .text import sort_key

QUERY_MAX_LENGTH = 100


def _shorten(values, limit=5):
    shown = [value if len(value) <= 30 else value[:30] + "…" for value in values[:limit]]
    return pgettext("list separator", "、").join(shown) + ("…" if len(values) > limit else "")


class SlugListField(forms.MultipleChoiceField):
    """Known slugs, each once; unknown ones are set aside with a notice instead of failing."""

    def validate(self, value):
        pass  # unknown slugs are dropped in clean(); an empty list means "no filter"

    def clean(self, value):
        values = list(dict.fromkeys(super().clean(value)))
        known = {str(key) for key, _label in self.choices}
        ignored = [v for v in values if v not in known]
        self.notice = (
            _("未知的%(facet)s已忽略：%(values)s")
            % {"facet": self.label, "values": _shorten(ignored)}
            if ignored
            else None
        )
        return [v for v in values if v in known]


class QueryField(forms.CharField):
    """A keyword query: control characters removed, whitespace collapsed, cut to a length."""

    def to_python(self, value):
        value = super().to_python(value)
        text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in value)
        text = " ".join(text.split())
        self.notice = None
        if len(text) > QUERY_MAX_LENGTH:
            self.notice = _("搜索词太长，只使用了前 %(count)s 个字。") % {"count": QUERY_MAX_LENGTH}
            text = text[:QUERY_MAX_LENGTH].rstrip()
        return text


class SortField(forms.ChoiceField):
    """An unknown sort order falls back to the default, with a notice."""

    def clean(self, value):
        self.notice = None
        if isinstance(value, str) and value and not self.valid_value(value):
            self.notice = _("不支持的排序方式已忽略，按默认顺序排列。")
            return ""
        return super().clean(value)


def term_choices(model):
    """The choices of a vocabulary, read when a form is made, not when this module loads: in the
    reader's order (pinyin on the Chinese interface, alphabetical by English name on the
    English one, which also shows the English names)."""

    def read():
        terms = sorted(model.objects.all(), key=sort_key)
        return [(term.slug, term.display_name) for term in terms]

    def choices():
        return until_changed(f"choices:{model._meta.model_name}", read)

    return choices


class ReaderOrderIterator(ModelChoiceIterator):
    """A model choice field's options in the reader's order (see term_choices)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in sorted(self.queryset, key=sort_key):
            yield self.choice(obj)


class ReaderOrderedMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ReaderOrderIterator

    def label_from_instance(self, obj):
        return obj.display_name
