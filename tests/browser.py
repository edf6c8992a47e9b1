"""Launching Debian's Chromium for the browser tests (Playwright's own download is not used)."""

import asyncio
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
    would get the English interface. Every page and context it opens is its own incognito
    context, closed when the test ends (`close`), so nothing (cookies, storage, cache) passes
    from one test to the next although they share one Chromium."""

    def __init__(self, browser):
        self._browser = browser
        self._contexts = []

    def new_page(self, **options):
        page = self._browser.new_page(**{"locale": "zh-CN", **options})
        self._contexts.append(page.context)
        return page

    def new_context(self, **options):
        context = self._browser.new_context(**{"locale": "zh-CN", **options})
        self._contexts.append(context)
        return context

    def close(self):
        for context in self._contexts:
            context.close()

    def __getattr__(self, name):
        return getattr(self._browser, name)


class Chromium:
    """One Chromium (and one Playwright driver) per test process, started by the first browser
    test: launching them took a second or more for each of the ~25 browser tests.

    Playwright's sync API marks its event loop as running in the main thread after every call,
    and Django refuses database access in a thread with a running loop (SynchronousOnlyOperation).
    With a Chromium per test that lasted only for the test; with one per process it would reach
    every test after the first browser test. So the loop is marked running only while a test
    holds the `browser` fixture (`lend`/`take_back`), as it was before."""

    def __init__(self):
        from playwright.sync_api import sync_playwright

        executable = chromium_path()
        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS
        )
        self.loop = asyncio.get_running_loop()
        asyncio._set_running_loop(None)

    def lend(self):
        asyncio._set_running_loop(self.loop)
        return ChineseVisitor(self.browser)

    def take_back(self, visitor):
        try:
            visitor.close()
        finally:
            asyncio._set_running_loop(None)

    def stop(self):
        asyncio._set_running_loop(self.loop)
        try:
            self.browser.close()
            self.playwright.stop()
        finally:
            asyncio._set_running_loop(None)


@pytest.fixture(scope="session")
def chromium():
    """The process's Chromium; tests use `browser`."""
    chromium = Chromium()
    yield chromium
    chromium.stop()


@pytest.fixture
def browser(chromium):
    visitor = chromium.lend()
    yield visitor
    chromium.take_back(visitor)


def screenshot(page, name):
    """A full-page PNG in test-artifacts/, to look at, with SCREENSHOTS=1 (`make screenshots`):
    the 120 of a whole run cost about 40 s of browser time that nothing in a test reads."""
    if not os.environ.get("SCREENSHOTS"):
        return
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


@pytest.fixture
def catalogue_server(live_server, committed_catalogue):
    return live_server
