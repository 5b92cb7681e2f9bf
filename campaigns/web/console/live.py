"""A campaign's overview: publishing, live controls, stock, the audit log, verifiable draws."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext
from marshmallow import ValidationError
from sqlalchemy import select

from campaigns.core.errors import DomainError, ErrorCode
from campaigns.core.services import now, redis_clients
from campaigns.ledger import chain, writer
from campaigns.management import campaign_admin
from campaigns.models import AuditEntry
from campaigns.play import load_campaign
from campaigns.web.console import blueprint, forms, local_time, percent
from campaigns.web.console.auth import actor_name
from campaigns.web.console.common import apply_edit, game_url
from campaigns.web.extensions import db
from campaigns.web.i18n import N_
from campaigns.wechat import poster, qr
from campaigns.wechat.clients import current_client
from games import registry

AUDIT_ROWS = 200
GO_LIVE_UNCONFIRMED = N_(
    "Tick the box to confirm the summary: the odds and prizes cannot change once live."
)
# What the audit log calls each action (campaign_admin records them by these names).
AUDIT_ACTIONS = {"create": N_("Created"), "status": N_("Status changed"), "update": N_("Edited")}


def _audit(campaign_id: int) -> list[AuditEntry]:
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.campaign_id == campaign_id)
        .order_by(AuditEntry.id.desc())
        .limit(AUDIT_ROWS)
    ).all()


def changes(before: dict | None, after: dict | None) -> list[tuple[str, object, object]]:
    """The fields an audit entry changed, prize by prize: (field, before, after)."""
    before, after = before or {}, after or {}
    rows = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if key == "prizes" and isinstance(old, list) and isinstance(new, list):
            olds = {p.get("id"): p for p in old}
            for prize in new:
                previous = olds.get(prize.get("id"), {})
                for field in ("name", "stock", "image_url"):
                    if previous.get(field) != prize.get(field):
                        rows.append(
                            (f"{prize.get('name')}: {field}", previous.get(field), prize.get(field))
                        )
        elif key == "prizes" and isinstance(new, list):  # the table committed at go-live
            table = ", ".join(f"{p.get('name')} {percent(p.get('probability'))}" for p in new)
            rows.append((key, None, table))
        elif old != new:
            rows.append((key, old, new))
    return rows


@blueprint.get("/campaigns/<int:campaign_id>")
def overview(
    campaign_id: int, errors: dict | None = None, status: int = 200, typed: dict | None = None
):
    """``typed``: what a refused form held, shown again beside its errors (never the old value)."""
    campaign = load_campaign(db.session, campaign_id)
    ledger = None
    if campaign.seed:  # published: its plays reach SQL through the streams
        held = writer.backlog(redis_clients.counters, campaign.id, campaign.shards)
        waited_ms = held.waited_ms(writer.redis_time_ms(redis_clients.counters)) or 0
        ledger = {
            "backlog": held.plays,
            "bound": current_app.config["LEDGER_BACKLOG_MAX"],
            "waited_s": round(waited_ms / 1000, 1),
        }
    return render_template(
        "console/overview.html",
        campaign=campaign,
        awarded=campaign_admin.awarded_by_prize(db.session, campaign.id),
        audit=_audit(campaign.id),
        changes=changes,
        actions=AUDIT_ACTIONS,
        chain_head=chain.head(db.session, campaign)[1],
        game_url=game_url(campaign),
        errors=errors or {},
        typed=typed or {},
        ledger=ledger,
    ), status


@blueprint.get("/campaigns/<int:campaign_id>/publish")
def publish(campaign_id: int):
    campaign = load_campaign(db.session, campaign_id)
    return render_template(
        "console/publish.html",
        campaign=campaign,
        problems=campaign_admin.publish_problems(
            db.session, campaign, now(), registry.get(campaign.game)
        ),
        warnings=campaign_admin.warnings(campaign),
        game_url=game_url(campaign),
    )


@blueprint.post("/campaigns/<int:campaign_id>/status")
def change_status(campaign_id: int):
    campaign = load_campaign(db.session, campaign_id)
    target = request.form.get("status", "")
    if target not in ("live", "paused", "ended"):
        raise DomainError(
            ErrorCode.VALIDATION,
            "Some fields are invalid.",
            {"status": ["Must be one of: live, paused, ended."]},
        )
    if target == "live" and request.form.get("confirm") != "yes":
        # The odds and prizes freeze at go-live: the publish page shows what freezes beside a
        # box to tick, and a go-live without the tick changes nothing.
        problems = campaign_admin.publish_problems(
            db.session, campaign, now(), registry.get(campaign.game)
        )
        raise DomainError(
            ErrorCode.VALIDATION,
            "The campaign cannot go live yet.",
            {**problems, "confirm": [GO_LIVE_UNCONFIRMED]},
        )
    campaign_admin.change_status(
        db.session,
        redis_clients.counters,
        campaign,
        target,
        actor_name(),
        now(),
        registry.get(campaign.game),
    )
    flash("Saved.")
    return redirect(url_for("console.overview", campaign_id=campaign.id))


@blueprint.post("/campaigns/<int:campaign_id>/stock")
def change_stock(campaign_id: int):
    """Raise (or lower to what is awarded) the stock of a published campaign's prizes."""
    campaign = load_campaign(db.session, campaign_id)
    rows = forms.from_campaign(campaign)["prizes"]
    typed = {}
    for index, row in enumerate(rows):
        row["stock"] = request.form.get(f"prizes.{index}.stock", row["stock"])
        typed[f"prizes.{index}.stock"] = row["stock"]
    try:
        changes = forms.changes_from({"prizes": rows}, campaign)
        apply_edit(campaign, changes)
    except ValidationError as exc:
        db.session.rollback()
        return overview(campaign_id, exc.messages, 422, typed)
    except DomainError as exc:
        db.session.rollback()
        return overview(campaign_id, forms.flatten(exc.fields), exc.status, typed)
    flash("Saved.")
    return redirect(url_for("console.overview", campaign_id=campaign.id))


