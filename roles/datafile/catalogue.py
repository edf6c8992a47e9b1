"""The catalogue's data file format (fixtures/catalogue.json): validate, load and export.

One serialiser (`*_data` below) describes a page or term as the data file does; loading compares
against it to tell unchanged from changed pages, and exporting writes it out, so that
export → load into an empty database → export gives the same file.
"""

import csv
import datetime
import difflib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, ModelLogEntry, Page, ReferenceIndex, Site, WorkflowState
from wagtail.signal_handlers import disable_reference_index_auto_update
from wagtail.tasks import update_reference_index_task

from roles import rules
from roles.catalogue.filters import similarity
from roles.catalogue.search import search_index_deferred
from roles.editorial.setup import ensure_editorial_setup
from roles.editorial.terms import MERGE_ACTION, may_change_term
from roles.models import (
    Background,
    CompanyType,
    RoleCategoryPage,
    RoleCompanyType,
    RoleIndexPage,
    RolePage,
    RoleSkill,
    Skill,
)
from roles.rules import Problem

from .csvfiles import SafeDictWriter, dict_rows

FORMAT = rules.FORMAT
VERSION = rules.VERSION
DEFAULT_PATH = Path(settings.BASE_DIR) / "fixtures" / "catalogue.json"

TERM_FIELDS = ("slug", "name", "english_name", "description")
INDEX_FIELDS = (
    "title",
    "slug",
    "intro",
    "intro_en",
    "source_title",
    "source_author",
    "source_publisher",
    "source_url",
)
CATEGORY_FIELDS = (
    "slug",
    "title",
    "english_name",
    "sort_order",
    "intro",
    "suits",
    "threshold_text",
    "threshold_level",
)
ROLE_TEXT_FIELDS = ("slug", "title", "english_name")
ROLE_BODY_FIELDS = ("definition", "skills_text", "company_types_text")


class CatalogueError(Exception):
    """The data file was refused; `problems` (roles.rules.Problem) names each place and what is
    wrong there, in the interface language. At most PROBLEMS_SHOWN are kept: a broken file of
    thousands of rows needs its first problems fixed, not a page of a million."""

    PROBLEMS_SHOWN = 100

    def __init__(self, source, problems):
        self.source = source
        self.count = len(problems)
        self.problems = problems[: self.PROBLEMS_SHOWN]
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        if self.count > len(self.problems):
            listed += "\n  - " + _("……还有 %(more)d 处问题。") % {
                "more": self.count - len(self.problems)
            }
        super().__init__(f"{source}：{rules.problem_count_message(self.count)}\n{listed}")


# Serialisers: a model instance as the data file describes it.


def term_data(term):
    return {name: getattr(term, name) for name in TERM_FIELDS}


def background_data(background):
    return {
        **term_data(background),
        "skills": [skill.slug for skill in background.skills.order_by("pk")],
    }


def index_data(page):
    data = {name: getattr(page, name) for name in INDEX_FIELDS}
    data["source_published"] = page.source_published.isoformat() if page.source_published else ""
    return data


def category_data(page):
    return {name: getattr(page, name) for name in CATEGORY_FIELDS}


def role_data(page):
    return {
        **{name: getattr(page, name) for name in ROLE_TEXT_FIELDS},
        "synonyms": page.synonym_list,
        **{name: getattr(page, name) for name in ROLE_BODY_FIELDS},
        "skills": [
            {"skill": link.skill.slug, "level": link.level}
            for link in sorted(page.skill_links.all(), key=lambda link: link.sort_order or 0)
        ],
        "company_types": [
            link.company_type.slug
            for link in sorted(page.company_type_links.all(), key=lambda link: link.sort_order or 0)
        ],
    }


def export_catalogue():
    """The whole catalogue as a dict in the data file's format, live and draft pages alike
    (the latest revision of each page, which is what an editor last saved)."""
    index = RoleIndexPage.objects.first()
    if index is None:
        raise CatalogueError("database", [Problem("", _("还没有目录首页（RoleIndexPage）。"))])
    index = index.get_latest_revision_as_object()
    categories = []
    for category in RoleCategoryPage.objects.child_of(index).order_by("sort_order", "path"):
        category = category.get_latest_revision_as_object()
        roles = RolePage.objects.child_of(category).order_by("path")
        categories.append(
            {
                **category_data(category),
                "roles": [role_data(role.get_latest_revision_as_object()) for role in roles],
            }
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "index": index_data(index),
        "skills": [term_data(term) for term in Skill.objects.order_by("pk")],
        "company_types": [term_data(term) for term in CompanyType.objects.order_by("pk")],
        "backgrounds": [
            background_data(term)
            for term in Background.objects.order_by("pk").prefetch_related("skills")
        ],
        "categories": categories,
    }


def dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# Validation: every problem at once, each naming where it is (the rules are roles/rules.py).


def read(path):
    """The catalogue in a JSON data file or, for a .csv file, the current catalogue with the
    file's roles applied."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > rules.FILE_MAX_BYTES:
            raise CatalogueError(path, [_too_big()])
        content = path.read_bytes()
    except OSError as error:
        raise CatalogueError(
            path, [Problem("", _("无法读取文件：%(error)s") % {"error": error.strerror})]
        ) from error
    return read_upload(path.name, content, path)


def _too_big():
    return Problem(
        "", _("文件太大：最多 %(limit)d MB。") % {"limit": rules.FILE_MAX_BYTES // (1024 * 1024)}
    )


def _other_role_titles(data):
    """{title: slug} of the roles in the database that the file does not contain (their latest
    titles, drafts too): a role in the file may not take one of their names."""
    slugs = {role["slug"] for category in data["categories"] for role in category["roles"]}
    titles = {}
    for slug, title, draft_title in RolePage.objects.exclude(slug__in=slugs).values_list(
        "slug", "title", "draft_title"
    ):
        titles[title] = titles[draft_title] = slug
    return titles


def validate(data, source, where=None):
    """Raise CatalogueError listing every problem in `data`, or return None. `where(loc)` names
    a place (the CSV import names rows); by default a JSON path such as categories[0].title."""
    try:
        rules.CatalogueFile.model_validate(data)
    except ValidationError as error:
        raise CatalogueError(source, rules.problems_from(error, data, where)) from None
    names = {
        "skill": Vocabulary.of_terms(_("技能"), data["skills"]),
        "company_type": Vocabulary.of_terms(_("公司类型"), data["company_types"]),
    }
    problems = rules.cross_problems(
        data,
        other_role_titles=_other_role_titles(data),
        suggest=lambda value, kind: names[kind].suggest(value, label="slug"),
        where=where,
    )
    if problems:
        raise CatalogueError(source, problems)


# Loading.


@dataclass(frozen=True)
class Entry:
    """One page or term in a load report; `changed` names the fields that differ, and `live`
    says whether the page was live before (its public page changes when published)."""

    kind: str  # index, category, role, skill, company_type, background
    name: str
    changed: tuple = ()
    note: str = ""
    live: bool = False

    def __str__(self):
        label = KIND_LABELS.get(self.kind, self.kind)
        return f"{label} {self.name}{f' ({self.note})' if self.note else ''}"


KIND_LABELS = {"index": "catalogue home", "company_type": "company type"}
PAGE_KINDS = ("index", "category", "role")


@dataclass
class Report:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    dry_run: bool = False
    moderated: bool = False  # pages were submitted to 审核发布 instead of published

    def of_kind(self, kind):
        """{"created": [...], "updated": [...], ...} for one kind of entry."""
        return {
            name: [entry for entry in getattr(self, name) if entry.kind == kind]
            for name in ("created", "updated", "unchanged", "skipped")
        }

    def counts(self, roles=True):
        """How many roles (or, with roles=False, catalogue entries other than roles: the home,
        categories and vocabulary terms) were created, updated, left unchanged and skipped.
        The dry run and the result of an import report both in these same units."""
        return {
            name: sum((entry.kind == "role") == roles for entry in getattr(self, name))
            for name in ("created", "updated", "unchanged", "skipped")
        }

    @property
    def live_pages_changed(self):
        """Live pages (home, categories, roles) whose public version the import changes."""
        return sum(entry.live for entry in self.updated if entry.kind in PAGE_KINDS)

    @property
    def pages_changed(self):
        """Pages created or updated: what an import submits to 审核发布."""
        return sum(entry.kind in PAGE_KINDS for entry in [*self.created, *self.updated])

    def lines(self, detailed=True):
        """What was done; what was created or updated only when `detailed`, what was skipped
        always, since it needs the reader's attention."""
        listed = [("skipped (changed in the admin; use --update to overwrite)", self.skipped)]
        if detailed:
            listed = [("created", self.created), ("updated", self.updated), *listed]
        for label, items in listed:
            for item in items:
                fields = f" [{', '.join(item.changed)}]" if item.changed and detailed else ""
                yield f"{label}: {item}{fields}"
        yield (
            f"{'dry run, nothing written: would be ' if self.dry_run else ''}"
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped"
        )


