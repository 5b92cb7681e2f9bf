"""How to start the sandbox's own server: one command for ``make run`` (campaigns/runner.py),
``make bench`` and the tests, so each runs it the same way (gunicorn with
campaigns/sandbox/gunicorn_conf.py). It reads its settings from the environment it is given."""

from __future__ import annotations

import sys

COMMAND = [
    sys.executable,
    "-m",
    "gunicorn",
    "-c",
    "python:campaigns.sandbox.gunicorn_conf",
    "campaigns.sandbox.app:create_sandbox_app()",
]
