"""``make bench``: the server as production runs it, loaded with wrk, measured in one run.

Starts an embedded Redis, migrates a fresh SQLite file (or ``BENCH_DATABASE_URL``), seeds a
campaign and thousands of players, starts gunicorn with ``gunicorn.conf.py``, an RQ worker and
the WeChat sandbox's own server (winner notices go there), then measures and prints (and writes
to ``bench/results.md``):

- requests/s, p50 and p99 of ``GET /healthz`` and ``POST /h5/<id>/play`` at 16, 64 and 256
  connections, and their ratio (our cost above the framework), with the ledger writer's lag
  (p50/p99 of the age of the oldest play not yet in SQL, sampled every 50 ms: a bound on any
  play's time from decision to SQL row);
- the same ``/healthz`` answered by a bare Flask app under the same gunicorn settings
  (bench/hello.py): the app's middleware's own cost;
- play/s at 64 connections with the counters Redis on ``appendfsync everysec`` and ``always``,
  then with a replica following it, answered on the primary's word and with
  ``COUNTERS_WAIT_REPLICAS=1`` (each play answered once the replica holds it);
- draws/s of the Lua draw script alone, pipelined from one client, beside plain INCR;
- a hot campaign's draws/s with 1 and with 3 shards on a local 3-master Redis Cluster
  (bench/shard_bench.py);
- the verifiable-draw overhead: seeded numbers (HMAC) per second and hash-chain entries per second;
- peak RSS per web worker and Redis memory per 100,000 plays;
- after the load: wins <= stock for every prize, Redis and SQL ledgers equal once drained, no
  player over limits. An oversell exits non-zero;
- a sign-in burst: 2,000 players behind one IP sign in through the sandbox's OAuth, 64 at a time,
  on a deployment of their own with the rate limits as deployed (bench/sign_in_burst.py):
  sign-ins/s, p50/p99 of one sign-in, errors and refusals. Any of them exits non-zero.

Everything stays on loopback, every loop is bounded. ``BENCH_SECONDS`` sets each wrk run's length
(default 8), ``BENCH_SOAK_SECONDS`` adds a soak of that length (``make soak``: 600),
``BENCH_LEVELS`` the connection counts (default ``16,64,256``), and ``BENCH_HTTP_ONLY=1`` stops
after the HTTP runs and the invariants (a quick look, under a minute at one level).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench import engine_bench, invariants, seed, shard_bench, sign_in_burst  # noqa: E402
from bench import notices as notices_bench  # noqa: E402
from bench.cpu import CpuSplit, ratio_ceiling  # noqa: E402
from campaigns.models import Play  # noqa: E402
from campaigns.web.app import create_app  # noqa: E402
from campaigns.web.extensions import db  # noqa: E402
from devtools.embedded_redis import EmbeddedRedis  # noqa: E402
from devtools.sandbox import server as sandbox_server  # noqa: E402

LEVELS = tuple(int(n) for n in os.environ.get("BENCH_LEVELS", "16,64,256").split(","))
HTTP_ONLY = os.environ.get("BENCH_HTTP_ONLY") == "1"
HELLO_PORT = int(os.environ.get("BENCH_HELLO_PORT", "5097"))
# The counters Redis also listens here, so that a replica can follow it (replication is TCP only);
# the servers keep reaching it by its unix socket.
PRIMARY_PORT = int(os.environ.get("BENCH_PRIMARY_PORT", "5096"))
REPLICA_PORT = int(os.environ.get("BENCH_REPLICA_PORT", "5095"))
FSYNC_LEVEL = 64 if 64 in LEVELS else LEVELS[0]
SPLIT_LEVEL = FSYNC_LEVEL  # the CPU split by process (bench/cpu.py) is taken at this load
PLAYERS = 5000
PORT = int(os.environ.get("BENCH_PORT", "5099"))
SANDBOX_PORT = int(os.environ.get("BENCH_SANDBOX_PORT", "5098"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
SOAK_SECONDS = int(os.environ.get("BENCH_SOAK_SECONDS", "0"))
OUT = ROOT / "bench" / "out"


def main() -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    redis_server = EmbeddedRedis(str(OUT / "redis.sock"), str(OUT / "redis"), PRIMARY_PORT)
    redis_server.start()
    redis_url = f"unix://{redis_server.socket_path}"
    database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{OUT / 'bench.sqlite3'}"
    env, app = server_env_and_app(redis_url, database_url)
    results: dict = {"started": datetime.now(UTC).isoformat(timespec="seconds")}
    with app.app_context():
        _migrate(env)
        campaign_id, cookies = _seed(app)
    cookie_file = OUT / "cookies.txt"
    cookie_file.write_text("\n".join(cookies) + "\n")

    web = _spawn(["gunicorn", "-c", "gunicorn.conf.py", "wsgi:create_app()"], env, "web.log")
    hello_env = {**env, "BIND": f"127.0.0.1:{HELLO_PORT}"}
    hello = _spawn(
        ["gunicorn", "-c", "gunicorn.conf.py", "bench.hello:app"], hello_env, "hello.log"
    )
    worker = _spawn([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], env, "worker.log")
    sandbox = _spawn(sandbox_server.COMMAND, env, "sandbox.log")
    try:
        _wait_healthy()
        sampler = _RssSampler(web.pid)
        sampler.start()
        with app.app_context():
            memory_before = app.extensions["redis"]["main"].info("memory")["used_memory"]
            plays_before = _count_plays()
        roots = {
            "web": web.pid,
            "redis": redis_server.pid,
            "worker": worker.pid,
            "sandbox": sandbox.pid,
        }
        results["http"] = _http_runs(campaign_id, cookie_file, env, app, roots)
        path, load_env = play_load(campaign_id, cookie_file, env)
        results["notices"] = notices_bench.run(
            app, env, worker.pid, lambda: _wrk("play.lua", path, 64, SECONDS, load_env)
        )
        results["fsync"] = _fsync_runs(campaign_id, cookie_file, env, redis_server)
        results["replica"], web = _replica_runs(campaign_id, cookie_file, env, web)
        if SOAK_SECONDS:
            results["soak"] = _soak(campaign_id, cookie_file, env, sampler, app)
        sampler.stop()
        results["rss_peak_mb"] = sampler.peak_mb()
        _drain(app)
        with app.app_context():
            redis = app.extensions["redis"]["main"]
            plays = _count_plays() - plays_before
            grown = redis.info("memory")["used_memory"] - memory_before
            results["plays"] = plays
            results["redis_bytes_per_100k_plays"] = int(grown / max(plays, 1) * 100_000)
            counters = app.extensions["redis"]["counters"]
            results["invariants"] = invariants.check(db.session, counters, campaign_id)
            if not HTTP_ONLY:
                results["engine"] = engine_bench.run(app)
                results["report"] = _report_latency(app)
        if not HTTP_ONLY:
            results["shards"] = shard_bench.run(database_url, redis_url)
            results["sign_in"] = sign_in_burst.run(
                OUT / "sign-in", os.environ.get("BENCH_DATABASE_URL")
            )
    finally:
        for process in (web, hello, worker, sandbox):
            process.terminate()
        for process in (web, hello, worker, sandbox):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        redis_server.stop()
    table = _table(results)
    print(table)
    if not HTTP_ONLY:  # a quick look does not replace the full results
        (ROOT / "bench" / "results.md").write_text(table + "\n")
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    burst = results.get("sign_in") or {"errors": 0, "log_failures": 0}
    signed_in = burst["errors"] == 0 and burst["log_failures"] == 0
    return 0 if results["invariants"]["ok"] and signed_in else 1


def server_env_and_app(redis_url: str, database_url: str) -> tuple[dict, object]:
    """The servers' environment (gunicorn, worker, sandbox) and an app in this process on the
    same database and Redis, for seeding and checking. Shared by bench/worker_classes.py."""
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret",
        "INSTANCE_PATH": str(OUT / "instance"),
        "BIND": f"127.0.0.1:{PORT}",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{PORT}",
        "RATELIMIT_ENABLED": "0",  # the load comes from one IP with few players per second
        "WECHAT_SANDBOX": "1",  # notices go to our own sandbox: nothing leaves the machine
        "WECHAT_SANDBOX_URL": f"http://127.0.0.1:{SANDBOX_PORT}",
    }
    env.pop("COUNTERS_REDIS_URL", None)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "COUNTERS_REDIS_URL": redis_url,
            "SECRET_KEY": "bench-secret",
        }
    )
    return env, app


def _migrate(env: dict) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def _seed(app) -> tuple[int, list[str]]:
    now = datetime.now(UTC)
    campaign = seed.live_campaign(
        app, "Bench wheel", now, plays_per_user_per_day=200, wins_per_user_total=3
    )
    return campaign.id, seed.player_cookies(app, PLAYERS, now)


def _spawn(command: list[str], env: dict, log: str) -> subprocess.Popen:
    if "/" not in command[0]:  # a console script of this virtualenv
        command = [str(Path(sys.executable).with_name(command[0])), *command[1:]]
    handle = open(OUT / log, "ab")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=handle)


def _wait_healthy(timeout: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not come up; see bench/out/web.log")


def _wrk(
    script: str, path: str, connections: int, seconds: int, env: dict, port: int = PORT
) -> dict:
    command = [
        "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(ROOT / "bench" / script), f"http://127.0.0.1:{port}{path}",
    ]  # fmt: skip
    env = {**env, "BENCH_DIR": str(ROOT / "bench")}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line[6:])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def play_load(campaign_id: int, cookie_file: Path, env: dict) -> tuple[str, dict]:
    """The play path and wrk's environment for bench/play.lua (its players' cookies, the path)."""
    path = f"/h5/{campaign_id}/play"
    return path, {**env, "BENCH_COOKIES": str(cookie_file), "BENCH_PATH": path}


def _http_runs(campaign_id: int, cookie_file: Path, env: dict, app, roots: dict) -> dict:
    """Each load level: /healthz, the bare Flask hello, and plays with the writer's lag sampled;
    at SPLIT_LEVEL, /healthz and the plays also with the machine's CPU split by process."""
    path, load_env = play_load(campaign_id, cookie_file, env)
    _wrk("healthz.lua", "/healthz", 16, 2, load_env)  # warm up every worker
    _wrk("healthz.lua", "/healthz", 16, 2, load_env, HELLO_PORT)
    _wrk("play.lua", path, 16, 2, load_env)
    runs = {}
    for level in LEVELS:
        with CpuSplit(roots) as health_cpu:
            health = _wrk("healthz.lua", "/healthz", level, SECONDS, load_env)
        hello = _wrk("healthz.lua", "/healthz", level, SECONDS, load_env, HELLO_PORT)
        with _LagSampler(app, campaign_id) as lag, CpuSplit(roots) as play_cpu:
            play = _wrk("play.lua", path, level, SECONDS, load_env)
        runs[level] = {
            "healthz": health,
            "hello": hello,
            "play": play,
            "ratio": play["rps"] / health["rps"],
            "writer_lag_ms": lag.percentiles(),
        }
        if level == SPLIT_LEVEL:
            runs[level]["cpu_us"] = {
                "healthz": health_cpu.per_request(health["requests"]),
                "play": play_cpu.per_request(play["requests"]),
            }
    return runs


