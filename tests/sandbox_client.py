"""A test's handle on the live sandbox: its call log, failure injection and the phone."""

from __future__ import annotations

import time

import requests


def wechat_settings(sandbox_url: str) -> dict[str, str]:
    """The settings that send an app's WeChat calls, redirects and QR images to a sandbox."""
    base = sandbox_url.rstrip("/") + "/sandbox/"
    return {
        "WECHAT_API_BASE_URL": base,
        "WECHAT_OAUTH_BASE_URL": base + "connect/",
        "WECHAT_MP_BASE_URL": base,
    }


class SandboxClient:
    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()

    def calls(self, endpoint: str | None = None) -> list[dict]:
        params = {"endpoint": endpoint} if endpoint else {}
        response = self.http.get(f"{self.url}/sandbox/calls", params=params, timeout=10)
        response.raise_for_status()
        return response.json()["calls"]

    def sent_templates(self) -> list[dict]:
        """Template messages WeChat accepted (errcode 0)."""
        return [c for c in self.calls("cgi-bin/message/template/send") if c["errcode"] == 0]

    def fail(self, endpoint: str, mode: str, times: int = 1, seconds: float = 0) -> None:
        body = {"endpoint": endpoint, "mode": mode, "times": times, "seconds": seconds}
        self.http.post(f"{self.url}/sandbox/control/fail", json=body, timeout=10).raise_for_status()

    def phone(self, openid: str, action: str, **fields) -> dict:
        body = {"openid": openid, "action": action, **fields}
        response = self.http.post(f"{self.url}/sandbox/phone/send", json=body, timeout=20)
        response.raise_for_status()
        return response.json()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    """Poll until ``predicate()`` is truthy (a bound on waiting, never an assertion on time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
