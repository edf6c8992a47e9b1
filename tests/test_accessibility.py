"""axe-core (from the axe-playwright-python package, which ships the npm package's axe.min.js)
injected into the public pages in Chromium: no violations at WCAG 2.1 AA, at phone and desktop
widths, in Chinese and in English."""

from pathlib import Path

import pytest

from .browser import browser, catalogue_server, screenshot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "category": "/design/",
    "role": "/tech-rnd/prompt-engineer/",
    "listing": "/roles/?company_type=financial-institution&threshold=high",
    "company-type": "/company-types/financial-institution/",
    "compare": "/compare/?roles=data-scientist,data-engineer,ai-data-analyst",
    "finder": "/match/?skill=python&skill=statistics&skill=communication",
    "shortlist": "/shortlist/?roles=prompt-engineer,data-scientist,no-such-role",
    "subscribe": "/subscribe/",
    "open-data": "/data/",
    "not-found": "/no-such-page/",
}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source():
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def violations(page):
    page.evaluate(axe_source())  # evaluated by the test, so the page's CSP does not apply
    # Only violations are read: asking for no passes or incomplete results spares axe from
    # describing every node that passed (4.1 s instead of 5.5 s for the eleven pages).
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    return [
        (v["id"], v["impact"], [node["target"] for node in v["nodes"]][:5])
        for v in result["violations"]
    ]


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
@pytest.mark.parametrize("width", [375, 1280])
def test_public_pages_have_no_wcag_21_aa_violations(
    catalogue_server,  # noqa: F811
    browser,  # noqa: F811
    width,
    locale,
):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    found = {}
    for name, path in PAGES.items():
        page.goto(catalogue_server.url + path)
        page.wait_for_load_state("load")
        problems = violations(page)
        if problems:
            found[name] = problems
        if locale == "zh-CN":
            screenshot(page, f"a11y-{name}-{width}")
    context.close()
    assert found == {}
