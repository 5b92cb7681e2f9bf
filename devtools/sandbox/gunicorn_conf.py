"""Gunicorn settings of the sandbox's own server (``devtools/sandbox/server.py`` starts it).

It listens where the app is told to find it (``WECHAT_SANDBOX_URL``, default
http://127.0.0.1:5001) unless ``SANDBOX_BIND`` says otherwise. Several processes and threads:
its state is in Redis, and an injected timeout or a slow callback holds a thread, not the server.
"""

import os
from urllib.parse import urlsplit

from campaigns.wechat.config import DEFAULT_SANDBOX_URL

_url = urlsplit(os.environ.get("WECHAT_SANDBOX_URL", DEFAULT_SANDBOX_URL))
bind = os.environ.get("SANDBOX_BIND") or f"{_url.hostname}:{_url.port or 80}"
workers = int(os.environ.get("SANDBOX_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("SANDBOX_THREADS", "8"))
# Injected delays sleep up to 60 s (devtools/sandbox/console.py): not a stuck worker.
timeout = 90
graceful_timeout = 5
# No per-user control socket: it would collide with the app's gunicorn (see gunicorn.conf.py).
control_socket_disable = True
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
