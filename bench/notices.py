"""Winner notices under ``make bench``'s play load: do they keep up with a burst of wins?

Called by bench/run.py after its HTTP runs, with one more play run at 64 connections (the load
that left thousands of notice jobs waiting): the bench players follow the account in the
sandbox for it (otherwise WeChat answers every notice 43004, not following, and no message is
sent), and stop following afterwards so the later runs see the account as before.

Reports the wins the run made, the notices the sandbox accepted during the run (its message
ids: one per template message it was sent and delivered), the ``notices`` queue's depth at the
run's end (waiting, and scheduled for a retry), the seconds from the run's end until every win
of the run has its notice settled (sent, or refused for good), and the RQ worker's CPU per win:
the worker process's own time plus that of its reaped children (work horses), from the run's
start until the last notice, which is the notices' cost (the ledger writer, also the worker's
child, is alive throughout and not counted).
"""

from __future__ import annotations

import time

import psutil
import redis as redis_lib
from rq import Queue
from sqlalchemy import func, select

from bench.cpu import process_seconds
from campaigns.core import queues
from campaigns.models import Player, Win
from campaigns.models.plays import NoticeStatus
from campaigns.web.extensions import db
from devtools.sandbox import keys as sandbox_keys
from devtools.sandbox import state as sandbox_state
from devtools.sandbox.config import SandboxSettings

OPEN = (NoticeStatus.PENDING, NoticeStatus.SENDING)
# How long to wait for notices to settle, before the run (earlier runs' wins) and after it.
SETTLE_TIMEOUT_S = 600.0


def run(app, env: dict, worker_pid: int, play) -> dict:
    """``play()`` runs one wrk play run (bench/run.py's ``_wrk``) and returns its result."""
    sandbox = redis_lib.Redis.from_url(SandboxSettings.from_env(env).redis_url)
    with app.app_context():
        openids = db.session.scalars(select(Player.openid)).all()
        db.session.remove()
    _follow(sandbox, openids, True)
    try:
        with app.app_context():
            backlog_s = _settle(0)  # the earlier runs' notices, now sendable
            first_win = (db.session.scalar(select(func.max(Win.id))) or 0) + 1
            db.session.remove()
        worker = psutil.Process(worker_pid)
        cpu_before = process_seconds(worker)
        msgid_before = int(sandbox.get(sandbox_keys.MSGID) or 0)
        play()
        sent_in_run = int(sandbox.get(sandbox_keys.MSGID) or 0) - msgid_before
        with app.app_context():
            notices_queue = Queue(queues.NOTICES, connection=app.extensions["redis"]["main"])
            waiting, scheduled = notices_queue.count, notices_queue.scheduled_job_registry.count
            settled_s = _settle(first_win)
            wins = db.session.scalar(select(func.count()).where(Win.id >= first_win))
            statuses = dict(
                db.session.execute(
                    select(Win.notice_status, func.count())
                    .where(Win.id >= first_win)
                    .group_by(Win.notice_status)
                ).all()
            )
            db.session.remove()
        cpu_s = process_seconds(worker) - cpu_before
    finally:
        _follow(sandbox, openids, False)
    return {
        "wins": wins,
        "sent_during_run": sent_in_run,
        "queue_waiting": waiting,
        "queue_scheduled": scheduled,
        "seconds_to_all_sent": settled_s,
        "timed_out": settled_s is None,
        "earlier_backlog_s": backlog_s,
        "worker_cpu_ms_per_win": round(cpu_s * 1000 / max(wins, 1), 2),
        "statuses": statuses,
    }


def _follow(sandbox, openids: list[str], following: bool) -> None:
    """The bench players follow the account (or no longer), as WeChat's follower list says."""
    pipe = sandbox.pipeline(transaction=False)
    for openid in openids:
        if following:
            sandbox_state.follow(pipe, openid)
        else:
            sandbox_state.unfollow(pipe, openid)
    pipe.execute()


def _settle(first_win: int) -> float | None:
    """Seconds until no win from ``first_win`` on has its notice open (None: timed out)."""
    started = time.monotonic()
    while time.monotonic() - started < SETTLE_TIMEOUT_S:
        open_wins = db.session.scalar(
            select(func.count()).where(Win.id >= first_win, Win.notice_status.in_(OPEN))
        )
        db.session.commit()
        if not open_wins:
            return round(time.monotonic() - started, 1)
        time.sleep(0.2)
    return None


def table(result: dict) -> list[str]:
    settled = result["seconds_to_all_sent"]
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result["statuses"].items()))
    return [
        "",
        "| winner notices, one play run at 64 connections (bench/notices.py) | |",
        "|---|---|",
        f"| wins made | {result['wins']} |",
        f"| notices the sandbox received during the run | {result['sent_during_run']} |",
        f"| notices queue at the run's end: waiting / scheduled for a retry "
        f"| {result['queue_waiting']} / {result['queue_scheduled']} |",
        "| seconds from the run's end until every win's notice is sent "
        f"| {settled if settled is not None else f'> {SETTLE_TIMEOUT_S:.0f}'} |",
        f"| RQ worker CPU per win (its own and its work horses') "
        f"| {result['worker_cpu_ms_per_win']} ms |",
        f"| the run's wins by notice status | {statuses} |",
    ]
