"""Real servers for tests that need them, in subprocesses on free loopback ports: the app
(gunicorn with the production config) and the WeChat sandbox's own server, both started by the
commands production and ``make run`` use."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from campaigns.sandbox import server as sandbox

ROOT = Path(__file__).resolve().parent.parent
APP_COMMAND = [
    str(Path(sys.executable).with_name("gunicorn")),
    "-c",
    "gunicorn.conf.py",
    "wsgi:create_app()",
]


class LiveServer:
    def __init__(
        self,
        port: int,
        env: dict[str, str],
        workers: int = 2,
        log_path: Path | None = None,
        command: list[str] | None = None,
    ):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            **env,
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(workers),
        }
        self.log_path = log_path
        self.command = command or APP_COMMAND
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> LiveServer:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=log, stderr=log
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.command[-1]} exited with {self.process.returncode}; see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.command[-1]} did not answer /healthz in time")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def sandbox_server(port: int, env: dict[str, str], log_path: Path | None = None) -> LiveServer:
    """The sandbox's own server on ``port`` (its settings in ``env``: REDIS_URL, the app's
    PUBLIC_BASE_URL, WECHAT_*), started; it answers at its ``url``."""
    url = f"http://127.0.0.1:{port}"
    own = {**env, "WECHAT_SANDBOX_URL": url, "SANDBOX_BIND": f"127.0.0.1:{port}"}
    return LiveServer(port, own, log_path=log_path, command=sandbox.COMMAND).start()
