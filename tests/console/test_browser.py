"""A marketer sets up, simulates and publishes a wheel campaign in a real Chromium against a real
server; plays arrive through the JSON endpoint; an analyst sees them in the report."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from campaigns.core.clock import FrozenClock
from campaigns.models import Campaign
from campaigns.web.extensions import db
from tests.campaigns.test_concurrency import cookie_for
from tests.conftest import free_port, skip_or_fail
from tests.console.conftest import PASSWORD
from tests.ledger import settle
from tests.live_server import ROOT, LiveServer
from tests.load import fire

SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PLAYS = 12

pytestmark = [pytest.mark.browser, pytest.mark.one_database]


@pytest.fixture
def clock():
    """The server runs on the real clock, so the campaign must be open now."""
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def server(app, sandbox_server, tmp_path):
    port = free_port()
    env = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "INSTANCE_PATH": str(tmp_path / "server-instance"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "WECHAT_SANDBOX": "1",
        "WECHAT_SANDBOX_URL": sandbox_server.url,  # the poster QR code comes from there
    }
    live = LiveServer(port, env, workers=2, log_path=tmp_path / "gunicorn.log").start()
    yield live
    live.stop()


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SHOTS, name)), full_page=True)


def watch(page, problems: list) -> None:
    def failed(response):
        if response.status >= 400:  # the favicon included
            problems.append(f"{response.status} {response.url}")

    page.on("response", failed)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")  # reported with its URL above
            and problems.append(m.text)
        ),
    )


def english(page) -> None:
    """The header's switch, from Chinese: the same page again in English."""
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=en]")


def chinese(page) -> None:
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=zh-CN]")


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/admin/")


