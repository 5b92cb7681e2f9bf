"""Winner notices: one WeChat template message per win, sent by an RQ job, never twice.

The jobs: one per ledger batch's wins (``notify_wins`` enqueues ``send_win_notices``, which
sends the batch's notices a few at a time), so a burst of wins is a few jobs a second; a win
of that batch not sent for now goes on in its own job (``send_win_notice``, job id
``notice-win-<id>``, retried with backoff), which is also the job the sweep enqueues for a
win still open a minute later (``requeue_stale``). Whichever job sends, it sends through
``deliver``.

How a win's notice moves (``Win.notice_status``):

    pending --claim--> sending --accepted--> sent
                          |---refused for good (43101, 43004, ...)--> "failed: <reason> (<code>)"
                          |---refused for now (busy -1, quota, HTTP error)--> pending (retry)
                          '---outcome unknown (timeout, worker killed)--> stays "sending"

Only the holder of the win's lease (a Redis lock with a TTL) claims and sends, so a double
enqueue or a sweep racing a running job sends nothing extra. A send whose outcome is unknown
keeps its lease until the TTL runs out instead of releasing it: in that time WeChat's delivery
report (the TEMPLATESENDJOBFINISH event on the callback) marks the win "sent" if the message
got through, and only a win still "sending" after the lease is sent again.

The residual window: WeChat template messages carry no idempotency key, so if WeChat accepted a
send whose worker died (or timed out) AND its delivery report never reached the callback within
the lease (callback down, report lost), the follower gets the notice twice. The opposite
mistake (never sending) cannot happen: a win leaves "pending"/"sending" only on WeChat's word.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from queue import Empty, SimpleQueue

import requests
from redis.exceptions import LockError, RedisError
from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload
from urllib3.exceptions import NewConnectionError
from wechatpy.exceptions import WeChatClientException

from campaigns.core import queues, services
from campaigns.core.clock import utc_naive
from campaigns.core.services import redis_clients
from campaigns.models import Campaign, Claim, Player, Win
from campaigns.models.plays import NoticeStatus
from campaigns.wechat import consents, keys, notice_template

log = logging.getLogger(__name__)

# Refusals that will not change on retry, recorded as "failed: <reason> (<code>)". About the
# follower: not following, notices of this template turned off (WeChat answers 43101 from then
# on, undocumented for template messages but seen since mid-2023), an openid of another
# account, on the account's blacklist, a frozen or closed WeChat account. About the message:
# a value breaking its keyword's rule, a template this account does not have, no permission
# to send template messages (a send repeated with the same data gets the same answer).
PERMANENT = {
    43004: "not following",
    43101: "refused by the user",
    40003: "invalid openid",
    43019: "blacklisted",
    50002: "user limited",
    47003: "invalid keyword value",
    40037: "invalid template_id",
    48001: "api unauthorized",
}
# WeChat's "try later" answers: system busy, API quota/frequency limits, and a token refusal
# that survived wechatpy's own refresh-and-retry. Any other code is recorded as a refusal.
TRANSIENT = {-1, 45009, 45011, 45047, 40001, 40014, 42001}
OPEN = (NoticeStatus.PENDING, NoticeStatus.SENDING)
LIVE_JOB = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.CREATED}
STALE_AFTER = timedelta(minutes=1)


class NoticeRetry(Exception):
    """Not sent for now; raised so RQ's Retry tries the job again with backoff."""


def job_id(win_id: int) -> str:
    return f"notice-win-{win_id}"


def batch_job_id(win_ids: list[int]) -> str:
    """The job id of a batch's notices, derived from its wins: enqueued again (an
    at-least-once caller), the same batch is the same job."""
    digest = hashlib.sha256(",".join(map(str, sorted(win_ids))).encode()).hexdigest()[:16]
    return f"notice-wins-{min(win_ids)}-{len(win_ids)}-{digest}"


