"""The one rule set for a role, a category and a term: limits, slugs (their pattern and the ones
the site's own URLs reserve), uniqueness, what a role must link to, and the bounds on a data file.

Every way content comes in obeys it: the admin's page forms (roles/editorial/forms.py;
Wagtail's API v3 writes go through the same forms), the term models' fields (their
`max_length` is read from here), and the data file and its CSV (roles/datafile/catalogue.py),
whose shape is the pydantic model `CatalogueFile` below. So nothing an import accepts is refused
by the editor's form, and the reverse: a role saved in the admin exports and imports again.

A broken rule is a `RuleError` with its message in the interface language; the file's loaders
turn each into a `Problem` that says where it is ("categories[0].roles[3].title",
"第 3 行 title 列").
This module imports no models: the models and the forms import it.
"""

import datetime
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .choices import SkillLevel, ThresholdLevel

FORMAT = "ai-roles-catalogue"
VERSION = 1

# Limits, in characters unless they say otherwise. Where a model field stores the value, that
# field's max_length is the same constant (models/pages.py, models/taxonomy.py).
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX = 60
ROLE_TITLE_MAX = 40
ROLE_ENGLISH_NAME_MAX = 120
ROLE_TEXT_MAX = 300  # definition, skills_text, company_types_text
SYNONYMS_MAX = 10  # synonyms per role
SYNONYM_MAX = 40
SKILLS_MAX = 20  # skill links per role
COMPANY_TYPES_MAX = 20  # company-type links per role
CATEGORY_TITLE_MAX = 40
CATEGORY_TEXT_MAX = 1000  # intro, suits, threshold_text
CATEGORY_ENGLISH_NAME_MAX = 100
SORT_ORDER_MAX = 32767  # a PositiveSmallIntegerField
INDEX_TITLE_MAX = 255
INDEX_INTRO_MAX = 2000
SOURCE_TITLE_MAX = 200
SOURCE_AUTHOR_MAX = 100
SOURCE_PUBLISHER_MAX = 100
URL_MAX = 200
TERM_NAME_MAX = 60
TERM_ENGLISH_NAME_MAX = 100
TERM_DESCRIPTION_MAX = 1000
# A data file: its size, and how deeply its JSON may nest (the format itself needs 7 levels:
# file → categories → category → roles → role → skills → skill link).
FILE_MAX_BYTES = 5 * 1024 * 1024
NESTING_MAX = 10

_SLUG = re.compile(SLUG_PATTERN)


class RuleError(ValueError):
    """A value breaks a rule; the message is in the interface language."""


