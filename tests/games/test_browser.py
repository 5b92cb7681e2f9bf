"""The four games in headless Chromium (phone viewport, WeChat user agent) against a real
gunicorn server in sandbox mode: OAuth, play, what the player sees, and what the page sends."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaigns.core.clock import FrozenClock
from campaigns.models import Play, Player, Question, QuizAttempt
from campaigns.web.extensions import db
from tests.browser import announcement, shot
from tests.conftest import free_port
from tests.ledger import settle
from tests.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.one_database]

SURE_WIN = [{"name": "10元优惠券 Coupon", "stock": 50, "probability": 1.0}]
PAGE_BUDGET = 150 * 1024
PLAY_URL = re.compile(r"/play$")
AUTHORIZE = "/connect/oauth2/authorize"


@pytest.fixture
def clock():
    """The server runs on the real clock, so campaigns must be open now."""
    return FrozenClock(datetime.now(UTC))


@pytest.fixture(scope="module")
def server(_schema, redis_url, sandbox_server, tmp_path_factory):
    """The app's gunicorn in sandbox mode, reaching the sandbox's own server by its URL."""
    port = free_port()
    tmp = tmp_path_factory.mktemp("h5-server")
    env = {
        "DATABASE_URL": _schema,
        "REDIS_URL": redis_url,
        "COUNTERS_REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp / "instance"),
        "WECHAT_SANDBOX": "1",
        "WECHAT_SANDBOX_URL": sandbox_server.url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    live = LiveServer(port, env, workers=2, log_path=tmp / "gunicorn.log").start()
    yield live
    live.stop()


def open_campaign(factory, clock, **overrides):
    now = clock.now()
    data = {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=3)}
    data.update(overrides)
    return factory.campaign(**data)


def sign_in_and_open(page, server, campaign_id: int, openid: str) -> None:
    """Arrive without a session: the page sends us through OAuth (the sandbox's authorize page,
    on its own host as WeChat's is); approve as ``openid``."""
    page.goto(f"{server.url}/h5/{campaign_id}/")
    assert page.url.startswith(server.env["WECHAT_SANDBOX_URL"] + AUTHORIZE), page.url
    page.goto(page.url.split("#")[0] + f"&openid={openid}")
    assert page.url == f"{server.url}/h5/{campaign_id}/", page.url
    page.wait_for_function("window.H5 !== undefined")


def plays() -> list[Play]:
    settle()  # what the server's plays left in the streams, written now
    db.session.expire_all()
    return list(db.session.scalars(select(Play).order_by(Play.id)))


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def scratch_off(page) -> None:
    box = page.locator("#cover").bounding_box()
    page.mouse.move(box["x"] + 5, box["y"] + 5)
    page.mouse.down()
    rows = 8
    for row in range(rows):
        y = box["y"] + 8 + row * (box["height"] - 16) / (rows - 1)
        x0, x1 = (box["x"] + 4, box["x"] + box["width"] - 4)
        if row % 2:
            x0, x1 = x1, x0
        page.mouse.move(x0, y, steps=4)
        page.mouse.move(x1, y, steps=12)
    page.mouse.up()


def play_with_a_lost_answer(page, button: str, while_retry_shows) -> dict:
    """Play with ``button`` while the server's first answer is lost on the way (it played, the
    phone's request timed out), then press the page's retry. Checks the retry sent the same
    Idempotency-Key and got the very same answer back; returns that answer."""
    keys, answers = [], []

    def flaky(route):
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            answers.append(route.fetch().json())  # the server plays; the phone never hears
            route.abort("timedout")
        else:
            route.continue_()

    page.route(PLAY_URL, flaky)
    page.get_by_role("button", name=button).click()
    retry = page.get_by_role("button", name="重试")
    retry.wait_for(state="visible")
    while_retry_shows()
    with page.expect_response(PLAY_URL) as second:
        retry.click()
    assert second.value.json() == answers[0]
    assert len(keys) == 2 and keys[0] == keys[1]
    page.unroute(PLAY_URL)
    return answers[0]


def test_scratch_card_through_oauth(phone, server, factory, clock):
    campaign = open_campaign(
        factory,
        clock,
        game="scratch",
        name="中秋刮刮乐",
        prizes=SURE_WIN,
        plays_per_user_per_day=3,
    )
    page = phone()
    sign_in_and_open(page, server, campaign.id, "o-browser-scratch")
    assert plays() == []
    assert no_horizontal_scroll(page)
    shot(page, "scratch-start")

    with page.expect_response(re.compile(r"/play$")) as answer:
        page.get_by_role("button", name="领取刮刮卡").click()
    body = answer.value.json()
    assert body["outcome"] == "win"
    ticket = page.locator("#ticket")
    assert ticket.get_attribute("data-state") == "issued"
    assert page.locator("#result").is_hidden()  # nothing shown until scratched
    shot(page, "scratch-issued")

    scratch_off(page)
    page.wait_for_selector("#ticket[data-state=revealed]")
    result = page.locator("#result")
    result.wait_for(state="visible")
    assert page.locator("#code").inner_text() == body["code"]
    assert "10元优惠券" in page.locator("#result-message").inner_text()
    assert announcement(page).startswith("恭喜中奖")
    assert page.locator("#plays-left b").inner_text() == "2"
    stored = plays()
    assert [p.seq for p in stored] == [body["play_id"]]
    assert stored[0].player_id == db.session.scalar(
        select(Player.id).where(Player.openid == "o-browser-scratch")
    )
    page.wait_for_timeout(600)  # the coating's fade
    shot(page, "scratch-result")

    page.get_by_role("link", name="我的奖品").first.click()
    assert body["code"] in page.locator(".wins").inner_text()
    assert no_horizontal_scroll(page)
    shot(page, "my-prizes")
    page.get_by_role("link", name="活动规则").click()
    assert campaign.seed_commitment in page.locator(".commitment").inner_text()
    assert no_horizontal_scroll(page)
    shot(page, "rules")


def test_scratch_reveal_all_button_works_by_keyboard(phone, server, factory, clock):
    campaign = open_campaign(
        factory, clock, game="scratch", prizes=[{"name": "Pen", "stock": 5, "probability": 0.0}]
    )
    page = phone(reduced_motion="reduce")
    sign_in_and_open(page, server, campaign.id, "o-browser-keys")
    page.focus("#get-card")
    with page.expect_response(re.compile(r"/play$")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.json()["outcome"] == "lose"
    page.wait_for_selector("#reveal-all:not([disabled])")
    page.focus("#reveal-all")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ticket[data-state=revealed]")
    assert page.locator("#result-title").inner_text() == "谢谢参与"
    assert page.locator("#code-box").is_hidden()


def wheel_angle(page) -> float:
    """The wheel's rotation as the browser renders it now (from the computed matrix)."""
    matrix = page.evaluate("getComputedStyle(document.getElementById('wheel')).transform")
    a, b = (float(v) for v in matrix[len("matrix(") : -1].split(",")[:2])
    return math.degrees(math.atan2(b, a)) % 360


def segment_under_pointer(angle: float, count: int) -> int:
    """The pointer is at the top; a clockwise turn of ``angle`` puts this segment under it."""
    return int(((360 - angle) % 360) // (360 / count))


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_wheel_lands_on_the_servers_segment(phone, server, factory, clock, motion):
    campaign = open_campaign(
        factory,
        clock,
        game="wheel",
        name="幸运大转盘",
        prizes=[
            {"name": "手机 Phone", "stock": 1, "probability": 0.2},
            {"name": "10元优惠券 Coupon", "stock": 50, "probability": 0.4},
            {"name": "积分 Points", "stock": 50, "probability": 0.3},
        ],
    )
    page = phone(reduced_motion=motion)
    sign_in_and_open(page, server, campaign.id, f"o-browser-wheel-{motion}")
    count = page.locator("#wheel path.seg").count()
    assert count == 6
    assert no_horizontal_scroll(page)
    if motion == "no-preference":
        shot(page, "wheel-start")
    for _ in range(2):
        with page.expect_response(re.compile(r"/play$")) as answer:
            page.get_by_role("button", name="抽奖").click()
        body = answer.value.json()
        assert answer.value.status == 200, body  # else the page waits for a retry, not a spin
        page.wait_for_selector("#wheel[data-state=stopped]", timeout=15000)
        wheel = page.locator("#wheel")
        assert int(wheel.get_attribute("data-segment")) == body["segment"]
        final = float(wheel.get_attribute("data-final-angle"))
        assert segment_under_pointer(final % 360, count) == body["segment"]
        assert segment_under_pointer(wheel_angle(page), count) == body["segment"]
        page.locator("#result").wait_for(state="visible")
        if body["outcome"] == "win":
            assert page.locator("#code").inner_text() == body["code"]
    if motion == "no-preference":
        shot(page, "wheel-result")
    assert len(plays()) == 2


GRID_PRIZES = [
    {"name": "手机 Phone", "stock": 1, "probability": 0.0},
    {"name": "10元优惠券 Coupon", "stock": 50, "probability": 1.0},
    {"name": "积分 Points", "stock": 50, "probability": 0.0},
    {"name": "月饼礼盒 Mooncakes", "stock": 50, "probability": 0.0},
    {"name": "5元代金券 Voucher", "stock": 50, "probability": 0.0},
]
# Every cell that gains the light, in order (a MutationObserver, so nothing in the page's code).
WATCH_THE_LIGHT = """() => {
  if (window.lightWatch) window.lightWatch.disconnect();
  window.litCells = [];
  const watch = window.lightWatch = new MutationObserver((changes) => {
    for (const change of changes) {
      const cell = change.target;
      if (cell.classList.contains("is-lit") && !change.oldValue.includes("is-lit")) {
        window.litCells.push(Number(cell.dataset.cell));
      }
    }
  });
  for (const cell of document.querySelectorAll(".grid-cell")) {
    watch.observe(cell, {attributes: true, attributeFilter: ["class"], attributeOldValue: true});
  }
}"""


def grid_places(page) -> dict:
    """Each cell's (column, row) on screen, from where the browser drew it, and the button's."""
    boxes = page.evaluate(
        """() => [...document.querySelectorAll("#board .grid-cell, #draw")].map((el) => {
          const r = el.getBoundingClientRect();
          return [el.dataset.cell ?? "button", r.x + r.width / 2, r.y + r.height / 2];
        })"""
    )
    xs = sorted({round(x) for _, x, _ in boxes})
    ys = sorted({round(y) for _, _, y in boxes})
    assert len(xs) == 3 and len(ys) == 3, boxes
    return {key: (xs.index(round(x)), ys.index(round(y))) for key, x, y in boxes}


def lit_cell(page):
    lit = page.locator("#board .grid-cell.is-lit")
    assert lit.count() == 1
    return lit


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_grid_light_runs_round_the_ring_and_stops_on_the_servers_cell(
    phone, server, factory, clock, motion
):
    campaign = open_campaign(
        factory, clock, game="grid", name="幸运九宫格", prizes=GRID_PRIZES, wins_per_user_total=1
    )
    page = phone(reduced_motion=motion)
    sign_in_and_open(page, server, campaign.id, f"o-browser-grid-{motion}")
    ring = [(0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (1, 2), (0, 2), (0, 1)]
    places = grid_places(page)
    assert [places[str(i)] for i in range(8)] == ring  # clockwise from the top left
    assert places["button"] == (1, 1)
    assert no_horizontal_scroll(page)
    if motion == "no-preference":
        shot(page, "grid-start")
    previous = -1
    # The first play wins the sure prize; the second loses (the player is at the win limit).
    for outcome in ("win", "lose"):
        page.evaluate(WATCH_THE_LIGHT)
        with page.expect_response(re.compile(r"/play$")) as answer:
            if motion == "reduce":
                page.focus("#draw")
                page.keyboard.press("Enter")
            else:
                page.get_by_role("button", name="抽奖").click()
        body = answer.value.json()
        assert body["outcome"] == outcome
        if motion == "no-preference" and outcome == "win":
            page.wait_for_timeout(700)
            shot(page, "grid-running")
        page.wait_for_selector("#board[data-state=stopped]", timeout=20000)
        assert int(page.locator("#board").get_attribute("data-cell")) == body["cell"]
        cell = lit_cell(page)
        assert int(cell.get_attribute("data-cell")) == body["cell"]
        label = cell.locator(".grid-label").inner_text()
        path = page.evaluate("window.litCells")
        if motion == "reduce":
            assert path == [body["cell"]]  # no running light, the drawn cell at once
        else:
            assert path[0] == (previous + 1) % 8
            assert all((b - a) % 8 == 1 for a, b in zip(path, path[1:], strict=False)), path
            assert len(path) >= 2 * 8 + 8  # two laps at speed, then at least a lap slowing
            assert path[-1] == body["cell"]
        page.locator("#result").wait_for(state="visible")
        # the live region is announced 50 ms after it is cleared (common.js), so wait for it
        page.wait_for_function("() => document.getElementById('live').textContent !== ''")
        if outcome == "win":
            assert label == "10元优惠券 Coupon" == body["prize"]["name"]
            assert page.locator("#code").inner_text() == body["code"]
            assert announcement(page).startswith("恭喜中奖")
        else:
            assert label == "谢谢参与"
            assert page.locator("#code-box").is_hidden()
            assert announcement(page).startswith("谢谢参与")
        if motion == "no-preference":
            page.wait_for_timeout(300)
            shot(page, f"grid-{outcome}")
        previous = body["cell"]
    assert len(plays()) == 2


@pytest.mark.parametrize(
    "viewport", [{"width": 360, "height": 640}, {"width": 414, "height": 896}], ids=["360", "414"]
)
def test_grid_fits_a_phone(phone, server, factory, clock, viewport):
    campaign = open_campaign(
        factory,
        clock,
        game="grid",
        name="中秋幸运九宫格",
        prizes=[
            *GRID_PRIZES,
            {"name": "精美保温杯一只 Vacuum flask", "stock": 5, "probability": 0},
        ],
    )
    page = phone(viewport=viewport)
    sign_in_and_open(page, server, campaign.id, f"o-browser-grid-{viewport['width']}")
    assert no_horizontal_scroll(page)
    for label in page.locator("#board .grid-label").all():  # every name shown whole
        fits = label.evaluate(
            "el => el.scrollWidth <= el.clientWidth && el.scrollHeight <= el.clientHeight + 1"
        )
        assert fits, label.inner_text()
    button = page.locator("#draw").bounding_box()
    assert button["width"] >= 48 and button["height"] >= 48
    shot(page, f"grid-phone-{viewport['width']}")


def test_grid_refusals_and_a_lost_answer_retried(phone, server, factory, clock):
    campaign = open_campaign(
        factory, clock, game="grid", name="九宫格", prizes=GRID_PRIZES, plays_per_user_per_day=2
    )
    page = phone()
    sign_in_and_open(page, server, campaign.id, "o-browser-grid-refusals")

    def still_running():
        assert page.locator("#board").get_attribute("data-state") == "running"

    answer = play_with_a_lost_answer(page, "抽奖", while_retry_shows=still_running)
    page.wait_for_selector("#board[data-state=stopped]", timeout=20000)
    assert int(lit_cell(page).get_attribute("data-cell")) == answer["cell"]
    assert [p.seq for p in plays()] == [answer["play_id"]]

    page.get_by_role("button", name="再来一次").click()  # the second and last play of today
    page.wait_for_selector("#board[data-state=stopped]", timeout=20000)
    assert page.locator("#again").is_hidden() and page.locator("#draw").is_disabled()
    page.evaluate("document.getElementById('draw').disabled = false")  # as a stale tab would
    page.get_by_role("button", name="抽奖").click()
    page.locator('[data-screen="daily_limit"]').wait_for(state="visible")
    assert page.locator("#board .grid-cell.is-lit").count() == 0  # the light went out
    assert page.locator("#board").get_attribute("data-state") == "idle"
    shot(page, "screen-grid-daily_limit")
    assert len(plays()) == 2


def test_quiz_is_graded_on_the_server(phone, server, factory, clock):
    campaign = open_campaign(
        factory,
        clock,
        game="quiz",
        name="中秋知识问答",
        prizes=SURE_WIN,
        questions_per_attempt=2,
        pass_score=2,
        questions=[
            {
                "text": "中秋节在农历几月几日？",
                "options": ["八月十五", "五月初五", "正月十五"],
                "answer": 0,
            },
            {"text": "中秋节传统食品是？", "options": ["粽子", "月饼", "汤圆"], "answer": 1},
            {"text": "嫦娥奔向了哪里？", "options": ["太阳", "火星", "月亮"], "answer": 2},
        ],
    )
    answers = {q.text: q.answer for q in db.session.scalars(select(Question))}
    page = phone()
    sign_in_and_open(page, server, campaign.id, "o-browser-quiz")
    shot(page, "quiz-start")
    with page.expect_response(re.compile(r"/quiz$")) as dealt:
        page.get_by_role("button", name="开始答题").click()
    payload = dealt.value.json()
    assert len(payload["questions"]) == 2
    assert no_horizontal_scroll(page)
    assert "answer" not in json.dumps(payload)
    for index in range(2):
        text = page.locator("#q-text").inner_text()
        page.locator(".option").nth(answers[text]).click()
        if index == 0:
            shot(page, "quiz-question")
            page.get_by_role("button", name="下一题").click()
    with page.expect_response(re.compile(r"/quiz/[\w-]+$")) as graded:
        page.get_by_role("button", name="提交答案").click()
    body = graded.value.json()
    assert body["score"] == 2 and body["passed"] is True
    assert body["play"]["outcome"] == "win"
    page.locator("#result").wait_for(state="visible")
    assert page.locator("#code").inner_text() == body["play"]["code"]
    assert "答对 2 / 2 题" in page.locator("#result-message").inner_text()
    assert page.locator("#review li.is-right").count() == 2
    stored = plays()
    assert len(stored) == 1 and stored[0].eligible
    shot(page, "quiz-result")


def test_a_reopened_timed_quiz_counts_down_what_is_left(phone, server, factory, clock):
    """The page counts down from the server's ``seconds_left``: reopened 20 s into a 60 s
    attempt it shows at most 40 s left (the clock the server grades by), not a fresh 60."""
    campaign = open_campaign(
        factory,
        clock,
        game="quiz",
        prizes=SURE_WIN,
        questions_per_attempt=1,
        pass_score=1,
        quiz_seconds=60,
        questions=[{"text": "1 + 1 = ?", "options": ["1", "2"], "answer": 1}],
    )
    page = phone()
    sign_in_and_open(page, server, campaign.id, "o-browser-quiz-timer")
    with page.expect_response(re.compile(r"/quiz$")) as dealt:
        page.get_by_role("button", name="开始答题").click()
    first = dealt.value.json()
    assert first["seconds_left"] == 60, first
    # The server runs on the real clock: the attempt began 20 s earlier instead of waiting.
    attempt = db.session.get(QuizAttempt, first["attempt_id"])
    attempt.started_at -= timedelta(seconds=20)
    db.session.commit()
    page.reload()
    with page.expect_response(re.compile(r"/quiz$")) as resumed:
        page.get_by_role("button", name="开始答题").click()
    again = resumed.value.json()
    assert again.get("attempt_id") == first["attempt_id"] and again["seconds_left"] <= 40, again
    count = page.locator("#q-count")
    count.wait_for(state="visible")
    left = int(re.search(r"剩余 (\d+) 秒", count.inner_text()).group(1))
    assert 30 < left <= 40, count.inner_text()


def test_a_failed_quiz_counts_as_a_play_without_a_draw(phone, server, factory, clock):
    campaign = open_campaign(
        factory,
        clock,
        game="quiz",
        prizes=SURE_WIN,
        questions_per_attempt=1,
        pass_score=1,
        questions=[{"text": "1 + 1 = ?", "options": ["1", "2"], "answer": 1}],
    )
    page = phone()
    sign_in_and_open(page, server, campaign.id, "o-browser-quiz-fail")
    page.get_by_role("button", name="开始答题").click()
    page.locator(".option").nth(0).click()
    with page.expect_response(re.compile(r"/quiz/[\w-]+$")) as graded:
        page.get_by_role("button", name="提交答案").click()
    body = graded.value.json()
    assert body["passed"] is False and body["play"]["outcome"] == "lose"
    page.locator("#result").wait_for(state="visible")
    assert page.locator("#review li.is-wrong small").inner_text() == "正确答案：2"
    stored = plays()
    assert len(stored) == 1 and not stored[0].eligible


@pytest.mark.parametrize(
    ("code", "setup"),
    [
        ("not_started", {"status": "live", "starts_in": timedelta(hours=2)}),
        ("ended", {"status": "ended"}),
        ("not_live", {"status": "paused"}),
        ("total_limit", {"plays_per_user_total": 1, "played": 1}),
        ("not_following", {"require_follow": True}),
    ],
)
def test_refusal_screens_on_arrival(phone, server, factory, clock, code, setup):
    now = clock.now()
    starts = now + setup.get("starts_in", -timedelta(hours=1))
    campaign = open_campaign(
        factory,
        clock,
        game="scratch",
        status=setup.get("status", "live"),
        starts_at=starts,
        plays_per_user_total=setup.get("plays_per_user_total"),
        require_follow=setup.get("require_follow", False),
    )
    page = phone()
    sign_in_and_open(page, server, campaign.id, f"o-browser-{code}")
    if setup.get("played"):
        page.get_by_role("button", name="领取刮刮卡").click()
        page.wait_for_selector("#ticket[data-state=issued]")
        page.reload()
    screen = page.locator(f'[data-screen="{code}"]')
    assert screen.is_visible()
    assert page.locator("#stage").is_hidden()
    if code == "not_following":
        qr = screen.locator("img.qr")
        qr.wait_for(state="visible")
        # decode() settles once the image has loaded (and rejects if it cannot): no polling.
        assert qr.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    assert no_horizontal_scroll(page)
    shot(page, f"screen-{code}")


def test_refusals_after_a_play_show_their_screens(phone, server, factory, clock):
    campaign = open_campaign(factory, clock, game="wheel", plays_per_user_per_day=1)
    page = phone(reduced_motion="reduce")
    sign_in_and_open(page, server, campaign.id, "o-browser-daily")
    page.get_by_role("button", name="抽奖").click()
    page.locator("#result").wait_for(state="visible")
    assert page.locator("#again").is_hidden()  # no plays left today
    page.evaluate("document.getElementById('spin').disabled = false")  # as a stale tab would
    page.get_by_role("button", name="抽奖").click()
    page.locator('[data-screen="daily_limit"]').wait_for(state="visible")
    shot(page, "screen-daily_limit")

    page.reload()
    page.route(
        re.compile(r"/play$"),
        lambda route: route.fulfill(
            status=429,
            content_type="application/json",
            body=json.dumps({"error": "rate_limited", "message": "slow", "fields": {}}),
        ),
    )
    page.evaluate(
        "document.querySelector('[data-screen=daily_limit]').hidden = true;"
        "document.getElementById('stage').hidden = false;"
        "document.getElementById('spin').disabled = false"
    )
    page.get_by_role("button", name="抽奖").click()
    page.locator('[data-screen="rate_limited"]').wait_for(state="visible")
    shot(page, "screen-rate_limited")


def test_an_expired_session_shows_its_screen(phone, server, factory, clock):
    campaign = open_campaign(factory, clock, game="scratch")
    page = phone()
    sign_in_and_open(page, server, campaign.id, "o-browser-expired")
    page.context.clear_cookies()
    page.get_by_role("button", name="领取刮刮卡").click()
    screen = page.locator('[data-screen="no_session"]')
    screen.wait_for(state="visible")
    shot(page, "screen-no_session")
    screen.get_by_role("link").click()  # reopening goes through OAuth again
    page.wait_for_url(re.compile(AUTHORIZE))
    assert plays() == []


def test_a_timed_out_play_retried_by_the_page_uses_one_play(phone, server, factory, clock):
    campaign = open_campaign(factory, clock, game="scratch", prizes=SURE_WIN)
    page = phone(reduced_motion="reduce")
    sign_in_and_open(page, server, campaign.id, "o-browser-flaky")
    answer = play_with_a_lost_answer(
        page, "领取刮刮卡", while_retry_shows=lambda: shot(page, "screen-network")
    )
    page.get_by_role("button", name="一键刮开").click()
    assert page.locator("#code").inner_text() == answer["code"]
    stored = plays()
    assert [p.seq for p in stored] == [answer["play_id"]]


@pytest.mark.parametrize("game", ["scratch", "wheel", "quiz", "grid"])
def test_page_weight_and_no_third_party_request(phone, server, factory, clock, game):
    extra = {}
    if game == "quiz":
        extra = {
            "questions": [{"text": "1 + 1 = ?", "options": ["1", "2"], "answer": 1}],
            "questions_per_attempt": 1,
            "pass_score": 1,
        }
    campaign = open_campaign(factory, clock, game=game, **extra)
    page = phone()
    requests = []
    page.on("requestfinished", lambda r: requests.append(r))
    page.on("requestfailed", lambda r: requests.append(r))
    sign_in_and_open(page, server, campaign.id, f"o-browser-weight-{game}")
    page.wait_for_load_state("networkidle")
    # Our server, and WeChat's authorize page (the sandbox's): nothing else.
    sign_in = server.env["WECHAT_SANDBOX_URL"] + AUTHORIZE
    assert all(r.url.startswith((server.url + "/", sign_in)) for r in requests), [
        r.url for r in requests
    ]
    game_load = [r for r in requests if r.url.startswith(f"{server.url}/h5/")]
    assert any(r.url.endswith("/common.js") for r in game_load)
    transferred = 0
    for request in game_load:
        sizes = request.sizes()
        transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        response = request.response()
        if response.status == 200 and len(response.body()) > 1024:  # smaller ones are not worth it
            assert response.headers.get("content-encoding") in ("gzip", "br", "zstd"), request.url
    assert transferred <= PAGE_BUDGET, transferred
    html = page.content()
    assert "data-outcome" not in html
    assert db.session.scalar(select(func.count()).select_from(Play)) == 0


def test_the_claim_form_on_my_prizes(phone, server, factory, clock):
    """A goods win's claim form: a bad mobile number is named next to its field, a good claim
    is saved (sealed) and the page says so; a code win shows its code as a QR code."""
    from campaigns.models import Claim
    from tests.prizes.helpers import ADDRESS, KINDS, win_of

    campaign = open_campaign(factory, clock, prizes=KINDS, name="中秋好礼")
    page = phone()
    sign_in_and_open(page, server, campaign.id, "o-browser-claim")
    player = db.session.scalar(select(Player).where(Player.openid == "o-browser-claim"))
    mug = win_of(campaign, campaign.prizes[0], player, clock.now())
    win_of(campaign, campaign.prizes[2], player, clock.now())
    page.goto(f"{server.url}/h5/{campaign.id}/prizes")
    assert page.locator(".code-qr svg").count() == 1
    form = page.locator(f'.claim-form[data-win="{mug.id}"]')
    for name, value in ADDRESS.items():
        form.locator(f'input[name="{name}"]').fill(value)
    form.locator('input[name="phone"]').fill("1234")
    form.get_by_role("button").last.click()
    error = form.locator('.field-error[data-for="phone"]')
    error.wait_for(state="visible")
    assert form.locator('.field-error[data-for="city"]').is_hidden()
    form.locator('input[name="phone"]').fill(ADDRESS["phone"])
    with page.expect_response(re.compile(r"/claim$")) as answer:
        form.get_by_role("button").last.click()
    assert answer.value.status == 200
    # The message already shows the failed try's text: wait for the answer's handler to run,
    # which hides the field's error (and times out, failing, if it never does).
    error.wait_for(state="hidden")
    assert form.locator(".claim-message").is_visible() and no_horizontal_scroll(page)
    shot(page, "my-prizes-claimed")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Claim)) == 1


def test_the_staff_desk_on_a_phone(phone, server, factory, clock):
    """A staff member binds with the one-time code, types a winner's code, sees the prize and
    confirms; the win records them as its redeemer."""
    from campaigns.management import staff
    from campaigns.models import Win
    from tests.prizes.helpers import KINDS, win_of

    campaign = open_campaign(factory, clock, prizes=KINDS, name="核销测试")
    page = phone()
    sign_in_and_open(page, server, campaign.id, "o-browser-staff")
    coupon = win_of(campaign, campaign.prizes[2], factory.player(), clock.now())
    token = staff.invite(db.session, "李店员", "test", clock.now())
    page.goto(f"{server.url}/h5/staff/bind/{token}")
    assert page.url == f"{server.url}/h5/staff/desk", page.url
    page.locator("#desk-code").fill(coupon.code.replace("-", "").lower())
    page.get_by_role("button", name="查询").click()
    page.locator("#found-prize").wait_for(state="visible")
    assert page.locator("#found-prize").text_content() == "Coupon"
    page.get_by_role("button", name="确认核销").click()
    page.get_by_text("核销成功，请交付奖品。").wait_for()
    assert no_horizontal_scroll(page)
    shot(page, "staff-desk-redeemed")
    db.session.expire_all()
    assert db.session.get(Win, coupon.id).redeemed_by.endswith("李店员")


def test_the_latest_winners_on_the_game_page(phone, server, factory, clock):
    """A campaign showing its winners lists the latest wins on the game page, masked (first
    and last character of the openid), with the prize and the time of day."""
    from tests.prizes.helpers import win_of

    campaign = open_campaign(factory, clock, prizes=SURE_WIN, name="中秋抽奖", show_winners=True)
    for openid in ("o-winner-aa11", "o-winner-bb22"):
        win_of(campaign, campaign.prizes[0], factory.player(openid), clock.now())
    page = phone()
    sign_in_and_open(page, server, campaign.id, "o-browser-winners")
    rows = page.locator("#winners li")
    assert rows.count() == 2
    text = page.locator("#winners").inner_text()
    assert "o***1" in text and "o***2" in text and "10元优惠券 Coupon" in text
    assert "o-winner" not in page.content()  # never the openid itself
    assert re.search(r"\d{2}:\d{2}", rows.first.inner_text())
    assert no_horizontal_scroll(page)
    page.locator("#winners").scroll_into_view_if_needed()
    shot(page, "game-latest-winners")


def test_the_win_screen_offers_subscription_notices_in_wechat(phone, server, factory, clock):
    """In WeChat's browser a goods win's screen carries WeChat's wx-open-subscribe open tag for
    the account's subscription template (Chromium does not render the tag: its element and
    template are what is checked); a browser outside WeChat gets no offer at all."""
    from tests.sandbox_client import sign_in

    goods = [{"name": "马克杯 Mug", "kind": "goods", "stock": 50, "probability": 1.0,
              "claim_days": 7}]  # fmt: skip
    campaign = open_campaign(factory, clock, game="wheel", prizes=goods, name="好礼转盘")
    page = phone(reduced_motion="reduce")
    sign_in_and_open(page, server, campaign.id, "o-browser-subscribe")
    offer = page.locator("#subscribe-box")
    assert offer.is_hidden()  # nothing won yet
    with page.expect_response(PLAY_URL) as answer:
        page.get_by_role("button", name="抽奖").click()
    assert answer.value.json()["outcome"] == "win"
    page.locator("#result").wait_for(state="visible")
    offer.wait_for(state="visible")
    tag = page.locator("wx-open-subscribe#subscribe-tag")
    assert tag.count() == 1
    assert tag.get_attribute("template") == "sandbox-subscribe-template"
    assert tag.locator('script[type="text/wxtag-template"]').count() == 1
    assert page.locator("#goods-box").is_visible() and no_horizontal_scroll(page)
    shot(page, "win-subscribe-offer")
    elsewhere = sign_in(server.url, "o-browser-subscribe-2", f"/h5/{campaign.id}/")
    plain = elsewhere.get(f"{server.url}/h5/{campaign.id}/", timeout=10)
    assert plain.status_code == 200 and "wx-open-subscribe" not in plain.text
    assert 'id="result"' in plain.text  # the same page otherwise