def _fsync_runs(campaign_id: int, cookie_file: Path, env: dict, redis_server) -> dict:
    """Play at one load with the counters Redis fsyncing its AOF every second, then on every
    write (CONFIG SET: the same server, the same data)."""
    path, load_env = play_load(campaign_id, cookie_file, env)
    runs = {}
    with redis_server.client() as client:
        try:
            for mode in ("everysec", "always"):
                client.config_set("appendfsync", mode)
                runs[mode] = _wrk("play.lua", path, FSYNC_LEVEL, SECONDS, load_env)
        finally:
            client.config_set("appendfsync", "everysec")
    return runs


def _replica_runs(campaign_id: int, cookie_file: Path, env: dict, web) -> tuple[dict, object]:
    """Play at one load with a replica following the counters Redis: answered on the primary's
    word, then (gunicorn restarted with COUNTERS_WAIT_REPLICAS=1) only once the replica holds
    each play. Returns the runs and the web server as it was before (restarted)."""
    path, load_env = play_load(campaign_id, cookie_file, env)
    replica = EmbeddedRedis(None, str(OUT / "replica"), REPLICA_PORT).start()
    runs = {}
    try:
        with replica.client() as client:
            client.replicaof("127.0.0.1", PRIMARY_PORT)
            deadline = time.monotonic() + 60
            while client.info("replication").get("master_link_status") != "up":
                if time.monotonic() > deadline:
                    raise RuntimeError("the replica did not catch up; see bench/out/replica")
                time.sleep(0.2)
        runs["replica, no WAIT"] = _wrk("play.lua", path, FSYNC_LEVEL, SECONDS, load_env)
        for wait_replicas in ("1", None):  # then back to the web server as configured
            web.terminate()
            web.wait(30)
            web_env = {**env, "COUNTERS_WAIT_REPLICAS": wait_replicas} if wait_replicas else env
            web = _spawn(
                ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:create_app()"], web_env, "web.log"
            )
            _wait_healthy()
            if wait_replicas:
                _wrk("play.lua", path, 16, 2, load_env)  # warm up every worker
                runs["replica, COUNTERS_WAIT_REPLICAS=1"] = _wrk(
                    "play.lua", path, FSYNC_LEVEL, SECONDS, load_env
                )
    finally:
        replica.stop()
    return runs, web


