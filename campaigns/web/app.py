"""The application factory: the only place that knows every part of the system."""

from __future__ import annotations

import os

from flask import Flask

import games
from campaigns.config import Config
from campaigns.core import services
from campaigns.core.clock import Clock
from campaigns.core.services import redis_clients
from campaigns.draw.engine import Engine
from campaigns.jobs import ledger_writer
from campaigns.ledger import writer
from campaigns.web import i18n, json_depth, ratelimits, security
from campaigns.web.extensions import api, db, migrate
from campaigns.web.http_errors import register_error_handlers
from campaigns.wechat.config import WeChatSettings

# The checkout: static/ (the H5 assets) and campaigns/migrations/ are found from here.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def create_app(overrides: dict | None = None, clock: Clock | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or os.path.join(os.getcwd(), "instance"),
        static_folder=os.path.join(ROOT, "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(Config(app.instance_path).as_dict())
    if overrides:
        app.config.from_mapping(overrides)
    security.check_production(app.config)
    WeChatSettings.from_config(app.config)  # a bad WeChat setting stops the start, named
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config)

    db.init_app(app)
    _tune_sqlite(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(ROOT, "campaigns", "migrations"),
        render_as_batch=True,
    )
    redis_clients.init_app(app)
    ratelimits.init_app(app)
    security.init_app(app)
    json_depth.init_app(app)
    i18n.init_app(app)
    if app.config["COUNTERS_REDIS_CHECK"]:
        writer.check_counters_redis(app.extensions["redis"]["counters"])
    engine = Engine(
        app.extensions["redis"]["counters"],
        app.config["IDEMPOTENCY_TTL_SECONDS"],
        app.config["LEDGER_BACKLOG_MAX"],
        app.config["COUNTERS_WAIT_REPLICAS"],
        app.config["COUNTERS_WAIT_MS"],
    )
    # A rebuild of a campaign's state from SQL first writes what its streams still hold.
    engine.before_rebuild = ledger_writer.drain_campaign
    services.install(app, clock or Clock(), engine)

    games.register_all()
    _register_blueprints(app)
    register_error_handlers(app)  # after flask-smorest's, so ours answer
    _register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from campaigns.web.admin_api import blueprint as admin_api
    from campaigns.web.admin_api import wechat as _admin_wechat  # noqa: F401  (QR, winners routes)
    from campaigns.web.admin_api.openapi import ErrorResponses
    from campaigns.web.admin_api.schemas import ErrorOut
    from campaigns.web.console.setup import init_console
    from campaigns.web.favicon import blueprint as favicon
    from campaigns.web.health import blueprint as health
    from campaigns.web.wechat.callback import blueprint as wechat_callback
    from campaigns.web.wechat.oauth import blueprint as wechat_oauth
    from games.views import blueprint as h5

    app.register_blueprint(health)
    app.register_blueprint(favicon)
    app.register_blueprint(h5)
    init_console(app)
    app.register_blueprint(wechat_callback)
    app.register_blueprint(wechat_oauth)
    # No sandbox route here, whatever WECHAT_SANDBOX says: the sandbox is another host
    # (a development tool outside this package), reached by URL as WeChat is.
    api.ERROR_SCHEMA = ErrorOut
    api.init_app(app, spec_kwargs={"extra_plugins": [ErrorResponses()]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(admin_api)


def _register_cli(app: Flask) -> None:
    from campaigns.web.cli import register

    register(app)


def _engine_options(config) -> dict:
    options: dict = {"pool_pre_ping": True}
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        timeout = int(config["DB_LOCK_TIMEOUT_MS"])
        options["connect_args"] = {"options": f"-c lock_timeout={timeout}", "connect_timeout": 5}
    return options


def _tune_sqlite(app: Flask) -> None:
    """SQLite in WAL mode with a busy timeout, so several web processes can write in turn."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(app.config['DB_LOCK_TIMEOUT_MS'])}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
