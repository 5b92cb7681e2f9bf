"""Extensions, created unbound here and bound to an app in ``create_app``."""

from __future__ import annotations

import redis
from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Named constraints so migrations are stable on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Objects stay readable after commit: responses are built from the rows just written, without
# reading them back.
db = SQLAlchemy(
    metadata=MetaData(naming_convention=NAMING), session_options={"expire_on_commit": False}
)
migrate = Migrate()
api = Api()
# Storage, limits and switches come from the RATELIMIT_* settings (campaigns/ratelimits.py). The
# instance keeps the storage of the last app bound to it: one app per process outside tests.
limiter = Limiter(get_remote_address)


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
