"""The ledger writer, run in the test's own process: what the worker's writer does within
moments, done now, so a test may read SQL right after a play's response.

``settle`` drains every play stream with the writer's own code (campaigns/jobs/ledger_writer.py);
``DrainingClient`` is Flask's test client settling after each player request (``app`` fixtures use
it; a test of the writer itself sets ``app.config["TEST_SETTLE_AFTER_REQUEST"] = False``)."""

from __future__ import annotations

from flask import current_app
from flask.testing import FlaskClient
from sqlalchemy.exc import SQLAlchemyError

from campaigns.draw.engine import REDIS_DOWN
from campaigns.jobs import ledger_writer
from campaigns.web.extensions import db


def settle(app=None) -> int:
    """Write what every play stream holds to SQL now; returns the plays read."""
    app = app or current_app._get_current_object()
    with app.app_context():
        try:
            return ledger_writer.drain_all(db.session, app.extensions["redis"]["counters"])
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
