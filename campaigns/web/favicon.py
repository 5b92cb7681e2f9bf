"""``/favicon.ico``: every browser asks each site for it (the console's tabs, the phone's
history); without it each page view logs a 404. The console and the H5 pages link the same file."""

from flask import Blueprint, current_app, send_from_directory

blueprint = Blueprint("favicon", __name__)


@blueprint.get("/favicon.ico")
def favicon():
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/x-icon", max_age=86400
    )
