"""Role pages' editor-written sections (RolePage.body, roles/models/blocks.py): fixed order,
numbered sources, dated salaries, block validation, FAQ JSON-LD, the API and JSON download,
search, 下一步, preview, and the 内容完整度 report (roles/reports.py)."""

import csv
import datetime
import io
import json
import re
from html import unescape

import pytest
from openpyxl import load_workbook

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roles.editorial.setup import EDITORS
from roles.models import RolePage
from roles.models.blocks import SECTION_ORDER, RoleBodyBlock

from .factories import next_roles, role_body, source

pytestmark = pytest.mark.django_db

# Added in the reverse of the order the page shows them in.
EVERY_SECTION = tuple(reversed(SECTION_ORDER))
HEADINGS = ["日常工作", "入行路径", "职业发展", "学习资源", "薪资参考", "常见问题"]
LONG_AGO = datetime.date.today() - datetime.timedelta(days=400)


def role(slug):
    return RolePage.objects.get(slug=slug)


def publish(page, body):
    page.body = body
    page.save_revision().publish()
    return RolePage.objects.get(pk=page.pk)


def html(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return unescape(response.content.decode())


def full_body(**values):
    values.setdefault(
        "career_path", {"next_roles": next_roles(role("data-scientist"), note="积累经验后")}
    )
    return role_body(*EVERY_SECTION, **values)


def section_headings(text):
    return re.findall(r'<h2 id="section-[a-z-]+-heading">([^<]+)<', text)


def test_sections_show_in_the_fixed_order_with_contents_and_numbered_references(client):
    page = publish(role("prompt-engineer"), full_body())
    text = html(client, page)
    assert section_headings(text) == HEADINGS
    toc = text[text.index('class="toc"') : text.index("</nav>", text.index('class="toc"'))]
    assert re.findall(r'href="#(section-[a-z-]+)"', toc) == [
        "section-daily-work",
        "section-entry-routes",
        "section-career-path",
        "section-learning-resources",
        "section-salary",
        "section-faq",
    ]
    # Sources are numbered down the page: 1 daily work, 2 routes, 3 career, 4 salary, 5 FAQ
    # (learning resources are links of their own).
    numbers = re.findall(
        r'<li id="ref-(\d+)" class="references__item">'
        r'<span class="references__number">\[(\d+)\]</span> <a href="([^"]+)"',
        text,
    )
    assert [(int(a), int(b)) for a, b, _url in numbers] == [(n, n) for n in range(1, 6)]
    assert [url for *_n, url in numbers] == [
        f"https://example.org/source-{n}" for n in (1, 2, 3, 4, 5)
    ]
    salary = text[text.index('id="section-salary"') :]
    salary = salary[: salary.index("</section>")]
    assert "测试来源4" in salary and "[4]" in salary and "北京" in salary
    assert "20000–35000 人民币" in salary and "数据较旧" not in salary
    assert (
        '<a class="next-role__title" href="/data-engineering/data-scientist/">数据科学家</a>'
        '<span class="next-role__note">积累经验后</span>' in text
    )


def test_a_page_with_few_sections_has_no_contents_and_empty_sections_are_not_shown(client):
    draft = role("data-scientist")
    draft.unpublish()
    page = publish(
        role("prompt-engineer"),
        role_body(
            "faq",
            "career_path",
            "daily_work",
            career_path={"next_roles": next_roles(draft)},  # only a role visitors cannot see
            daily_work={"tasks": []},
        ),
    )
    text = html(client, page)
    assert section_headings(text) == ["常见问题"]
    assert 'class="toc"' not in text
    assert "数据科学家" not in text
    # The fixture roles have no sections and show none.
    plain = html(client, role("ai-designer"))
    assert "role-section" not in plain and 'class="toc"' not in plain


def test_a_salary_older_than_twelve_months_is_marked_dated(client):
    rows = [
        {
            "city": "上海",
            "minimum": 1,
            "maximum": 2,
            "currency": "CNY",
            "period": "month",
            "as_of": LONG_AGO.isoformat(),
        },
        {
            "city": "深圳",
            "minimum": 3,
            "maximum": 4,
            "currency": "USD",
            "period": "year",
            "as_of": datetime.date.today().isoformat(),
        },
    ]
    page = publish(role("prompt-engineer"), role_body("salary", salary={"rows": rows}))
    text = html(client, page)
    shanghai = text[text.index("上海") : text.index("</tr>", text.index("上海"))]
    shenzhen = text[text.index("深圳") : text.index("</tr>", text.index("深圳"))]
    assert "数据较旧" in shanghai and "数据较旧" not in shenzhen
    assert "3–4 美元" in shenzhen and "每年" in shenzhen
    [row_a, row_b] = Client().get("/api/v3/roles/prompt-engineer/").json()["sections"][0]["rows"]
    assert (row_a["dated"], row_b["dated"]) == (True, False)


def stream(raw):
    block = RoleBodyBlock()
    return block, block.to_python(raw)


@pytest.mark.parametrize("kind", ["daily_work", "entry_routes", "career_path", "salary", "faq"])
def test_factual_sections_are_refused_without_sources(kind):
    values = {"sources": []}
    if kind == "career_path":
        values["next_roles"] = next_roles(role("data-scientist"))
    block, value = stream(json.loads(role_body(kind, **{kind: values})))
    with pytest.raises(ValidationError) as error:
        block.clean(value)
    assert "sources" in str(error.value.as_json_data())
    # With a source it is accepted.
    values["sources"] = [source(1)]
    block, value = stream(json.loads(role_body(kind, **{kind: values})))
    block.clean(value)


def test_a_source_needs_a_title_a_link_and_a_date_and_a_salary_a_sensible_range():
    block, value = stream(
        json.loads(
            role_body(
                "daily_work",
                daily_work={
                    "sources": [{"title": "", "url": "javascript:alert(1)", "consulted": None}]
                },
            )
        )
    )
    with pytest.raises(ValidationError) as error:
        block.clean(value)
    errors = json.dumps(error.value.as_json_data(), ensure_ascii=False)
    assert errors.count('"title"') and '"url"' in errors and '"consulted"' in errors
    rows = [
        {
            "city": "北京",
            "minimum": 30000,
            "maximum": 20000,
            "currency": "CNY",
            "period": "month",
            "as_of": "2026-01-01",
        }
    ]
    block, value = stream(json.loads(role_body("salary", salary={"rows": rows})))
    with pytest.raises(ValidationError) as error:
        block.clean(value)
    assert "最高值不能低于最低值。" in json.dumps(error.value.as_json_data(), ensure_ascii=False)


def test_each_section_type_is_allowed_once():
    block, value = stream(json.loads(role_body("faq", "faq")))
    with pytest.raises(ValidationError):
        block.clean(value)


def structured_data(text):
    [script] = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', text, re.S)
    return json.loads(script)


def test_questions_are_schema_org_faq_in_the_one_nonced_json_ld_block(client):
    questions = [
        {"question": "需要会编程吗？", "answer": "需要 </script> 基本的脚本能力。"},
        {"question": "要多久？", "answer": "半年左右。"},
    ]
    page = publish(role("prompt-engineer"), role_body("faq", faq={"questions": questions}))
    response = client.get(page.url)
    raw = response.content.decode()
    head = raw[raw.index("<head>") : raw.index("</head>")]
    # One inline block, the JSON-LD: every other script is a file of the site's own.
    assert len(re.findall(r"<script(?![^>]*\bsrc=)[\s>]", head)) == 1
    assert re.search(r'<script type="application/ld\+json" nonce="[^"]+">', raw)
    assert "</script> 基本" not in raw
    data = structured_data(raw)
    assert data["@context"] == "https://schema.org"
    occupation, faq = data["@graph"]
    assert occupation["@type"] == "Occupation" and occupation["name"] == "提示工程师"
    assert faq["@type"] == "FAQPage"
    assert faq["mainEntity"] == [
        {
            "@type": "Question",
            "name": q["question"],
            "acceptedAnswer": {"@type": "Answer", "text": q["answer"]},
        }
        for q in questions
    ]
    # Without questions the block stays a plain Occupation.
    assert (
        structured_data(client.get(role("ai-designer").url).content.decode())["@type"]
        == "Occupation"
    )


def test_the_articles_own_fields_cite_the_article(client):
    text = html(client, role("ai-designer"))
    cites = [
        unescape(re.sub(r"<[^>]+>", "", cite))
        for cite in re.findall(r'<span class="article-cite">(.*?)</time></span>', text)
    ]
    # The definition (under its 原文 label), the skills and the company types.
    assert [cite.removeprefix(" —— ") for cite in cites] == [
        "《职场新机遇：热门AI岗位大盘点！》，AI产品经理Echo，2024-12-17"
    ] * 3
    assert '<time datetime="2024-12-17">2024-12-17</time>' in text
    assert '<span class="original__label">原文</span>' in text


def test_the_api_and_the_json_download_include_the_sections(client):
    publish(role("prompt-engineer"), full_body())
    detail = client.get("/api/v3/roles/prompt-engineer/").json()
    assert [s["type"] for s in detail["sections"]] == SECTION_ORDER
    by_type = {s["type"]: s for s in detail["sections"]}
    assert by_type["daily_work"]["tasks"] == ["与业务方确认需求", "设计评测集并记录结果"]
    assert by_type["daily_work"]["heading"] == "日常工作"
    assert by_type["daily_work"]["sources"] == [
        {
            "title": "测试来源1",
            "url": "https://example.org/source-1",
            "consulted": datetime.date.today().isoformat(),
        }
    ]
    assert by_type["career_path"]["next_roles"] == [
        {
            "slug": "data-scientist",
            "name": "数据科学家",
            "note": "积累经验后",
            "url": client.get("/api/v3/roles/data-scientist/").json()["url"],
        }
    ]
    assert by_type["entry_routes"]["routes"][0] == {
        "kind": "education",
        "kind_label": "学历教育",
        "text": "计算机或统计相关专业。",
    }
    assert by_type["learning_resources"]["resources"][0]["free"] is True
    assert "sources" not in by_type["learning_resources"]
    listed = client.get("/api/v3/roles/?q=提示工程师").json()["items"][0]
    assert listed["sections"] == detail["sections"]
    download = client.get("/data/roles.json").json()
    [entry] = [r for r in download["roles"] if r["slug"] == "prompt-engineer"]
    assert entry["sections"] == detail["sections"]
    assert all(r["sections"] == [] for r in download["roles"] if r["slug"] != "prompt-engineer")
    schema = client.get("/api/v3/openapi.json").json()["components"]["schemas"]
    assert {"DailyWorkOut", "SalaryOut", "FAQOut"} <= set(schema)


def test_search_finds_a_word_that_only_a_section_has(client):
    assert client.get("/api/v3/roles/?q=光谱仪").json()["count"] == 0
    publish(
        role("prompt-engineer"), role_body("daily_work", daily_work={"tasks": ["校准光谱仪的读数"]})
    )
    text = unescape(client.get("/roles/?q=光谱仪").content.decode())
    assert "提示工程师" in text and "编辑栏目" in text  # found, and says where
    assert [r["slug"] for r in client.get("/api/v3/roles/?q=光谱仪").json()["items"]] == [
        "prompt-engineer"
    ]


def query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_next_roles_appear_as_next_steps_on_the_roles_they_name_in_constant_queries(client):
    target = role("data-scientist")
    first = publish(
        role("prompt-engineer"), full_body(career_path={"next_roles": next_roles(target)})
    )
    text = html(client, target)
    steps = text[text.index('id="next-steps-heading"') :]
    steps = steps[: steps.index("</section>")]
    assert "作为下一步" in steps and ">提示工程师</a>" in steps
    assert "机器学习工程师" not in steps

    client.get("/")
    urls = [target.url, first.url, "/api/v3/roles/", "/data/roles.json"]
    before = [query_count(client, url) for url in urls]
    others = ["machine-learning-engineer", "ai-designer", "data-engineer", "ai-product-manager"]
    for slug in others:
        publish(
            role(slug),
            full_body(career_path={"next_roles": next_roles(target, role("ai-ethicist"))}),
        )
    publish(first, full_body(career_path={"next_roles": next_roles(target, *map(role, others))}))
    after = [query_count(client, url) for url in urls]
    assert after == before, dict(zip(urls, zip(before, after, strict=True), strict=True))
    text = html(client, target)
    steps = text[text.index('id="next-steps-heading"') :]
    assert "机器学习工程师" in steps[: steps.index("</section>")]


def test_a_draft_does_not_list_its_next_roles_until_it_is_published(client):
    target = role("data-scientist")
    page = role("prompt-engineer")
    page.body = role_body("career_path", career_path={"next_roles": next_roles(target)})
    page.save_revision()  # a draft, waiting for moderation
    assert "next-steps-heading" not in html(client, target)
    assert "section-career-path" not in html(client, page)


def list_block(values):
    return {
        "count": len(values),
        **{str(i): {"value": value, "deleted": "", "order": i} for i, value in enumerate(values)},
    }


def test_the_preview_shows_the_sections_before_they_are_saved():
    from .test_editorial import edit_form, edit_url

    moderator = get_user_model().objects.create_superuser("boss", password="pw")
    client = Client()
    client.force_login(moderator)
    page = role("prompt-engineer")
    today = datetime.date.today().isoformat()
    body = {
        "count": 1,
        "0": {
            "type": "daily_work",
            "deleted": "",
            "order": 0,
            "value": {
                "tasks": list_block(["在预览里写的任务"]),
                "sources": list_block(
                    [{"title": "预览来源", "url": "https://example.org/p", "consulted": today}]
                ),
            },
        },
    }
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk])
    response = client.post(url, edit_form(page, body=body))
    assert response.json() == {"is_valid": True, "is_available": True}
    text = unescape(client.get(url).content.decode())
    assert "在预览里写的任务" in text and "预览来源" in text and "[1]" in text
    # And the same form, submitted with its source removed, is refused.
    body["0"]["value"]["sources"] = list_block([])
    response = client.post(edit_url(page), edit_form(page, body=body, **{"action-publish": "1"}))
    assert response.status_code == 200
    assert "在预览里写的任务" not in html(Client(), page)


