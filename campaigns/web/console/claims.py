"""The prizes page: goods claims and shipping, cash payouts. Every console user sees the
statuses; the winners' names, phones and addresses only go out in the marketer's CSV
(``claims.csv``), and only a marketer uploads tracking numbers."""

from __future__ import annotations

import csv
import io

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from campaigns.core.clock import as_utc
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.core.services import now
from campaigns.models import Claim, Payout, Prize, Win
from campaigns.play import load_campaign
from campaigns.prizes import cash, claims, kinds
from campaigns.prizes.sealing import Sealer
from campaigns.reports import exports
from campaigns.web.console import blueprint, forms
from campaigns.web.extensions import db
from campaigns.wechat import notices


def _rows(campaign):
    rows = db.session.execute(
        select(Win, Claim, Payout)
        .outerjoin(Claim, Claim.win_id == Win.id)
        .outerjoin(Payout, Payout.win_id == Win.id)
        .where(Win.campaign_id == campaign.id, Win.prize.has(kinds_filter()))
        .order_by(Win.id)
    ).all()
    zone = campaign.zone
    for win, claim, payout in rows:
        yield {
            "code": win.code,
            "prize": win.prize.name,
            "kind": win.prize.kind,
            "won_local": kinds_local(win.created_at, zone),
            "status": kinds.status(win, claim, payout, now()),
            "courier": claim.courier if claim else None,
            "tracking_number": claim.tracking_number if claim else None,
            "payout_error": payout.error if payout else None,
            "win_id": win.id,
        }


def kinds_filter():
    return Prize.kind.in_(("goods", "cash"))


def kinds_local(moment, zone) -> str:
    return as_utc(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M")


@blueprint.get("/campaigns/<int:campaign_id>/claims")
def claims_page(campaign_id: int, errors: dict | None = None, status: int = 200):
    campaign = load_campaign(db.session, campaign_id)
    rows = list(_rows(campaign))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return render_template(
        "console/claims.html", campaign=campaign, rows=rows, counts=counts, errors=errors or {}
    ), status


@blueprint.get("/campaigns/<int:campaign_id>/claims.csv")
def claims_csv(campaign_id: int):
    """The warehouse's list with names, phones and addresses: marketers only."""
    if g.console_user.role != "marketer":
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "This needs the marketer role; analysts may only read.",
            {"role": [g.console_user.role]},
        )
    campaign = load_campaign(db.session, campaign_id)
    sealer = Sealer.from_config(current_app.config)
    rows = list(claims.claim_rows(db.session, campaign, now(), sealer))
    return Response(
        "".join(exports.csv_lines(claims.CSV_HEADER, rows)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="campaign-{campaign.id}-claims.csv"',
            "Cache-Control": "no-store",
        },
    )


@blueprint.post("/campaigns/<int:campaign_id>/shipments")
def upload_shipments(campaign_id: int):
    """A CSV of code, courier, tracking_number (the exported file, filled in, will do)."""
    campaign = load_campaign(db.session, campaign_id)
    upload = request.files.get("file")
    text = request.form.get("rows", "")
    if upload is not None and upload.filename:
        text = upload.read().decode("utf-8-sig", errors="replace")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    try:
        shipped = claims.ship(db.session, campaign.id, rows, now())
    except DomainError as exc:
        db.session.rollback()
        return claims_page(campaign_id, forms.flatten(exc.fields), exc.status)
    for win_id in shipped:
        notices.notify_shipped(win_id)
    flash("Shipments recorded.")
    return redirect(url_for("console.claims_page", campaign_id=campaign.id))


@blueprint.post("/campaigns/<int:campaign_id>/payouts/<int:win_id>/retry")
def retry_payout(campaign_id: int, win_id: int):
    load_campaign(db.session, campaign_id)
    cash.retry(db.session, campaign_id, win_id, current_app.config["WECHAT_PAY_MCH_ID"], now())
    flash("The red packet will be sent again.")
    return redirect(url_for("console.claims_page", campaign_id=campaign_id))
