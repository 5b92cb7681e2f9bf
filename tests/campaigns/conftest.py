"""A real Redis Cluster (3 masters, 3 replicas) for the scale-out tests, started once per run,
and helpers to run several gunicorn servers on it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campaigns.core.clock import FrozenClock
from campaigns.core.services import _counters_client
from tests.cluster import LocalCluster, ports_free
from tests.conftest import free_port
from tests.live_server import LiveServer


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    running = LocalCluster(tmp_path_factory.mktemp("cluster"), ports_free(6)).start()
    yield running
    running.stop()


@pytest.fixture
def live_clock():
    """Live servers run on the real clock, so campaigns must be open now."""
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def cluster_app(cluster, app_on, redis_url):
    """The app with its counters on the cluster (RQ and caches stay on plain Redis)."""
    counters = _counters_client(cluster.url)
    for node in counters.get_primaries():
        counters.get_redis_connection(node).flushall()
    built = app_on(redis_url, COUNTERS_REDIS_URL=cluster.url)
    with built.app_context():
        yield built


def live_servers(
    app, tmp_path, count: int, workers: int = 2, with_writer: bool = False, **settings
) -> list[LiveServer]:
    """``count`` gunicorn servers on the app's database, Redis and counters Redis (each with a
    ledger writer beside it when ``with_writer``), ``settings`` added to their environment."""
    env = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "COUNTERS_REDIS_URL": app.config["COUNTERS_REDIS_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        **settings,
    }
    servers = []
    for n in range(count):
        env_n = {**env, "INSTANCE_PATH": str(tmp_path / f"server-{n}")}
        log = tmp_path / f"s{n}.log"
        servers.append(
            LiveServer(free_port(), env_n, workers=workers, log_path=log, with_writer=with_writer)
        )
    return [server.start() for server in servers]


def session_cookie(app, player) -> str:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"player_id": player.id, "openid": player.openid, "_permanent": True})
