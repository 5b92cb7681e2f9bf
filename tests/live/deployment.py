"""The product as it is deployed, for the live-server suite: a fresh database migrated by the
CLI, the suite's own embedded Redis, the Procfile's ``web`` (gunicorn) and ``worker`` processes,
and WeChat at a URL (the sandbox, in a server of its own).

WeChat is reached only through the ``WECHAT_*_BASE_URL`` settings, as production reaches WeChat,
so pointing the deployment at another sandbox means changing ``start_wechat`` alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests
from flask import Flask

from campaigns.config import Config
from campaigns.management import tokens, users
from campaigns.web.app import create_app
from campaigns.web.extensions import db
from devtools.embedded_redis import EmbeddedRedis
from devtools.sandbox import server as sandbox
from tests.conftest import free_port
from tests.live_server import ROOT, LiveServer
from tests.sandbox_client import SandboxClient, wechat_settings

SECRET_KEY = "live-suite-secret"
CONSOLE_PASSWORD = "live suite password"


def fresh_postgres_database(url: str, suffix: str) -> str:
    """A new, empty database beside the one ``url`` names (dropped first if a run left it)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + suffix
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


@dataclass
class Deployment:
    """One deployment: ``app`` (web and worker), ``wechat`` (the sandbox) and their Redis."""

    directory: Path
    database_url: str
    settings: dict[str, str] = field(default_factory=dict)
    workers: int = 2
    by_port: bool = False  # gunicorn binds PORT itself, as on a platform without a proxy

    def start(self) -> Deployment:
        self.redis = EmbeddedRedis(str(self.directory / "redis.sock"), str(self.directory))
        self.redis.start()
        app_port, wechat_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{app_port}"
        self.env = {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url,
            "COUNTERS_REDIS_URL": self.redis.url,
            "SECRET_KEY": SECRET_KEY,
            "PUBLIC_BASE_URL": self.url,
            "INSTANCE_PATH": str(self.directory / "instance"),
            "WECHAT_SANDBOX": "0",
            "PYTHONUNBUFFERED": "1",
            "RATELIMIT_SCALE": "1",  # the limits as deployed, unless a module says otherwise
            **self.settings,
        }
        self.wechat = self.wechat_server(wechat_port).spawn()
        self.env.update(wechat_settings(self.wechat.url))
        self.flask("db", "upgrade")  # while WeChat boots
        self.app = LiveServer(
            app_port,
            self.env,
            workers=self.workers,
            log_path=self.directory / "web.log",
            with_worker=True,
            by_port=self.by_port,
        ).spawn()
        self.wechat.wait_healthy()
        self.app.wait_healthy()
        self.sandbox = SandboxClient(self.wechat.url)
        return self

    def wechat_server(self, port: int) -> LiveServer:
        """WeChat for this deployment: the sandbox's own server (the command ``make run``
        starts it with), whose account's domain and callback are this deployment's app, with its
        memory in a Redis database of its own (its default: database 1 of the app's Redis)."""
        url = f"http://127.0.0.1:{port}"
        env = {
            "REDIS_URL": self.redis.url,
            "PUBLIC_BASE_URL": self.url,
            "INSTANCE_PATH": str(self.directory / "wechat"),
            "WECHAT_SANDBOX_URL": url,
            "SANDBOX_BIND": f"127.0.0.1:{port}",
            "PYTHONUNBUFFERED": "1",
        }
        return LiveServer(
            port, env, workers=1, log_path=self.directory / "wechat.log", command=sandbox.COMMAND
        )

    def flask(self, *args: str) -> str:
        """A ``flask --app wsgi`` command against this deployment, as an operator runs it."""
        return self.run_python("-m", "flask", "--app", "wsgi", *args)

    def run_python(self, *args: str) -> str:
        """``python ARGS`` against this deployment (its settings in the environment); stdout."""
        done = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env={**self.app_env(), "PYTHONWARNINGS": "ignore"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"python {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def app_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    @cached_property
    def configured_app(self) -> Flask:
        """The app in this process, configured exactly as the live server (its url_map; its
        database for setting up, as the CLI would)."""
        return create_app(Config(self.env["INSTANCE_PATH"], environ=self.env).as_dict())

    def token(self, role: str) -> str:
        """What ``flask token create`` does, without booting a CLI process."""
        with self.configured_app.app_context():
            return tokens.create_token(db.session, role, f"live-{role}", datetime.now(UTC))

    def console_user(self, username: str, role: str) -> None:
        """What ``flask user create`` does."""
        with self.configured_app.app_context():
            users.create_user(db.session, username, role, CONSOLE_PASSWORD, datetime.now(UTC))

    def failures_in_logs(self) -> list[str]:
        return self.app.failures_in_logs() + self.wechat.failures_in_logs()

    def stop(self) -> None:
        servers = [getattr(self, name) for name in ("app", "wechat") if hasattr(self, name)]
        for server in servers:  # whatever a failed start got to, all at once
            server.terminate()
        for server in servers:
            server.stop()
        if "configured_app" in vars(self):
            with self.configured_app.app_context():
                db.engine.dispose()
        if hasattr(self, "redis"):
            self.redis.stop()


def browser() -> requests.Session:
    """A new browser (or script) for the live servers. It opens a connection per request: one
    kept alive would race gunicorn closing it after its keep-alive (5 s) on a busy machine, and
    requests does not retry as a browser does, so a request could fail that no server refused."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def sign_in_player(app_url: str, openid: str, next_path: str = "/") -> requests.Session:
    """A new browser signed in through WeChat OAuth (the sandbox approving as ``openid``)."""
    browser_ = browser()
    back = oauth_round_trip(browser_, app_url, openid, next_path)
    assert back.status_code == 302 and back.headers["Location"] == next_path, back.text[:300]
    return browser_


def oauth_round_trip(
    browser: requests.Session, app_url: str, openid: str, next_path: str = "/"
) -> requests.Response:
    """Start, approve at the sandbox, come back: the callback's response."""
    start = browser.get(f"{app_url}/oauth/start", params={"next": next_path}, allow_redirects=False)
    assert start.status_code == 302, start.text[:300]
    authorize = start.headers["Location"].split("#")[0]  # the fragment is for WeChat's client
    approved = browser.get(authorize, params={"openid": openid}, allow_redirects=False)
    assert approved.status_code == 302, approved.text[:300]
    return browser.get(approved.headers["Location"], allow_redirects=False)
