"""Binds the console to the app: its CSRF protection, its pages and the API docs page.

Apart from the package's ``__init__`` (which defines the blueprint the pages register on), so
importing the pages here is no import cycle.
"""

from __future__ import annotations

from flask import Flask

from campaigns.web.console import (  # noqa: F401  (routes)
    auth,
    blueprint,
    claims,
    desk,
    editor,
    live,
    menu,
    pages,
    report,
    staff,
)
from campaigns.web.console.api_docs import blueprint as api_docs


def init_console(app: Flask) -> None:
    auth.csrf.init_app(app)
    app.register_blueprint(blueprint)
    app.register_blueprint(api_docs)
