"""The console's custom menu page: the change a sync would make, shown first; a marketer confirms
it (CSRF, and only the change that was shown); an analyst sees it without a button. Against the
sandbox's own server, which starts with a brand's menu; one run in Chromium for the screenshot."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from campaigns.core.clock import FrozenClock
from campaigns.wechat.clients import current_client
from campaigns.wechat.menu import buttons_in_use
from devtools.sandbox.start_state import BRAND_MENU
from tests.browser import shot
from tests.console.conftest import PASSWORD

CREATE = "cgi-bin/menu/create"


@pytest.fixture
def wechat(app, sandbox):
    with app.test_request_context():
        yield current_client()


def menu_now(wechat) -> list[dict]:
    return buttons_in_use(wechat.menu.get_menu_info())


def fingerprint(page: str) -> str:
    return re.search(r'name="fingerprint" value="([0-9a-f]+)"', page).group(1)


def added(page: str) -> list[str]:
    return re.findall(r'<span class="added">\+ ([^<]+)</span>', page)


def test_a_marketer_sees_the_change_then_confirms_it(marketer, factory, wechat, sandbox):
    campaign = factory.campaign(name="中秋大转盘")
    shown = marketer.get("/admin/menu")
    assert shown.status_code == 200
    page = shown.get_data(as_text=True)
    assert added(page) == ["活动 ▾", f"    中秋大转盘 → http://testserver/h5/{campaign.id}/"]
    assert '<span class="same">  品牌官网 → https://brand.example.com/</span>' in page
    assert 'id="menu-confirm"' in page
    assert sandbox.calls(CREATE) == []  # looking changes nothing

    applied = marketer.post(
        "/admin/menu", data={"csrf_token": marketer.csrf, "fingerprint": fingerprint(page)}
    )
    assert applied.status_code == 302
    assert menu_now(wechat)[:2] == BRAND_MENU["button"]
    assert menu_now(wechat)[2]["sub_button"][0]["name"] == "中秋大转盘"
    after = marketer.get("/admin/menu").get_data(as_text=True)
    assert "自定义菜单已更新。" in after and 'id="menu-unchanged"' in after
    assert 'id="menu-confirm"' not in after


def test_a_change_made_since_it_was_shown_is_not_applied(marketer, factory, wechat, sandbox):
    factory.campaign(name="转盘")
    page = marketer.get("/admin/menu").get_data(as_text=True)
    factory.campaign(name="答题")  # goes live after the marketer looked
    stale = marketer.post(
        "/admin/menu", data={"csrf_token": marketer.csrf, "fingerprint": fingerprint(page)}
    )
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert 'id="menu-stale"' in text and "    答题 → http://testserver/h5/" in text
    assert sandbox.calls(CREATE) == []
    assert menu_now(wechat) == BRAND_MENU["button"]


def test_the_confirm_needs_the_forms_csrf_token(marketer, factory, wechat, sandbox):
    factory.campaign(name="转盘")
    page = marketer.get("/admin/menu").get_data(as_text=True)
    refused = marketer.post("/admin/menu", data={"fingerprint": fingerprint(page)})
    assert refused.status_code == 400
    assert sandbox.calls(CREATE) == []


def test_an_analyst_sees_the_change_and_no_button(analyst, factory, wechat, sandbox):
    factory.campaign(name="转盘")
    page = analyst.get("/admin/menu").get_data(as_text=True)
    assert added(page)[0] == "活动 ▾"
    assert 'id="menu-confirm"' not in page and 'id="menu-marketers-only"' in page
    refused = analyst.post("/admin/menu", data={"csrf_token": analyst.csrf, "fingerprint": "x"})
    assert refused.status_code == 403
    assert sandbox.calls(CREATE) == []


def test_a_menu_that_cannot_take_the_campaigns_says_why(marketer, factory, wechat, sandbox):
    wechat.menu.create(
        {"button": [{"type": "click", "name": n, "key": f"K{n}"} for n in ("甲", "乙", "丙")]}
    )
    factory.campaign(name="转盘")
    refused = marketer.get("/admin/menu")
    assert refused.status_code == 409
    assert "菜单放不下活动子菜单「活动」" in refused.get_data(as_text=True)
    assert "（甲, 乙, 丙）" in refused.get_data(as_text=True)


def test_wechat_unreachable_is_a_page_not_a_traceback(marketer, factory):
    factory.campaign(name="转盘")
    down = marketer.get("/admin/menu")
    assert down.status_code == 503
    said = "暂时无法连接微信（ConnectionError），自定义菜单没有改动，请稍后重试。"
    assert said in down.get_data(as_text=True)


class TestInChromium:
    @pytest.fixture
    def clock(self):
        """The app's gunicorn runs on the real clock, so the campaigns must be live now."""
        return FrozenClock(datetime.now(UTC))

    @pytest.mark.browser
    @pytest.mark.one_database
    def test_the_diff_page_and_its_confirm(
        self, app, factory, make_user, clock, browser, app_server, sandbox, wechat
    ):
        make_user("mia", "marketer")
        now = clock.now()
        for name, days in (("中秋大转盘", 3), ("国庆答题赢好礼", 5)):
            ends = now + timedelta(days=days)
            factory.campaign(name=name, starts_at=now - timedelta(hours=1), ends_at=ends)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(f"{app_server.url}/admin/")
        page.fill("input[name=username]", "mia")
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        page.click("text=自定义菜单")
        diff = page.locator("#menu-diff")
        assert diff.locator(".added").count() == 3  # the sub-menu and its two campaigns
        assert "品牌官网" in diff.locator(".same").first.inner_text()
        shot(page, "console-menu-diff")
        page.click("#menu-confirm")
        page.locator("#menu-unchanged").wait_for()
        assert [b["name"] for b in menu_now(wechat)] == ["品牌官网", "会员服务", "活动"]
        context.close()
