"""Report, exports, simulator and redemption endpoints of the admin API."""

from __future__ import annotations

from functools import partial

from flask import Response, g
from flask.views import MethodView

from campaigns.core import services
from campaigns.core.services import redis_clients
from campaigns.management import redemption, simulator
from campaigns.play import load_campaign
from campaigns.reports import exports, follower_check, reports
from campaigns.web import ratelimits
from campaigns.web.admin_api.auth import rate_limit_key, require
from campaigns.web.admin_api.report_schemas import (
    RedemptionOut,
    ReportOut,
    SimulationIn,
    SimulationOut,
)
from campaigns.web.admin_api.views import SECURED, blueprint
from campaigns.web.extensions import db
from campaigns.web.streaming import streamed

CSV_RESPONSE = {
    200: {
        "description": "UTF-8 CSV with a BOM, streamed; formula-like cells start with '",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def csv_response(export, campaign_id: int, kind: str) -> Response:
    """``export(session, campaign_id)`` streamed as ``campaign-<id>-<kind>.csv``, with how far
    SQL is behind the plays in two headers (``X-Ledger-As-Of``, ``X-Plays-Not-Written``): the
    CSV itself stays plain rows."""
    campaign = load_campaign(db.session, campaign_id)
    lag = reports.ledger_lag(redis_clients.counters, campaign, services.now())
    return streamed(
        partial(export, campaign_id=campaign_id),
        "text/csv",
        {
            "Content-Disposition": f'attachment; filename="campaign-{campaign_id}-{kind}.csv"',
            "X-Ledger-As-Of": lag["as_of"] or "",
            "X-Plays-Not-Written": ""
            if lag["plays_not_written"] is None
            else str(lag["plays_not_written"]),
        },
    )


@blueprint.route("/campaigns/<int:campaign_id>/report")
class CampaignReport(MethodView):
    @require()
    @blueprint.doc(**SECURED)
    @blueprint.response(200, ReportOut)
    def get(self, campaign_id: int):
        """The campaign's report: funnel, prizes, plays by day and hour, follower gain (from
        our follow events, with WeChat's last check of the new followers beside them)."""
        campaign, now = load_campaign(db.session, campaign_id), services.now()
        checked = follower_check.latest(redis_clients.main, campaign.id, now)
        return reports.build(db.session, campaign, now, checked, redis_clients.counters)


@blueprint.route("/campaigns/<int:campaign_id>/winners.csv")
class WinnersCsv(MethodView):
    @require()
    @blueprint.doc(**SECURED, responses=CSV_RESPONSE)
    def get(self, campaign_id: int):
        """Winners: win time, prize, code, masked openid, redemption and notice status."""
        load_campaign(db.session, campaign_id)
        return csv_response(exports.winners_csv, campaign_id, "winners")


@blueprint.route("/campaigns/<int:campaign_id>/plays.csv")
class PlaysCsv(MethodView):
    @require()
    @blueprint.doc(**SECURED, responses=CSV_RESPONSE)
    def get(self, campaign_id: int):
        """Every play in sequence order (the player as the play log's pseudonym)."""
        load_campaign(db.session, campaign_id)
        return csv_response(exports.plays_csv, campaign_id, "plays")


@blueprint.route("/campaigns/<int:campaign_id>/simulation")
class CampaignSimulation(MethodView):
    @ratelimits.limit(ratelimits.SIMULATION, key=rate_limit_key)
    @require()
    @blueprint.doc(**SECURED)
    @blueprint.arguments(SimulationIn, location="query")
    @blueprint.response(200, SimulationOut)
    def get(self, args, campaign_id: int):
        """Simulate N plays of the prize table: no stock used, nothing written."""
        campaign = load_campaign(db.session, campaign_id)
        return simulator.for_campaign(campaign, args["plays"], args["plays_per_day"])


# Guessing codes: each unknown or malformed code counts against the token (or the IP).
_redeem_limit = ratelimits.limit(
    ratelimits.REDEEM, key=rate_limit_key, deduct_when=ratelimits.missed
)


@blueprint.route("/redemptions/<code>")
class Redemption(MethodView):
    @_redeem_limit
    @require()
    @blueprint.doc(**SECURED)
    @blueprint.response(200, RedemptionOut)
    def get(self, code: str):
        """Look a redemption code up: the prize, the masked winner, whether it was redeemed."""
        return redemption.describe(db.session, redemption.find(db.session, code))

    @_redeem_limit
    @require("marketer")
    @blueprint.doc(**SECURED, responses={409: {"description": "Already redeemed (when, by whom)"}})
    @blueprint.response(200, RedemptionOut)
    def post(self, code: str):
        """Mark a prize redeemed, once; a second try is 409 saying when and by whom."""
        return redemption.redeem(db.session, code, g.actor.name, services.now())
