"""Cash prizes: a WeChat Pay red packet per cash win, paid by a job, never twice.

Each cash win gets one ``Payout`` row whose bill number (``mch_billno``) is derived from the win:
the merchant id, the day of the win and the win's id (28 characters, WeChat's format). Every
attempt, and every retry after SYSTEMERROR, a timeout or a worker that died mid-call, sends the
same bill number, and WeChat Pay pays a bill number once; so a win is never paid twice.

How a payout moves (``Payout.status``):

    pending --job claims it--> sending --SUCCESS--> paid
                                  |---SYSTEMERROR, busy, no answer--> pending (same bill)
                                  |---a refusal that stands (NOTENOUGH, SENDNUM_LIMIT...)--> failed
                                  '---worker died--> "sending"; the sweep puts it back to pending
    failed --the marketer retries--> pending

WeChat's rules: 1 to 200 yuan a packet (checked when the prize is saved, kinds.py), at most 10
packets a day per user by default (SENDNUM_LIMIT: failed, to retry another day), and at most
1,800 calls a minute per merchant: the sweep enqueues at most ``BATCH`` payouts each 15 s.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import requests
from sqlalchemy import insert, select, update
from wechatpy.exceptions import WeChatPayException
from wechatpy.pay import WeChatPay

from campaigns.core import queues, services
from campaigns.core.clock import as_utc, utc_naive
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.models import Campaign, Payout, Player, Prize, Win
from campaigns.models.campaign import PrizeKind
from campaigns.models.prizes import PayoutStatus

log = logging.getLogger(__name__)

# Answers after which the same bill is sent again: WeChat Pay says "retry with the same mch_billno".
RETRY_SAME_BILL = {"SYSTEMERROR", "FREQ_LIMIT", "PROCESSING", "CA_ERROR"}
BATCH = 300  # payouts enqueued per sweep (15 s): well under 1,800 calls a minute
STALE_SENDING = timedelta(minutes=2)
ENDPOINT = "mmpaymkttransfers/sendredpack"
WECHAT_PAY_API = "https://api.mch.weixin.qq.com/"


def bill_no(mch_id: str, win_id: int, won_at: datetime) -> str:
    """The win's one bill number: merchant id, the win's day (UTC) and its id, zero-padded."""
    return f"{mch_id[:10]}{as_utc(won_at):%Y%m%d}{win_id:010d}"


def prepare(session, mch_id: str, now: datetime, limit: int = BATCH) -> int:
    """Give each cash win its payout row (once: the win id is unique); returns how many."""
    wins = session.execute(
        select(Win.id, Win.campaign_id, Win.created_at, Prize.amount_fen)
        .join(Prize, Prize.id == Win.prize_id)
        .outerjoin(Payout, Payout.win_id == Win.id)
        .where(Prize.kind == PrizeKind.CASH.value, Payout.id.is_(None))
        .order_by(Win.id)
        .limit(limit)
    ).all()
    stamp = utc_naive(now)
    for win_id, campaign_id, created_at, amount in wins:
        session.execute(
            insert(Payout).values(
                win_id=win_id,
                campaign_id=campaign_id,
                bill_no=bill_no(mch_id, win_id, created_at),
                amount_fen=amount,
                status=PayoutStatus.PENDING,
                attempts=0,
                created_at=stamp,
                updated_at=stamp,
            )
        )
    session.commit()
    return len(wins)


def due(session, now: datetime, limit: int = BATCH) -> list[int]:
    """Payouts to send now: pending ones, and "sending" ones whose worker died (same bill)."""
    session.execute(
        update(Payout)
        .where(
            Payout.status == PayoutStatus.SENDING,
            Payout.updated_at <= utc_naive(now - STALE_SENDING),
        )
        .values(status=PayoutStatus.PENDING, updated_at=utc_naive(now))
    )
    session.commit()
    return list(
        session.scalars(
            select(Payout.id)
            .where(Payout.status == PayoutStatus.PENDING)
            .order_by(Payout.id)
            .limit(limit)
        )
    )


def job_id(payout_id: int) -> str:
    return f"payout-{payout_id}"


def enqueue_due(session, settings: dict, now: datetime) -> int:
    """The sweep's part: payout rows for new cash wins, then a job for each due payout (one job
    id per payout, so a payout waiting in the queue is not enqueued twice)."""
    prepare(session, settings["WECHAT_PAY_MCH_ID"], now)
    ids = due(session, now)
    for payout_id in ids:
        queues.enqueue(send_payout, payout_id, job_id=job_id(payout_id))
    return len(ids)


def pay_client(settings: dict) -> WeChatPay:
    client = WeChatPay(
        appid=settings["WECHAT_APP_ID"],
        api_key=settings["WECHAT_PAY_API_KEY"],
        mch_id=settings["WECHAT_PAY_MCH_ID"],
        mch_cert=settings.get("WECHAT_PAY_CERT_PATH") or None,
        mch_key=settings.get("WECHAT_PAY_KEY_PATH") or None,
        timeout=float(settings.get("WECHAT_TIMEOUT_SECONDS") or 5),
    )
    client.API_BASE_URL = pay_base_url(settings)
    return client


def pay_base_url(settings: dict) -> str:
    url = settings.get("WECHAT_PAY_BASE_URL") or (
        settings["WECHAT_SANDBOX_URL"] + "/" if settings.get("WECHAT_SANDBOX") else WECHAT_PAY_API
    )
    return url if url.endswith("/") else url + "/"


def send_payout(payout_id: int) -> str:
    """The RQ job: pay one payout (see ``pay``)."""
    settings = services.settings()
    try:
        return pay(services.session(), pay_client(settings), settings, payout_id, services.now())
    finally:
        services.session().remove()


def pay(session, client: WeChatPay, settings: dict, payout_id: int, now: datetime) -> str:
    """Send the payout's red packet if it is pending; returns its status afterwards."""
    claimed = session.execute(
        update(Payout)
        .where(Payout.id == payout_id, Payout.status == PayoutStatus.PENDING)
        .values(
            status=PayoutStatus.SENDING, attempts=Payout.attempts + 1, updated_at=utc_naive(now)
        )
    ).rowcount
    session.commit()
    payout = session.get(Payout, payout_id)
    if not claimed:
        return payout.status if payout else "missing"
    win = session.get(Win, payout.win_id)
    campaign = session.get(Campaign, win.campaign_id)
    openid = session.scalar(select(Player.openid).where(Player.id == win.player_id))
    status, error = PayoutStatus.PAID, None
    try:
        client.redpack.send(
            openid,
            payout.amount_fen,
            send_name=settings.get("WECHAT_PAY_SEND_NAME") or campaign.name[:10],
            act_name=campaign.name[:32],
            wishing=settings.get("WECHAT_PAY_WISHING") or "恭喜中奖",
            remark=win.prize.name[:64],
            client_ip=settings.get("WECHAT_PAY_CLIENT_IP") or "127.0.0.1",
            out_trade_no=payout.bill_no,
        )
    except WeChatPayException as exc:
        code = exc.errcode or exc.return_code or "HTTP"
        error = f"{code} {exc.errmsg or exc.return_msg or ''}".strip()[:200]
        if exc.return_code is None or code in RETRY_SAME_BILL:
            status = PayoutStatus.PENDING  # no answer, or "try again": the same bill later
        else:
            status = PayoutStatus.FAILED  # a refusal that stands (balance, daily count, ids)
    except requests.RequestException as exc:  # timeout, refused: maybe paid, the same bill later
        status, error = PayoutStatus.PENDING, f"no answer: {type(exc).__name__}"
    values = {"status": status, "error": error, "updated_at": utc_naive(now)}
    if status == PayoutStatus.PAID:
        values["paid_at"] = utc_naive(now)
    session.execute(
        update(Payout)
        .where(Payout.id == payout_id, Payout.status == PayoutStatus.SENDING)
        .values(**values)
    )
    session.commit()
    if status != PayoutStatus.PAID:
        log.warning("payout %s (win %s): %s, %s", payout_id, win.id, status, error)
    return status


