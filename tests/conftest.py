"""Fixtures: a real Redis (embedded, or TEST_REDIS_URL), real databases (SQLite, and PostgreSQL
when TEST_DATABASE_URL is set), the app, a controllable clock and factories.

With CI_REQUIRE_ALL=1 (set by .ci/run) a test that would skip for want of PostgreSQL or a browser
fails instead, so CI can never pass by skipping.
"""

from __future__ import annotations

import functools
import os
import socket
from datetime import UTC, datetime, timedelta

import pytest
import redis as redis_lib
from hypothesis import settings
from sqlalchemy import text

from campaigns.core.clock import FrozenClock
from campaigns.web.app import create_app
from campaigns.web.extensions import db
from devtools.embedded_redis import EmbeddedRedis
from tests.factories import Factory
from tests.ledger import DrainingClient

pytest_plugins = ["tests.browser"]  # Chromium and the phone for the browser tests

REQUIRE_ALL = os.environ.get("CI_REQUIRE_ALL") == "1"

# Hypothesis draws the same examples on every run and keeps no example database, so a red run is
# a real failure, never the luck of the draw. HYPOTHESIS_PROFILE=explore draws new ones (locally,
# to look for more; a failure it finds is then added as an explicit example).
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore", database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
START = datetime(2026, 9, 20, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


def pytest_collection_modifyitems(config, items):
    """Tests marked ``one_database`` exercise nothing SQL-specific (Redis, browser, HTTP schema)
    and are heavy: they run on SQLite only, which keeps the CI run under 15 minutes."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.get_closest_marker("one_database") and params.get("database_url") == "postgresql":
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    _heavy_files_first(items)


def _heavy_files_first(items) -> None:
    """``make test`` hands whole files to two pytest-xdist workers in collection order; the files
    that start servers, clusters or Chromium go first, so the workers end together instead of one
    of them running a long file alone at the end."""
    heavy = {
        item.path
        for item in items
        if item.get_closest_marker("slow") or item.get_closest_marker("browser")
    }
    items.sort(key=lambda item: item.path not in heavy)  # stable: order within a file is kept


def skip_or_fail(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"CI_REQUIRE_ALL=1 forbids skipping: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    data = tmp_path_factory.mktemp("redis")
    server = EmbeddedRedis(str(data / "redis.sock"), str(data))
    server.start()
    yield server.url
    server.stop()


def _backends():
    yield pytest.param("sqlite", id="sqlite")
    yield pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)


@pytest.fixture(scope="session", params=list(_backends()))
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        skip_or_fail("TEST_DATABASE_URL is not set (PostgreSQL tests)")
    return postgres_database_of_this_worker(url)


def postgres_database_of_this_worker(url: str, suffix: str = "") -> str:
    """The database ``url`` names, or under pytest-xdist one per worker beside it, so parallel
    workers never drop each other's tables. A suffix (the live suite's) makes a fresh one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker and not suffix:
        return url
    if not suffix:
        return _worker_database(url, worker)
    from tests.live.deployment import fresh_postgres_database

    return fresh_postgres_database(url, suffix + (f"_{worker}" if worker else ""))


@functools.cache
def _worker_database(url: str, worker: str) -> str:
    """Made once per worker process and kept, like the single database without workers: the
    session fixture is set up again when tests switch databases, and dropping the database then
    would cut off the servers still connected to it (``_schema`` empties it instead)."""
    from tests.live.deployment import fresh_postgres_database

    return fresh_postgres_database(url, f"_{worker}")


@pytest.fixture(scope="session")
def _schema(database_url, redis_url, tmp_path_factory):
    """Create the schema once per database (tests/campaigns/test_migrations.py checks that the
    migrations build exactly this schema)."""
    app = create_app(_overrides(database_url, redis_url, tmp_path_factory.mktemp("inst")))
    with app.app_context():
        if database_url.startswith("postgresql"):  # whatever an earlier run left behind
            reset_postgres_schema()
        db.create_all()
    return database_url


def reset_postgres_schema() -> None:
    db.session.execute(text("DROP SCHEMA public CASCADE"))
    db.session.execute(text("CREATE SCHEMA public"))
    db.session.commit()


def _overrides(database_url: str, redis_url: str, instance) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "COUNTERS_REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret",
        "PUBLIC_BASE_URL": "http://testserver",
        "ALLOWED_HOSTS": ["localhost"],  # the Host of Flask's test client
        # Never WeChat itself: a closed loopback port refuses at once (tests that talk to
        # WeChat use the sandbox server's URLs instead).
        "WECHAT_API_BASE_URL": "http://127.0.0.1:9/cgi-bin/",
        "WECHAT_OAUTH_BASE_URL": "http://127.0.0.1:9/connect/",
        "WECHAT_MP_BASE_URL": "http://127.0.0.1:9/",
    }


@pytest.fixture
def clock():
    return FrozenClock(START + timedelta(hours=1))


