"""How an environment variable says yes (``WECHAT_SANDBOX``, ``PRODUCTION``, ...): one rule for
the app's config, the sandbox's and the ``make run`` runner, which read the same variables."""

from __future__ import annotations

YES = frozenset({"1", "true", "yes", "on"})


def is_on(value: str | None) -> bool:
    return (value or "").strip().lower() in YES
