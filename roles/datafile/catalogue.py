"""The catalogue's data file format (fixtures/catalogue.json): validate, load and export.

One serialiser (`*_data` below) describes a page or term as the data file does; loading compares
against it to tell unchanged from changed pages, and exporting writes it out, so that
export → load into an empty database → export gives the same file.
"""

import datetime
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.db import transaction

from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from roles.choices import SkillLevel, ThresholdLevel
from roles.editorial.setup import ensure_editorial_setup
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

from .csvfiles import SafeDictWriter, dict_rows

FORMAT = "ai-roles-catalogue"
VERSION = 1
DEFAULT_PATH = Path(settings.BASE_DIR) / "fixtures" / "catalogue.json"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

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
    """The data file was refused; `problems` names each place and what is wrong there."""

    def __init__(self, source, problems):
        self.source = source
        self.problems = problems
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{source}: {len(problems)} problem(s), nothing was written:\n{listed}")


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
        raise CatalogueError("database", ["there is no catalogue home page (RoleIndexPage)"])
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


# Validation: every problem at once, each naming where it is.


def read(path):
    """The catalogue in a JSON data file or, for a .csv file, the current catalogue with the
    file's roles applied."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as error:
        raise CatalogueError(path, [f"cannot read the file: {error.strerror}"]) from error
    return read_upload(path.name, content, path)


class _Checker:
    def __init__(self):
        self.problems = []

    def text(self, where, item, key, *, required=True, max_length=None):
        value = item.get(key)
        if value is None or (value == "" and required):
            if required:
                self.problems.append(f"{where}: missing field '{key}'")
            return
        if not isinstance(value, str):
            self.problems.append(f"{where}: field '{key}' must be text")
        elif max_length and len(value) > max_length:
            self.problems.append(f"{where}: field '{key}' is longer than {max_length} characters")

    def slug(self, where, item, seen):
        value = item.get("slug")
        if not isinstance(value, str) or not SLUG_RE.match(value):
            self.problems.append(
                f"{where}: slug {value!r} must be lowercase ASCII letters, digits and hyphens"
            )
        elif value in seen:
            self.problems.append(f"{where}: duplicate slug '{value}'")
        else:
            seen.add(value)

    def items(self, where, data, key):
        value = data.get(key)
        if not isinstance(value, list):
            self.problems.append(f"{where}: '{key}' must be a list")
            return []
        bad = [i for i, item in enumerate(value) if not isinstance(item, dict)]
        for i in bad:
            self.problems.append(f"{where}: {key}[{i}] must be an object")
        return [item for item in value if isinstance(item, dict)]


def _label(kind, item, position):
    name = item.get("title") or item.get("name") or item.get("slug") or f"#{position + 1}"
    return f"{kind} '{name}'"


def validate(data, source):
    """Raise CatalogueError listing every problem in `data`, or return None."""
    check = _Checker()
    if not isinstance(data, dict):
        raise CatalogueError(source, ["the top level must be a JSON object"])
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        check.problems.append(f"not a catalogue file: expected format '{FORMAT}' version {VERSION}")

    index = data.get("index")
    if not isinstance(index, dict):
        check.problems.append("missing the 'index' object (the catalogue home page)")
    else:
        check.text("index", index, "title", max_length=255)
        check.slug("index", index, set())
        published = index.get("source_published") or ""
        try:
            if published:
                datetime.date.fromisoformat(published)
        except (TypeError, ValueError):
            check.problems.append(f"index: source_published {published!r} is not a date")

    vocabularies = {}
    for key in ("skills", "company_types", "backgrounds"):
        seen_slugs, seen_names = set(), set()
        for position, term in enumerate(check.items("file", data, key)):
            where = f"{key} {_label('', term, position).strip()}"
            check.slug(where, term, seen_slugs)
            check.text(where, term, "name", max_length=60)
            check.text(where, term, "english_name", max_length=100)
            check.text(where, term, "description", required=False)
            if term.get("name") in seen_names:
                check.problems.append(f"{where}: duplicate name '{term['name']}'")
            seen_names.add(term.get("name"))
        vocabularies[key] = seen_slugs
    for position, background in enumerate(check.items("file", data, "backgrounds")):
        for slug in background.get("skills") or []:
            if slug not in vocabularies["skills"]:
                where = _label("background", background, position)
                check.problems.append(f"{where}: unknown skill '{slug}'")

    category_slugs, role_slugs = set(), set()
    for c_position, category in enumerate(check.items("file", data, "categories")):
        c_where = _label("category", category, c_position)
        check.slug(c_where, category, category_slugs)
        for key in ("title", "intro", "suits", "threshold_text"):
            check.text(c_where, category, key, max_length=255 if key == "title" else None)
        check.text(c_where, category, "english_name", max_length=100)
        if category.get("threshold_level", "") not in {"", *ThresholdLevel.values}:
            check.problems.append(
                f"{c_where}: threshold_level {category.get('threshold_level')!r} must be one of "
                f"{', '.join(ThresholdLevel.values)} or empty"
            )
        if not isinstance(category.get("sort_order"), int) or category["sort_order"] < 0:
            check.problems.append(f"{c_where}: sort_order must be a whole number ≥ 0")
        for r_position, role in enumerate(check.items(c_where, category, "roles")):
            where = f"{c_where}, role '{role.get('title') or role.get('slug') or r_position + 1}'"
            _validate_role(check, where, role, role_slugs, vocabularies)
    if not category_slugs:
        check.problems.append("the file has no categories")
    if check.problems:
        raise CatalogueError(source, check.problems)


def _validate_role(check, where, role, seen_slugs, vocabularies):
    """One role of a data file or a CSV row: its texts, its slug and its links."""
    check.slug(where, role, seen_slugs)
    check.text(where, role, "title", max_length=255)
    check.text(where, role, "english_name", required=False, max_length=120)
    for key in ROLE_BODY_FIELDS:
        check.text(where, role, key)
    synonyms = role.get("synonyms", [])
    if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
        check.problems.append(f"{where}: 'synonyms' must be a list of text")
    _validate_role_links(check, where, role, vocabularies)


def _validate_role_links(check, where, role, vocabularies):
    skills = role.get("skills")
    if not isinstance(skills, list) or len(skills) < 2:
        check.problems.append(f"{where}: needs at least two skills")
        skills = skills if isinstance(skills, list) else []
    seen = set()
    for link in skills:
        if not isinstance(link, dict):
            check.problems.append(f"{where}: each skill must be an object with 'skill' and 'level'")
            continue
        slug = link.get("skill")
        if slug not in vocabularies["skills"]:
            check.problems.append(f"{where}: unknown skill '{slug}'")
        if slug in seen:
            check.problems.append(f"{where}: skill '{slug}' is listed twice")
        seen.add(slug)
        if link.get("level") not in SkillLevel.values:
            check.problems.append(
                f"{where}: skill '{slug}' has level {link.get('level')!r}; "
                f"expected {' or '.join(SkillLevel.values)}"
            )
    if skills and not any(
        isinstance(link, dict) and link.get("level") == SkillLevel.ESSENTIAL for link in skills
    ):
        check.problems.append(f"{where}: needs at least one essential skill")
    company_types = role.get("company_types")
    if not isinstance(company_types, list) or not company_types:
        check.problems.append(f"{where}: needs at least one company type")
        company_types = []
    if len(set(map(str, company_types))) != len(company_types):
        check.problems.append(f"{where}: a company type is listed twice")
    for slug in company_types:
        if slug not in vocabularies["company_types"]:
            check.problems.append(f"{where}: unknown company type '{slug}'")


# Loading.


@dataclass(frozen=True)
class Entry:
    """One page or term in a load report; `changed` names the fields that differ."""

    kind: str  # index, category, role, skill, company_type, background
    name: str
    changed: tuple = ()
    note: str = ""

    def __str__(self):
        label = KIND_LABELS.get(self.kind, self.kind)
        return f"{label} {self.name}{f' ({self.note})' if self.note else ''}"


KIND_LABELS = {"index": "catalogue home", "company_type": "company type"}


@dataclass
class Report:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    dry_run: bool = False

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


def load(data, *, update=False, source=DEFAULT_PATH, dry_run=False):
    """Build and publish the catalogue from `data` in one transaction.

    Pages and terms that already match the data are left alone; ones that differ (an editor
    changed them) are only overwritten when `update` is true. A dry run does all the work and
    rolls it back, so that its report is exactly what a real run would do.
    """
    validate(data, source)
    report = Report(dry_run=dry_run)
    try:
        with transaction.atomic():
            _load(data, update, report)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _load(data, update, report):
    terms = {
        "skills": _load_terms(Skill, data["skills"], update, report),
        "company_types": _load_terms(CompanyType, data["company_types"], update, report),
    }
    _load_backgrounds(data["backgrounds"], terms["skills"], update, report)
    index = _load_index(data["index"], update, report)
    for category_item in data["categories"]:
        category = _load_page(
            index,
            RoleCategoryPage,
            category_item,
            category_data,
            _set_category,
            update,
            report,
            label=("category", category_item["title"]),
        )
        for role_item in category_item["roles"]:
            _load_role(category, role_item, terms, update, report)


def _load_terms(model, items, update, report):
    by_slug = {}
    existing = {term.slug: term for term in model.objects.all()}
    for item in items:
        kind = model._meta.model_name.replace("companytype", "company_type")
        fields = {name: item.get(name, "") for name in TERM_FIELDS}
        term = existing.get(item["slug"])
        if term is None:
            term = model.objects.create(**fields)
            report.created.append(Entry(kind, item["name"]))
            by_slug[term.slug] = term
            continue
        changed = _differences(term_data(term), fields)
        if not changed:
            report.unchanged.append(Entry(kind, item["name"]))
        elif update:
            for name, value in fields.items():
                setattr(term, name, value)
            term.save()
            report.updated.append(Entry(kind, item["name"], changed))
        else:
            report.skipped.append(Entry(kind, item["name"], changed))
        by_slug[term.slug] = term
    return by_slug


def _load_backgrounds(items, skills, update, report):
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
            report.unchanged.append(label)
            continue
        if term is not None and not update:
            report.skipped.append(label)
            continue
        created = term is None
        term = term or Background()
        for name in TERM_FIELDS:
            setattr(term, name, item.get(name, ""))
        term.save()
        term.skills.set([skills[slug] for slug in item["skills"]])
        (report.created if created else report.updated).append(label)


def _load_index(item, update, report):
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
        # The site's address, for full URLs (canonical links, sitemap, emails): SITE_URL.
        base = urlsplit(settings.WAGTAILADMIN_BASE_URL)
        site = site or Site(is_default_site=True)
        site.hostname = base.hostname or "localhost"
        site.port = base.port or (443 if base.scheme == "https" else 80)
        site.root_page = index
        site.site_name = item["title"]
        site.save()
        report.created.append(Entry("index", item["title"]))
        return index
    return _update_page(
        index, item, index_data, _set_index, update, report, ("index", item["title"])
    )


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


def _load_page(parent, model, item, serialise, set_fields, update, report, label):
    page = model.objects.child_of(parent).filter(slug=item["slug"]).first()
    if page is None:
        page = model()
        set_fields(page, item)
        parent.add_child(instance=page)
        page.save_revision().publish()
        report.created.append(Entry(*label))
        return page
    return _update_page(page, item, serialise, set_fields, update, report, label)


def _differences(current, expected):
    return tuple(key for key in expected if current.get(key) != expected[key])


def _update_page(page, item, serialise, set_fields, update, report, label):
    latest = page.get_latest_revision_as_object()
    current = serialise(latest)
    expected = {key: item.get(key, "") for key in current}
    changed = _differences(current, expected)
    if not page.live or page.has_unpublished_changes:
        changed = changed or ("live",)  # a draft or unpublished page differs from the file
    if not changed:
        report.unchanged.append(Entry(*label))
        return page
    if not update:
        report.skipped.append(Entry(*label, changed))
        return page
    set_fields(latest, item)
    latest.save_revision().publish()
    report.updated.append(Entry(*label, changed))
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


def _load_role(category, item, terms, update, report):
    label = ("role", item["title"])
    existing = RolePage.objects.filter(slug=item["slug"]).exclude(path__startswith=category.path)
    moved = existing.first()
    if moved is not None:
        # The data file puts the role in another category than the database does.
        if not update:
            report.skipped.append(Entry(*label, ("category",), note="in another category"))
            return
        moved.move(category, pos="last-child")
    _load_page(category, RolePage, item, role_data, _set_role(terms), update, report, label)


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


def parse_csv(text, base, source):
    """`base` (a catalogue in the data file's format) with the roles of the CSV `text` added or
    replaced by slug. Raises CatalogueError naming each row that is wrong."""
    # Cells come back as they were before the export quoted formula-like ones (csvfiles.py).
    fieldnames, reader = dict_rows(text.removeprefix("\ufeff"))
    missing = [column for column in CSV_COLUMNS if column not in (fieldnames or [])]
    if missing:
        raise CatalogueError(source, [f"header row: missing column(s) {', '.join(missing)}"])
    data = json.loads(json.dumps(base))  # a deep copy
    categories = {category["slug"]: category for category in data["categories"]}
    vocabularies = {
        "skills": {term["slug"] for term in data["skills"]},
        "company_types": {term["slug"] for term in data["company_types"]},
    }
    check = _Checker()
    seen = set()
    rows = []
    for number, row in enumerate(reader, start=2):
        if None in row or any(value is None for value in row.values()):
            check.problems.append(f"row {number}: the number of cells does not match the header")
            continue
        where = f"row {number} ({row.get('slug') or row.get('title') or 'no slug'})"
        if row["category"] not in categories:
            check.problems.append(f"{where}: unknown category '{row['category']}'")
        skills = []
        for part in _split(row["skills"]):
            preferred = part.endswith(PREFERRED_MARK.strip()) and part.endswith(")")
            slug = part.removesuffix(PREFERRED_MARK.strip()).strip() if preferred else part
            skills.append({"skill": slug, "level": "preferred" if preferred else "essential"})
        role = {
            "slug": row["slug"].strip(),
            "title": row["title"].strip(),
            "english_name": row["english_name"].strip(),
            "synonyms": _split(row["synonyms"]),
            "definition": row["definition"].strip(),
            "skills_text": row["skills_text"].strip(),
            "company_types_text": row["company_types_text"].strip(),
            "skills": skills,
            "company_types": _split(row["company_types"]),
        }
        _validate_role(check, where, role, seen, vocabularies)
        rows.append((row["category"], role))
    if not rows and not check.problems:
        check.problems.append("the file has no rows")
    if check.problems:
        raise CatalogueError(source, check.problems)
    for category_slug, role in rows:
        target = categories[category_slug]["roles"]
        here = [i for i, r in enumerate(target) if r["slug"] == role["slug"]]
        if here:  # the same place in the same category
            target[here[0]] = role
            continue
        for category in data["categories"]:  # moved from another category, or new
            category["roles"][:] = [r for r in category["roles"] if r["slug"] != role["slug"]]
        target.append(role)
    validate(data, source)
    return data


def read_upload(name, content, source=None):
    """A catalogue from an uploaded JSON or CSV file (bytes); CSV rows are applied to the
    current catalogue."""
    source = source or name
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CatalogueError(source, ["the file is not UTF-8 text"]) from error
    if name.lower().endswith(".csv"):
        return parse_csv(text, export_catalogue(), source)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CatalogueError(
            source, [f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"]
        ) from error
    validate(data, source)
    return data
