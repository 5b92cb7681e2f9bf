"""``/healthz``: the framework's floor for benchmarks and a liveness probe for deployments."""

from flask import Blueprint

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    return {"ok": True}
