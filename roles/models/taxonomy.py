from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.models import Orderable
from wagtail.search import index

from roles import rules
from roles.catalogue.search import SearchIndexed, segment
from roles.choices import ResourceKind, ResourceLanguage, SkillLevel

from .names import DisplayNameMixin

ascii_slug = RegexValidator(
    rules.SLUG_PATTERN,
    _("只能使用小写英文字母、数字和连字符，例如 tech-company。"),
)


class TaxonomyTerm(SearchIndexed, DisplayNameMixin, index.Indexed, models.Model):
    """A canonical entry of one of the catalogue's vocabularies."""

    native_name_attribute = "name"

    name = models.CharField(
        _("名称"),
        max_length=rules.TERM_NAME_MAX,
        unique=True,
        help_text=_("规范的中文名称，显示在岗位页面、筛选和对比中；不能与同一词表中的其他词重复。"),
    )
    slug = models.SlugField(
        _("URL 标识"),
        max_length=rules.SLUG_MAX,
        unique=True,
        validators=[ascii_slug],
        help_text=_("用于网址和筛选参数，例如 tech-company；改动会让旧的筛选链接失效。"),
    )
    english_name = models.CharField(
        _("英文名称"),
        max_length=rules.TERM_ENGLISH_NAME_MAX,
        help_text=_("英文界面显示的名称，由编辑翻译（原文只有中文）。"),
    )
    description = models.TextField(
        _("说明"),
        max_length=rules.TERM_DESCRIPTION_MAX,
        blank=True,
        help_text=_("可选：这个词包括什么，和相近的词如何区分；公司类型的说明显示在它的页面上。"),
    )

    search_fields = [
        index.SearchField("name"),
        index.SearchField("english_name"),
        index.AutocompleteField("name"),
        index.SearchField("search_words"),
        index.FilterField("slug"),
    ]

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def search_words(self):
        # The search backends do not split Chinese; see roles/catalogue/search.py.
        return segment(self.name)


class Skill(TaxonomyTerm, ClusterableModel):
    """A skill; a cluster so that editors attach its learning resources inline."""

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("english_name"),
        FieldPanel("description"),
        InlinePanel("resources", heading=_("学习资源"), label=_("学习资源")),
    ]

    class Meta(TaxonomyTerm.Meta):
        verbose_name = _("技能")
        verbose_name_plural = _("技能")


class SkillResource(Orderable):
    """A way to learn a skill, as an editor found and checked it."""

    skill = ParentalKey(Skill, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(_("标题"), max_length=120)
    url = models.URLField(_("链接"), max_length=500)
    kind = models.CharField(
        _("类型"), max_length=20, choices=ResourceKind.choices, default=ResourceKind.COURSE
    )
    free = models.BooleanField(_("免费"), default=True, help_text=_("不勾选表示需要付费。"))
    language = models.CharField(
        _("语言"), max_length=10, choices=ResourceLanguage.choices, default=ResourceLanguage.CHINESE
    )
    checked_on = models.DateField(
        _("链接检查日期"), help_text=_("最近一次确认链接可用、内容仍然适用的日期。")
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("url"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("language"), FieldPanel("free")]),
        FieldPanel("checked_on"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("学习资源")
        verbose_name_plural = _("学习资源")

    def __str__(self):
        return self.title


class CompanyType(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        verbose_name = _("公司类型")
        verbose_name_plural = _("公司类型")


class Background(TaxonomyTerm):
    """What a visitor brings from their current job (the article's "适合…转型" wording)."""

    skills = models.ManyToManyField(
        Skill,
        verbose_name=_("相关技能"),
        related_name="backgrounds",
        blank=True,
        help_text=_("具备这一背景的人通常已经掌握的技能。"),
    )

    class Meta(TaxonomyTerm.Meta):
        verbose_name = _("背景")
        verbose_name_plural = _("背景")


class RoleSkill(Orderable):
    """A role's link to a canonical skill; says whether the article asks for it or prefers it."""

    page = ParentalKey("roles.RolePage", on_delete=models.CASCADE, related_name="skill_links")
    skill = models.ForeignKey(
        Skill, verbose_name=_("技能"), on_delete=models.PROTECT, related_name="role_links"
    )
    level = models.CharField(
        _("要求"), max_length=10, choices=SkillLevel.choices, default=SkillLevel.ESSENTIAL
    )

    class Meta(Orderable.Meta):
        verbose_name = _("岗位技能")
        verbose_name_plural = _("岗位技能")
        constraints = [
            models.UniqueConstraint(fields=["page", "skill"], name="unique_role_skill"),
        ]

    def __str__(self):
        return f"{self.skill} ({self.get_level_display()})"

    @property
    def is_preferred(self):
        return self.level == SkillLevel.PREFERRED


class RoleCompanyType(Orderable):
    page = ParentalKey(
        "roles.RolePage", on_delete=models.CASCADE, related_name="company_type_links"
    )
    company_type = models.ForeignKey(
        CompanyType,
        verbose_name=_("公司类型"),
        on_delete=models.PROTECT,
        related_name="role_links",
    )

    class Meta(Orderable.Meta):
        verbose_name = _("可应聘的公司类型")
        verbose_name_plural = _("可应聘的公司类型")
        constraints = [
            models.UniqueConstraint(
                fields=["page", "company_type"], name="unique_role_company_type"
            ),
        ]

    def __str__(self):
        return str(self.company_type)
