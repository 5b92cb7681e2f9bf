"""Firing many requests at a live server from threads (and from other processes)."""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit


def post(base_url: str, path: str, cookie: str, key: str | None = None) -> tuple[int, dict]:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Cookie": f"session={cookie}", "Content-Length": "0"}
    if key:
        headers["Idempotency-Key"] = key
    try:
        connection.request("POST", path, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def fire(
    base_url: str, jobs: list[tuple[str, str, str | None]], threads: int = 32
) -> list[tuple[int, dict]]:
    """Each job is (path, session cookie, idempotency key); all run concurrently."""
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda job: post(base_url, *job), jobs))
