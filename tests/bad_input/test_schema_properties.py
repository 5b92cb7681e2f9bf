"""Property-based tests of the admin API schemas (hypothesis): whatever JSON arrives, the
schema answers with a ValidationError or clean data, never another exception (which would be a
500); and every campaign the schema calls valid is stored and read back unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from campaigns.web.admin_api.schemas import CampaignIn, campaign_patch
from tests.bad_input.helpers import bearer

pytestmark = pytest.mark.one_database

# Fixtures hold an app and a database, not per-example state; no example database in the repo.
FIXTURES_OK = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
    database=None,
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters(codec=None), max_size=40)  # includes NUL and lone surrogates
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
FIELDS = list(CampaignIn().fields)
PRIZE_FIELDS = ["id", "name", "stock", "probability", "pacing", "image_url"]
prize_like = st.dictionaries(st.sampled_from(PRIZE_FIELDS), json_values, max_size=6)
campaign_like = st.dictionaries(
    st.sampled_from(FIELDS),
    json_values | st.lists(prize_like, max_size=3),
    max_size=len(FIELDS),
)


@settings(FIXTURES_OK, max_examples=400)
@given(body=campaign_like | json_values)
def test_campaign_in_raises_only_validation_errors(app, body):
    for schema in (CampaignIn(), campaign_patch()):
        try:
            schema.load(body)
        except ValidationError as exc:
            json.dumps(exc.messages, default=str)  # the messages can be sent back as JSON


names = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=80
)
prize = st.fixed_dictionaries(
    {
        "name": names,
        "stock": st.integers(0, 10_000_000),
        "probability": st.integers(0, 10**6).map(lambda n: n / 10**7),
        "pacing": st.sampled_from(["none", "even"]),
    }
)
valid_campaign = st.builds(
    lambda name, rules, start, hours, prizes, limits: {
        "name": name,
        "game": "wheel",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=hours)).isoformat(),
        "timezone": "Asia/Shanghai",
        "rules": rules,
        "prizes": prizes,
        **limits,
    },
    names,
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200).filter(
        lambda t: all(c in "\t\n\r" or ord(c) >= 0x20 and c != "\x7f" for c in t)
    ),
    st.datetimes(datetime(2020, 1, 1), datetime(2090, 1, 1), timezones=st.just(UTC)),
    st.integers(1, 24 * 365),
    st.lists(prize, min_size=1, max_size=5, unique_by=lambda p: p["name"]),
    st.fixed_dictionaries(
        {},
        optional={
            "plays_per_user_total": st.integers(50, 100_000),
            "plays_per_user_per_day": st.integers(1, 50),
            "wins_per_user_total": st.integers(1, 100_000),
        },
    ),
)


@settings(FIXTURES_OK, max_examples=40)
@given(body=valid_campaign)
def test_valid_campaigns_round_trip_through_the_api(app, client, factory, body):
    token = factory.token("marketer")
    created = client.post("/api/campaigns", json=body, headers=bearer(token))
    assert created.status_code == 201, created.json
    read = client.get(f"/api/campaigns/{created.json['id']}", headers=bearer(token)).json
    assert read["name"] == body["name"] and read["rules"] == body["rules"]
    for moment in ("starts_at", "ends_at"):
        assert datetime.fromisoformat(read[moment]) == datetime.fromisoformat(body[moment])
    for field in ("plays_per_user_total", "plays_per_user_per_day", "wins_per_user_total"):
        if field in body:
            assert read[field] == body[field]
    assert [
        {k: p[k] for k in ("name", "stock", "probability", "pacing")} for p in read["prizes"]
    ] == body["prizes"]
