"""Shared by the bad-input tests: a marketer's headers and a picture of every row in the DB."""

from __future__ import annotations

from sqlalchemy import select

from campaigns.web.extensions import db


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def database_rows() -> dict[str, list[tuple]]:
    """Every row of every table, in key order: equal before and after means nothing changed."""
    db.session.expire_all()
    picture = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        picture[table.name] = [tuple(row) for row in rows]
    db.session.rollback()
    return picture


def campaign_json(**overrides) -> dict:
    """A valid campaign as the admin API takes it."""
    body = {
        "name": "Mid-Autumn wheel",
        "game": "wheel",
        "starts_at": "2026-09-20T10:00:00+08:00",
        "ends_at": "2026-09-27T22:00:00+08:00",
        "rules": "One spin a day.",
        "prizes": [
            {"name": "Phone", "stock": 5, "probability": 0.001, "pacing": "even"},
            {"name": "Coupon", "stock": 2000, "probability": 0.2},
        ],
    }
    body.update(overrides)
    return body
