"""What the live-server suite sends to every route of the app, and what each role must get back.

``ROUTES`` has one entry per (endpoint, method) of ``app.url_map``; test_routes.py checks that the
two sets are equal, so a new route without an entry here fails the suite. Each entry names its
guard, which decides who may call it and what everyone else gets (401, 403, a redirect to the
console's login or to WeChat OAuth); every route is requested as every role, one of which has no
credentials at all. Bodies are read to the end and parsed by their content type.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from html.parser import HTMLParser

import requests
from wechatpy.utils import WeChatSigner

from campaigns.draw import verify
from devtools.sandbox import events
from tests.live.deployment import CONSOLE_PASSWORD, browser, oauth_round_trip

ROLES = (
    "anonymous",
    "player",
    "marketer",  # admin API token
    "analyst",  # admin API token
    "console_marketer",
    "console_analyst",
    "wechat",  # signs the message callback with the account's token
)
KEYWORD = "SPIN"  # the wheel campaign answers to it in the account's chat
WECHAT_TOKEN = "sandbox-token"  # the account's callback token (the default configuration)
PNG = b"\x89PNG\r\n\x1a\n"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class Guard(StrEnum):
    PUBLIC = "anyone"
    API_READ = "an admin token"
    API_WRITE = "a marketer's admin token"
    CONSOLE_READ = "a console user"
    CONSOLE_WRITE = "a console marketer"
    PLAYER = "a player's session (JSON)"
    PLAYER_PAGE = "a player's session (page)"
    WECHAT = "WeChat's signature"
    SIGN_IN = "an OAuth round trip of this browser"
    CONSOLE_SIGN_IN = "a console user's password"


ALLOWED = {
    Guard.PUBLIC: set(ROLES),
    Guard.API_READ: {"marketer", "analyst"},
    Guard.API_WRITE: {"marketer"},
    Guard.CONSOLE_READ: {"console_marketer", "console_analyst"},
    Guard.CONSOLE_WRITE: {"console_marketer"},
    Guard.PLAYER: {"player"},
    Guard.PLAYER_PAGE: {"player"},
    Guard.WECHAT: {"wechat"},
    Guard.SIGN_IN: {"player"},
    Guard.CONSOLE_SIGN_IN: {"console_marketer", "console_analyst"},
}


@dataclass
class Expected:
    status: int
    mimetype: str
    check: Callable[[requests.Response], None] | None = None


def refusal(guard: Guard, role: str) -> Expected:
    """What a role that may not call a route gets back."""
    if guard in (Guard.API_READ, Guard.API_WRITE):
        if role == "analyst":
            return Expected(403, "application/json", error_code("forbidden"))
        return Expected(401, "application/json", error_code("unauthorized"))
    if guard in (Guard.CONSOLE_READ, Guard.CONSOLE_WRITE):
        if role == "console_analyst":
            return Expected(403, "text/html")
        return Expected(302, "text/html", redirects_to("/admin/login"))
    if guard is Guard.PLAYER:
        return Expected(401, "application/json", error_code("no_session"))
    if guard is Guard.PLAYER_PAGE:
        return Expected(302, "text/html", redirects_to("/oauth/start?next="))
    if guard is Guard.WECHAT:
        return Expected(403, "application/json", error_code("forbidden"))
    if guard is Guard.SIGN_IN:
        return Expected(400, "text/html", contains("Sign-in did not work"))
    if guard is Guard.CONSOLE_SIGN_IN:
        return Expected(401, "text/html")
    raise AssertionError(f"no refusal for {guard}")


# -- checks on bodies ------------------------------------------------------------------------


def error_code(code: str):
    def check(response):
        body = response.json()
        assert body["error"] == code and "message" in body and "fields" in body, body

    return check


def holds(value) -> None:
    assert value, value


def redirects_to(prefix: str):
    def check(response):
        location = response.headers["Location"]
        assert location.startswith(prefix), location

    return check


def contains(text: str):
    def check(response):
        assert text in response.text, response.text[:300]

    return check


def csv_rows(response) -> list[list[str]]:
    assert response.content.startswith("\ufeff".encode()), "a CSV export starts with a BOM"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def parse(response: requests.Response):
    """The whole body, parsed as its content type says (an unparsable body is a failure)."""
    mimetype = response.headers.get("Content-Type", "").split(";")[0].strip()
    body = response.content
    if mimetype == "application/json":
        return json.loads(body)
    if mimetype == "application/x-ndjson":
        return [json.loads(line) for line in body.decode().splitlines()]
    if mimetype == "text/csv":
        return csv_rows(response)
    if mimetype in ("image/svg+xml", "application/xml"):
        return ET.fromstring(body)
    if mimetype == "image/png":
        assert body.startswith(PNG), body[:16]
        return body
    if mimetype == "application/pdf":
        assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF"), body[:16]
        return body
    if mimetype == "image/x-icon":  # an ICO directory of one image, a PNG
        assert body[:4] == b"\x00\x00\x01\x00" and body[22:30] == PNG, body[:30]
        return body
    if mimetype == "text/html":
        parser = HTMLParser()
        parser.feed(body.decode())
        parser.close()
        return body.decode()
    if mimetype in ("text/css", "text/javascript", "application/javascript", "text/plain"):
        return body.decode()
    raise AssertionError(f"no parser for {mimetype!r}")


# -- the world the routes are requested in ---------------------------------------------------


@dataclass
class World:
    """The deployment, a session per role and what the routes need (made through the API)."""

    deployment: object
    player_openid: str
    sessions: dict[str, requests.Session] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)
    campaigns: dict[str, int] = field(default_factory=dict)
    plays: dict[str, int] = field(default_factory=dict)
    first_code: str = ""  # looked up, never redeemed
    codes: list[str] = field(default_factory=list)  # each redeemed by one route
    desk_code: str = ""
    goods_win: int = 0  # the player's claimed goods win (claimed again by its route)
    shipped_code: str = ""  # another, shipped by the shipments route
    cash_win: int = 0  # the player's red packet (its retry route leaves a paid one be)
    staff_code: str = ""  # redeemed by the player as staff, at the phone desk
    revoked_staff: int = 0  # another staff member, revoked by its route
    attempt_questions: list[dict] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.deployment.url

    def request(self, role: str, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        return self.sessions[role].request(method, self.url + path, **kwargs)

    def api(self, method: str, path: str, **kwargs) -> dict:
        """A marketer's admin API call that must succeed."""
        response = self.request("marketer", method, path, **kwargs)
        assert response.status_code in (200, 201), (path, response.status_code, response.text)
        return response.json()

    def new_campaign(self, status: str = "draft", **overrides) -> int:
        campaign = self.api("POST", "/api/campaigns", json=campaign_body(**overrides))
        for step in {"draft": [], "live": ["live"], "ended": ["live", "ended"]}[status]:
            self.api("POST", f"/api/campaigns/{campaign['id']}/status", json={"status": step})
        return campaign["id"]

    def code(self) -> str:
        """A redemption code nobody has used yet."""
        return self.codes.pop()

    def form(self, role: str, **fields) -> dict:
        return {"data": {"csrf_token": self.csrf[role], **fields}}

    def staff_invite(self, name: str = "Live staff") -> str:
        """The path of a new one-time "bind as staff" code, as a console marketer makes it."""
        page = self.request(
            "console_marketer", "POST", "/admin/staff", **self.form("console_marketer", name=name)
        )
        assert page.status_code == 200, page.text[:300]
        return re.search(r"https?://[^/]+(/h5/staff/bind/[\w-]+)", page.text).group(1)

    def menu_fingerprint(self) -> str:
        """The fingerprint of the menu change the console shows now (its confirm form's). Once
        a sync was applied nothing is left to change: a new live campaign ending before the
        others (so it is among the five the sub-menu shows) makes one."""
        for _ in range(2):
            page = self.request("console_marketer", "GET", "/admin/menu")
            assert page.status_code == 200, page.status_code
            shown = re.search(r'name="fingerprint" value="([^"]+)"', page.text)
            if shown:
                return shown.group(1)
            self.new_campaign("live", ends_at=iso(time.time() + 1800))
        raise AssertionError("the console shows no menu change to confirm")


