"""Every error leaves as JSON ``{"error", "message", "fields"}``; nothing becomes a bare 500."""

from __future__ import annotations

from flask import Flask, jsonify
from marshmallow import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from requests import RequestException
from sqlalchemy.exc import InterfaceError, OperationalError
from wechatpy.exceptions import WeChatClientException
from werkzeug.exceptions import HTTPException

from campaigns.core.errors import DomainError, ErrorCode
from campaigns.web.extensions import db

_HTTP_CODES = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    422: ErrorCode.VALIDATION,
    429: ErrorCode.RATE_LIMITED,
}


def error_response(error: DomainError):
    response = jsonify(error.to_dict())
    response.status_code = error.status
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, error_response)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_down(exc):
        db.session.rollback()
        app.logger.warning("database unavailable: %s", exc)
        return error_response(DomainError(ErrorCode.UNAVAILABLE))

    @app.errorhandler(RequestException)
    @app.errorhandler(WeChatClientException)
    def _wechat_down(exc):
        # WeChat unreachable or refusing (a view that needs its API): the caller may retry.
        app.logger.warning("wechat unavailable: %s", exc)
        return error_response(
            DomainError(ErrorCode.UNAVAILABLE, "WeChat is unavailable; please retry.")
        )

    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    def _redis_down(exc):
        app.logger.warning("redis unavailable: %s", exc)
        return error_response(DomainError(ErrorCode.UNAVAILABLE))

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        return error_response(
            DomainError(
                ErrorCode.VALIDATION, "Some fields are invalid.", fields=_flatten(exc.messages)
            )
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        # flask-smorest / webargs attach the schema's messages to 422s
        messages = getattr(exc, "data", {}).get("messages") if hasattr(exc, "data") else None
        code = _HTTP_CODES.get(exc.code, ErrorCode.BAD_REQUEST)
        fields = _flatten(messages) if messages else {}
        if code is ErrorCode.VALIDATION:
            message = "Some fields are invalid."
        else:
            message = exc.description or exc.name
        response = jsonify({"error": code.value, "message": message, "fields": fields})
        response.status_code = exc.code or 400
        return response


def _flatten(messages) -> dict:
    """webargs nests messages by location ({"json": {...}}); callers want the fields."""
    if isinstance(messages, dict) and set(messages) <= {
        "json",
        "query",
        "headers",
        "form",
        "files",
        "view_args",
    }:
        merged: dict = {}
        for location, part in messages.items():
            if isinstance(part, dict):
                merged.update(part)
            else:  # about the whole location ("Invalid JSON body."): name it
                merged["body" if location == "json" else location] = part
        return merged
    return messages if isinstance(messages, dict) else {"_schema": messages}