class _DryRun(Exception):
    pass


@dataclass
class _Run:
    """One load: its options, its report, and what it refused to do on the user's behalf."""

    update: bool
    report: Report
    user: object = None
    moderate: bool = False
    refused: list = field(default_factory=list)
    saved: list = field(default_factory=list)  # pages and terms to index once the load is done


def load(data, *, update=False, source=DEFAULT_PATH, dry_run=False, user=None, moderate=False):
    """Build the catalogue from `data` in one transaction.

    Pages and terms that already match the data are left alone; ones that differ (an editor
    changed them) are only overwritten when `update` is true. Changed and new pages are
    published, or with `moderate` (an import by someone who may not publish) saved as new
    revisions and submitted to the 审核发布 workflow, so that the live site does not change
    until a moderator approves; a change that cannot wait for approval (a term in live use,
    a role moved to another category) is then refused. A dry run does all the work and rolls
    it back, so that its report is exactly what a real run would do.
    """
    validate(data, source)
    run = _Run(update, Report(dry_run=dry_run, moderated=moderate), user, moderate)
    try:
        # Wagtail's reference index (what links to what, for "usage" in the admin) and the
        # search index are updated once per saved page and term at the end instead of on every
        # save: a role's page and each of its skill and company links are saved several times
        # over while it is loaded, and those updates were most of a load's time.
        with (
            transaction.atomic(),
            disable_reference_index_auto_update(),
            search_index_deferred(),
        ):
            _load(data, run)
            if run.refused:
                raise CatalogueError(source, run.refused)
            if dry_run:
                raise _DryRun
        _index_references(run.saved)
    except _DryRun:
        pass
    return run.report


def _index_references(objects):
    done = set()
    for instance in objects:
        key = (instance._meta.label, instance.pk)
        if key not in done and ReferenceIndex.is_indexed(type(instance)):
            done.add(key)
            update_reference_index_task.enqueue(
                instance._meta.app_label, instance._meta.model_name, str(instance.pk)
            )


def _load(data, run):
    terms = {
        "skills": _load_terms(Skill, data["skills"], run),
        "company_types": _load_terms(CompanyType, data["company_types"], run),
    }
    _load_backgrounds(data["backgrounds"], terms["skills"], run)
    index = _load_index(data["index"], run)
    for category_item in data["categories"]:
        category = _load_page(
            index,
            RoleCategoryPage,
            category_item,
            category_data,
            _set_category,
            run,
            label=("category", category_item["title"]),
        )
        for role_item in category_item["roles"]:
            _load_role(category, role_item, terms, run)


def _term_change_refused(run, kind, term):
    """An import that may not publish may not change a term that live pages show either: a
    term has no draft, so the change would be live at once (roles/editorial/terms.py)."""
    if run.moderate and not may_change_term(run.user, term):
        run.refused.append(
            Problem(
                f"{kind.verbose_name}“{term.name}”",
                _("正在使用的词一改就会改变已发布的页面，需要审核人导入。"),
            )
        )
        return True
    return False


def _load_terms(model, items, run):
    by_slug = {}
    existing = {term.slug: term for term in model.objects.all()}
    for item in items:
        kind = model._meta.model_name.replace("companytype", "company_type")
        fields = {name: item.get(name, "") for name in TERM_FIELDS}
        term = existing.get(item["slug"])
        if term is None:
            term = model.objects.create(**fields)
            run.saved.append(term)
            run.report.created.append(Entry(kind, item["name"]))
            by_slug[term.slug] = term
            continue
        changed = _differences(term_data(term), fields)
        if not changed:
            run.report.unchanged.append(Entry(kind, item["name"]))
        elif run.update:
            if not _term_change_refused(run, model._meta, term):
                for name, value in fields.items():
                    setattr(term, name, value)
                term.save()
                run.saved.append(term)
            run.report.updated.append(Entry(kind, item["name"], changed))
        else:
            run.report.skipped.append(Entry(kind, item["name"], changed))
        by_slug[term.slug] = term
    return by_slug


