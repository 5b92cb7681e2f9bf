"""Sixteen slow clients against the server, as the outside probe ran them (issue 17, item 9).

Each of 16 sockets sends the start of a request line and then nothing, holding it open;
meanwhile one honest client asks for ``/healthz`` a few times. Straight at gunicorn bound to
loopback (gthread: 4 processes of 4 threads) every thread ends up holding one of the slow
sockets; bound by ``PORT`` (gevent, gunicorn.conf.py) or with ``--nginx`` in front they cost
nothing. tests/live/test_slow_clients.py checks the last two in the suite.

    python -m bench.slow_clients              # straight at gunicorn, BIND (gthread)
    python -m bench.slow_clients --port       # gunicorn binding PORT itself (gevent)
    python -m bench.slow_clients --nginx      # docs/nginx.conf in front

It prints the honest client's slowest /healthz answer (or that it got none within the wait).
"""

from __future__ import annotations

import argparse
import tempfile
from contextlib import nullcontext
from pathlib import Path

from tests.live.deployment import Deployment
from tests.live.slow_clients import SLOW, nginx_in_front, slow_sockets, slowest_answer

HONEST_REQUESTS = 5
WAIT_SECONDS = 120


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--nginx", action="store_true", help="docs/nginx.conf in front")
    where.add_argument("--port", action="store_true", help="gunicorn binds PORT itself")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="slow-clients-"))
    deployment = Deployment(
        directory, f"sqlite:///{directory / 'slow.sqlite3'}", workers=4, by_port=args.port
    )
    deployment.start()
    try:
        front = nginx_in_front(deployment.app.port, directory) if args.nginx else None
        with front or nullcontext(deployment.app.port) as port:
            with slow_sockets(port):
                slowest = slowest_answer(f"http://127.0.0.1:{port}", HONEST_REQUESTS, WAIT_SECONDS)
        if args.nginx:
            where = "through nginx"
        else:
            where = "at gunicorn bound by PORT" if args.port else "straight at gunicorn"
        if slowest is None:
            outcome = f"/healthz got no answer within {WAIT_SECONDS} s"
        else:
            outcome = f"slowest of {HONEST_REQUESTS} /healthz {slowest:.2f} s"
        print(f"{SLOW} slow sockets {where}: {outcome}")
    finally:
        deployment.stop()


if __name__ == "__main__":
    main()
