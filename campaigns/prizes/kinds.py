"""The prize kinds, a small registry like the games': each kind checks its own settings and
says what a win of it is waiting for.

- ``code``: a redemption code staff mark redeemed (``claim_days``: redeem within).
- ``goods``: shipped; the winner claims it with name, phone and address (``claim_days``: claim
  within), the marketer uploads the courier's tracking number.
- ``cash``: a WeChat Pay red packet of ``amount_fen``, paid by a job (cash.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from campaigns.core.clock import as_utc
from campaigns.models.campaign import PrizeKind

# WeChat Pay's cash red packet: 1 to 200 yuan without a scene id (we send none).
MIN_CASH_FEN, MAX_CASH_FEN = 100, 20_000
MAX_CLAIM_DAYS = 365


class WinStatus:
    OPEN = "open"  # a code not redeemed yet
    REDEEMED = "redeemed"
    UNCLAIMED = "unclaimed"  # goods waiting for the winner's address
    CLAIMED = "claimed"
    SHIPPED = "shipped"
    PAYING = "paying"  # cash on its way
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    # Whether claim_days applies (the winner has something to do before a deadline).
    has_deadline: bool = True

    def problems(self, prize: dict) -> dict[str, list[str]]:
        """What is wrong with a prize's kind-specific fields (keys: the prize's field names)."""
        errors: dict[str, list[str]] = {}
        if prize.get("amount_fen") is not None:
            errors["amount_fen"] = ["Only a cash prize has an amount."]
        return errors

    def status(self, win, claim, payout) -> str:
        raise NotImplementedError


class CodeKind(Kind):
    def status(self, win, claim, payout) -> str:
        return WinStatus.REDEEMED if win.redeemed_at is not None else WinStatus.OPEN


class GoodsKind(Kind):
    def status(self, win, claim, payout) -> str:
        if claim is not None and claim.shipped_at is not None:
            return WinStatus.SHIPPED
        if claim is not None:
            return WinStatus.CLAIMED
        return WinStatus.UNCLAIMED


class CashKind(Kind):
    def problems(self, prize: dict) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        amount = prize.get("amount_fen")
        if amount is None:
            errors["amount_fen"] = ["A cash prize needs its amount in fen."]
        elif not MIN_CASH_FEN <= amount <= MAX_CASH_FEN:
            errors["amount_fen"] = [
                f"WeChat Pay red packets are {MIN_CASH_FEN} to {MAX_CASH_FEN} fen (1 to 200 yuan)."
            ]
        if prize.get("claim_days") is not None:
            errors["claim_days"] = ["A cash prize is paid by itself; it has no claim deadline."]
        return errors

    def status(self, win, claim, payout) -> str:
        if payout is not None and payout.status == "paid":
            return WinStatus.PAID
        if payout is not None and payout.status == "failed":
            return WinStatus.FAILED
        return WinStatus.PAYING


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        CodeKind(PrizeKind.CODE.value, "Redemption code"),
        GoodsKind(PrizeKind.GOODS.value, "Shipped goods"),
        CashKind(PrizeKind.CASH.value, "Cash (WeChat Pay)", has_deadline=False),
    )
}
NAMES = tuple(KINDS)
DEFAULT = PrizeKind.CODE.value


def get(name: str | None) -> Kind:
    return KINDS[name or DEFAULT]


def problems(prizes: list[dict]) -> dict[str, list[str]]:
    """Each prize's kind-specific problems, keyed ``prizes.<i>.<field>`` like the form's."""
    errors: dict[str, list[str]] = {}
    for index, prize in enumerate(prizes):
        kind = KINDS.get(prize.get("kind") or DEFAULT)
        if kind is None:
            continue  # the schema names an unknown kind
        for name, messages in kind.problems(prize).items():
            errors[f"prizes.{index}.{name}"] = messages
    return errors


def deadline(prize, won_at: datetime) -> datetime | None:
    """When a win of ``prize`` expires if the winner has not acted (None: never)."""
    if prize.claim_days is None or not get(prize.kind).has_deadline:
        return None
    return as_utc(won_at) + timedelta(days=prize.claim_days)


def status(win, claim, payout, now: datetime) -> str:
    """The win's status as the player and the marketer see it: expired once the expiry job has
    marked it, or once its deadline has passed while it still waits for the winner."""
    current = get(win.prize.kind).status(win, claim, payout)
    waiting = current in (WinStatus.OPEN, WinStatus.UNCLAIMED)
    if win.expired_at is not None and waiting:
        return WinStatus.EXPIRED
    due = deadline(win.prize, win.created_at)
    if waiting and due is not None and as_utc(now) >= due:
        return WinStatus.EXPIRED
    return current
