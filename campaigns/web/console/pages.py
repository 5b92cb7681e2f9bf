"""Sign-in, sign-out and the campaign list."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from campaigns.core.services import now
from campaigns.management import users
from campaigns.models import Campaign
from campaigns.reports import reports
from campaigns.web import i18n, ratelimits
from campaigns.web.console import auth, blueprint
from campaigns.web.extensions import db


def _safe_next(target: str | None) -> str:
    """Only back into the console (never an open redirect)."""
    if target and target.startswith("/admin") and not target.startswith("//"):
        return target
    return url_for("console.campaigns")


@blueprint.route("/login", methods=["GET", "POST"])
@ratelimits.limit(ratelimits.LOGIN_USER, key=ratelimits.login_username, methods=["POST"])
@ratelimits.limit(ratelimits.LOGIN_IP, key=ratelimits.client_ip, methods=["POST"])
def login():
    error = None
    if request.method == "POST":
        user = users.authenticate(
            db.session, request.form.get("username", ""), request.form.get("password", "")
        )
        if user is not None:
            auth.sign_in(user)
            return redirect(_safe_next(request.args.get("next")))
        error = "Wrong username or password."
    elif request.args.get("expired") == "1":
        error = "Your session has expired; please sign in again."
    status = 401 if request.method == "POST" else 200
    return render_template("console/login.html", error=error), status


@blueprint.get("/language/<code>")
def set_language(code: str):
    """The header's switch: the console in this language from now on, whatever the browser
    asks for (a cookie for a year), back on the page it was clicked on."""
    if code not in i18n.LANGUAGES:
        abort(404)
    response = redirect(_safe_next(request.args.get("next")))
    response.set_cookie(
        i18n.LANGUAGE_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        path="/admin",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@blueprint.post("/logout")
def logout():
    auth.sign_out()
    return redirect(url_for("console.login"))


@blueprint.get("/")
def campaigns():
    rows = db.session.scalars(select(Campaign).order_by(Campaign.id.desc())).all()
    return render_template(
        "console/campaigns.html",
        campaigns=rows,
        summaries=reports.summaries(db.session, rows, now()),
        base_url=current_app.config["PUBLIC_BASE_URL"],
    )