def notify_wins(win_ids: list[int]) -> None:
    """Called right after a ledger writer committed a batch of plays
    (campaigns/jobs/ledger_writer.py): one job, ``send_win_notices``, for all the batch's new
    wins, rather than one per win, so a burst of wins is a few jobs a second, not hundreds.
    Redis trouble only delays the notices: the wins stay "pending" and the sweep enqueues each.

    Not enqueued again while the job exists (queued, running, or finished within its result's
    TTL). No look for a win's own job: the wins were inserted a moment ago and the sweep takes
    only wins a minute old; and were one to exist, the win's lease and claim in ``deliver``
    would still send once."""
    if not win_ids:
        return
    redis = redis_clients.main
    batch = batch_job_id(win_ids)
    try:
        if not Job.exists(batch, connection=redis):
            queues.enqueue(send_win_notices, win_ids, queue_name=queues.NOTICES, job_id=batch)
    except RedisError:
        log.warning("could not enqueue the notices of %d wins; the sweep will", len(win_ids))


def send_win_notices(win_ids: list[int]) -> dict[str, int]:
    """The RQ job of a batch's wins: each delivered once (``deliver``: the win's lease and its
    claim in SQL keep it to one message whatever else runs, a sweep's job or this job again),
    ``NOTICE_CONCURRENCY`` at a time, since each is an HTTP call to WeChat. A win that cannot
    be sent now (``NoticeRetry``, or SQL or Redis trouble) goes on alone in its own job
    (``retry_alone``): the batch is never retried, so no other win is touched again. Returns
    how many wins ended in each status."""
    settings = services.settings()
    pending: SimpleQueue[int] = SimpleQueue()
    for win_id in win_ids:
        pending.put(win_id)
    senders = max(1, min(settings["NOTICE_CONCURRENCY"], len(win_ids)))
    send = services.in_app_context(_send_until_empty)
    with ThreadPoolExecutor(senders, thread_name_prefix="notice") as pool:
        tallies = list(pool.map(lambda _: send(pending), range(senders)))
    return dict(sum(tallies, Counter()))


def _send_until_empty(pending: SimpleQueue) -> Counter:
    """One sender of ``send_win_notices``, in its own app context: its own SQL session and
    WeChat client (borrowed: a requests session, used by one thread at a time, which keeps its
    connection from one win to the next and from one batch job to the next)."""
    from campaigns.wechat.clients import borrowed_client, current_settings

    session, redis, clock = services.session(), redis_clients.main, services.clock()
    settings = current_settings()
    lease = services.settings()["NOTICE_LEASE_SECONDS"]
    intervals = services.settings()["NOTICE_RETRY_INTERVALS"]
    tally: Counter = Counter()
    try:
        with borrowed_client() as client:
            while True:
                try:
                    win_id = pending.get_nowait()
                except Empty:
                    return tally
                try:
                    tally[deliver(session, redis, client, settings, clock, win_id, lease)] += 1
                except (NoticeRetry, SQLAlchemyError, RedisError) as exc:
                    session.rollback()
                    log.info("notice of win %s goes on alone: %s", win_id, exc)
                    tally["retried alone"] += 1
                    retry_alone(redis, win_id, intervals)
    finally:
        session.remove()


def retry_alone(redis, win_id: int, intervals: list[int]) -> None:
    """A win of a batch job not sent for now: its own job (``send_win_notice``), as if the
    batch's attempt had been that job's first, so the backoff (``NOTICE_RETRY_INTERVALS``)
    and the number of attempts are what they are for a win's own job. Nothing new when that
    job is already waiting or running (``enqueue_notice``); Redis down: the sweep will."""
    try:
        enqueue_notice(redis, win_id, intervals, first_after=True)
    except RedisError:
        log.warning("could not enqueue the notice of win %s; the sweep will", win_id)


def enqueue_notice(redis, win_id: int, intervals: list[int], first_after: bool = False) -> Job:
    """Enqueue the win's notice job unless one is already waiting or running (one job id).
    ``first_after``: the first attempt waits the first interval (an attempt just failed)."""
    try:
        job = Job.fetch(job_id(win_id), connection=redis)
    except NoSuchJobError:
        job = None
    if job is not None:
        status = job.get_status()
        running = status == JobStatus.STARTED and redis.exists(keys.notice_lock(win_id))
        if status in LIVE_JOB or running:
            return job
        job.delete()  # finished, failed, or started by a worker that died: a fresh one
    if first_after and intervals and intervals[0]:
        later = intervals[1:]
        return queues.queue(queues.NOTICES).enqueue_in(
            timedelta(seconds=intervals[0]),
            send_win_notice,
            win_id,
            job_id=job_id(win_id),
            retry=Retry(max=len(later), interval=later) if later else None,
        )
    return _enqueue(win_id, intervals[1:] if first_after else intervals)


