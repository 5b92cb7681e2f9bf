"""An RQ worker whose jobs run inside the app's context (``flask --app wsgi worker``), with the
ledger writer (campaigns/jobs/ledger_writer.py) in a child process beside it, started again
whenever it dies."""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import signal
import threading
import time

from rq import SimpleWorker, Worker

from campaigns.core import queues
from campaigns.core.services import redis_clients
from campaigns.jobs import ledger_writer, schedule
from campaigns.web.extensions import db

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
# libc, opened here in the worker: the forked writer must not dlopen (a thread of the worker
# may hold the dynamic loader's lock at the fork, and a child that waits on it waits forever).
try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:
    _LIBC = None


class _AppContextMixin:
    """Runs each job inside an app context (jobs use the database, Redis and config)."""

    flask_app = None

    def perform_job(self, job, queue, *args, **kwargs):
        with self.flask_app.app_context():
            return super().perform_job(job, queue, *args, **kwargs)


# Queues whose jobs the production worker runs in its own process rather than in a forked work
# horse. Only the winner notices: a fork costs the worker ~15 ms of CPU per job (measured with
# no-op jobs, the app loaded: 18 ms a job forked, 3 ms in process, on this 2-core machine), and
# a burst of wins is ~20 batch jobs a second (one per ledger batch), so forks alone would take
# ~15% of two cores from the plays; in process a job also keeps its SQL connections from one
# job to the next. Their code is requests, SQLAlchemy and redis-py calls with timeouts (WeChat's
# HTTP timeout, the job's own 180 s), none of which should bring the process down; should one
# crash it, the worker and its ledger writer are started again by whatever runs the Procfile,
# and the notice, claimed or not, is found by the sweep. The sweep (default) and the reports'
# WeChat check keep their work horses: they run much more code, seldom.
IN_PROCESS_QUEUES = frozenset({queues.NOTICES})


class AppWorker(_AppContextMixin, Worker):
    """Production: each job in a forked work horse, so a crashing job cannot take the worker;
    but the jobs of ``IN_PROCESS_QUEUES`` in the worker itself, as ``SimpleWorker`` runs them."""

    def execute_job(self, job, queue):
        if queue.name in IN_PROCESS_QUEUES:
            SimpleWorker.execute_job(self, job, queue)
        else:
            super().execute_job(job, queue)

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        """A job run in process sends no heartbeat while it runs: its TTL covers its timeout."""
        if job.origin in IN_PROCESS_QUEUES:
            return SimpleWorker.get_heartbeat_ttl(self, job, working_time)
        return super().get_heartbeat_ttl(job, working_time)

    def main_work_horse(self, job, queue):
        """A forked horse leaves the worker's SQL connections (those of its in-process jobs)
        to the worker, and opens its own."""
        with self.flask_app.app_context():
            db.engine.dispose(close=False)
        super().main_work_horse(job, queue)


class InProcessWorker(_AppContextMixin, SimpleWorker):
    """Tests: the same jobs and queues, run in this process (burst mode)."""


def run_worker(app, burst: bool = False, in_process: bool = False) -> bool:
    with app.app_context():
        connection = redis_clients.main
    if not burst:
        schedule.schedule_sweep(connection)
        WriterSupervisor(app).start()
    worker_class = InProcessWorker if in_process else AppWorker
    worker = worker_class(
        [queues.queue(name, connection) for name in queues.QUEUES], connection=connection
    )
    worker.flask_app = app
    return worker.work(burst=burst, with_scheduler=not in_process)


def run_ledger_writer(app, beat=None) -> None:
    """The ledger writer in this process until SIGTERM or SIGINT (``flask ledger-writer``).
    ``beat``: a shared number set to ``time.monotonic()`` at every pass (WriterSupervisor)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    on_pass = None if beat is None else lambda: setattr(beat, "value", time.monotonic())
    with app.app_context():
        db.engine.dispose(close=False)  # a forked child: the parent's connections stay its own
        ledger_writer.run_forever(stop, on_pass)


def _writer_child(app, beat) -> None:
    try:  # Linux: the writer ends with the worker that started it (even one killed -9)
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    run_ledger_writer(app, beat)


# A writer that made no pass for this long is stuck (a pass is one batch per stream: seconds at
# most, SQL's lock timeout included); it is killed and another started. Seen once in the suite:
# a writer forked from the busy worker that never read a play while it stayed alive (the cause
# not found; the dlopen above was one candidate).
WRITER_STALL_S = 60.0


class WriterSupervisor(threading.Thread):
    """Keeps one ledger writer process running beside the worker: started again when it exits,
    and killed and started again when its heartbeat stops (alive, but stuck)."""

    def __init__(
        self,
        app,
        check_every: float = 1.0,
        stall_after: float = WRITER_STALL_S,
        target=_writer_child,
    ):
        super().__init__(name="ledger-writer-supervisor", daemon=True)
        self.app = app
        self.check_every = check_every
        self.stall_after = stall_after
        self.target = target
        self.stop = threading.Event()
        self.process = None
        self.context = multiprocessing.get_context("fork")
        # CLOCK_MONOTONIC is one clock for every process of the host.
        self.beat = self.context.Value("d", 0.0, lock=False)

    def run(self) -> None:
        while not self.stop.is_set():
            if self.process is not None and self.process.is_alive():
                stalled = time.monotonic() - self.beat.value
                if stalled > self.stall_after:
                    log.error(
                        "ledger writer %s made no pass in %.0f s; killing it, starting another",
                        self.process.pid,
                        stalled,
                    )
                    self.process.kill()
                    self.process.join(10)
            if self.process is None or not self.process.is_alive():
                if self.process is not None:
                    log.warning(
                        "ledger writer exited (%s); starting another", self.process.exitcode
                    )
                self.beat.value = time.monotonic()  # its start counts as a beat
                process = self.context.Process(
                    target=self.target,
                    args=(self.app, self.beat),
                    name="ledger-writer",
                    daemon=True,
                )
                process.start()
                self.process = process  # only a started process is ever ``self.process``
            self.stop.wait(self.check_every)
