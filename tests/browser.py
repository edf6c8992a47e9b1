"""Launching Debian's Chromium for the browser tests (Playwright's own download is not used)."""

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path():
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if path is None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("Chromium is required here (REQUIRE_BROWSER is set) but was not found")
        pytest.skip("Chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    return path


class ChineseVisitor:
    """The browser as the site's usual visitor has it: pages and contexts ask for Chinese
    (Accept-Language zh-CN) unless a test passes another locale; Playwright's default, en-US,
    would get the English interface."""

    def __init__(self, browser):
        self._browser = browser

    def new_page(self, **options):
        return self._browser.new_page(**{"locale": "zh-CN", **options})

    def new_context(self, **options):
        return self._browser.new_context(**{"locale": "zh-CN", **options})

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield ChineseVisitor(browser)
        browser.close()


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


@pytest.fixture
def catalogue_server(live_server, committed_catalogue):
    return live_server
