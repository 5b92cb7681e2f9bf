"""The campaign editor and the simulator."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from campaigns.core.errors import DomainError
from campaigns.core.services import now
from campaigns.management import campaign_admin, simulator
from campaigns.models.campaign import Status
from campaigns.play import load_campaign
from campaigns.web import ratelimits
from campaigns.web.admin_api.report_schemas import SimulationIn
from campaigns.web.console import blueprint, forms
from campaigns.web.console.auth import actor_name
from campaigns.web.console.common import apply_edit
from campaigns.web.extensions import db
from games import registry


def _editor(form: dict, errors: dict | None = None, campaign=None, status: int = 200):
    published = campaign is not None and campaign.status != Status.DRAFT
    return (
        render_template(
            "console/edit.html",
            form=form,
            errors=errors or {},
            campaign=campaign,
            published=published,
            editable=campaign_admin.EDITABLE_WHEN_PUBLISHED if published else None,
            games=registry.all_games(),
            question_games=[game.name for game in registry.all_games() if game.asks_questions],
        ),
        status,
    )


@blueprint.route("/campaigns/new", methods=["GET", "POST"])
def new_campaign():
    if request.method == "GET":
        return _editor(forms.blank(now()))
    form = forms.from_request(request.form)
    try:
        data = forms.validate_new(form)
    except ValidationError as exc:
        return _editor(form, exc.messages, status=422)
    campaign = campaign_admin.create_campaign(db.session, data, actor_name(), now())
    flash("Saved.")
    return redirect(url_for("console.simulate", campaign_id=campaign.id))


@blueprint.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit_campaign(campaign_id: int):
    campaign = load_campaign(db.session, campaign_id)
    if request.method == "GET":
        return _editor(forms.from_campaign(campaign), campaign=campaign)
    form = forms.from_request(request.form)
    try:
        changes = forms.changes_from(form, campaign)
        apply_edit(campaign, changes)
    except ValidationError as exc:
        db.session.rollback()
        return _editor({**forms.from_campaign(campaign), **form}, exc.messages, campaign, 422)
    except DomainError as exc:
        db.session.rollback()
        errors = forms.flatten(exc.fields) or {"_schema": [exc.message]}
        return _editor({**forms.from_campaign(campaign), **form}, errors, campaign, exc.status)
    flash("Saved.")
    return redirect(url_for("console.overview", campaign_id=campaign.id))


def _shows_the_form_only() -> bool:
    """Opening the simulate page runs nothing; only a submitted simulation counts."""
    return not any(request.args.get(name) for name in ("plays", "plays_per_day"))


@blueprint.get("/campaigns/<int:campaign_id>/simulate")
@ratelimits.limit(
    ratelimits.SIMULATION, key=ratelimits.console_user_or_ip, exempt_when=_shows_the_form_only
)
def simulate(campaign_id: int):
    campaign = load_campaign(db.session, campaign_id)
    errors, result = {}, None
    args = {k: v for k, v in request.args.items() if k in ("plays", "plays_per_day") and v}
    try:
        checked = SimulationIn().load(args)
    except ValidationError as exc:
        errors, checked = exc.messages, None
    if checked is not None and args:
        result = simulator.for_campaign(campaign, checked["plays"], checked["plays_per_day"])
    values = {"plays": "10000", "plays_per_day": "1000", **request.args}
    status = 422 if errors else 200
    return render_template(
        "console/simulate.html", campaign=campaign, result=result, errors=errors, values=values
    ), status