def _enqueue(win_id: int, intervals: list[int]) -> Job:
    return queues.enqueue(
        send_win_notice,
        win_id,
        queue_name=queues.NOTICES,
        job_id=job_id(win_id),
        retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
    )


def send_win_notice(win_id: int) -> str:
    """The RQ job of one win (its retries, the sweep's): send its notice (see ``deliver``)."""
    from campaigns.wechat.clients import borrowed_client, current_settings

    try:
        with borrowed_client() as client:
            return deliver(
                services.session(),
                redis_clients.main,
                client,
                current_settings(),
                services.clock(),
                win_id,
                services.settings()["NOTICE_LEASE_SECONDS"],
            )
    finally:
        services.session().remove()


def deliver(session, redis, client, settings, clock, win_id: int, lease_seconds: int) -> str:
    """Send the win's notice if it is still open, under the win's lease; returns the status."""
    lock = redis.lock(keys.notice_lock(win_id), timeout=lease_seconds, blocking=False)
    if not lock.acquire():
        raise NoticeRetry(f"win {win_id}: another attempt holds the lease")
    keep_lease = False
    try:
        # with what the message names, in the one SELECT (a burst sends thousands of these)
        win = session.get(Win, win_id, options=[joinedload(Win.player), joinedload(Win.prize)])
        if win is None or win.notice_status not in OPEN:
            return win.notice_status if win else "missing"
        if not _claim(session, win_id):
            return session.get(Win, win_id).notice_status
        try:
            result = client.message.send_template(
                win.player.openid,
                settings.template_id,
                _template_data(session, win, settings),
                url=settings.prizes_url(win.campaign_id),
            )
        except requests.RequestException as exc:
            if _never_reached(exc):
                _set(session, win_id, NoticeStatus.PENDING)
                raise NoticeRetry(f"win {win_id}: {exc}") from exc
            keep_lease = True  # it may have reached WeChat: the outcome is unknown
            raise NoticeRetry(f"win {win_id}: outcome unknown ({exc})") from exc
        except WeChatClientException as exc:
            return _refused(session, win_id, exc)
        _finish(session, win_id, NoticeStatus.SENT, clock, result.get("msgid"))
        return NoticeStatus.SENT
    finally:
        if not keep_lease:
            try:
                lock.release()
            except LockError:
                pass  # the lease ran out first; the next attempt re-checks the state


def record_delivery_report(session, openid: str, msgid, status: str, clock) -> None:
    """WeChat's TEMPLATESENDJOBFINISH: the word on whether a template message got through.

    Found by msgid, or, when the sender died before storing it, as this follower's win still
    "sending" (the oldest, should there be several)."""
    win = None
    if msgid:
        win = session.scalar(select(Win).where(Win.notice_msgid == str(msgid)))
    if win is None:
        win = session.scalar(
            select(Win)
            .join(Player, Player.id == Win.player_id)
            .where(Player.openid == openid, Win.notice_status == NoticeStatus.SENDING)
            .order_by(Win.id)
            .limit(1)
        )
    if win is None:
        return
    if status == "success":
        _finish(session, win.id, NoticeStatus.SENT, clock, msgid)
    else:  # "failed:user block" (turned off by the follower), "failed: system failed"
        reason = status.removeprefix("failed:").strip()
        _finish(session, win.id, f"failed: {reason} (delivery report)"[:40], clock, msgid)


def requeue_stale(session, redis, now, intervals: list[int], limit: int = 500) -> int:
    """Enqueue wins whose notice is still open a while after the win (enqueue lost to a Redis
    outage, retries exhausted, worker killed); ``enqueue_notice`` skips live jobs."""
    cutoff = utc_naive(now - STALE_AFTER)
    ids = session.scalars(
        select(Win.id)
        .where(Win.notice_status.in_(OPEN), Win.created_at <= cutoff)
        .order_by(Win.id)
        .limit(limit)
    ).all()
    for win_id in ids:
        enqueue_notice(redis, win_id, intervals)
    return len(ids)


