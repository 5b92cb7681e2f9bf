"""The H5 pages: OAuth redirect, screens, no outcome before a play, assets, languages, look."""

from __future__ import annotations

import gzip
import re
import shlex
import subprocess
import sys
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import url_for
from sqlalchemy import func, select

from campaigns.draw import verify
from campaigns.draw.keys import CampaignKeys
from campaigns.models import Campaign, Play
from campaigns.web.extensions import db
from devtools.sandbox.start_state import BEFORE_FOLLOWERS
from tests.live_server import ROOT

SURE_WIN = [{"name": "Lantern", "stock": 10, "probability": 1.0}]


def page(client, campaign_id, **headers):
    return client.get(f"/h5/{campaign_id}/", headers=headers)


@pytest.mark.parametrize("game", ["scratch", "wheel", "quiz", "grid"])
def test_each_game_page_renders_with_session(factory, game):
    extra = {}
    if game == "quiz":
        extra = {
            "questions": [{"text": "1+1?", "options": ["1", "2"], "answer": 1}],
            "questions_per_attempt": 1,
            "pass_score": 1,
        }
    campaign = factory.campaign(game=game, **extra)
    response = page(factory.signed_in(factory.player()), campaign.id)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"game-{game}" in html
    assert campaign.name in html
    assert 'id="h5-config"' in html


def test_without_session_the_page_starts_oauth(factory, client):
    campaign = factory.campaign()
    response = page(client, campaign.id)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    with factory.app.test_request_context():
        assert location.path == url_for("wechat_oauth.start")
    assert parse_qs(location.query)["next"] == [f"/h5/{campaign.id}/"]


def test_a_page_view_is_counted(factory, redis):
    campaign = factory.campaign()
    client = factory.signed_in(factory.player())
    page(client, campaign.id)
    page(client, campaign.id)
    views = redis.hgetall(CampaignKeys(campaign.id).page_views)
    assert sum(int(v) for v in views.values()) == 2


def test_the_page_holds_no_outcome_and_no_inline_script(factory):
    campaign = factory.campaign(prizes=SURE_WIN)
    player = factory.player()
    client = factory.signed_in(player)
    won = client.post(f"/h5/{campaign.id}/play", headers={"Idempotency-Key": "k1"}).json
    html = page(client, campaign.id).get_data(as_text=True)
    assert won["code"] not in html  # not even an earlier win's code
    assert '"outcome"' not in html and "data-outcome" not in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert db.session.scalar(select(func.count()).select_from(Play)) == 1


def test_page_headers_forbid_inline_script_and_caching(factory):
    campaign = factory.campaign()
    response = page(factory.signed_in(factory.player()), campaign.id)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("status", "shift", "screen"),
    [
        ("live", {"hours": 0}, None),
        ("paused", {"hours": 0}, "not_live"),
        ("ended", {"hours": 0}, "ended"),
        ("live", {"hours": 5}, "not_started"),
    ],
)
def test_the_page_opens_on_the_screen_that_applies(factory, clock, status, shift, screen):
    campaign = factory.campaign(
        status=status,
        starts_at=clock.now() + timedelta(**shift) - timedelta(minutes=1),
        ends_at=clock.now() + timedelta(days=2),
    )
    html = page(factory.signed_in(factory.player()), campaign.id).get_data(as_text=True)
    shown = re.findall(r'data-screen="(\w+)"(?![^>]*hidden)', html)
    assert shown == ([screen] if screen else [])
    stage_hidden = re.search(r'id="stage"[^>]*hidden', html) is not None
    assert stage_hidden == (screen is not None)


def test_limit_screens(factory):
    campaign = factory.campaign(plays_per_user_per_day=1, plays_per_user_total=5)
    client = factory.signed_in(factory.player())
    assert 'data-left="1"' in page(client, campaign.id).get_data(as_text=True)
    client.post(f"/h5/{campaign.id}/play")
    html = page(client, campaign.id).get_data(as_text=True)
    assert re.search(r'data-screen="daily_limit"(?![^>]*hidden)', html)

    total = factory.campaign(name="Total", plays_per_user_total=1)
    client.post(f"/h5/{total.id}/play")
    html = page(client, total.id).get_data(as_text=True)
    assert re.search(r'data-screen="total_limit"(?![^>]*hidden)', html)


def test_the_follow_screen_is_for_those_wechat_says_do_not_follow(factory, sandbox):
    follow = factory.campaign(name="Follow", require_follow=True)
    stranger = factory.signed_in(factory.player())
    html = page(stranger, follow.id).get_data(as_text=True)
    assert re.search(r'data-screen="not_following"(?![^>]*hidden)', html)
    fan = factory.signed_in(factory.player(BEFORE_FOLLOWERS[0]))  # followed long ago
    html = page(fan, follow.id).get_data(as_text=True)
    assert not re.findall(r'data-screen="(\w+)"(?![^>]*hidden)', html)


