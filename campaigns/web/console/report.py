"""The report page (charts from the same report as the API) and the console's CSV downloads."""

from __future__ import annotations

from flask import render_template

from campaigns.core.services import now, redis_clients
from campaigns.play import load_campaign
from campaigns.reports import exports, follower_check, reports
from campaigns.web.admin_api.report_schemas import ReportOut
from campaigns.web.admin_api.reports import csv_response
from campaigns.web.console import blueprint
from campaigns.web.extensions import db


@blueprint.get("/campaigns/<int:campaign_id>/report")
def report(campaign_id: int):
    campaign = load_campaign(db.session, campaign_id)
    checked = follower_check.latest(redis_clients.main, campaign.id, now())
    data = ReportOut().dump(
        reports.build(db.session, campaign, now(), checked, redis_clients.counters)
    )
    return render_template("console/report.html", campaign=campaign, report=data)


@blueprint.get("/campaigns/<int:campaign_id>/winners.csv")
def winners_csv(campaign_id: int):
    load_campaign(db.session, campaign_id)
    return csv_response(exports.winners_csv, campaign_id, "winners")


@blueprint.get("/campaigns/<int:campaign_id>/plays.csv")
def plays_csv(campaign_id: int):
    load_campaign(db.session, campaign_id)
    return csv_response(exports.plays_csv, campaign_id, "plays")
