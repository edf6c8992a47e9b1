"""The typed sections an editor may add to a role page (RolePage.body), each with its sources.

A section is one StructBlock with its own template (templates/roles/blocks/). A role has at most
one section of each type, and they are shown in SECTION_ORDER whatever order the editor added
them in: a visitor finds 薪资参考 in the same place on every role page. Every section that states
facts carries a list of sources (at least one; title, link, date consulted), shown as numbered
references under it. 学习资源 has none of its own: each resource is a link, with the date it was
checked.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

from .taxonomy import ResourceKind, ResourceLanguage


def year_before(day):
    """The same date a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def is_dated(day, today=None):
    """Older than twelve months: a figure or a source an editor should check again."""
    if not isinstance(day, datetime.date):
        return False
    return day < year_before(today or timezone.localdate())


class SourceBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("来源标题"), max_length=200, search_index=False)
    url = blocks.URLBlock(label=_("链接"), max_length=500)
    consulted = blocks.DateBlock(
        label=_("查阅日期"), help_text=_("最近一次打开并核对这个来源的日期。")
    )

    class Meta:
        label = _("来源")
        icon = "link"


def sources():
    return blocks.ListBlock(
        SourceBlock(),
        min_num=1,
        label=_("来源"),
        help_text=_("至少一条：这一栏内容依据的资料，页面上显示为编号参考。"),
    )


class SectionBlock(blocks.StructBlock):
    """What every section shares."""

    # The child whose items make the section: a section without any is not shown.
    items_name = None
    cites_sources = True


class DailyWorkBlock(SectionBlock):
    items_name = "tasks"
    tasks = blocks.ListBlock(
        blocks.CharBlock(label=_("任务"), max_length=200),
        min_num=1,
        label=_("日常任务"),
        help_text=_("每条一件事，例如“与业务方确认需求并拆解成标注规范”。"),
    )
    sources = sources()

    class Meta:
        label = _("日常工作")
        icon = "list-ul"
        template = "roles/blocks/daily_work.html"


class RouteKind:
    CHOICES = [
        ("education", _("学历教育")),
        ("certificate", _("证书")),
        ("portfolio", _("作品集")),
        ("career_change", _("从其他岗位转入")),
    ]


class RouteBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(choices=RouteKind.CHOICES, label=_("途径"), search_index=False)
    text = blocks.TextBlock(label=_("说明"), max_length=300, rows=2)

    class Meta:
        label = _("途径")


class EntryRoutesBlock(SectionBlock):
    items_name = "routes"
    routes = blocks.ListBlock(RouteBlock(), min_num=1, label=_("入行途径"))
    sources = sources()

    class Meta:
        label = _("入行路径")
        icon = "pick"
        template = "roles/blocks/entry_routes.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        labels = dict(RouteKind.CHOICES)
        context["routes"] = [(labels.get(r["kind"], r["kind"]), r["text"]) for r in value["routes"]]
        return context


class NextRoleBlock(blocks.StructBlock):
    role = blocks.PageChooserBlock(page_type="roles.RolePage", label=_("岗位"))
    note = blocks.CharBlock(
        label=_("说明"),
        max_length=200,
        required=False,
        help_text=_("例如“积累两到三年项目经验后”。"),
    )

    class Meta:
        label = _("下一步岗位")


class CareerPathBlock(SectionBlock):
    items_name = "next_roles"
    next_roles = blocks.ListBlock(NextRoleBlock(), min_num=1, label=_("下一步岗位"))
    sources = sources()

    class Meta:
        label = _("职业发展")
        icon = "arrow-right"
        template = "roles/blocks/career_path.html"


class ResourceBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("标题"), max_length=120)
    url = blocks.URLBlock(label=_("链接"), max_length=500)
    kind = blocks.ChoiceBlock(
        choices=ResourceKind.choices,
        default=ResourceKind.COURSE,
        label=_("类型"),
        search_index=False,
    )
    free = blocks.BooleanBlock(
        label=_("免费"), required=False, default=True, help_text=_("不勾选表示需要付费。")
    )
    language = blocks.ChoiceBlock(
        choices=ResourceLanguage.choices,
        default=ResourceLanguage.CHINESE,
        label=_("语言"),
        search_index=False,
    )
    checked_on = blocks.DateBlock(
        label=_("链接检查日期"), help_text=_("最近一次确认链接可用、内容仍然适用的日期。")
    )

    class Meta:
        label = _("学习资源")


