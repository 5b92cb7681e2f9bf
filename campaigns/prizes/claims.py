"""A player's wins with their status, a goods win's claim, the warehouse's export, the shipments
upload and the purge of personal data.

The claim's personal fields (name, phone, address) are sealed (sealing.py) before they are
written and opened only for the winner's own session and the marketer's export; they never go
into the audit, ``plays.csv``, the logs or analysts' views, and ``purge`` empties them a set
number of days after the campaign ends.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import and_, case, select, update
from sqlalchemy.exc import IntegrityError

from campaigns.core.clock import as_utc, utc_naive
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.ledger.ledger import CODE_ALPHABET, CODE_LENGTH
from campaigns.models import Campaign, Claim, Payout, Win
from campaigns.models.campaign import PrizeKind
from campaigns.prizes import kinds
from campaigns.prizes.kinds import WinStatus
from campaigns.prizes.sealing import Sealer, SealError

# A mainland China mobile number: 11 digits from 13x to 19x (optionally written +86 / 0086).
MOBILE = re.compile(r"^1[3-9]\d{9}$")
# The claim's fields: (name, the most characters); all required.
FIELDS = (
    ("name", 40),
    ("phone", 20),
    ("province", 40),
    ("city", 40),
    ("district", 40),
    ("address", 200),
)
UNSTORABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
PURGE_AFTER_DAYS = 90
_CODE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def normalize(code: str) -> str | None:
    """A redemption code as stored (any case, dashes and spaces optional), None if it is not one."""
    raw = re.sub(r"[\s-]", "", code or "").upper()
    if not _CODE.match(raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def check_claim(data: dict) -> dict:
    """The claim's fields, trimmed and checked; DomainError(validation) names each bad one."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for name, longest in FIELDS:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            errors[name] = ["Required."]
            continue
        value = value.strip()
        if len(value) > longest:
            errors[name] = [f"At most {longest} characters."]
        elif UNSTORABLE.search(value):
            errors[name] = ["Contains a character that is not allowed."]
        clean[name] = value
    if "phone" in clean and "phone" not in errors:
        phone = re.sub(r"[\s-]", "", clean["phone"])
        phone = re.sub(r"^(\+86|0086)", "", phone)
        if not MOBILE.match(phone):
            errors["phone"] = ["A mainland China mobile number: 11 digits starting with 1."]
        clean["phone"] = phone
    unknown = sorted(set(data) - {name for name, _ in FIELDS})
    for name in unknown:
        errors[name] = ["Unknown field."]
    if errors:
        raise DomainError(ErrorCode.VALIDATION, "Some fields are invalid.", errors)
    return clean


def _mine(session, campaign_id: int, player_id: int, win_id: int) -> Win:
    win = session.scalar(
        select(Win).where(
            Win.id == win_id, Win.campaign_id == campaign_id, Win.player_id == player_id
        )
    )
    if win is None:  # another player's win looks the same as no win
        raise DomainError(ErrorCode.NOT_FOUND, "No such prize.", {"win_id": ["Unknown."]})
    return win


def _iso(moment) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


def win_view(win: Win, claim: Claim | None, payout: Payout | None, now, sealer: Sealer | None):
    """One win as its winner sees it (``sealer``: open the claim's fields for the winner)."""
    prize = win.prize
    deadline = kinds.deadline(prize, win.created_at)
    fields = None
    if claim is not None and claim.sealed and sealer is not None:
        try:
            fields = sealer.open(win.id, claim.key_id, claim.sealed)
        except SealError:
            fields = None
    return {
        "id": win.id,
        "prize": {
            "id": prize.id,
            "name": prize.name,
            "kind": prize.kind,
            "amount_fen": prize.amount_fen,
            "image_url": prize.image_url,
        },
        "kind": prize.kind,
        "status": kinds.status(win, claim, payout, now),
        "code": win.code,
        "won_at": _iso(win.created_at),
        "deadline": _iso(deadline),
        "claim": fields,
        "claimed_at": _iso(claim.updated_at) if claim else None,
        "courier": claim.courier if claim else None,
        "tracking_number": claim.tracking_number if claim else None,
        "shipped_at": _iso(claim.shipped_at) if claim else None,
        "payout": None
        if payout is None
        else {"status": payout.status, "paid_at": _iso(payout.paid_at)},
    }