@pytest.fixture
def app(_schema, redis_url, clock, tmp_path):
    app = create_app(_overrides(_schema, redis_url, tmp_path), clock=clock)
    app.test_client_class = DrainingClient
    with app.app_context():
        _truncate()
        redis_lib.Redis.from_url(redis_url).flushdb()
        yield app
        db.session.remove()
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def restartable_redis(tmp_path):
    """A Redis of this test's own on a TCP port, to SIGKILL and start again at one address."""
    server = EmbeddedRedis(None, str(tmp_path / "redis-own"), port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_on(_schema, clock, tmp_path):
    """Build an app on another Redis (same database, emptied by ``app`` or here)."""
    made = []

    def build(redis_url: str, **extra):
        overrides = {**_overrides(_schema, redis_url, tmp_path), **extra}
        made.append(create_app(overrides, clock=clock))
        made[-1].test_client_class = DrainingClient
        return made[-1]

    yield build


def _truncate() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


@pytest.fixture
def redis(app):
    return app.extensions["redis"]["counters"]


@pytest.fixture
def engine(app):
    return app.extensions["engine"]


@pytest.fixture
def factory(app, clock):
    return Factory(app, clock)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def run_jobs(app):
    """Work every queued job now with a real RQ worker in burst mode, in this process."""
    from campaigns.web.worker import run_worker

    def work() -> None:
        run_worker(app, burst=True, in_process=True)

    return work


@pytest.fixture(autouse=True)
def _generous_rate_limits(monkeypatch):
    """Every app and live server of the suite gets its rate limits raised 1000-fold, so tests
    that fire bursts from one player measure the engine's limits, not the request limiter's.
    tests/security/test_rate_limits.py builds its apps with RATELIMIT_SCALE=1."""
    monkeypatch.setenv("RATELIMIT_SCALE", "1000")


# -- WeChat: the sandbox's own server, the app's server reaching it, the test app pointed at it --


@pytest.fixture(scope="session")
def app_server_port() -> int:
    """Chosen before either server starts: the sandbox must know where the account's callback
    is (the app server), and the app server where the sandbox is."""
    return free_port()


@pytest.fixture(scope="session")
def sandbox_server(redis_url, app_server_port, tmp_path_factory):
    """The WeChat sandbox as its own server (gunicorn, as `make run` starts it), on a free port,
    with its state in its own Redis database (the ``app`` fixture empties only the app's). Its
    account's web domain and callback are the session's app server (``app_server``)."""
    from tests.live_server import sandbox_server as start_sandbox

    logs = tmp_path_factory.mktemp("sandbox-server")
    env = {
        "REDIS_URL": redis_url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_server_port}",
        "INSTANCE_PATH": str(logs),
    }
    server = start_sandbox(free_port(), env, logs / "gunicorn.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app_server(_schema, redis_url, sandbox_server, app_server_port, tmp_path_factory):
    """The production app (gunicorn, WECHAT_SANDBOX=1) sharing the tests' database and Redis,
    reaching the sandbox server by its URL: wechatpy's HTTP calls, OAuth redirects and the
    phone's callbacks really travel between two hosts."""
    from tests.live_server import LiveServer

    logs = tmp_path_factory.mktemp("app-server")
    server = LiveServer(
        app_server_port,
        {
            "DATABASE_URL": _schema,
            "REDIS_URL": redis_url,
            "COUNTERS_REDIS_URL": redis_url,
            "SECRET_KEY": "test-secret",
            "WECHAT_SANDBOX": "1",
            "WECHAT_SANDBOX_URL": sandbox_server.url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_server_port}",
            "INSTANCE_PATH": str(logs),
            "RATELIMIT_SCALE": "1000",
        },
        log_path=logs / "gunicorn.log",
    ).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(app, sandbox_server, app_server):
    """The sandbox back in its start state and the test app's WeChat calls pointed at it; the
    phone's events reach the app server. Returns a handle on the sandbox."""
    from tests.sandbox_client import SandboxClient

    handle = SandboxClient(sandbox_server.url)
    handle.reset()
    app.config.update(
        WECHAT_API_BASE_URL=sandbox_server.url + "/",
        WECHAT_OAUTH_BASE_URL=sandbox_server.url + "/connect/",
        WECHAT_MP_BASE_URL=sandbox_server.url + "/",
        NOTICE_RETRY_INTERVALS=[0, 0, 0],
        NOTICE_LEASE_SECONDS=3,
        WECHAT_TIMEOUT_SECONDS=2,
    )
    return handle


@pytest.fixture
def sandbox_app(redis_url):
    """The sandbox's own app in this process (its test client), on a Redis database of its own
    (not the sandbox server's), reset to the start state."""
    from devtools.sandbox import state
    from devtools.sandbox.app import create_sandbox_app
    from devtools.sandbox.config import with_db

    app = create_sandbox_app(
        {
            "REDIS_URL": redis_url,
            "SANDBOX_REDIS_URL": with_db(redis_url, 2),
            "PUBLIC_BASE_URL": "http://testserver",
            "WECHAT_SANDBOX_URL": "http://sandbox.test",
        }
    )
    state.reset(app.extensions["sandbox_redis"])
    return app
