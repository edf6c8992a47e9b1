"""Imports that respect 审核 and speak the editor's language (issue 14, section 2), and one rule
set for the editor's form and the data file (issue 17, item 1): what the admin saves exports
and imports again."""

import csv
import io
import json
from io import StringIO

import pytest

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from roles.choices import SkillLevel
from roles.datafile import catalogue
from roles.editorial.setup import EDITORS, MODERATORS
from roles.editorial.terms import merge_terms
from roles.models import CompanyType, RoleCategoryPage, RolePage, Skill

pytestmark = pytest.mark.django_db

URL = "/admin/catalogue/import-export/"


def member(name, group):
    user = get_user_model().objects.create_user(name, password="pw")
    user.groups.add(Group.objects.get(name=group))
    return user


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def upload(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8"))


def edited_catalogue(**definitions):
    """The catalogue as JSON, with new definitions for the roles named by slug."""
    data = catalogue.export_catalogue()
    for category in data["categories"]:
        for role in category["roles"]:
            if role["slug"] in definitions:
                role["definition"] = definitions[role["slug"]]
    return catalogue.dumps(data)


def public_text(role):
    return Client().get(role.url).content.decode()


def test_the_import_url_is_the_one_the_tests_use():
    assert reverse("roles_catalogue_import") == URL


def test_an_editors_import_lands_in_moderation_and_the_live_site_stays():
    client = logged_in(member("editor", EDITORS))
    role = RolePage.objects.get(slug="prompt-engineer")
    live_definition = role.definition
    text = edited_catalogue(**{"prompt-engineer": "编辑导入的新定义。"})

    dry_run = client.post(URL, {"file": upload("c.json", text)}).content.decode()
    assert (
        "data-import-moderated" in dry_run and "1 个页面的修改会保存为新版本并提交审核" in dry_run
    )
    assert 'value="publish"' not in dry_run  # no way to publish
    assert not RolePage.objects.get(pk=role.pk).workflow_in_progress

    response = client.post(URL, {"confirm": "publish"}, follow=True)  # asks, gets moderation
    assert "1 个页面的修改已提交审核" in response.content.decode()
    role = RolePage.objects.get(pk=role.pk)
    assert role.definition == live_definition and role.live
    assert role.has_unpublished_changes
    assert role.get_latest_revision_as_object().definition == "编辑导入的新定义。"
    state = role.current_workflow_state
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.requested_by.username == "editor"
    assert "编辑导入的新定义。" not in public_text(role)
    assert live_definition in public_text(role)

    # Uploaded again, the same file finds the change already waiting for approval.
    again = client.post(URL, {"file": upload("c.json", text)}).content.decode()
    assert "岗位：新增 0 个，修改 0 个，45 个不变。" in again

    # The moderator approves, and only then it is live.
    moderator = logged_in(member("moderator", MODERATORS))
    task_state = role.current_workflow_task_state
    moderator.post(
        reverse("wagtailadmin_pages:workflow_action", args=[role.pk, "approve", task_state.pk]),
        {"comment": ""},
    )
    assert "编辑导入的新定义。" in public_text(RolePage.objects.get(pk=role.pk))


def test_an_editors_csv_import_of_a_new_role_waits_for_approval_too():
    client = logged_in(member("editor", EDITORS))
    text = catalogue.dumps_csv(catalogue.export_catalogue())
    row = [
        "设计类",
        "ai-motion-designer",
        "AI动效设计师",
        "",
        "",
        "设计动效。",
        "设计工具",
        "设计工具。",
    ]
    text += ",".join([*row, "游戏公司", "游戏公司。"]) + "\r\n"
    client.post(URL, {"file": upload("roles.csv", text)})
    client.post(URL, {"confirm": "submit"})
    role = RolePage.objects.get(slug="ai-motion-designer")
    assert not role.live and role.workflow_in_progress
    assert role.category.slug == "design"
    assert Client().get("/design/ai-motion-designer/").status_code == 404


def test_an_editors_import_may_not_change_a_term_live_pages_show():
    client = logged_in(member("editor", EDITORS))
    data = catalogue.export_catalogue()
    [python] = [term for term in data["skills"] if term["slug"] == "python"]
    python["english_name"] = "Python 3"
    before = catalogue.export_catalogue()
    page = client.post(URL, {"file": upload("c.json", catalogue.dumps(data))}).content.decode()
    assert "data-import-problems" in page
    assert "技能“Python”：正在使用的词一改就会改变已发布的页面，需要审核人导入。" in page
    assert catalogue.export_catalogue() == before


def test_a_moderators_import_names_the_live_pages_it_changes_then_publishes():
    client = logged_in(member("moderator", MODERATORS))
    text = edited_catalogue(
        **{"prompt-engineer": "审核人导入的定义。", "data-scientist": "另一个新定义。"}
    )
    dry_run = client.post(URL, {"file": upload("c.json", text)}).content.decode()
    assert "确认发布后，2 个已上线的页面会立即改变。" in dry_run
    assert "确认导入并发布（2 个已上线页面）" in dry_run
    assert RolePage.objects.get(slug="prompt-engineer").definition != "审核人导入的定义。"

    response = client.post(URL, {"confirm": "publish"}, follow=True)
    assert "已导入 c.json。" in response.content.decode()
    role = RolePage.objects.get(slug="prompt-engineer")
    assert role.definition == "审核人导入的定义。" and not role.has_unpublished_changes
    assert not role.workflow_in_progress
    assert "审核人导入的定义。" in public_text(role)


def test_a_moderator_may_submit_an_import_to_moderation_instead():
    client = logged_in(member("moderator", MODERATORS))
    text = edited_catalogue(**{"prompt-engineer": "先给同事看看。"})
    client.post(URL, {"file": upload("c.json", text)})
    client.post(URL, {"confirm": "submit"})
    role = RolePage.objects.get(slug="prompt-engineer")
    assert role.workflow_in_progress and role.definition != "先给同事看看。"


def test_the_command_publishes_and_says_so(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(edited_catalogue(**{"prompt-engineer": "命令行的定义。"}), encoding="utf-8")
    out = StringIO()
    call_command("load_catalogue", str(path), "--update", stdout=out)
    assert "已直接发布，没有经过审核发布流程" in out.getvalue()
    role = RolePage.objects.get(slug="prompt-engineer")
    assert role.definition == "命令行的定义。" and not role.workflow_in_progress


# Names as people write them.


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def as_csv(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, catalogue.CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_a_csv_written_with_chinese_and_english_names_round_trips_unchanged():
    data = catalogue.export_catalogue()
    categories = {c["slug"]: c for c in data["categories"]}
    skills = {t["slug"]: t for t in data["skills"]}
    company_types = {t["slug"]: t for t in data["company_types"]}
    rows = rows_of(catalogue.dumps_csv(data))
    for i, row in enumerate(rows):
        english = i % 2 == 1  # every other row in English names
        category = categories[row["category"]]
        row["category"] = (english and category["english_name"]) or category["title"]
        names = []
        for part in row["skills"].split("; "):
            slug = part.removesuffix(" (preferred)")
            name = (english and skills[slug]["english_name"]) or skills[slug]["name"]
            names.append(name + ("（优先）" if part != slug else ""))
        row["skills"] = "; ".join(names)
        row["company_types"] = "; ".join(
            company_types[slug]["name"] for slug in row["company_types"].split("; ")
        )
    text = as_csv(rows)
    assert "技术研发类" in text and "Python" in text and "（优先）" in text

    imported = catalogue.read_upload("roles.csv", text.encode("utf-8"))
    assert imported == data
    report = catalogue.load(imported, update=True, dry_run=True)
    assert report.counts() == {"created": 0, "updated": 0, "unchanged": 45, "skipped": 0}


def test_a_merged_terms_old_name_still_imports(client):
    moderator = member("moderator", MODERATORS)
    source, target = (
        Skill.objects.get(slug="python"),
        Skill.objects.get(slug="programming-languages"),
    )
    merge_terms(source, target, user=moderator)
    data = catalogue.export_catalogue()
    rows = rows_of(catalogue.dumps_csv(data))
    row = next(r for r in rows if "programming-languages" in r["skills"])
    row["skills"] = row["skills"].replace("programming-languages", "Python")
    assert catalogue.read_upload("roles.csv", as_csv([row]).encode("utf-8")) == data


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("category", "技术研发", "第 2 行 category 列：未知的类别“技术研发”，是不是“技术研发类”？"),
        ("skills", "机器学系", "第 2 行 skills 列：未知的技能“机器学系”，是不是“机器学习”？"),
        (
            "company_types",
            "科技公",
            "第 2 行 company_types 列：未知的公司类型“科技公”，是不是“科技公司”",
        ),
    ],
)
def test_an_unknown_name_is_refused_with_the_closest_known_ones(column, value, message):
    row = rows_of(catalogue.dumps_csv(catalogue.export_catalogue()))[0]
    row[column] = value
    with pytest.raises(catalogue.CatalogueError) as refused:
        catalogue.read_upload("roles.csv", as_csv([row]).encode("utf-8"))
    [problem] = refused.value.problems  # the unknown name, said once
    assert str(problem).startswith(message)  # the closest known name first


# One rule set: the editor's form and the data file agree.


def role_form(category, **overrides):
    python = Skill.objects.get(slug="python")
    data = {
        "title": "AI测试工程师",
        "slug": "ai-test-engineer",
        "english_name": "AI Test Engineer",
        "synonyms": "模型测试工程师",
        "definition": "测试AI系统。",
        "skills_text": "Python。",
        "company_types_text": "科技公司。",
        "editor_notes": "",
        "seo_title": "",
        "search_description": "",
        "skill_links": inline_formset(
            [{"skill": python.pk, "level": SkillLevel.ESSENTIAL, "ORDER": 0}]
        ),
        "company_type_links": inline_formset(
            [{"company_type": CompanyType.objects.get(slug="tech-company").pk, "ORDER": 0}]
        ),
        # The fixture's roles have no sections; a browser always posts the (empty) body.
        "body": streamfield([]),
        "action-publish": "1",
        **overrides,
    }
    return nested_form_data(data)


def add_url(category):
    return reverse("wagtailadmin_pages:add", args=["roles", "rolepage", category.pk])


def test_a_role_made_in_the_admin_with_one_essential_skill_exports_and_imports_again(tmp_path):
    """The drift users met: the form allowed one essential skill, the loader wanted two, and
    the export of such a role blocked every later import."""
    client = logged_in(member("moderator", MODERATORS))
    category = RoleCategoryPage.objects.get(slug="tech-rnd")
    response = client.post(add_url(category), role_form(category))
    assert response.status_code == 302, response.content.decode()[-2000:]
    role = RolePage.objects.get(slug="ai-test-engineer")
    assert role.live and len(role.skill_links.all()) == 1

    for name in ("c.json", "c.csv"):
        path = tmp_path / name
        call_command("export_catalogue", "-o", str(path), stderr=StringIO())
        out = StringIO()
        call_command("load_catalogue", str(path), "--dry-run", stdout=out)
        assert "0 created, 0 updated, " in out.getvalue()
    exported = catalogue.export_catalogue()
    assert catalogue.read(tmp_path / "c.csv") == exported
    assert json.loads((tmp_path / "c.json").read_text(encoding="utf-8")) == exported


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": "长" * 41}, "最多 40 个字（现在 41 个）"),
        ({"title": "数据科学家"}, "目录中已有名为“数据科学家”的岗位"),
        ({"slug": "data-scientist"}, "已有岗位使用 URL 标识“data-scientist”"),
        ({"slug": "ai测试"}, "只能使用小写英文字母、数字和连字符"),
        ({"synonyms": "\n".join(f"别名{i}" for i in range(11))}, "别名最多 10 个（现在 11 个）"),
        ({"synonyms": "名" * 41}, "每个别名最多 40 个字"),
        ({"definition": "长" * 301}, "300"),
        ({"skill_links": "preferred only"}, "至少需要一项必备技能。"),
    ],
)
def test_the_role_form_refuses_what_the_file_refuses(overrides, message):
    client = logged_in(member("moderator", MODERATORS))
    category = RoleCategoryPage.objects.get(slug="tech-rnd")
    if overrides.get("skill_links") == "preferred only":
        skill = Skill.objects.get(slug="python")
        overrides["skill_links"] = inline_formset(
            [{"skill": skill.pk, "level": SkillLevel.PREFERRED, "ORDER": 0}]
        )
    response = client.post(add_url(category), role_form(category, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RolePage.objects.filter(title="AI测试工程师").exists()


def test_the_category_form_refuses_a_slug_the_sites_urls_use():
    client = logged_in(member("moderator", MODERATORS))
    category = RoleCategoryPage.objects.get(slug="design")
    form = nested_form_data(
        {
            "title": category.title,
            "slug": "roles",
            "english_name": category.english_name,
            "intro": category.intro,
            "suits": category.suits,
            "threshold_text": category.threshold_text,
            "threshold_level": category.threshold_level,
            "sort_order": category.sort_order,
            "seo_title": "",
            "search_description": "",
            "action-publish": "1",
        }
    )
    response = client.post(reverse("wagtailadmin_pages:edit", args=[category.pk]), form)
    assert response.status_code == 200
    assert "URL 标识“roles”已被网站自己的地址 /roles/ 使用" in response.content.decode()
    assert RoleCategoryPage.objects.get(pk=category.pk).slug == "design"
