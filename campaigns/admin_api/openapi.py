"""The error responses every admin API operation can give, added to the OpenAPI document.

Why a plugin rather than a decorator per view: every route (today's and those other modules add
to ``/api``) can answer these statuses, through the shared auth, id lookup, body parsing, rate
limiting and unavailability handling; integrators and schemathesis' conformance checks rely on
the document listing them, with the one error shape of campaigns/admin_api/schemas.py ErrorOut.
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


class ErrorResponses(BasePlugin):
    """Documents ERROR_STATUSES on each ``/api`` operation that does not document them itself."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        if not path or not path.startswith("/api/"):
            return
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            for status in ERROR_STATUSES:
                if str(status.value) not in responses and status.value not in responses:
                    responses[str(status.value)] = status.name
