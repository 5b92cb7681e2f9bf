"""Players' consent to subscription notices (订阅通知), as WeChat's callback reports it.

WeChat tells the account by three events on the message callback: ``subscribe_msg_popup_event``
(the player answered the win screen's ``wx-open-subscribe`` popup: accept or reject, per
template), ``subscribe_msg_change_event`` (turned off later in WeChat's notice settings: only
rejects are pushed) and ``subscribe_msg_sent_event`` (the fate of a bizsend; 43101 there means
the player refused it). An official account's subscription notices stand once accepted until
the player turns them off, so one row per (openid, template id) holds the last word; an event
older than what is stored (a late retry, two taps within a second) never overwrites it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from campaigns.core.clock import utc_naive
from campaigns.models import NoticeConsent
from campaigns.models.notices import ConsentStatus

POPUP = "subscribe_msg_popup_event"
CHANGE = "subscribe_msg_change_event"
SENT = "subscribe_msg_sent_event"
# The element holding the event's <List> items. WeChat's own sample of the change event names it
# SubscribeMsgPopupEvent too (a documented slip), so every name is looked for in every event.
CONTAINERS = ("SubscribeMsgPopupEvent", "SubscribeMsgChangeEvent", "SubscribeMsgSentEvent")
REFUSED = "43101"  # bizsend's and the sent event's "the user refused"
SOURCES = {POPUP: "popup", CHANGE: "change", SENT: "refused"}


def items(message) -> list[dict]:
    """The event's <List> entries as dicts (one entry arrives as a dict, several as a list)."""
    data = message._data  # wechatpy keeps unknown events' fields as parsed
    for name in CONTAINERS:
        container = data.get(name)
        if isinstance(container, dict):
            entries = container.get("List")
            entries = entries if isinstance(entries, list) else [entries]
            return [e for e in entries if isinstance(e, dict)]
    return []


def heard(session, message, event: str) -> int:
    """Record what a subscription event says; returns how many consents changed."""
    moment = datetime.fromtimestamp(int(message.time), UTC)
    changed = 0
    for entry in items(message):
        template_id = entry.get("TemplateId")
        if not isinstance(template_id, str) or not template_id.strip():
            continue
        if event == SENT:
            if str(entry.get("ErrorCode") or "0") != REFUSED:
                continue  # delivered, or failed for a reason that leaves the consent standing
            status = ConsentStatus.REJECT
        else:
            status = entry.get("SubscribeStatusString")
            if status not in (ConsentStatus.ACCEPT, ConsentStatus.REJECT):
                continue
        changed += set_consent(
            session, message.source, template_id.strip(), status, SOURCES[event], moment
        )
    return changed


def set_consent(session, openid: str, template_id: str, status: str, source: str, at) -> int:
    """Store the consent unless a newer word is stored already (idempotent: the same event
    twice changes nothing the second time)."""
    stamp = utc_naive(at)
    values = {"status": status, "source": source[:8], "changed_at": stamp}
    result = session.execute(
        update(NoticeConsent)
        .where(
            NoticeConsent.openid == openid,
            NoticeConsent.template_id == template_id[:128],
            NoticeConsent.changed_at <= stamp,
        )
        .values(**values)
    )
    session.commit()
    if result.rowcount:
        return 1
    exists = session.scalar(
        select(NoticeConsent.id).where(
            NoticeConsent.openid == openid, NoticeConsent.template_id == template_id[:128]
        )
    )
    if exists is not None:
        return 0  # a newer word stands
    try:
        session.add(NoticeConsent(openid=openid, template_id=template_id[:128], **values))
        session.commit()
    except IntegrityError:  # the same event's retry, handled at the same moment elsewhere
        session.rollback()
        return 0
    return 1


def accepted(session, openid: str, template_id: str) -> bool:
    if not template_id:
        return False
    status = session.scalar(
        select(NoticeConsent.status).where(
            NoticeConsent.openid == openid, NoticeConsent.template_id == template_id
        )
    )
    return status == ConsentStatus.ACCEPT


def withdrawn(session, openid: str, template_id: str, now) -> None:
    """bizsend answered 43101: the player turned the notices off and we were not told. WeChat's
    word at the moment of sending outranks every event stored before it, whatever the two
    clocks (WeChat's CreateTime, ours) say, so the stored moment only moves forward."""
    stored = session.scalar(
        select(NoticeConsent).where(
            NoticeConsent.openid == openid, NoticeConsent.template_id == template_id
        )
    )
    if stored is None:
        set_consent(session, openid, template_id, ConsentStatus.REJECT, "refused", now)
        return
    stored.status, stored.source = ConsentStatus.REJECT, "refused"
    stored.changed_at = max(stored.changed_at, utc_naive(now))
    session.commit()
