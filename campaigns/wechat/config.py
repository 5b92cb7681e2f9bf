"""The account's settings as one object, resolved from the app config.

Production and the sandbox differ only here: with ``WECHAT_SANDBOX`` on and no explicit base URL,
every WeChat URL points at the sandbox's own server (``WECHAT_SANDBOX_URL``), another host exactly
as WeChat is; wechatpy is the same library either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from campaigns.core import urls
from campaigns.wechat import notice_template

WECHAT_API = "https://api.weixin.qq.com/"
WECHAT_OAUTH = "https://open.weixin.qq.com/connect/"
WECHAT_MP = "https://mp.weixin.qq.com/"
MODES = ("plain", "compatible", "safe")
DEFAULT_SANDBOX_URL = "http://127.0.0.1:5001"
# The account's settings when none are given: what the sandbox's account is made of. The app and
# the sandbox both read these (campaigns/config.py and the sandbox's own settings), so the two
# agree on the account without either knowing the other.
ACCOUNT_DEFAULTS = {
    "WECHAT_APP_ID": "wx-sandbox-app",
    "WECHAT_APP_SECRET": "sandbox-secret",
    "WECHAT_TOKEN": "sandbox-token",
    "WECHAT_AES_KEY": "",
    "WECHAT_MESSAGE_MODE": "plain",
    "WECHAT_TEMPLATE_ID": "sandbox-template",
    # The subscription notice (订阅通知) template offered on the win screen for claim reminders
    # and shipping notices; empty: no offer, those notices go by template message only.
    "WECHAT_SUBSCRIBE_TEMPLATE_ID": "sandbox-subscribe-template",
    # WeChat Pay's merchant (cash prizes' red packets): its id and API key (the sandbox's own
    # merchant by default); the API certificate and key files are WECHAT_PAY_CERT_PATH and
    # WECHAT_PAY_KEY_PATH.
    "WECHAT_PAY_MCH_ID": "1900000109",
    "WECHAT_PAY_API_KEY": "sandbox-pay-key-0123456789abcdef",
}
MAX_WELCOME_BYTES = 1024


@dataclass(frozen=True)
class WeChatSettings:
    app_id: str
    app_secret: str
    token: str
    aes_key: str
    mode: str
    template_id: str
    template_fields: tuple[notice_template.Field, ...]  # which keyword carries which value
    subscribe_template_id: str  # "" when subscription notices are not used
    subscribe_fields: tuple[notice_template.Field, ...]
    welcome_text: str  # the reply to a follow, before the live campaigns' links
    public_base_url: str
    api_base_url: str  # ends with "/": "<base>cgi-bin/..." and "<base>sns/..."
    oauth_base_url: str  # ends with "/": "<base>oauth2/authorize"
    mp_base_url: str  # ends with "/": "<base>cgi-bin/showqrcode"
    timeout: float

    @classmethod
    def from_config(cls, config) -> WeChatSettings:
        mode = config["WECHAT_MESSAGE_MODE"]
        if mode not in MODES:
            raise ValueError(f"WECHAT_MESSAGE_MODE must be one of {MODES}, not {mode!r}")
        public = config["PUBLIC_BASE_URL"].rstrip("/")
        sandbox = _base(config["WECHAT_SANDBOX_URL"]) if config["WECHAT_SANDBOX"] else None
        return cls(
            app_id=config["WECHAT_APP_ID"],
            app_secret=config["WECHAT_APP_SECRET"],
            token=config["WECHAT_TOKEN"],
            aes_key=config["WECHAT_AES_KEY"],
            mode=mode,
            template_id=config["WECHAT_TEMPLATE_ID"],
            template_fields=notice_template.parse(config[notice_template.SETTING]),
            subscribe_template_id=config["WECHAT_SUBSCRIBE_TEMPLATE_ID"].strip(),
            subscribe_fields=notice_template.parse(
                config[notice_template.SUBSCRIBE_SETTING], notice_template.SUBSCRIBE_SETTING
            ),
            welcome_text=_welcome(config["WECHAT_WELCOME_TEXT"]),
            public_base_url=public,
            api_base_url=_base(config["WECHAT_API_BASE_URL"] or sandbox or WECHAT_API),
            oauth_base_url=_base(
                config["WECHAT_OAUTH_BASE_URL"]
                or (sandbox and sandbox + "connect/")
                or WECHAT_OAUTH
            ),
            mp_base_url=_base(config["WECHAT_MP_BASE_URL"] or sandbox or WECHAT_MP),
            timeout=float(config["WECHAT_TIMEOUT_SECONDS"]),
        )

    def game_url(self, campaign_id: int) -> str:
        return urls.game_url(self.public_base_url, campaign_id)

    def prizes_url(self, campaign_id: int) -> str:
        """The player's own wins and codes (what a winner notice opens)."""
        return urls.prizes_url(self.public_base_url, campaign_id)


def _welcome(text: str) -> str:
    """Half of a text reply's 2,048 bytes at most, so the campaigns' links still fit."""
    text = text.strip()
    if not text or len(text.encode()) > MAX_WELCOME_BYTES:
        raise ValueError(
            f"WECHAT_WELCOME_TEXT must be 1 to {MAX_WELCOME_BYTES} bytes of UTF-8 text "
            f"(it is {len(text.encode())})"
        )
    return text


def _base(url: str) -> str:
    return url if url.endswith("/") else url + "/"
