"""How to start the sandbox's own server: one command for ``make run`` (devtools/runner.py),
``make bench`` and the tests, so each runs it the same way (gunicorn with
devtools/sandbox/gunicorn_conf.py). It reads its settings from the environment it is given."""

from __future__ import annotations

import sys

COMMAND = [
    sys.executable,
    "-m",
    "gunicorn",
    "-c",
    "python:devtools.sandbox.gunicorn_conf",
    "devtools.sandbox.app:create_sandbox_app()",
]