class _LagSampler(threading.Thread):
    """Samples how long the oldest play not yet in SQL has waited, every 50 ms."""

    def __init__(self, app, campaign_id: int):
        super().__init__(daemon=True)
        self.app, self.campaign_id = app, campaign_id
        self.samples: list[int] = []
        self.halt = threading.Event()

    def run(self) -> None:
        from campaigns.ledger import writer

        redis = self.app.extensions["redis"]["counters"]
        while not self.halt.wait(0.05):
            held = writer.backlog(redis, self.campaign_id, 1)
            now_ms = writer.redis_time_ms(redis)
            self.samples.append(0 if held.oldest_ms is None else now_ms - held.oldest_ms)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.halt.set()
        self.join()

    def percentiles(self) -> dict:
        ordered = sorted(self.samples) or [0]
        pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
        return {"p50": pick(0.5), "p99": pick(0.99), "max": ordered[-1]}


def _soak(campaign_id: int, cookie_file: Path, env: dict, sampler, app) -> dict:
    """Moderate load for SOAK_SECONDS; memory of web workers and Redis sampled along the way."""
    path, load_env = play_load(campaign_id, cookie_file, env)
    samples = []
    slices = max(1, SOAK_SECONDS // 60)
    for _ in range(slices):
        _wrk("play.lua", path, 32, 60, load_env)
        with app.app_context():
            redis_mb = app.extensions["redis"]["main"].info("memory")["used_memory"] / 2**20
        samples.append({"web_rss_mb": sampler.current_mb(), "redis_mb": round(redis_mb, 1)})
    return {"minutes": slices, "samples": samples}


def _drain(app) -> None:
    """Let the worker's ledger writer write what the play streams hold (bounded wait)."""
    with app.app_context():
        redis = app.extensions["redis"]["counters"]
        for _ in range(600):
            keys = list(redis.scan_iter(match="cg:{c:*}:plays", count=100))
            if not any(redis.xlen(k) for k in keys):
                return
            time.sleep(0.1)


def _count_plays() -> int:
    return db.session.scalar(select(func.count()).select_from(Play)) or 0


def _report_latency(app) -> dict | None:
    """Report of a campaign with 1,000,000 plays, bulk-inserted by devtools.synthetic."""
    from campaigns.reports import reports
    from devtools import synthetic

    plays = int(os.environ.get("BENCH_REPORT_PLAYS", "1000000"))
    with app.app_context():
        now = datetime.now(UTC)
        campaign = synthetic.make_campaign(db.session, plays, now)
        started = time.perf_counter()
        reports.build(db.session, campaign, now)
        return {"plays": plays, "seconds": round(time.perf_counter() - started, 3)}


class _RssSampler(threading.Thread):
    """Samples the RSS of each gunicorn worker every 200 ms; keeps each one's peak."""

    def __init__(self, master_pid: int):
        super().__init__(daemon=True)
        self.master = psutil.Process(master_pid)
        self.peaks: dict[int, int] = {}
        self.latest: dict[int, int] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.2):
            try:
                children = self.master.children()
            except psutil.Error:
                return
            for child in children:
                try:
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                self.latest[child.pid] = rss
                self.peaks[child.pid] = max(self.peaks.get(child.pid, 0), rss)

    def stop(self) -> None:
        self._halt.set()
        self.join(2)

    def peak_mb(self) -> float:
        return round(max(self.peaks.values(), default=0) / 2**20, 1)

    def current_mb(self) -> float:
        return round(max(self.latest.values(), default=0) / 2**20, 1)


