"""``/sandbox/``: the call log (page and JSON) and the failure-injection control endpoint."""

from __future__ import annotations

from flask import render_template, request
from marshmallow import Schema, fields, validate

from campaigns.extensions import redis_clients
from campaigns.sandbox import blueprint, state


class FailureIn(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=100))
    mode = fields.String(required=True, validate=validate.OneOf(state.FAILURE_MODES))
    times = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100))
    seconds = fields.Float(load_default=6.0, validate=validate.Range(min=0, max=60))


@blueprint.get("/")
def log_page():
    return render_template("sandbox/log.html", calls=state.calls(redis_clients.main))


@blueprint.get("/calls")
def calls():
    return {"calls": state.calls(redis_clients.main, request.args.get("endpoint"))}


@blueprint.delete("/calls")
def clear_calls():
    state.clear(redis_clients.main)
    return {"ok": True}


@blueprint.post("/control/fail")
def fail_next():
    """Fail the next ``times`` calls of ``endpoint`` (e.g. "cgi-bin/message/template/send")
    with busy, 40001, 42001, 43004, 43101, 45009, a timeout (sleep ``seconds``, then busy) or a
    delay (sleep ``seconds``, then answer normally)."""
    data = FailureIn().load(request.get_json(silent=True) or {})
    state.inject_failures(
        redis_clients.main, data["endpoint"], data["mode"], data["times"], data["seconds"]
    )
    return {"ok": True, **data}
