import json

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, Coalesce, RowNumber
from django.db.models.lookups import StartsWith
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    MultiFieldPanel,
    MultipleChooserPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.fields import StreamField
from wagtail.models import Page, PageManager, PageViewRestriction, ReferenceIndex
from wagtail.query import PageQuerySet
from wagtail.search import index

from roles import rules
from roles.catalogue.search import SearchIndexed, segment
from roles.catalogue.text import index_tokens
from roles.choices import SkillLevel, ThresholdLevel
from roles.editorial.forms import RoleCategoryPageForm, RolePageForm
from roles.editorial.panels import AudiencePanel

from .blocks import RoleBodyBlock, raw_next_role_ids, raw_section_text, role_sections
from .names import DisplayNameMixin
from .subscriptions import Subscriber
from .taxonomy import CompanyType, RoleCompanyType, RoleSkill, Skill

# What must not appear raw inside a <script> element.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def split_lines(text):
    """The non-blank lines of a one-per-line field (a role's synonyms), stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


class CataloguePageQuerySet(PageQuerySet):
    def visible(self):
        """What the public may see: live pages outside every view-restricted section (password,
        login or group restrictions apply to the page and all below it). The one rule for
        listings, counts, feeds, mail, search and the downloads.

        The same pages as Wagtail's `.live().public()` (which the sitemap uses), but as one SQL
        condition: `.public()` reads the restrictions when it is called, so a queryset made at
        import time would keep old ones, and each use (also inside a count's subquery) costs a
        query. Here a page is private if a restricted page's path is a prefix of its own."""
        path = ExpressionWrapper(OuterRef("path"), output_field=models.CharField())
        restricted = PageViewRestriction.objects.filter(StartsWith(path, F("page__path")))
        return self.live().exclude(Exists(restricted))


CataloguePageManager = PageManager.from_queryset(CataloguePageQuerySet)


class OneQueryViewRestrictions:
    """Wagtail's get_view_restrictions (those of the page and its ancestors, an alias taking its
    original's), read in one query instead of two: the ancestors' paths are the prefixes of the
    page's own. Every page served asks for them (wagtail_hooks.check_view_restrictions)."""

    def get_view_restrictions(self):
        paths = [self.path[:end] for end in range(self.steplen, len(self.path) + 1, self.steplen)]
        sources = Page.objects.filter(path__in=paths).values(source=Coalesce("alias_of_id", "id"))
        return PageViewRestriction.objects.filter(page_id__in=sources)


class RoleIndexPage(OneQueryViewRestrictions, SearchIndexed, Page):
    """The catalogue's home, at the site root."""

    objects = CataloguePageManager()

    intro = models.TextField(
        _("本站介绍"),
        max_length=rules.INDEX_INTRO_MAX,
        blank=True,
        help_text=_("首页标题下的一段话，用本站自己的口吻介绍网站；不要引用原文。"),
    )
    intro_en = models.TextField(
        _("本站介绍（英文）"),
        max_length=rules.INDEX_INTRO_MAX,
        blank=True,
        help_text=_("英文界面显示的本站介绍。"),
    )
    source_title = models.CharField(
        _("来源文章标题"), max_length=rules.SOURCE_TITLE_MAX, blank=True
    )
    source_author = models.CharField(
        _("来源文章作者"), max_length=rules.SOURCE_AUTHOR_MAX, blank=True
    )
    source_publisher = models.CharField(
        _("来源文章发布平台"),
        max_length=rules.SOURCE_PUBLISHER_MAX,
        blank=True,
        help_text=_("例如 人人都是产品经理。"),
    )
    source_url = models.URLField(_("来源文章链接"), blank=True)
    source_published = models.DateField(_("来源文章发布日期"), null=True, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("intro_en"),
        MultiFieldPanel(
            [
                FieldPanel("source_title"),
                FieldRowPanel([FieldPanel("source_author"), FieldPanel("source_publisher")]),
                FieldRowPanel([FieldPanel("source_published"), FieldPanel("source_url")]),
            ],
            heading=_("内容来源"),
            help_text=_("页脚的来源说明和开放数据页的使用条件由这些字段生成。"),
        ),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["roles.RoleCategoryPage"]
    max_count = 1

    class Meta:
        verbose_name = _("岗位图谱首页")

    @property
    def display_intro(self):
        """The site's introduction in the interface language (Chinese where no English one)."""
        return (get_language() == "en" and self.intro_en) or self.intro

    @property
    def display_intro_lang(self):
        return "en" if get_language() == "en" and self.intro_en else "zh-Hans"

    def route(self, request, path_components):
        # A role's URL (category/role/) is read in one query, the role with its category: its
        # url_path is this page's plus both slugs. Anything else, or a role whose category link
        # is not its parent, goes the usual way, one level at a time.
        if len(path_components) == 2:
            url_path = f"{self.url_path}{path_components[0]}/{path_components[1]}/"
            role = (
                RolePage.objects.descendant_of(self)
                .filter(url_path=url_path, depth=self.depth + 2)
                .select_related("category")
                .first()
            )
            if role is not None and role.category.path == role.path[: -role.steplen]:
                role.category._cached_parent_obj = self
                role._cached_parent_obj = role.category
                return role.route(request, [])
        # A category is read with its own fields in one query (Wagtail's route reads the page,
        # then its specific fields).
        if path_components:
            try:
                category = RoleCategoryPage.objects.child_of(self).get(slug=path_components[0])
            except RoleCategoryPage.DoesNotExist:
                return super().route(request, path_components)  # another kind of page, or 404
            category._cached_parent_obj = self
            return category.route(request, path_components[1:])
        return super().route(request, path_components)

    def categories(self, roles_each=12):
        """The live categories with their role counts and their first `roles_each` roles (as
        `first_roles`): two queries, however many roles there are."""
        categories = list(
            RoleCategoryPage.objects.child_of(self)
            .visible()
            .annotate(role_count=RolePage.visible_count("roles"))
            .order_by("sort_order", "path")
        )
        first = (
            RolePage.objects.visible()
            .filter(category__in=categories)
            .annotate(
                rank=Window(RowNumber(), partition_by=F("category_id"), order_by=F("path").asc())
            )
            .filter(rank__lte=roles_each)
            .only("id", "title", "english_name", "url_path", "path", "depth", "category_id")
            .order_by("path")
        )
        by_category = {}
        for role in first:
            by_category.setdefault(role.category_id, []).append(role)
        for category in categories:
            category.first_roles = by_category.get(category.pk, [])
        return categories

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["home"] = HomeContent(self)
        return context

    def overview(self, categories, columns=8):
        """The company-type × category map: how many visible roles each of the company types
        that hire most has in each category."""
        cells = (
            RoleCompanyType.objects.filter(page__in=RolePage.objects.visible().values("pk"))
            .values("company_type_id", "page__category_id")
            .annotate(n=Count("page_id", distinct=True))
        )
        counts = {(row["company_type_id"], row["page__category_id"]): row["n"] for row in cells}
        totals = {}
        for (company_type_id, _category), n in counts.items():
            totals[company_type_id] = totals.get(company_type_id, 0) + n
        top = sorted(totals, key=lambda pk: -totals[pk])[:columns]
        names = CompanyType.objects.in_bulk(top)
        peak = max(counts.values(), default=1)
        return {
            "company_types": [names[pk] for pk in top],
            "rows": [
                (
                    category,
                    [
                        (
                            names[pk],
                            counts.get((pk, category.pk), 0),
                            min(4, -(-4 * counts.get((pk, category.pk), 0) // peak)),
                        )
                        for pk in top
                    ],
                )
                for category in categories
            ],
        }


class HomeContent:
    """What the home page shows, computed when first read: the template keeps its markup in the
    fragment cache ({% kept %}), and a home page rendered from there reads none of it."""

    def __init__(self, page):
        self.page = page

    @cached_property
    def categories(self):
        return self.page.categories()

    @cached_property
    def role_total(self):
        return sum(category.role_count for category in self.categories)

    @cached_property
    def overview(self):
        return self.page.overview(self.categories)


class RoleCategoryPage(OneQueryViewRestrictions, SearchIndexed, DisplayNameMixin, Page):
    objects = CataloguePageManager()

    english_name = models.CharField(
        _("英文名称"),
        max_length=rules.CATEGORY_ENGLISH_NAME_MAX,
        help_text=_("英文界面显示的类别名称，由编辑翻译（原文只有中文）。"),
    )
    intro = models.TextField(
        _("类别概述"),
        max_length=rules.CATEGORY_TEXT_MAX,
        help_text=_("文章对这一类岗位的总结段落。"),
    )
    suits = models.TextField(
        _("适合转型的人群"),
        max_length=rules.CATEGORY_TEXT_MAX,
        help_text=_("文章中“适合……转型”的原句。"),
    )
    threshold_text = models.TextField(
        _("门槛说明"), max_length=rules.CATEGORY_TEXT_MAX, help_text=_("文章中关于门槛的原句。")
    )
    threshold_level = models.CharField(
        _("门槛高低"),
        max_length=20,
        choices=ThresholdLevel.choices,
        blank=True,
        help_text=_("仅在文章明确说明时填写（较高 / 相对较高 / 适中）。"),
    )
    sort_order = models.PositiveSmallIntegerField(
        _("显示顺序"), default=0, help_text=_("首页和筛选中类别的先后，数字小的在前。")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("english_name"),
        FieldPanel("intro"),
        FieldPanel("suits"),
        FieldRowPanel([FieldPanel("threshold_level"), FieldPanel("sort_order")]),
        FieldPanel("threshold_text"),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.FilterField("threshold_level"),
    ]

    parent_page_types = ["roles.RoleIndexPage"]
    subpage_types = ["roles.RolePage"]
    base_form_class = RoleCategoryPageForm

    class Meta:
        verbose_name = _("岗位类别")
        verbose_name_plural = _("岗位类别")

    def route(self, request, path_components):
        # A role is read with its own fields in one query, and knows its category (this page)
        # and parent without another.
        if len(path_components) == 1:
            try:
                role = RolePage.objects.child_of(self).get(slug=path_components[0])
            except RolePage.DoesNotExist:
                return super().route(request, path_components)
            role._cached_parent_obj = self
            if role.category_id == self.pk:
                role.category = self
            return role.route(request, [])
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        roles = RolePage.objects.child_of(self).visible().for_cards()
        # Not read here: where every card is kept, the cards need only the roles' ids.
        context["roles"] = roles[:CARDS_SHOWN]
        context["role_count"] = roles.count()
        context["cards_shown"] = CARDS_SHOWN
        return context


# Cards a page shows at most outside the paginated listing (a category, a skill): the page weighs
# the same at 45 roles and at 5,000, and links to the listing for the rest.
CARDS_SHOWN = 24
LISTING_PREFETCH = (
    Prefetch("skill_links", queryset=RoleSkill.objects.select_related("skill")),
    Prefetch("company_type_links", queryset=RoleCompanyType.objects.select_related("company_type")),
)


class RolePageQuerySet(CataloguePageQuerySet):
    def for_listing(self):
        """Everything a role card shows, in a constant number of queries, in catalogue order."""
        return self.select_related("category").prefetch_related(*LISTING_PREFETCH).order_by("path")

    def for_cards(self):
        """Roles to show as cards: their taxonomy links are read only for cards that are not in
        the fragment cache (roles/catalogue/fragments.py)."""
        return self.select_related("category").order_by("path")


RolePageManager = PageManager.from_queryset(RolePageQuerySet)


class RolePage(OneQueryViewRestrictions, SearchIndexed, DisplayNameMixin, Page):
    english_name = models.CharField(
        _("英文名称"),
        max_length=rules.ROLE_ENGLISH_NAME_MAX,
        blank=True,
        help_text=_("由编辑翻译，例如 Prompt Engineer；页面和开放数据中标为编辑添加。"),
    )
    synonyms = models.TextField(
        _("别名"),
        blank=True,
        help_text=_(
            "每行一个，供搜索使用，例如“提示词工程师”。别名由编辑添加（不是原文），"
            "页面和开放数据中标为编辑添加。"
        ),
    )
    definition = models.TextField(
        _("角色定义"),
        max_length=rules.ROLE_TEXT_MAX,
        help_text=_("文章中“角色定义”的原句，保持原文措辞；列表和搜索结果显示它的开头。"),
    )
    skills_text = models.TextField(
        _("核心技能（原文）"),
        max_length=rules.ROLE_TEXT_MAX,
        help_text=_("文章中的原句，保持原样。"),
    )
    company_types_text = models.TextField(
        _("可应聘的公司类型（原文）"),
        max_length=rules.ROLE_TEXT_MAX,
        help_text=_("文章中的原句，包括括号中的限定。"),
    )
    editor_notes = models.TextField(
        _("编辑备注"),
        blank=True,
        help_text=_("只在后台可见：与原文核对的情况、待办事项、给审核人的说明。"),
    )
    body = StreamField(
        RoleBodyBlock(),
        blank=True,
        verbose_name=_("栏目"),
        help_text=_(
            "可选：日常工作、入行路径、职业发展、学习资源、薪资参考、常见问题，每种最多一个；"
            "页面上总按这个顺序显示。陈述事实的栏目必须注明来源。"
        ),
    )
    # The parent category, kept in step with the page tree (see save() and signal_handlers.py)
    # so that listings can filter and show it without walking the tree.
    category = models.ForeignKey(
        "roles.RoleCategoryPage",
        on_delete=models.SET_NULL,
        related_name="roles",
        editable=False,
        null=True,
    )

    objects = RolePageManager()
    base_form_class = RolePageForm

    @classmethod
    def visible_count(cls, path):
        """Count(...) of the distinct visible roles reached through `path` (e.g. "role_links__page"
        from a term): the visible() rule as a subquery, for counts made through joins."""
        visible = Q(**{f"{path}__in": cls.objects.visible().values("pk")})
        return Count(path, filter=visible, distinct=True)

    content_panels = [
        AudiencePanel(),
        *Page.content_panels,
        FieldPanel("english_name"),
        FieldPanel("synonyms"),
        FieldPanel("definition"),
    ]
    taxonomy_panels = [
        MultipleChooserPanel(
            "skill_links",
            chooser_field_name="skill",
            heading=_("核心技能"),
            label=_("技能"),
        ),
        FieldPanel("skills_text"),
        MultipleChooserPanel(
            "company_type_links",
            chooser_field_name="company_type",
            heading=_("可应聘的公司类型"),
            label=_("公司类型"),
        ),
        FieldPanel("company_types_text"),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("内容")),
            ObjectList(taxonomy_panels, heading=_("技能与公司类型")),
            ObjectList([FieldPanel("body")], heading=_("栏目与来源")),
            ObjectList(Page.promote_panels, heading=_("推广")),
            ObjectList([FieldPanel("editor_notes"), *Page.settings_panels], heading=_("设置")),
        ]
    )

    search_fields = [
        *Page.search_fields,
        index.SearchField("english_name", boost=3),
        index.SearchField("search_title_words", boost=4),
        index.SearchField("search_body_words"),
        index.SearchField("search_pinyin"),
        index.SearchField("search_section_words"),
        index.AutocompleteField("english_name"),
        index.FilterField("category"),
    ]

    parent_page_types = ["roles.RoleCategoryPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")

    def save(self, *args, **kwargs):
        if self.path and self.depth > 1:
            self.category_id = self.get_parent().pk
        return super().save(*args, **kwargs)

    # What search indexes: jieba-segmented words, since the backends do not split Chinese.
    def search_title_words(self):
        return segment(" ".join([self.title, *self.synonym_list]))

    def search_body_words(self):
        skills = " ".join(self.skill_names())
        return segment(" ".join([self.definition, self.skills_text, skills]))

    def search_section_words(self):
        return segment(raw_section_text(self.body.raw_data))

    def search_pinyin(self):
        """Pinyin of the role's names and skills, so that `tishi` or `tsgcs` finds 提示工程师."""
        names = [self.title, *self.synonym_list, *self.skill_names()]
        return " ".join(index_tokens(name) for name in names)

    def skill_names(self):
        """The names of the role's skills, in link order, for the search index: one query for the
        skills not already loaded with their links (the index reads them on every save, where a
        query per link was most of the time a catalogue load spent indexing)."""
        links = list(self.skill_links.all())
        loaded = [link for link in links if RoleSkill.skill.is_cached(link)]
        names = {link.skill_id: link.skill.name for link in loaded}
        missing = [link.skill_id for link in links if link.skill_id not in names]
        names.update(Skill.objects.filter(pk__in=missing).values_list("pk", "name"))
        return [names.get(link.skill_id, "") for link in links]

    @property
    def synonym_list(self):
        return split_lines(self.synonyms)

    @cached_property
    def skills(self):
        """Skill links, essential before preferred, each in the article's order."""
        links = sorted(self.skill_links.all(), key=lambda link: link.sort_order or 0)
        return sorted(links, key=lambda link: link.level != SkillLevel.ESSENTIAL)

    @property
    def has_preferred_skills(self):
        return any(link.is_preferred for link in self.skills)

    @cached_property
    def company_types(self):
        links = sorted(self.company_type_links.all(), key=lambda link: link.sort_order or 0)
        return [link.company_type for link in links]

    def first_publication_audience(self, category_id):
        """How many confirmed subscribers this role's first publication would reach in the
        category `category_id`, with the company types linked so far (for the editor's panel,
        roles.editorial.panels)."""
        company_types = [link.company_type_id for link in self.company_type_links.all()]
        return Subscriber.objects.confirmed().interested_in(category_id, company_types).count()

    def get_context(self, request, *args, **kwargs):
        """Only what the page's frame needs: the content and its JSON-LD are rendered by
        content_context() and structured_data(), through the fragment cache (the role_page_body
        and role_structured_data tags), so a page served from it reads neither."""
        context = super().get_context(request, *args, **kwargs)
        # An unsaved page being previewed has no category yet; its parent is the category.
        context["category"] = self.category or self.get_parent().specific
        return context

    def load_links(self, request):
        """Read the skill and company-type links in one query each (once per request). A
        preview's links live in memory, unsaved, and are left as they are."""
        if not getattr(request, "is_preview", False):
            prefetch_related_objects([self], *LISTING_PREFETCH)

    def content_context(self, request):
        """What roles/role_page_body.html reads beyond the page and its category."""
        self.load_links(request)
        return {"sections": self.sections(), "next_steps": self.next_step_from()}

    def sections(self):
        """The editor's filled sections, in the fixed order (see blocks.SECTION_ORDER)."""
        ids = raw_next_role_ids(self.body.raw_data)
        visible = RolePage.objects.visible().filter(pk__in=ids).in_bulk() if ids else {}
        return role_sections(self.body, visible)

    def next_step_from(self):
        """The visible roles whose 职业发展 section names this role as a next step, in catalogue
        order: one query, through Wagtail's reference index (which holds what each page's live
        content links to), whatever number of roles point here."""
        if not self.pk:
            return []
        page_type = ContentType.objects.get_for_model(Page)
        linking = ReferenceIndex.objects.filter(
            base_content_type=page_type,
            to_content_type=page_type,
            to_object_id=str(self.pk),
            model_path__startswith="body.career_path.",
        ).values(role_id=Cast("object_id", models.IntegerField()))
        return list(
            RolePage.objects.visible()
            .filter(pk__in=linking)
            .exclude(pk=self.pk)
            .select_related("category")
            .order_by("path")
        )

    def structured_data(self, request, category, sections=()):
        """schema.org Occupation as JSON-LD, safe to place inside a <script> element."""
        data = {
            "@context": "https://schema.org",
            "@type": "Occupation",
            "name": self.title,
            "description": self.definition,
            "occupationalCategory": category.title,
            "skills": [link.skill.name for link in self.skills],
            "url": self.get_full_url(request),
        }
        names = [n for n in [self.english_name, *self.synonym_list] if n]
        if names:
            data["alternateName"] = names
        if category.suits:
            data["qualifications"] = category.suits
        faq = next((section for section in sections if section.name == "faq"), None)
        if faq is not None:
            # One script holds both: the page is about an occupation and answers questions on it.
            del data["@context"]
            data = {
                "@context": "https://schema.org",
                "@graph": [
                    data,
                    {
                        "@type": "FAQPage",
                        "url": data["url"],
                        "mainEntity": [
                            {
                                "@type": "Question",
                                "name": item["question"],
                                "acceptedAnswer": {"@type": "Answer", "text": item["answer"]},
                            }
                            for item in faq.value["questions"]
                        ],
                    },
                ],
            }
        text = json.dumps(data, ensure_ascii=False)
        return mark_safe(text.translate(JSON_SCRIPT_ESCAPES))  # noqa: S308  (escaped just above)