def campaign_body(**overrides) -> dict:
    now = time.time()
    body = {
        "name": "Live wheel",
        "game": "wheel",
        "starts_at": iso(now - 3600),
        "ends_at": iso(now + 86400),
        "rules": "One spin a day.",
        "plays_per_user_per_day": 10,
        "wins_per_user_total": 3,
        "prizes": [{"name": "Coupon", "stock": 100, "probability": 1.0}],
    }
    body.update(overrides)
    return body


def iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(seconds))


CLAIM = {
    "name": "Han Meimei",
    "phone": "13712345678",
    "province": "Guangdong",
    "city": "Guangzhou",
    "district": "Tianhe",
    "address": "2 Tiyu Road",
}

QUESTIONS = [
    {"text": f"Question {i}", "options": ["a", "b", "c"], "answer": i % 3} for i in range(6)
]


def signed(**extra) -> dict:
    """The query WeChat signs a callback with."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)  # one message per signature
    signer = WeChatSigner()
    signer.add_data(WECHAT_TOKEN, timestamp, nonce)
    return {"signature": signer.signature, "timestamp": timestamp, "nonce": nonce, **extra}


# -- what each route is sent ------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    guard: Guard
    path: Callable[[World], str]
    ok: int = 200
    mimetype: str = "application/json"
    send: Callable[[World, str], dict] = lambda world, role: {}
    check: Callable[[World, requests.Response], None] | None = None
    # For the few routes whose request depends on the role beyond its session (sign-ins).
    call: Callable[[World, str, str], requests.Response] | None = None

    def expected(self, world: World, role: str) -> Expected:
        if role not in ALLOWED[self.guard]:
            return refusal(self.guard, role)
        check = self.check
        return Expected(self.ok, self.mimetype, check and (lambda r: check(world, r)))


def audit_verifies(world: World, response) -> None:
    lines = response.content.decode().splitlines()
    result = verify.verify(lines)
    assert result.ok, str(result)
    assert len(lines) == 1 + world.plays["ended"]


def csv_of(kind: str):
    def check(world: World, response) -> None:
        header, *rows = csv_rows(response)
        if kind == "plays":
            assert header[0] == "seq" and len(rows) == world.plays["wheel"]
        else:
            assert header[0] == "won_at" and len(rows) == world.plays["wheel"]  # each play won

    return check


def game_page_assets(world: World) -> str:
    """An asset URL as a game page links it (content-hashed)."""
    page = world.request("player", "GET", f"/h5/{world.campaigns['wheel']}/").text
    return re.search(r'/h5/assets/[0-9a-f]+/[^"]+\.js', page).group(0)


def sign_in_callback(world: World, role: str, path: str) -> requests.Response:
    if role == "player":
        return oauth_round_trip(world.sessions[role], world.url, world.player_openid, "/")
    return world.request(role, "GET", path, params={"state": "forged", "code": "made-up"})


def console_sign_in(world: World, role: str, path: str) -> requests.Response:
    """A console role signs in again in a new browser: a sign-in starts a new session and
    ends the one before (campaigns/web/console/auth.py), which the role's own browser still uses."""
    username = {"console_marketer": "mia", "console_analyst": "ann"}.get(role, "mia")
    if not role.startswith("console_"):
        fields = world.form(role, username=username, password="not the password")
        return world.request(role, "POST", path, **fields)
    other = browser()
    csrf = CSRF_FIELD.search(other.get(world.url + path).text).group(1)
    return other.post(
        world.url + path,
        data={"username": username, "password": CONSOLE_PASSWORD, "csrf_token": csrf},
        allow_redirects=False,
    )


