"""Staff who verify codes from their phones: the list, a one-time "bind as staff" QR code, and
revoking (marketers; analysts see the list)."""

from __future__ import annotations

import segno
from flask import current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from campaigns.core.errors import DomainError
from campaigns.core.services import now
from campaigns.management import staff
from campaigns.web.console import blueprint
from campaigns.web.console.auth import actor_name
from campaigns.web.extensions import db


def _page(invite_url: str | None = None, errors: dict | None = None, status: int = 200):
    qr = None
    if invite_url:
        qr = Markup(segno.make(invite_url, error="m").svg_inline(scale=5, border=2))
    return render_template(
        "console/staff.html",
        people=staff.everyone(db.session),
        invite_url=invite_url,
        invite_qr=qr,
        minutes=int(staff.INVITE_TTL.total_seconds() // 60),
        errors=errors or {},
    ), status


@blueprint.get("/staff")
def staff_page():
    return _page()


@blueprint.post("/staff")
def invite_staff():
    try:
        token = staff.invite(db.session, request.form.get("name", ""), actor_name(), now())
    except DomainError as exc:
        return _page(errors=exc.fields, status=exc.status)
    base = current_app.config["PUBLIC_BASE_URL"]
    return _page(invite_url=base + url_for("h5.staff.bind", token=token))


@blueprint.post("/staff/<int:staff_id>/revoke")
def revoke_staff(staff_id: int):
    staff.revoke(db.session, staff_id)
    flash("Staff member revoked.")
    return redirect(url_for("console.staff_page"))
