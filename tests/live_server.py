"""Real servers for tests that need them, in subprocesses on free loopback ports: the app as the
Procfile runs it (its ``web`` process, gunicorn with the production config, optionally with its
``worker`` beside it, sharing the test's database and Redis) and the WeChat sandbox's own server,
started by the command ``make run`` uses."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from devtools.sandbox import server as sandbox

# How long a started server may take to answer /healthz. Waiting costs nothing once it answers;
# on a machine shared by several suites, importing the app in every gunicorn worker took over
# 30 s (seen at a load average of 20 on 2 cores), so the bound is generous.
STARTUP_SECONDS = 120.0

ROOT = Path(__file__).resolve().parent.parent
# What a failed request or job, or a worker killed for hanging, leaves in gunicorn's and RQ's logs.
FAILURE_IN_LOG = re.compile(r"Traceback \(most recent call last\)|\[ERROR\]|\[CRITICAL\]")


def procfile_command(process: str) -> list[str]:
    """The command of one Procfile process (``web``, ``worker``), exactly as production runs
    it, its program taken from this virtualenv when it is there."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, colon, command = line.partition(":")
        if colon and name.strip() == process:
            program, *args = shlex.split(command)
            local = Path(sys.executable).with_name(program)
            return [str(local) if local.exists() else program, *args]
    raise LookupError(f"the Procfile has no {process!r} process")


class LiveServer:
    def __init__(
        self,
        port: int,
        env: dict[str, str],
        workers: int = 2,
        log_path: Path | None = None,
        with_worker: bool = False,
        command: list[str] | None = None,
        by_port: bool = False,
        with_writer: bool = False,
    ):
        """``command`` replaces the Procfile's ``web`` line (the sandbox's server). ``by_port``
        starts it as a platform does, with ``PORT`` alone (all interfaces, no ``BIND``).
        ``with_writer``: a ledger writer process beside the server (``flask ledger-writer``, the
        one the Procfile's worker starts), without the rest of the worker."""
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        listen = {"BIND": "", "PORT": str(port)} if by_port else {"BIND": f"127.0.0.1:{port}"}
        self.env = {**os.environ, **env, **listen, "WEB_CONCURRENCY": str(workers)}
        self.log_path = log_path
        self.with_worker = with_worker
        self.command = command
        self.with_writer = with_writer
        self.process: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.writer: subprocess.Popen | None = None

    @property
    def worker_log_path(self) -> Path | None:
        return (
            self.log_path.with_name(self.log_path.stem + "-worker.log") if self.log_path else None
        )

    @property
    def name(self) -> str:
        return self.command[-1] if self.command else "gunicorn"

    @property
    def writer_log_path(self) -> Path | None:
        return (
            self.log_path.with_name(self.log_path.stem + "-writer.log") if self.log_path else None
        )

    def _spawn(self, process: str, log_path: Path | None) -> subprocess.Popen:
        log = open(log_path, "ab") if log_path else subprocess.DEVNULL
        command = self.command if self.command and process == "web" else None
        if process == "writer":
            worker = procfile_command("worker")
            command = [*worker[: worker.index("worker")], "ledger-writer"]
        return subprocess.Popen(
            command or procfile_command(process), cwd=ROOT, env=self.env, stdout=log, stderr=log
        )

    def start_writer(self) -> subprocess.Popen:
        """(Re)start the ledger writer process."""
        self.writer = self._spawn("writer", self.writer_log_path)
        return self.writer

    def kill_writer(self) -> None:
        """SIGKILL the ledger writer, as a crash would (mid-batch or not)."""
        if self.writer is not None and self.writer.poll() is None:
            self.writer.kill()
            self.writer.wait()

    def start(self, timeout: float = STARTUP_SECONDS) -> LiveServer:
        return self.spawn().wait_healthy(timeout)

    def spawn(self) -> LiveServer:
        """Start the processes without waiting (several servers then boot side by side)."""
        self.process = self._spawn("web", self.log_path)
        if self.with_worker:
            self.worker = self._spawn("worker", self.worker_log_path)
        if self.with_writer:
            self.start_writer()
        return self

    def wait_healthy(self, timeout: float = STARTUP_SECONDS) -> LiveServer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in ((self.name, self.process), ("the worker", self.worker)):
                if process is not None and process.poll() is not None:
                    self.stop()  # the other one too: no orphan outlives the failed start
                    raise RuntimeError(
                        f"{name} exited with {process.returncode}; see {self.log_path}"
                    )
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer /healthz within {timeout:.0f} s")

    def failures_in_logs(self) -> list[str]:
        """Lines of the server's and the worker's logs that show a failure (tracebacks, errors)."""
        found = []
        logs = (
            self.log_path,
            self.worker_log_path if self.with_worker else None,
            self.writer_log_path if self.with_writer else None,
        )
        for path in logs:
            if path and path.exists():
                lines = path.read_text(errors="replace").splitlines()
                found += [f"{path.name}: {line}" for line in lines if FAILURE_IN_LOG.search(line)]
        return found

    def terminate(self) -> None:
        """Ask the processes to stop (gracefully: plays in flight finish) without waiting."""
        for process in (self.process, self.worker, self.writer):
            if process and process.poll() is None:
                process.terminate()

    def stop(self) -> None:
        self.terminate()
        for process in (self.process, self.worker, self.writer):
            if process is None:
                continue
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def sandbox_server(port: int, env: dict[str, str], log_path: Path | None = None) -> LiveServer:
    """The sandbox's own server on ``port`` (its settings in ``env``: REDIS_URL, the app's
    PUBLIC_BASE_URL, WECHAT_*), started; it answers at its ``url``."""
    url = f"http://127.0.0.1:{port}"
    own = {**env, "WECHAT_SANDBOX_URL": url, "SANDBOX_BIND": f"127.0.0.1:{port}"}
    return LiveServer(port, own, log_path=log_path, command=sandbox.COMMAND).start()
