"""All configuration in one object, read from the environment once per app."""

from __future__ import annotations

import os
from pathlib import Path

from campaigns.core.redis_socket import short_socket_path
from campaigns.core.switches import is_on
from campaigns.web import ratelimits
from campaigns.wechat import notice_template
from campaigns.wechat.config import ACCOUNT_DEFAULTS, DEFAULT_SANDBOX_URL

DEFAULT_SECRET_KEY = "dev-insecure-change-me"


def _flag(name: str, default: str = "0") -> bool:
    return is_on(os.environ.get(name, default))


class Config:
    """Settings for one app instance.

    Built from ``os.environ`` when ``create_app`` runs (never at import time), so tests and the
    runner can set variables first. ``instance_path`` anchors the defaults that live on disk.
    """

    def __init__(self, instance_path: str, environ: dict[str, str] | None = None):
        env = os.environ if environ is None else environ
        instance = Path(instance_path)
        self.SECRET_KEY = env.get("SECRET_KEY", DEFAULT_SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI = env.get(
            "DATABASE_URL", f"sqlite:///{instance / 'campaigns.sqlite3'}"
        )
        if self.SQLALCHEMY_DATABASE_URI.startswith("postgres://"):
            self.SQLALCHEMY_DATABASE_URI = "postgresql://" + self.SQLALCHEMY_DATABASE_URI[11:]
        # Deep checkouts make socket paths too long to bind: the same short stand-in the
        # development runner's embedded Redis uses (campaigns/core/redis_socket.py).
        self.EMBEDDED_REDIS_SOCKET = short_socket_path(str(instance / "redis.sock"))
        self.REDIS_URL = env.get("REDIS_URL") or f"unix://{self.EMBEDDED_REDIS_SOCKET}"
        self.COUNTERS_REDIS_URL = env.get("COUNTERS_REDIS_URL") or self.REDIS_URL
        self.PUBLIC_BASE_URL = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        for name, default in ACCOUNT_DEFAULTS.items():  # WECHAT_APP_ID, ..._TEMPLATE_ID
            setattr(self, name, env.get(name, default))
        self.WECHAT_SANDBOX = _flag("WECHAT_SANDBOX")
        # The sandbox's own server (a development tool outside this package), reached like WeChat
        # when WECHAT_SANDBOX is on; `make run` starts it there.
        self.WECHAT_SANDBOX_URL = env.get("WECHAT_SANDBOX_URL", DEFAULT_SANDBOX_URL).rstrip("/")
        # Which of the template's keywords carries which value of a winner notice
        # (campaigns/wechat/notice_template.py checks it when the app starts).
        self.WECHAT_TEMPLATE_KEYWORDS = env.get("WECHAT_TEMPLATE_KEYWORDS", notice_template.DEFAULT)
        # The same for the subscription notice template (WECHAT_SUBSCRIBE_TEMPLATE_ID).
        self.WECHAT_SUBSCRIBE_TEMPLATE_KEYWORDS = env.get(
            "WECHAT_SUBSCRIBE_TEMPLATE_KEYWORDS", notice_template.SUBSCRIBE_DEFAULT
        )
        # Claim reminders (campaigns/wechat/reminders.py): a win waiting for its winner (goods
        # not claimed, a code not redeemed) is reminded once, this many days before its
        # deadline; a prize whose claim_days are no longer than this gets no reminder.
        self.CLAIM_REMINDER_DAYS = int(env.get("CLAIM_REMINDER_DAYS", 2))
        # The account's reply to a follow, followed by the live campaigns' links.
        self.WECHAT_WELCOME_TEXT = env.get("WECHAT_WELCOME_TEXT", "感谢关注！")
        # Where wechatpy sends API calls, where browsers go to authorize, and where QR images
        # are shown. Empty: WeChat itself, or WECHAT_SANDBOX_URL when WECHAT_SANDBOX is on
        # (campaigns/wechat/config.py resolves them, after test overrides are applied).
        self.WECHAT_API_BASE_URL = env.get("WECHAT_API_BASE_URL", "")
        self.WECHAT_OAUTH_BASE_URL = env.get("WECHAT_OAUTH_BASE_URL", "")
        self.WECHAT_MP_BASE_URL = env.get("WECHAT_MP_BASE_URL", "")
        # Seconds a WeChat API call may take; a notice send outliving it is treated as unknown.
        self.WECHAT_TIMEOUT_SECONDS = float(env.get("WECHAT_TIMEOUT_SECONDS", 5))
        # How long WeChat's word that an openid follows (or not) is trusted before asking again
        # (campaigns/wechat/followers.py); follow and unfollow events overwrite it at once.
        self.WECHAT_FOLLOW_CACHE_SECONDS = int(env.get("WECHAT_FOLLOW_CACHE_SECONDS", 60))
        # At most this many of a campaign's new followers are checked with WeChat for the
        # report (campaigns/reports/follower_check.py): 100 a call, in a job.
        self.WECHAT_FOLLOWER_CHECK_LIMIT = int(env.get("WECHAT_FOLLOWER_CHECK_LIMIT", 10_000))
        # The custom menu's sub-menu holding the live campaigns (campaigns/wechat/menu.py).
        self.WECHAT_MENU_NAME = env.get("WECHAT_MENU_NAME", "活动")
        # How long a notice send holds its per-win lock: long enough for WeChat's delivery
        # report (TEMPLATESENDJOBFINISH) to arrive before a send of unknown outcome is retried.
        self.NOTICE_LEASE_SECONDS = int(env.get("NOTICE_LEASE_SECONDS", 120))
        # How many of a ledger batch's winner notices its one job sends at a time (threads,
        # each with its own SQL session and WeChat connection): a send is an HTTP call to
        # WeChat of tens of ms, so one worker sends about this many per such call's time
        # (8 at 50 ms: ~160 a second). Each thread holds one SQL connection while the job runs.
        self.NOTICE_CONCURRENCY = int(env.get("NOTICE_CONCURRENCY", 8))
        # Backoff between a notice job's retries (seconds); the sweep takes over afterwards.
        self.NOTICE_RETRY_INTERVALS = [
            int(s) for s in env.get("NOTICE_RETRY_INTERVALS", "10,30,60,300,900").split(",")
        ]
        # Winners' claims (campaigns/prizes/sealing.py): the AES-GCM keys, "<id>:<base64 key>"
        # entries, the first sealing (rotation: docs/security.md); unset outside production, a
        # key derived from SECRET_KEY. Claims' personal fields are emptied this many days
        # after their campaign ends.
        self.CLAIMS_KEY = env.get("CLAIMS_KEY", "")
        # WeChat Pay (cash prizes, campaigns/prizes/cash.py): the merchant's API certificate and
        # key files, where the API is (empty: WeChat Pay, or the sandbox when WECHAT_SANDBOX
        # is on), the red packet's sender name and wishing, and this server's IP as WeChat
        # Pay asks for it. WECHAT_PAY_MCH_ID and WECHAT_PAY_API_KEY are the account's.
        self.WECHAT_PAY_CERT_PATH = env.get("WECHAT_PAY_CERT_PATH", "")
        self.WECHAT_PAY_KEY_PATH = env.get("WECHAT_PAY_KEY_PATH", "")
        self.WECHAT_PAY_BASE_URL = env.get("WECHAT_PAY_BASE_URL", "")
        self.WECHAT_PAY_SEND_NAME = env.get("WECHAT_PAY_SEND_NAME", "")
        self.WECHAT_PAY_WISHING = env.get("WECHAT_PAY_WISHING", "恭喜中奖")
        self.WECHAT_PAY_CLIENT_IP = env.get("WECHAT_PAY_CLIENT_IP", "127.0.0.1")
        self.CLAIMS_PURGE_DAYS = int(env.get("CLAIMS_PURGE_DAYS", 90))
        self.PRODUCTION = _flag("PRODUCTION")
        # Player sessions: signed cookie, a campaign lasts days, not months.
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.PUBLIC_BASE_URL.startswith("https://")
        self.PERMANENT_SESSION_LIFETIME = 30 * 24 * 3600
        # The cookie is signed and sent when the session changes (sign-in; the console's idle
        # stamp), not re-signed on every response: a play would otherwise pay a signature and a
        # Set-Cookie header, and a player's session lasts its 30 days from WeChat sign-in.
        self.SESSION_REFRESH_EACH_REQUEST = False
        self.MAX_CONTENT_LENGTH = 256 * 1024
        # Rate limits (campaigns/web/ratelimits.py), counted in the main Redis so every web process
        # shares the counts (the storage follows REDIS_URL: ratelimits.init_app).
        # RATELIMIT_SCALE multiplies every limit (tests and benchmarks raise them).
        self.RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", "1")
        self.RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
        self.RATELIMIT_KEY_PREFIX = "cg:rl"
        # Redis down: let requests through (the play path answers 503 on its own).
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.RATELIMIT_PLAY = env.get("RATELIMIT_PLAY", ratelimits.PLAY_LIMIT)
        self.RATELIMIT_ADMIN = env.get("RATELIMIT_ADMIN", ratelimits.ADMIN_LIMIT)
        self.RATELIMIT_QUIZ = env.get("RATELIMIT_QUIZ", ratelimits.QUIZ_LIMIT)
        self.RATELIMIT_CLAIM = env.get("RATELIMIT_CLAIM", ratelimits.CLAIM_LIMIT)
        self.RATELIMIT_OAUTH_FAILED = env.get(
            "RATELIMIT_OAUTH_FAILED", ratelimits.OAUTH_FAILED_LIMIT
        )
        self.RATELIMIT_LOGIN_USER = env.get("RATELIMIT_LOGIN_USER", ratelimits.LOGIN_USER_LIMIT)
        self.RATELIMIT_LOGIN_IP = env.get("RATELIMIT_LOGIN_IP", ratelimits.LOGIN_IP_LIMIT)
        self.RATELIMIT_REDEEM = env.get("RATELIMIT_REDEEM", ratelimits.REDEEM_LIMIT)
        self.RATELIMIT_CALLBACK = env.get("RATELIMIT_CALLBACK", ratelimits.CALLBACK_LIMIT)
        self.RATELIMIT_QR_CREATE = env.get("RATELIMIT_QR_CREATE", ratelimits.QR_CREATE_LIMIT)
        self.RATELIMIT_SIMULATION = env.get("RATELIMIT_SIMULATION", ratelimits.SIMULATION_LIMIT)
        self.RATELIMIT_SCALE = float(env.get("RATELIMIT_SCALE", 1))
        # WeChat sign-ins (campaigns/wechat/login.py): how long a started sign-in may take to
        # come back (WeChat's code lives 5 minutes), and how many unfinished ones one client IP
        # may hold at once, which bounds the states a script can park in Redis. A venue's crowd
        # shares one IP but finishes its sign-ins within seconds, so a thousand is ample.
        self.OAUTH_STATE_TTL_SECONDS = int(env.get("OAUTH_STATE_TTL_SECONDS", 300))
        self.OAUTH_PENDING_PER_IP = int(env.get("OAUTH_PENDING_PER_IP", 1000))
        # Proxies in front of the app whose X-Forwarded-For/-Proto are trusted (werkzeug
        # ProxyFix); 0 when clients connect directly.
        self.TRUSTED_PROXIES = int(env.get("TRUSTED_PROXIES", 0))
        # Host names besides PUBLIC_BASE_URL's that requests may carry (comma-separated), such
        # as the address a load balancer's health check sends; any other Host is a 400.
        self.ALLOWED_HOSTS = [
            h.strip() for h in env.get("ALLOWED_HOSTS", "").split(",") if h.strip()
        ]
        # How long a write waits for a lock before the play answers 503 (SQLite busy_timeout,
        # PostgreSQL lock_timeout): a burst queues briefly, a stuck database fails fast.
        self.DB_LOCK_TIMEOUT_MS = int(env.get("DB_LOCK_TIMEOUT_MS", 5000))
        # How long a play's Idempotency-Key is remembered in Redis (SQL keeps it for good).
        self.IDEMPOTENCY_TTL_SECONDS = int(env.get("IDEMPOTENCY_TTL_SECONDS", 24 * 3600))
        # The ledger writer (campaigns/ledger/writer.py): plays a campaign may hold in Redis not
        # yet written to SQL (past it plays answer 503 unavailable; 0: no bound), entries read
        # per batch, how long an entry read by a writer that went quiet waits before another
        # writer takes it over (XAUTOCLAIM), and how long an idle writer waits between reads.
        self.LEDGER_BACKLOG_MAX = int(env.get("LEDGER_BACKLOG_MAX", 200_000))
        # With replicas of the counters Redis: how many must hold a play before it is answered
        # (WAIT), and how long to wait for them; 0 answers on the primary's word (engine.py).
        self.COUNTERS_WAIT_REPLICAS = int(env.get("COUNTERS_WAIT_REPLICAS", 0))
        self.COUNTERS_WAIT_MS = int(env.get("COUNTERS_WAIT_MS", 200))
        self.LEDGER_BATCH = int(env.get("LEDGER_BATCH", 500))
        self.LEDGER_CLAIM_IDLE_MS = int(env.get("LEDGER_CLAIM_IDLE_MS", 30_000))
        self.LEDGER_POLL_MS = int(env.get("LEDGER_POLL_MS", 50))
        # Refuse to start unless the counters Redis keeps every key (maxmemory-policy noeviction)
        # and an append-only file: the play streams are the only copy of a play until SQL has it.
        self.COUNTERS_REDIS_CHECK = _flag("COUNTERS_REDIS_CHECK", "1")
        # OpenAPI (flask-smorest)
        self.API_TITLE = "Campaign and lottery mini-game server"
        self.API_VERSION = "1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api"
        self.OPENAPI_JSON_PATH = "openapi.json"
        # Console (/admin): CSRF is checked on its forms only (the JSON API uses bearer tokens,
        # the player's endpoints a session set by OAuth); a login lapses after this much idling.
        self.WTF_CSRF_CHECK_DEFAULT = False
        # A form's token lapses after this long (a page left open overnight asks to reload),
        # and its secret is dropped at every sign-in and sign-out (console/auth.py).
        self.WTF_CSRF_TIME_LIMIT = int(env.get("CONSOLE_CSRF_SECONDS", 4 * 3600))
        # Held in Redis with the sign-in (console/sessions.py), renewed by each request.
        self.CONSOLE_IDLE_SECONDS = int(env.get("CONSOLE_IDLE_SECONDS", 8 * 3600))
        # A CJK font file for the printable posters (campaigns/wechat/poster.py); empty: the
        # first of its FONT_PATHS that exists (Debian's fonts-noto-cjk).
        self.POSTER_FONT = env.get("POSTER_FONT") or None
        # The poster fetches the campaign's banner only from public addresses; 1 lets it read
        # private and loopback ones too (a development machine, the tests), never in production.
        self.POSTER_BANNER_FROM_PRIVATE = env.get("POSTER_BANNER_FROM_PRIVATE", "0") == "1"

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}
