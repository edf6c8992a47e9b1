"""The public pages in a real Chromium at phone and desktop widths."""

import pytest

from .browser import browser, screenshot  # noqa: F401  (browser is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "home": "/",
    "category": "/design/",
    "role": "/tech-rnd/prompt-engineer/",
    "listing": "/roles/?company_type=financial-institution",
    "company-types": "/company-types/",
}
WIDTHS = {"phone": 360, "desktop": 1280}


def test_pages_fit_phone_and_desktop_widths(live_server, browser):  # noqa: F811
    for width_name, width in WIDTHS.items():
        page = browser.new_page(viewport={"width": width, "height": 800})
        for name, path in PAGES.items():
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            # Nothing wider than the screen: no sideways scrolling on a phone.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (path, width, overflow)
            assert page.locator("h1").count() == 1
            screenshot(page, f"{name}-{width_name}")
        page.close()


def test_keyboard_users_can_skip_to_the_content(live_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["y"] >= 0  # shown on focus
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
