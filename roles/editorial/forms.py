"""The page editors' forms for categories and roles: the rules of roles/rules.py, which the data
file obeys too, so that what an editor saves exports and imports again, and the reverse.
(Wagtail's API v3 writes pages through these same forms.)"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminPageForm

from roles import rules
from roles.choices import SkillLevel


def _kept_forms(formset):
    """The inline forms that will be saved: filled in and not marked for deletion."""
    formset.is_valid()
    return [
        form
        for form in formset.forms
        if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
    ]


def _checked(check, *args):
    """A rule's verdict as a form error."""
    try:
        return check(*args)
    except rules.RuleError as error:
        raise ValidationError(str(error)) from None


class CataloguePageForm(WagtailAdminPageForm):
    """What a category and a role page share: a title of limited length, unique among pages
    of the same type (`unique_title_among`), and an ASCII slug."""

    title_max_length = rules.INDEX_TITLE_MAX
    slug_check = staticmethod(rules.check_slug)
    duplicate_title_message = _("已有名为“%(title)s”的页面，名称不能重复。")

    def unique_title_among(self):
        """The pages whose titles this page's title must not repeat."""
        return type(self.instance).objects.none()

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if len(title) > self.title_max_length:
            raise ValidationError(
                rules.too_long_message(self.title_max_length, len(title)), code="max_length"
            )
        same = (
            self.unique_title_among()
            .filter(Q(title=title) | Q(draft_title=title))
            .exclude(pk=self.instance.pk)
            .first()
        )
        if same is not None:
            raise ValidationError(
                self.duplicate_title_message,
                code="unique",
                params={"title": title, "category": getattr(same, "category", None) or "—"},
            )
        return title

    def clean_slug(self):
        return _checked(self.slug_check, self.cleaned_data["slug"])


class RoleCategoryPageForm(CataloguePageForm):
    """A category lives at /<slug>/, so its slug may not be one the site's own URLs use."""

    title_max_length = rules.CATEGORY_TITLE_MAX
    slug_check = staticmethod(rules.check_category_slug)
    duplicate_title_message = _("已有名为“%(title)s”的类别，类别名称不能重复。")

    def unique_title_among(self):
        return type(self.instance).objects.all()


class RolePageForm(CataloguePageForm):
    """The role editor: a role needs an essential skill and a company type. Checked here, on the
    form, because the model's links are only replaced by the inline forms after validation."""

    title_max_length = rules.ROLE_TITLE_MAX
    duplicate_title_message = _(
        "目录中已有名为“%(title)s”的岗位（%(category)s），岗位名称不能重复。"
    )

    def unique_title_among(self):
        return type(self.instance).objects.select_related("category")

    def clean_slug(self):
        """Unique across the catalogue, not only among the category's roles: the API, the
        compare page and the data file find a role by its slug alone."""
        slug = super().clean_slug()
        if type(self.instance).objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                _("已有岗位使用 URL 标识“%(slug)s”，请换一个。"), params={"slug": slug}
            )
        return slug

    def clean_synonyms(self):
        lines = [line.strip() for line in self.cleaned_data["synonyms"].splitlines()]
        return "\n".join(_checked(rules.check_synonyms, [line for line in lines if line]))

    def clean(self):
        """A form may carry only some fields and formsets: Wagtail's API v3 builds this form
        with just the fields a PATCH sends, and leaves what it does not send as it is. So each
        rule is checked where its part is on the form."""
        cleaned_data = super().clean()
        if "skill_links" in self.formsets:
            skills = _kept_forms(self.formsets["skill_links"])
            levels = [form.cleaned_data.get("level") for form in skills]
            try:
                rules.check_skill_levels([SkillLevel(level) for level in levels if level])
            except rules.RuleError as error:
                self.add_error(None, ValidationError(str(error), code="skills"))
        if "company_type_links" in self.formsets:
            try:
                rules.check_company_type_count(
                    len(_kept_forms(self.formsets["company_type_links"]))
                )
            except rules.RuleError as error:
                self.add_error(None, ValidationError(str(error), code="company_type"))
        return cleaned_data
