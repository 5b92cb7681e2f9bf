"""Streamed response bodies read the database through a session of their own.

Flask pops the request's app context as soon as the view returns, before the WSGI server reads
the body, and Flask-SQLAlchemy closes the request's session there. By the time a body generator
runs, every object the view loaded is detached (``stream_with_context`` pushes the context again,
with a new, empty session), so a lazy load in it fails: a DetachedInstanceError, and a 500 after
the headers went out. Flask's test client hides this whenever a test holds an app context, which
is why only a real server showed it (tests/live/).

So a body is never handed the view's objects: it is a function of a session, given plain values
(ids), run on a session opened for it on the app's engine and closed when the body ends or the
client goes away (the WSGI server closes the iterator either way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Response
from sqlalchemy.orm import Session

from campaigns.web.extensions import db


def streamed(
    body: Callable[[Session], Iterable[str]], mimetype: str, headers: dict | None = None
) -> Response:
    """A response whose chunks ``body(session)`` yields, on a session of the body's own."""
    engine = db.engine  # resolved now, while the request's app context is still there

    def chunks():
        with Session(engine) as session:
            yield from body(session)

    return Response(chunks(), mimetype=mimetype, headers=headers)
