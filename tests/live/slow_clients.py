"""Slow clients, as the outside probe ran them (issue 17, item 9): sockets that send the start
of a request line and then nothing, held open while an honest client asks for ``/healthz``.
Used by tests/live/test_slow_clients.py and by ``python -m bench.slow_clients``."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.conftest import free_port

SLOW = 16  # the probe's count: every thread of the Procfile's 4 processes of 4 threads
NGINX_CONFIG = Path(__file__).resolve().parents[2] / "docs" / "nginx.conf"


@contextmanager
def slow_sockets(port: int, count: int = SLOW):
    """``count`` connections to ``port`` each holding half a request line, closed on exit."""
    held = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /healthz HTT")  # a request line that never ends
            held.append(sock)
        time.sleep(1)  # let the server hand them to its threads
        yield held
    finally:
        for sock in held:
            sock.close()


def slowest_answer(url: str, requests_: int, wait: float) -> float | None:
    """Seconds of the slowest of a few ``/healthz`` requests; None if one got no answer."""
    slowest = 0.0
    for _ in range(requests_):
        began = time.perf_counter()
        try:
            response = requests.get(f"{url}/healthz", timeout=wait, headers={"Connection": "close"})
            response.raise_for_status()
        except requests.RequestException:
            return None
        slowest = max(slowest, time.perf_counter() - began)
    return slowest


def nginx_program() -> str | None:
    """Debian's nginx lives in /usr/sbin, which a non-root PATH may lack."""
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )


@contextmanager
def nginx_in_front(app_port: int, directory: Path, config: Path = NGINX_CONFIG):
    """nginx with ``config`` (its placeholders filled in for this machine) proxying to the app
    on ``app_port``; yields the port nginx listens on."""
    port = free_port()
    temp = directory / "nginx-temp"
    temp.mkdir()
    text = (
        config.read_text()
        .replace("LISTEN", f"127.0.0.1:{port}")
        .replace("PUBLIC_HOST", "127.0.0.1")
        .replace("NGINX_PID_FILE", str(directory / "nginx.pid"))
        .replace("NGINX_TEMP_DIR", str(temp))
        .replace("127.0.0.1:5000", f"127.0.0.1:{app_port}")
    )
    rendered = directory / "nginx.conf"
    rendered.write_text(text)
    nginx = subprocess.Popen(
        [nginx_program() or "nginx", "-c", str(rendered), "-g", "daemon off;"],
        stderr=open(directory / "nginx.log", "ab"),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.RequestException:
                if nginx.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"nginx did not start; see {directory / 'nginx.log'}"
                    ) from None
                time.sleep(0.1)
        yield port
    finally:
        nginx.terminate()
        nginx.wait(10)
