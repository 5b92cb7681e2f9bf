"""The marketers' and analysts' console: server-rendered pages under ``/admin``.

Views are thin: they read the form, call the same domain functions as the admin API
(``campaign_admin``, ``simulator``, ``reports``, ``redemption``, ``exports``) and render.
The pages register on ``blueprint`` here; ``setup.init_console`` binds them to the app.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, g, render_template
from flask_wtf.csrf import CSRFError

from campaigns.core.errors import DomainError
from campaigns.prizes import kinds
from campaigns.web import i18n
from campaigns.web.console import auth
from campaigns.web.console.words import field_message, translate
from games import registry

blueprint = Blueprint("console", __name__, url_prefix="/admin", template_folder="templates")
blueprint.before_request(auth.before_request)


@blueprint.context_processor
def _language():
    return {
        "lang": i18n.current_language(),
        "translate": translate,
        "field_message": field_message,
        "user": g.get("console_user"),
        "prize_kinds": tuple(kinds.KINDS.values()),
        "prize_kind_label": _prize_kind_label,
    }


def _prize_kind_label(name: str | None) -> str:
    """What the pages call a prize kind: the registry's label, translated."""
    return translate(kinds.get(name).label if (name or "code") in kinds.KINDS else name)


@blueprint.app_template_filter("game_label")
def _game_label(name: str) -> str:
    """What the pages call a game: the registry's label, never a list of names here."""
    return registry.get(name).label if name in registry.names() else name


@blueprint.app_template_filter("percent")
def percent(probability) -> str:
    """The one way the console writes a prize's odds: a per-play probability as a percentage."""
    return f"{100 * (probability or 0):.2f}%"


# The one way the console writes a moment: minutes, in the campaign's zone (its name beside it
# where the page does not already say it), whatever the value's form: SQL's naive UTC, an aware
# datetime or an ISO string from the API's dicts.
TIME_FORMAT = "%Y-%m-%d %H:%M"


@blueprint.app_template_filter("local_time")
def local_time(value, zone) -> str:
    if value is None or value == "":
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)).strftime(
        TIME_FORMAT
    )


@blueprint.errorhandler(DomainError)
def _domain_error(error: DomainError):
    return render_template("console/error.html", error=error), error.status


@blueprint.errorhandler(CSRFError)
def _csrf_error(_error):
    message = "The form has expired or was not sent from this site; please try again."
    return render_template("console/error.html", error={"message": message, "fields": {}}), 400
