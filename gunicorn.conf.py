"""Gunicorn settings for ``make run`` and the Procfile's ``web`` process.

Every value can be overridden from the environment, so one file serves a laptop and a server.
"""

import os

# Where to listen. BIND wins; else PORT (set by PaaS routers, hence all interfaces, which is
# also gunicorn's own convention); else loopback only, so a laptop does not expose a dev server.
_binds_port = not os.environ.get("BIND") and bool(os.environ.get("PORT"))
if os.environ.get("BIND"):
    bind = os.environ["BIND"]
elif _binds_port:
    bind = f"0.0.0.0:{os.environ['PORT']}"
else:
    bind = "127.0.0.1:5000"

# Processes: two per core by default. A play spends most of its time waiting on Redis and SQL,
# so CPU is rarely the limit; WEB_CONCURRENCY is the usual knob platforms set.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))

# Behind the buffering proxy (docs/nginx.conf) gunicorn sees only whole requests, and threads
# are the cheap concurrency for I/O-bound requests (Redis, SQL, WeChat API calls): gthread.
# Where gunicorn faces the internet itself (PORT), a client that sends half a request and
# waits would hold a thread each, and 16 of them held all 4 × 4 (bench/slow_clients.py: no
# answer within 120 s); gevent's workers give each connection a greenlet instead, so the same
# 16 sockets cost nothing (the slowest of five /healthz: 0.01 s). bench/worker_classes.py
# measures sync, gthread and gevent side by side (64 connections, one run on 2 cores: play/s
# 1,291, 1,342 and 1,112; p99 144, 155 and 235 ms): gthread is the fastest where slow clients
# cannot reach it. GUNICORN_WORKER_CLASS picks one outright.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS") or ("gevent" if _binds_port else "gthread")
# Threads per process, for gthread only: gunicorn quietly runs a "sync" worker with more than one
# thread as gthread, so sync keeps its one (a measurement of "sync" would be of gthread).
threads = int(os.environ.get("GUNICORN_THREADS") or (4 if worker_class == "gthread" else 1))
# gevent's bound on open connections per process (slow ones included); gthread ignores it.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))

# A request that takes longer than this is stuck, not slow: the worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (deploys, Ctrl-C in `make run`) let plays in flight finish and be recorded, rather
# than cutting a player off between the draw and the response.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Behind a proxy that reuses connections, keep them a little longer than a typical idle gap.
keepalive = 5

# Recycle each worker after a number of requests, so a slow leak cannot grow forever; the
# jitter keeps all workers from restarting at the same moment. A restart builds the app again
# (about a second of a core) while its neighbours carry its share, so at a peak it must be rare.
# At 20,000 (the value before 2026-12-02) the 4 workers of this 2-core machine restarted every
# ~13 s each under /healthz load and every ~60 s under plays: make bench measured /healthz at
# 3,608 req/s (p99 1,314 ms) against 5,764 (p99 223 ms) without recycling, and play p99 at 293 ms
# against 134. 200,000 is ~2 minutes of /healthz at full load per worker and ~10 of plays.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "200000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "20000"))

# No preload: each worker builds its own app, so SQL pools and Redis clients are never shared
# across a fork.
preload_app = False

# Gunicorn (27 here) opens a control socket at one per-user path ($HOME/.gunicorn/gunicorn.ctl): two
# servers on one machine (a test run next to `make run`, two checkouts) would take it from each
# other. Nothing here uses `gunicornc`, so it is off.
control_socket_disable = True

# Heartbeat files on tmpfs when available: a full or slow disk must not look like a hung worker.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Access log off by default: at campaign peaks it is mostly noise and I/O. GUNICORN_ACCESS_LOG=1
# (or a file path) turns it on. Errors always go to stderr.
_access = os.environ.get("GUNICORN_ACCESS_LOG", "")
accesslog = None if _access in ("", "0") else ("-" if _access == "1" else _access)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# The WeChat in-app browser and the players' IPs arrive through a reverse proxy in production;
# trust X-Forwarded-* only from addresses listed here (default: the local proxy).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