def console_sign_out(world: World, role: str, path: str) -> requests.Response:
    """A console role signs out a sign-in of its own in another browser (signing out ends the
    session for every copy of its cookie, and the role's browser is needed for other routes)."""
    if not role.startswith("console_"):
        return world.request(role, "POST", path, data={"csrf_token": world.csrf[role]})
    other = browser()
    console_sign_in_response = console_sign_in(world, role, "/admin/login")
    assert console_sign_in_response.status_code == 302, console_sign_in_response.text[:300]
    other.cookies.update(console_sign_in_response.cookies)
    csrf = CSRF_FIELD.search(other.get(world.url + "/admin/").text).group(1)
    response = other.post(world.url + path, data={"csrf_token": csrf}, allow_redirects=False)
    assert other.get(world.url + "/admin/", allow_redirects=False).status_code == 302
    assert world.request(role, "GET", "/admin/").status_code == 200  # its own browser: still in
    return response


def wechat_call(method: str):
    def call(world: World, role: str, path: str) -> requests.Response:
        if role != "wechat":
            return world.request(role, method, path, data=b"<xml></xml>")
        if method == "GET":
            return world.request(role, "GET", path, params=signed(echostr="live-echo"))
        xml = events.text_xml(world.player_openid, int(time.time()), KEYWORD, 7001)
        return world.request(
            role, "POST", path, params=signed(), data=xml.encode(),
            headers={"Content-Type": "text/xml"},
        )  # fmt: skip

    return call


