"""The account's custom menu: the change a sync would make, shown before a marketer applies it
(campaigns/wechat/menu.py plans it; analysts see it and no button)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from campaigns.core.services import now
from campaigns.web.console import blueprint
from campaigns.web.extensions import db
from campaigns.wechat import menu as custom_menu
from campaigns.wechat.clients import current_client, current_settings


def _plan(client) -> custom_menu.MenuPlan:
    return custom_menu.plan(
        db.session, client, current_settings(), now(), current_app.config["WECHAT_MENU_NAME"]
    )


@blueprint.get("/menu")
def menu_page():
    return render_template("console/menu.html", plan=_plan(current_client()), stale=False)


@blueprint.post("/menu")
def menu_apply():
    """Apply the change that was shown: if the menu or the live campaigns moved since, show the
    new change instead and apply nothing."""
    client = current_client()
    planned = _plan(client)
    if request.form.get("fingerprint") != planned.fingerprint:
        return render_template("console/menu.html", plan=planned, stale=True), 409
    custom_menu.apply(client, planned)
    flash("The custom menu was updated.")
    return redirect(url_for("console.menu_page"))
