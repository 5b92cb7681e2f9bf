"""The player's HTML pages: the game, its rules and "my prizes", dressed in the campaign's look.

A page carries no outcome: results arrive only in the response of a recorded play.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

import segno
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from markupsafe import Markup

from campaigns.core import services, urls
from campaigns.core.errors import DomainError
from campaigns.core.services import redis_clients
from campaigns.draw.engine import REDIS_DOWN
from campaigns.play import load_published_campaign
from campaigns.prizes import claims, winners
from campaigns.prizes.sealing import Sealer
from campaigns.reports.pageviews import record_view
from campaigns.web import i18n
from campaigns.web.extensions import db
from campaigns.web.i18n import N_
from campaigns.wechat import followers
from games import registry, standing
from games.assets import asset_url
from games.session import current_player
from games.words import script_words

blueprint = Blueprint("pages", __name__, template_folder="templates")

DEFAULT_LOOK = {"primary_color": "#D6202B", "background_color": "#FFF4E2"}
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
SAFE_URL = re.compile(r"^(https://|/)[^\s\"'<>()\\]*$")
# Refusal codes the page has a screen for (a play's error names one of these).
SCREENS = (
    "not_started",
    "ended",
    "not_live",
    "daily_limit",
    "total_limit",
    "not_following",
    "no_session",
    "rate_limited",
)


def _look(campaign) -> dict:
    """The campaign's look with defaults; colours and URLs are re-checked (they reach CSS)."""
    look = campaign.look or {}
    out = dict(DEFAULT_LOOK)
    for key in ("primary_color", "background_color"):
        if COLOR.match(look.get(key) or ""):
            out[key] = look[key]
    banner = look.get("banner_url") or ""
    out["banner_url"] = banner if SAFE_URL.match(banner) else None
    out["title"] = look.get("title") or campaign.name
    return out


def _on(color: str) -> str:
    """Black or white text, whichever reads better on ``color`` (WCAG relative luminance)."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#1f1a17" if luminance > 0.179 else "#ffffff"


def _look_css(look: dict) -> str:
    primary, background = look["primary_color"], look["background_color"]
    return (
        f":root{{--primary:{primary};--on-primary:{_on(primary)};"
        f"--bg:{background};--on-bg:{_on(background)}}}\n"
    )


def _share_image(look: dict) -> str | None:
    """WeChat needs an absolute URL for the share card's image; the banner when there is one."""
    banner = look.get("banner_url")
    if banner and banner.startswith("/"):
        return current_app.config["PUBLIC_BASE_URL"] + banner
    return banner


def _image_url(url: str | None) -> str | None:
    return url if url and SAFE_URL.match(url) else None


def _context(campaign, **extra) -> dict:
    look = _look(campaign)
    zone = campaign.zone
    fmt = "%Y-%m-%d %H:%M"
    return {
        "campaign": campaign,
        "lang": i18n.current_language(),
        "look": look,
        "look_css_url": url_for(
            "h5.pages.look_css",
            campaign_id=campaign.id,
            v=hashlib.sha256(_look_css(look).encode()).hexdigest()[:12],
        ),
        "starts": campaign.starts_utc.astimezone(zone).strftime(fmt),
        "ends": campaign.ends_utc.astimezone(zone).strftime(fmt),
        "asset_url": asset_url,
        "image_url": _image_url,
        **extra,
    }


def _signed_in_or_oauth():
    """The session's player, or None when the page must send the browser through OAuth."""
    try:
        return current_player()
    except DomainError:
        return None


def _to_oauth():
    return redirect(url_for("wechat_oauth.start", next=request.full_path.rstrip("?")))


@blueprint.get("/<int:campaign_id>/")
def game(campaign_id: int):
    campaign = load_published_campaign(db.session, campaign_id)
    player = _signed_in_or_oauth()
    if player is None:
        return _to_oauth()
    now = services.now()
    try:
        record_view(redis_clients.counters, campaign.id, now)
    except REDIS_DOWN:
        current_app.logger.warning("page view of campaign %s not counted: Redis down", campaign.id)
    screen = standing.refusal(db.session, campaign, player, now, followers.current())
    context = _context(
        campaign,
        screen=screen.value if screen else None,
        screens=SCREENS,
        plays_left=standing.plays_left_today(db.session, campaign, player.id, now),
        follow_qr_url=url_for("h5.wechat.follow_qr", campaign_id=campaign.id),
        winners=winners.latest(db.session, redis_clients.main, campaign)
        if campaign.show_winners
        else None,
        subscribe_template=_subscribe_template(),
    )
    context["config"] = _page_config(campaign, context)
    return render_template(f"h5/{campaign.game}.html", **context)


def _subscribe_template() -> str | None:
    """The subscription notice template the win screen offers, in WeChat's browser only (its
    open tag exists nowhere else; other browsers get no offer rather than a dead one)."""
    template = current_app.config["WECHAT_SUBSCRIBE_TEMPLATE_ID"].strip()
    in_wechat = "micromessenger" in (request.user_agent.string or "").lower()
    return template if template and in_wechat else None


