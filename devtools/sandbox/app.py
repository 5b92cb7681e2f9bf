"""``create_sandbox_app()``: the sandbox as its own Flask app, for its own server process
(``devtools/sandbox/gunicorn_conf.py``). It shares nothing with the app but the account's
settings and a Redis server (in a database of its own)."""

from __future__ import annotations

import os

import redis
from flask import Flask, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from campaigns.core.errors import ErrorCode
from devtools.sandbox import api, console, oauth, pay, phone, state  # noqa: F401  (routes)
from devtools.sandbox.blueprint import blueprint
from devtools.sandbox.config import SandboxSettings

_HTTP_CODES = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED}


def create_sandbox_app(overrides: dict[str, str] | None = None) -> Flask:
    """``overrides`` are environment variables (tests set them instead of os.environ)."""
    settings = SandboxSettings.from_env({**os.environ, **(overrides or {})})
    if settings.production:
        raise RuntimeError(
            "Refusing to start the WeChat sandbox with PRODUCTION=1: it lets anyone sign in "
            "as any openid."
        )
    app = Flask(__name__)
    app.extensions["sandbox_settings"] = settings
    store = redis.Redis.from_url(settings.redis_url, health_check_interval=30)
    app.extensions["sandbox_redis"] = store
    state.ensure_seeded(store)
    app.register_blueprint(blueprint)
    _register_error_handlers(app)
    return app


def _register_error_handlers(app: Flask) -> None:
    """The house error shape ``{"error", "message", "fields"}`` for the control endpoints; the
    WeChat endpoints answer WeChat's own ``errcode``/``errmsg`` themselves."""

    @app.errorhandler(ValidationError)
    def _invalid(exc: ValidationError):
        body = {"error": ErrorCode.VALIDATION.value, "message": "Some fields are invalid."}
        return jsonify({**body, "fields": exc.messages}), 422

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = _HTTP_CODES.get(exc.code, ErrorCode.BAD_REQUEST)
        body = {"error": code.value, "message": exc.description or exc.name, "fields": {}}
        return jsonify(body), exc.code or 400
