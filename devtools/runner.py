"""The app runner behind ``make run``: one command brings up everything a developer needs.

``python -m devtools.runner``:

1. starts the embedded Redis (``instance/redis.sock``, AOF in ``instance/``) unless
   ``REDIS_URL`` is set, and exports ``REDIS_URL`` to every child;
2. applies migrations (``flask --app wsgi db upgrade``; a failure stops the run);
3. seeds the demo campaigns (``flask --app wsgi demo``; idempotent; a failure only warns);
4. starts gunicorn (``gunicorn.conf.py``), an RQ worker with its scheduler and, with
   ``WECHAT_SANDBOX`` on, the WeChat sandbox's own server (``devtools/sandbox/server.py``, at
   ``WECHAT_SANDBOX_URL``, default http://127.0.0.1:5001): WeChat is another host;
5. prints the URLs to open, then supervises: Ctrl-C or SIGTERM stops the web server, the
   worker and the sandbox gracefully (one SIGTERM each, escalating to SIGKILL after a grace
   period), then Redis. If any of them dies on its own, the others are stopped too, so a broken
   run is never mistaken for a working one.

Children run in their own sessions so a terminal's Ctrl-C reaches only this process, which then
signals each child exactly once (RQ treats a second signal as "kill the running job now").
They also get a parent-death signal, so killing the runner with SIGKILL leaves no orphans.
The demo run defaults to ``WECHAT_SANDBOX=1``: WeChat cannot reach a development machine. The
Procfile (production) starts no sandbox.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from campaigns.core import urls
from campaigns.core.switches import is_on
from campaigns.wechat.config import DEFAULT_SANDBOX_URL
from devtools.embedded_redis import EmbeddedRedis, set_parent_death_signal
from devtools.sandbox import server as sandbox_server

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BIND = "127.0.0.1:5000"
GRACE_SECONDS = 35  # a little over gunicorn's graceful_timeout
HEALTH_TIMEOUT_SECONDS = 60

FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
WEB_COMMAND = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:create_app()"]


# How the banner tells a newcomer to run a CLI command in another terminal of the checkout.
CLI_HINT = ".venv/bin/flask --app wsgi"


def worker_command() -> list[str]:
    """The background worker (``flask worker``): jobs run in the app's context, with the
    scheduler for retries and the periodic in-flight sweep; it finds Redis in the environment."""
    return [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]


def bind_address(env: dict[str, str]) -> str:
    """The address gunicorn binds, by the same rules as ``gunicorn.conf.py``."""
    if env.get("BIND"):
        return env["BIND"]
    if env.get("PORT"):
        return f"0.0.0.0:{env['PORT']}"
    return DEFAULT_BIND


def local_base_url(bind: str) -> str:
    """A URL this machine can use to reach ``bind`` (a wildcard host becomes loopback)."""
    host, _, port = bind.rpartition(":")
    if host in ("", "0.0.0.0", "[::]", "::"):
        host = "127.0.0.1"
    return f"http://{host}:{port}"


class Runner:
    def __init__(self, environ: dict[str, str] | None = None):
        self.env = dict(os.environ if environ is None else environ)
        self.children: dict[str, subprocess.Popen] = {}
        self.redis: EmbeddedRedis | None = None
        self.stopping = False
        self.signals_received = 0

    # -- entry point -------------------------------------------------------------------------

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        try:
            self._prepare_env()
            if not self._migrate():
                return 1
            demo_lines = self._seed_demo()
            if self.stopping:
                return 0
            self.children["web"] = self._spawn(WEB_COMMAND)
            self.children["worker"] = self._spawn(worker_command())
            if self.sandbox_url:
                self.children["sandbox"] = self._spawn(sandbox_server.COMMAND)
            if self._wait_healthy():
                self._print_urls(demo_lines)
            return self._supervise()
        finally:
            self._stop_children()
            if self.redis is not None:
                self.redis.stop()

    # -- steps -------------------------------------------------------------------------------

    def _prepare_env(self) -> None:
        env = self.env
        env.setdefault("WECHAT_SANDBOX", "1")
        env.setdefault("PYTHONUNBUFFERED", "1")
        instance = env.get("INSTANCE_PATH") or os.path.join(ROOT, "instance")
        env["INSTANCE_PATH"] = instance
        os.makedirs(instance, exist_ok=True)
        self.bind = bind_address(env)
        self.local_url = local_base_url(self.bind)
        # OAuth redirects and QR codes are built from PUBLIC_BASE_URL: make it match the bind.
        env.setdefault("PUBLIC_BASE_URL", self.local_url)
        self.sandbox_url = (
            env.setdefault("WECHAT_SANDBOX_URL", DEFAULT_SANDBOX_URL).rstrip("/")
            if is_on(env["WECHAT_SANDBOX"])
            else None
        )
        if env.get("REDIS_URL"):
            log(f"using REDIS_URL={env['REDIS_URL']}")
            return
        self.redis = EmbeddedRedis(os.path.join(instance, "redis.sock"), instance).start()
        env["REDIS_URL"] = self.redis.url
        if self.redis.owned:
            log(f"started embedded Redis (pid {self.redis.pid}) at {self.redis.url}")
        else:
            log(f"reusing the Redis already running at {self.redis.url}")

    def _migrate(self) -> bool:
        migrations = os.path.join(ROOT, "campaigns", "migrations", "env.py")
        if not os.path.exists(migrations):
            warn("campaigns/migrations does not exist yet: skipping `flask db upgrade`")
            return True
        log("applying migrations: flask --app wsgi db upgrade")
        code, _ = self._run_step([*FLASK, "db", "upgrade"])
        if code != 0 and not self.stopping:
            log(f"error: `flask db upgrade` failed (exit {code}); not starting the server")
            return False
        return not self.stopping

    def _seed_demo(self) -> list[str]:
        log("seeding demo campaigns: flask --app wsgi demo")
        code, output = self._run_step([*FLASK, "demo"], capture=True)
        for line in output:
            print(line, flush=True)
        if code != 0 and not self.stopping:
            warn(f"`flask demo` failed (exit {code}); continuing without demo data")
            return []
        return output

    def _wait_healthy(self) -> bool:
        """The web server's and the sandbox's health checks both answer."""
        urls = [self.local_url + "/healthz"]
        if self.sandbox_url:
            urls.append(self.sandbox_url + "/healthz")
        deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
        while urls and time.monotonic() < deadline and not self.stopping:
            if self._dead_child() is not None:
                return False
            if _answers(urls[0]):
                urls.pop(0)
            else:
                time.sleep(0.25)
        if urls and not self.stopping:
            warn(f"{urls[0]} did not answer within {HEALTH_TIMEOUT_SECONDS}s")
        return not urls

    def _print_urls(self, demo_lines: list[str]) -> None:
        base = self.env["PUBLIC_BASE_URL"].rstrip("/")
        lines = [
            "",
            "Campaign server is up. Open:",
            f"  console       {base}/admin   (marketers and analysts; make a user first:",
            f"                {CLI_HINT} user create --username mia --role marketer)",
            f"  API docs      {base}/api/docs   (calls need a token:",
            f"                {CLI_HINT} token create --role marketer)",
            f"  health        {base}/healthz",
            f"  OpenAPI       {base}/api/openapi.json",
        ]
        for campaign in demo_campaigns(demo_lines):
            label = " ".join(str(campaign[k]) for k in ("game", "name") if campaign.get(k))
            url = campaign.get("url") or campaign.get("h5_url") or campaign.get("play_url")
            if not url:
                url = urls.game_url(base, campaign["id"])
            elif url.startswith("/"):
                url = base + url
            lines.append(f"  play          {url}" + (f"  ({label})" if label else ""))
        if not demo_campaigns(demo_lines):  # plain-text output: show its H5 lines as they are
            lines += [f"  play          {line.strip()}" for line in demo_lines if "/h5/" in line]
        if self.sandbox_url:
            lines += [
                "WeChat sandbox (its own server):",
                f"  phone         {self.sandbox_url}/phone",
                f"  call log      {self.sandbox_url}/",
            ]
        lines += [f"  Redis         {self.env['REDIS_URL']}", "Press Ctrl-C to stop.", ""]
        print("\n".join(lines), flush=True)

    def _supervise(self) -> int:
        while not self.stopping:
            dead = self._dead_child()
            if dead is not None:
                name, code = dead
                log(f"error: the {name} process exited on its own (exit {code}); stopping")
                return code if code > 0 else 1  # killed by a signal: code is negative
            time.sleep(0.2)
        return 0

    # -- processes ---------------------------------------------------------------------------

    def _spawn(self, command: list[str], capture: bool = False) -> subprocess.Popen:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else None,
            text=capture or None,
            start_new_session=True,
            preexec_fn=set_parent_death_signal,
        )

    def _run_step(self, command: list[str], capture: bool = False) -> tuple[int, list[str]]:
        """Run a one-off command to completion, still honouring Ctrl-C while it runs."""
        process = self._spawn(command, capture=capture)
        self.children["step"] = process
        try:
            if capture:
                assert process.stdout is not None
                output = process.stdout.read().splitlines()  # EOF when the process exits
            else:
                output = []
            while process.poll() is None:
                time.sleep(0.1)
            return process.returncode, output
        finally:
            self.children.pop("step", None)

    def _dead_child(self) -> tuple[str, int] | None:
        for name, process in self.children.items():
            if name != "step" and process.poll() is not None:
                return name, process.returncode
        return None

    def _stop_children(self) -> None:
        for process in self.children.values():
            if process.poll() is not None:  # leader gone: sweep up what it left in its group
                _signal_group(process, signal.SIGKILL)
        running = {n: p for n, p in self.children.items() if p.poll() is None}
        for process in running.values():
            # The leader only: gunicorn's master drains its workers, RQ's worker lets the job
            # in hand finish (a SIGTERM to the group would kill RQ's work horse mid-job).
            process.terminate()
        deadline = time.monotonic() + GRACE_SECONDS
        for name, process in running.items():
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                warn(f"the {name} process did not stop in {GRACE_SECONDS}s; killing it")
            # SIGKILL the whole group: gunicorn workers and RQ work horses included.
            _signal_group(process, signal.SIGKILL)
            process.wait()
        self.children.clear()

    def _on_signal(self, signum, _frame) -> None:
        self.signals_received += 1
        if self.signals_received == 1:
            self.stopping = True
            log(f"received {signal.Signals(signum).name}; stopping (again to force)")
            # Forward at once: a step (migration, demo) may be mid-way; long-running children
            # are stopped in order by _stop_children.
            step = self.children.get("step")
            if step is not None and step.poll() is None:
                step.terminate()
        else:
            for process in list(self.children.values()):
                _signal_group(process, signal.SIGKILL)


def demo_campaigns(lines: list[str]) -> list[dict]:
    """Campaigns announced by ``flask --app wsgi demo`` as JSON lines (objects with an ``id``)."""
    found = []
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            if "id" not in item and "campaign_id" in item:
                item["id"] = item["campaign_id"]
            if "id" in item or item.get("url"):
                found.append(item)
    return found


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except (urllib.error.URLError, OSError):
        return False


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)  # start_new_session made pid the group id
    except (ProcessLookupError, PermissionError):
        pass


def log(message: str) -> None:
    print(f"[runner] {message}", file=sys.stderr, flush=True)


def warn(message: str) -> None:
    log(f"warning: {message}")


def main() -> int:
    return Runner().run()


if __name__ == "__main__":
    sys.exit(main())
