"""The sign-in burst of ``make bench``: 2,000 players behind one IP address sign in through WeChat
OAuth within a minute, as a crowd at a venue does when a poster goes up (SPEC: none refused).

The product as deployed (tests/live/deployment.py): a fresh database, the Procfile's web and
worker with the rate limits as deployed, and the sandbox playing WeChat in a server of its own.
``CLIENTS`` phones at a time each make a new browser and sign in: ``/oauth/start``, the sandbox's
authorize page approving as the player, ``/oauth/callback`` (where the app exchanges the code
with the sandbox and records the player). A sign-in's time runs from the start to the
callback's redirect; anything but that redirect to the game page is an error, a 429 a refusal.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import quantiles

import requests

from tests.live.deployment import Deployment, browser, fresh_postgres_database, oauth_round_trip

PLAYERS = int(os.environ.get("BENCH_SIGN_INS", "2000"))
CLIENTS = 64
NEXT = "/h5/1/"


def run(directory: Path, database_url: str | None = None) -> dict:
    """Sign-ins/s, p50/p99 of one sign-in, errors and refusals of the burst."""
    directory.mkdir(parents=True, exist_ok=True)
    if database_url and database_url.startswith("postgresql"):
        database_url = fresh_postgres_database(database_url, "_sign_in")
    deployment = Deployment(
        directory,
        database_url or f"sqlite:///{directory / 'sign-in.sqlite3'}",
        workers=2 * (os.cpu_count() or 1),  # gunicorn.conf.py's default
    ).start()
    try:
        began = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(lambda n: _sign_in(deployment.url, n), range(PLAYERS)))
        seconds = time.perf_counter() - began
        failures = deployment.failures_in_logs()
    finally:
        deployment.stop()
    times = sorted(elapsed for ok, _, elapsed in results if ok)
    cuts = quantiles(times, n=100) if len(times) > 1 else [0.0] * 99
    statuses: dict[str, int] = {}
    for _, status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "players": PLAYERS,
        "clients": CLIENTS,
        "seconds": round(seconds, 1),
        "sign_ins_per_s": len(times) / seconds,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
        "errors": PLAYERS - len(times),
        "refused": statuses.get("429", 0),
        "statuses": statuses,
        "log_failures": len(failures),
    }


def _sign_in(url: str, number: int) -> tuple[bool, str, float]:
    """(signed in, what came back, seconds) for a new phone."""
    started = time.perf_counter()
    try:
        with browser() as phone:
            back = oauth_round_trip(phone, url, f"o-burst-{number:06d}", NEXT)
    except (AssertionError, requests.RequestException) as exc:
        return False, type(exc).__name__, time.perf_counter() - started
    ok = back.status_code == 302 and back.headers.get("Location") == NEXT
    return ok, str(back.status_code), time.perf_counter() - started


def table(burst: dict) -> list[str]:
    within = "yes" if burst["seconds"] <= 60 else "no"
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(burst["statuses"].items()))
    return [
        "",
        f"| sign-in burst: {burst['players']:,} players behind one IP, {burst['clients']} at a "
        "time, through the sandbox's OAuth (its own server) | |",
        "|---|---|",
        f"| all signed in within | {burst['seconds']} s (within a minute: {within}) |",
        f"| sign-ins/s | {burst['sign_ins_per_s']:.0f} |",
        f"| one sign-in (start, authorize, callback) p50 / p99 | {burst['p50_ms']:.0f} / "
        f"{burst['p99_ms']:.0f} ms |",
        f"| errors / refused (429) | {burst['errors']} / {burst['refused']} |",
        f"| callbacks' statuses | {statuses} |",
        f"| failures in the server's logs | {burst['log_failures']} |",
    ]


if __name__ == "__main__":  # the burst alone: python -m bench.sign_in_burst
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sign-in-burst-") as workdir:
        print("\n".join(table(run(Path(workdir), os.environ.get("BENCH_DATABASE_URL")))))
