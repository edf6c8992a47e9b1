"""Hostile data files (issue 17): each one, through `load_catalogue` and through the admin's
upload, is refused with a message in the interface language that says where the problem is,
never a traceback or a 500, and nothing in the database changes (roles/rules.py)."""

import csv
import io
import json
from io import StringIO

import pytest

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from wagtail.models import Page, Revision, WorkflowState

from roles import rules
from roles.datafile import catalogue
from roles.editorial.setup import MODERATORS
from roles.models import Background, CompanyType, RolePage, Skill

pytestmark = pytest.mark.django_db

FIXTURE = json.loads(catalogue.DEFAULT_PATH.read_text(encoding="utf-8"))
ROLE = "categories[0].roles[0]"


def json_file(change):
    data = json.loads(json.dumps(FIXTURE))
    change(data)
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def role(data, index=0):
    return data["categories"][0]["roles"][index]


def csv_file(**cells):
    """A CSV of one new role (valid but for `cells`), as the export writes it."""
    row = {
        "category": "tech-rnd",
        "slug": "new-role",
        "title": "新岗位",
        "english_name": "",
        "synonyms": "",
        "definition": "定义。",
        "skills": "python",
        "skills_text": "技能。",
        "company_types": "tech-company",
        "company_types_text": "科技公司。",
        **cells,
    }
    out = io.StringIO()
    writer = csv.DictWriter(out, catalogue.CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue().encode("utf-8")


def deeply_nested(depth):
    return ("[" * depth + "]" * depth).encode()


def set_in(path, value):
    """A change that sets data[path...] = value."""

    def change(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


TWENTY_ONE_SKILLS = [{"skill": s["slug"], "level": "essential"} for s in FIXTURE["skills"][:21]]

# name: (file name, content, place the message names, what it says)
CASES = {
    # A list, an object, a number, null where text belongs.
    "list as title": (
        "c.json",
        json_file(lambda d: role(d).update(title=["深度学习", "工程师"])),
        f"{ROLE}.title",
        "应为文字。",
    ),
    "object as definition": (
        "c.json",
        json_file(lambda d: role(d).update(definition={"text": "x"})),
        f"{ROLE}.definition",
        "应为文字。",
    ),
    "null as slug": (
        "c.json",
        json_file(lambda d: role(d).update(slug=None)),
        f"{ROLE}.slug",
        "应为文字。",
    ),
    "string as a role": (
        "c.json",
        json_file(set_in(["categories", 0, "roles", 0], "深度学习算法工程师")),
        f"{ROLE}（技术研发类）",
        "应为对象（{…}）。",
    ),
    "string as a skill link": (
        "c.json",
        json_file(lambda d: role(d)["skills"].__setitem__(0, "python")),
        f"{ROLE}.skills[0]",
        "应为对象（{…}）。",
    ),
    "string as the skill list": (
        "c.json",
        json_file(lambda d: role(d).update(skills="python; sql")),
        f"{ROLE}.skills",
        "应为列表（[…]）。",
    ),
    "top level is a list": ("c.json", b"[1, 2, 3]", "c.json", "应为对象（{…}）。"),
    # Nesting, bytes, numbers.
    "100,000 nested lists": ("c.json", deeply_nested(100_000), "c.json", "JSON 嵌套超过 10 层"),
    "nesting inside a title": (
        "c.json",
        json_file(lambda d: role(d).update(title=json.loads(deeply_nested(12)))),
        "c.json",
        "JSON 嵌套超过 10 层",
    ),
    "escaped NUL in a title": (
        "c.json",
        json_file(lambda d: role(d).update(title="深度\x00学习")),
        f"{ROLE}.title",
        "不能包含空字符（NUL）。",
    ),
    "NUL in a synonym": (
        "c.json",
        json_file(lambda d: role(d).update(synonyms=["别\x00名"])),
        f"{ROLE}.synonyms",
        "不能包含空字符（NUL）。",
    ),
    "raw NUL byte": (
        "c.json",
        b'{"format": "ai-roles-\x00catalogue"}',
        "第 1 行第 22 列",
        "不是有效的 JSON",
    ),
    "huge sort order": (
        "c.json",
        json_file(set_in(["categories", 0, "sort_order"], 10**30)),
        "categories[0].sort_order（技术研发类）",
        "不能大于 32767。",
    ),
    "negative sort order": (
        "c.json",
        json_file(set_in(["categories", 0, "sort_order"], -1)),
        "categories[0].sort_order",
        "不能小于 0。",
    ),
    "5,000-digit integer": (
        "c.json",
        json_file(set_in(["categories", 0, "sort_order"], 0)).replace(
            b'"sort_order": 0', b'"sort_order": ' + b"9" * 5000, 1
        ),
        "c.json",
        "过大的数字",
    ),
    "NaN": (
        "c.json",
        json_file(set_in(["categories", 0, "sort_order"], 0)).replace(
            b'"sort_order": 0', b'"sort_order": NaN', 1
        ),
        "c.json",
        "NaN",
    ),
    "1e400": (
        "c.json",
        json_file(set_in(["categories", 0, "sort_order"], 0)).replace(
            b'"sort_order": 0', b'"sort_order": 1e400', 1
        ),
        "categories[0].sort_order",
        "应为整数。",
    ),
    "true as a number": (
        "c.json",
        json_file(set_in(["categories", 0, "sort_order"], True)),
        "categories[0].sort_order",
        "应为整数。",
    ),
    "not UTF-8": ("c.json", '{"title": "技术研发"}'.encode("gbk"), "c.json", "不是 UTF-8"),
    "empty file": ("c.json", b"", "第 1 行第 1 列", "不是有效的 JSON"),
    "too big": ("c.json", b" " * (rules.FILE_MAX_BYTES + 1), "c.json", "文件太大：最多 5 MB。"),
    # The rules: limits, uniqueness, reserved slugs, links.
    "1,000,000-character definition": (
        "c.json",
        json_file(lambda d: role(d).update(definition="长" * 1_000_000)),
        f"{ROLE}.definition（深度学习算法工程师）",
        "最多 300 个字（现在 1000000 个）。",
    ),
    "200-character title": (
        "c.json",
        json_file(lambda d: role(d).update(title="长" * 200)),
        f"{ROLE}.title",
        "最多 40 个字（现在 200 个）。",
    ),
    "1,000 synonyms of 1,000 characters": (
        "c.json",
        json_file(lambda d: role(d).update(synonyms=[f"{i}" + "名" * 999 for i in range(1000)])),
        f"{ROLE}.synonyms",
        "别名最多 10 个（现在 1000 个）。每个别名最多 40 个字",
    ),
    "two roles with one title": (
        "c.json",
        json_file(lambda d: role(d, 1).update(title="深度学习算法工程师")),
        "categories[0].roles[1].title",
        "岗位名称“深度学习算法工程师”重复",
    ),
    "a title another role in the database has": (
        "c.json",
        json_file(
            lambda d: (role(d).update(title="数据科学家"), d["categories"][1]["roles"].pop(0))
        ),
        f"{ROLE}.title",
        "目录中已有名为“数据科学家”的岗位（data-scientist）",
    ),
    "category slug roles": (
        "c.json",
        json_file(set_in(["categories", 0, "slug"], "roles")),
        "categories[0].slug",
        "URL 标识“roles”已被网站自己的地址 /roles/ 使用",
    ),
    "category slug compare": (
        "c.json",
        json_file(set_in(["categories", 1, "slug"], "compare")),
        "categories[1].slug",
        "/compare/",
    ),
    "category slug skills": (
        "c.json",
        json_file(set_in(["categories", 1, "slug"], "skills")),
        "categories[1].slug",
        "/skills/",
    ),
    "a Chinese slug": (
        "c.json",
        json_file(lambda d: role(d).update(slug="深度学习")),
        f"{ROLE}.slug",
        "只能使用小写英文字母、数字和连字符",
    ),
    "no essential skill": (
        "c.json",
        json_file(lambda d: role(d).update(skills=[{"skill": "python", "level": "preferred"}])),
        f"{ROLE}.skills",
        "至少需要一项必备技能。",
    ),
    "21 skills": (
        "c.json",
        json_file(lambda d: role(d).update(skills=TWENTY_ONE_SKILLS)),
        f"{ROLE}.skills",
        "技能最多 20 项（现在 21 项）。",
    ),
    "a company type twice": (
        "c.json",
        json_file(lambda d: role(d).update(company_types=["tech-company", "tech-company"])),
        f"{ROLE}.company_types",
        "公司类型“tech-company”重复出现。",
    ),
    "an unknown skill": (
        "c.json",
        json_file(lambda d: role(d)["skills"].append({"skill": "pyhton", "level": "essential"})),
        # The appended entry comes after the role's own skills.
        f"{ROLE}.skills[{len(FIXTURE['categories'][0]['roles'][0]['skills'])}].skill",
        "未知的技能“pyhton”，是不是“python”",
    ),
    "an unknown field": (
        "c.json",
        json_file(lambda d: role(d).update(salary="100万")),
        f"{ROLE}.salary",
        "文件格式中没有这一项",
    ),
    "another format": (
        "c.json",
        json_file(set_in(["format"], "wordpress")),
        "format",
        "应为 'ai-roles-catalogue' 之一",
    ),
    "no categories": (
        "c.json",
        json_file(set_in(["categories"], [])),
        "categories",
        "文件里没有类别。",
    ),
    "a date that is not one": (
        "c.json",
        json_file(set_in(["index", "source_published"], "2024-13-45")),
        "index.source_published",
        "不是日期（格式 YYYY-MM-DD）",
    ),
    "a javascript: URL": (
        "c.json",
        json_file(set_in(["index", "source_url"], "javascript:alert(1)")),
        "index.source_url",
        "不是有效的网址",
    ),
    # CSV.
    "CSV: NUL in a title": ("c.csv", csv_file(title="新\x00岗位"), "第 2 行 title 列", "空字符"),
    "CSV: a cell over the csv module's limit": (
        "c.csv",
        csv_file(definition="长" * (csv.field_size_limit() + 1)),
        "第 2 行",
        f"有一个单元格超过 {csv.field_size_limit()} 个字符。",
    ),
    "CSV: 100,000-character definition": (
        "c.csv",
        csv_file(definition="长" * 100_000),
        "第 2 行 definition 列",
        "最多 300 个字（现在 100000 个）。",
    ),
    "CSV: 200-character title": (
        "c.csv",
        csv_file(title="长" * 200),
        "第 2 行 title 列",
        "最多 40 个字（现在 200 个）。",
    ),
    "CSV: 1,000 synonyms": (
        "c.csv",
        csv_file(synonyms="; ".join(f"别名{i}" for i in range(1000))),
        "第 2 行 synonyms 列",
        "别名最多 10 个（现在 1000 个）。",
    ),
    "CSV: a title a live role has": (
        "c.csv",
        csv_file(category="training-services", title="深度学习算法工程师"),
        "第 2 行 title 列",
        "岗位名称“深度学习算法工程师”重复",
    ),
    "CSV: a category by a near name": (
        "c.csv",
        csv_file(category="技术研发"),
        "第 2 行 category 列",
        "未知的类别“技术研发”，是不是“技术研发类”？",
    ),
    "CSV: no company type": (
        "c.csv",
        csv_file(company_types=""),
        "第 2 行 company_types 列",
        "至少需要一种可应聘的公司类型。",
    ),
    "CSV: missing columns": ("c.csv", b"slug,title\r\nx,y\r\n", "第 1 行", "缺少列：category"),
    "CSV: not UTF-8": (
        "c.csv",
        csv_file(title="新岗位").decode().encode("gbk"),
        "c.csv",
        "不是 UTF-8",
    ),
}


# Refused by the upload form itself, before the file is read: said on the form's file field.
FORM_REFUSALS = {"too big": "文件太大：最多 5 MB。", "empty file": "所提交的是空文件。"}


def fingerprint():
    """Enough of the database to see any write: every page's state and texts, every term, and
    how many revisions and workflow states there are."""
    pages = Page.objects.order_by("pk").values_list(
        "pk", "path", "slug", "title", "draft_title", "live", "has_unpublished_changes",
        "latest_revision_id",
    )  # fmt: skip
    roles = RolePage.objects.order_by("pk").values_list(
        "pk", "definition", "synonyms", "skills_text", "company_types_text", "english_name"
    )
    terms = [
        list(model.objects.order_by("pk").values()) for model in (Skill, CompanyType, Background)
    ]
    return (
        list(pages),
        list(roles),
        terms,
        Revision.objects.count(),
        WorkflowState.objects.count(),
    )


@pytest.mark.parametrize("case", CASES)
def test_the_command_refuses_naming_the_place(tmp_path, case):
    name, content, place, message = CASES[case]
    path = tmp_path / name
    path.write_bytes(content)
    before = fingerprint()
    with pytest.raises(CommandError) as refused:
        call_command("load_catalogue", str(path), "--update", stdout=StringIO())
    text = str(refused.value)
    assert message in text, text[:2000]
    assert place.replace("c.json", str(path)).replace("c.csv", str(path)) in text, text[:2000]
    assert "没有写入任何内容" in text or "文件太大" in text
    assert "Traceback" not in text
    assert fingerprint() == before


@pytest.fixture
def moderator_client(client):
    user = get_user_model().objects.create_user("moderator", password="pw")
    user.groups.add(Group.objects.get(name=MODERATORS))
    client.force_login(user)
    return client


@pytest.mark.parametrize("case", CASES)
def test_the_admin_upload_refuses_naming_the_place(moderator_client, case):
    name, content, place, message = CASES[case]
    url = reverse("roles_catalogue_import")
    before = fingerprint()
    response = moderator_client.post(url, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    page = response.content.decode()
    if case in FORM_REFUSALS:
        assert escape(FORM_REFUSALS[case]) in page and "w-field--error" in page
    else:
        assert escape(message) in page, page[-3000:]
        assert "data-import-problems" in page and "没有写入任何内容" in page
        assert escape(place) in page
    assert 'name="confirm"' not in page  # nothing to confirm
    moderator_client.post(url, {"confirm": "publish"})
    assert fingerprint() == before
