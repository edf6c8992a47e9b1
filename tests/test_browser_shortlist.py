"""The shortlist, the share control and the finder on a phone, in a real Chromium: save roles on
cards and a role page, open the list, copy its link, open that link in a fresh browser; print a
role page; submit the finder at 375 px."""

import re

import pytest
from playwright.sync_api import expect

from .browser import browser, catalogue_server, screenshot  # noqa: F401  (fixtures)
from .test_accessibility import violations

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}
SAVED = ["prompt-engineer", "data-scientist", "ai-product-manager"]
# Chromium on Linux has no share sheet, but make sure: the copy-link path is the one tested.
NO_SHARE_SHEET = "delete Navigator.prototype.share; delete Navigator.prototype.canShare;"


def card_slugs(page):
    return page.locator(".role-card [data-shortlist-slug]").evaluate_all(
        "els => els.map(e => e.dataset.shortlistSlug)"
    )


def test_save_on_cards_and_a_role_page_then_open_the_shared_link_on_another_device(
    catalogue_server,  # noqa: F811
    browser,  # noqa: F811
):
    url = catalogue_server.url
    context = browser.new_context(viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    context.add_init_script(NO_SHARE_SHEET)
    page = context.new_page()
    page.goto(url + "/roles/")
    for slug in SAVED[:2]:
        toggle = page.locator(f'.role-card [data-shortlist-slug="{slug}"]')
        title = toggle.get_attribute("data-shortlist-title")
        expect(toggle).to_have_accessible_name(re.compile(rf"^收藏\s?：{title}$"))
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#shortlist-status")).to_contain_text("已收藏")
    assert page.url == url + "/roles/"  # saved in place
    expect(page.locator("[data-shortlist-count]")).to_have_text("2")

    # And from a role page.
    page.goto(url + "/product/ai-product-manager/")
    toggle = page.locator('.role__actions [data-shortlist-slug="ai-product-manager"]')
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-shortlist-count]")).to_have_text("3")

    # The menu's 我的收藏 opens the list at its shareable address.
    page.locator("[data-shortlist-link]").click()
    page.wait_for_url("**/shortlist/?roles=*")
    assert page.url == url + "/shortlist/?roles=" + ",".join(SAVED)
    assert card_slugs(page) == SAVED
    expect(page.locator("[data-shortlist-shared]")).to_be_hidden()  # it is this browser's own

    # Copy the link: a visible confirmation, and the link is on the clipboard.
    share = page.locator("[data-share-button]")
    expect(share).to_have_text("复制链接")
    share.click()
    expect(page.locator("[data-share-status]")).to_have_text("链接已复制")
    link = page.evaluate("navigator.clipboard.readText()")
    assert link.endswith("/shortlist/?roles=" + ",".join(SAVED))
    page.locator(".share__toggle").click()
    expect(page.locator("[data-share-qr]")).to_be_visible()
    # The QR image loads lazily, once the panel shows it.
    page.wait_for_function("() => document.querySelector('[data-share-qr]').complete")
    assert page.locator("[data-share-qr]").evaluate("img => img.naturalWidth > 0")
    screenshot(page, "shortlist-1280-zh")

    # Another device: a fresh browser (nothing stored), in English, on a phone.
    other = browser.new_context(locale="en-US", viewport=PHONE)
    phone = other.new_page()
    phone.goto(
        link.replace("http://localhost/", url + "/").replace("http://testserver/", url + "/")
    )
    assert card_slugs(phone) == SAVED
    expect(phone.locator("h1")).to_have_text("My shortlist")
    expect(phone.locator("[data-shortlist-shared]")).to_be_hidden()
    # Nothing was saved there, so the list becomes that browser's own.
    stored = phone.evaluate("JSON.parse(localStorage.getItem('airoles-shortlist'))")
    assert [item["slug"] for item in stored] == SAVED
    expect(phone.locator('[data-shortlist-slug="data-scientist"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    screenshot(phone, "shortlist-375-en")

    # Removing one there updates the address (and what a new share would send).
    phone.locator('.role-card [data-shortlist-slug="data-scientist"]').click()
    phone.wait_for_url("**/shortlist/?roles=prompt-engineer,ai-product-manager")
    expect(phone.locator("[data-share-input]")).to_have_value(phone.url.split("#")[0])
    other.close()

    # The first browser's list is untouched; /shortlist/ alone shows it at its address.
    page.goto(url + "/shortlist/")
    page.wait_for_url("**/shortlist/?roles=*")
    assert card_slugs(page) == SAVED
    context.close()


def test_someone_elses_list_can_be_taken_over_without_losing_ones_own(
    catalogue_server,  # noqa: F811
    browser,  # noqa: F811
):
    url = catalogue_server.url
    page = browser.new_page(viewport=DESKTOP)
    page.goto(url + "/roles/")
    page.locator('.role-card [data-shortlist-slug="data-engineer"]').click()
    page.goto(url + "/shortlist/?roles=prompt-engineer,data-scientist")
    notice = page.locator("[data-shortlist-shared]")
    expect(notice).to_be_visible()
    expect(page.locator('[data-shortlist-slug="prompt-engineer"]')).to_have_attribute(
        "aria-pressed", "false"
    )
    notice.get_by_role("button", name="全部加入我的收藏").click()
    expect(notice).to_be_hidden()
    stored = page.evaluate("JSON.parse(localStorage.getItem('airoles-shortlist'))")
    assert [item["slug"] for item in stored] == [
        "data-engineer",
        "prompt-engineer",
        "data-scientist",
    ]


def test_without_javascript_the_shortlist_works_as_links(catalogue_server, browser):  # noqa: F811
    url = catalogue_server.url
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(url + "/tech-rnd/prompt-engineer/")
    expect(page.locator("[data-share-button]")).to_be_hidden()  # no dead button
    page.locator('.role__actions [data-shortlist-slug="prompt-engineer"]').click()
    page.wait_for_url("**/shortlist/?roles=prompt-engineer")
    assert card_slugs(page) == ["prompt-engineer"]
    # The link and QR code are there without script.
    page.locator(".share__toggle").click()
    expect(page.locator("[data-share-input]")).to_have_value(
        page.locator("[data-share-input]").get_attribute("value")
    )
    assert (
        page.locator("[data-share-input]")
        .get_attribute("value")
        .endswith("/shortlist/?roles=prompt-engineer")
    )
    # A saved role's toggle removes it.
    page.locator('.role-card [data-shortlist-slug="prompt-engineer"]').click()
    page.wait_for_url(url + "/shortlist/")
    expect(page.get_by_text("还没有收藏岗位")).to_be_visible()
    context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
def test_a_role_page_shows_its_share_control_and_qr_code(
    catalogue_server,  # noqa: F811
    browser,  # noqa: F811
    locale,
    viewport,
):
    context = browser.new_context(locale=locale, viewport=viewport)
    page = context.new_page()
    page.goto(catalogue_server.url + "/tech-rnd/prompt-engineer/")
    share = page.locator("[data-share-button]")
    expect(share).to_be_visible()
    page.locator(".share__toggle").click()
    qr = page.locator("[data-share-qr]")
    expect(qr).to_be_visible()
    page.wait_for_function("() => document.querySelector('[data-share-qr]').complete")
    assert qr.evaluate("img => img.naturalWidth > 0")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.locator(".share").scroll_into_view_if_needed()
    screenshot(page, f"role-share-{viewport['width']}-{locale[:2]}")
    # Opened, saved (the message shows) and copied: still no WCAG 2.1 AA violation.
    page.locator('.role__actions [data-shortlist-slug="prompt-engineer"]').click()
    expect(page.locator("#shortlist-status")).to_be_visible()
    assert violations(page) == []
    context.close()


def test_a_role_page_prints_without_navigation_or_share_controls(catalogue_server, browser):  # noqa: F811
    page = browser.new_page(viewport=DESKTOP)
    page.goto(catalogue_server.url + "/tech-rnd/prompt-engineer/")
    expect(page.locator(".share")).to_be_visible()
    expect(page.locator(".print-address")).to_be_hidden()
    page.emulate_media(media="print")
    for selector in (
        ".site-nav",
        ".site-menu",
        ".share",
        "[data-share-button]",
        ".shortlist-toggle",
    ):
        expect(page.locator(selector).first).to_be_hidden()
    # The page's address is printed as text instead.
    address = page.locator(".print-address")
    expect(address).to_be_visible()
    expect(address).to_contain_text("/tech-rnd/prompt-engineer/")
    expect(page.locator("h1")).to_be_visible()
    screenshot(page, "role-print-share-1280")


@pytest.mark.parametrize(
    "path",
    [
        "/compare/?roles=data-scientist,data-engineer",
        "/shortlist/?roles=data-scientist,data-engineer",
    ],
)
def test_compare_and_shortlist_print_their_content_and_address(catalogue_server, browser, path):  # noqa: F811
    page = browser.new_page(viewport=DESKTOP)
    page.goto(catalogue_server.url + path)
    page.emulate_media(media="print")
    for selector in (
        ".site-nav",
        ".share",
        ".shortlist-toggle",
        ".compare-toggle",
        ".footer-subscribe",
    ):
        expect(page.locator(selector).first).to_be_hidden()
    expect(page.locator(".print-address")).to_contain_text(path)
    expect(page.locator("h1")).to_be_visible()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_finder_lands_on_its_results_with_the_form_folded_on_a_phone(
    catalogue_server,  # noqa: F811
    browser,  # noqa: F811
    locale,
):
    lang = locale[:2]
    context = browser.new_context(locale=locale, viewport=PHONE)
    page = context.new_page()
    page.goto(catalogue_server.url + "/match/")
    expect(page.locator(".finder__summary")).to_be_visible()
    expect(page.locator(".finder__form")).to_be_visible()  # nothing asked yet: open
    page.locator("#m-skill-python").check()
    page.locator("#m-skill-statistics").check()
    page.locator(".finder__form [type=submit]").click()
    page.wait_for_url("**/match/?*#results")
    # The results are on the first screen (not 2,000 px down), below what was ticked.
    summary = page.locator(".finder__summary")
    for element in (summary, page.locator("#results-heading"), page.locator(".fit__title").first):
        box = element.bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"], box
    # The form is folded into what was ticked, with 修改.
    expect(page.locator(".finder__form")).to_be_hidden()
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Python")
    expect(page.locator(".finder__change")).to_have_text("修改" if lang == "zh" else "Change")
    page.evaluate("scrollTo(0, 0)")
    screenshot(page, f"match-results-375-{lang}")
    summary.click()
    expect(page.locator(".finder__form")).to_be_visible()
    expect(page.locator("#m-skill-python")).to_be_checked()
    context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_on_a_wide_screen_the_finders_form_stays_beside_the_results(
    catalogue_server,  # noqa: F811
    browser,  # noqa: F811
    locale,
):
    context = browser.new_context(locale=locale, viewport=DESKTOP)
    page = context.new_page()
    page.goto(catalogue_server.url + "/match/?skill=python&skill=statistics#results")
    expect(page.locator(".finder__summary")).to_be_hidden()
    expect(page.locator(".finder__form")).to_be_visible()
    form, results = (
        page.locator(".finder__form").bounding_box(),
        page.locator(".finder__results").bounding_box(),
    )
    assert form["x"] + form["width"] <= results["x"]
    page.evaluate("scrollTo(0, 0)")
    screenshot(page, f"match-results-1280-{locale[:2]}")
    page.goto(catalogue_server.url + "/shortlist/?roles=prompt-engineer,data-scientist")
    screenshot(page, f"shortlist-1280-{locale[:2]}-shared")
    page.set_viewport_size(PHONE)
    screenshot(page, f"shortlist-375-{locale[:2]}-shared")
    context.close()
