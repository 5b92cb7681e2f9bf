"""Sixteen slow clients against the server, as the outside probe ran them (issue 17, item 9).

Each of ``SLOW`` sockets sends the start of a request line and then nothing, holding it open;
meanwhile one honest client asks for ``/healthz`` a few times. Straight at gunicorn (the
Procfile's, 4 processes of 4 threads) every thread ends up holding one of the slow sockets; with
``--nginx docs/nginx.conf`` nginx sits in front and gunicorn only ever sees whole requests.

    python -m bench.slow_clients              # straight at gunicorn
    python -m bench.slow_clients --nginx docs/nginx.conf

It prints the honest client's slowest /healthz answer (or that it got none within the wait).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from tests.conftest import free_port
from tests.live.deployment import Deployment

SLOW = 16
HONEST_REQUESTS = 5
WAIT_SECONDS = 120


def nginx_in_front(config: Path, app_port: int, directory: Path) -> tuple[subprocess.Popen, int]:
    """nginx with ``config``, its placeholders filled in for this machine, proxying to the app."""
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
        [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(rendered), "-g", "daemon off;"],
        stderr=open(directory / "nginx.log", "ab"),
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return nginx, port
        except requests.RequestException:
            time.sleep(0.1)
    nginx.terminate()
    raise RuntimeError("nginx did not start; see nginx.log")


def hold_slow_sockets(port: int) -> list[socket.socket]:
    held = []
    for _ in range(SLOW):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"GET /healthz HTT")  # a request line that never ends
        held.append(sock)
    time.sleep(1)  # let the server hand them to its threads
    return held


def slowest_answer(port: int) -> float | None:
    """Seconds of the slowest of a few /healthz requests; None if one got no answer in time."""
    slowest = 0.0
    for _ in range(HONEST_REQUESTS):
        began = time.perf_counter()
        try:
            response = requests.get(
                f"http://127.0.0.1:{port}/healthz",
                timeout=WAIT_SECONDS,
                headers={"Connection": "close"},
            )
            response.raise_for_status()
        except requests.RequestException:
            return None
        slowest = max(slowest, time.perf_counter() - began)
    return slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nginx", type=Path, help="an nginx configuration to put in front")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="slow-clients-"))
    deployment = Deployment(directory, f"sqlite:///{directory / 'slow.sqlite3'}", workers=4)
    deployment.start()
    nginx = None
    try:
        port = deployment.app.port
        if args.nginx:
            nginx, port = nginx_in_front(args.nginx, deployment.app.port, directory)
        held = hold_slow_sockets(port)
        slowest = slowest_answer(port)
        for sock in held:
            sock.close()
        where = "through nginx" if args.nginx else "straight at gunicorn"
        if slowest is None:
            outcome = f"/healthz got no answer within {WAIT_SECONDS} s"
        else:
            outcome = f"slowest of {HONEST_REQUESTS} /healthz {slowest:.2f} s"
        print(f"{SLOW} slow sockets {where}: {outcome}")
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait(10)
        deployment.stop()


if __name__ == "__main__":
    main()
