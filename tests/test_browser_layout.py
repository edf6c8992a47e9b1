"""The visitor's layout in a real Chromium: the phone menu, the compare tray's limit, the
overlap labels, the tables that scroll and print media."""

import re

import pytest
from playwright.sync_api import expect

from .browser import browser, catalogue_server, screenshot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}
PAGES = {
    "home": "/",
    "listing": "/roles/",
    "role": "/tech-rnd/prompt-engineer/",
    "finder": "/match/",
    "compare": "/compare/?roles=data-scientist,data-engineer,ai-data-analyst",
}
FOUR = ["data-scientist", "data-engineer", "ai-data-analyst", "machine-learning-engineer"]


def in_first_screen(page, locator):
    box = locator.bounding_box()
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= page.viewport_size["height"]
    )


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_on_a_phone_the_links_fold_behind_the_menu_and_the_heading_comes_first(
    catalogue_server,  # noqa: F811
    browser,  # noqa: F811
    locale,
):
    lang = locale[:2]
    context = browser.new_context(locale=locale, viewport=PHONE)
    page = context.new_page()
    for name, path in PAGES.items():
        page.goto(catalogue_server.url + path)
        header = page.locator(".site-header").bounding_box()
        assert header["height"] <= 110, (path, header)  # was ~226 px
        # The heading is on the first screen, without scrolling.
        assert in_first_screen(page, page.locator("h1")), path
        assert page.evaluate("scrollY") == 0
        nav = page.locator(".site-nav")
        expect(nav).to_be_hidden()
        expect(page.locator("#site-search-q")).to_be_visible()
        screenshot(page, f"layout-{name}-375-{lang}")
        toggle = page.locator(".site-menu__toggle")
        expect(toggle).to_be_visible()
        toggle.click()
        expect(nav.get_by_role("link")).to_have_count(7)
        expect(nav.get_by_role("link").last).to_be_visible()
        expect(page.locator(".lang-switch")).to_be_visible()
        screenshot(page, f"layout-{name}-375-{lang}-menu-open")
    # The listing shows its first result on the first screen too.
    page.goto(catalogue_server.url + "/roles/")
    first = page.locator(".role-card__title").first
    assert first.bounding_box()["y"] < PHONE["height"], first.bounding_box()
    context.close()


def test_the_menu_button_is_a_focusable_control_with_a_visible_focus(catalogue_server, browser):  # noqa: F811
    page = browser.new_page(viewport=PHONE)
    page.goto(catalogue_server.url + "/tech-rnd/prompt-engineer/")
    toggle = page.locator(".site-menu__toggle")
    for _ in range(8):
        page.keyboard.press("Tab")
        if toggle.evaluate("el => el === document.activeElement"):
            break
    assert toggle.evaluate("el => el === document.activeElement")
    assert toggle.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    assert toggle.inner_text().strip() == "菜单"
    page.keyboard.press("Enter")  # a summary opens with the keyboard, no script involved
    expect(page.locator(".site-nav").get_by_role("link", name="全部岗位")).to_be_visible()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_on_a_wide_screen_the_links_show_without_opening_anything(
    catalogue_server,  # noqa: F811
    browser,  # noqa: F811
    locale,
):
    lang = locale[:2]
    context = browser.new_context(locale=locale, viewport=DESKTOP)
    page = context.new_page()
    for name, path in PAGES.items():
        page.goto(catalogue_server.url + path)
        expect(page.locator(".site-menu__toggle")).to_be_hidden()
        links = page.locator(".site-nav").get_by_role("link")
        expect(links).to_have_count(7)
        for i in range(7):
            expect(links.nth(i)).to_be_visible()
        expect(page.locator(".lang-switch")).to_be_visible()
        # One row in Chinese; the longer English links may take a second.
        assert page.locator(".site-header").bounding_box()["height"] <= 110
        assert in_first_screen(page, page.locator("h1")), path
        screenshot(page, f"layout-{name}-1280-{lang}")
    context.close()