def _page_config(campaign, context: dict) -> dict:
    """What the page's script needs, passed as JSON data (no inline script)."""
    t = script_words()
    config = {
        "campaign_id": campaign.id,
        "game": campaign.game,
        "urls": {
            "play": url_for("h5.play_once", campaign_id=campaign.id),
            "quiz": url_for("h5.quiz.start", campaign_id=campaign.id),
            "prizes": url_for("h5.pages.my_prizes", campaign_id=campaign.id),
        },
        "t": t,
        "prize_kinds": {str(p.id): p.kind for p in campaign.prizes},
        "share": {
            "title": context["look"]["title"],
            "desc": gettext(
                "%(starts)s to %(ends)s", starts=context["starts"], ends=context["ends"]
            ),
            "link": urls.game_url(current_app.config["PUBLIC_BASE_URL"], campaign.id),
            "image": _share_image(context["look"]),
            "jssdk": url_for("h5.wechat.jssdk", campaign_id=campaign.id),
            "sdk": asset_url("vendor/weixin-js-sdk/index.js"),
        },
    }
    config.update(registry.get(campaign.game).page_config(campaign, t))
    return config


@blueprint.get("/<int:campaign_id>/rules")
def rules(campaign_id: int):
    """The rules, and how to check the draws: the commitment while the campaign runs; once it
    has ended the revealed seed beside it, the audit and a command that verifies it."""
    campaign = load_published_campaign(db.session, campaign_id)
    audit_url = f"{current_app.config['PUBLIC_BASE_URL']}/api/campaigns/{campaign.id}/audit"
    revealed = campaign.status == "ended" and campaign.seed is not None
    return render_template(
        "h5/rules.html",
        **_context(
            campaign,
            audit_url=audit_url,
            revealed=revealed,
            ships_goods=any(p.kind == "goods" for p in campaign.prizes),
            pays_cash=any(p.kind == "cash" for p in campaign.prizes),
            purge_days=current_app.config["CLAIMS_PURGE_DAYS"],
        ),
    )


@blueprint.get("/<int:campaign_id>/prizes")
def my_prizes(campaign_id: int):
    """The player's wins by kind: a code (with its QR code), goods with the claim form (the
    address from WeChat's ``openAddress`` when the page is in WeChat, else typed), cash with
    its payment status; each with its deadline and status (expired once past it)."""
    campaign = load_published_campaign(db.session, campaign_id)
    player = _signed_in_or_oauth()
    if player is None:
        return _to_oauth()
    wins = claims.player_wins(
        db.session, campaign.id, player.id, services.now(), Sealer.from_config(current_app.config)
    )
    zone = campaign.zone

    def local(moment: str | None) -> str | None:
        if moment is None:
            return None
        return datetime.fromisoformat(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M")

    for win in wins:
        win["won_at_local"] = local(win["won_at"])
        win["deadline_local"] = local(win["deadline"])
        win["qr_svg"] = Markup(_code_qr(win["code"])) if win["kind"] == "code" else None
    config = {
        "claim_url": url_for("h5.prizes.claim", campaign_id=campaign.id, win_id=0),
        "jssdk": url_for("h5.wechat.jssdk", campaign_id=campaign.id),
        "sdk": asset_url("vendor/weixin-js-sdk/index.js"),
        "t": {
            "saved": gettext("Saved. We will ship it to this address."),
            "failed": gettext("Could not save; please check and try again."),
            "expired": gettext("The time to claim this prize has passed."),
        },
    }
    return render_template(
        "h5/prizes.html",
        **_context(
            campaign,
            wins=wins,
            config=config,
            fields=CLAIM_FIELDS,
            purge_days=current_app.config["CLAIMS_PURGE_DAYS"],
        ),
    )


# The claim form's fields: (name, label, autocomplete), in the order of WeChat's address card.
CLAIM_FIELDS = (
    ("name", N_("Recipient"), "name"),
    ("phone", N_("Mobile number"), "tel"),
    ("province", N_("Province"), "address-level1"),
    ("city", N_("City"), "address-level2"),
    ("district", N_("District"), "address-level3"),
    ("address", N_("Street address"), "street-address"),
)


def _code_qr(code: str) -> str:
    """The redemption code as an inline SVG QR code, for staff to scan."""
    return segno.make(code, error="m").svg_inline(scale=4, border=2, dark="#1f1a17")


@blueprint.get("/<int:campaign_id>/look.css")
def look_css(campaign_id: int):
    """The campaign's colours as CSS variables: a file, so the CSP needs no inline style."""
    campaign = load_published_campaign(db.session, campaign_id)
    css = _look_css(_look(campaign))
    response = Response(css, mimetype="text/css")
    digest = hashlib.sha256(css.encode()).hexdigest()[:12]
    if request.args.get("v") == digest:
        response.cache_control.max_age = 365 * 24 * 3600
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response
