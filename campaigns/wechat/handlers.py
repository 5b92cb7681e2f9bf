"""What each WeChat message or event does: store follow events with their campaign; answer a
follow with the account's welcome and the live campaigns, a scan, a menu click or a keyword with
the campaign's game link, any other text with the keywords that work. Plain functions of
(session, clock, settings, message); no WeChat API call happens here, so the callback answers
well inside WeChat's 5 seconds.
"""

from __future__ import annotations

from urllib.parse import unquote

from sqlalchemy import select
from wechatpy.replies import BaseReply

from campaigns.core import urls
from campaigns.core.clock import as_utc, utc_naive
from campaigns.management import keywords
from campaigns.models import Campaign, FollowEvent
from campaigns.models.campaign import Status
from campaigns.wechat import consents, dedupe, followers, notices, replies
from campaigns.wechat.config import WeChatSettings
from campaigns.wechat.menu import live_campaigns
from campaigns.wechat.qr import SCENE


def scene_campaign(session, scene: str | None) -> int | None:
    """The campaign a QR scene (``campaign-<id>``) or menu key names, if it exists."""
    match = SCENE.match(scene or "")
    if match is None:
        return None
    campaign_id = int(match.group(1))
    return campaign_id if session.get(Campaign, campaign_id) is not None else None


def url_campaign(session, url: str | None) -> int | None:
    """The campaign whose game page a menu VIEW URL opens (directly or as OAuth's ``next``)."""
    match = urls.GAME_PATH.search(unquote(unquote(url or "")))
    if match is None:
        return None
    campaign_id = int(match.group(1))
    return campaign_id if session.get(Campaign, campaign_id) is not None else None


def handle(session, clock, settings: WeChatSettings, message) -> BaseReply | None:
    handler = HANDLERS.get(dedupe.kind(message))
    if handler is None:
        return None
    return handler(session, clock, settings, message)


def _record(session, clock, openid: str, event: str, campaign_id, scene=None) -> None:
    session.add(
        FollowEvent(
            openid=openid,
            event=event,
            campaign_id=campaign_id,
            scene=(scene or None) and scene[:64],
            created_at=utc_naive(clock.now()),
        )
    )
    session.commit()


def _on_subscribe(session, clock, settings, message):
    """The welcome, then the live campaigns' links: the one whose QR code was scanned first
    (or a line saying it is not open)."""
    scene = getattr(message, "scene_id", None)  # only on subscribe_scan (qrscene_ stripped)
    campaign_id = scene_campaign(session, scene)
    _record(session, clock, message.source, "subscribe", campaign_id, scene)
    followers.current().heard(message.source, following=True)
    now = clock.now()
    lines = []
    if campaign_id is not None:
        scanned = session.get(Campaign, campaign_id)
        lines.append(_link_or_not_open(settings, scanned, now))
    lines += [
        replies.link(c, settings.game_url(c.id))
        for c in live_campaigns(session, now)
        if c.id != campaign_id
    ]
    return _text(message, replies.welcome(settings.welcome_text, lines))


def _on_scan(session, clock, settings, message):
    campaign_id = scene_campaign(session, message.scene_id)
    _record(session, clock, message.source, "scan", campaign_id, message.scene_id)
    return _link_reply(session, clock, settings, message, campaign_id)


def _on_unsubscribe(session, clock, settings, message):
    """An unfollow is charged to the campaign the follower last followed through (the
    report's "unfollowed since"), or to none for an organic follower."""
    last_follow = session.scalar(
        select(FollowEvent)
        .where(FollowEvent.openid == message.source, FollowEvent.event == "subscribe")
        .order_by(FollowEvent.created_at.desc(), FollowEvent.id.desc())
        .limit(1)
    )
    campaign_id = last_follow.campaign_id if last_follow else None
    _record(session, clock, message.source, "unsubscribe", campaign_id)
    followers.current().heard(message.source, following=False)
    return None


def _on_click(session, clock, settings, message):
    campaign_id = scene_campaign(session, message.key)
    _record(session, clock, message.source, "click", campaign_id, message.key)
    return _link_reply(session, clock, settings, message, campaign_id)


def _on_view(session, clock, settings, message):
    _record(session, clock, message.source, "view", url_campaign(session, message.url))
    return None  # WeChat shows no reply to a VIEW: the phone is already opening the page


def _on_text(session, clock, settings, message):
    now = clock.now()
    campaign = keywords.answering(session, message.content, now)
    if campaign is None:
        return _text(message, replies.help_text(keywords.open_keywords(session, now)))
    return _text(message, replies.link(campaign, settings.game_url(campaign.id)))


def _on_template_report(session, clock, settings, message):
    notices.record_delivery_report(session, message.source, message.id, message.status, clock)
    return None


def _on_subscription_event(session, clock, settings, message):
    """Consent to subscription notices given, refused or withdrawn (consents.py)."""
    consents.heard(session, message, dedupe.kind(message))
    return None


def _link_reply(session, clock, settings, message, campaign_id):
    if campaign_id is None:
        return None
    campaign = session.get(Campaign, campaign_id)
    return _text(message, _link_or_not_open(settings, campaign, clock.now()))


def _link_or_not_open(settings, campaign: Campaign, now) -> str:
    live = campaign.status == Status.LIVE.value
    if live and as_utc(campaign.starts_at) <= now < as_utc(campaign.ends_at):
        return replies.link(campaign, settings.game_url(campaign.id))
    return replies.not_open(campaign)


def _text(message, content: str) -> replies.Text:
    return replies.Text(message=message, content=content)


HANDLERS = {
    "subscribe": _on_subscribe,
    "subscribe_scan": _on_subscribe,
    "scan": _on_scan,
    "unsubscribe": _on_unsubscribe,
    "click": _on_click,
    "view": _on_view,
    "text": _on_text,
    "templatesendjobfinish": _on_template_report,
    consents.POPUP: _on_subscription_event,
    consents.CHANGE: _on_subscription_event,
    consents.SENT: _on_subscription_event,
}