def _load_backgrounds(items, skills, run):
    existing = {term.slug: term for term in Background.objects.prefetch_related("skills")}
    for item in items:
        label = Entry("background", item["name"])
        expected = {name: item.get(name, "") for name in TERM_FIELDS}
        term = existing.get(item["slug"])
        if (
            term is not None
            and term_data(term) == expected
            and {skill.slug for skill in term.skills.all()} == set(item["skills"])
        ):
            run.report.unchanged.append(label)
            continue
        if term is not None and not run.update:
            run.report.skipped.append(label)
            continue
        created = term is None
        (run.report.created if created else run.report.updated).append(label)
        if not created and _term_change_refused(run, Background._meta, term):
            continue
        term = term or Background()
        for name in TERM_FIELDS:
            setattr(term, name, item.get(name, ""))
        term.save()
        term.skills.set([skills[slug] for slug in item["skills"]])
        run.saved.append(term)


def _load_index(item, run):
    index = RoleIndexPage.objects.first()
    if index is None:
        root = _tree_root()
        ensure_editorial_setup(apps)  # groups and workflow, gone if the database was emptied
        site = Site.objects.filter(is_default_site=True).first()
        # Replace Wagtail's placeholder "Welcome" page, which a fresh database starts with.
        if site and type(site.root_page.specific) is Page and not site.root_page.get_children():
            placeholder = site.root_page
            site.root_page = root
            site.save()
            placeholder.delete()
        index = RoleIndexPage()
        _set_index(index, item)
        root.add_child(instance=index)
        index.save_revision().publish()
        run.saved.append(index)
        # The site's address, for full URLs (canonical links, sitemap, emails): SITE_URL.
        base = urlsplit(settings.WAGTAILADMIN_BASE_URL)
        site = site or Site(is_default_site=True)
        site.hostname = base.hostname or "localhost"
        site.port = base.port or (443 if base.scheme == "https" else 80)
        site.root_page = index
        site.site_name = item["title"]
        site.save()
        run.report.created.append(Entry("index", item["title"]))
        return index
    return _update_page(index, item, index_data, _set_index, run, ("index", item["title"]))


def _tree_root():
    """Wagtail's root page, made again (with the default locale) in a database that was
    emptied after migrating, as a test framework's flush does."""
    root = Page.get_first_root_node()
    if root is None:
        if not Locale.objects.exists():
            Locale.objects.create(
                language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
            )
        root = Page.add_root(instance=Page(title="Root", slug="root"))
    return root


def _set_index(page, item):
    for name in INDEX_FIELDS:
        setattr(page, name, item.get(name, ""))
    published = item.get("source_published")
    page.source_published = datetime.date.fromisoformat(published) if published else None


def _set_category(page, item):
    for name in CATEGORY_FIELDS:
        setattr(page, name, item.get(name, ""))


def _commit(page, run):
    """Publish the page's new content, or save it as a revision and submit it to the page's
    workflow (审核发布), as the page editor's "提交审核" does: a live page keeps its live content
    until approval; a page never published keeps the draft in its row too."""
    run.saved.append(page)
    if not run.moderate:
        page.save_revision(user=run.user).publish(user=run.user)
        return
    if not page.live:
        page.save()
    page.save_revision(user=run.user, log_action=True)
    state = page.current_workflow_state
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        state.resume(run.user)
        return
    if state is not None:  # in moderation already: review the imported revision instead
        state.cancel(user=run.user)
    workflow = page.get_workflow()
    if workflow is not None:
        workflow.start(page, run.user)


def _load_page(parent, model, item, serialise, set_fields, run, label):
    page = model.objects.child_of(parent).filter(slug=item["slug"]).first()
    if page is None:
        page = model(live=not run.moderate)
        set_fields(page, item)
        parent.add_child(instance=page)
        _commit(page, run)
        run.report.created.append(Entry(*label))
        return page
    return _update_page(page, item, serialise, set_fields, run, label)


def _differences(current, expected):
    return tuple(key for key in expected if current.get(key) != expected[key])