def _claim(session, win_id: int) -> bool:
    result = session.execute(
        update(Win)
        .where(Win.id == win_id, Win.notice_status.in_(OPEN))
        .values(notice_status=NoticeStatus.SENDING, notice_attempts=Win.notice_attempts + 1)
    )
    session.commit()
    return result.rowcount == 1


def _set(session, win_id: int, status: str) -> None:
    session.execute(
        update(Win)
        .where(Win.id == win_id, Win.notice_status == NoticeStatus.SENDING)
        .values(notice_status=status)
    )
    session.commit()


def _finish(session, win_id: int, status: str, clock, msgid) -> None:
    """Record WeChat's answer; a delivery report and the sender may both arrive (same word)."""
    values = {"notice_status": status}
    if msgid:
        values["notice_msgid"] = str(msgid)
    if status == NoticeStatus.SENT:
        values["notice_sent_at"] = func.coalesce(Win.notice_sent_at, utc_naive(clock.now()))
    session.execute(
        update(Win)
        .where(Win.id == win_id, Win.notice_status.in_((*OPEN, NoticeStatus.SENT)))
        .values(**values)
    )
    session.commit()


def _never_reached(exc: requests.RequestException) -> bool:
    """True when the request cannot have left this host (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def _refused(session, win_id: int, exc: WeChatClientException) -> str:
    code = exc.errcode
    if code is None or code in TRANSIENT:  # HTTP error or "try later": not delivered
        _set(session, win_id, NoticeStatus.PENDING)
        raise NoticeRetry(f"win {win_id}: WeChat said {code} {exc.errmsg}") from exc
    if code in PERMANENT:
        status = f"failed: {PERMANENT[code]} ({code})"
    else:
        status = f"failed: {code} {exc.errmsg or ''}".strip()[:40]
    _set(session, win_id, status)
    return status


def _template_data(session, win: Win, settings) -> dict:
    """A service notice about the prize (never marketing), in the keywords the account's
    template has (``settings.template_fields``); a tap opens the winner's prizes page."""
    campaign = session.get(Campaign, win.campaign_id)
    facts = notice_template.NoticeFacts(
        prize=win.prize.name,
        campaign=campaign.name,
        code=win.code,
        won_at=win.created_at,
        zone=campaign.zone,
        language=campaign.language,
    )
    return notice_template.template_data(settings.template_fields, facts)


def winner_notices(session, campaign_id: int) -> list[dict]:
    """The campaign's wins with their notice status, openids masked (for the admin API)."""
    rows = session.execute(
        select(Win, Player.openid)
        .join(Player, Player.id == Win.player_id)
        .where(Win.campaign_id == campaign_id)
        .order_by(Win.id)
    ).all()
    return [
        {
            "win_id": win.id,
            "prize": win.prize.name,
            "openid": mask_openid(openid),
            "won_at": win.created_at,
            "redeemed_at": win.redeemed_at,
            "notice_status": win.notice_status,
            "notice_attempts": win.notice_attempts,
            "notice_sent_at": win.notice_sent_at,
        }
        for win, openid in rows
    ]


def mask_openid(openid: str) -> str:
    return openid[:4] + "…" + openid[-4:] if len(openid) > 8 else "…"


# -- shipping notices: "your prize is on its way", once per change of tracking number ---------

SHIPPED_WORD = {"zh": "已发货", "en": "shipped"}


def shipping_job_id(win_id: int) -> str:
    return f"shipping-win-{win_id}"


def notify_shipped(win_id: int) -> None:
    """Enqueue the shipping notice of a claim just marked shipped (``Claim.shipping_notice`` is
    "pending"); Redis trouble only delays it: the sweep re-enqueues pending ones."""
    try:
        queues.enqueue(
            send_shipping_notice,
            win_id,
            queue_name=queues.NOTICES,
            job_id=shipping_job_id(win_id),
        )
    except RedisError:
        log.warning("could not enqueue the shipping notice of win %s; the sweep will", win_id)


def run_job(deliver_one, win_id: int) -> str:
    """An RQ job's body for a notice that follows the win's own (shipping, claim reminder):
    ``deliver_one(session, client, settings, clock, win_id)`` with the worker's session (removed
    after the job), WeChat client and settings."""
    from campaigns.wechat.clients import current_client, current_settings

    try:
        return deliver_one(
            services.session(), current_client(), current_settings(), services.clock(), win_id
        )
    finally:
        services.session().remove()


