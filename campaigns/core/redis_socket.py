"""Where a local Redis listens: a unix socket path short enough to bind.

Production code needs it too: the default REDIS_URL (campaigns/config.py) is the socket the
development runner's embedded Redis listens on, so the two agree without importing each other.
"""

from __future__ import annotations

import hashlib
import os

# sun_path is 108 bytes on Linux (104 on macOS) including the NUL; stay well under both.
MAX_SOCKET_PATH = 100


def short_socket_path(path: str) -> str:
    """``path`` made absolute, or a short stand-in under /tmp if it is too long to bind.

    A unix socket path longer than ``sun_path`` cannot be bound, and deep checkouts (CI
    workspaces, pytest's tmp_path) easily exceed it. The stand-in is derived from a hash of the
    full path, so the same instance directory always maps to the same socket and a second
    runner finds the first one's server.
    """
    path = os.path.abspath(path)
    if len(path.encode()) < MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(path.encode()).hexdigest()[:16]
    return f"/tmp/campaigns-redis-{digest}.sock"
