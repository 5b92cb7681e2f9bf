"""The admin API of prizes after the draw: the claims export for the warehouse (marketers only:
it holds winners' names, phones and addresses), the shipments upload, cash payouts."""

from __future__ import annotations

import csv
import io

from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import Schema, fields

from campaigns.core import services
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.play import load_campaign
from campaigns.prizes import cash, claims
from campaigns.prizes.sealing import Sealer
from campaigns.reports import exports
from campaigns.web.admin_api.auth import require
from campaigns.web.admin_api.reports import CSV_RESPONSE
from campaigns.web.admin_api.views import SECURED, blueprint
from campaigns.web.extensions import db
from campaigns.wechat import notices

MAX_SHIPMENT_ROWS = 5_000


class ShipmentsOut(Schema):
    shipped = fields.Integer(metadata={"description": "claims newly shipped or corrected"})
    rows = fields.Integer(metadata={"description": "rows uploaded"})


class PayoutOut(Schema):
    win_id = fields.Integer()
    bill_no = fields.String(metadata={"description": "WeChat Pay's mch_billno, one per win"})
    amount_fen = fields.Integer()
    status = fields.String(metadata={"description": "pending, sending, paid or failed"})
    attempts = fields.Integer()
    error = fields.String(allow_none=True, metadata={"description": "WeChat Pay's last word"})
    paid_at = fields.String(allow_none=True)


class PayoutsOut(Schema):
    payouts = fields.List(fields.Nested(PayoutOut))


@blueprint.route("/campaigns/<int:campaign_id>/claims.csv")
class ClaimsCsv(MethodView):
    @require("marketer")
    @blueprint.doc(**SECURED, responses=CSV_RESPONSE)
    def get(self, campaign_id: int):
        """Goods wins for the warehouse: code, prize, status, the winner's name, phone and
        address (opened from their sealed form), courier and tracking number. Marketers only."""
        campaign = load_campaign(db.session, campaign_id)
        sealer = Sealer.from_config(current_app.config)
        rows = list(claims.claim_rows(db.session, campaign, services.now(), sealer))
        body = "".join(exports.csv_lines(claims.CSV_HEADER, rows))
        return Response(
            body,
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="campaign-{campaign.id}-claims.csv"',
                "Cache-Control": "no-store",
            },
        )


def _shipment_rows() -> list:
    """The upload as rows of code, courier, tracking_number: a JSON array, or CSV with that
    header (``text/csv``; a BOM and extra columns are fine)."""
    if request.mimetype == "text/csv":
        text = request.get_data().decode("utf-8-sig", errors="replace")
        return list(csv.DictReader(io.StringIO(text)))
    body = request.get_json(silent=True)
    if not isinstance(body, list):
        raise DomainError(
            ErrorCode.VALIDATION,
            "Send a JSON array of {code, courier, tracking_number}, or CSV (text/csv).",
            {"rows": ["A JSON array or CSV rows."]},
        )
    return body


@blueprint.route("/campaigns/<int:campaign_id>/shipments")
class Shipments(MethodView):
    @require("marketer")
    @blueprint.doc(
        **SECURED,
        summary="Upload tracking numbers",
        requestBody={
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "courier": {"type": "string"},
                                "tracking_number": {"type": "string"},
                            },
                        },
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
            }
        },
    )
    @blueprint.response(200, ShipmentsOut)
    def post(self, campaign_id: int):
        """Rows of code, courier, tracking_number: each claim becomes shipped and its winner is
        told. Any bad row refuses the upload (422 naming rows.<n>.<field>); nothing changes."""
        campaign = load_campaign(db.session, campaign_id)
        rows = _shipment_rows()
        if len(rows) > MAX_SHIPMENT_ROWS:
            raise DomainError(
                ErrorCode.VALIDATION,
                "Too many rows.",
                {"rows": [f"At most {MAX_SHIPMENT_ROWS} rows per upload."]},
            )
        shipped = claims.ship(db.session, campaign.id, rows, services.now())
        for win_id in shipped:
            notices.notify_shipped(win_id)
        return {"shipped": len(shipped), "rows": len(rows)}


@blueprint.route("/campaigns/<int:campaign_id>/payouts")
class Payouts(MethodView):
    @require()
    @blueprint.doc(**SECURED)
    @blueprint.response(200, PayoutsOut)
    def get(self, campaign_id: int):
        """Cash prizes' red packets: bill number, amount, status (pending, sending, paid,
        failed), attempts and WeChat Pay's last refusal."""
        load_campaign(db.session, campaign_id)
        return {"payouts": cash.payouts(db.session, campaign_id)}


@blueprint.route("/campaigns/<int:campaign_id>/payouts/<int:win_id>/retry")
class PayoutRetry(MethodView):
    @require("marketer")
    @blueprint.doc(**SECURED)
    @blueprint.response(200, PayoutOut)
    def post(self, campaign_id: int, win_id: int):
        """Send a failed red packet again, under its same bill number (never paid twice)."""
        load_campaign(db.session, campaign_id)
        return cash.retry(
            db.session,
            campaign_id,
            win_id,
            current_app.config["WECHAT_PAY_MCH_ID"],
            services.now(),
        )