def _table(results: dict) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Run {results['started']} on {os.cpu_count()} cores; each load run {SECONDS} s with wrk "
        "(2 threads) on loopback, gunicorn as `gunicorn.conf.py` configures it.",
        "",
        "| connections | bare Flask req/s | healthz req/s | healthz p50 / p99 ms | play req/s "
        "| play p50 / p99 ms | play/healthz | writer lag p50 / p99 ms | play statuses |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for level, run in results["http"].items():
        health, play, hello, lag = run["healthz"], run["play"], run["hello"], run["writer_lag_ms"]
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(play["statuses"].items()))
        lines.append(
            f"| {level} | {hello['rps']:.0f} | {health['rps']:.0f} "
            f"| {health['p50_ms']:.1f} / {health['p99_ms']:.1f} "
            f"| {play['rps']:.0f} | {play['p50_ms']:.1f} / {play['p99_ms']:.1f} "
            f"| {run['ratio']:.2f} | {lag['p50']} / {lag['p99']} | {statuses} |"
        )
    lines += _cpu_table(results["http"].get(SPLIT_LEVEL, {}).get("cpu_us"))
    lines += [
        "",
        f"| counters Redis at {FSYNC_LEVEL} connections | play req/s | p50 / p99 ms "
        "| play statuses |",
    ]
    lines += ["|---|---|---|---|"]
    runs = {f"appendfsync {mode}": run for mode, run in results["fsync"].items()}
    for name, run in {**runs, **results["replica"]}.items():
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(run["statuses"].items()))
        lines.append(
            f"| {name} | {run['rps']:.0f} | {run['p50_ms']:.1f} / {run['p99_ms']:.1f} "
            f"| {statuses} |"
        )
    lines += notices_bench.table(results["notices"])
    if "engine" not in results:
        checks = results["invariants"]
        lines += ["", f"Invariants after the load: {'OK' if checks['ok'] else 'VIOLATED'}"]
        return "\n".join(lines + [f"- {line}" for line in checks["lines"]])
    engine = results["engine"]
    lines += [
        "",
        "| engine (one client, pipelined) | per second |",
        "|---|---|",
        f"| Lua draw script | {engine['draws_per_s']:.0f} |",
        f"| plain INCR, same Redis | {engine['incr_per_s']:.0f} |",
        f"| ratio draw / INCR | {engine['draws_per_s'] / engine['incr_per_s']:.2f} |",
        f"| draw script, server time per call | {engine['draw_usec_per_call']:.1f} µs |",
        f"| seeded numbers (HMAC-SHA256) computed | {engine['hmac_per_s']:.0f} |",
        f"| hash-chain entries chained afterwards (chain.extend: SQL read + update) "
        f"| {engine['chain_per_s']:.0f} |",
        "",
        "| cost of one draw | µs |",
        "|---|---|",
        f"| draw script alone (client + Redis) | {1e6 / engine['draws_per_s']:.1f} |",
        f"| + its seeded number (HMAC, computed ahead in batches) "
        f"| +{1e6 / engine['hmac_per_s']:.1f} |",
        f"| + its hash-chain entry, if chained afterwards (the writer chains most as it "
        f"inserts them) "
        f"| +{1e6 / engine['chain_per_s']:.1f} |",
        "",
        "| memory | |",
        "|---|---|",
        f"| peak RSS of one web worker | {results['rss_peak_mb']} MB |",
        f"| Redis memory per 100,000 plays "
        f"| {results['redis_bytes_per_100k_plays'] / 2**20:.1f} MB "
        f"({results['plays']} plays measured) |",
    ]
    report = results.get("report")
    if report:
        lines.append(
            f"| report of a campaign with {report['plays']:,} plays | {report['seconds']} s |"
        )
    lines += _shard_table(results["shards"])
    lines += sign_in_burst.table(results["sign_in"])
    checks = results["invariants"]
    lines += ["", f"Invariants after the load: {'OK' if checks['ok'] else 'VIOLATED'}"]
    lines += [f"- {line}" for line in checks["lines"]]
    if results.get("soak"):
        lines += [
            "",
            "Soak (one sample a minute): "
            + ", ".join(
                f"web {s['web_rss_mb']} MB / redis {s['redis_mb']} MB"
                for s in results["soak"]["samples"]
            ),
        ]
    return "\n".join(lines)


