"""The pages' words: Flask-Babel over the gettext catalogs in ``translations/``, Chinese first.

msgids are the English words; ``translations/zh`` and ``translations/en`` hold every one (a test
checks that none is missing or empty), so a page is wholly in one language. Which language:
- player pages (``games/``): the browser's Accept-Language, Chinese unless English is preferred;
- the console: the ``lang`` cookie its switch sets, else Accept-Language, else Chinese.
Outside a request (CLI, jobs) it is Chinese, the default.
"""

from __future__ import annotations

import os

from flask import Flask, has_request_context, request
from flask_babel import Babel, get_locale, refresh

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_COOKIE = "lang"
CONSOLE_BLUEPRINT = "console"
TRANSLATIONS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "translations"
)

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=request_language,
        default_locale=DEFAULT_LANGUAGE,
        default_translation_directories=TRANSLATIONS,
    )
    # Flask-Babel keeps the language on ``g``, which lives as long as the app context: where
    # one context spans many requests (the tests' clients) the first request's would stick.
    app.before_request(refresh)


def request_language() -> str:
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if request.blueprint == CONSOLE_BLUEPRINT:
        chosen = request.cookies.get(LANGUAGE_COOKIE)
        if chosen in LANGUAGES:
            return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def current_language() -> str:
    """``zh`` or ``en``: what the page is in (its ``<html lang>``, list separators)."""
    return get_locale().language


def N_(msgid: str) -> str:
    """Marks a msgid for ``pybabel extract`` where the words are translated later, when shown
    (gettext's ``gettext_noop``)."""
    return msgid
