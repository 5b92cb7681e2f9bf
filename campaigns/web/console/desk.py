"""The redemption desk: store staff look a code up and mark it redeemed, once."""

from __future__ import annotations

from flask import flash, render_template, request

from campaigns.core.errors import DomainError, ErrorCode
from campaigns.core.services import now
from campaigns.management import redemption
from campaigns.web import ratelimits
from campaigns.web.console import blueprint
from campaigns.web.console.auth import actor_name
from campaigns.web.extensions import db


@blueprint.route("/redeem", methods=["GET", "POST"])
@ratelimits.limit(
    ratelimits.REDEEM, key=ratelimits.console_user_or_ip, deduct_when=ratelimits.missed
)
def desk():
    code = (request.form.get("code") or request.args.get("code") or "").strip()
    found, error, status = None, None, 200
    if code:
        try:
            if request.method == "POST":
                found = redemption.redeem(db.session, code, actor_name(), now())
                flash("Redemption recorded.")
            else:
                found = redemption.describe(db.session, redemption.find(db.session, code))
        except DomainError as exc:
            error, status = exc, exc.status
            if exc.code is ErrorCode.ALREADY_REDEEMED:
                found = redemption.describe(db.session, redemption.find(db.session, code))
    return render_template("console/desk.html", code=code, found=found, error=error), status
