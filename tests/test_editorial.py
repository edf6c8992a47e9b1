"""The editors' workflow: groups and moderation, validation, taxonomy upkeep (merge, guarded
delete), revisions and the audit log, import/export (roles/editorial/)."""

import csv
import io
import json
from io import StringIO

import pytest

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from wagtail.models import ModelLogEntry, PageLogEntry, Revision
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from roles.choices import SkillLevel
from roles.datafile import catalogue
from roles.editorial.setup import EDITORS, MODERATORS, WORKFLOW
from roles.editorial.terms import MERGE_ACTION, merge_terms
from roles.models import (
    Background,
    CompanyType,
    RoleCategoryPage,
    RoleIndexPage,
    RolePage,
    RoleSkill,
    Skill,
    Subscriber,
)

pytestmark = pytest.mark.django_db


def member(name, group):
    user = get_user_model().objects.create_user(name, password="pw")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor_client(client):
    client.force_login(member("editor", EDITORS))
    return client


@pytest.fixture
def moderator():
    return member("moderator", MODERATORS)


def edit_form(role, **overrides):
    """The role editor's form as the browser posts it, with `overrides`."""
    skills = list(role.skill_links.all())
    company_types = list(role.company_type_links.all())
    data = {
        "title": role.title,
        "slug": role.slug,
        "english_name": role.english_name,
        "synonyms": role.synonyms,
        "definition": role.definition,
        "skills_text": role.skills_text,
        "company_types_text": role.company_types_text,
        "editor_notes": role.editor_notes,
        "seo_title": "",
        "search_description": "",
        "skill_links": inline_formset(
            [
                {"id": link.pk, "skill": link.skill_id, "level": link.level, "ORDER": i}
                for i, link in enumerate(skills)
            ],
            initial=len(skills),
        ),
        "company_type_links": inline_formset(
            [
                {"id": link.pk, "company_type": link.company_type_id, "ORDER": i}
                for i, link in enumerate(company_types)
            ],
            initial=len(company_types),
        ),
        # The fixture's roles have no sections (a test that adds some posts its own body).
        "body": streamfield([]),
    }
    data.update(overrides)
    return nested_form_data(data)


def edit_url(role):
    return reverse("wagtailadmin_pages:edit", args=[role.pk])


# Groups, permissions and the workflow.


def test_the_migration_creates_editor_and_moderator_groups_and_the_workflow():
    index = RoleIndexPage.objects.get()
    role = RolePage.objects.get(slug="prompt-engineer")
    assert index.get_workflow().name == WORKFLOW
    assert role.get_workflow().name == WORKFLOW
    [task] = role.get_workflow().tasks.all()
    assert [group.name for group in task.specific.groups.all()] == [MODERATORS]

    editor, moderator = member("e", EDITORS), member("m", MODERATORS)
    editor_perms = role.permissions_for_user(editor)
    moderator_perms = role.permissions_for_user(moderator)
    assert editor_perms.can_edit() and not editor_perms.can_publish()
    assert moderator_perms.can_edit() and moderator_perms.can_publish()
    for user in (editor, moderator):
        assert user.has_perms(
            ["wagtailadmin.access_admin", "roles.add_skill", "roles.change_companytype"]
        )


