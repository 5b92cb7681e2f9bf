"""Every route of the app, requested as every role against the product as deployed: the
Procfile's gunicorn and worker on a fresh, migrated database, WeChat at the sandbox's URL.

The routes come from ``app.url_map`` (of an app configured exactly as the live server), so a
new route without a request in tests/live/routes.py fails here. Nothing may answer 500: each
response is the one its guard promises the role, its body read to the end and parsed, and the
audit is checked with campaigns/draw/verify.py. Last, the server's and the worker's logs must
hold no traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import requests

from tests.ledger import caught_up
from tests.live.conftest import deploy
from tests.live.deployment import CONSOLE_PASSWORD, browser, sign_in_player
from tests.live.routes import ALLOWED, KEYWORD, QUESTIONS, ROLES, ROUTES, World, parse
from tests.live_server import ROOT
from tests.sandbox_client import wait_for

# On SQLite in `make test`, which keeps CI's whole run under 15 minutes; with LIVE_POSTGRES=1
# (and TEST_DATABASE_URL) on a fresh PostgreSQL database as well.
pytestmark = [pytest.mark.slow] + (
    [] if os.environ.get("LIVE_POSTGRES") == "1" else [pytest.mark.one_database]
)

AUTOMATIC = {"HEAD", "OPTIONS"}  # Werkzeug answers these for every rule; requested below too
PLAYER = "o-live-player-0001"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def deployment(database_url, tmp_path_factory):
    # Many requests a second from one address and token: the limits are tested on their own.
    yield from deploy(database_url, tmp_path_factory, "live-routes", RATELIMIT_SCALE="1000")


@pytest.fixture(scope="module")
def world(deployment):
    world = World(deployment, PLAYER)
    for role in ("marketer", "analyst"):
        world.sessions[role] = browser()
        world.sessions[role].headers["Authorization"] = f"Bearer {deployment.token(role)}"
    deployment.console_user("mia", "marketer")
    deployment.console_user("ann", "analyst")
    # The player follows the account on their phone, then opens a game: WeChat OAuth.
    deployment.sandbox.phone(PLAYER, "follow")
    world.sessions["player"] = sign_in_player(deployment.url, PLAYER)
    world.sessions["anonymous"] = browser()
    world.sessions["wechat"] = browser()
    for role, username in (("console_marketer", "mia"), ("console_analyst", "ann")):
        world.sessions[role] = console_session(world, username)

    world.campaigns = {
        "wheel": world.new_campaign("live", keyword=KEYWORD),
        "scratch": world.new_campaign(
            "live", game="scratch", prizes=[{"name": "Sticker", "stock": 50, "probability": 0.5}]
        ),
        "quiz": world.new_campaign(
            "live", game="quiz", questions=QUESTIONS, questions_per_attempt=3, pass_score=2
        ),
        "draft": world.new_campaign(),
    }
    codes = [play(world, "wheel")["code"] for _ in range(3)]
    world.plays["wheel"] = 3
    world.first_code, world.codes = codes[0], codes[1:]
    world.campaigns["goods"] = world.new_campaign(
        "live", prizes=[{"name": "Mug", "kind": "goods", "stock": 50, "probability": 1.0}]
    )
    for _ in range(2):
        play(world, "goods")
    caught_up(deployment.app)  # a player's wins are read from SQL, which follows the stream
    goods = world.campaigns["goods"]
    wins = world.sessions["player"].get(f"{world.url}/h5/{goods}/wins").json()["wins"]
    for win in wins:  # both claimed: one to claim again, one to ship
        claimed = world.sessions["player"].post(
            f"{world.url}/h5/{goods}/wins/{win['id']}/claim", json=ADDRESS
        )
        assert claimed.status_code == 200, claimed.text
    world.goods_win, world.shipped_code = wins[0]["id"], wins[1]["code"]
    world.campaigns["cash"] = world.new_campaign(
        "live",
        prizes=[
            {"name": "Red packet", "kind": "cash", "amount_fen": 100, "stock": 5, "probability": 1}
        ],
    )
    play(world, "cash")
    caught_up(deployment.app)
    cash_wins = f"{world.url}/h5/{world.campaigns['cash']}/wins"
    world.cash_win = world.sessions["player"].get(cash_wins).json()["wins"][0]["id"]

    ended = world.new_campaign(
        "live",
        prizes=[
            {"name": "Phone", "stock": 2, "probability": 0.2},
            {"name": "Coupon", "stock": 10, "probability": 0.3},
        ],
    )
    world.campaigns["ended"] = ended
    world.sessions["other player"] = sign_in_player(deployment.url, "o-live-player-0002")
    for who in ("player", "other player"):
        for _ in range(4):
            play(world, "ended", who)
    world.plays["ended"] = 8
    world.api("POST", f"/api/campaigns/{ended}/status", json={"status": "ended"})
    for role in ROLES:
        page = "/admin/" if role.startswith("console_") else "/admin/login"
        world.csrf[role] = CSRF.search(world.request(role, "GET", page).text).group(1)
    # The player is also staff at a phone desk; another staff member is there to be revoked.
    world.campaigns["desk"] = world.new_campaign("live")
    world.staff_code = play(world, "desk")["code"]
    caught_up(deployment.app)  # the desk finds the code in SQL
    for who, name in (("player", "Live staff"), ("other player", "Other staff")):
        bound = world.sessions[who].get(world.url + world.staff_invite(name), allow_redirects=False)
        assert bound.status_code == 302, bound.text[:300]
    listed = world.request("console_marketer", "GET", "/admin/staff").text
    world.revoked_staff = int(
        re.search(r"Other staff</td>.*?/admin/staff/(\d+)/revoke", listed, re.S).group(1)
    )
    yield world
    for session in world.sessions.values():  # idle keep-alive connections delay a graceful stop
        session.close()


ADDRESS = {
    "name": "Li Lei",
    "phone": "13812345678",
    "province": "Guangdong",
    "city": "Shenzhen",
    "district": "Nanshan",
    "address": "1 Keji Road",
}


def console_session(world: World, username: str) -> requests.Session:
    session = browser()
    page = session.get(world.url + "/admin/login").text
    signed_in = session.post(
        world.url + "/admin/login",
        data={
            "username": username,
            "password": CONSOLE_PASSWORD,
            "csrf_token": CSRF.search(page)[1],
        },
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, signed_in.text[:300]
    return session


def play(world: World, campaign: str, who: str = "player") -> dict:
    response = world.sessions[who].post(f"{world.url}/h5/{world.campaigns[campaign]}/play")
    assert response.status_code == 200, response.text
    return response.json()


def served_rules(deployment):
    """Every rule of the app, configured exactly as the live server is."""
    return list(deployment.configured_app.url_map.iter_rules())


def served_routes(deployment) -> set[tuple[str, str]]:
    """(endpoint, method) of every rule and method (but the automatic HEAD and OPTIONS)."""
    return {
        (rule.endpoint, method)
        for rule in served_rules(deployment)
        for method in rule.methods - AUTOMATIC
    }


def test_every_route_has_a_live_request(deployment):
    served = served_routes(deployment)
    missing = sorted(served - set(ROUTES))
    stale = sorted(set(ROUTES) - served)
    assert not missing, f"routes without a request in tests/live/routes.py: {missing}"
    assert not stale, f"requests in tests/live/routes.py for routes that are gone: {stale}"


@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda key: f"{key[1]} {key[0]}")
def test_route_as_every_role(world, route):
    endpoint, method = route
    spec = ROUTES[route]
    path = spec.path(world)
    problems = []
    for role in ROLES:
        if spec.call:
            response = spec.call(world, role, path)
        else:
            response = world.request(role, method, path, **spec.send(world, role))
        problems += judge(f"{role}: {method} {path}", response, spec.expected(world, role))
    problems += automatic_methods(world, method, path, spec)
    assert not problems, "\n".join(problems)


def judge(label: str, response, expected) -> list[str]:
    got = response.headers.get("Content-Type", "").split(";")[0]
    if response.status_code != expected.status or got != expected.mimetype:
        wanted = f"{expected.status} {expected.mimetype}"
        return [f"{label}: {response.status_code} {got}, wanted {wanted}: {response.text[:300]}"]
    try:
        parse(response)
        if expected.check:
            expected.check(response)
    except Exception as exc:  # noqa: BLE001  (every failure of a check is reported together)
        return [f"{label}: {type(exc).__name__}: {exc}"]
    return []


def automatic_methods(world: World, method: str, path: str, spec) -> list[str]:
    """OPTIONS on the rule, and HEAD where GET is served, without credentials: what the route
    answers anyone without credentials (the console's guard redirects OPTIONS too), never 5xx."""
    problems = []
    anonymous = spec.expected(world, "anonymous").status
    options = world.request("anonymous", "OPTIONS", path)
    listed = method in options.headers.get("Allow", "")
    if not (options.status_code == 200 and listed or options.status_code == anonymous):
        problems.append(f"OPTIONS {path}: {options.status_code} {options.headers.get('Allow')}")
    if method == "GET" and not spec.call:
        head = world.request("anonymous", "HEAD", path, **spec.send(world, "anonymous"))
        if head.status_code != anonymous or head.content:
            problems.append(f"HEAD {path}: {head.status_code} with {len(head.content)} bytes")
    return problems


# Values for the other parts of a rule with a campaign id (the id is the unknown part).
RULE_PARTS = {"kind": "png", "attempt_id": "0123456789abcdef"}
UNKNOWN_IDS = ("999999", str(2**31), str(2**63))  # beyond PostgreSQL's integer, and bigint


def rules_with_a_campaign_id(deployment) -> list[tuple[str, str, str]]:
    return [
        (rule.endpoint, method, rule.rule)
        for rule in served_rules(deployment)
        if "campaign_id" in rule.arguments
        for method in sorted(rule.methods - AUTOMATIC)
    ]


def test_unknown_campaign_ids_are_404_on_every_route(world):
    """Each route with a campaign id, as a role allowed to call it, with ids nobody has."""
    problems = []
    for endpoint, method, rule in rules_with_a_campaign_id(world.deployment):
        spec = ROUTES[(endpoint, method)]
        role = next(r for r in ROLES if r in ALLOWED[spec.guard])
        for unknown in UNKNOWN_IDS:
            path = re.sub(
                r"<(?:\w+:)?(\w+)>", lambda m, unknown=unknown: RULE_PARTS.get(m[1], unknown), rule
            )
            response = world.request(role, method, path, **spec.send(world, role))
            if response.status_code != 404:
                problems.append(
                    f"{role}: {method} {path}: {response.status_code} {response.text[:200]}"
                )
            else:
                parse(response)
    assert not problems, "\n".join(problems)


def test_the_audit_verifies_with_the_standalone_script(world):
    """Anyone's check, as the README gives it: the plain script, fetching the live URL."""
    url = f"{world.url}/api/campaigns/{world.campaigns['ended']}/audit"
    done = subprocess.run(
        [sys.executable, str(ROOT / "campaigns" / "draw" / "verify.py"), url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{world.plays['ended']} entries" in done.stdout, done.stdout


def test_the_demo_campaigns_open_and_play(world):
    """What ``make run`` seeds (``flask --app wsgi demo``), opened and played by a player."""
    seeded = world.deployment.run_python("-m", "flask", "--app", "wsgi", "demo")
    demos = re.findall(r"^(\w+)\s+(\S+/h5/\d+/)", seeded, re.MULTILINE)
    assert sorted(game for game, _ in demos) == ["grid", "quiz", "scratch", "wheel"], demos
    player = world.sessions["player"]
    for game, url in demos:
        page = player.get(url, allow_redirects=False)
        assert page.status_code == 200 and "text/html" in page.headers["Content-Type"], url
        parse(page)
        played = player.post(url + ("quiz" if game == "quiz" else "play"))
        assert played.status_code == 200, played.text


def test_the_worker_sends_the_winner_notices(world):
    """The Procfile's worker delivers each win's notice through WeChat (the sandbox)."""
    path = f"/api/campaigns/{world.campaigns['wheel']}/winners"
    sent = wait_for(
        lambda: all(w["notice_status"] == "sent" for w in world.api("GET", path)), timeout=60
    )
    assert sent
    delivered = [
        c for c in world.deployment.sandbox.sent_templates() if c["body"]["touser"] == PLAYER
    ]
    assert len(delivered) >= world.plays["wheel"]


def test_the_logs_hold_no_traceback(world):
    """Last: whatever the requests above did, no request or job failed in the server."""
    assert world.deployment.failures_in_logs() == []
