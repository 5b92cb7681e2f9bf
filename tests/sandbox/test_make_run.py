"""``make run`` (devtools/runner.py) starts the sandbox's own server beside the web server and
the worker, prints its URLs, points the app at it by URL, and supervises it like the others: if
the sandbox dies, the whole run stops (a broken run is never mistaken for a working one)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading

import psutil
import pytest
import requests

from devtools.sandbox.config import with_db
from tests.conftest import free_port
from tests.live_server import ROOT
from tests.sandbox_client import sign_in

pytestmark = [pytest.mark.one_database, pytest.mark.slow]


def read_lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def wait_for_line(lines: queue.Queue, text: str, seen: list[str], timeout: float = 120) -> None:
    """Read the runner's output until a line contains ``text`` (a bound on waiting)."""
    while True:
        line = lines.get(timeout=timeout)
        if line is None:
            raise AssertionError("the runner exited:\n" + "".join(seen))
        seen.append(line)
        if text in line:
            return


def test_make_run_starts_supervises_and_stops_the_sandbox(redis_url, tmp_path):
    web, sandbox = free_port(), free_port()
    env = {
        **os.environ,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "REDIS_URL": redis_url,
        "SANDBOX_REDIS_URL": with_db(redis_url, 4),  # not the sandbox server's database
        "BIND": f"127.0.0.1:{web}",
        "WECHAT_SANDBOX_URL": f"http://127.0.0.1:{sandbox}",
        "WEB_CONCURRENCY": "1",
        "SANDBOX_WORKERS": "1",
    }
    env.pop("WECHAT_SANDBOX", None)  # the runner's default: on
    runner = subprocess.Popen(
        [sys.executable, "-m", "devtools.runner"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=read_lines, args=(runner.stdout, lines), daemon=True).start()
    seen: list[str] = []
    try:
        wait_for_line(lines, "Press Ctrl-C to stop.", seen)
        output = "".join(seen)
        assert f"phone         http://127.0.0.1:{sandbox}/phone" in output, output
        assert f"call log      http://127.0.0.1:{sandbox}/" in output, output
        # Where the marketers' console is, and the two commands a newcomer needs first.
        assert f"console       http://127.0.0.1:{web}/admin" in output, output
        assert "flask --app wsgi user create --username mia --role marketer" in output, output
        assert "flask --app wsgi token create --role marketer" in output, output
        app_url, sandbox_url = f"http://127.0.0.1:{web}", f"http://127.0.0.1:{sandbox}"
        assert (
            "text/html"
            in requests.get(f"{app_url}/admin/login", timeout=10).headers["Content-Type"]
        )
        assert requests.get(f"{app_url}/favicon.ico", timeout=10).content[:4] == b"\0\0\1\0"
        assert requests.get(f"{sandbox_url}/phone", timeout=10).status_code == 200
        assert requests.get(f"{app_url}/sandbox/phone", timeout=10).status_code == 404
        sign_in(app_url, "o-make-run-01")  # the app finds the sandbox by WECHAT_SANDBOX_URL
        exchanges = requests.get(f"{sandbox_url}/calls", timeout=10).json()["calls"]
        assert [c["endpoint"] for c in exchanges][:1] == ["sns/oauth2/access_token"]

        [master] = [
            p
            for p in psutil.Process(runner.pid).children()
            if "devtools.sandbox.app:create_sandbox_app()" in " ".join(p.cmdline())
        ]
        os.killpg(master.pid, signal.SIGKILL)  # the sandbox dies on its own
        assert runner.wait(timeout=90) != 0
        wait_for_line(lines, "the sandbox process exited on its own", seen, timeout=5)
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{app_url}/healthz", timeout=5)  # the web server was stopped too
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