def _update_page(page, item, serialise, set_fields, run, label):
    latest = page.get_latest_revision_as_object()
    current = serialise(latest)
    expected = {key: item.get(key, "") for key in current}
    changed = _differences(current, expected)
    if (not page.live or page.has_unpublished_changes) and not changed:
        # A draft or unpublished page differs from the file, unless an import that may not
        # publish finds it already waiting for approval with the file's content.
        if not (run.moderate and page.workflow_in_progress):
            changed = ("live",)
    if not changed:
        run.report.unchanged.append(Entry(*label, live=page.live))
        return page
    if not run.update:
        run.report.skipped.append(Entry(*label, changed, live=page.live))
        return page
    set_fields(latest, item)
    _commit(latest, run)
    run.report.updated.append(Entry(*label, changed, live=page.live))
    return latest


def _set_role(terms):
    def set_fields(page, item):
        page.title = item["title"]
        page.slug = item["slug"]
        page.english_name = item.get("english_name", "")
        page.synonyms = "\n".join(item.get("synonyms", []))
        for name in ROLE_BODY_FIELDS:
            setattr(page, name, item[name])
        page.skill_links = [
            RoleSkill(skill=terms["skills"][link["skill"]], level=link["level"], sort_order=i)
            for i, link in enumerate(item["skills"])
        ]
        page.company_type_links = [
            RoleCompanyType(company_type=terms["company_types"][slug], sort_order=i)
            for i, slug in enumerate(item["company_types"])
        ]

    return set_fields


def _load_role(category, item, terms, run):
    label = ("role", item["title"])
    existing = RolePage.objects.filter(slug=item["slug"]).exclude(path__startswith=category.path)
    moved = existing.first()
    if moved is not None:
        # The data file puts the role in another category than the database does.
        if not run.update:
            run.report.skipped.append(
                Entry(*label, ("category",), note="in another category", live=moved.live)
            )
            return
        if run.moderate and moved.live:
            # A move has no draft: the live page would move at once.
            run.refused.append(
                Problem(
                    f"{moved.title}",
                    _("把已发布的岗位移到另一个类别会立即改变网站，需要审核人导入。"),
                )
            )
            return
        moved.move(category, pos="last-child", user=run.user)
    _load_page(category, RolePage, item, role_data, _set_role(terms), run, label)


# CSV: one row per role, for spreadsheets. Categories, terms and the catalogue home are not in
# it, so a CSV import changes roles only and needs their categories and terms to exist.

CSV_COLUMNS = (
    "category",
    "slug",
    "title",
    "english_name",
    "synonyms",
    "definition",
    "skills",
    "skills_text",
    "company_types",
    "company_types_text",
)
LIST_SEPARATOR = "; "
PREFERRED_MARK = " (preferred)"