def send_shipping_notice(win_id: int) -> str:
    """The RQ job: tell the winner their prize was shipped, with the tracking number."""
    return run_job(deliver_shipping, win_id)


def deliver_shipping(session, client, settings, clock, win_id: int) -> str:
    """Send once: the claim moves pending -> sending before the call, so a second job or the
    sweep finds nothing to send; a refusal is recorded, an unknown outcome stays "sending"."""
    claimed = session.execute(
        update(Claim)
        .where(Claim.win_id == win_id, Claim.shipping_notice == "pending")
        .values(shipping_notice="sending")
    ).rowcount
    session.commit()
    if not claimed:
        return "nothing to send"
    win = session.get(Win, win_id)
    claim = session.scalar(select(Claim).where(Claim.win_id == win_id))
    campaign = session.get(Campaign, win.campaign_id)
    facts = notice_template.NoticeFacts(
        prize=f"{win.prize.name} {SHIPPED_WORD.get(campaign.language, 'shipped')}",
        campaign=campaign.name,
        code=claim.tracking_number or "",
        won_at=claim.shipped_at or win.created_at,
        zone=campaign.zone,
        language=campaign.language,
    )
    status, channel = send_once(session, client, settings, clock, win, facts)
    session.execute(
        update(Claim)
        .where(Claim.win_id == win_id)
        .values(shipping_notice=status, shipping_channel=channel)
    )
    session.commit()
    return status


# -- the channel of a notice after the win's own: subscription notice, else template message --

SUBSCRIBE, TEMPLATE = "subscribe", "template"
REFUSED_BY_USER = 43101  # bizsend: not subscribed, or turned off since


def send_service_notice(session, client, settings, clock, openid: str, facts, campaign_id) -> str:
    """Send a notice about the player's prize by the channel that reaches them; returns it.

    A subscription notice (``message/subscribe/bizsend``) when the player accepted the
    account's subscription template on the win screen: it reaches them whether or not they
    follow. Else (no consent, or WeChat answers 43101 because they turned it off and the change
    event never reached us, which is then recorded) a template message, which only a follower
    receives (43004 otherwise, for the caller to record). WeChat's refusals and HTTP errors are
    raised for the caller, as ``send_template`` raises them."""
    url = settings.prizes_url(campaign_id)
    template = settings.subscribe_template_id
    if consents.accepted(session, openid, template):
        try:
            client.message.send_subscribe_message(
                openid,
                template,
                notice_template.template_data(settings.subscribe_fields, facts),
                page=url,
            )
            return SUBSCRIBE
        except WeChatClientException as exc:
            if exc.errcode != REFUSED_BY_USER:
                raise
            consents.withdrawn(session, openid, template, clock.now())
    client.message.send_template(
        openid,
        settings.template_id,
        notice_template.template_data(settings.template_fields, facts),
        url=url,
    )
    return TEMPLATE


def send_once(session, client, settings, clock, win: Win, facts) -> tuple[str, str | None]:
    """One attempt of a notice already claimed ("sending"): (status, channel). "pending" when
    it surely did not go (tried again later); a refusal for good is "failed: <reason>"; an
    outcome unknown (a timeout after the request left) is raised: it stays "sending", since a
    notice is never sent twice."""
    try:
        channel = send_service_notice(
            session, client, settings, clock, win.player.openid, facts, win.campaign_id
        )
    except requests.RequestException as exc:
        if not _never_reached(exc):
            raise
        return "pending", None
    except WeChatClientException as exc:
        if exc.errcode is None or exc.errcode in TRANSIENT:
            return "pending", None
        return f"failed: {PERMANENT.get(exc.errcode, exc.errcode)}"[:40], None
    return "sent", channel


def requeue_shipping(session, limit: int = 500) -> int:
    """Enqueue the shipping notices still pending (an enqueue lost to Redis, a retry)."""
    ids = session.scalars(
        select(Claim.win_id).where(Claim.shipping_notice == "pending").limit(limit)
    ).all()
    for win_id in ids:
        notify_shipped(win_id)
    return len(ids)
