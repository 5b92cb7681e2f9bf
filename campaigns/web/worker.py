"""An RQ worker whose jobs run inside the app's context (``flask --app wsgi worker``), with the
ledger writer (campaigns/jobs/ledger_writer.py) in a child process beside it, started again
whenever it dies."""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import signal
import threading

from rq import SimpleWorker, Worker

from campaigns.core import queues
from campaigns.core.services import redis_clients
from campaigns.jobs import ledger_writer, schedule
from campaigns.web.extensions import db

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


class _AppContextMixin:
    """Runs each job inside an app context (jobs use the database, Redis and config)."""

    flask_app = None

    def perform_job(self, job, queue, *args, **kwargs):
        with self.flask_app.app_context():
            return super().perform_job(job, queue, *args, **kwargs)


class AppWorker(_AppContextMixin, Worker):
    """Production: each job in a forked work horse, so a crashing job cannot take the worker."""


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


def run_ledger_writer(app) -> None:
    """The ledger writer in this process until SIGTERM or SIGINT (``flask ledger-writer``)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with app.app_context():
        db.engine.dispose(close=False)  # a forked child: the parent's connections stay its own
        ledger_writer.run_forever(stop)


def _writer_child(app) -> None:
    try:  # Linux: the writer ends with the worker that started it (even one killed -9)
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    run_ledger_writer(app)


class WriterSupervisor(threading.Thread):
    """Keeps one ledger writer process running beside the worker."""

    def __init__(self, app, check_every: float = 1.0):
        super().__init__(name="ledger-writer-supervisor", daemon=True)
        self.app = app
        self.check_every = check_every
        self.stop = threading.Event()
        self.process = None

    def run(self) -> None:
        context = multiprocessing.get_context("fork")
        while not self.stop.is_set():
            if self.process is None or not self.process.is_alive():
                if self.process is not None:
                    log.warning(
                        "ledger writer exited (%s); starting another", self.process.exitcode
                    )
                self.process = context.Process(
                    target=_writer_child, args=(self.app,), name="ledger-writer", daemon=True
                )
                self.process.start()
            self.stop.wait(self.check_every)
