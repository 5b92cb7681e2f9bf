"""The application factory: the only place that knows every part of the system."""

from __future__ import annotations

import os

from flask import Flask

import games
from campaigns.clock import Clock
from campaigns.config import Config
from campaigns.draw.engine import Engine
from campaigns.extensions import api, db, migrate, redis_clients
from campaigns.http_errors import register_error_handlers


def create_app(overrides: dict | None = None, clock: Clock | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or os.path.join(os.getcwd(), "instance"),
        static_folder=os.path.join(os.path.dirname(os.path.dirname(__file__)), "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(Config(app.instance_path).as_dict())
    if overrides:
        app.config.from_mapping(overrides)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config)

    db.init_app(app)
    _tune_sqlite(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(__file__), "migrations"),
        render_as_batch=True,
    )
    redis_clients.init_app(app)
    app.extensions["clock"] = clock or Clock()
    app.extensions["engine"] = Engine(
        app.extensions["redis"]["counters"], app.config["IDEMPOTENCY_TTL_SECONDS"]
    )

    games.register_all()
    _register_blueprints(app)
    register_error_handlers(app)  # after flask-smorest's, so ours answer
    _register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from campaigns.admin_api import blueprint as admin_api
    from campaigns.health import blueprint as health
    from games.views import blueprint as h5

    app.register_blueprint(health)
    app.register_blueprint(h5)
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(admin_api)


def _register_cli(app: Flask) -> None:
    from campaigns.cli import register

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
