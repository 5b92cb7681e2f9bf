"""Chromium for the browser tests (a pytest plugin, loaded by tests/conftest.py): the PyPI
playwright driving /usr/bin/chromium, a fresh phone per test (viewport, touch, WeChat's user
agent) and screenshots kept under test-artifacts/screenshots/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI "
    "Language/zh_CN"
)
SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    from tests.conftest import skip_or_fail

    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser, app):
    """A fresh phone (no cookies) per test; ``app`` empties the database and Redis first."""
    contexts = []

    def make(viewport=None, **options):
        context = browser.new_context(
            viewport=viewport or {"width": 375, "height": 667},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            user_agent=WECHAT_UA,
            locale="zh-CN",
            **options,
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def announcement(page) -> str:
    """What the page's live region says once it has spoken: common.js empties it and sets the
    words 50 ms later (so a screen reader announces a repeat), a timer a loaded machine delays."""
    from playwright.sync_api import expect  # the page's CSP refuses wait_for_function's eval

    live = page.locator("#live")
    expect(live).not_to_be_empty()
    return live.inner_text()
