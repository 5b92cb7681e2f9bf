"""Invariant 10 on the admin API: every field, given a wrong type, a huge or unstorable string,
a negative, enormous or non-finite number, gets a 4xx JSON error naming the field, and nothing
in the database changes. Bodies are sent as raw JSON text, so NaN, Infinity and lone surrogate
escapes arrive exactly as an attacker would send them."""

from __future__ import annotations

import json

import pytest

from tests.bad_input.helpers import bearer, campaign_json, database_rows

NAN, INF = float("nan"), float("inf")
HUGE = 10**30
LONE_SURROGATE = "\ud800"

# (path of the field in the body, bad value): each must be refused naming that path.
BAD_FIELDS = [
    *[(("name",), v) for v in (123, "", "x" * 121, None, "a\x00b", LONE_SURROGATE, ["a"], {})],
    *[(("game",), v) for v in ("chess", 1, None, "\x00", LONE_SURROGATE)],
    *[
        (("starts_at",), v)
        for v in (
            "yesterday",
            "2026-09-20T10:00:00",  # no offset: ambiguous
            "9999-12-31T23:59:59-14:00",  # beyond datetime's range once in UTC
            "0001-01-01T00:00:00+14:00",
            1758333600,
            None,
            "2026-13-45T10:00:00+08:00",
        )
    ],
    (("ends_at",), "2026-09-19T10:00:00+08:00"),  # before starts_at
    *[
        (("timezone",), v)
        for v in ("Mars/Olympus", "\x00", LONE_SURROGATE, "../../etc/passwd", 5, "x" * 65)
    ],
    *[(("rules",), v) for v in (5, "x" * 20_001, "a\x00b", "\x1b[31m", LONE_SURROGATE)],
    *[(("keyword",), v) for v in ("", "x" * 33, 7, "\x00")],
    *[(("language",), v) for v in ("fr", "ZH", "", None, 1)],
    *[
        ((limit,), v)
        for limit in ("plays_per_user_per_day", "plays_per_user_total", "wins_per_user_total")
        for v in (-1, 0, HUGE, 1.5, "3", True, NAN, INF, -INF, [1])
    ],
    *[(("require_follow",), v) for v in ("maybe", 2, None, [])],
    *[(("prizes",), v) for v in ("x", [1], None, {"name": "Phone"})],
    *[(("prizes", "0", "stock"), v) for v in (-1, HUGE, 1.5, "5", None, NAN, True)],
    *[(("prizes", "0", "probability"), v) for v in (-0.1, 1.1, NAN, INF, "0.5", 1e-12, None)],
    *[(("prizes", "0", "name"), v) for v in ("", "x" * 81, "\x00", LONE_SURROGATE, 5)],
    *[(("prizes", "0", "pacing"), v) for v in ("weekly", 1, None)],
    *[(("prizes", "0", "image_url"), v) for v in ("x" * 501, "\x00", 5)],
    *[(("prizes", "0", "id"), v) for v in (0, -5, "1", HUGE * 1.0)],
    *[(("questions_per_attempt",), v) for v in (0, 101, HUGE, "5")],
    *[(("pass_score",), v) for v in (0, 101, -HUGE, 2.5)],
    *[(("look",), v) for v in ("blue", [1], {"unknown": 1})],
    *[(("look", "primary_color"), v) for v in ("red", "#aabbcc\n", "#aabbcc; x", 5)],
    *[(("look", "title"), v) for v in ("x" * 81, "\x00")],
    (("unexpected",), True),
]


def _body(path: tuple[str, ...], value) -> dict:
    body = campaign_json()
    target = body
    for part in path[:-1]:
        target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
    target[path[-1]] = value
    return body


def _named(fields: dict, path: tuple[str, ...]) -> bool:
    """The error's ``fields`` names the field: its top-level key, or the nested path."""
    node = fields
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _post_raw(client, token, body, method="post", url="/api/campaigns"):
    return getattr(client, method)(
        url, data=json.dumps(body), content_type="application/json", headers=bearer(token)
    )


@pytest.mark.parametrize(("path", "value"), BAD_FIELDS, ids=lambda p: repr(p)[:40])
def test_a_bad_field_is_refused_by_name_and_changes_nothing(client, factory, path, value):
    token = factory.token("marketer")
    before = database_rows()
    response = _post_raw(client, token, _body(path, value))
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data()[:300])
    assert response.json["error"] == "validation_error"
    assert _named(response.json["fields"], path), response.json
    assert database_rows() == before


@pytest.mark.parametrize(("path", "value"), BAD_FIELDS[:40], ids=lambda p: repr(p)[:40])
def test_a_bad_field_in_a_patch_is_refused_by_name(client, factory, path, value):
    token = factory.token("marketer")
    created = _post_raw(client, token, campaign_json()).json
    before = database_rows()
    body = {path[0]: _body(path, value)[path[0]]}
    if path == ("ends_at",):
        body["starts_at"] = campaign_json()["starts_at"]
    response = _post_raw(client, token, body, "patch", f"/api/campaigns/{created['id']}")
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data()[:300])
    assert _named(response.json["fields"], path), response.json
    assert database_rows() == before