# The 内容完整度 report.

REPORT = "/admin/reports/content-completeness/"


@pytest.fixture
def editor_client():
    user = get_user_model().objects.create_user("report-editor", password="pw")
    user.groups.add(Group.objects.get(name=EDITORS))
    client = Client()
    client.force_login(user)
    return client


def report_rows(client, query=""):
    text = unescape(client.get(REPORT + query).content.decode())
    table = text[
        text.index('<table class="listing') : text.index(
            "</table>", text.index('<table class="listing')
        )
    ]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:], text


def test_the_report_lists_what_each_role_lacks_and_dated_sources_by_category(editor_client):
    publish(
        role("prompt-engineer"),
        role_body("daily_work", "faq", faq={"sources": [source(7, LONG_AGO)]}),
    )
    publish(role("ai-designer"), full_body())
    admin = editor_client.get("/admin/").content.decode()
    # The sidebar's menu is JSON for its script to draw.
    menu = re.search(r'<script[^>]*id="wagtail-sidebar-props"[^>]*>(.*?)</script>', admin, re.S)
    menu = json.dumps(json.loads(menu.group(1)), ensure_ascii=False)
    assert REPORT in menu and "内容完整度" in menu

    rows, text = report_rows(editor_client)
    assert "内容完整度" in text and len(rows) == 45
    [prompt] = [row for row in rows if "提示工程师" in row]
    assert "入行路径、职业发展、学习资源、薪资参考" in prompt
    assert f"常见问题：测试来源7（{LONG_AGO.isoformat()}）" in prompt

    category = role("prompt-engineer").category
    rows, _text = report_rows(editor_client, f"?category={category.pk}")
    assert len(rows) == RolePage.objects.filter(category=category).count() < 45
    rows, _text = report_rows(editor_client, "?dated=true")
    assert len(rows) == 1 and "提示工程师" in rows[0]
    rows, _text = report_rows(editor_client, "?lacks=faq")
    assert len(rows) == 43  # all but the two with questions
    rows, _text = report_rows(editor_client, "?lacks=nonsense&category=abc")
    assert len(rows) == 45  # an unknown value filters nothing, and is not a 500


def test_the_report_exports_csv_and_xlsx_with_formulas_neutralised(editor_client):
    page = role("prompt-engineer")
    page.title = '=HYPERLINK("http://evil.example","x")'
    page.save_revision().publish()
    publish(
        role("prompt-engineer"),
        role_body("faq", faq={"sources": [source(7, LONG_AGO) | {"title": "@SUM(1)"}]}),
    )
    response = editor_client.get(REPORT + "?dated=true&export=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["岗位", "类别", "缺少的栏目", "超过一年的来源", "状态"]
    assert rows[1][0] == "'" + page.title
    assert rows[1][3] == f"常见问题：@SUM(1)（{LONG_AGO.isoformat()}）"  # not at the start: text

    response = editor_client.get(REPORT + "?dated=true&export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][0] == "'" + page.title
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_visitors_cannot_see_the_report(client):
    response = client.get(REPORT)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