def quiz_attempt(world: World) -> str:
    """An attempt dealt to the player, to grade."""
    campaign = world.campaigns["quiz"]
    dealt = world.request("player", "POST", f"/h5/{campaign}/quiz")
    assert dealt.status_code == 200, dealt.text
    world.attempt_questions = dealt.json()["questions"]
    return f"/h5/{campaign}/quiz/{dealt.json()['attempt_id']}"


def quiz_answers(world: World, role: str) -> dict:
    answers = [{"question_id": q["id"], "option": 0} for q in world.attempt_questions]
    return {"json": {"answers": answers}}


def desk_code(world: World) -> str:
    world.desk_code = world.code()
    return "/admin/redeem"


def console_campaign_form(world: World, role: str) -> dict:
    return world.form(
        role,
        name="Console wheel",
        game="wheel",
        starts_at="2030-01-01T10:00",
        ends_at="2030-01-08T22:00",
        timezone="Asia/Shanghai",
        rules="One spin a day.",
        plays_per_user_per_day="3",
        wins_per_user_total="1",
        require_follow="0",
        prizes="1",
        **{
            "prizes.0.id": "",
            "prizes.0.name": "Coupon",
            "prizes.0.stock": "10",
            "prizes.0.probability": "0.1",
            "prizes.0.pacing": "none",
            "prizes.0.image_url": "",
        },
    )


