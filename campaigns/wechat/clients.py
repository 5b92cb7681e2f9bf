"""wechatpy's clients, pointed at the configured base URLs (WeChat, or the sandbox).

Nothing in wechatpy is patched: the subclasses only set the base URLs wechatpy already reads and
give every HTTP call a timeout. The access token lives in Redis through wechatpy's own
RedisStorage, so all web and worker processes share one token; wechatpy fetches a new one when
the stored one expires (its Redis TTL) and when an API answers 40001/40014/42001 (auto_retry).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from wechatpy import WeChatClient, WeChatOAuth
from wechatpy.crypto import WeChatCrypto
from wechatpy.session.redisstorage import RedisStorage

from campaigns.core import services
from campaigns.core.services import redis_clients
from campaigns.wechat import keys
from campaigns.wechat.config import WeChatSettings


class _TimeoutSession(requests.Session):
    """A requests session whose calls all time out: wechatpy leaves some calls without one."""

    def __init__(self, timeout: float):
        super().__init__()
        self.default_timeout = timeout

    def request(self, method, url, *args, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)


class ConfiguredClient(WeChatClient):
    """The Official Account API client at ``settings.api_base_url``."""

    def __init__(self, settings: WeChatSettings, redis):
        super().__init__(
            settings.app_id,
            settings.app_secret,
            session=RedisStorage(redis, prefix=keys.WECHATPY_SESSION),
            timeout=settings.timeout,
        )
        self.API_BASE_URL = settings.api_base_url + "cgi-bin/"
        self._http = _TimeoutSession(settings.timeout)

    def fetch_access_token(self):
        # wechatpy hard-codes api.weixin.qq.com here; the same call at the configured base.
        return self._fetch_access_token(
            url=self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


class ConfiguredOAuth(WeChatOAuth):
    """Web authorization (snsapi_base): the authorize page and the code exchange."""

    def __init__(self, settings: WeChatSettings, redirect_uri: str, state: str = ""):
        super().__init__(
            settings.app_id, settings.app_secret, redirect_uri, scope="snsapi_base", state=state
        )
        self.API_BASE_URL = settings.api_base_url
        self.OAUTH_BASE_URL = settings.oauth_base_url
        self._http = _TimeoutSession(settings.timeout)


def message_crypto(settings: WeChatSettings) -> WeChatCrypto | None:
    """The AES crypto of compatible and safe modes (None in plain mode or without a key)."""
    if settings.mode == "plain" or not settings.aes_key:
        return None
    return WeChatCrypto(settings.token, settings.aes_key, settings.app_id)


def current_settings() -> WeChatSettings:
    return WeChatSettings.from_config(services.settings())


def current_client() -> ConfiguredClient:
    return ConfiguredClient(current_settings(), redis_clients.main)


class _IdleClients:
    """Clients put back after use, for the next borrower: building one costs wechatpy's
    introspection of every API attribute (~10% of a winner notice's CPU in make bench's burst,
    when each batch job's senders built their own) and a new connection to WeChat. Each is used
    by one thread at a time, as a requests session should be; the shelf is emptied when the
    settings or the Redis client change, or in a forked child (its sockets are the parent's)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._key = None
        self._shelf: list[ConfiguredClient] = []

    def take(self, key) -> ConfiguredClient | None:
        with self._lock:
            if key != self._key:
                self._key, self._shelf = key, []
            return self._shelf.pop() if self._shelf else None

    def put_back(self, key, client: ConfiguredClient) -> None:
        with self._lock:
            if key == self._key:
                self._shelf.append(client)


_idle = _IdleClients()


@contextmanager
def borrowed_client() -> Iterator[ConfiguredClient]:
    """``current_client()``, taken from the idle ones when one is there, and put back after:
    for the notice senders, which send from new threads in every batch job."""
    settings, redis = current_settings(), redis_clients.main
    key = (os.getpid(), settings, id(redis))
    client = _idle.take(key) or ConfiguredClient(settings, redis)
    try:
        yield client
    finally:
        _idle.put_back(key, client)
