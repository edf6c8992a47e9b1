"""An admin a Chinese editor can live in (issue 14, section 3): the editor's and moderator's
screens have no English interface text left (locale/zh_Hans fills Wagtail's gaps), one set of
groups (编辑, 审核; migration 0008), and the dashboard shows a moderator what waits for them
first, with a confirmation after approving or requesting changes."""

import importlib
import json
import re
from html.parser import HTMLParser

import pytest

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from wagtail.models import GroupApprovalTask, Page, Workflow

from roles.editorial.setup import EDITORS, MODERATORS, WORKFLOW
from roles.models import Background, CompanyType, RoleCategoryPage, RoleIndexPage, RolePage, Skill

pytestmark = pytest.mark.django_db


def member(name, group):
    user = get_user_model().objects.create_user(name, password="pw")
    user.groups.add(Group.objects.get(name=group))
    return user


def logged_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def submit(role, user, title=None):
    """Save a change to `role` as `user` and submit it to 审核发布; returns the task state."""
    role = RolePage.objects.get(pk=role.pk)
    if title:
        role.title = title
    role.save_revision(user=user)
    role.get_workflow().start(role, user)
    return RolePage.objects.get(pk=role.pk).current_workflow_task_state


# 1. No English on the editor's screens.

# Words that are not interface text: brand and technical names, and Wagtail's hidden side-panel
# counter, which renders Python's None (a Wagtail bug, never shown).
NOT_INTERFACE = {"Wagtail", "JavaScript", "Excel", "CSV", "JSON", "XLSX", "API", "URL", "None"}
URL_LIKE = re.compile(r"\S*(?:https?://|www\.|\.com|/)\S*")
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
# A run: English words (and numbers among them: "56 Pages", "1-8 of 8") read together.
ENGLISH_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.-]*(?:\s+[A-Za-z0-9][A-Za-z0-9'’.-]*)*")
SKIPPED_TAGS = {"script", "style", "template", "svg", "textarea"}  # a textarea holds content
SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "data-w-tooltip-content-value"}


class VisibleText(HTMLParser):
    """The text a person reads or hears: text nodes and the labelling attributes, without
    scripts and styles, plus the labels of the sidebar menu (JSON in a script)."""

    def __init__(self):
        super().__init__()
        self.skipping = []
        self.chunks = []
        self.json_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in SKIPPED_TAGS:
            self.skipping.append(tag)
            self.json_script = tag == "script" and attrs.get("type") == "application/json"
        # The account page lists languages and time zones by their own names.
        if tag == "select" and re.search(r"language|time_zone", attrs.get("name") or ""):
            self.skipping.append(tag)
        if self.skipping:
            return
        for name, value in attrs.items():
            if value and name in SHOWN_ATTRIBUTES:
                self.chunks.append(value)
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.chunks.append(attrs["value"])

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
            self.json_script = False

    def handle_data(self, data):
        if not self.skipping:
            self.chunks.append(data)
        elif self.json_script and "label" in data:
            try:
                self.chunks.extend(labels(json.loads(data)))
            except ValueError:
                pass


def labels(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("label", "title") and isinstance(item, str):
                yield item
            else:
                yield from labels(item)
    elif isinstance(value, list):
        for item in value:
            yield from labels(item)


def content_strings(*users):
    """What editors wrote or the catalogue holds: names, English names, synonyms, slugs,
    titles and user names may be in any language, so they are not interface text."""
    strings = {user.get_username() for user in users}
    for model in (Skill, CompanyType, Background):
        for row in model.objects.values("name", "slug", "english_name"):
            strings.update(row.values())
    for row in Page.objects.values("title", "slug"):
        strings.update(row.values())
    for role in RolePage.objects.all():
        strings.update([role.english_name, *role.synonyms.split("、")])
    strings.update(Group.objects.values_list("name", flat=True))
    return content_pattern(strings)


def content_pattern(strings):
    """One pattern for all of `strings`, longest first, each only as a whole word: the skill
    "Java" is content, but not the "Java" in "JavaScript"."""
    alternatives = "|".join(re.escape(s) for s in sorted(filter(None, strings), key=len)[::-1])
    return re.compile(rf"(?<![A-Za-z])(?:{alternatives})(?![A-Za-z])")


def english_left(html, content):
    """The English runs in `html` once content and non-interface words are taken out."""
    parser = VisibleText()
    parser.feed(html)
    found = set()
    for chunk in parser.chunks:
        chunk = content.sub(" ", URL_LIKE.sub(" ", chunk))
        for run in ENGLISH_RUN.findall(chunk):
            words = [w for w in ENGLISH_WORD.findall(run) if w not in NOT_INTERFACE]
            if words:
                found.add(run.strip())
    return found


def body(response):
    if response["Content-Type"].startswith("application/json"):
        return response.json().get("html", "")
    return response.content.decode()


def editor_screens(role, category, index, *, moderator):
    screens = [
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_explore", args=[index.pk]),
        reverse("wagtailadmin_explore", args=[category.pk]),
        reverse("wagtailadmin_pages:edit", args=[role.pk]),
        reverse("wagtailadmin_pages:history", args=[role.pk]),
        reverse("wagtailadmin_pages:add", args=["roles", "rolepage", category.pk]),
        reverse("wagtailadmin_pages:search") + "?q=工程师",
        reverse("wagtailadmin_pages:workflow_history", args=[role.pk]),
        "/admin/snippets/roles/skill/",
        "/admin/snippets/roles/companytype/",
        "/admin/snippets/roles/background/",
        "/admin/choose-page/",
        f"/admin/choose-page/{category.pk}/",
        "/admin/snippets/choose/roles/skill/",
        "/admin/reports/site-history/",
        "/admin/reports/aging-pages/",
        "/admin/reports/content-completeness/?lacks=faq",
        "/admin/account/",
        "/admin/catalogue/import-export/",
    ]
    if moderator:
        screens += [
            reverse("wagtailadmin_pages:set_privacy", args=[role.pk]),
            "/admin/reports/locked/",
            reverse("wagtailadmin_pages:unpublish", args=[role.pk]),
        ]
    return screens


def test_the_editor_and_moderator_screens_have_no_english_interface_text():
    editor, moderator = member("editor", EDITORS), member("moderator", MODERATORS)
    index = RoleIndexPage.objects.get()
    category = RoleCategoryPage.objects.get(slug="tech-rnd")
    role = RolePage.objects.child_of(category).first()
    submit(role, editor)  # so that the workflow panels, status and history have something
    content = content_strings(editor, moderator)
    untranslated = {}
    for user, is_moderator in ((editor, False), (moderator, True)):
        client = logged_in(user)
        for url in editor_screens(role, category, index, moderator=is_moderator):
            response = client.get(url)
            assert response.status_code == 200, (user.username, url, response.status_code)
            left = english_left(body(response), content)
            if left:
                untranslated[f"{user.username} {url}"] = sorted(left)
    assert untranslated == {}


def test_the_checker_finds_english_interface_text():
    html = (
        '<p><span>56</span> Pages</p><input type="submit" value="Search">'
        '<nav aria-label="Actions"></nav><script>var x = "Not text";</script>'
        "<p>1-8 of 8 页面</p><td>Python</td>"
    )
    # "56" and "Pages" are separate text nodes; the word alone is enough to be caught.
    assert english_left(html, content_pattern(["Python"])) == {
        "Pages",
        "Search",
        "Actions",
        "1-8 of 8",
    }


def test_the_admin_speaks_chinese_where_wagtail_does_not():
    client = logged_in(member("editor", EDITORS))
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "搜索所有页面…" in page
    assert "个页面" in page  # the site summary ("56 Pages" in English)
    listing = client.get(
        reverse("wagtailadmin_explore", args=[RoleCategoryPage.objects.get(slug="tech-rnd").pk])
    ).content.decode()
    assert "更新日期" in listing and "Date updated" not in listing


def test_the_admin_scripts_speak_chinese_too():
    """The strings Wagtail's scripts show (autosave, readability…) come from its JavaScript
    catalogue, which locale/zh_Hans/LC_MESSAGES/djangojs.po completes."""
    client = logged_in(member("editor", EDITORS))
    script = client.get(reverse("wagtailadmin_javascript_catalog")).content.decode()
    for chinese in ("正在自动保存…", "更改已自动保存。", "插入区块"):
        assert json.dumps(chinese)[1:-1] in script


# 2. One set of groups.


def test_only_the_projects_groups_exist_and_the_workflow_task_uses_shen_he():
    assert set(Group.objects.values_list("name", flat=True)) == {EDITORS, MODERATORS}
    workflow = RoleIndexPage.objects.get().get_workflow()
    assert workflow.name == WORKFLOW
    [task] = workflow.tasks.all()
    assert [group.name for group in task.specific.groups.all()] == [MODERATORS]
    assert not Workflow.objects.filter(name="Moderators approval").exists()
    for task in GroupApprovalTask.objects.all():
        assert {group.name for group in task.groups.all()} <= {EDITORS, MODERATORS}


def test_the_migration_moves_users_and_tasks_to_the_projects_groups():
    migration = importlib.import_module("roles.migrations.0008_remove_default_groups")
    editors, moderators = (
        Group.objects.create(name="Editors"),
        Group.objects.create(name="Moderators"),
    )
    anna = get_user_model().objects.create_user("anna")
    anna.groups.add(editors)
    bo = get_user_model().objects.create_user("bo")
    bo.groups.add(moderators)
    task = GroupApprovalTask.objects.create(name="某个任务")
    task.groups.set([moderators])

    migration.remove_default_groups(django_apps, None)

    assert set(Group.objects.values_list("name", flat=True)) == {EDITORS, MODERATORS}
    assert [g.name for g in anna.groups.all()] == [EDITORS]
    assert [g.name for g in bo.groups.all()] == [MODERATORS]
    assert [g.name for g in task.groups.all()] == [MODERATORS]
    perms = RolePage.objects.get(slug="prompt-engineer").permissions_for_user(
        get_user_model().objects.get(pk=bo.pk)
    )
    assert perms.can_publish()


# 3. The moderator's dashboard.


def test_the_dashboard_shows_a_moderator_what_waits_for_them_first():
    editor, moderator = member("editor", EDITORS), member("moderator", MODERATORS)
    role = RolePage.objects.get(slug="prompt-engineer")
    task_state = submit(role, editor, title="提示词工程师（修订）")
    page = logged_in(moderator).get(reverse("wagtailadmin_home")).content.decode()
    assert 'id="awaiting-review-section"' in page
    assert page.index('id="awaiting-review-section"') < page.index('id="catalogue-section"')
    review = page[page.index('id="awaiting-review-section"') : page.index('id="catalogue-section"')]
    assert "等待你的审查" in review
    assert "提示词工程师（修订）" in review
    assert reverse("wagtailadmin_pages:edit", args=[role.pk]) in review
    for action in ("approve", "reject"):
        url = reverse("wagtailadmin_pages:workflow_action", args=[role.pk, action, task_state.pk])
        assert url in review
    # The editor sees their own submission on top of the dashboard, not the review list.
    page = logged_in(editor).get(reverse("wagtailadmin_home")).content.decode()
    assert 'id="awaiting-review-section"' not in page
    assert page.index('id="objects-in-workflow-section"') < page.index('id="catalogue-section"')


@pytest.mark.parametrize(
    ("action", "message", "live_title"),
    [
        ("approve", "已批准“新标题”（审核），并已发布。", "新标题"),
        ("reject", "已要求修改“新标题”（审核），它已退回给编辑。", "提示工程师"),
    ],
)
def test_approving_or_rejecting_from_the_dashboard_is_confirmed(action, message, live_title):
    editor, moderator = member("editor", EDITORS), member("moderator", MODERATORS)
    role = RolePage.objects.get(slug="prompt-engineer")
    task_state = submit(role, editor, title="新标题")
    client = logged_in(moderator)
    url = reverse("wagtailadmin_pages:workflow_action", args=[role.pk, action, task_state.pk])
    # As the dashboard's buttons post it (the modal's XHR), then the page it goes back to.
    response = client.post(url, {"comment": ""}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.json()["step"] == "success"
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert message in page
    assert RolePage.objects.get(pk=role.pk).title == live_title
    assert 'id="awaiting-review-section"' not in page