def retry(session, campaign_id: int, win_id: int, mch_id: str, now: datetime) -> dict:
    """The marketer's retry of a failed payout: pending again, same bill, and a job for it.
    A payout that is paid, pending or being sent is left as it is (the answer says which)."""
    win = session.scalar(select(Win).where(Win.id == win_id, Win.campaign_id == campaign_id))
    if win is None or win.prize.kind != PrizeKind.CASH.value:
        raise DomainError(
            ErrorCode.NOT_FOUND, "No cash prize has this win id.", {"win_id": ["Unknown."]}
        )
    prepare(session, mch_id, now)
    payout = session.scalar(select(Payout).where(Payout.win_id == win_id))
    if payout.status in (PayoutStatus.PAID, PayoutStatus.SENDING):
        return payout_view(payout)
    session.execute(
        update(Payout)
        .where(Payout.id == payout.id, Payout.status == PayoutStatus.FAILED)
        .values(status=PayoutStatus.PENDING, error=None, updated_at=utc_naive(now))
    )
    session.commit()
    queues.enqueue(send_payout, payout.id, job_id=job_id(payout.id))
    session.refresh(payout)
    return payout_view(payout)


def payout_view(payout: Payout) -> dict:
    return {
        "win_id": payout.win_id,
        "bill_no": payout.bill_no,
        "amount_fen": payout.amount_fen,
        "status": payout.status,
        "attempts": payout.attempts,
        "error": payout.error,
        "paid_at": None if payout.paid_at is None else as_utc(payout.paid_at).isoformat(),
    }


def payouts(session, campaign_id: int) -> list[dict]:
    rows = session.scalars(
        select(Payout).where(Payout.campaign_id == campaign_id).order_by(Payout.id)
    ).all()
    return [payout_view(p) for p in rows]
