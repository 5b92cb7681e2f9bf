"""The error responses every admin API operation can give, added to the OpenAPI document.

Why a plugin rather than a decorator per view: every route (today's and those other modules add
to ``/api``) can answer these statuses, through the shared auth, id lookup, body parsing, rate
limiting and unavailability handling; integrators and schemathesis' conformance checks rely on
the document listing them, with the one error shape of campaigns/web/admin_api/schemas.py ErrorOut.
"""

from __future__ import annotations

from http import HTTPStatus

from apispec import BasePlugin

# flask-smorest registers one component response per status, named after HTTPStatus, with
# ``Api.ERROR_SCHEMA`` as its body (set to ErrorOut by create_app).
ERROR_STATUSES = (
    HTTPStatus.BAD_REQUEST,
    HTTPStatus.UNAUTHORIZED,
    HTTPStatus.FORBIDDEN,
    HTTPStatus.NOT_FOUND,
    HTTPStatus.CONFLICT,
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    HTTPStatus.UNPROCESSABLE_ENTITY,
    HTTPStatus.TOO_MANY_REQUESTS,
    HTTPStatus.SERVICE_UNAVAILABLE,
)


# Every operation reads the database and most use Redis; either may be down for a moment. An
# operation that needs more (WeChat's API for the QR codes) documents its own 503.
UNAVAILABLE = {
    "description": "The database or Redis is unavailable for a moment; retry later",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


class ErrorResponses(BasePlugin):
    """Documents ERROR_STATUSES on each ``/api`` operation that does not document them itself."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        if not path or not path.startswith("/api/"):
            return
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            for status in ERROR_STATUSES:
                if str(status.value) not in responses and status.value not in responses:
                    unavailable = status is HTTPStatus.SERVICE_UNAVAILABLE
                    responses[str(status.value)] = UNAVAILABLE if unavailable else status.name
