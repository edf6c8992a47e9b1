"""Role page sections in a real Chromium: an editor adds them with sources in the Wagtail admin,
a moderator approves, a visitor reads them with numbered references; and the page with every
section at phone and desktop widths, in Chinese and English."""

import datetime

import pytest

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from roles.editorial.setup import EDITORS, MODERATORS
from roles.models import RolePage

from .browser import browser, catalogue_server, screenshot  # noqa: F401  (fixtures)
from .factories import next_roles, role_body, source

pytestmark = pytest.mark.browser


@pytest.fixture
def editorial_users(committed_catalogue):
    # Made before the browser starts: Playwright's event loop rules out the ORM afterwards.
    for name, group in (("editor", EDITORS), ("moderator", MODERATORS)):
        user = get_user_model().objects.create_user(name, password="pw-" + name)
        user.groups.add(Group.objects.get(name=group))
    role = RolePage.objects.get(slug="prompt-engineer")
    role.url  # noqa: B018  (caches the site's root paths on it: no ORM once the browser runs)
    return role


def add_section(page, label):
    """Insert a section at the top of the body (the page shows them in a fixed order anyway)."""
    page.locator("button.c-sf-add-button").first.click()
    page.get_by_role("option", name=label, exact=True).click()


def fill_source(page, prefix, title, url, day):
    page.fill(f"[name={prefix}-value-sources-0-value-title]", title)
    page.fill(f"[name={prefix}-value-sources-0-value-url]", url)
    page.fill(f"[name={prefix}-value-sources-0-value-consulted]", day)
    # Close the date field's picker and move focus to a field without one: left open, the
    # picker can take the next click (one run's next 添加 never opened its menu).
    page.keyboard.press("Escape")
    page.locator(f"[name={prefix}-value-sources-0-value-title]").click()


def test_an_editor_adds_sections_with_sources_and_a_moderator_approves_them(
    catalogue_server,  # noqa: F811
    editorial_users,
    browser,  # noqa: F811
):
    role = editorial_users
    base = catalogue_server.url
    today = datetime.date.today().isoformat()

    def log_in(name):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/admin/login/")
        page.fill("input[name=username]", name)
        page.fill("input[name=password]", "pw-" + name)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/admin/")
        return page

    editor = log_in("editor")
    editor.goto(f"{base}/admin/pages/{role.pk}/edit/")
    editor.get_by_role("tab", name="栏目与来源").click()

    add_section(editor, "常见问题")
    editor.fill("[name=body-0-value-questions-0-value-question]", "转行做提示工程师要多久？")
    editor.fill("[name=body-0-value-questions-0-value-answer]", "有写作基础的人通常三到六个月。")
    fill_source(editor, "body-0", "浏览器测试来源甲", "https://example.org/a", today)

    add_section(editor, "日常工作")
    editor.fill("[name=body-1-value-tasks-0-value]", "为客服机器人编写并迭代提示词")
    fill_source(editor, "body-1", "浏览器测试来源乙", "https://example.org/b", today)

    add_section(editor, "薪资参考")
    editor.fill("[name=body-2-value-rows-0-value-city]", "杭州")
    editor.fill("[name=body-2-value-rows-0-value-minimum]", "15000")
    editor.fill("[name=body-2-value-rows-0-value-maximum]", "25000")
    editor.fill("[name=body-2-value-rows-0-value-as_of]", today)
    fill_source(editor, "body-2", "浏览器测试来源丙", "https://example.org/c", today)
    editor.keyboard.press("Escape")  # close the date picker
    # Move focus off the date field too (a click in the salary's city, which has no picker), or
    # the picker can stay over the actions menu.
    editor.locator("[name=body-2-value-rows-0-value-city]").click()
    screenshot(editor, "sections-admin-editor-1280")

    editor.get_by_role("button", name="更多动作").click()
    assert editor.locator("button[name=action-publish]").count() == 0
    editor.locator("button[name=action-submit]").click()
    editor.wait_for_load_state()
    assert editor.locator(".help-critical, .error-message").count() == 0, editor.content()

    visitor = browser.new_page()
    visitor.goto(f"{base}{role.url}")
    assert "为客服机器人编写并迭代提示词" not in visitor.content()  # waiting for 审核

    moderator = log_in("moderator")
    moderator.goto(f"{base}/admin/pages/{role.pk}/edit/")
    moderator.get_by_role("button", name="更多动作").click()
    moderator.locator(
        "button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])"
    ).click()
    moderator.wait_for_url(f"{base}/admin/pages/**")

    visitor.goto(f"{base}{role.url}")
    headings = visitor.locator(".role-section h2").all_inner_texts()
    assert [h.split("[")[0] for h in headings] == ["日常工作", "薪资参考", "常见问题"]
    assert visitor.locator("nav.toc a").all_inner_texts() == ["日常工作", "薪资参考", "常见问题"]
    references = visitor.locator(".references__item").all_inner_texts()
    assert [r.split(" ")[0] for r in references] == ["[1]", "[2]", "[3]"]
    assert ["乙" in references[0], "丙" in references[1], "甲" in references[2]] == [True] * 3
    # A reference mark next to a heading jumps to its source.
    visitor.locator("#section-faq-heading .section-refs a").click()
    assert visitor.evaluate("location.hash") == "#ref-3"
    screenshot(visitor, "sections-approved-role-1280")


@pytest.fixture
def role_with_every_section(committed_catalogue):
    role = RolePage.objects.get(slug="prompt-engineer")
    long_ago = (datetime.date.today() - datetime.timedelta(days=500)).isoformat()
    role.body = role_body(
        "faq",
        "salary",
        "learning_resources",
        "career_path",
        "entry_routes",
        "daily_work",
        career_path={
            "next_roles": next_roles(
                RolePage.objects.get(slug="ai-product-manager"), note="熟悉业务场景之后"
            )
        },
        salary={
            "rows": [
                {
                    "city": "北京",
                    "minimum": 20000,
                    "maximum": 35000,
                    "currency": "CNY",
                    "period": "month",
                    "as_of": datetime.date.today().isoformat(),
                },
                {
                    "city": "上海",
                    "minimum": 18000,
                    "maximum": 30000,
                    "currency": "CNY",
                    "period": "month",
                    "as_of": long_ago,
                },
            ],
            "sources": [source(4), source(6)],
        },
    )
    role.save_revision().publish()
    return RolePage.objects.get(pk=role.pk).url  # read now: no ORM once the browser runs


@pytest.mark.parametrize("locale,language", [("zh-CN", "zh-hans"), ("en-US", "en")])
def test_a_role_page_with_every_section_fits_phone_and_desktop(
    catalogue_server,  # noqa: F811
    role_with_every_section,
    browser,  # noqa: F811
    locale,
    language,
):
    for width in (375, 1280):
        page = browser.new_page(locale=locale, viewport={"width": width, "height": 900})
        page.goto(f"{catalogue_server.url}{role_with_every_section}")
        assert page.locator(".role-section").count() == 6
        assert page.locator("nav.toc a").count() == 6
        assert page.locator(".tag--dated").count() == 1
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (width, language, overflow)
        screenshot(page, f"sections-role-{language}-{width}")
        page.close()
