"""The public pages in a real Chromium at phone and desktop widths."""

import re

import pytest
from playwright.sync_api import expect

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from roles.editorial.setup import EDITORS, MODERATORS
from roles.models import RolePage

from .browser import browser, catalogue_server, screenshot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "category": "/design/",
    "role": "/tech-rnd/prompt-engineer/",
    "listing": "/roles/?company_type=financial-institution",
    "company-types": "/company-types/",
}
WIDTHS = {"phone": 360, "phone-375": 375, "desktop": 1280}


def test_pages_fit_phone_and_desktop_widths(catalogue_server, browser):  # noqa: F811
    for width_name, width in WIDTHS.items():
        page = browser.new_page(viewport={"width": width, "height": 800})
        # The Content-Security-Policy blocks nothing the pages need.
        errors = []
        page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(m.text))
        for name, path in PAGES.items():
            response = page.goto(catalogue_server.url + path)
            assert response.status == 200, path
            page.wait_for_load_state("load")
            assert errors == [], (path, errors)
            # Nothing wider than the screen: no sideways scrolling on a phone.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (path, width, overflow)
            assert page.locator("h1").count() == 1
            screenshot(page, f"{name}-{width_name}")
        page.close()


def test_keyboard_users_can_skip_to_the_content(catalogue_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(catalogue_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["y"] >= 0  # shown on focus
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_filters_update_the_listing_in_place_and_back_works(catalogue_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(catalogue_server.url + "/roles/")
    page.evaluate("window.notReloaded = true")

    page.check("#f-company_type-financial-institution")
    page.wait_for_url("**/roles/?company_type=financial-institution")
    expect(page.locator(".result-count")).to_have_text("共 8 个岗位")
    page.check("#f-category-data-engineering")
    page.wait_for_url("**/roles/?company_type=financial-institution&category=data-engineering")
    expect(page.locator(".result-count")).to_have_text("共 3 个岗位")
    assert page.evaluate("window.notReloaded")  # updated in place, no page load

    page.go_back()
    page.wait_for_url("**/roles/?company_type=financial-institution")
    # Back fetches the earlier listing again; allow for a busy machine.
    expect(page.locator(".result-count")).to_have_text("共 8 个岗位", timeout=15000)
    expect(page.locator("#f-company_type-financial-institution")).to_be_checked()
    expect(page.locator("#f-category-data-engineering")).not_to_be_checked()

    page.click("a.chip--active")  # remove 金融机构
    page.wait_for_url(catalogue_server.url + "/roles/")
    expect(page.locator(".result-count")).to_have_text("共 45 个岗位")
    assert page.evaluate("window.notReloaded")
    screenshot(page, "listing-after-filtering-desktop")


def test_the_search_box_finds_roles_in_chinese(catalogue_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(catalogue_server.url + "/")
    page.fill("#site-search-q", "数据")
    page.press("#site-search-q", "Enter")
    page.wait_for_url("**/roles/?q=*")
    first = page.locator(".role-card__title").first.inner_text()
    assert "数据" in first
    # On a phone the filters fold into a drawer that opens on demand.
    assert not page.locator("#filter-drawer").evaluate("el => el.open")
    page.click("#filter-drawer summary")
    assert page.locator("#id_q").is_visible()
    screenshot(page, "search-phone")


def test_compare_tray_round_trips_through_the_url(catalogue_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(catalogue_server.url + "/roles/?company_type=financial-institution")
    page.click('[data-compare-slug="machine-learning-engineer"]')
    page.click('[data-compare-slug="data-scientist"]')
    tray = page.locator("#compare-tray")
    expect(tray).to_be_visible()
    expect(tray.locator(".compare-tray__title")).to_have_text("对比（2/4）")

    # The tray follows the visitor to other pages until cleared.
    page.goto(catalogue_server.url + "/")
    expect(tray.locator(".compare-tray__title")).to_have_text("对比（2/4）")
    tray.get_by_role("link", name="开始对比").click()
    page.wait_for_url("**/compare/?roles=machine-learning-engineer,data-scientist")
    expect(page.locator(".compare-table thead th")).to_have_count(2)
    expect(page.locator(".compare-table .chip--shared").first).to_be_visible()
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(page, "compare-phone")

    # The compare page's URL is the tray: removing a column there changes the tray too.
    page.goto(catalogue_server.url + "/compare/?roles=data-scientist,data-engineer,ai-designer")
    page.goto(catalogue_server.url + "/roles/")
    expect(tray.locator(".compare-tray__title")).to_have_text("对比（3/4）")
    expect(page.locator('[data-compare-slug="data-engineer"]').first).to_have_attribute(
        "aria-pressed", "true"
    )
    tray.get_by_role("button", name="清空").click()
    expect(tray).to_be_hidden()


@pytest.mark.parametrize(("width", "name"), [(1280, "finder-desktop"), (375, "finder-phone")])
def test_finder_turns_skills_into_a_ranked_list(catalogue_server, browser, width, name):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(catalogue_server.url + "/match/")
    page.check("#m-background-teaching")
    page.check("#m-skill-communication")
    page.check("#m-threshold-unstated")
    page.get_by_role("button", name="找到适合我的岗位").click()
    page.wait_for_url("**/match/?*skill=communication*#results")
    # The visitor lands on the results, which are one list with the best fit first.
    expect(page.locator("#results")).to_be_in_viewport()
    first = page.locator(".fit").first
    expect(first.locator(".fit__title")).to_have_text("AI企业培训师")
    expect(first.locator(".fit__row").first).to_contain_text("你已具备")
    expect(page.locator(".fit__row", has_text="还需要").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    screenshot(page, name)


@pytest.fixture
def editorial_users(committed_catalogue):
    # Made before the browser starts: Playwright's event loop rules out the ORM afterwards.
    for name, group in (("editor", EDITORS), ("moderator", MODERATORS)):
        user = get_user_model().objects.create_user(name, password="pw-" + name)
        user.groups.add(Group.objects.get(name=group))
    return RolePage.objects.get(slug="prompt-engineer")


def test_an_editor_submits_a_change_and_a_moderator_approves_it(
    catalogue_server,  # noqa: F811
    editorial_users,
    browser,  # noqa: F811
):
    role = editorial_users
    base = catalogue_server.url

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
    editor.fill("#id_definition", "在浏览器里改过的定义。")
    editor.get_by_role("button", name="更多动作").click()
    # The editor's menu offers submitting for moderation and has no publish action.
    assert editor.locator("button[name=action-publish]").count() == 0
    editor.locator("button[name=action-submit]").click()
    editor.wait_for_load_state()
    screenshot(editor, "admin-editor-submitted-1280")
    visitor = browser.new_page()
    visitor.goto(f"{base}{role.url}")
    assert "在浏览器里改过的定义。" not in visitor.content()  # waiting for moderation

    moderator = log_in("moderator")
    assert "提示工程师" in moderator.content()  # the dashboard lists what awaits review
    moderator.goto(f"{base}/admin/pages/{role.pk}/edit/")
    moderator.get_by_role("button", name="更多动作").click()
    moderator.locator(
        "button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])"
    ).click()
    moderator.wait_for_url(f"{base}/admin/pages/**")
    screenshot(moderator, "admin-moderator-approved-1280")

    visitor.goto(f"{base}{role.url}")
    assert "在浏览器里改过的定义。" in visitor.content()


@pytest.mark.parametrize("width", [375, 1280])
def test_visitor_flow_from_home_to_a_comparison(catalogue_server, browser, width):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 900})
    base = catalogue_server.url
    page.goto(base + "/")
    screenshot(page, f"flow-1-home-{width}")
    if width < 700:
        page.locator(".site-menu__toggle").click()  # on a phone the links are behind 菜单
        page.locator(".site-nav").get_by_role("link", name="全部岗位").click()
    else:
        page.get_by_role("link", name="全部岗位").first.click()
    page.wait_for_url("**/roles/")
    drawer = page.locator("#filter-drawer")
    if not drawer.evaluate("d => d.open"):
        drawer.locator("summary.drawer__toggle").click()  # not the long facets' own summaries
    page.check("#f-company_type-financial-institution")
    page.wait_for_url("**/roles/?company_type=financial-institution")
    expect(page.locator(".result-count")).to_have_text("共 8 个岗位")
    screenshot(page, f"flow-2-filtered-{width}")

    page.locator(".role-card__title a", has_text="数据科学家").click()
    page.wait_for_url("**/data-engineering/data-scientist/")
    expect(page.locator("h1")).to_contain_text("数据科学家")
    page.locator('main [data-compare-slug="data-scientist"]').first.click()
    expect(page.locator("#compare-tray .compare-tray__title")).to_have_text("对比（1/4）")
    screenshot(page, f"flow-3-role-{width}")

    page.go_back()
    page.wait_for_url("**/roles/?company_type=financial-institution")
    page.locator('[data-compare-slug="machine-learning-engineer"]').first.click()
    tray = page.locator("#compare-tray")
    expect(tray.locator(".compare-tray__title")).to_have_text("对比（2/4）")
    tray.get_by_role("link", name="开始对比").click()
    page.wait_for_url("**/compare/?roles=data-scientist,machine-learning-engineer")
    expect(page.locator(".compare-table thead th")).to_have_count(2)
    screenshot(page, f"flow-4-compare-{width}")


@pytest.fixture
def mail(smtp_server, committed_catalogue):
    return smtp_server


def test_subscribe_flow_through_the_email_and_its_confirm_link(catalogue_server, mail, browser):  # noqa: F811
    import time

    from .smtp import body

    page = browser.new_page(viewport={"width": 375, "height": 900})
    page.goto(catalogue_server.url + "/subscribe/")
    page.fill("input[name=email]", "reader@example.com")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/subscribe/sent/**")
    screenshot(page, "subscribe-sent-375")

    deadline = time.monotonic() + 10
    while not mail.messages and time.monotonic() < deadline:
        time.sleep(0.1)
    [message] = mail.messages
    assert message["To"] == "reader@example.com"
    link = re.search(r"https?://\S+/subscribe/confirm/\S+/", body(message)).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page.goto(f"{catalogue_server.url}/{path}")
    # The link opens a page with one button (a mail scanner's GET confirms nothing).
    expect(page.locator("h1")).to_contain_text("确认订阅")
    screenshot(page, "subscribe-confirm-375")
    page.get_by_role("button", name="确认订阅").click()
    expect(page.locator("h1")).to_contain_text("订阅已确认")
    screenshot(page, "subscribe-confirmed-375")
