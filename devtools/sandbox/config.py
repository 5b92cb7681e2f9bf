"""The sandbox's settings, read from the environment once per app.

The sandbox is the account's WeChat, so it knows what WeChat knows: the account (the same
``WECHAT_*`` variables the app reads, with the same defaults), the account's web domain for OAuth
redirects (``PUBLIC_BASE_URL``) and the server URL it posts messages to (the account's callback).
It keeps its state in a Redis database of its own, so the app's Redis can be emptied (tests do)
without wiping the account's followers and menu.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from flask import current_app

from campaigns.core.redis_socket import short_socket_path
from campaigns.core.switches import is_on
from campaigns.wechat.config import ACCOUNT_DEFAULTS, DEFAULT_SANDBOX_URL, MODES

DEFAULT_APP_URL = "http://127.0.0.1:5000"
# The database number the sandbox uses when it shares the app's Redis server (not its data).
REDIS_DB = 1


@dataclass(frozen=True)
class SandboxSettings:
    app_id: str
    app_secret: str
    token: str
    aes_key: str
    mode: str
    template_id: str
    subscribe_template_id: str  # the account's subscription notice template (bizsend)
    sandbox_url: str  # where players' browsers and the app reach the sandbox
    app_url: str  # the account's web domain: OAuth redirects must go there
    callback_url: str  # the account's server URL: signed XML is posted here
    redis_url: str
    production: bool
    pay_mch_id: str = ""  # WeChat Pay's merchant (red packets)
    pay_api_key: str = ""

    @classmethod
    def from_env(cls, env: dict[str, str]) -> SandboxSettings:
        account = {name: env.get(name, default) for name, default in ACCOUNT_DEFAULTS.items()}
        if account["WECHAT_MESSAGE_MODE"] not in MODES:
            raise ValueError(f"WECHAT_MESSAGE_MODE must be one of {MODES}")
        app_url = env.get("PUBLIC_BASE_URL", DEFAULT_APP_URL).rstrip("/")
        return cls(
            app_id=account["WECHAT_APP_ID"],
            app_secret=account["WECHAT_APP_SECRET"],
            token=account["WECHAT_TOKEN"],
            aes_key=account["WECHAT_AES_KEY"],
            mode=account["WECHAT_MESSAGE_MODE"],
            template_id=account["WECHAT_TEMPLATE_ID"],
            subscribe_template_id=account["WECHAT_SUBSCRIBE_TEMPLATE_ID"],
            sandbox_url=env.get("WECHAT_SANDBOX_URL", DEFAULT_SANDBOX_URL).rstrip("/"),
            app_url=app_url,
            callback_url=env.get("WECHAT_SANDBOX_CALLBACK_URL") or f"{app_url}/wechat",
            redis_url=env.get("SANDBOX_REDIS_URL") or with_db(_app_redis_url(env), REDIS_DB),
            production=is_on(env.get("PRODUCTION")),
            pay_mch_id=account["WECHAT_PAY_MCH_ID"],
            pay_api_key=account["WECHAT_PAY_API_KEY"],
        )


def _app_redis_url(env: dict[str, str]) -> str:
    """The app's Redis server (REDIS_URL, else the embedded one of the instance directory)."""
    if env.get("REDIS_URL"):
        return env["REDIS_URL"]
    instance = Path(env.get("INSTANCE_PATH") or os.path.join(os.getcwd(), "instance"))
    return f"unix://{short_socket_path(str(instance / 'redis.sock'))}"


def with_db(url: str, db: int) -> str:
    """``url`` selecting database ``db`` (redis-py lets the query's ``db`` win over a path)."""
    base, _, query = url.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query) if k != "db"] + [("db", str(db))]
    return f"{base}?{urlencode(kept)}"


def current_settings() -> SandboxSettings:
    return current_app.extensions["sandbox_settings"]