def player_wins(session, campaign_id: int, player_id: int, now, sealer: Sealer) -> list[dict]:
    """The player's wins in this campaign, newest first, with kind, status and delivery."""
    rows = session.execute(
        select(Win, Claim, Payout)
        .outerjoin(Claim, Claim.win_id == Win.id)
        .outerjoin(Payout, Payout.win_id == Win.id)
        .where(Win.campaign_id == campaign_id, Win.player_id == player_id)
        .order_by(Win.created_at.desc(), Win.id.desc())
    ).all()
    return [win_view(win, claim, payout, now, sealer) for win, claim, payout in rows]


def submit_claim(
    session, campaign_id: int, player_id: int, win_id: int, data: dict, now, sealer: Sealer
) -> dict:
    """Write (or rewrite, until shipped) the claim of the player's goods win."""
    win = _mine(session, campaign_id, player_id, win_id)
    if win.prize.kind != PrizeKind.GOODS.value:
        raise DomainError(
            ErrorCode.CONFLICT,
            "Only shipped goods are claimed with an address.",
            {"kind": [win.prize.kind]},
        )
    claim = session.scalar(select(Claim).where(Claim.win_id == win.id))
    if claim is not None and claim.shipped_at is not None:
        raise DomainError(
            ErrorCode.CONFLICT,
            "The prize has been shipped; the address can no longer change.",
            {"status": [WinStatus.SHIPPED]},
        )
    if claim is None and kinds.status(win, None, None, now) == WinStatus.EXPIRED:
        deadline = _iso(kinds.deadline(win.prize, win.created_at)) or _iso(win.expired_at)
        raise DomainError(ErrorCode.CLAIM_EXPIRED, fields={"deadline": [deadline]})
    fields = check_claim(data)
    key_id, sealed = sealer.seal(win.id, fields)
    stamp = utc_naive(now)
    if claim is None:
        try:
            session.add(
                Claim(
                    win_id=win.id,
                    campaign_id=campaign_id,
                    sealed=sealed,
                    key_id=key_id,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
            session.commit()
        except IntegrityError:  # a second tab claimed at the same moment: rewrite it below
            session.rollback()
            claim = session.scalar(select(Claim).where(Claim.win_id == win.id))
    if claim is not None:
        changed = session.execute(
            update(Claim)
            .where(Claim.id == claim.id, Claim.shipped_at.is_(None))
            .values(sealed=sealed, key_id=key_id, updated_at=stamp)
        ).rowcount
        session.commit()
        if not changed:
            raise DomainError(
                ErrorCode.CONFLICT,
                "The prize has been shipped; the address can no longer change.",
                {"status": [WinStatus.SHIPPED]},
            )
    session.expire_all()
    claim = session.scalar(select(Claim).where(Claim.win_id == win.id))
    return win_view(session.get(Win, win.id), claim, None, now, sealer)


# -- the marketer's side ---------------------------------------------------------------------

CSV_HEADER = [
    "code",
    "prize",
    "won_at",
    "status",
    "name",
    "phone",
    "province",
    "city",
    "district",
    "address",
    "claimed_at",
    "courier",
    "tracking_number",
    "shipped_at",
]


def claim_rows(session, campaign: Campaign, now, sealer: Sealer):
    """The campaign's goods wins for the warehouse, one row per win (``CSV_HEADER``), claimed
    or not; purged claims show no personal fields."""
    zone = campaign.zone
    rows = session.execute(
        select(Win, Claim)
        .join(Win.prize)
        .outerjoin(Claim, Claim.win_id == Win.id)
        .where(Win.campaign_id == campaign.id, Win.prize.has(kind=PrizeKind.GOODS.value))
        .order_by(Win.id)
    ).all()

    def local(moment):
        return "" if moment is None else as_utc(moment).astimezone(zone).isoformat()

    for win, claim in rows:
        fields = {}
        if claim is not None and claim.sealed:
            try:
                fields = sealer.open(win.id, claim.key_id, claim.sealed)
            except SealError:
                fields = {}
        yield [
            win.code,
            win.prize.name,
            local(win.created_at),
            kinds.status(win, claim, None, now),
            *(fields.get(name, "") for name, _ in FIELDS),
            local(claim.updated_at) if claim else "",
            (claim.courier or "") if claim else "",
            (claim.tracking_number or "") if claim else "",
            local(claim.shipped_at) if claim else "",
        ]


def claims_overview(session, campaign: Campaign, now) -> dict:
    """Counts by status of the campaign's goods wins (no personal fields: for every role)."""
    counts: dict[str, int] = {}
    rows = session.execute(
        select(Win, Claim)
        .outerjoin(Claim, Claim.win_id == Win.id)
        .where(Win.campaign_id == campaign.id, Win.prize.has(kind=PrizeKind.GOODS.value))
    ).all()
    for win, claim in rows:
        status = kinds.status(win, claim, None, now)
        counts[status] = counts.get(status, 0) + 1
    return counts


SHIPMENT_FIELDS = (("code", 32), ("courier", 40), ("tracking_number", 64))


def ship(session, campaign_id: int, rows: list[dict], now) -> list[int]:
    """Mark the claims of the rows' codes shipped with their courier and tracking number.

    All rows are checked first; any bad row refuses the whole upload (422 naming
    ``rows.<n>.<field>``) and nothing changes. A row may correct an earlier tracking number.
    Returns the win ids whose shipping changed (their winners are to be told)."""
    errors: dict[str, list[str]] = {}
    if not rows:
        errors["rows"] = ["At least one row of code, courier and tracking_number."]
    checked = []
    for index, row in enumerate(rows):
        clean = {}
        for name, longest in SHIPMENT_FIELDS:
            value = row.get(name) if isinstance(row, dict) else None
            if not isinstance(value, str) or not value.strip():
                errors[f"rows.{index}.{name}"] = ["Required."]
            elif len(value.strip()) > longest or UNSTORABLE.search(value):
                errors[f"rows.{index}.{name}"] = [f"At most {longest} printable characters."]
            else:
                clean[name] = value.strip()
        if "code" in clean:
            code = normalize(clean["code"])
            win = (
                None
                if code is None
                else session.scalar(
                    select(Win).where(Win.code == code, Win.campaign_id == campaign_id)
                )
            )
            claim = (
                None if win is None else session.scalar(select(Claim).where(Claim.win_id == win.id))
            )
            if win is None or win.prize.kind != PrizeKind.GOODS.value:
                errors[f"rows.{index}.code"] = ["No goods prize of this campaign has this code."]
            elif claim is None:
                errors[f"rows.{index}.code"] = ["The winner has not claimed it yet."]
            else:
                checked.append((claim, clean))
    if errors:
        raise DomainError(ErrorCode.VALIDATION, "Some rows are invalid.", errors)
    changed = []
    stamp = utc_naive(now)
    for claim, clean in checked:
        if claim.courier == clean["courier"] and claim.tracking_number == clean["tracking_number"]:
            continue  # the same row uploaded again: nothing new to tell
        claim.courier = clean["courier"]
        claim.tracking_number = clean["tracking_number"]
        claim.shipped_at = claim.shipped_at or stamp
        claim.shipping_notice = "pending"
        changed.append(claim.win_id)
    session.commit()
    return changed


def ended_at():
    """SQL: when a campaign actually ended. A marketer's early end (``ended_at`` before the
    scheduled ``ends_at``) counts from that moment; otherwise, and for one ended after its
    schedule ran out, from ``ends_at``."""
    return case(
        (
            and_(Campaign.ended_at.is_not(None), Campaign.ended_at < Campaign.ends_at),
            Campaign.ended_at,
        ),
        else_=Campaign.ends_at,
    )


def purge(session, now: datetime, days: int = PURGE_AFTER_DAYS) -> int:
    """Empty the personal fields of claims whose campaign ended ``days`` ago or more (idempotent:
    the sweep runs it). Shipping facts (courier, tracking number) stay for the record."""
    ended = select(Campaign.id).where(ended_at() <= utc_naive(now - timedelta(days=days)))
    purged = session.execute(
        update(Claim)
        .where(Claim.campaign_id.in_(ended), Claim.purged_at.is_(None))
        .values(sealed=None, key_id=None, purged_at=utc_naive(now))
    ).rowcount
    session.commit()
    return purged


def reseal(session, sealer: Sealer, batch: int = 500) -> int:
    """Re-seal every claim not sealed with the current key (key rotation, docs/security.md)."""
    done = 0
    while True:
        claims = session.scalars(
            select(Claim)
            .where(Claim.sealed.is_not(None), Claim.key_id != sealer.current_id)
            .limit(batch)
        ).all()
        if not claims:
            return done
        for claim in claims:
            fields = sealer.open(claim.win_id, claim.key_id, claim.sealed)
            claim.key_id, claim.sealed = sealer.seal(claim.win_id, fields)
        session.commit()
        done += len(claims)
