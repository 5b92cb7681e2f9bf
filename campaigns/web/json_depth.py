"""Refuse JSON bodies nested deeper than any request of ours needs, before anything parses them.

Python's ``json`` recurses once per level: a 100,000-deep body (well inside MAX_CONTENT_LENGTH)
raises RecursionError wherever it is first parsed, which ``get_json(silent=True)`` does not
catch, so the request failed with a 500. Counting brackets outside strings is cheap (two regular
expression passes) and answers every route at once with a 400 naming the body.
"""

from __future__ import annotations

import re

from flask import Flask, request

from campaigns.core.errors import DomainError, ErrorCode

# The deepest body we accept: a campaign is 4 levels deep (prizes, look), a quiz answer 3.
MAX_DEPTH = 32
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def nests_deeper_than(body: bytes, limit: int) -> bool:
    """Whether the arrays and objects of a JSON text nest past ``limit`` (brackets inside
    strings aside); stops at the first bracket past it."""
    level = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b"", body)):
        level += 1 if bracket.group() in (b"[", b"{") else -1
        if level > limit:
            return True
    return False


def refuse_deep_json() -> None:
    if not request.is_json:
        return
    body = request.get_data(cache=True)
    if body and nests_deeper_than(body, MAX_DEPTH):
        message = f"JSON nested deeper than {MAX_DEPTH} levels is not accepted."
        raise DomainError(ErrorCode.BAD_REQUEST, message, {"body": [message]})


def init_app(app: Flask) -> None:
    app.before_request(refuse_deep_json)