ROUTES: dict[tuple[str, str], Route] = {
    # -- health, static files, API documents
    ("health.healthz", "GET"): Route(Guard.PUBLIC, lambda w: "/healthz"),
    ("favicon.favicon", "GET"): Route(
        Guard.PUBLIC, lambda w: "/favicon.ico", mimetype="image/x-icon"
    ),
    ("health.ledger_status", "GET"): Route(Guard.PUBLIC, lambda w: "/healthz/ledger"),
    ("static", "GET"): Route(
        Guard.PUBLIC, lambda w: "/static/console/console.css", mimetype="text/css"
    ),
    ("api-docs.openapi_json", "GET"): Route(Guard.PUBLIC, lambda w: "/api/openapi.json"),
    ("api_docs.docs", "GET"): Route(Guard.PUBLIC, lambda w: "/api/docs", mimetype="text/html"),
    # -- the player's pages and JSON
    ("h5.pages.game", "GET"): Route(
        Guard.PLAYER_PAGE, lambda w: f"/h5/{w.campaigns['wheel']}/", mimetype="text/html"
    ),
    ("h5.pages.rules", "GET"): Route(
        Guard.PUBLIC, lambda w: f"/h5/{w.campaigns['ended']}/rules", mimetype="text/html"
    ),
    ("h5.pages.my_prizes", "GET"): Route(
        Guard.PLAYER_PAGE,
        lambda w: f"/h5/{w.campaigns['wheel']}/prizes",
        mimetype="text/html",
        check=lambda w, r: contains(w.first_code)(r),
    ),
    ("h5.pages.look_css", "GET"): Route(
        Guard.PUBLIC, lambda w: f"/h5/{w.campaigns['scratch']}/look.css", mimetype="text/css"
    ),
    ("h5.assets.asset", "GET"): Route(Guard.PUBLIC, game_page_assets, mimetype="text/javascript"),
    ("h5.wechat.follow_qr", "GET"): Route(
        Guard.PUBLIC,
        lambda w: f"/h5/{w.campaigns['wheel']}/follow-qr.svg",
        mimetype="image/svg+xml",
    ),
    ("h5.wechat.jssdk", "GET"): Route(
        Guard.PUBLIC,
        lambda w: f"/h5/{w.campaigns['wheel']}/jssdk",
        send=lambda w, role: {"params": {"url": f"{w.url}/h5/{w.campaigns['wheel']}/"}},
        check=lambda w, r: holds(r.json()["signature"]),
    ),
    ("h5.play_once", "POST"): Route(
        Guard.PLAYER,
        lambda w: f"/h5/{w.campaigns['scratch']}/play",
        check=lambda w, r: holds(r.json()["outcome"] in ("win", "lose")),
    ),
    ("h5.prizes.wins", "GET"): Route(
        Guard.PLAYER,
        lambda w: f"/h5/{w.campaigns['goods']}/wins",
        check=lambda w, r: holds(
            {win["kind"] for win in r.json()["wins"]} == {"goods"} and len(r.json()["wins"]) == 2
        ),
    ),
    ("h5.prizes.claim", "POST"): Route(
        Guard.PLAYER,
        lambda w: f"/h5/{w.campaigns['goods']}/wins/{w.goods_win}/claim",
        send=lambda w, role: {"json": CLAIM},
        check=lambda w, r: holds(r.json()["claim"]["phone"] == CLAIM["phone"]),
    ),
    ("h5.staff.bind", "GET"): Route(
        Guard.PLAYER_PAGE,
        lambda w: w.staff_invite(),
        ok=302,
        mimetype="text/html",
        check=lambda w, r: holds(r.headers["Location"].endswith("/h5/staff/desk")),
    ),
    ("h5.staff.desk", "GET"): Route(
        Guard.PLAYER_PAGE,
        lambda w: "/h5/staff/desk",
        mimetype="text/html",
        check=lambda w, r: contains("desk-config")(r),
    ),
    ("h5.staff.lookup", "GET"): Route(
        Guard.PLAYER,
        lambda w: f"/h5/staff/codes/{w.first_code}",
        check=lambda w, r: holds(r.json()["code"] == w.first_code),
    ),
    ("h5.staff.redeem", "POST"): Route(
        Guard.PLAYER,
        lambda w: f"/h5/staff/codes/{w.staff_code}/redeem",
        check=lambda w, r: holds(r.json()["redeemed_by"].endswith("Live staff")),
    ),
    ("h5.quiz.start", "POST"): Route(
        Guard.PLAYER,
        lambda w: f"/h5/{w.campaigns['quiz']}/quiz",
        check=lambda w, r: holds(r.json()["questions"]),
    ),
    ("h5.quiz.start", "GET"): Route(  # SPEC's contract; the same open attempt as the POST
        Guard.PLAYER,
        lambda w: f"/h5/{w.campaigns['quiz']}/quiz",
        check=lambda w, r: holds(r.json()["questions"] and "seconds_left" in r.json()),
    ),
    ("h5.quiz.submit", "POST"): Route(
        Guard.PLAYER,
        quiz_attempt,
        send=quiz_answers,
        check=lambda w, r: holds(r.json()["total"] == len(w.attempt_questions)),
    ),
    # -- WeChat: OAuth and the message callback
    ("wechat_oauth.start", "GET"): Route(
        Guard.PUBLIC,
        lambda w: "/oauth/start",
        ok=302,
        mimetype="text/html",
        send=lambda w, role: {"params": {"next": "/"}},
        check=lambda w, r: redirects_to(w.deployment.wechat.url + "/connect/")(r),
    ),
    ("wechat_oauth.callback", "GET"): Route(
        Guard.SIGN_IN,
        lambda w: "/oauth/callback",
        ok=302,
        mimetype="text/html",
        call=sign_in_callback,
    ),
    ("wechat_callback.verify", "GET"): Route(
        Guard.WECHAT,
        lambda w: "/wechat",
        mimetype="text/plain",
        call=wechat_call("GET"),
        check=lambda w, r: holds(r.text == "live-echo"),
    ),
    ("wechat_callback.receive", "POST"): Route(
        Guard.WECHAT,
        lambda w: "/wechat",
        mimetype="application/xml",
        call=wechat_call("POST"),
        check=lambda w, r: contains(f"/h5/{w.campaigns['wheel']}/")(r),
    ),
    # -- the admin API
    ("admin_api.Campaigns", "GET"): Route(
        Guard.API_READ, lambda w: "/api/campaigns", check=lambda w, r: holds(len(r.json()) >= 5)
    ),
    ("admin_api.Campaigns", "POST"): Route(
        Guard.API_WRITE,
        lambda w: "/api/campaigns",
        ok=201,
        send=lambda w, role: {"json": campaign_body(name=f"Made by {role}")},
    ),
    ("admin_api.CampaignItem", "GET"): Route(
        Guard.API_READ, lambda w: f"/api/campaigns/{w.campaigns['ended']}"
    ),
    ("admin_api.CampaignItem", "PATCH"): Route(
        Guard.API_WRITE,
        lambda w: f"/api/campaigns/{w.new_campaign()}",
        send=lambda w, role: {"json": {"name": f"Renamed by {role}"}},
    ),
    ("admin_api.CampaignStatus", "POST"): Route(
        Guard.API_WRITE,
        lambda w: f"/api/campaigns/{w.new_campaign()}/status",
        send=lambda w, role: {"json": {"status": "live"}},
    ),
    ("admin_api.CampaignAudit", "GET"): Route(
        Guard.PUBLIC,
        lambda w: f"/api/campaigns/{w.campaigns['ended']}/audit",
        mimetype="application/x-ndjson",
        check=audit_verifies,
    ),
    ("admin_api.PlaysCsv", "GET"): Route(
        Guard.API_READ,
        lambda w: f"/api/campaigns/{w.campaigns['wheel']}/plays.csv",
        mimetype="text/csv",
        check=csv_of("plays"),
    ),
    ("admin_api.WinnersCsv", "GET"): Route(
        Guard.API_READ,
        lambda w: f"/api/campaigns/{w.campaigns['wheel']}/winners.csv",
        mimetype="text/csv",
        check=csv_of("winners"),
    ),
    ("admin_api.ClaimsCsv", "GET"): Route(
        Guard.API_WRITE,  # personal data: marketers only, analysts get 403
        lambda w: f"/api/campaigns/{w.campaigns['goods']}/claims.csv",
        mimetype="text/csv",
        check=lambda w, r: holds(csv_rows(r)[0][:2] == ["code", "prize"] and len(csv_rows(r)) == 3),
    ),
    ("admin_api.Shipments", "POST"): Route(
        Guard.API_WRITE,
        lambda w: f"/api/campaigns/{w.campaigns['goods']}/shipments",
        send=lambda w, role: {
            "json": [{"code": w.shipped_code, "courier": "SF", "tracking_number": "SF1001"}]
        },
        check=lambda w, r: holds(r.json()["rows"] == 1),
    ),
    ("admin_api.Payouts", "GET"): Route(
        Guard.API_READ,
        lambda w: f"/api/campaigns/{w.campaigns['cash']}/payouts",
        check=lambda w, r: holds(isinstance(r.json()["payouts"], list)),
    ),
    ("admin_api.PayoutRetry", "POST"): Route(
        Guard.API_WRITE,
        lambda w: f"/api/campaigns/{w.campaigns['cash']}/payouts/{w.cash_win}/retry",
        check=lambda w, r: holds(r.json()["status"] in ("pending", "sending", "paid")),
    ),
    ("admin_api.CampaignQrPng", "GET"): Route(
        Guard.API_READ,
        lambda w: f"/api/campaigns/{w.campaigns['wheel']}/qr.png",
        mimetype="image/png",
    ),
    ("admin_api.CampaignQrSvg", "GET"): Route(
        Guard.API_READ,
        lambda w: f"/api/campaigns/{w.campaigns['wheel']}/qr.svg",
        mimetype="image/svg+xml",
    ),
    ("admin_api.CampaignReport", "GET"): Route(
        Guard.API_READ,
        lambda w: f"/api/campaigns/{w.campaigns['ended']}/report",
        check=lambda w, r: holds(r.json()["funnel"]["plays"] == w.plays["ended"]),
    ),
    ("admin_api.CampaignSimulation", "GET"): Route(
        Guard.API_READ,
        lambda w: f"/api/campaigns/{w.campaigns['draft']}/simulation",
        send=lambda w, role: {"params": {"plays": 1000, "plays_per_day": 100}},
    ),
    ("admin_api.CampaignWinners", "GET"): Route(
        Guard.API_READ,
        lambda w: f"/api/campaigns/{w.campaigns['wheel']}/winners",
        check=lambda w, r: holds(len(r.json()) == w.plays["wheel"]),
    ),
    ("admin_api.Redemption", "GET"): Route(
        Guard.API_READ, lambda w: f"/api/redemptions/{w.first_code}"
    ),
    ("admin_api.Redemption", "POST"): Route(
        Guard.API_WRITE,
        lambda w: f"/api/redemptions/{w.code()}",
        check=lambda w, r: holds(r.json()["redeemed_at"]),
    ),
    # -- the console
    ("console.login", "GET"): Route(Guard.PUBLIC, lambda w: "/admin/login", mimetype="text/html"),
    ("console.login", "POST"): Route(
        Guard.CONSOLE_SIGN_IN,
        lambda w: "/admin/login",
        ok=302,
        mimetype="text/html",
        call=console_sign_in,
    ),
    # The language switch; Chinese, the default, so the role's later console pages read the same.
    ("console.set_language", "GET"): Route(
        Guard.PUBLIC,
        lambda w: "/admin/language/zh?next=/admin/login",
        ok=302,
        mimetype="text/html",
        check=lambda w, r: holds(
            r.headers["Location"].endswith("/admin/login")
            and r.headers["Set-Cookie"].startswith("lang=zh;")
        ),
    ),
    ("console.logout", "POST"): Route(
        Guard.PUBLIC,
        lambda w: "/admin/logout",
        ok=302,
        mimetype="text/html",
        call=console_sign_out,
        check=lambda w, r: redirects_to("/admin/login")(r),
    ),
    ("console.campaigns", "GET"): Route(
        Guard.CONSOLE_READ, lambda w: "/admin/", mimetype="text/html"
    ),
    ("console.overview", "GET"): Route(
        Guard.CONSOLE_READ,
        lambda w: f"/admin/campaigns/{w.campaigns['ended']}",
        mimetype="text/html",
    ),
    ("console.new_campaign", "GET"): Route(  # a page that is only a form: marketers only
        Guard.CONSOLE_WRITE, lambda w: "/admin/campaigns/new", mimetype="text/html"
    ),
    ("console.new_campaign", "POST"): Route(
        Guard.CONSOLE_WRITE,
        lambda w: "/admin/campaigns/new",
        ok=302,
        mimetype="text/html",
        send=console_campaign_form,
        check=lambda w, r: redirects_to("/admin/campaigns/")(r),
    ),
    ("console.edit_campaign", "GET"): Route(
        Guard.CONSOLE_WRITE,
        lambda w: f"/admin/campaigns/{w.campaigns['draft']}/edit",
        mimetype="text/html",
    ),
    ("console.edit_campaign", "POST"): Route(
        Guard.CONSOLE_WRITE,
        lambda w: f"/admin/campaigns/{w.new_campaign()}/edit",
        ok=302,
        mimetype="text/html",
        send=lambda w, role: w.form(role, name="Renamed in the console"),
    ),
    ("console.publish", "GET"): Route(
        Guard.CONSOLE_READ,
        lambda w: f"/admin/campaigns/{w.campaigns['draft']}/publish",
        mimetype="text/html",
    ),
    ("console.change_status", "POST"): Route(
        Guard.CONSOLE_WRITE,
        lambda w: f"/admin/campaigns/{w.new_campaign()}/status",
        ok=302,
        mimetype="text/html",
        send=lambda w, role: w.form(role, status="live", confirm="yes"),
    ),
    ("console.change_stock", "POST"): Route(
        Guard.CONSOLE_WRITE,
        lambda w: f"/admin/campaigns/{w.new_campaign('live')}/stock",
        ok=302,
        mimetype="text/html",
        send=lambda w, role: w.form(role, **{"prizes.0.stock": "150"}),
    ),
    ("console.simulate", "GET"): Route(
        Guard.CONSOLE_READ,
        lambda w: f"/admin/campaigns/{w.campaigns['draft']}/simulate",
        mimetype="text/html",
        send=lambda w, role: {"params": {"plays": "1000", "plays_per_day": "100"}},
    ),
    ("console.report", "GET"): Route(
        Guard.CONSOLE_READ,
        lambda w: f"/admin/campaigns/{w.campaigns['ended']}/report",
        mimetype="text/html",
    ),
    ("console.qr_code", "GET"): Route(
        Guard.CONSOLE_READ,
        lambda w: f"/admin/campaigns/{w.campaigns['wheel']}/qr.png",
        mimetype="image/png",
    ),
    ("console.poster_file", "GET"): Route(
        Guard.CONSOLE_READ,
        lambda w: f"/admin/campaigns/{w.campaigns['wheel']}/poster.pdf?size=phone",
        mimetype="application/pdf",
    ),
    ("console.plays_csv", "GET"): Route(
        Guard.CONSOLE_READ,
        lambda w: f"/admin/campaigns/{w.campaigns['wheel']}/plays.csv",
        mimetype="text/csv",
        check=csv_of("plays"),
    ),
    ("console.winners_csv", "GET"): Route(
        Guard.CONSOLE_READ,
        lambda w: f"/admin/campaigns/{w.campaigns['wheel']}/winners.csv",
        mimetype="text/csv",
        check=csv_of("winners"),
    ),
    ("console.claims_page", "GET"): Route(
        Guard.CONSOLE_READ,
        lambda w: f"/admin/campaigns/{w.campaigns['goods']}/claims",
        mimetype="text/html",
        check=lambda w, r: holds(w.shipped_code in r.text and CLAIM["phone"] not in r.text),
    ),
    ("console.claims_csv", "GET"): Route(
        Guard.CONSOLE_WRITE,  # personal data: marketers only, analysts get 403
        lambda w: f"/admin/campaigns/{w.campaigns['goods']}/claims.csv",
        mimetype="text/csv",
        check=lambda w, r: holds(len(csv_rows(r)) == 3),
    ),
    ("console.upload_shipments", "POST"): Route(
        Guard.CONSOLE_WRITE,
        lambda w: f"/admin/campaigns/{w.campaigns['goods']}/shipments",
        ok=302,
        mimetype="text/html",
        send=lambda w, role: w.form(
            role, rows=f"code,courier,tracking_number\n{w.shipped_code},SF,SF1001\n"
        ),
        check=lambda w, r: redirects_to("/admin/campaigns/")(r),
    ),
    ("console.retry_payout", "POST"): Route(
        Guard.CONSOLE_WRITE,
        lambda w: f"/admin/campaigns/{w.campaigns['cash']}/payouts/{w.cash_win}/retry",
        ok=302,
        mimetype="text/html",
        send=lambda w, role: w.form(role),
        check=lambda w, r: redirects_to("/admin/campaigns/")(r),
    ),
    ("console.staff_page", "GET"): Route(
        Guard.CONSOLE_READ,
        lambda w: "/admin/staff",
        mimetype="text/html",
        check=lambda w, r: contains("Live staff")(r),
    ),
    ("console.invite_staff", "POST"): Route(
        Guard.CONSOLE_WRITE,
        lambda w: "/admin/staff",
        mimetype="text/html",
        send=lambda w, role: w.form(role, name="Invited live"),
        check=lambda w, r: contains("/h5/staff/bind/")(r),
    ),
    ("console.revoke_staff", "POST"): Route(
        Guard.CONSOLE_WRITE,
        lambda w: f"/admin/staff/{w.revoked_staff}/revoke",
        ok=302,
        mimetype="text/html",
        send=lambda w, role: w.form(role),
        check=lambda w, r: redirects_to("/admin/staff")(r),
    ),
    ("console.menu_page", "GET"): Route(
        Guard.CONSOLE_READ,
        lambda w: "/admin/menu",
        mimetype="text/html",
    ),
    ("console.menu_apply", "POST"): Route(
        Guard.CONSOLE_WRITE,
        lambda w: "/admin/menu",
        ok=302,
        mimetype="text/html",
        send=lambda w, role: w.form(
            role, fingerprint=w.menu_fingerprint() if role == "console_marketer" else "-"
        ),
        check=lambda w, r: redirects_to("/admin/menu")(r),
    ),
    ("console.desk", "GET"): Route(
        Guard.CONSOLE_READ,
        lambda w: "/admin/redeem",
        mimetype="text/html",
        send=lambda w, role: {"params": {"code": w.first_code}},
    ),
    ("console.desk", "POST"): Route(
        Guard.CONSOLE_WRITE,
        desk_code,
        mimetype="text/html",
        send=lambda w, role: w.form(role, code=w.desk_code),
        check=lambda w, r: contains(w.desk_code)(r),
    ),
}