class LearningResourcesBlock(SectionBlock):
    items_name = "resources"
    cites_sources = False  # each resource is a link of its own, with the date it was checked
    resources = blocks.ListBlock(ResourceBlock(), min_num=1, label=_("学习资源"))

    class Meta:
        label = _("学习资源")
        icon = "doc-full"
        template = "roles/blocks/learning_resources.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        kinds, languages = dict(ResourceKind.choices), dict(ResourceLanguage.choices)
        context["resources"] = [
            {
                **dict(resource),
                "kind_label": kinds.get(resource["kind"], resource["kind"]),
                "language_label": languages.get(resource["language"], resource["language"]),
            }
            for resource in value["resources"]
        ]
        return context


CURRENCIES = [
    ("CNY", _("人民币")),
    ("USD", _("美元")),
    ("EUR", _("欧元")),
    ("GBP", _("英镑")),
    ("HKD", _("港币")),
    ("JPY", _("日元")),
    ("SGD", _("新加坡元")),
]
PERIODS = [
    ("month", _("每月")),
    ("year", _("每年")),
    ("day", _("每天")),
    ("hour", _("每小时")),
]


class SalaryRowBlock(blocks.StructBlock):
    city = blocks.CharBlock(label=_("城市"), max_length=40)
    minimum = blocks.IntegerBlock(label=_("最低"), min_value=0)
    maximum = blocks.IntegerBlock(label=_("最高"), min_value=0)
    currency = blocks.ChoiceBlock(
        choices=CURRENCIES, default="CNY", label=_("币种"), search_index=False
    )
    period = blocks.ChoiceBlock(
        choices=PERIODS, default="month", label=_("计薪周期"), search_index=False
    )
    as_of = blocks.DateBlock(
        label=_("数据日期"),
        help_text=_(
            "这组数字所描述的时间（例如报告的发布日期）。超过十二个月的在页面上标为“数据较旧”。"
        ),
    )

    class Meta:
        label = _("薪资")

    def clean(self, value):
        value = super().clean(value)
        low, high = value.get("minimum"), value.get("maximum")
        if low is not None and high is not None and high < low:
            raise StructBlockValidationError(
                block_errors={"maximum": ValidationError(_("最高值不能低于最低值。"))}
            )
        return value


class SalaryBlock(SectionBlock):
    items_name = "rows"
    rows = blocks.ListBlock(SalaryRowBlock(), min_num=1, label=_("薪资范围"))
    sources = sources()

    class Meta:
        label = _("薪资参考")
        icon = "table"
        template = "roles/blocks/salary.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        currencies, periods = dict(CURRENCIES), dict(PERIODS)
        context["rows"] = [
            {
                **dict(row),
                "currency_label": currencies.get(row["currency"], row["currency"]),
                "period_label": periods.get(row["period"], row["period"]),
                "dated": is_dated(row["as_of"]),
            }
            for row in value["rows"]
        ]
        return context


class QuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("问题"), max_length=200)
    answer = blocks.TextBlock(label=_("回答"), max_length=1000)

    class Meta:
        label = _("问答")


class FAQBlock(SectionBlock):
    items_name = "questions"
    questions = blocks.ListBlock(QuestionBlock(), min_num=1, label=_("问答"))
    sources = sources()

    class Meta:
        label = _("常见问题")
        icon = "help"
        template = "roles/blocks/faq.html"


class RoleBodyBlock(blocks.StreamBlock):
    # The order here is the order on the page.
    daily_work = DailyWorkBlock()
    entry_routes = EntryRoutesBlock()
    career_path = CareerPathBlock()
    learning_resources = LearningResourcesBlock()
    salary = SalaryBlock()
    faq = FAQBlock()

    class Meta:
        block_counts = {
            name: {"max_num": 1}
            for name in (
                "daily_work",
                "entry_routes",
                "career_path",
                "learning_resources",
                "salary",
                "faq",
            )
        }


SECTION_ORDER = list(RoleBodyBlock.base_blocks)

# The words of each section that search indexes, as (list, field) in its raw (JSON) value:
# read without turning the value into blocks, which would look up every chosen page.
SECTION_TEXT = {
    "daily_work": [("tasks", None)],
    "entry_routes": [("routes", "text")],
    "career_path": [("next_roles", "note")],
    "learning_resources": [("resources", "title")],
    "salary": [("rows", "city")],
    "faq": [("questions", "question"), ("questions", "answer")],
}


