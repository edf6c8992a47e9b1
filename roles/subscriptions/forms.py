"""The subscribe and manage forms: what a subscriber wants to hear about, and how often."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from roles.catalogue.forms import ReaderOrderedMultipleChoiceField
from roles.choices import Frequency
from roles.models import CompanyType, RoleCategoryPage

NULL_CHARACTER = _("含有不允许的空字符，请重新填写。")


class TermsField(ReaderOrderedMultipleChoiceField):
    """Terms chosen by slug. A value with a NUL byte, which PostgreSQL cannot compare, is refused
    before any query, in the site's words."""

    def validate_no_null_characters(self, value):
        if "\x00" in str(value):
            raise ValidationError(NULL_CHARACTER, code="null_characters_not_allowed")


class ScopeForm(forms.Form):
    """What a subscriber wants to hear about, and how often."""

    categories = TermsField(
        label=_("类别"),
        queryset=RoleCategoryPage.objects.none(),  # visible ones, read per form: see __init__
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示全部类别。"),
    )
    company_types = TermsField(
        label=_("公司类型"),
        queryset=CompanyType.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示全部公司类型。"),
    )
    frequency = forms.ChoiceField(
        label=_("频率"),
        choices=Frequency.choices,
        initial=Frequency.IMMEDIATE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # visible() reads the view restrictions when called, so not once at import.
        categories = RoleCategoryPage.objects.visible().order_by("sort_order", "path")
        self.fields["categories"].queryset = categories


class SubscribeForm(ScopeForm):
    email = forms.EmailField(
        label=_("邮箱"),
        max_length=254,
        error_messages={
            "required": _("请填写邮箱地址。"),
            "invalid": _("这不是有效的邮箱地址，请检查后重试。"),
            "null_characters_not_allowed": NULL_CHARACTER,
        },
    )
    field_order = ["email", "categories", "company_types", "frequency"]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()
