from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminPageForm

from roles.choices import SkillLevel


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

    title_max_length = 40
    synonym_max_length = 40
    synonyms_max_count = 10

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if len(title) > self.title_max_length:
            raise ValidationError(
                _("岗位名称最多 %(limit)d 个字（现在 %(length)d 个）。"),
                code="max_length",
                params={"limit": self.title_max_length, "length": len(title)},
            )
        same = (
            # The form's model is RolePage (roles.models.pages names this form as its
            # base_form_class, so this module cannot import that model).
            self._meta.model.objects.filter(Q(title=title) | Q(draft_title=title))
            .exclude(pk=self.instance.pk)
            .select_related("category")
            .first()
        )
        if same is not None:
            raise ValidationError(
                _("目录中已有名为“%(title)s”的岗位（%(category)s），岗位名称不能重复。"),
                code="unique",
                params={"title": title, "category": same.category or "—"},
            )
        return title

    def clean_synonyms(self):
        lines = [line.strip() for line in self.cleaned_data["synonyms"].splitlines()]
        lines = [line for line in lines if line]
        if len(lines) > self.synonyms_max_count:
            raise ValidationError(
                _("别名最多 %(limit)d 个。"), params={"limit": self.synonyms_max_count}
            )
        too_long = [line for line in lines if len(line) > self.synonym_max_length]
        if too_long:
            raise ValidationError(
                _("每个别名最多 %(limit)d 个字：%(names)s"),
                params={"limit": self.synonym_max_length, "names": "、".join(too_long)},
            )
        return "\n".join(lines)

    def clean(self):
        """A form may carry only some fields and formsets: Wagtail's API v3 builds this form
        with just the fields a PATCH sends, and leaves what it does not send as it is. So each
        rule is checked where its part is on the form."""
        cleaned_data = super().clean()
        if "skill_links" in self.formsets:
            skills = _kept_forms(self.formsets["skill_links"])
            if not any(form.cleaned_data.get("level") == SkillLevel.ESSENTIAL for form in skills):
                self.add_error(None, ValidationError(_("至少需要一项必备技能。"), code="essential"))
        if "company_type_links" in self.formsets and not _kept_forms(
            self.formsets["company_type_links"]
        ):
            self.add_error(
                None, ValidationError(_("至少需要一种可应聘的公司类型。"), code="company_type")
            )
        return cleaned_data
