"""A test's handle on the sandbox's own server: its call log, failure injection, start state,
followers and the phone."""

from __future__ import annotations

import time

import requests


def wechat_settings(sandbox_url: str) -> dict[str, str]:
    """The settings that send an app's WeChat calls, redirects and QR images to a sandbox's
    own server, one by one, as a production app would be pointed at WeChat (WECHAT_SANDBOX off)."""
    base = sandbox_url.rstrip("/") + "/"
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
        response = self.http.get(f"{self.url}/calls", params=params, timeout=10)
        response.raise_for_status()
        return response.json()["calls"]

    def sent_templates(self) -> list[dict]:
        """Template messages WeChat accepted (errcode 0)."""
        return [c for c in self.calls("cgi-bin/message/template/send") if c["errcode"] == 0]

    def sent_subscribe(self) -> list[dict]:
        """Subscription notices (bizsend) WeChat accepted (errcode 0)."""
        return [c for c in self.calls("cgi-bin/message/subscribe/bizsend") if c["errcode"] == 0]

    def set_subscription(self, openid: str, template_id: str, accept: bool) -> None:
        """Accept or turn off a subscription notice without the callback hearing of it."""
        body = {"openid": openid, "template_id": template_id, "accept": accept}
        self._post("/control/subscription", body)

    def fail(self, endpoint: str, mode: str, times: int = 1, seconds: float = 0) -> None:
        body = {"endpoint": endpoint, "mode": mode, "times": times, "seconds": seconds}
        self._post("/control/fail", body)

    def reset(self) -> dict:
        """Back to the start state: the followers from before and the brand's menu."""
        return self._post("/control/reset", {})

    def set_follower(self, openid: str, subscribe: bool) -> None:
        """Follow or unfollow without the callback hearing of it."""
        self._post("/control/follower", {"openid": openid, "subscribe": subscribe})

    def _post(self, path: str, body: dict) -> dict:
        response = self.http.post(self.url + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def phone(self, openid: str, action: str, **fields) -> dict:
        body = {"openid": openid, "action": action, **fields}
        response = self.http.post(f"{self.url}/phone/send", json=body, timeout=20)
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


def sign_in(app_url: str, openid: str, next_path: str = "/") -> requests.Session:
    """A new browser signs in on the app at ``app_url`` through the sandbox's authorize page,
    approving at once as ``openid``; returns the browser (its session cookie set). Raises on any
    answer but the expected redirects."""
    browser = requests.Session()
    start = browser.get(
        f"{app_url}/oauth/start", params={"next": next_path}, allow_redirects=False, timeout=30
    )
    if start.status_code != 302:
        raise AssertionError(f"/oauth/start answered {start.status_code}")
    approved = browser.get(
        start.headers["Location"].split("#")[0],
        params={"openid": openid},
        allow_redirects=False,
        timeout=30,
    )
    if approved.status_code != 302:
        raise AssertionError(f"the sandbox's authorize answered {approved.status_code}")
    back = browser.get(approved.headers["Location"], allow_redirects=False, timeout=30)
    if back.status_code != 302 or back.headers["Location"] != next_path:
        raise AssertionError(f"/oauth/callback answered {back.status_code}: {back.text[:200]}")
    return browser
