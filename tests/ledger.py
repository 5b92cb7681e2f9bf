"""The ledger writer, run in the test's own process: what the worker's writer does within
moments, done now, so a test may read SQL right after a play's response.

``settle`` drains every play stream with the writer's own code (campaigns/jobs/ledger_writer.py);
``DrainingClient`` is Flask's test client settling after each player request (``app`` fixtures use
it; a test of the writer itself sets ``app.config["TEST_SETTLE_AFTER_REQUEST"] = False``)."""

from __future__ import annotations

import json
import time
import urllib.request

from flask import current_app
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from campaigns.draw.engine import REDIS_DOWN
from campaigns.jobs import ledger_writer
from campaigns.ledger import writer
from campaigns.models import Campaign
from campaigns.web.extensions import db


def settle(app=None, deadline_s: float = 30.0) -> int:
    """Write what every play stream holds to SQL now, and wait for what another writer (a live
    server's) holds to be written; returns the plays this call read. Bounded: a backlog that
    never drains leaves the test to fail on what it then reads."""
    app = app or current_app._get_current_object()
    redis = app.extensions["redis"]["counters"]
    deadline = time.monotonic() + deadline_s
    read = 0
    with app.app_context():
        try:
            while True:
                read += ledger_writer.drain_all(db.session, redis)
                published = db.session.execute(
                    select(Campaign.id, Campaign.shards).where(Campaign.seed.is_not(None))
                ).all()
                db.session.commit()
                held = sum(writer.backlog(redis, c.id, c.shards).plays for c in published)
                if not held or time.monotonic() > deadline:
                    return read
                time.sleep(0.05)
        finally:
            db.session.remove()


class DrainingClient(FlaskClient):
    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        request = response.request
        app = self.application
        if (
            request.method == "POST"
            and request.path.startswith("/h5/")
            and app.config.get("TEST_SETTLE_AFTER_REQUEST", True)
        ):
            try:
                settle(app)
            except (SQLAlchemyError, *REDIS_DOWN):
                pass  # as the writer does: what it could not write waits in the stream
        return response


def caught_up(server, deadline_s: float = 60.0) -> dict:
    """Wait until a live server's /healthz/ledger shows nothing left to write (its own writer
    at work); bounded, so a writer that never catches up fails the test instead of hanging it."""
    deadline = time.monotonic() + deadline_s
    while True:
        with urllib.request.urlopen(server.url + "/healthz/ledger", timeout=5) as response:
            status = json.load(response)
        if status["backlog"] == 0 or time.monotonic() > deadline:
            return status
        time.sleep(0.1)