def item_values(items):
    """The values of a ListBlock's raw items ({"type": "item", "value": …} or plain values)."""
    for item in items or ():
        if isinstance(item, dict) and item.get("type") == "item" and "value" in item:
            yield item["value"]
        else:
            yield item


def raw_section_text(raw_body):
    """The searchable words of a body's raw data, in display order, as one string."""
    texts = []
    for section in sorted(
        (s for s in raw_body or () if s.get("type") in SECTION_TEXT),
        key=lambda s: SECTION_ORDER.index(s["type"]),
    ):
        value = section.get("value") or {}
        for list_name, field in SECTION_TEXT[section["type"]]:
            for item in item_values(value.get(list_name)):
                text = item if field is None else (item or {}).get(field)
                if isinstance(text, str) and text.strip():
                    texts.append(text.strip())
    return "\n".join(texts)


def raw_next_role_ids(raw_body):
    """Ids of the roles a body's 职业发展 section links to, in its order."""
    ids = []
    for section in raw_body or ():
        if section.get("type") != "career_path":
            continue
        for item in item_values((section.get("value") or {}).get("next_roles")):
            role_id = (item or {}).get("role")
            if isinstance(role_id, int) and role_id not in ids:
                ids.append(role_id)
    return ids


class Section:
    """One filled section of a role page as the page shows it: its place in the fixed order,
    its anchor, and its sources numbered on from the sections above it. `raw` is its stored
    (JSON) value, which the API reads; `value`, the blocks' own, is made only when used (for a
    职业发展 section that costs a query for the chosen pages)."""

    def __init__(self, body, index, first_ref, next_roles=None):
        self._body, self._index = body, index
        self.raw = body.raw_data[index].get("value") or {}
        self.name = body.raw_data[index]["type"]
        self.block = body.stream_block.child_blocks[self.name]
        self.label = self.block.label
        self.anchor = "section-" + self.name.replace("_", "-")
        self.first_ref = first_ref
        self.next_roles = next_roles or []
        self.source_count = len(self.raw_sources)

    @property
    def child(self):
        return self._body[self._index]

    @property
    def value(self):
        return self.child.value

    @property
    def raw_sources(self):
        return list(item_values(self.raw.get("sources"))) if self.block.cites_sources else []

    @property
    def references(self):
        sources = self.value.get("sources") or [] if self.block.cites_sources else []
        return [(self.first_ref + i, source) for i, source in enumerate(sources)]


def role_sections(body, visible_roles=None):
    """The filled sections of a role's `body`, in SECTION_ORDER. `visible_roles` ({id: role}):
    the roles a 职业发展 section may link to; the others (drafts, private roles) are left out."""
    visible_roles = visible_roles or {}
    first = {}
    for index, raw in enumerate(body.raw_data if body else ()):
        first.setdefault(raw.get("type"), index)  # one of each; a stray second one is ignored
    sections, next_ref = [], 1
    for name in SECTION_ORDER:
        index = first.get(name)
        if index is None:
            continue
        raw = body.raw_data[index].get("value") or {}
        items = list(item_values(raw.get(body.stream_block.child_blocks[name].items_name)))
        next_roles = None
        if name == "career_path":
            items = next_roles = [
                (visible_roles[item["role"]], item.get("note") or "")
                for item in items
                if isinstance(item, dict) and item.get("role") in visible_roles
            ]
        if not items:
            continue
        section = Section(body, index, next_ref, next_roles)
        next_ref += section.source_count
        sections.append(section)
    return sections


def raw_filled_sections(raw_body):
    """Names of the sections of a body's stored data that have content."""
    filled = set()
    for section in raw_body or ():
        name = section.get("type")
        block = RoleBodyBlock.base_blocks.get(name)
        if block is not None and any(
            item_values((section.get("value") or {}).get(block.items_name))
        ):
            filled.add(name)
    return filled


def raw_dated_sources(raw_body, today=None):
    """(section name, title, date) of each source, and each learning resource's link, of a
    body's stored data that was last checked more than twelve months ago."""
    dated = []
    for section in raw_body or ():
        name, value = section.get("type"), section.get("value") or {}
        if name == "learning_resources":
            entries = [
                (r.get("title"), r.get("checked_on"))
                for r in item_values(value.get("resources"))
                if r
            ]
        else:
            entries = [
                (s.get("title"), s.get("consulted")) for s in item_values(value.get("sources")) if s
            ]
        for title, day in entries:
            try:
                day = datetime.date.fromisoformat(day)
            except (TypeError, ValueError):
                continue
            if is_dated(day, today):
                dated.append((name, title or "", day))
    return dated
