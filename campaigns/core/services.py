"""The running app's services, reached by type: the domain's one bridge to the app context.

The Redis clients are created unbound here and bound to an app in ``campaigns.web.app.create_app``,
which also ``install``s the clock and the draw engine. Domain code reaches the app's SQL session,
Redis, clock, engine and settings only through this module (never ``current_app.extensions`` by
string), so this is the one module outside campaigns/web/ that imports Flask (see
docs/architecture.md). Flask-SQLAlchemy's ``db`` and the other extensions are the web layer's
(campaigns/web/extensions.py); the models are plain SQLAlchemy (campaigns/models/base.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import redis
from flask import Flask, current_app

from campaigns.core.clock import Clock

if TYPE_CHECKING:  # types only: the engine sits above this module (campaigns/draw/)
    from sqlalchemy.orm import scoped_session

    from campaigns.draw.engine import Engine


class RedisClients:
    """Two Redis roles: ``counters`` (the draw engine; may be a cluster) and ``main`` (RQ, caches).

    Clients are created per app; redis-py's pools notice a fork and reconnect in the child, so
    gunicorn workers and RQ work horses each get their own connections.
    """

    def init_app(self, app: Flask) -> None:
        main = redis.Redis.from_url(app.config["REDIS_URL"], health_check_interval=30)
        counters_url = app.config["COUNTERS_REDIS_URL"]
        counters = (
            main if counters_url == app.config["REDIS_URL"] else _counters_client(counters_url)
        )
        app.extensions["redis"] = {"main": main, "counters": counters}

    @property
    def main(self) -> redis.Redis:
        return current_app.extensions["redis"]["main"]

    @property
    def counters(self) -> redis.Redis:
        return current_app.extensions["redis"]["counters"]


def _counters_client(url: str):
    if url.startswith("redis+cluster://"):
        from redis.cluster import RedisCluster

        return RedisCluster.from_url("redis://" + url[len("redis+cluster://") :])
    return redis.Redis.from_url(url, health_check_interval=30)


redis_clients = RedisClients()


def install(app: Flask, clock: Clock, engine: Engine) -> None:
    """Put the clock, the draw engine and an empty snapshot cache on ``app`` (``create_app``)."""
    app.extensions["clock"] = clock
    app.extensions["engine"] = engine
    app.extensions["campaign_snapshots"] = {}  # see campaigns.play.load_campaign_for_play


def session() -> scoped_session:
    """The app's SQL session (Flask-SQLAlchemy's, scoped to the request or the job)."""
    return current_app.extensions["sqlalchemy"].session


def clock() -> Clock:
    """The app's clock: the one source of "now" (a ``FrozenClock`` in tests)."""
    return current_app.extensions["clock"]


def now():
    """The app's clock's current moment (aware UTC)."""
    return clock().now()


def engine() -> Engine:
    """The app's draw engine, bound to the counters Redis."""
    return current_app.extensions["engine"]


def campaign_snapshots() -> dict:
    """The app's cache of published campaigns' play snapshots, by campaign id."""
    return current_app.extensions["campaign_snapshots"]


def settings():
    """The app's settings (``Config`` plus overrides), as Flask holds them."""
    return current_app.config


def in_app_context(func):
    """``func`` made to run inside an app context of its own, of the app running now: for a
    thread a job starts (Flask's contexts are per thread, and the SQL session is scoped to its
    context, so each such thread gets its own session)."""
    app = current_app._get_current_object()

    def run(*args, **kwargs):
        with app.app_context():
            return func(*args, **kwargs)

    return run
