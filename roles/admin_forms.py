from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminPageForm

from .models.taxonomy import SkillLevel


def _kept_forms(formset):
    """The inline forms that will be saved: filled in and not marked for deletion."""
    formset.is_valid()
    return [
        form
        for form in formset.forms
        if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
    ]


class RolePageForm(WagtailAdminPageForm):
    """The role editor: a role needs an essential skill and a company type. Checked here, on the
    form, because the model's links are only replaced by the inline forms after validation."""

    def clean(self):
        cleaned_data = super().clean()
        skills = _kept_forms(self.formsets["skill_links"])
        if not any(form.cleaned_data.get("level") == SkillLevel.ESSENTIAL for form in skills):
            self.add_error(None, ValidationError(_("至少需要一项必备技能。"), code="essential"))
        if not _kept_forms(self.formsets["company_type_links"]):
            self.add_error(
                None, ValidationError(_("至少需要一种可应聘的公司类型。"), code="company_type")
            )
        return cleaned_data