def shown(value, limit=30):
    """A value quoted in a message, cut short: a message never repeats a megabyte of input."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def too_long_message(limit, length):
    return _("最多 %(limit)d 个字（现在 %(length)d 个）。") % {"limit": limit, "length": length}


def check_text(value, limit, *, required=True):
    """A text field: not empty when required, at most `limit` characters, no NUL character
    (PostgreSQL refuses it in any text, and Django's forms refuse it too)."""
    if required and not value.strip():
        raise RuleError(_("不能为空。"))
    if len(value) > limit:
        raise RuleError(too_long_message(limit, len(value)))
    if "\x00" in value:
        raise RuleError(_("不能包含空字符（NUL）。"))
    return value


def check_slug(value):
    if len(value) > SLUG_MAX:
        raise RuleError(too_long_message(SLUG_MAX, len(value)))
    if not _SLUG.match(value):
        raise RuleError(
            _("URL 标识“%(slug)s”只能使用小写英文字母、数字和连字符，例如 tech-company。")
            % {"slug": shown(value)}
        )
    return value


@lru_cache(maxsize=1)
def reserved_slugs():
    """The first path segments the site's own URLs use (roles/, skills/, compare/, admin/ …),
    read from the URLconf so that a new path reserves its name at once. A category lives at
    /<slug>/, so a category with one of these slugs would be hidden behind that view."""
    reserved = set()

    def collect(patterns):
        for pattern in patterns:
            route = str(pattern.pattern).lstrip("^")
            if isinstance(pattern, URLResolver) and route == "":
                collect(pattern.url_patterns)  # an include() at the root: its own paths
                continue
            first = route.split("/", 1)[0]
            if isinstance(pattern, URLPattern | URLResolver) and re.fullmatch(r"[\w.-]+", first):
                reserved.add(first)

    collect(get_resolver().url_patterns)
    for prefix in (settings.STATIC_URL, settings.MEDIA_URL):
        if prefix:
            reserved.add(str(prefix).strip("/").split("/", 1)[0])
    return frozenset(name for name in reserved if name)


def check_category_slug(value):
    check_slug(value)
    if value in reserved_slugs():
        raise RuleError(
            _("URL 标识“%(slug)s”已被网站自己的地址 /%(slug)s/ 使用，请换一个。") % {"slug": value}
        )
    return value


def check_synonyms(names):
    """A role's synonyms (one per line in the form): how many, how long, one line each."""
    problems = []
    if len(names) > SYNONYMS_MAX:
        problems.append(
            _("别名最多 %(limit)d 个（现在 %(count)d 个）。")
            % {"limit": SYNONYMS_MAX, "count": len(names)}
        )
    too_long = [name for name in names if len(name) > SYNONYM_MAX]
    if too_long:
        problems.append(
            _("每个别名最多 %(limit)d 个字：%(names)s")
            % {"limit": SYNONYM_MAX, "names": "、".join(shown(name, 20) for name in too_long[:3])}
            + ("…" if len(too_long) > 3 else "")
        )
    if any("\n" in name or "\r" in name or not name.strip() for name in names):
        problems.append(_("每个别名占一行，不能为空。"))
    if any("\x00" in name for name in names):
        problems.append(_("不能包含空字符（NUL）。"))
    if problems:
        raise RuleError("".join(problems))
    return names


def check_skill_levels(levels):
    """A role's skill links, as their levels: at least one essential skill, at most SKILLS_MAX.
    (One rule for the form and the file: the form always let a role have a single essential
    skill, and the file used to ask for two; an admin-made role must export and load again.)"""
    if len(levels) > SKILLS_MAX:
        raise RuleError(
            _("技能最多 %(limit)d 项（现在 %(count)d 项）。")
            % {"limit": SKILLS_MAX, "count": len(levels)}
        )
    if SkillLevel.ESSENTIAL not in levels:
        raise RuleError(_("至少需要一项必备技能。"))
    return levels


def check_company_type_count(count):
    if count < 1:
        raise RuleError(_("至少需要一种可应聘的公司类型。"))
    if count > COMPANY_TYPES_MAX:
        raise RuleError(
            _("公司类型最多 %(limit)d 种（现在 %(count)d 种）。")
            % {"limit": COMPANY_TYPES_MAX, "count": count}
        )
    return count


def check_no_repeats(values, what):
    repeated = [value for value, n in Counter(values).items() if n > 1]
    if repeated:
        raise RuleError(
            _("%(what)s“%(value)s”重复出现。") % {"what": what, "value": shown(repeated[0])}
        )
    return values


def check_url(value):
    if value:
        try:
            URLValidator()(value)
        except DjangoValidationError as error:
            raise RuleError(_("“%(url)s”不是有效的网址。") % {"url": shown(value)}) from error
    return value


def check_date(value):
    if value:
        try:
            datetime.date.fromisoformat(value)
        except ValueError as error:
            raise RuleError(
                _("“%(value)s”不是日期（格式 YYYY-MM-DD）。") % {"value": shown(value)}
            ) from error
    return value


# The data file's shape, declared once. Strict: a list is not a string, true is not a number,
# and a field the format does not have is an error, not silently dropped.


def _rule(check, *args, **kwargs):
    def validate(value):
        try:
            check(value, *args, **kwargs)
        except RuleError as error:
            # The message is passed as context so that braces in it are not a template.
            raise PydanticCustomError("rule", "{message}", {"message": str(error)}) from None
        return value

    return AfterValidator(validate)


def Text(limit, *, required=True):  # noqa: N802  (a type, as pydantic's own constructors)
    return Annotated[str, _rule(check_text, limit, required=required)]


Slug = Annotated[str, _rule(check_slug)]
CategorySlug = Annotated[str, _rule(check_category_slug)]


class _Item(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class TermItem(_Item):
    slug: Slug
    name: Text(TERM_NAME_MAX)
    english_name: Text(TERM_ENGLISH_NAME_MAX)  # every vocabulary has one (issue 15)
    description: Text(TERM_DESCRIPTION_MAX, required=False) = ""


class BackgroundItem(TermItem):
    skills: Annotated[list[Slug], _rule(check_no_repeats, "技能")] = []


class SkillLinkItem(_Item):
    skill: Slug
    level: Literal[tuple(SkillLevel.values)]


def _check_skill_links(links):
    check_no_repeats([link.skill for link in links], _("技能"))
    check_skill_levels([link.level for link in links])


def _check_company_types(slugs):
    check_company_type_count(len(slugs))
    check_no_repeats(slugs, _("公司类型"))


class RoleItem(_Item):
    slug: Slug
    title: Text(ROLE_TITLE_MAX)
    english_name: Text(ROLE_ENGLISH_NAME_MAX, required=False) = ""
    synonyms: Annotated[list[str], _rule(check_synonyms)] = []
    definition: Text(ROLE_TEXT_MAX)
    skills_text: Text(ROLE_TEXT_MAX)
    company_types_text: Text(ROLE_TEXT_MAX)
    skills: Annotated[list[SkillLinkItem], _rule(_check_skill_links)]
    company_types: Annotated[list[Slug], _rule(_check_company_types)]


class CategoryItem(_Item):
    slug: CategorySlug
    title: Text(CATEGORY_TITLE_MAX)
    english_name: Text(CATEGORY_ENGLISH_NAME_MAX)
    sort_order: Annotated[int, Field(ge=0, le=SORT_ORDER_MAX)]
    intro: Text(CATEGORY_TEXT_MAX)
    suits: Text(CATEGORY_TEXT_MAX)
    threshold_text: Text(CATEGORY_TEXT_MAX)
    threshold_level: Literal[("", *ThresholdLevel.values)] = ""
    roles: list[RoleItem] = []


class IndexItem(_Item):
    title: Text(INDEX_TITLE_MAX)
    slug: Slug
    intro: Text(INDEX_INTRO_MAX, required=False) = ""
    intro_en: Text(INDEX_INTRO_MAX, required=False) = ""
    source_title: Text(SOURCE_TITLE_MAX, required=False) = ""
    source_author: Text(SOURCE_AUTHOR_MAX, required=False) = ""
    source_publisher: Text(SOURCE_PUBLISHER_MAX, required=False) = ""
    source_url: Annotated[Text(URL_MAX, required=False), _rule(check_url)] = ""
    source_published: Annotated[str, _rule(check_date)] = ""


def _check_has_categories(categories):
    if not categories:
        raise RuleError(_("文件里没有类别。"))


class CatalogueFile(_Item):
    format: Literal[FORMAT]
    version: Literal[VERSION]
    index: IndexItem
    skills: list[TermItem]
    company_types: list[TermItem]
    backgrounds: list[BackgroundItem]
    categories: Annotated[list[CategoryItem], _rule(_check_has_categories)]


# Problems, each with its place.


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self):
        return f"{self.where}：{self.message}" if self.where else self.message


def json_path(loc):
    """('categories', 0, 'roles', 3, 'title') → categories[0].roles[3].title"""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _name_at(data, loc):
    """The title, name or slug of the innermost object along `loc` that has one, to help a
    reader find the place: “深度学习算法工程师”."""
    found, node = None, data
    for part in loc:
        if isinstance(node, dict):
            for key in ("title", "name", "slug"):
                if isinstance(node.get(key), str) and node[key].strip():
                    found = node[key]
                    break
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return found


def error_message(error):
    """A pydantic error dict's message in the interface language."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "rule":
        return ctx["message"]
    messages = {
        "missing": _("缺少这一项。"),
        "extra_forbidden": _("文件格式中没有这一项（拼写错了？）。"),
        "string_type": _("应为文字。"),
        "int_type": _("应为整数。"),
        "list_type": _("应为列表（[…]）。"),
        "model_type": _("应为对象（{…}）。"),
        "dict_type": _("应为对象（{…}）。"),
    }
    if kind in messages:
        return messages[kind]
    if kind == "greater_than_equal":
        return _("不能小于 %(limit)s。") % {"limit": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("不能大于 %(limit)s。") % {"limit": ctx.get("le")}
    if kind == "literal_error":
        return _("应为 %(expected)s 之一（现在是 %(value)s）。") % {
            "expected": str(ctx.get("expected")).replace(" or ", "、").replace(", ", "、"),
            "value": shown(error.get("input")),
        }
    return _("值无效（%(kind)s）。") % {"kind": kind}


def json_place(data):
    """A function naming a place in `data` by its JSON path and the name of the object it is
    in: categories[0].roles[3].title（深度学习算法工程师）."""

    def place(loc):
        name = _name_at(data, loc)
        return json_path(loc) + (f"（{shown(name, 40)}）" if name else "")

    return place


def problems_from(error: ValidationError, data, locate=None):
    """A pydantic ValidationError as located problems. `locate(loc)` names a place (by
    default, json_place)."""
    locate = locate or json_place(data)
    return [
        Problem(locate(item["loc"]), error_message(item))
        for item in error.errors(include_url=False)
    ]


def nesting_depth(text, limit=NESTING_MAX):
    """How deeply JSON `text` nests, counted up to limit + 1, without parsing it: a file of a
    million "[" would otherwise exhaust the parser's recursion."""
    brackets = re.sub(r'"(?:[^"\\]|\\.)*"|[^\[\]{}]', "", text)
    depth = peak = 0
    for char in brackets:
        depth += 1 if char in "[{" else -1
        if depth > peak:
            peak = depth
            if peak > limit:
                break
    return peak


# Rules across items: uniqueness and references. `suggest(value, kind)` may name the closest
# known names for an unknown one (the loaders pass one built on roles.filters.similarity).


def unknown_message(kind, value, suggestions=()):
    """“未知的类别“技术研发”，是不是“技术研发类”？” — with up to two close names."""
    params = {"kind": kind, "value": shown(value)}
    if len(suggestions) >= 2:
        params.update(name=suggestions[0], other=suggestions[1])
        return _("未知的%(kind)s“%(value)s”，是不是“%(name)s”或“%(other)s”？") % params
    if suggestions:
        return _("未知的%(kind)s“%(value)s”，是不是“%(name)s”？") % {
            **params,
            "name": suggestions[0],
        }
    return _("未知的%(kind)s“%(value)s”。") % params


def cross_problems(data, *, other_role_titles=None, suggest=None, where=None):
    """Problems across the items of a shape-valid data file (a dict): repeated slugs and names,
    unknown skills and company types, and role titles that other roles in the database already
    have (`other_role_titles`: {title: slug} of roles the file does not contain).
    `where(loc)` names a place (default: json_place)."""
    where = where or json_place(data)
    suggest = suggest or (lambda value, kind: ())
    problems = []

    def add(loc, message):
        problems.append(Problem(where(loc), message))

    known = {}
    for key in ("skills", "company_types", "backgrounds"):
        slugs, names = set(), set()
        for i, term in enumerate(data[key]):
            if term["slug"] in slugs:
                add((key, i, "slug"), _("URL 标识“%(slug)s”重复。") % {"slug": term["slug"]})
            if term["name"] in names:
                add((key, i, "name"), _("名称“%(name)s”重复。") % {"name": term["name"]})
            slugs.add(term["slug"])
            names.add(term["name"])
        known[key] = slugs
    for i, background in enumerate(data["backgrounds"]):
        for j, slug in enumerate(background["skills"]):
            if slug not in known["skills"]:
                add(("backgrounds", i, "skills", j), unknown_message(_("技能"), slug))

    category_slugs, category_titles = set(), set()
    role_slugs, role_titles = set(), set()
    other_role_titles = other_role_titles or {}
    for c, category in enumerate(data["categories"]):
        if category["slug"] in category_slugs:
            add(("categories", c, "slug"), _("URL 标识“%(slug)s”重复。") % category)
        if category["title"] in category_titles:
            add(("categories", c, "title"), _("类别名称“%(title)s”重复。") % category)
        category_slugs.add(category["slug"])
        category_titles.add(category["title"])
        for r, role in enumerate(category["roles"]):
            loc = ("categories", c, "roles", r)
            if role["slug"] in role_slugs:
                add((*loc, "slug"), _("岗位的 URL 标识“%(slug)s”重复。") % role)
            if role["title"] in role_titles:
                add((*loc, "title"), _("岗位名称“%(title)s”重复，岗位名称不能重复。") % role)
            elif role["title"] in other_role_titles:
                add(
                    (*loc, "title"),
                    _("目录中已有名为“%(title)s”的岗位（%(slug)s），岗位名称不能重复。")
                    % {"title": role["title"], "slug": other_role_titles[role["title"]]},
                )
            role_slugs.add(role["slug"])
            role_titles.add(role["title"])
            for s, link in enumerate(role["skills"]):
                if link["skill"] not in known["skills"]:
                    add(
                        (*loc, "skills", s, "skill"),
                        unknown_message(_("技能"), link["skill"], suggest(link["skill"], "skill")),
                    )
            for t, slug in enumerate(role["company_types"]):
                if slug not in known["company_types"]:
                    add(
                        (*loc, "company_types", t),
                        unknown_message(_("公司类型"), slug, suggest(slug, "company_type")),
                    )
    return problems


def problem_count_message(count):
    return ngettext(
        "%(count)d 处问题，没有写入任何内容：", "%(count)d 处问题，没有写入任何内容：", count
    ) % {"count": count}