CPU_ROWS = (
    ("web", "web (gunicorn workers)"),
    ("redis", "counters Redis"),
    ("worker", "worker: ledger writer, notice jobs and their work horses"),
    ("sandbox", "WeChat sandbox (WeChat's own servers in production)"),
    ("load", "wrk, the load generator"),
    ("rest", "rest of the machine"),
    ("machine", "machine, in all"),
)


def _cpu_table(split: dict | None) -> list[str]:
    if not split:
        return []
    health, play = split["healthz"], split["play"]
    lines = [
        "",
        f"| CPU per request at {SPLIT_LEVEL} connections, µs (bench/cpu.py) | /healthz | play |",
        "|---|---|---|",
    ]
    lines += [f"| {label} | {health[key]:.0f} | {play[key]:.0f} |" for key, label in CPU_ROWS]
    lines.append(
        "| play/healthz were a play to cost the web workers no more than /healthz "
        f"| | {ratio_ceiling(health, play):.2f} |"
    )
    return lines


def _shard_table(shards: dict) -> list[str]:
    one, three = shards[1], shards[3]
    return [
        "",
        "| hot campaign on a local Redis Cluster (3 masters + 3 replicas, same 2 cores) "
        "| 1 shard | 3 shards |",
        "|---|---|---|",
        f"| masters its draws ran on | {one['masters']} | {three['masters']} |",
        f"| draws/s from {shard_bench.CLIENTS} client processes, pipelined "
        f"| {one['draws_per_s']:.0f} | {three['draws_per_s']:.0f} |",
        f"| busiest master's share of the draws "
        f"| {one['busiest_share']:.0%} | {three['busiest_share']:.0%} |",
        f"| its Redis time per draw | {one['usec_per_draw']:.1f} µs "
        f"| {three['usec_per_draw']:.1f} µs |",
        f"| ceiling once every master has a core: 1 / (share × time) "
        f"| {one['ceiling_draws_per_s']:.0f}/s | {three['ceiling_draws_per_s']:.0f}/s |",
    ]


if __name__ == "__main__":
    sys.exit(main())