def test_language_follows_accept_language(factory):
    campaign = factory.campaign()
    client = factory.signed_in(factory.player())
    zh = page(client, campaign.id).get_data(as_text=True)
    en = page(client, campaign.id, **{"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="zh-CN"' in zh and "活动规则" in zh
    assert 'lang="en"' in en and "Rules" in en


def test_assets_have_hashed_urls_long_cache_and_compression(factory):
    campaign = factory.campaign()
    client = factory.signed_in(factory.player())
    html = page(client, campaign.id).get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="(/h5/assets/[^"]+)"', html)
    assert any(u.endswith("/common.js") for u in urls)
    assert any(u.endswith("/h5.css") for u in urls)
    for url in urls:
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert response.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.data)
    stale = re.sub(r"/assets/\w+/", "/assets/000000000000/", urls[0])
    assert client.get(stale).status_code == 404


def test_look_css_uses_the_campaigns_colours_and_rejects_injection(factory):
    campaign = factory.campaign(
        look={"primary_color": "#FFEE00", "background_color": "red;}body{x:y"}
    )
    client = factory.signed_in(factory.player())
    html = page(client, campaign.id).get_data(as_text=True)
    url = re.search(r'href="(/h5/\d+/look\.css\?v=\w+)"', html).group(1)
    css = client.get(url).get_data(as_text=True)
    assert "--primary:#FFEE00" in css
    assert "--on-primary:#1f1a17" in css  # dark text on a light brand colour
    assert "}body" not in css and "--bg:#FFF4E2" in css


def test_rules_page_explains_verifiable_draws_in_both_languages(factory):
    campaign = factory.campaign()
    zh = factory.app.test_client().get(f"/h5/{campaign.id}/rules").get_data(as_text=True)
    en = (
        factory.app.test_client()
        .get(f"/h5/{campaign.id}/rules", headers={"Accept-Language": "en"})
        .get_data(as_text=True)
    )
    assert campaign.seed_commitment in zh and campaign.seed_commitment in en
    assert "本活动的抽奖结果由一个事先确定的秘密数字决定，其指纹（seed_commitment）公布如下" in zh
    assert "The draws are fixed in advance by a secret number whose fingerprint" in en
    assert campaign.rules in zh
    # While it runs: when the seed will be revealed, and never the seed itself.
    assert "秘密数字将在活动结束时（2026-09-27 11:00）公开" in zh
    assert "revealed when the campaign ends (2026-09-27 11:00)" in en
    assert campaign.seed not in zh and campaign.seed not in en
    assert 'id="audit-link"' not in zh


def _element(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, f"no #{element_id} on the page"
    return unescape(match.group(1))


def test_an_ended_campaigns_rules_page_reveals_the_seed_and_a_command_that_verifies_it(
    factory, client, app_server, tmp_path
):
    """The page as a real server shows it: the revealed seed beside its commitment, the audit's
    address as link and in a one-line check, and that check verifies the campaign."""
    campaign = factory.campaign(prizes=[{"name": "Lantern", "stock": 10, "probability": 0.5}])
    for player in factory.players(6):
        assert factory.signed_in(player).post(f"/h5/{campaign.id}/play").status_code == 200
    factory.end_and_audit(campaign, client)
    html = requests.get(f"{app_server.url}/h5/{campaign.id}/rules", timeout=10).text
    db.session.expire_all()
    seed, commitment = db.session.get(Campaign, campaign.id).seed, campaign.seed_commitment
    assert _element(html, "seed") == seed and _element(html, "seed-commitment") == commitment
    assert verify.commitment(seed) == commitment
    assert "将在活动结束时" not in html and "活动已结束，该数字已公开" in html
    path = f"/api/campaigns/{campaign.id}/audit"
    link = re.search(r'id="audit-link" href="([^"]+)"', html).group(1)
    assert link == app_server.url + path
    command = shlex.split(_element(html, "verify-command"))
    assert command == ["python", "-m", "campaigns.draw.verify", link]
    # The audit at that address, read through the app (under gunicorn the streamed audit still
    # answers 500 here: issue 13 item 1, fixed with the live-server suite), checked by the
    # command shown.
    audit = client.get(path)
    assert audit.status_code == 200
    saved = tmp_path / "audit.jsonl"
    saved.write_bytes(audit.get_data())
    checked = subprocess.run(
        [sys.executable, *command[1:3], str(saved)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("OK: 6 entries")


def test_my_prizes_lists_codes_and_redemption(factory):
    campaign = factory.campaign(prizes=SURE_WIN)
    client = factory.signed_in(factory.player())
    code = client.post(f"/h5/{campaign.id}/play").json["code"]
    html = client.get(f"/h5/{campaign.id}/prizes").get_data(as_text=True)
    assert code in html and "Lantern" in html and "待兑奖" in html
    token = factory.token()
    client.post(f"/api/redemptions/{code}", headers={"Authorization": f"Bearer {token}"})
    html = client.get(f"/h5/{campaign.id}/prizes").get_data(as_text=True)
    assert "已兑奖" in html
    other = factory.signed_in(factory.player())
    assert code not in other.get(f"/h5/{campaign.id}/prizes").get_data(as_text=True)
