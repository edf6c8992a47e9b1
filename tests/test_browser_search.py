"""The search journey and a long facet in a real Chromium, at 375 px and 1280 px."""

import pytest
from playwright.sync_api import expect

from .browser import browser, catalogue_server, screenshot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

WIDTHS = {"phone-375": 375, "desktop": 1280}


def no_overflow(page):
    return (
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        <= 0
    )


@pytest.mark.parametrize("width_name", WIDTHS)
def test_pinyin_search_from_the_header_then_a_query_with_no_results(
    catalogue_server,  # noqa: F811
    browser,  # noqa: F811
    width_name,
):
    page = browser.new_page(viewport={"width": WIDTHS[width_name], "height": 900})
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(catalogue_server.url + "/")
    page.fill("#site-search-q", "tishi")
    page.press("#site-search-q", "Enter")
    page.wait_for_url("**/roles/?q=tishi")
    expect(page.locator("h1")).to_have_text("搜索“tishi”：找到 1 个岗位")
    assert page.title().startswith("搜索“tishi”：找到 1 个岗位")
    expect(page.locator("#site-search-q")).to_have_value("tishi")
    card = page.locator(".role-card").first
    expect(card.locator(".role-card__title mark")).to_have_text("提示")
    expect(card.locator(".role-card__why")).to_contain_text("匹配：名称")
    assert no_overflow(page)
    screenshot(page, f"search-pinyin-{width_name}")

    page.fill("#site-search-q", "区块链")
    page.press("#site-search-q", "Enter")
    page.wait_for_url(lambda url: "/roles/?q=" in url and "tishi" not in url)
    expect(page.locator("h1")).to_have_text("搜索“区块链”：找到 0 个岗位")
    empty = page.locator(".empty")
    expect(empty).to_contain_text("按类别浏览：")
    empty.get_by_role("link", name="数据工程类").click()
    page.wait_for_url("**/data-engineering/")

    page.goto(catalogue_server.url + "/roles/?q=区块链数据")
    expect(page.locator(".empty")).to_contain_text("和“区块链数据”相近的：")
    assert no_overflow(page)
    screenshot(page, f"search-no-results-{width_name}")
    page.locator(".empty a.chip", has_text="数据分析").first.click()
    page.wait_for_url("**/skills/data-analysis/")
    expect(page.locator("h1")).to_have_text("数据分析")
    assert no_overflow(page)
    screenshot(page, f"skill-page-{width_name}")
    assert errors == []
    page.close()


@pytest.mark.parametrize("width_name", WIDTHS)
def test_a_long_facet_shows_all_and_filters_as_you_type(
    catalogue_server,  # noqa: F811
    browser,  # noqa: F811
    width_name,
):
    page = browser.new_page(viewport={"width": WIDTHS[width_name], "height": 900})
    page.goto(catalogue_server.url + "/roles/")
    drawer = page.locator("#filter-drawer")
    if not drawer.evaluate("el => el.open"):
        page.click("#filter-drawer > summary")  # a drawer on phones
    facet = page.locator("fieldset[data-facet-filter='筛选公司类型']")
    game = facet.locator("label[for='f-company_type-game-company']")
    expect(game).to_be_hidden()  # behind "显示全部 54 项"
    facet.get_by_text("显示全部 54 项").click()
    expect(game).to_be_visible()
    facet.get_by_text("收起").click()
    expect(game).to_be_hidden()

    # Filter as you type, by Chinese, pinyin or initials; the rest hide.
    box = facet.locator("input.facet__filter")
    for typed in ("游戏", "youxi", "yxgs"):
        box.fill(typed)
        expect(game).to_be_visible()
        assert facet.locator(".facet__option:visible").count() <= 3, typed
    box.fill("没有这种公司")
    expect(facet.locator(".facet__none")).to_be_visible()
    box.fill("gongsi")
    assert facet.locator(".facet__option:visible").count() > 8
    screenshot(page, f"facet-filter-{width_name}")

    # Choosing a filtered option updates the listing in place; the typed filter stays.
    page.evaluate("window.notReloaded = true")
    box.fill("游戏")
    page.check("#f-company_type-game-company")
    page.wait_for_url("**/roles/?company_type=game-company")
    expect(page.locator(".result-count")).to_have_text("共 3 个岗位")
    assert page.evaluate("window.notReloaded")
    expect(
        page.locator("fieldset[data-facet-filter='筛选公司类型'] input.facet__filter")
    ).to_have_value("游戏")
    assert no_overflow(page)
    page.close()


def test_long_facets_work_without_javascript(catalogue_server, browser):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 900})
    page = context.new_page()
    page.goto(catalogue_server.url + "/roles/")
    if not page.locator("#filter-drawer[open]").count():
        page.click("#filter-drawer > summary")
    facet = page.locator("fieldset.facet--long").first
    expect(facet.locator("input.facet__filter")).to_have_count(0)
    facet.get_by_text("显示全部 54 项").click()
    page.check("#f-company_type-game-company")
    page.get_by_role("button", name="应用筛选").click()
    page.wait_for_url(lambda url: "company_type=game-company" in url)
    expect(page.locator(".result-count")).to_have_text("共 3 个岗位")
    screenshot(page, "facet-no-js-phone-375")
    context.close()
