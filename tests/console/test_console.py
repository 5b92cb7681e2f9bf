"""The console through its forms: sign-in, CSRF, expiry, roles, the editor's validation in the
marketer's language, live controls with their audit log, the simulator and the redemption desk."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from campaigns.models import AuditEntry, Campaign, Win
from campaigns.web.console import auth, sessions
from campaigns.web.extensions import db
from tests.campaigns.test_reports import add_play
from tests.console.conftest import csrf_token, sign_in


def campaign_form(csrf: str, **overrides) -> dict:
    form = {
        "csrf_token": csrf,
        "name": "国庆大转盘",
        "game": "wheel",
        "starts_at": "2026-09-20T10:00",
        "ends_at": "2026-09-27T22:00",
        "timezone": "Asia/Shanghai",
        "rules": "每人每天 3 次。",
        "keyword": "转盘",
        "plays_per_user_per_day": "3",
        "plays_per_user_total": "",
        "wins_per_user_total": "1",
        "require_follow": "0",
        "questions_per_attempt": "",
        "pass_score": "",
        "look.title": "国庆",
        "look.primary_color": "#E8452C",
        "look.background_color": "",
        "look.banner_url": "",
        "prizes": "1",
        "prizes.0.id": "",
        "prizes.0.name": "手机",
        "prizes.0.stock": "5",
        "prizes.0.probability": "0.001",
        "prizes.0.pacing": "even",
        "prizes.0.image_url": "",
        "prizes.1.id": "",
        "prizes.1.name": "优惠券",
        "prizes.1.stock": "2000",
        "prizes.1.probability": "0.2",
        "prizes.1.pacing": "none",
        "prizes.1.image_url": "",
        "questions": "1",
    }
    form.update(overrides)
    return form


def campaigns_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Campaign))


def test_console_needs_a_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_wrong_password_is_refused(client, make_user):
    make_user("mia", "marketer")
    response = sign_in(client, "mia", "wrong password!")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_forms_need_the_csrf_token(client, make_user):
    make_user("mia", "marketer")
    response = client.post("/admin/login", data={"username": "mia", "password": "x" * 20})
    assert response.status_code == 400
    client.get("/admin/login")
    assert sign_in(client, "mia").status_code == 302
    form = campaign_form("")
    del form["csrf_token"]
    assert client.post("/admin/campaigns/new", data=form).status_code == 400
    assert campaigns_count() == 0


def test_idle_session_expires(marketer, app):
    """The sign-in is held in Redis for the idle time, renewed by each request; once it lapses
    (its key expires) the cookie no longer signs anyone in."""
    with marketer.session_transaction() as session:
        key = sessions.KEY_PREFIX + session[auth.SESSION_KEY]
    redis = app.extensions["redis"]["main"]
    redis.expire(key, 5)
    assert marketer.get("/admin/").status_code == 200
    assert redis.ttl(key) > app.config["CONSOLE_IDLE_SECONDS"] - 60  # renewed by the request
    redis.delete(key)  # what its TTL does once the idle time passes
    response = marketer.get("/admin/")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    assert marketer.get("/admin/").status_code == 302  # signed out for good


def test_player_session_keys_are_left_alone(marketer):
    with marketer.session_transaction() as session:
        session["player_id"], session["openid"] = 7, "o-player"
    marketer.post("/admin/logout", data={"csrf_token": marketer.csrf})
    with marketer.session_transaction() as session:
        assert session["player_id"] == 7 and "console_user" not in session


def test_marketer_creates_a_campaign(marketer):
    response = marketer.post("/admin/campaigns/new", data=campaign_form(marketer.csrf))
    assert response.status_code == 302, response.get_data(as_text=True)
    campaign = db.session.scalars(select(Campaign)).one()
    assert campaign.name == "国庆大转盘" and campaign.status == "draft"
    assert [(p.name, p.stock, p.probability, p.pacing) for p in campaign.prizes] == [
        ("手机", 5, 0.001, "even"),
        ("优惠券", 2000, 0.2, "none"),
    ]
    assert campaign.starts_utc.isoformat() == "2026-09-20T02:00:00+00:00"
    assert campaign.look == {"title": "国庆", "primary_color": "#E8452C"}
    listing = marketer.get("/admin/").get_data(as_text=True)
    assert "国庆大转盘" in listing and "2005 / 2005" in listing


def test_reordering_prizes_is_the_order_sent(marketer):
    form = campaign_form(marketer.csrf)
    reordered = {k: v for k, v in form.items() if not k.startswith("prizes.")}
    for new, old in ((0, 1), (1, 0)):
        for field in ("id", "name", "stock", "probability", "pacing", "image_url"):
            reordered[f"prizes.{new}.{field}"] = form[f"prizes.{old}.{field}"]
    marketer.post("/admin/campaigns/new", data=reordered)
    campaign = db.session.scalars(select(Campaign)).one()
    assert [p.name for p in campaign.prizes] == ["优惠券", "手机"]


BAD_FIELDS = [
    ("name", "", "name", "活动名称：请填写 1 到 120 个字"),
    ("game", "dice", "game", "未知的游戏类型"),
    ("ends_at", "2026-09-19T10:00", "ends_at", "结束时间：请选择晚于开始时间的时间"),
    ("starts_at", "not a date", "starts_at", "开始时间：请选择日期和时间"),
    ("timezone", "Mars/Base", "timezone", "未知时区"),
    ("plays_per_user_per_day", "three", "plays_per_user_per_day", "每人每天次数：请输入整数"),
    ("wins_per_user_total", "0", "wins_per_user_total", "每人最多中奖次数：请输入 1 到 100000"),
    ("prizes.0.stock", "-1", "prizes.0.stock", "库存：请输入 0 到 10000000 之间的数"),
    ("prizes.1.probability", "0.9999", "prizes", "总和不能超过 1"),
    ("prizes.0.probability", "abc", "prizes.0.probability", "每次中奖概率：请输入数字"),
    ("prizes.1.name", "手机", "prizes", "奖品名称不能重复"),
    ("prizes.0.pacing", "fast", "prizes.0.pacing", "必须是以下之一"),
    ("look.primary_color", "red", "look.primary_color", "格式不正确"),
    ("keyword", "x" * 40, "keyword", "关键词：请填写 1 到 32 个字"),
]


@pytest.mark.parametrize(("field", "value", "shown_at", "message"), BAD_FIELDS)
def test_every_editor_field_rejects_bad_input_next_to_it(marketer, field, value, shown_at, message):
    response = marketer.post(
        "/admin/campaigns/new", data=campaign_form(marketer.csrf, **{field: value})
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    errors = re.findall(r'<span class="error" data-field="([^"]+)">([^<]*)</span>', page)
    assert any(name == shown_at and message in text for name, text in errors), errors
    assert campaigns_count() == 0


def test_quiz_questions_and_english_messages(marketer):
    form = campaign_form(
        marketer.csrf,
        game="quiz",
        questions_per_attempt="1",
        pass_score="1",
        **{"questions.0.text": "2+2?", "questions.0.options": "3\n4\n5", "questions.0.answer": "7"},
    )
    response = marketer.post(
        "/admin/campaigns/new", data=form, headers={"Accept-Language": "en-US,en;q=0.9"}
    )
    assert response.status_code == 422
    assert "Enter the number of the correct option (1 to 3)." in response.get_data(as_text=True)
    form["questions.0.answer"] = "2"
    assert marketer.post("/admin/campaigns/new", data=form).status_code == 302
    campaign = db.session.scalars(select(Campaign)).one()
    assert [(q.text, q.options, q.answer) for q in campaign.questions] == [
        ("2+2?", ["3", "4", "5"], 1)
    ]


def test_simulator_page(marketer, factory):
    campaign = factory.campaign(status="draft")
    page = marketer.get(f"/admin/campaigns/{campaign.id}/simulate?plays=5000&plays_per_day=1000")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="simulation-result"' in text and "Phone" in text and "no-prize-share" in text
    assert 'id="pacing-help"' in text and 'id="simulation-capped"' not in text
    # Asked for more plays than the campaign holds at that rate: it says so, and why.
    capped = marketer.get(f"/admin/campaigns/{campaign.id}/simulate?plays=100000&plays_per_day=10")
    days = (campaign.ends_utc - campaign.starts_utc).days + 1
    assert 'id="simulation-capped"' in capped.get_data(as_text=True)
    assert f"{days} 天" in capped.get_data(as_text=True)
    # A crowd: the phone is gone on day 1 of the campaign, and even pacing is offered.
    rush = marketer.get(
        f"/admin/campaigns/{campaign.id}/simulate?plays=100000&plays_per_day=100000"
    )
    rushed = rush.get_data(as_text=True)
    assert 'id="runs-out-early"' in rushed and "均匀发放" in rushed, rushed[-3000:]
    bad = marketer.get(f"/admin/campaigns/{campaign.id}/simulate?plays=0&plays_per_day=x")
    assert bad.status_code == 422
    assert bad.get_data(as_text=True).count('class="error"') == 2


def test_publish_shows_problems_and_the_follow_warning(marketer, factory):
    campaign = factory.campaign(status="draft", rules="", require_follow=True)
    page = marketer.get(f"/admin/campaigns/{campaign.id}/publish").get_data(as_text=True)
    assert "上线前必须填写活动规则" in page and 'id="follow-warning"' in page and "诱导" in page
    refused = marketer.post(
        f"/admin/campaigns/{campaign.id}/status",
        data={"csrf_token": marketer.csrf, "status": "live"},
    )
    assert refused.status_code == 422
    db.session.refresh(campaign)
    assert campaign.status == "draft"


def test_the_console_publish_page_names_the_campaign_and_refuses_to_go_live(marketer, factory):
    holder = factory.campaign(name="中秋大转盘", keyword="GO")
    draft = factory.campaign(status="draft", keyword="ＧＯ")
    page = marketer.get(f"/admin/campaigns/{draft.id}/publish").get_data(as_text=True)
    assert f"活动 {holder.id}「中秋大转盘」正在使用此关键词" in page
    assert 'id="go-live"' not in page and "All checks pass" not in page
    refused = marketer.post(
        f"/admin/campaigns/{draft.id}/status", data={"csrf_token": marketer.csrf, "status": "live"}
    )
    assert refused.status_code == 422 and "中秋大转盘" in refused.get_data(as_text=True)
    db.session.refresh(draft)
    assert draft.status == "draft"


def test_going_live_shows_what_freezes_and_needs_it_confirmed(marketer, factory):
    campaign = factory.campaign(status="draft", keyword="MOON")
    page = marketer.get(f"/admin/campaigns/{campaign.id}/publish").get_data(as_text=True)
    summary = page[page.index('id="go-live-summary"') :]
    for shown in ("Phone", "1.00%", "Coupon", "20.00%", "100", "MOON", "Asia/Shanghai"):
        assert shown in summary, shown
    assert 'name="confirm" value="yes"' in summary and "required" in summary
    unconfirmed = marketer.post(
        f"/admin/campaigns/{campaign.id}/status",
        data={"csrf_token": marketer.csrf, "status": "live"},
    )
    assert unconfirmed.status_code == 422
    assert "勾选" in unconfirmed.get_data(as_text=True)
    db.session.refresh(campaign)
    assert campaign.status == "draft" and campaign.seed is None
    confirmed = marketer.post(
        f"/admin/campaigns/{campaign.id}/status",
        data={"csrf_token": marketer.csrf, "status": "live", "confirm": "yes"},
    )
    assert confirmed.status_code == 302
    db.session.refresh(campaign)
    assert campaign.status == "live"


def test_the_audit_log_starts_with_the_creation_in_the_campaigns_zone(marketer, factory, clock):
    created = marketer.post("/admin/campaigns/new", data=campaign_form(marketer.csrf))
    assert created.status_code == 302
    campaign = db.session.scalars(select(Campaign).order_by(Campaign.id.desc())).first()
    first = db.session.scalars(
        select(AuditEntry).where(AuditEntry.campaign_id == campaign.id).order_by(AuditEntry.id)
    ).first()
    assert (first.action, first.actor, first.before) == ("create", "user:mia", None)
    assert first.after["name"] == campaign.name
    page = marketer.get(f"/admin/campaigns/{campaign.id}").get_data(as_text=True)
    row = re.search(r'<tr><td>([^<]+)</td><td>user:mia</td><td data-action="create">([^<]+)<', page)
    assert row, page[page.index("audit-log") :][:600]
    # 8 hours ahead of UTC: Asia/Shanghai, in minutes, as every time in the console.
    local = clock.now().astimezone(campaign.zone).strftime("%Y-%m-%d %H:%M")
    assert row.groups() == (local, "创建")


def test_live_controls_and_the_audit_log(marketer, factory):
    campaign = factory.campaign(status="draft")
    for status in ("live", "paused", "live"):
        response = marketer.post(
            f"/admin/campaigns/{campaign.id}/status",
            data={"csrf_token": marketer.csrf, "status": status, "confirm": "yes"},
        )
        assert response.status_code == 302
    raised = marketer.post(
        f"/admin/campaigns/{campaign.id}/stock",
        data={"csrf_token": marketer.csrf, "prizes.0.stock": "9", "prizes.1.stock": "100"},
    )
    assert raised.status_code == 302
    db.session.refresh(campaign)
    assert campaign.prizes[0].stock == 9
    page = marketer.get(f"/admin/campaigns/{campaign.id}").get_data(as_text=True)
    assert "user:mia" in page and "Phone: stock</b>: 5 → 9" in page
    assert campaign.seed_commitment in page
    bad = marketer.post(
        f"/admin/campaigns/{campaign.id}/stock",
        data={"csrf_token": marketer.csrf, "prizes.0.stock": "lots", "prizes.1.stock": "100"},
    )
    assert bad.status_code == 422 and "请输入整数" in bad.get_data(as_text=True)
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.campaign_id == campaign.id)
    ).all()
    assert actions.count("status") == 3 and actions.count("update") == 1


def test_a_refused_restock_shows_what_was_typed_and_the_404_page_reads_as_words(marketer, factory):
    campaign = factory.campaign()
    refused = marketer.post(
        f"/admin/campaigns/{campaign.id}/stock",
        data={"csrf_token": marketer.csrf, "prizes.0.stock": "-3", "prizes.1.stock": "100"},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'name="prizes.0.stock" value="-3"', page), "the typed value is kept"
    assert "库存：请输入 0 到 10000000 之间的数" in page
    db.session.refresh(campaign)
    assert campaign.prizes[0].stock == 5
    missing = marketer.get("/admin/campaigns/999")
    text = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "活动不存在" in text
    assert "campaign_id" not in text and "u n k" not in text


def test_the_overview_shows_the_plays_not_yet_in_sql(app, marketer, factory):
    from tests.ledger import settle

    app.config["TEST_SETTLE_AFTER_REQUEST"] = False  # the writer is late: plays wait in Redis
    campaign = factory.campaign()
    player = factory.signed_in(factory.player())
    for _ in range(2):
        assert player.post(f"/h5/{campaign.id}/play").status_code == 200
    waiting = marketer.get(f"/admin/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'data-backlog="2"' in waiting and "2 次抽奖" in waiting
    settle(app)
    written = marketer.get(f"/admin/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'data-backlog="0"' in written


def test_stock_cannot_go_below_awarded(marketer, factory):
    campaign = factory.campaign()
    add_play(
        campaign,
        factory.player(),
        1,
        "2026-09-20T02:30",
        "2026-09-20",
        "win",
        campaign.prizes[0],
        True,
    )
    db.session.commit()
    response = marketer.post(
        f"/admin/campaigns/{campaign.id}/stock",
        data={"csrf_token": marketer.csrf, "prizes.0.stock": "0", "prizes.1.stock": "100"},
    )
    assert response.status_code == 409
    assert "不能低于已发出的 1 份" in response.get_data(as_text=True)


def test_redemption_desk_once_then_says_when_and_by_whom(marketer, factory):
    campaign = factory.campaign()
    add_play(
        campaign,
        factory.player("o-desk-12345678"),
        1,
        "2026-09-20T02:30",
        "2026-09-20",
        "win",
        campaign.prizes[0],
        True,
    )
    db.session.commit()
    code = db.session.scalars(select(Win.code)).one()
    looked = marketer.get(f"/admin/redeem?code={code}").get_data(as_text=True)
    assert "o-de***5678" in looked and "o-desk-12345678" not in looked and "Phone" in looked
    first = marketer.post("/admin/redeem", data={"csrf_token": marketer.csrf, "code": code})
    assert first.status_code == 200 and "核销成功" in first.get_data(as_text=True)
    second = marketer.post("/admin/redeem", data={"csrf_token": marketer.csrf, "code": code})
    assert second.status_code == 409
    assert "由 user:mia 核销" in second.get_data(as_text=True)
    bad = marketer.get("/admin/redeem?code=nope")
    assert bad.status_code == 422


def test_analysts_get_read_only_pages_without_write_buttons(analyst, factory):
    live = factory.campaign()
    draft = factory.campaign(status="draft")
    listing = analyst.get("/admin/").get_data(as_text=True)
    assert "/admin/campaigns/new" not in listing
    overview = analyst.get(f"/admin/campaigns/{live.id}").get_data(as_text=True)
    assert 'id="prize-stock"' in overview and "Phone" in overview
    for write in ('id="stock-form"', 'id="pause"', 'id="end"', f"/campaigns/{live.id}/edit"):
        assert write not in overview, write
    publish = analyst.get(f"/admin/campaigns/{draft.id}/publish").get_data(as_text=True)
    assert 'id="go-live"' not in publish and 'id="go-live-summary"' not in publish
    # A page that is only a form says so on opening, in words, with no raw "role: analyst".
    for path in ("/admin/campaigns/new", f"/admin/campaigns/{draft.id}/edit"):
        refused = analyst.get(path)
        text = refused.get_data(as_text=True)
        assert refused.status_code == 403 and "分析" in text and "role:" not in text, path
        assert 'name="name"' not in text


def test_analyst_reads_but_cannot_write_anything(analyst, factory, make_user):
    campaign = factory.campaign()
    add_play(
        campaign,
        factory.player(),
        1,
        "2026-09-20T02:30",
        "2026-09-20",
        "win",
        campaign.prizes[0],
        True,
    )
    db.session.commit()
    code = db.session.scalars(select(Win.code)).one()
    for path in (
        "/admin/",
        f"/admin/campaigns/{campaign.id}",
        f"/admin/campaigns/{campaign.id}/report",
        f"/admin/campaigns/{campaign.id}/simulate",
        f"/admin/campaigns/{campaign.id}/winners.csv",
        f"/admin/redeem?code={code}",
    ):
        assert analyst.get(path).status_code == 200, path
    writes = [
        ("/admin/campaigns/new", campaign_form(analyst.csrf)),
        (f"/admin/campaigns/{campaign.id}/edit", campaign_form(analyst.csrf, name="Renamed")),
        (
            f"/admin/campaigns/{campaign.id}/status",
            {"csrf_token": analyst.csrf, "status": "paused"},
        ),
        (
            f"/admin/campaigns/{campaign.id}/stock",
            {"csrf_token": analyst.csrf, "prizes.0.stock": "50"},
        ),
        ("/admin/redeem", {"csrf_token": analyst.csrf, "code": code}),
    ]
    for path, data in writes:
        assert analyst.post(path, data=data).status_code == 403, path
    db.session.expire_all()
    assert campaigns_count() == 1
    assert (campaign.name, campaign.status, campaign.prizes[0].stock) == (
        "Mid-Autumn wheel",
        "live",
        5,
    )
    assert db.session.scalars(select(Win.redeemed_at)).one() is None
    # The creation and going live only: nothing the analyst sent changed anything.
    assert db.session.scalars(select(AuditEntry.action)).all() == ["create", "status"]


def test_editing_a_published_campaign_keeps_the_odds(marketer, factory):
    campaign = factory.campaign()
    page = marketer.get(f"/admin/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert re.search(r'name="game"[^>]*disabled', page)
    form = {
        "csrf_token": marketer.csrf,
        "name": "Renamed",
        "rules": "New rules.",
        "keyword": "",
        "look.title": "",
        "look.primary_color": "",
        "look.background_color": "",
        "look.banner_url": "",
        "prizes": "1",
    }
    for i, prize in enumerate(campaign.prizes):
        form.update(
            {
                f"prizes.{i}.id": str(prize.id),
                f"prizes.{i}.name": prize.name,
                f"prizes.{i}.stock": str(prize.stock + 1),
                f"prizes.{i}.probability": str(prize.probability),
                f"prizes.{i}.pacing": prize.pacing,
                f"prizes.{i}.image_url": "",
            }
        )
    assert marketer.post(f"/admin/campaigns/{campaign.id}/edit", data=form).status_code == 302
    db.session.refresh(campaign)
    assert campaign.name == "Renamed" and [p.stock for p in campaign.prizes] == [6, 101]
    form["prizes.0.probability"] = "0.5"
    refused = marketer.post(f"/admin/campaigns/{campaign.id}/edit", data=form)
    assert refused.status_code == 409 and "发布后不能修改中奖概率和发放节奏" in refused.get_data(
        as_text=True
    )


def test_user_create_command(app):
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=["user", "create", "--username", "zoe", "--role", "analyst"],
        input="a long password\na long password\n",
    )
    assert made.exit_code == 0, made.output
    short = runner.invoke(
        args=["user", "create", "--username", "yan", "--role", "marketer", "--password", "short"]
    )
    assert short.exit_code != 0 and "At least 10 characters" in short.output
    client = app.test_client()
    assert sign_in(client, "zoe", "a long password").status_code == 302
    assert csrf_token(client, "/admin/")