def test_a_fifth_role_is_refused_in_place_and_the_tray_is_kept(catalogue_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(catalogue_server.url + "/roles/")
    for slug in FOUR:
        page.locator(f'[data-compare-slug="{slug}"]').first.click()
    tray = page.locator("#compare-tray")
    expect(tray.locator(".compare-tray__title")).to_have_text("对比（4/4）")
    stored = page.evaluate("localStorage.getItem('airoles-compare')")
    url = page.url

    fifth = page.locator('[data-compare-slug="prompt-engineer"]').first
    fifth.click()
    message = tray.locator(".compare-tray__message")
    expect(message).to_have_text("最多对比 4 个岗位，先移除一个")
    expect(message).to_have_attribute("role", "status")  # a polite live region
    assert page.url == url  # stayed on the page
    expect(tray.locator(".compare-tray__title")).to_have_text("对比（4/4）")
    assert page.evaluate("localStorage.getItem('airoles-compare')") == stored
    expect(tray.locator(".compare-tray__item")).to_have_count(4)
    expect(fifth).to_have_attribute("aria-pressed", "false")
    screenshot(page, "compare-fifth-role-refused-1280")

    # Removing one makes room: the message goes and the fifth is added.
    tray.locator('[data-remove="data-engineer"]').click()
    expect(message).to_be_hidden()
    fifth.click()
    expect(fifth).to_have_attribute("aria-pressed", "true")
    expect(tray.locator(".compare-tray__title")).to_have_text("对比（4/4）")


def test_the_compare_page_states_the_overlap_and_its_tables_scroll(catalogue_server, browser):  # noqa: F811
    page = browser.new_page(viewport=PHONE)
    page.goto(catalogue_server.url + "/roles/")
    page.locator('[data-compare-slug="data-scientist"]').first.click()
    page.goto(catalogue_server.url + "/compare/?roles=" + ",".join(FOUR))
    # The tray does not sit on the compare page itself.
    expect(page.locator("#compare-tray")).to_be_hidden()

    # Each bar's label states its three parts, and they add up to the role's skills.
    rows = page.locator(".overlap-bars__row")
    expect(rows).to_have_count(4)
    columns = page.locator(".compare-table tbody tr").nth(2).locator("td")
    for i in range(4):
        figures = rows.nth(i).locator(".overlap-bars__figures").inner_text()
        shared, some, unique = map(
            int, re.fullmatch(r"共同 (\d+) · 部分共有 (\d+) · 独有 (\d+)", figures).groups()
        )
        skills = columns.nth(i).locator(".chip").count()
        assert shared + some + unique == skills, (figures, skills)
        widths = (
            rows.nth(i).locator("rect").evaluate_all("rs => rs.map(r => +r.getAttribute('width'))")
        )
        assert sum(widths) == 100
        assert [w > 0 for w in widths] == [shared > 0, some > 0, unique > 0]

    # The wide table scrolls inside its box, and its first column stays put.
    region = page.locator(".table-scroll").last
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    header = page.locator(".compare-table tbody th").first
    assert header.evaluate("el => getComputedStyle(el).position") == "sticky"
    x = header.bounding_box()["x"]
    region.evaluate("el => el.scrollBy(200, 0)")
    page.wait_for_timeout(100)
    assert abs(header.bounding_box()["x"] - x) < 1
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    screenshot(page, "compare-375-zh")


def test_a_role_page_prints_without_navigation_or_tray(catalogue_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(catalogue_server.url + "/roles/")
    page.locator('[data-compare-slug="prompt-engineer"]').first.click()
    page.goto(catalogue_server.url + "/tech-rnd/prompt-engineer/")
    expect(page.locator("#compare-tray")).to_be_visible()
    page.emulate_media(media="print")
    for selector in (
        ".site-nav",
        ".site-search",
        "#compare-tray",
        ".compare-toggle",
        ".footer-subscribe",
    ):
        expect(page.locator(selector).first).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".lead")).to_be_visible()
    screenshot(page, "role-print-1280")