def test_marketer_publishes_and_analyst_sees_plays(app, factory, make_user, server, browser, clock):
    make_user("mia", "marketer")
    make_user("ann", "analyst")
    base = server.url
    local = clock.now().astimezone(ZoneInfo("Asia/Shanghai"))
    starts = (local - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    ends = (local + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")

    marketer = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = marketer.new_page()
    problems = []  # script errors, CSP refusals and failed loads on any console page
    watch(page, problems)
    sign_in(page, base, "mia")
    # Saved with the name left empty: the field says, as the form labels it, what to do (not
    # marshmallow's "Length must be between 1 and 120."), and what was typed stays.
    page.goto(f"{base}/admin/campaigns/new")
    page.fill("input[name=name]", "")
    page.fill("input[name=ends_at]", starts)
    page.click("#save")
    page.wait_for_selector(".error[data-field=name]")
    assert page.inner_text(".error[data-field=name]") == "活动名称：请填写 1 到 120 个字。"
    assert page.input_value("input[name=ends_at]") == starts  # what was typed stays
    shot(page, "console-editor-errors-zh.png")
    assert problems == [f"422 {base}/admin/campaigns/new"]  # that refusal, and nothing else
    problems.clear()
    page.goto(f"{base}/admin/")
    page.click("text=新建活动")
    page.fill("input[name=name]", "国庆大转盘 National Day wheel")
    page.select_option("select[name=game]", "wheel")
    page.fill("input[name=starts_at]", starts)
    page.fill("input[name=ends_at]", ends)
    page.fill("textarea[name=rules]", "每人每天 5 次，奖品有限，先到先得。")
    rows = page.locator("#prize-table tbody tr")
    rows.nth(0).locator("input[name$='.name']").fill("手机 Phone")
    rows.nth(0).locator("input[name$='.stock']").fill("3")
    rows.nth(0).locator("input[name$='.probability']").fill("0.05")
    page.click("#add-prize")
    rows.nth(1).locator("input[data-name=name]").fill("优惠券 Coupon")
    rows.nth(1).locator("input[data-name=stock]").fill("500")
    rows.nth(1).locator("input[data-name=probability]").fill("0.4")
    rows.nth(1).locator("select[data-name=pacing]").select_option("even")
    shot(page, "console-editor.png")
    page.click("#save")
    page.wait_for_url("**/simulate")

    page.fill("input[name=plays]", "20000")
    page.fill("input[name=plays_per_day]", "2000")
    page.click("#run-simulation")
    page.wait_for_selector("#simulation-result")
    assert "优惠券 Coupon" in page.inner_text("#simulation-result")
    shot(page, "console-simulator.png")
    # A crowd: 100,000 plays in the first day of seven. The phones go at once (a warning, and
    # even pacing offered); the 100,000 asked for fit, so nothing is capped.
    page.fill("input[name=plays]", "100000")
    page.fill("input[name=plays_per_day]", "100000")
    page.click("#run-simulation")
    page.wait_for_selector("#runs-out-early")
    assert "手机 Phone" in page.inner_text("#runs-out-early")
    assert "均匀发放" in page.inner_text("#runs-out-early")
    assert "先到先得" in page.inner_text("#pacing-help")
    shot(page, "console-simulator-early-zh.png")
    english(page)
    assert "first tenth" in page.inner_text("#runs-out-early")
    shot(page, "console-simulator-early-en.png")
    chinese(page)
    # More plays than seven days hold at 2,000 a day: it says so and why.
    page.fill("input[name=plays]", "100000")
    page.fill("input[name=plays_per_day]", "2000")
    page.click("#run-simulation")
    page.wait_for_selector("#simulation-capped")
    assert "100000" in page.inner_text("#simulation-capped")
    shot(page, "console-simulator-capped-zh.png")

    page.click(".tabs >> text=发布")
    page.wait_for_selector("text=全部检查通过")
    # A draft gets no WeChat QR code (a quota of the account): it is made once live.
    assert page.locator("#qr-after-publishing").is_visible()
    shot(page, "console-publish.png")
    summary = page.inner_text("#go-live-summary")
    assert "手机 Phone" in summary and "5.00%" in summary and "500" in summary
    shot(page, "console-go-live-zh.png")
    english(page)
    assert "What goes live" in page.inner_text("#go-live-summary")
    shot(page, "console-go-live-en.png")
    chinese(page)
    page.click("#go-live")  # not yet ticked: the browser holds the form back
    assert page.locator(".status-live").count() == 0
    page.check("#confirm-go-live")
    page.click("#go-live")
    page.wait_for_selector(".status-live")
    shot(page, "console-live.png")
    # A restock of -3 is refused beside the field, and the -3 stays there to be corrected.
    overview_url = page.url
    page.fill("input[name='prizes.0.stock']", "-3")
    page.click("#stock-form button")
    page.wait_for_selector(".error[data-field='prizes.0.stock']")
    assert page.input_value("input[name='prizes.0.stock']") == "-3"
    assert page.inner_text(".error[data-field='prizes.0.stock']").startswith("库存：")
    shot(page, "console-restock-refused-zh.png")
    assert problems == [f"422 {overview_url}/stock"]
    problems.clear()
    page.goto(overview_url)
    # The header's switch: the same page in English (Chromium still asks for Chinese), and back.
    assert "可验证的抽奖" in page.inner_text("main")
    shot(page, "console-zh.png")
    english(page)
    assert "Verifiable draws" in page.inner_text("main") and "Overview" in page.inner_text(".tabs")
    assert "可验证" not in page.inner_text("main")
    shot(page, "console-en.png")
    chinese(page)
    page.click(".tabs >> text=发布")
    page.wait_for_load_state("networkidle")
    assert page.locator("img.qr").evaluate("img => img.naturalWidth") > 0
    # The printable posters, fetched as the marketer's browser would download them.
    links = page.locator("#posters a")
    assert links.count() == 3
    for index in range(3):
        got = page.request.get(base + links.nth(index).get_attribute("href"))
        assert got.status == 200 and got.headers["content-type"] in ("image/png", "application/pdf")
    shot(page, "console-posters-zh.png")
    english(page)
    assert "A4 poster (PDF)" in page.inner_text("#posters")
    shot(page, "console-posters-en.png")
    chinese(page)
    page.goto(f"{base}/admin/")
    shot(page, "console-campaigns.png")
    page.goto(f"{base}/api/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    shot(page, "api-docs.png")
    assert problems == []
    marketer.close()

    db.session.expire_all()
    campaign = db.session.scalars(select(Campaign)).one()
    assert campaign.status == "live" and [p.name for p in campaign.prizes] == [
        "手机 Phone",
        "优惠券 Coupon",
    ]
    assert [p.pacing for p in campaign.prizes] == ["none", "even"]

    # The same mistakes as an English-speaking marketer sees them.
    english_marketer = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = english_marketer.new_page()
    sign_in(page, base, "mia")
    page.goto(f"{base}/admin/campaigns/new")
    page.fill("input[name=name]", "")
    page.click("#save")
    page.wait_for_selector(".error[data-field=name]")
    assert page.inner_text(".error[data-field=name]") == "Campaign name: enter 1 to 120 characters."
    shot(page, "console-editor-errors-en.png")
    english_marketer.close()

    analyst = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = analyst.new_page()
    watch(page, problems)
    sign_in(page, base, "ann")
    # The analyst's overview: the prizes and the audit log to read, nothing to press.
    page.goto(f"{base}/admin/campaigns/{campaign.id}")
    assert page.locator("#prize-stock").is_visible()
    assert page.locator("#stock-form, #pause, #end, .tabs >> text=Edit").count() == 0
    shot(page, "console-analyst-overview-en.png")
    chinese(page)
    assert "修改由运营人员进行" in page.inner_text("#prize-stock")
    shot(page, "console-analyst-overview-zh.png")
    english(page)
    page.goto(f"{base}/admin/campaigns/{campaign.id}/report")
    assert page.inner_text("[data-key=plays]") == "0"
    assert "Page views" in page.inner_text("main")  # Chromium asks for English

    players = factory.players(PLAYS // 2)
    jobs = [
        (f"/h5/{campaign.id}/play", cookie_for(app, p), None) for p in players for _ in range(2)
    ]
    results = fire(base, jobs, threads=4)
    assert [status for status, _ in results] == [200] * PLAYS, results
    wins = sum(body["outcome"] == "win" for _, body in results)

    page.reload()  # read before the ledger has the plays: the page says so
    assert "plays not yet written" in page.inner_text("#ledger-as-of")
    settle()
    page.reload()
    assert page.inner_text("[data-key=plays]") == str(PLAYS)
    assert page.inner_text("[data-key=players]") == str(PLAYS // 2)
    assert page.inner_text("[data-key=wins]") == str(wins)
    page.wait_for_selector("canvas[style*='box-sizing']")  # Chart.js has drawn
    assert page.locator("canvas[style*='box-sizing']").count() == 5
    # Each observed rate with its 95 % interval, and whether the configured one lies inside.
    rates = page.locator("#prize-rates tbody tr")
    assert rates.count() == 2
    for row in range(2):
        cells = rates.nth(row).locator("td")
        low, high = (float(x) for x in cells.nth(4).inner_text().split("–"))
        assert 0 <= low <= float(cells.nth(3).inner_text()) <= high <= 1
        configured = float(cells.nth(2).inner_text())
        said = cells.nth(5).inner_text()
        assert said == ("Within chance" if low <= configured <= high else "Beyond chance"), said
    shot(page, "report.png")
    chinese(page)
    assert "95% 区间" in page.inner_text("#prize-rates thead")
    assert rates.nth(0).locator("td").nth(5).inner_text() in ("在随机波动之内", "超出随机波动")
    shot(page, "report-zh.png")
    assert problems == []
    forbidden = page.request.post(
        f"{base}/admin/campaigns/{campaign.id}/status", form={"status": "paused"}
    )
    assert forbidden.status in (400, 403)  # no CSRF token, and no marketer either
    analyst.close()
