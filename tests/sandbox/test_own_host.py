"""The sandbox is another host: the app's gunicorn serves none of it, the sandbox imports none of
the app's models, and sign-ins, QR codes and template messages travel over HTTP between the two
servers, configured by WECHAT_SANDBOX and WECHAT_SANDBOX_URL alone."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from campaigns.core.clock import FrozenClock
from campaigns.models import Player
from campaigns.web.extensions import db
from campaigns.web.worker import run_worker
from tests.ledger import settle
from tests.live_server import ROOT
from tests.sandbox_client import sign_in

SANDBOX_PATHS = (
    ("get", "/sandbox/"),
    ("get", "/sandbox/phone"),
    ("get", "/sandbox/cgi-bin/token"),
    ("get", "/phone"),
    ("get", "/calls"),
    ("post", "/control/reset"),
    ("get", "/cgi-bin/token"),
    ("get", "/connect/oauth2/authorize"),
    ("get", "/sns/oauth2/access_token"),
    ("get", "/static/phone.js"),
    ("get", "/static/sandbox/phone.js"),
)


@pytest.fixture
def clock():
    """The servers run on the real clock, so campaigns must be open now."""
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def open_campaign(factory, clock):
    now = clock.now()
    return factory.campaign(
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        prizes=[{"name": "Coupon", "stock": 500, "probability": 1.0}],
    )


@pytest.mark.one_database
@pytest.mark.parametrize(("method", "path"), SANDBOX_PATHS)
def test_the_apps_gunicorn_serves_no_sandbox_route(app_server, method, path):
    response = getattr(requests, method)(app_server.url + path, timeout=10)
    assert response.status_code == 404, (path, response.status_code)


def test_the_app_registers_no_sandbox_route_even_in_sandbox_mode(app_on, redis_url):
    app = app_on(redis_url, WECHAT_SANDBOX=True)
    rules = [(rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()]
    assert not [r for r in rules if r[1].startswith("sandbox.")]
    own = ("/sandbox", "/cgi-bin", "/connect", "/sns", "/phone", "/control", "/calls")
    assert not [r for r in rules if r[0].startswith(own)], rules


def test_the_sandbox_imports_none_of_the_apps_models_or_database():
    """A real WeChat knows only what it was told: the sandbox's code cannot read our tables."""
    probe = (
        "import sys; import devtools.sandbox.app; "
        "bad = [m for m in ('campaigns.models', 'campaigns.core.services', 'campaigns.web.app', "
        "'flask_sqlalchemy', 'sqlalchemy') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_apps_wechat_urls_are_the_sandboxs_in_sandbox_mode(app_on, redis_url):
    from campaigns.wechat.config import WeChatSettings

    sandbox = app_on(
        redis_url,
        WECHAT_SANDBOX=True,
        WECHAT_SANDBOX_URL="http://wx.sandbox.test:5001",
        WECHAT_API_BASE_URL="",
        WECHAT_OAUTH_BASE_URL="",
        WECHAT_MP_BASE_URL="",
    )
    settings = WeChatSettings.from_config(sandbox.config)
    assert settings.api_base_url == "http://wx.sandbox.test:5001/"
    assert settings.oauth_base_url == "http://wx.sandbox.test:5001/connect/"
    assert settings.mp_base_url == "http://wx.sandbox.test:5001/"
    real = WeChatSettings.from_config(
        app_on(
            redis_url, WECHAT_API_BASE_URL="", WECHAT_OAUTH_BASE_URL="", WECHAT_MP_BASE_URL=""
        ).config
    )
    assert real.api_base_url == "https://api.weixin.qq.com/"
    assert real.oauth_base_url == "https://open.weixin.qq.com/connect/"


def test_a_sign_in_a_qr_code_and_a_template_message_go_through_the_separate_sandbox(
    app_server, sandbox, sandbox_server, open_campaign, app_on, redis_url
):
    # Sign-in: the app sends the browser to the sandbox's host, then exchanges the code there.
    browser = sign_in(app_server.url, "o-own-host-01", f"/h5/{open_campaign.id}/")
    [exchange] = sandbox.calls("sns/oauth2/access_token")
    assert exchange["errcode"] == 0 and exchange["args"]["code"]
    # A QR code: the page's follow code is asked of the sandbox, which remembers its scene.
    code = browser.get(f"{app_server.url}/h5/{open_campaign.id}/follow-qr.svg", timeout=10)
    assert code.status_code == 200 and code.headers["Content-Type"].startswith("image/svg")
    [made] = sandbox.calls("cgi-bin/qrcode/create")
    assert made["body"]["action_info"]["scene"]["scene_str"] == f"campaign-{open_campaign.id}"
    # A template message: the winner follows (on the phone), wins, and the worker's notice goes
    # to the sandbox, found by WECHAT_SANDBOX and WECHAT_SANDBOX_URL alone.
    sandbox.phone("o-own-host-01", "follow")
    played = browser.post(f"{app_server.url}/h5/{open_campaign.id}/play", json={}, timeout=10)
    assert played.status_code == 200 and played.json()["outcome"] == "win", played.text
    by_url = app_on(
        redis_url,
        WECHAT_SANDBOX=True,
        WECHAT_SANDBOX_URL=sandbox_server.url,
        WECHAT_API_BASE_URL="",
        WECHAT_OAUTH_BASE_URL="",
        WECHAT_MP_BASE_URL="",
    )
    settle(by_url)  # the worker's ledger writer: the win's row, then its notice job
    run_worker(by_url, burst=True, in_process=True)
    [sent] = sandbox.sent_templates()
    assert sent["body"]["touser"] == "o-own-host-01"


def test_a_burst_of_sign_ins_goes_through_the_sandbox_without_an_error(app_server, sandbox):
    """Issue 13 saw 4 of 300 sign-ins answer 503 when the app's own workers served the sandbox
    (every thread waiting on a call to itself). Now 300 sign-ins, 32 at a time, all succeed."""

    def one(n: int) -> str:
        try:
            sign_in(app_server.url, f"o-burst-{n:05d}")
            return "ok"
        except (AssertionError, requests.RequestException) as exc:
            return str(exc)

    with ThreadPoolExecutor(32) as pool:
        outcomes = list(pool.map(one, range(300)))
    failures = [o for o in outcomes if o != "ok"]
    assert failures == [], failures[:5]
    players = db.session.scalar(
        select(func.count()).select_from(Player).where(Player.openid.like("o-burst-%"))
    )
    assert players == 300
