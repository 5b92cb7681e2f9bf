"""Claim reminders: a win still waiting for its winner (goods not claimed, a code not redeemed)
is reminded once, ``CLAIM_REMINDER_DAYS`` before its prize's deadline, by the channel that
reaches the player (a subscription notice if they accepted it, else a template message to a
follower, else none: recorded as failed).

Found by the sweep (campaigns/jobs/schedule.py), which is at-least-once and runs every few
seconds: each due win gets one ``ClaimReminder`` row (its win id is unique, so finding it twice
makes one row), and one job per pending row sends it after moving it pending -> sending, so a
second job or a second sweep sends nothing more. A lost enqueue leaves the row pending for the
next sweep; an unknown outcome (a timeout after the request left) stays "sending", never sent
twice, as the shipping notice.

A prize whose ``claim_days`` are no longer than the lead time gets no reminder at all: its win
notice, sent when it was won, already told the winner the deadline was near, and a "last days"
reminder minutes after it would only repeat it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from campaigns.core import queues
from campaigns.core.clock import utc_naive
from campaigns.models import Campaign, Claim, ClaimReminder, Prize, Win
from campaigns.models.campaign import PrizeKind
from campaigns.models.notices import ReminderStatus
from campaigns.prizes import kinds
from campaigns.wechat import notice_template, notices

log = logging.getLogger(__name__)

REMIND_WORD = {"zh": "待领取", "en": "to claim"}
WAITING = (kinds.WinStatus.OPEN, kinds.WinStatus.UNCLAIMED)


def job_id(win_id: int) -> str:
    return f"reminder-win-{win_id}"


def due_wins(session, now, lead_days: int, limit: int = 500) -> list[int]:
    """Wins inside their last ``lead_days`` before the deadline, still waiting, not reminded."""
    prizes = session.execute(
        select(Prize.id, Prize.kind, Prize.claim_days)
        .join(Campaign, Campaign.id == Prize.campaign_id)
        .where(
            Prize.claim_days > lead_days,
            Prize.kind.in_((PrizeKind.CODE.value, PrizeKind.GOODS.value)),
            Campaign.seed.is_not(None),
        )
    ).all()
    found: list[int] = []
    for prize_id, kind, days in prizes:
        condition = [
            Win.prize_id == prize_id,
            Win.expired_at.is_(None),
            Win.redeemed_at.is_(None),
            Win.created_at <= utc_naive(now - timedelta(days=days - lead_days)),
            Win.created_at > utc_naive(now - timedelta(days=days)),
            ~exists().where(ClaimReminder.win_id == Win.id),
        ]
        if kind == PrizeKind.GOODS.value:
            condition.append(~exists().where(Claim.win_id == Win.id))
        found += session.scalars(
            select(Win.id).where(*condition).order_by(Win.id).limit(limit - len(found))
        ).all()
        if len(found) >= limit:
            break
    return found


def sweep(session, now, lead_days: int) -> int:
    """Give each due win its reminder row, then enqueue every pending one; returns how many
    were enqueued. Idempotent: the sweep runs it every few seconds."""
    for win_id in due_wins(session, now, lead_days):
        try:
            session.add(ClaimReminder(win_id=win_id, created_at=utc_naive(now)))
            session.commit()
        except IntegrityError:  # found by a sweep running at the same moment
            session.rollback()
    pending = session.scalars(
        select(ClaimReminder.win_id)
        .where(ClaimReminder.status == ReminderStatus.PENDING)
        .order_by(ClaimReminder.id)
        .limit(500)
    ).all()
    for win_id in pending:
        try:
            queues.enqueue(send_reminder, win_id, queue_name=queues.NOTICES, job_id=job_id(win_id))
        except RedisError:
            log.warning("could not enqueue the reminder of win %s; the next sweep will", win_id)
    return len(pending)


def send_reminder(win_id: int) -> str:
    """The RQ job: remind the winner of one win (see ``deliver``)."""
    return notices.run_job(deliver, win_id)


def deliver(session, client, settings, clock, win_id: int) -> str:
    """Send the win's reminder once, if it is still pending and the win still waiting."""
    claimed = session.execute(
        update(ClaimReminder)
        .where(ClaimReminder.win_id == win_id, ClaimReminder.status == ReminderStatus.PENDING)
        .values(status=ReminderStatus.SENDING)
    ).rowcount
    session.commit()
    if not claimed:
        return "nothing to send"
    win = session.get(Win, win_id)
    claim = session.scalar(select(Claim).where(Claim.win_id == win_id))
    now = clock.now()
    status = kinds.status(win, claim, None, now)
    if status not in WAITING:  # claimed, redeemed or expired since the sweep found it
        return _finish(session, win_id, f"skipped: {status}", None, now)
    campaign = session.get(Campaign, win.campaign_id)
    facts = notice_template.NoticeFacts(
        prize=f"{win.prize.name} {REMIND_WORD.get(campaign.language, 'to claim')}",
        campaign=campaign.name,
        code=win.code,
        won_at=kinds.deadline(win.prize, win.created_at),
        zone=campaign.zone,
        language=campaign.language,
    )
    result, channel = notices.send_once(session, client, settings, clock, win, facts)
    return _finish(session, win_id, result, channel, now)


def _finish(session, win_id: int, status: str, channel: str | None, now) -> str:
    values = {"status": status, "channel": channel}
    if status == ReminderStatus.SENT:
        values["sent_at"] = utc_naive(now)
    session.execute(update(ClaimReminder).where(ClaimReminder.win_id == win_id).values(**values))
    session.commit()
    return status
