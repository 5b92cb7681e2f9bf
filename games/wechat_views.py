"""The player pages' WeChat parts: the campaign's follow QR code and the JS-SDK configuration
(the page sets its share title and image with it; sharing earns nothing, by WeChat's rules)."""

from __future__ import annotations

import requests
from flask import Blueprint, Response, current_app, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates
from wechatpy.exceptions import WeChatException

from campaigns.core import services, urls
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.core.services import redis_clients
from campaigns.play import load_published_campaign
from campaigns.web import ratelimits
from campaigns.web.extensions import db
from campaigns.wechat import qr
from campaigns.wechat.clients import current_client
from campaigns.wechat.jssdk import js_sdk_config

blueprint = Blueprint("wechat", __name__)

WECHAT_DOWN = (WeChatException, requests.RequestException)


class JsSdkQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    url = fields.String(required=True, validate=validate.Length(min=1, max=1000))

    @validates("url")
    def _our_page(self, value: str, **_kwargs) -> None:
        # Sign only our own player pages: a signature is a grant to use the account's JS-SDK.
        if not value.startswith(current_app.config["PUBLIC_BASE_URL"] + urls.H5_PREFIX):
            raise ValidationError("Must be one of this server's /h5/ pages.")


class JsSdkOut(Schema):
    appId = fields.String()
    timestamp = fields.Integer()
    nonceStr = fields.String()
    signature = fields.String()


def _code_is_made() -> bool:
    """Serving a code already made costs WeChat nothing: only requests that would make one
    count against RATELIMIT_QR_CREATE."""
    campaign_id = (request.view_args or {}).get("campaign_id", 0)
    return qr.cached_qr(redis_clients.main, campaign_id) is not None


@blueprint.get("/<int:campaign_id>/follow-qr.svg")
@ratelimits.limit(
    ratelimits.QR_CREATE,
    key=ratelimits.client_ip,
    exempt_when=_code_is_made,
    deduct_when=ratelimits.made,
)
def follow_qr(campaign_id: int):
    """The campaign's own QR code (scene campaign-<id>), so a follow through it is credited."""
    campaign = load_published_campaign(db.session, campaign_id)
    try:
        code = qr.campaign_qr(current_client(), redis_clients.main, campaign)
    except WECHAT_DOWN as exc:
        raise DomainError(ErrorCode.UNAVAILABLE) from exc
    response = Response(qr.render_svg(code, scale=4), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 24 * 3600
    return response


@blueprint.get("/<int:campaign_id>/jssdk")
def jssdk(campaign_id: int):
    load_published_campaign(db.session, campaign_id)
    query = JsSdkQuery().load(request.args)
    try:
        config = js_sdk_config(current_client(), query["url"], services.now())
    except WECHAT_DOWN as exc:
        raise DomainError(ErrorCode.UNAVAILABLE) from exc
    return JsSdkOut().dump(config)
