"""Admin API views: parse with a schema, call a domain function, dump with a schema."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from campaigns.core import services, urls
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.core.services import redis_clients
from campaigns.jobs import ledger_writer
from campaigns.ledger import chain
from campaigns.management import campaign_admin
from campaigns.models import Campaign
from campaigns.play import load_campaign
from campaigns.web import ratelimits
from campaigns.web.admin_api.auth import rate_limit_key, require
from campaigns.web.admin_api.parsing import JsonParser
from campaigns.web.admin_api.schemas import (
    GAME_SETTINGS,
    CampaignIn,
    CampaignOut,
    StatusIn,
    campaign_patch,
)
from campaigns.web.extensions import db
from campaigns.web.streaming import streamed
from games import registry

blueprint = Blueprint("admin_api", __name__, url_prefix="/api", description="Admin API")
blueprint.ARGUMENTS_PARSER = JsonParser()
ratelimits.limit(ratelimits.ADMIN, key=rate_limit_key)(blueprint)
SECURED = {"security": [{"bearerAuth": []}]}


def campaign_out(campaign: Campaign) -> dict:
    awarded = campaign_admin.awarded_by_prize(db.session, campaign.id)
    zone = campaign.zone
    return {
        **{name: getattr(campaign, name) for name in campaign_admin.SCALAR_FIELDS},
        **{s.name: (campaign.game_settings or {}).get(s.name) for s in GAME_SETTINGS},
        "id": campaign.id,
        "status": campaign.status,
        "starts_at": campaign.starts_utc.astimezone(zone).isoformat(),
        "ends_at": campaign.ends_utc.astimezone(zone).isoformat(),
        "prizes": [
            {
                "id": p.id,
                "name": p.name,
                "stock": p.stock,
                "probability": p.probability,
                "pacing": p.pacing,
                "image_url": p.image_url,
                "kind": p.kind,
                "amount_fen": p.amount_fen,
                "claim_days": p.claim_days,
                "awarded": awarded.get(p.id, 0),
            }
            for p in campaign.prizes
        ],
        "questions": campaign.questions,
        "seed_commitment": campaign.seed_commitment,
        "chain_head": chain.head(db.session, campaign)[1],
        "seed": campaign.seed if campaign.status == "ended" else None,
        "warnings": campaign_admin.warnings(campaign),
        "game_url": urls.game_url(current_app.config["PUBLIC_BASE_URL"], campaign.id),
        "created_at": campaign.created_at.isoformat() + "Z",
        "updated_at": campaign.updated_at.isoformat() + "Z",
    }


@blueprint.route("/campaigns")
class Campaigns(MethodView):
    @require()
    @blueprint.doc(**SECURED)
    @blueprint.response(200, CampaignOut(many=True))
    def get(self):
        """List campaigns, newest first."""
        rows = db.session.scalars(db.select(Campaign).order_by(Campaign.id.desc())).all()
        return [campaign_out(c) for c in rows]

    @require("marketer")
    @blueprint.doc(**SECURED)
    @blueprint.arguments(CampaignIn)
    @blueprint.response(201, CampaignOut)
    def post(self, data):
        """Create a campaign (a draft)."""
        return campaign_out(
            campaign_admin.create_campaign(db.session, data, g.actor.name, services.now())
        )


@blueprint.route("/campaigns/<int:campaign_id>")
class CampaignItem(MethodView):
    @require()
    @blueprint.doc(**SECURED)
    @blueprint.response(200, CampaignOut)
    def get(self, campaign_id: int):
        """Read one campaign."""
        return campaign_out(load_campaign(db.session, campaign_id))

    @require("marketer")
    @blueprint.doc(**SECURED)
    @blueprint.arguments(campaign_patch())
    @blueprint.response(200, CampaignOut)
    def patch(self, data, campaign_id: int):
        """Edit a campaign. Once published only name, rules, keyword, look and stock change."""
        campaign = load_campaign(db.session, campaign_id)
        campaign_admin.edit_campaign(
            db.session,
            redis_clients.counters,
            campaign,
            data,
            g.actor.name,
            services.now(),
            registry.get,
        )
        return campaign_out(campaign)


@blueprint.route("/campaigns/<int:campaign_id>/status")
class CampaignStatus(MethodView):
    @require("marketer")
    @blueprint.doc(**SECURED)
    @blueprint.arguments(StatusIn)
    @blueprint.response(200, CampaignOut)
    def post(self, data, campaign_id: int):
        """Publish (live), pause, resume (live) or end a campaign."""
        campaign = load_campaign(db.session, campaign_id)
        campaign_admin.change_status(
            db.session,
            redis_clients.counters,
            campaign,
            data["status"],
            g.actor.name,
            services.now(),
            registry.get(campaign.game),
        )
        return campaign_out(campaign)


@blueprint.route("/campaigns/<int:campaign_id>/audit")
class CampaignAudit(MethodView):
    @blueprint.doc(
        summary="The verifiable play log (public once the campaign has ended)",
        responses={
            200: {
                "description": "JSON lines: a header (prize table, commitment, revealed seed), "
                "then one hash-chained entry per play. Check it with campaigns/draw/verify.py.",
                "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
            },
            409: {"description": "The campaign has not ended: the seed is still secret."},
        },
    )
    def get(self, campaign_id: int):
        """Stream the audit of an ended campaign; anyone may fetch it, no token needed."""
        campaign = load_campaign(db.session, campaign_id)
        if campaign.status != "ended":
            raise DomainError(
                ErrorCode.CONFLICT,
                "The audit is published when the campaign ends (the seed is secret until then).",
                {"status": [campaign.status]},
            )
        finish_chain(
            db.session,
            redis_clients.counters,
            campaign,
            services.now(),
            current_app.config["SECRET_KEY"],
        )
        return streamed(partial(chain.audit_lines, campaign_id=campaign.id), "application/x-ndjson")


def finish_chain(session, redis, campaign, now, secret_key: str) -> None:
    """An ended campaign takes no plays: write what its streams hold and chain everything."""
    ledger_writer.drain_campaign(session, redis, campaign.id)
    chain.extend(session, redis, campaign, now, abandoned_after=timedelta(0))