def test_an_editor_submits_a_change_and_a_moderator_approves_it(editor_client, moderator):
    role = RolePage.objects.get(slug="prompt-engineer")
    old_definition = role.definition
    page = editor_client.get(edit_url(role)).content.decode()
    assert 'name="action-submit"' in page
    assert 'name="action-publish"' not in page  # no way to publish in the editor's UI

    response = editor_client.post(
        edit_url(role), edit_form(role, definition="新的定义。", **{"action-submit": "1"})
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.definition == old_definition  # the live page is unchanged while in moderation
    assert role.workflow_in_progress
    anonymous = Client()
    assert "新的定义。" not in anonymous.get(role.url).content.decode()
    preview = anonymous.get(reverse("wagtailadmin_pages:preview_on_edit", args=[role.pk]))
    assert preview.status_code == 302 and "/admin/login/" in preview["Location"]

    moderator_client = Client()
    moderator_client.force_login(moderator)
    task_state = role.current_workflow_task_state
    response = moderator_client.post(
        reverse("wagtailadmin_pages:workflow_action", args=[role.pk, "approve", task_state.pk]),
        {"comment": "核对过原文"},
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.definition == "新的定义。"
    assert not role.workflow_in_progress
    assert "新的定义。" in anonymous.get(role.url).content.decode()
    actions = list(
        PageLogEntry.objects.filter(page=role)
        .order_by("timestamp")
        .values_list("action", flat=True)
    )
    for action in ("wagtail.edit", "wagtail.workflow.start", "wagtail.workflow.approve"):
        assert action in actions
    assert actions[-1] == "wagtail.publish"


def test_a_direct_publish_post_from_an_editor_is_refused(editor_client):
    role = RolePage.objects.get(slug="prompt-engineer")
    revisions = Revision.objects.for_instance(role).count()
    response = editor_client.post(
        edit_url(role), edit_form(role, definition="偷偷发布。", **{"action-publish": "1"})
    )
    assert response.status_code == 403
    assert "提交审核" in response.content.decode()
    role.refresh_from_db()
    assert role.definition != "偷偷发布。"
    assert Revision.objects.for_instance(role).count() == revisions

    category = RoleCategoryPage.objects.get(slug="design")
    add_url = reverse("wagtailadmin_pages:add", args=["roles", "rolepage", category.pk])
    response = editor_client.post(add_url, {"title": "x", "action-publish": "1"})
    assert response.status_code == 403


def test_anonymous_visitors_never_reach_the_admin_or_drafts(client):
    role = RolePage.objects.get(slug="prompt-engineer")
    for url in (
        "/admin/",
        edit_url(role),
        reverse("wagtailadmin_pages:revisions_index", args=[role.pk]),
        reverse("roles_catalogue_import"),
        reverse("roles_catalogue_export", args=["json"]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


# Validation.


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": "数据科学家"}, "目录中已有名为“数据科学家”的岗位"),
        ({"title": "长" * 41}, "最多 40 个字（现在 41 个）"),
        ({"definition": "长" * 301}, "300"),
        ({"synonyms": "\n".join(f"别名{i}" for i in range(11))}, "别名最多 10 个"),
    ],
)
def test_the_role_editor_explains_what_is_wrong(editor_client, overrides, message):
    role = RolePage.objects.get(slug="prompt-engineer")
    response = editor_client.post(
        edit_url(role), edit_form(role, **overrides, **{"action-submit": "1"})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    role.refresh_from_db()
    assert not role.workflow_in_progress


def test_the_settings_tab_holds_the_editor_notes(editor_client):
    role = RolePage.objects.get(slug="prompt-engineer")
    page = editor_client.get(edit_url(role)).content.decode()
    for tab in ("内容", "技能与公司类型", "推广", "设置"):
        assert f">{tab}<" in page or f"{tab}\n" in page
    assert 'name="editor_notes"' in page


# Taxonomy upkeep.


def skill(slug):
    return Skill.objects.get(slug=slug)


def test_merging_a_skill_relinks_roles_backgrounds_and_keeps_history(moderator):
    source, target = skill("statistics"), skill("math-foundation")
    users = set(RoleSkill.objects.filter(skill=source).values_list("page_id", flat=True))
    both = users & set(RoleSkill.objects.filter(skill=target).values_list("page_id", flat=True))
    assert users and both  # the catalogue has roles with one and with both
    backgrounds = set(Background.objects.filter(skills=source).values_list("pk", flat=True))
    revisions = {
        pk: Revision.objects.for_instance(RolePage.objects.get(pk=pk)).count() for pk in users
    }

    changed = merge_terms(source, target, user=moderator)

    assert {role.pk for role in changed} == users
    assert not Skill.objects.filter(slug="statistics").exists()
    for pk in users:
        role = RolePage.objects.get(pk=pk)
        links = [link for link in role.skill_links.all() if link.skill_id == target.pk]
        assert len(links) == 1
        assert links[0].level == SkillLevel.ESSENTIAL
        assert Revision.objects.for_instance(role).count() == revisions[pk] + 1
        assert role.live and not role.has_unpublished_changes
        assert PageLogEntry.objects.filter(page=role, action=MERGE_ACTION).exists()
    assert backgrounds <= set(Background.objects.filter(skills=target).values_list("pk", flat=True))
    entry = ModelLogEntry.objects.get(action=MERGE_ACTION)
    assert entry.data["source"] == "统计学" and entry.object_id == str(target.pk)


def test_merging_keeps_a_pending_draft_as_the_latest_revision(moderator):
    role = RolePage.objects.get(slug="data-scientist")
    source = role.skill_links.first().skill
    target = Skill.objects.exclude(pk__in=role.skill_links.values("skill")).first()
    draft = role.get_latest_revision_as_object()
    draft.definition = "草稿中的定义。"
    draft.save_revision()

    merge_terms(source, target, user=moderator)

    role = RolePage.objects.get(pk=role.pk)
    assert role.has_unpublished_changes
    assert target.pk in [link.skill_id for link in role.skill_links.all()]  # live
    latest = role.get_latest_revision_as_object()
    assert latest.definition == "草稿中的定义。"
    assert target.pk in [link.skill_id for link in latest.skill_links.all()]
    assert source.pk not in [link.skill_id for link in latest.skill_links.all()]


def test_merging_a_company_type_moves_subscriptions(moderator):
    source = CompanyType.objects.get(slug="game-company")
    target = CompanyType.objects.get(slug="tech-company")
    subscriber = Subscriber.objects.create(email="a@example.com")
    subscriber.company_types.add(source)
    merge_terms(source, target, user=moderator)
    assert list(subscriber.company_types.all()) == [target]


def test_the_merge_view_relinks_and_reports(client, moderator):
    client.force_login(moderator)
    source = CompanyType.objects.get(slug="game-company")
    target = CompanyType.objects.get(slug="tech-company")
    url = reverse("roles_merge_term", args=["companytype", source.pk])
    page = client.get(url).content.decode()
    assert "合并“游戏公司”" in page
    role_titles = [
        role.title for role in RolePage.objects.filter(company_type_links__company_type=source)
    ]
    assert role_titles and all(title in page for title in role_titles)

    response = client.post(url, {"target": source.pk})  # itself: not a choice
    assert response.status_code == 200 and "请选择同一词表中的另一个词" in response.content.decode()
    response = client.post(url, {"target": target.pk}, follow=True)
    assert "已把“游戏公司”合并到“科技公司”" in response.content.decode()
    assert not CompanyType.objects.filter(pk=source.pk).exists()
    assert client.get(reverse("roles_merge_term", args=["background", 1])).status_code == 404


def test_deleting_a_used_term_is_refused_with_the_roles_and_a_way_to_merge(client, moderator):
    client.force_login(moderator)
    term = skill("python")
    delete_url = reverse("wagtailsnippets_roles_skill:delete", args=[term.pk])
    page = client.get(delete_url)
    content = page.content.decode()
    assert page.status_code == 200
    assert "还有" in content and "不能删除" in content
    for role in RolePage.objects.filter(skill_links__skill=term):
        assert role.title in content
    assert reverse("roles_merge_term", args=["skill", term.pk]) in content

    assert client.post(delete_url).status_code == 409
    assert Skill.objects.filter(pk=term.pk).exists()
    bulk = reverse("wagtail_bulk_action", args=["roles", "skill", "delete"]) + f"?id={term.pk}"
    assert client.post(bulk).status_code == 409
    assert Skill.objects.filter(pk=term.pk).exists()

    unused = Skill.objects.create(name="无人使用", slug="unused", english_name="Unused")
    unused_url = reverse("wagtailsnippets_roles_skill:delete", args=[unused.pk])
    assert client.post(unused_url).status_code == 302
    assert not Skill.objects.filter(pk=unused.pk).exists()


def test_taxonomy_listing_shows_usage_and_filters_by_it(client, moderator):
    client.force_login(moderator)
    Skill.objects.create(name="无人使用", slug="unused", english_name="Unused")
    url = reverse("wagtailsnippets_roles_skill:list")
    listing = client.get(url).content.decode()
    assert "岗位数" in listing and "合并到…" in listing
    unused = client.get(url, {"in_use": "false"}).content.decode()
    assert "无人使用" in unused and "Python" not in unused
    used = client.get(url, {"in_use": "true"}).content.decode()
    assert "无人使用" not in used and "Python" in used


def test_an_editor_can_create_a_term_from_the_chooser(editor_client):
    url = reverse("wagtailsnippetchoosers_roles_skill:create")
    # A new term needs its English name (issue 15): without one it is not created.
    response = editor_client.post(
        url, {"name": "向量数据库", "slug": "vector-db", "english_name": ""}
    )
    assert json.loads(response.content)["step"] != "chosen"
    assert not Skill.objects.filter(slug="vector-db").exists()
    response = editor_client.post(
        url, {"name": "向量数据库", "slug": "vector-db", "english_name": "Vector databases"}
    )
    assert response.status_code == 200
    assert json.loads(response.content)["step"] == "chosen"
    assert Skill.objects.filter(slug="vector-db", name="向量数据库").exists()


# Revisions and audit.


def test_revisions_compare_revert_and_history(client, moderator):
    client.force_login(moderator)
    role = RolePage.objects.get(slug="prompt-engineer")
    original = role.live_revision
    role.definition = "修改后的定义。"
    role.save_revision(user=moderator, log_action=True).publish(user=moderator)

    compare = client.get(
        reverse("wagtailadmin_pages:revisions_compare", args=[role.pk, original.pk, "latest"])
    )
    assert compare.status_code == 200
    assert "修改后的定义。" in compare.content.decode()

    revert = client.get(
        reverse("wagtailadmin_pages:revisions_revert", args=[role.pk, original.pk])
    ).content.decode()
    assert original.as_object().definition in revert

    response = client.post(
        reverse("wagtailadmin_pages:revisions_revert", args=[role.pk, original.pk]),
        edit_form(original.as_object(), **{"action-publish": "1", "revision": str(original.pk)}),
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.definition == original.as_object().definition
    assert PageLogEntry.objects.filter(page=role, action="wagtail.revert").exists()

    history = client.get(reverse("wagtailadmin_pages:history", args=[role.pk])).content.decode()
    assert "moderator" in history


# Import and export.


def csv_row(*cells):
    """CSV text: one row of `cells`, or one row per list in `cells`."""
    out = io.StringIO()
    rows = cells if cells and isinstance(cells[0], list) else [cells]
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def upload(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8"))


def test_export_downloads_json_and_csv(client, moderator):
    client.force_login(moderator)
    response = client.get(reverse("roles_catalogue_export", args=["json"]))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content) == catalogue.export_catalogue()
    response = client.get(reverse("roles_catalogue_export", args=["csv"]))
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffcategory,slug,title")
    assert text.count("\r\n") == RolePage.objects.count() + 1


def test_import_shows_a_dry_run_diff_then_writes_on_confirmation(client, moderator):
    client.force_login(moderator)
    url = reverse("roles_catalogue_import")
    text = catalogue.dumps_csv(catalogue.export_catalogue())
    role = RolePage.objects.get(slug="prompt-engineer")
    edited = text.replace(role.definition, "导入的新定义。")
    edited += csv_row(
        "design", "ai-motion-designer", "AI动效设计师", "", "", "设计动效。",
        "design-tools; creativity (preferred)", "设计工具。", "game-company", "游戏公司。",
    )  # fmt: skip

    response = client.post(url, {"file": upload("roles.csv", edited)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "data-import-problems" not in page
    assert 'data-diff="created"><td>AI动效设计师' in page
    assert 'data-diff="updated"><td>提示工程师</td><td>修改：角色定义</td>' in page
    assert "新增 1 个，修改 1 个，44 个不变" in page
    assert not RolePage.objects.filter(slug="ai-motion-designer").exists()  # nothing yet
    role.refresh_from_db()
    assert role.definition != "导入的新定义。"

    response = client.post(url, {"confirm": "1"}, follow=True)
    assert "已导入 roles.csv" in response.content.decode()
    role.refresh_from_db()
    assert role.definition == "导入的新定义。"
    assert RolePage.objects.get(slug="ai-motion-designer").live


def test_the_dry_run_and_the_result_count_the_same_things_in_the_same_units(client, moderator):
    """Roles in roles, and separately the home, categories and terms: the dry run used to say
    "45 个不变" (roles) and the result "213 项不变" (everything)."""
    client.force_login(moderator)
    url = reverse("roles_catalogue_import")
    data = catalogue.export_catalogue()
    terms = (
        1
        + len(data["categories"])
        + sum(len(data[key]) for key in ("skills", "company_types", "backgrounds"))
    )
    roles = "岗位：新增 0 个，修改 0 个，45 个不变。"
    others = f"类别与分类词：新增 0 项，修改 0 项，{terms} 项不变。"

    dry_run = client.post(url, {"file": upload("catalogue.json", catalogue.dumps(data))})
    page = dry_run.content.decode()
    assert f"<p data-diff-summary>{roles}</p>" in page
    assert f"<p data-diff-summary-others>{others}</p>" in page

    result = client.post(url, {"confirm": "1"}, follow=True).content.decode()
    assert f"已导入 catalogue.json。{roles}{others}" in result


def test_an_import_with_errors_names_each_row_and_writes_nothing(client, moderator):
    client.force_login(moderator)
    text = catalogue.dumps_csv(catalogue.export_catalogue())
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    rows[2][6] += "; no-such-skill"  # the second role, on line 3
    rows.append(["nowhere", "new-role", "新岗位", "", "", "定义。", "python; statistics", "技能。"])
    rows.append(["design", "Bad Slug", "新岗位二", "", "", "定义。", "python", "技能。", "", ""])
    before = catalogue.export_catalogue()
    response = client.post(
        reverse("roles_catalogue_import"), {"file": upload("bad.csv", csv_row(*rows))}
    )
    page = response.content.decode()
    assert "没有写入任何内容" in page
    assert "第 3 行 skills 列：未知的技能“no-such-skill”" in page
    assert f"第 {len(rows) - 1} 行：单元格的数目与标题行不一致。" in page
    last = f"第 {len(rows)} 行"
    assert f"{last} slug 列：URL 标识“Bad Slug”只能使用小写英文字母、数字和连字符" in page
    assert f"{last} company_types 列：至少需要一种可应聘的公司类型。" in page
    assert catalogue.export_catalogue() == before
    assert client.post(reverse("roles_catalogue_import"), {"confirm": "1"}).status_code == 302

    response = client.post(reverse("roles_catalogue_import"), {"file": upload("x.txt", "hi")})
    assert "只能导入 .json 或 .csv 文件" in response.content.decode()


def test_the_commands_dry_run_and_read_csv(tmp_path):
    path = tmp_path / "roles.csv"
    call_command("export_catalogue", "-o", str(path), stderr=StringIO())
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("研发和应用深度学习算法", "研发深度学习算法"), encoding="utf-8")
    out = StringIO()
    call_command("load_catalogue", str(path), "--update", "--dry-run", stdout=out)
    assert "updated: role 深度学习算法工程师 [definition]" in out.getvalue()
    assert "dry run, nothing written: would be 0 created, 1 updated" in out.getvalue()
    assert (
        "研发和应用深度学习算法" in RolePage.objects.get(slug="deep-learning-engineer").definition
    )


# Term changes that alter live pages are for those who may publish (issue 12, item 2).


def term_form(term, **changes):
    data = {
        "name": term.name,
        "slug": term.slug,
        "english_name": term.english_name,
        "description": term.description,
        **changes,
    }
    if isinstance(term, Skill):  # a skill's form has its learning resources inline (0007)
        assert not term.resources.exists()
        data["resources"] = inline_formset([])
    form = nested_form_data(data)
    if isinstance(term, Background):  # keep its skills (a plain multiple choice, not nested)
        form.setdefault("skills", [str(pk) for pk in term.skills.values_list("pk", flat=True)])
    return form


def snippet_url(term, action):
    return reverse(f"wagtailsnippets_roles_{term._meta.model_name}:{action}", args=[term.pk])


def public_page(role):
    return Client().get(role.url).content.decode()


def test_an_editor_cannot_rename_merge_or_delete_a_term_live_roles_use(editor_client):
    term = skill("python")
    role = RolePage.objects.live().filter(skill_links__skill=term).first()
    assert "Python" in public_page(role)

    page = editor_client.get(snippet_url(term, "edit"))
    assert page.status_code == 403
    content = page.content.decode()
    assert "只能由审核人修改" in content and "审核组" in content and role.title in content
    response = editor_client.post(snippet_url(term, "edit"), term_form(term, name="蟒蛇语言"))
    assert response.status_code == 403
    assert skill("python").name == "Python"

    target = skill("statistics")
    merge_url = reverse("roles_merge_term", args=["skill", term.pk])
    assert editor_client.get(merge_url).status_code == 403
    response = editor_client.post(merge_url, {"target": target.pk})
    assert response.status_code == 403 and "只能由审核人修改" in response.content.decode()
    editor = get_user_model().objects.get(username="editor")
    with pytest.raises(PermissionDenied):
        merge_terms(term, target, user=editor)

    response = editor_client.post(snippet_url(term, "delete"))
    assert response.status_code == 403
    bulk = reverse("wagtail_bulk_action", args=["roles", "skill", "delete"]) + f"?id={term.pk}"
    assert editor_client.post(bulk).status_code == 403

    assert Skill.objects.filter(pk=term.pk, name="Python").exists()
    assert "Python" in public_page(role) and "蟒蛇语言" not in public_page(role)
    assert not PageLogEntry.objects.filter(page=role, user=editor).exists()

    company_type = CompanyType.objects.get(slug="game-company")
    response = editor_client.post(
        snippet_url(company_type, "edit"), term_form(company_type, name="电玩公司")
    )
    assert response.status_code == 403
    assert CompanyType.objects.get(pk=company_type.pk).name == "游戏公司"


def test_an_editor_cannot_change_a_background_shown_on_the_finder(editor_client):
    background = Background.objects.first()
    response = editor_client.post(
        snippet_url(background, "edit"), {**term_form(background, name="改掉的背景")}
    )
    assert response.status_code == 403 and "从我的背景出发" in response.content.decode()
    assert editor_client.post(snippet_url(background, "delete")).status_code == 403
    assert Background.objects.get(pk=background.pk).name == background.name
    # A skill that a background lists is in live use too (the finder reads it).
    listed = background.skills.first()
    assert editor_client.get(snippet_url(listed, "edit")).status_code == 403


def test_the_listing_offers_an_editor_only_the_changes_they_may_make(editor_client):
    unused = Skill.objects.create(name="无人使用", slug="unused", english_name="Unused")
    url = reverse("wagtailsnippets_roles_skill:list")
    listing = editor_client.get(url, {"in_use": "false"}).content.decode()
    assert snippet_url(unused, "edit") in listing
    assert reverse("roles_merge_term", args=["skill", unused.pk]) in listing
    python = skill("python")
    listing = editor_client.get(url, {"in_use": "true", "ordering": "-role_count"}).content.decode()
    assert snippet_url(python, "edit") not in listing
    assert snippet_url(python, "delete") not in listing
    assert reverse("roles_merge_term", args=["skill", python.pk]) not in listing
    assert "Python" in listing  # still listed, with its usage


def test_an_editor_may_change_terms_no_live_role_uses(editor_client):
    """New terms, and terms only drafts use, change no live page: no moderation needed."""
    draft_only = Skill.objects.create(
        name="草稿技能", slug="draft-skill", english_name="Draft skill"
    )
    category = RoleCategoryPage.objects.get(slug="data-engineering")
    draft = RolePage(
        title="草稿岗位",
        slug="draft-role",
        definition="草稿。",
        skills_text="草稿。",
        company_types_text="草稿。",
        live=False,
    )
    draft.skill_links = [RoleSkill(skill=draft_only)]
    category.add_child(instance=draft)

    response = editor_client.post(
        snippet_url(draft_only, "edit"), term_form(draft_only, name="草稿技能二")
    )
    assert response.status_code == 302
    assert Skill.objects.get(pk=draft_only.pk).name == "草稿技能二"

    spare = Skill.objects.create(name="备用技能", slug="spare-skill", english_name="Spare skill")
    merge_url = reverse("roles_merge_term", args=["skill", draft_only.pk])
    assert editor_client.post(merge_url, {"target": spare.pk}).status_code == 302
    assert not Skill.objects.filter(pk=draft_only.pk).exists()
    assert [link.skill_id for link in RolePage.objects.get(pk=draft.pk).skill_links.all()] == [
        spare.pk
    ]

    unused = Skill.objects.create(name="无人使用", slug="unused", english_name="Unused")
    assert editor_client.post(snippet_url(unused, "delete")).status_code == 302
    assert not Skill.objects.filter(pk=unused.pk).exists()


def test_a_moderator_changes_a_live_term_and_the_live_page_changes(client, moderator):
    client.force_login(moderator)
    term = skill("python")
    role = RolePage.objects.live().filter(skill_links__skill=term).first()
    listing = client.get(reverse("wagtailsnippets_roles_skill:list")).content.decode()
    assert snippet_url(term, "edit") in listing
    assert reverse("roles_merge_term", args=["skill", term.pk]) in listing

    response = client.post(snippet_url(term, "edit"), term_form(term, name="Python 编程"))
    assert response.status_code == 302
    assert "Python 编程" in public_page(role)

    source, target = skill("statistics"), skill("math-foundation")
    merge_url = reverse("roles_merge_term", args=["skill", source.pk])
    assert client.post(merge_url, {"target": target.pk}).status_code == 302
    assert not Skill.objects.filter(pk=source.pk).exists()

    background = Background.objects.get(slug="teaching")  # one the finder offers as a background
    response = client.post(snippet_url(background, "edit"), term_form(background, name="新背景名"))
    assert response.status_code == 302
    assert "新背景名" in Client().get("/match/").content.decode()
