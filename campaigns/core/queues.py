"""Named RQ queues and the one enqueue helper every job goes through.

Apart from the jobs (campaigns/jobs/schedule.py) so a domain module that enqueues work (a winner
notice, a follower check) does not import the schedule that calls it back.
"""

from __future__ import annotations

from rq import Queue, Retry

from campaigns.core.services import redis_clients

NOTICES = "notices"
DEFAULT = "default"
REPORTS = "reports"
# Order matters: a worker takes from the first queue with work. The sweep (default) is the
# safety net for crashed requests and must never wait behind thousands of winner notices; a
# report's WeChat check (campaigns/reports/follower_check.py) waits behind both.
QUEUES = (DEFAULT, NOTICES, REPORTS)


def queue(name: str = DEFAULT, connection=None) -> Queue:
    return Queue(name, connection=connection or redis_clients.main)


def enqueue(
    func,
    *args,
    queue_name: str = DEFAULT,
    job_id: str | None = None,
    retry: Retry | None = None,
    **kwargs,
):
    return queue(queue_name).enqueue(func, *args, job_id=job_id, retry=retry, **kwargs)
