"""Error codes in one enum and the JSON error shape of SPEC.md: {"error", "message", "fields"}."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # play refusals (SPEC.md)
    NOT_STARTED = "not_started"
    ENDED = "ended"
    NOT_LIVE = "not_live"
    NOT_FOLLOWING = "not_following"
    DAILY_LIMIT = "daily_limit"
    TOTAL_LIMIT = "total_limit"
    RATE_LIMITED = "rate_limited"
    NO_SESSION = "no_session"
    # general
    VALIDATION = "validation_error"
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    ALREADY_REDEEMED = "already_redeemed"
    CLAIM_EXPIRED = "claim_expired"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNAVAILABLE = "unavailable"


# HTTP status for each code; refusals of a play are 403 (forbidden now) or 429.
STATUS = {
    ErrorCode.NOT_STARTED: 403,
    ErrorCode.ENDED: 403,
    ErrorCode.NOT_LIVE: 403,
    ErrorCode.NOT_FOLLOWING: 403,
    ErrorCode.DAILY_LIMIT: 429,
    ErrorCode.TOTAL_LIMIT: 429,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.NO_SESSION: 401,
    ErrorCode.VALIDATION: 422,
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.ALREADY_REDEEMED: 409,
    ErrorCode.CLAIM_EXPIRED: 409,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.UNAVAILABLE: 503,
}

DEFAULT_MESSAGES = {
    ErrorCode.NOT_STARTED: "The campaign has not started yet.",
    ErrorCode.ENDED: "The campaign has ended.",
    ErrorCode.NOT_LIVE: "The campaign is not open for play right now.",
    ErrorCode.NOT_FOLLOWING: "Follow the account to play.",
    ErrorCode.DAILY_LIMIT: "No plays left today.",
    ErrorCode.TOTAL_LIMIT: "No plays left in this campaign.",
    ErrorCode.RATE_LIMITED: "Too many requests; slow down.",
    ErrorCode.NO_SESSION: "No player session; open the game from WeChat.",
    ErrorCode.UNAVAILABLE: "Temporarily unavailable; please retry.",
    ErrorCode.CLAIM_EXPIRED: "The time to claim this prize has passed.",
}


class DomainError(Exception):
    """Raised by domain code; the app turns it into the JSON error shape."""

    def __init__(
        self,
        code: ErrorCode,
        message: str | None = None,
        fields: dict | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message or DEFAULT_MESSAGES.get(code, code.value))
        self.code = code
        self.message = message or DEFAULT_MESSAGES.get(code, code.value)
        self.fields = fields or {}
        self.retry_after = retry_after

    @property
    def status(self) -> int:
        return STATUS[self.code]

    def to_dict(self) -> dict:
        return {"error": self.code.value, "message": self.message, "fields": self.fields}
