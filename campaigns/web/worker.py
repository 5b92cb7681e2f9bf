"""An RQ worker whose jobs run inside the app's context (``flask --app wsgi worker``)."""

from __future__ import annotations

from rq import SimpleWorker, Worker

from campaigns.core import queues
from campaigns.core.services import redis_clients
from campaigns.jobs import schedule


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
    worker_class = InProcessWorker if in_process else AppWorker
    worker = worker_class(
        [queues.queue(name, connection) for name in queues.QUEUES], connection=connection
    )
    worker.flask_app = app
    return worker.work(burst=burst, with_scheduler=not in_process)