@blueprint.get("/campaigns/<int:campaign_id>/qr.<kind>")
def qr_code(campaign_id: int, kind: str):
    """The campaign's parametric WeChat QR code (scene campaign-<id>) for posters."""
    render = {"png": (qr.render_png, "image/png"), "svg": (qr.render_svg, "image/svg+xml")}
    if kind not in render:
        abort(404)
    campaign = load_campaign(db.session, campaign_id)
    draw, mimetype = render[kind]
    image = draw(qr.campaign_qr(current_client(), redis_clients.main, campaign))
    return Response(
        image,
        mimetype=mimetype,
        headers={"Content-Disposition": f'inline; filename="campaign-{campaign.id}-qr.{kind}"'},
    )


@blueprint.get("/campaigns/<int:campaign_id>/poster.<kind>")
def poster_file(campaign_id: int, kind: str):
    """A printable poster (``?size=a4`` or ``phone``) around the campaign's WeChat QR code, in
    the campaign's language: it is for the players who walk past it."""
    size = request.args.get("size", "a4")
    if kind not in poster.KINDS:
        abort(404)
    if size not in poster.SIZES:
        raise DomainError(
            ErrorCode.VALIDATION,
            "Some fields are invalid.",
            {"size": [f"Must be one of: {', '.join(poster.SIZES)}."]},
        )
    campaign = load_campaign(db.session, campaign_id)
    code = qr.campaign_qr(current_client(), redis_clients.main, campaign)
    starts, ends = (
        local_time(at, campaign.zone) for at in (campaign.starts_utc, campaign.ends_utc)
    )
    with force_locale(campaign.language):
        words = poster.PosterWords(
            title=(campaign.look or {}).get("title") or campaign.name,
            dates=f"{starts} – {ends}",
            scan=gettext("Scan with WeChat to play"),
            keyword=gettext("Or reply %(keyword)s to the account", keyword=campaign.keyword)
            if campaign.keyword
            else None,
            rules=campaign.rules or "",
        )
    config = current_app.config
    banner = poster.fetch_banner(
        (campaign.look or {}).get("banner_url"), config["POSTER_BANNER_FROM_PRIVATE"]
    )
    image = poster.render(code, campaign.look, words, size, kind, config["POSTER_FONT"], banner)
    return Response(
        image,
        mimetype=poster.KINDS[kind],
        headers={
            "Content-Disposition": f'inline; filename="campaign-{campaign.id}-poster-{size}.{kind}"'
        },
    )