def test_a_patched_prize_must_be_whole(client, factory):
    """A PATCH may leave out top-level fields, not a prize's name, stock and odds."""
    token = factory.token("marketer")
    created = _post_raw(client, token, campaign_json()).json
    before = database_rows()
    prize_id = created["prizes"][0]["id"]
    response = _post_raw(
        client, token, {"prizes": [{"id": prize_id}]}, "patch", f"/api/campaigns/{created['id']}"
    )
    assert response.status_code == 422
    assert set(response.json["fields"]["prizes"]["0"]) >= {"name", "stock", "probability"}
    assert database_rows() == before


def test_unicode_that_is_text_is_kept_exactly(client, factory):
    """RTL, emoji, CJK and combining marks are text, not errors: stored and read back as sent."""
    token = factory.token("marketer")
    name = "中秋 🎑 \u202eevil\u202c שלום e\u0301"
    response = _post_raw(client, token, campaign_json(name=name, rules="规则\n\t第二行"))
    assert response.status_code == 201, response.json
    again = client.get(f"/api/campaigns/{response.json['id']}", headers=bearer(token))
    assert again.json["name"] == name and again.json["rules"] == "规则\n\t第二行"


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ('{"name": ', "application/json"),
        ("{'name': 'single quotes'}", "application/json"),
        ("[]", "application/json"),
        ('"a string"', "application/json"),
        ("null", "application/json"),
        ("", "application/json"),
        (json.dumps(campaign_json()), "text/plain"),
        ("name=Wheel&game=wheel", "application/x-www-form-urlencoded"),
        (json.dumps(campaign_json()).encode("utf-16"), "application/json"),
        (b"\xff\xfe\xfa", "application/json"),
        ('{"stock": ' + "9" * 5000 + "}", "application/json"),
        ('{"name": "a", "name": "b"}', "application/json"),
        ("[" * 100_000 + "]" * 100_000, "application/json"),
    ],
    ids=[
        "truncated",
        "not-json",
        "array",
        "string",
        "null",
        "empty",
        "text-plain",
        "form",
        "utf16",
        "bad-bytes",
        "5000-digit-number",
        "duplicate-keys",
        "nested-100000-deep",
    ],
)
def test_malformed_or_mistyped_bodies_are_4xx_json(client, factory, data, content_type):
    token = factory.token("marketer")
    before = database_rows()
    response = client.post(
        "/api/campaigns", data=data, content_type=content_type, headers=bearer(token)
    )
    assert 400 <= response.status_code < 500, response.get_data()[:300]
    assert response.json["error"] in {"bad_request", "validation_error"}
    assert response.json["fields"], response.json  # names what was wrong (the body, or fields)
    assert database_rows() == before


def test_an_oversized_body_is_413_json(client, factory):
    token = factory.token("marketer")
    before = database_rows()
    body = campaign_json(rules="x" * (300 * 1024))
    response = _post_raw(client, token, body)
    assert response.status_code == 413
    assert response.json["error"] == "payload_too_large"
    assert database_rows() == before


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/campaigns/999999", None),
        ("patch", "/api/campaigns/999999", {"name": "x"}),
        ("post", "/api/campaigns/999999/status", {"status": "live"}),
        ("get", "/api/campaigns/999999/audit", None),
    ],
)
def test_unknown_ids_are_404_naming_the_id(client, factory, method, url, body):
    token = factory.token("marketer")
    before = database_rows()
    response = getattr(client, method)(url, json=body, headers=bearer(token))
    assert response.status_code == 404
    assert response.json["error"] == "not_found"
    assert "campaign_id" in response.json["fields"]
    assert database_rows() == before


def test_an_unknown_prize_id_on_a_live_campaign_is_refused(client, factory):
    token = factory.token("marketer")
    campaign = factory.campaign()
    before = database_rows()
    prizes = [
        {"id": 424242, "name": "Phone", "stock": 9, "probability": 0.01},
        {"id": campaign.prizes[1].id, "name": "Coupon", "stock": 100, "probability": 0.2},
    ]
    response = _post_raw(
        client, token, {"prizes": prizes}, "patch", f"/api/campaigns/{campaign.id}"
    )
    assert response.status_code == 409
    assert "prizes" in response.json["fields"]
    assert database_rows() == before


@pytest.mark.parametrize("status", ["archived", "", None, 1, "LIVE", "live\x00"])
def test_a_bad_status_is_refused(client, factory, status):
    token = factory.token("marketer")
    campaign = factory.campaign(status="draft")
    before = database_rows()
    response = _post_raw(
        client, token, {"status": status}, url=f"/api/campaigns/{campaign.id}/status"
    )
    assert response.status_code == 422
    assert "status" in response.json["fields"]
    assert database_rows() == before


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer " + "x" * 10_000},
    ],
    ids=["none", "empty", "unknown", "basic", "huge"],
)
def test_writes_without_a_valid_marketer_token_are_401(client, factory, headers):
    before = database_rows()
    response = client.post("/api/campaigns", json=campaign_json(), headers=headers)
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized" and "Authorization" in response.json["fields"]
    assert database_rows() == before


def test_an_analyst_cannot_write(client, factory):
    analyst = factory.token("analyst")
    before = database_rows()
    response = client.post("/api/campaigns", json=campaign_json(), headers=bearer(analyst))
    assert response.status_code == 403 and "Authorization" in response.json["fields"]
    assert database_rows() == before
