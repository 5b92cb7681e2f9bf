"""gunicorn's worker classes side by side: /healthz and one play, at 64 connections, in one run.

    python -m bench.worker_classes             # sync, gthread, gevent
    python -m bench.worker_classes gevent      # just one

Each class gets the same gunicorn.conf.py (its processes, threads, timeouts), the same seeded
campaign and players and a fresh start, so their figures compare with each other; ``make bench``
then measures the chosen one (``GUNICORN_WORKER_CLASS``) in full. A class that answers any play
with a 5xx is reported as failing, whatever its speed.
"""

from __future__ import annotations

import shutil
import sys

from bench import run
from bench.cpu import CpuSplit
from devtools.embedded_redis import EmbeddedRedis

CLASSES = ("sync", "gthread", "gevent")
CONNECTIONS = 64


def measure(worker_class: str, campaign_id: int, cookie_file, env: dict) -> dict:
    web = run._spawn(
        ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:create_app()"],
        {**env, "GUNICORN_WORKER_CLASS": worker_class},
        f"web-{worker_class}.log",
    )
    try:
        run._wait_healthy()
        path, load_env = run.play_load(campaign_id, cookie_file, env)
        run._wrk("healthz.lua", "/healthz", 16, 2, load_env)  # warm every worker up
        run._wrk("play.lua", path, 16, 2, load_env)
        with CpuSplit({"web": web.pid}) as health_cpu:
            health = run._wrk("healthz.lua", "/healthz", CONNECTIONS, run.SECONDS, load_env)
        with CpuSplit({"web": web.pid}) as play_cpu:
            play = run._wrk("play.lua", path, CONNECTIONS, run.SECONDS, load_env)
    finally:
        web.terminate()
        web.wait(30)
    return {
        "healthz": health,
        "play": play,
        "ratio": play["rps"] / health["rps"],
        "healthz_web_us": health_cpu.per_request(health["requests"])["web"],
        "play_web_us": play_cpu.per_request(play["requests"])["web"],
    }


def main(classes: tuple[str, ...]) -> int:
    shutil.rmtree(run.OUT, ignore_errors=True)
    run.OUT.mkdir(parents=True)
    redis_server = EmbeddedRedis(str(run.OUT / "redis.sock"), str(run.OUT / "redis"))
    redis_server.start()
    env, app = run.server_env_and_app(redis_server.url, f"sqlite:///{run.OUT / 'bench.sqlite3'}")
    worker = None
    try:
        with app.app_context():
            run._migrate(env)
            campaign_id, cookies = run._seed(app)
        cookie_file = run.OUT / "cookies.txt"
        cookie_file.write_text("\n".join(cookies) + "\n")
        worker = run._spawn(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"], env, "worker.log"
        )
        print(
            f"{'class':8} {'healthz/s':>10} {'play/s':>8} {'ratio':>6} {'play p99 ms':>12} "
            f"{'web µs/healthz':>15} {'web µs/play':>12} 5xx"
        )
        failing = 0
        for worker_class in classes:
            result = measure(worker_class, campaign_id, cookie_file, env)
            play, health = result["play"], result["healthz"]
            errors = play["errors"] + sum(
                n for code, n in play["statuses"].items() if code.startswith("5")
            )
            failing += bool(errors)
            print(
                f"{worker_class:8} {health['rps']:10.0f} {play['rps']:8.0f} "
                f"{result['ratio']:6.2f} {play['p99_ms']:12.1f} "
                f"{result['healthz_web_us']:15.0f} {result['play_web_us']:12.0f} {errors}"
            )
    finally:
        if worker:
            worker.terminate()
            worker.wait(30)
        redis_server.stop()
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main(tuple(sys.argv[1:]) or CLASSES))
