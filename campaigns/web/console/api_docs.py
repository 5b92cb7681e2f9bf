"""``/api/docs``: the OpenAPI document in the vendored swagger-ui.

Served here rather than by flask-smorest's own page because that page starts swagger-ui with an
inline script, which the strict Content-Security-Policy (campaigns/web/security.py) refuses.
"""

from __future__ import annotations

from flask import Blueprint, render_template

blueprint = Blueprint("api_docs", __name__, template_folder="templates")


@blueprint.get("/api/docs")
def docs():
    return render_template("console/api_docs.html")