def dumps_csv(data):
    """The roles of `data` (the data file's format) as CSV text, with a BOM for Excel."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = SafeDictWriter(out, CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for category in data["categories"]:
        for role in category["roles"]:
            writer.writerow(
                {
                    **{key: role.get(key, "") for key in CSV_COLUMNS},
                    "category": category["slug"],
                    "synonyms": LIST_SEPARATOR.join(role["synonyms"]),
                    "skills": LIST_SEPARATOR.join(
                        link["skill"] + (PREFERRED_MARK if link["level"] == "preferred" else "")
                        for link in role["skills"]
                    ),
                    "company_types": LIST_SEPARATOR.join(role["company_types"]),
                }
            )
    return out.getvalue()


def _split(value):
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def _key(name):
    """How names are compared: full-width forms folded (（ is (), case and outer spaces ignored."""
    return unicodedata.normalize("NFKC", name).casefold().strip()


PREFERRED = re.compile(r"^(.*?)\s*\((?:preferred|优先)\)$")


@dataclass
class Vocabulary:
    """The names people write for the items of one vocabulary (categories, skills, company
    types): each item's slug, Chinese name, English name and synonyms (for a term, the names
    of terms merged into it), resolved to its slug; and, for a name it does not know, the
    closest known ones (roles/catalogue/filters.py's similarity: the search's notion of close)."""

    kind: str  # what the vocabulary is called in a message: 类别, 技能, 公司类型
    items: list  # dicts with slug, name, english_name
    synonyms: dict = field(default_factory=dict)  # slug → [other names]

    @classmethod
    def of_terms(cls, kind, terms, synonyms=None):
        return cls(kind, [dict(term) for term in terms], synonyms or {})

    @classmethod
    def of_categories(cls, categories):
        items = [
            {"slug": c["slug"], "name": c["title"], "english_name": c["english_name"]}
            for c in categories
        ]
        return cls(_("类别"), items)

    def __post_init__(self):
        self.by_name = {}
        for item in self.items:
            names = [item["slug"], item["name"], item["english_name"]]
            for name in [*names, *self.synonyms.get(item["slug"], [])]:
                if name:
                    self.by_name.setdefault(_key(name), item["slug"])

    def resolve(self, name):
        return self.by_name.get(_key(name))

    def suggest(self, name, label="name", limit=2):
        scored = [
            (similarity(name, item["name"], item["english_name"]), item) for item in self.items
        ]
        best = max((score for score, _item in scored), default=0)
        # Only the clearly close: half the best score or more (技术研发 → 技术研发类, not every
        # name that shares a 类).
        close = [
            item
            for score, item in sorted(scored, key=lambda p: -p[0])
            if score > 0 and score >= best / 2
        ]
        if not close:  # a mistyped slug or English name: spelling, not meaning
            spelled = {item["slug"]: item for item in self.items}
            spelled.update({item["english_name"]: item for item in self.items})
            matches = difflib.get_close_matches(name, [k for k in spelled if k], n=limit)
            close = [spelled[match] for match in matches]
        labels = []
        for item in close:
            if item[label] not in labels:
                labels.append(item[label])
        return labels[:limit]

    def unknown(self, name):
        return rules.unknown_message(self.kind, name, self.suggest(name))


def _merged_names(model):
    """slug → names of the terms merged into it (the merge log keeps them): what an editor
    may still write for the term."""
    names = {}
    slugs = dict(model.objects.values_list("pk", "slug"))
    entries = ModelLogEntry.objects.filter(
        action=MERGE_ACTION, content_type=ContentType.objects.get_for_model(model)
    )
    for object_id, data in entries.values_list("object_id", "data"):
        slug = slugs.get(int(object_id)) if str(object_id).isdigit() else None
        if slug and isinstance(data, dict):
            names.setdefault(slug, []).extend(
                str(data[key]) for key in ("source", "source_slug") if data.get(key)
            )
    return names


CSV_FIELDS = ("title", "english_name", "definition", "skills_text", "company_types_text")


def _row_place(number, column=None):
    if column is None:
        return _("第 %(row)d 行") % {"row": number}
    return _("第 %(row)d 行 %(column)s 列") % {"row": number, "column": column}


def parse_csv(text, base, source):
    """`base` (a catalogue in the data file's format) with the roles of the CSV `text` added or
    replaced by slug. A category, skill or company type may be written as its slug, Chinese or
    English name or a synonym. Raises CatalogueError naming each row (and column) that is
    wrong, in the interface language."""
    # Cells come back as they were before the export quoted formula-like ones (csvfiles.py).
    fieldnames, reader = dict_rows(text.removeprefix("\ufeff"))
    missing = [column for column in CSV_COLUMNS if column not in (fieldnames or [])]
    if missing:
        raise CatalogueError(
            source,
            [Problem(_row_place(1), _("缺少列：%(columns)s") % {"columns": "、".join(missing)})],
        )
    data = json.loads(json.dumps(base))  # a deep copy
    categories = {category["slug"]: category for category in data["categories"]}
    vocabularies = {
        "category": Vocabulary.of_categories(data["categories"]),
        "skills": Vocabulary.of_terms(_("技能"), data["skills"], _merged_names(Skill)),
        "company_types": Vocabulary.of_terms(
            _("公司类型"), data["company_types"], _merged_names(CompanyType)
        ),
    }
    problems = []
    rows = []
    number = 1
    try:
        for number, row in enumerate(reader, start=2):
            if None in row or any(value is None for value in row.values()):
                problems.append(Problem(_row_place(number), _("单元格的数目与标题行不一致。")))
                continue
            role, row_problems = _csv_role(row, number, vocabularies)
            problems += row_problems
            if role is not None:
                rows.append((number, vocabularies["category"].resolve(row["category"]), role))
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            message = _("有一个单元格超过 %(limit)d 个字符。") % {"limit": csv.field_size_limit()}
        else:
            message = _("不是有效的 CSV（%(error)s）。") % {"error": rules.shown(str(error), 60)}
        problems.append(Problem(_row_place(number + 1), message))
    if not rows and not problems:
        problems.append(Problem("", _("文件里没有岗位。")))
    if problems:
        raise CatalogueError(source, problems)
    row_of = {}
    for number, category_slug, role in rows:
        row_of[id(role)] = number
        target = categories[category_slug]["roles"]
        here = [i for i, r in enumerate(target) if r["slug"] == role["slug"]]
        if here:  # the same place in the same category
            target[here[0]] = role
            continue
        for category in data["categories"]:  # moved from another category, or new
            category["roles"][:] = [r for r in category["roles"] if r["slug"] != role["slug"]]
        target.append(role)

    json_place = rules.json_place(data)

    def where(loc):
        """A place in the merged catalogue: a CSV row for a role that came from one."""
        if len(loc) >= 4 and loc[0] == "categories" and loc[2] == "roles":
            try:
                role = data["categories"][loc[1]]["roles"][loc[3]]
            except (IndexError, KeyError, TypeError):
                role = None
            if id(role) in row_of:
                return _row_place(row_of[id(role)], loc[4] if len(loc) > 4 else None)
        return json_place(loc)

    validate(data, source, where)
    return data


def _csv_role(row, number, vocabularies):
    """One CSV row as a role of the data file, its names resolved to slugs, and its problems."""
    problems = []

    def unknown(column, vocabulary, name):
        problems.append(Problem(_row_place(number, column), vocabularies[vocabulary].unknown(name)))

    if vocabularies["category"].resolve(row["category"]) is None:
        unknown("category", "category", row["category"])
    skills = []
    for part in _split(row["skills"]):
        preferred = PREFERRED.match(unicodedata.normalize("NFKC", part))
        name = preferred.group(1) if preferred else part
        slug = vocabularies["skills"].resolve(name)
        if slug is None:
            unknown("skills", "skills", name)
        skills.append({"skill": slug or name, "level": "preferred" if preferred else "essential"})
    company_types = []
    for name in _split(row["company_types"]):
        slug = vocabularies["company_types"].resolve(name)
        if slug is None:
            unknown("company_types", "company_types", name)
        company_types.append(slug or name)
    role = {
        "slug": row["slug"].strip(),
        **{key: row[key].strip() for key in CSV_FIELDS},
        "synonyms": _split(row["synonyms"]),
        "skills": skills,
        "company_types": company_types,
    }
    role = {key: role[key] for key in ROLE_KEYS}
    try:
        rules.RoleItem.model_validate(role)
    except ValidationError as error:
        # An unknown name was said once already; it is not also a malformed slug.
        said = {problem.where for problem in problems}
        problems += [
            problem
            for problem in rules.problems_from(
                error, role, lambda loc: _row_place(number, loc[0] if loc else None)
            )
            if problem.where not in said
        ]
    return (None if problems else role), problems


ROLE_KEYS = (*ROLE_TEXT_FIELDS, "synonyms", *ROLE_BODY_FIELDS, "skills", "company_types")


def read_upload(name, content, source=None):
    """A catalogue from an uploaded JSON or CSV file (bytes); CSV rows are applied to the
    current catalogue. Whatever the bytes, the answer is the catalogue or a CatalogueError."""
    source = source or name
    if len(content) > rules.FILE_MAX_BYTES:
        raise CatalogueError(source, [_too_big()])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CatalogueError(
            source,
            [Problem("", _("文件不是 UTF-8 文本（第 %(at)d 个字节）。") % {"at": error.start + 1})],
        ) from None
    if name.lower().endswith(".csv"):
        return parse_csv(text, export_catalogue(), source)
    if rules.nesting_depth(text) > rules.NESTING_MAX:
        raise CatalogueError(
            source,
            [Problem("", _("JSON 嵌套超过 %(limit)d 层。") % {"limit": rules.NESTING_MAX})],
        )
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise CatalogueError(
            source,
            [
                Problem(
                    _("第 %(line)d 行第 %(column)d 列")
                    % {"line": error.lineno, "column": error.colno},
                    _("不是有效的 JSON。"),
                )
            ],
        ) from None
    except (ValueError, RecursionError):  # an integer of thousands of digits, NaN, Infinity
        raise CatalogueError(
            source, [Problem("", _("不是有效的 JSON：含有过大的数字或非数字值（NaN、Infinity）。"))]
        ) from None
    validate(data, source)
    return data


def _no_constant(name):
    raise ValueError(name)
