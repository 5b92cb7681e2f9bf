"""Admin API routes of the WeChat integration: a campaign's poster QR code and the notice
status of its winners (on the admin API's blueprint)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields

from campaigns.core.services import redis_clients
from campaigns.play import load_campaign
from campaigns.web.admin_api.auth import require
from campaigns.web.admin_api.schemas import ErrorOut
from campaigns.web.admin_api.views import SECURED, blueprint
from campaigns.web.extensions import db
from campaigns.wechat import notices, qr
from campaigns.wechat.clients import current_client

IMAGE_RESPONSE = {
    200: {
        "description": "The campaign's permanent WeChat QR code (scene campaign-<id>)",
        "content": {"image/png": {}, "image/svg+xml": {}},
    },
    503: {
        "description": "WeChat's API, which makes the code, could not be reached; retry later",
        "content": {"application/json": {"schema": ErrorOut}},
    },
}


class WinnerNoticeOut(Schema):
    win_id = fields.Integer()
    prize = fields.String()
    openid = fields.String(metadata={"description": "masked"})
    won_at = fields.DateTime()
    redeemed_at = fields.DateTime(allow_none=True)
    notice_status = fields.String()
    notice_attempts = fields.Integer()
    notice_sent_at = fields.DateTime(allow_none=True)


def _qr(campaign_id: int) -> qr.CampaignQr:
    campaign = load_campaign(db.session, campaign_id)
    return qr.campaign_qr(current_client(), redis_clients.main, campaign)


@blueprint.route("/campaigns/<int:campaign_id>/qr.png")
class CampaignQrPng(MethodView):
    @require()
    @blueprint.doc(**SECURED, responses=IMAGE_RESPONSE)
    def get(self, campaign_id: int):
        """The campaign's QR code as a PNG for posters."""
        return Response(qr.render_png(_qr(campaign_id)), mimetype="image/png")


@blueprint.route("/campaigns/<int:campaign_id>/qr.svg")
class CampaignQrSvg(MethodView):
    @require()
    @blueprint.doc(**SECURED, responses=IMAGE_RESPONSE)
    def get(self, campaign_id: int):
        """The campaign's QR code as SVG for print."""
        return Response(qr.render_svg(_qr(campaign_id)), mimetype="image/svg+xml")


@blueprint.route("/campaigns/<int:campaign_id>/winners")
class CampaignWinners(MethodView):
    @require()
    @blueprint.doc(**SECURED)
    @blueprint.response(200, WinnerNoticeOut(many=True))
    def get(self, campaign_id: int):
        """Each win of the campaign with its winner notice's status."""
        load_campaign(db.session, campaign_id)
        return notices.winner_notices(db.session, campaign_id)
