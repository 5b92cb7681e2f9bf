"""Creating, editing and publishing campaigns: plain functions the admin API and console call.

Once a campaign has been published its prize pool is never silently rewritten: each prize's
identity (name, image), odds and pacing are frozen, so a win always names the prize it was when
won; stock may go up, or down no further than what is already awarded, and every change is in
the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from campaigns.core.clock import as_utc, utc_naive
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.draw import seeding, state
from campaigns.draw.engine import REDIS_DOWN
from campaigns.draw.keys import all_shards
from campaigns.ledger import audit
from campaigns.management import keywords
from campaigns.models import Campaign, Prize, Question, Win, settings
from campaigns.models.campaign import Status
from campaigns.models.settings import Setting
from campaigns.prizes import kinds

FOLLOW_WARNING = (
    "WeChat's platform rules forbid inducing users to follow an account in exchange for a "
    "reward. Requiring a follow to play may be judged induced following; check with your "
    "account's compliance contact before publishing."
)

SCALAR_FIELDS = settings.NAMES
EDITABLE_WHEN_PUBLISHED = settings.EDITABLE_WHEN_PUBLISHED


class GameRules(Protocol):
    """What the domain asks of a game (games/base.py implements it; the web layer passes the
    registry's game in, so the domain never imports a game). A game's own settings are stored in
    ``Campaign.game_settings`` and, like the draw's, all freeze once the campaign is published."""

    settings: tuple[Setting, ...]

    def validate(self, data: dict) -> dict[str, list[str]]: ...

    def publish_problems(self, campaign: Campaign) -> dict[str, list[str]]: ...


TRANSITIONS = {
    Status.DRAFT: {Status.LIVE, Status.ENDED},
    Status.LIVE: {Status.PAUSED, Status.ENDED},
    Status.PAUSED: {Status.LIVE, Status.ENDED},
    Status.ENDED: set(),
}


def _stored(name: str, value):
    return utc_naive(value) if isinstance(value, datetime) else value


def create_campaign(session, data: dict, actor: str, now: datetime) -> Campaign:
    """A new draft, and the first line of its audit log: who made it, with what."""
    campaign = Campaign(created_at=utc_naive(now), updated_at=utc_naive(now), status=Status.DRAFT)
    for name in SCALAR_FIELDS:
        if name in data:
            setattr(campaign, name, _stored(name, data[name]))
    campaign.prizes = [_new_prize(i, p) for i, p in enumerate(data.get("prizes", []))]
    campaign.questions = [_new_question(i, q) for i, q in enumerate(data.get("questions", []))]
    campaign.game_settings = dict(data.get("game_settings") or {})
    session.add(campaign)
    session.flush()
    audit.record(session, campaign.id, actor, "create", None, snapshot(campaign), now)
    session.commit()
    return campaign


def _new_prize(position: int, data: dict) -> Prize:
    return Prize(
        position=position,
        name=data["name"],
        stock=data["stock"],
        probability=data["probability"],
        pacing=data.get("pacing", "none"),
        image_url=data.get("image_url"),
        kind=data.get("kind") or kinds.DEFAULT,
        amount_fen=data.get("amount_fen"),
        claim_days=data.get("claim_days"),
    )


# A prize's fields that freeze with its odds once published: what a win of it is worth and how
# it reaches the winner (a code, goods to ship or cash) were shown to every player.
PRIZE_KIND_FIELDS = ("kind", "amount_fen", "claim_days")


def _new_question(position: int, data: dict) -> Question:
    return Question(
        position=position, text=data["text"], options=data["options"], answer=data["answer"]
    )


def as_input(campaign: Campaign) -> dict:
    """The campaign in the shape the input schema takes (to merge a PATCH and re-check it)."""
    data = {name: getattr(campaign, name) for name in SCALAR_FIELDS}
    data["starts_at"], data["ends_at"] = campaign.starts_utc, campaign.ends_utc
    data["prizes"] = [
        {
            "id": p.id,
            "name": p.name,
            "stock": p.stock,
            "probability": p.probability,
            "pacing": p.pacing,
            "image_url": p.image_url,
            **{name: getattr(p, name) for name in PRIZE_KIND_FIELDS},
        }
        for p in campaign.prizes
    ]
    data["questions"] = [
        {"text": q.text, "options": q.options, "answer": q.answer} for q in campaign.questions
    ]
    data["game_settings"] = dict(campaign.game_settings or {})
    return data


def problems(data: dict, game: GameRules | None) -> dict[str, list[str]]:
    """What is wrong across the fields of a campaign's whole input (``as_input``'s shape), the
    game's own checks included (``game`` None: an unknown game, reported by the schema)."""
    errors: dict[str, list[str]] = {}
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts and ends and ends <= starts:
        errors["ends_at"] = ["Must be after starts_at."]
    prizes = data.get("prizes") or []
    total = sum((Decimal(str(p["probability"])) for p in prizes if "probability" in p), Decimal(0))
    if total > 1:
        errors["prizes"] = [f"Probabilities add up to {total}; the sum must be at most 1."]
    names = [p.get("name") for p in prizes]
    if len(set(names)) != len(names):
        errors.setdefault("prizes", []).append("Prize names must be unique.")
    ppd, ppt = data.get("plays_per_user_per_day"), data.get("plays_per_user_total")
    if ppd and ppt and ppd > ppt:
        errors["plays_per_user_per_day"] = ["Cannot exceed plays_per_user_total."]
    errors.update(kinds.problems(prizes))
    if game is not None:
        errors.update(game.validate(data))
    return errors


def edit_campaign(
    session,
    redis,
    campaign: Campaign,
    changes: dict,
    actor: str,
    now: datetime,
    games: Callable[[str], GameRules],
) -> Campaign:
    """Merge checked changes (only the fields sent) with the campaign, check the whole, apply.

    The one way an edit is made: the admin API's PATCH and the console's editor both call it.
    A game's settings are merged key by key; those the campaign's (new) game does not declare
    are dropped, so a draft that changes game keeps no stale settings."""
    merged = {**as_input(campaign), **changes}
    game = games(merged["game"])
    if "game" in changes or "game_settings" in changes:
        kept = {setting.name for setting in game.settings}
        both = {**(campaign.game_settings or {}), **changes.get("game_settings", {})}
        changes = {**changes, "game_settings": {k: v for k, v in both.items() if k in kept}}
        merged["game_settings"] = changes["game_settings"]
    errors = problems(merged, game)
    if errors:
        raise DomainError(ErrorCode.VALIDATION, "Some fields are invalid.", errors)
    return update_campaign(session, redis, campaign, changes, actor, now)


def awarded_by_prize(session, campaign_id: int) -> dict[int, int]:
    rows = session.execute(
        select(Win.prize_id, func.count())
        .where(Win.campaign_id == campaign_id)
        .group_by(Win.prize_id)
    )
    return dict(rows.all())


def snapshot(campaign: Campaign) -> dict:
    """A JSON-able picture of the campaign for the audit log."""
    data = as_input(campaign)
    data["starts_at"], data["ends_at"] = data["starts_at"].isoformat(), data["ends_at"].isoformat()
    data["status"] = campaign.status
    return data


def update_campaign(
    session, redis, campaign: Campaign, changes: dict, actor: str, now: datetime
) -> Campaign:
    """Apply checked changes (``edit_campaign`` merges and checks them first)."""
    published = campaign.status != Status.DRAFT
    if campaign.status == Status.ENDED:
        raise DomainError(
            ErrorCode.CONFLICT, "An ended campaign cannot be edited.", {"status": ["ended"]}
        )
    before = snapshot(campaign)
    if published:
        frozen = sorted(
            name
            for name in changes
            if name not in EDITABLE_WHEN_PUBLISHED
            and name != "game_settings"
            and _differs(campaign, name, changes[name])
        ) + sorted(
            name
            for name, value in changes.get("game_settings", {}).items()
            if (campaign.game_settings or {}).get(name) != value
        )
        if frozen:
            raise DomainError(
                ErrorCode.CONFLICT,
                "These fields cannot change once the campaign is published.",
                {name: ["Cannot change once published."] for name in frozen},
            )
    if campaign.status == Status.LIVE and "keyword" in changes:
        _check_keyword_free(session, campaign, changes["keyword"], now)
    for name in SCALAR_FIELDS:
        if name in changes:
            setattr(campaign, name, _stored(name, changes[name]))
    if "prizes" in changes:
        if published:
            _restock(session, redis, campaign, changes["prizes"])
        else:
            campaign.prizes = [_new_prize(i, p) for i, p in enumerate(changes["prizes"])]
    if "questions" in changes:
        campaign.questions = [_new_question(i, q) for i, q in enumerate(changes["questions"])]
    if "game_settings" in changes:
        campaign.game_settings = dict(changes["game_settings"])
    campaign.updated_at = utc_naive(now)
    if published:
        audit.record(session, campaign.id, actor, "update", before, snapshot(campaign), now)
    _commit_and_push(session, redis, campaign)
    return campaign


def _check_keyword_free(session, campaign: Campaign, keyword, now: datetime) -> None:
    """A live campaign's new keyword must not be one another campaign answers to."""
    if keywords.fold(keyword) == keywords.fold(campaign.keyword):
        return
    other = keywords.holder(session, keyword, now, besides=campaign.id)
    if other is not None:
        raise DomainError(
            ErrorCode.CONFLICT,
            "Another campaign already answers to this keyword.",
            {"keyword": [keywords.taken_message(other)]},
        )


def _differs(campaign: Campaign, name: str, value) -> bool:
    current = getattr(campaign, name)
    if isinstance(value, datetime):
        return as_utc(current) != as_utc(value)
    return current != value


def _restock(session, redis, campaign: Campaign, prizes: list[dict]) -> None:
    """On a published campaign only the stock of existing prizes may change: a renamed prize
    (or two prizes swapping names) would relabel every win already drawn for it."""
    current = {p.id: p for p in campaign.prizes}
    ids = [p.get("id") for p in prizes]
    if sorted(i for i in ids if i) != sorted(current) or len(ids) != len(current):
        raise DomainError(
            ErrorCode.CONFLICT,
            "Prizes cannot be added or removed once published; list every prize with its id.",
            {"prizes": ["Same prizes (by id) required once published."]},
        )
    awarded = awarded_by_prize(session, campaign.id)
    redis_awarded = _redis_awarded(redis, campaign)
    errors: dict[str, list[str]] = {}
    for index, change in enumerate(prizes):
        prize = current[change["id"]]
        if (
            change["probability"] != prize.probability
            or change.get("pacing", "none") != prize.pacing
        ):
            errors[f"prizes.{index}.probability"] = [
                "Odds and pacing cannot change once published."
            ]
            continue
        kind_changes = [
            name
            for name in PRIZE_KIND_FIELDS
            if name in change
            and (change[name] or (kinds.DEFAULT if name == "kind" else None))
            != getattr(prize, name)
        ]
        if kind_changes:
            errors[f"prizes.{index}.{kind_changes[0]}"] = [
                "A prize's kind, amount and claim days cannot change once published."
            ]
            continue
        image_url = change.get("image_url", prize.image_url)  # left out: unchanged
        if change["name"] != prize.name or image_url != prize.image_url:
            errors[f"prizes.{index}.name"] = [
                "A prize's name and image cannot change once published."
            ]
            continue
        floor = max(awarded.get(prize.id, 0), redis_awarded.get(prize.id, 0))
        if change["stock"] < floor:
            errors[f"prizes.{index}.stock"] = [f"Cannot be lower than the {floor} already awarded."]
            continue
        prize.stock = change["stock"]
    if errors:
        session.rollback()
        raise DomainError(ErrorCode.CONFLICT, "Some prize changes are not allowed.", errors)


def _redis_awarded(redis, campaign: Campaign) -> dict[int, int]:
    try:
        return state.awarded_in_redis(redis, campaign.id, campaign.shards)
    except REDIS_DOWN as exc:
        raise DomainError(ErrorCode.UNAVAILABLE) from exc


def change_status(
    session, redis, campaign: Campaign, status: str, actor: str, now: datetime, game: GameRules
) -> Campaign:
    """``game``: the campaign's game (its checks before going live)."""
    target = Status(status)
    current = Status(campaign.status)
    if target == current:
        return campaign
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none"
        raise DomainError(
            ErrorCode.CONFLICT,
            f"A {current.value} campaign cannot become {target.value}.",
            {"status": [f"Allowed from {current.value}: {allowed}."]},
        )
    if target == Status.LIVE:
        blockers = publish_problems(session, campaign, now, game)
        if blockers:
            raise DomainError(ErrorCode.VALIDATION, "The campaign cannot go live yet.", blockers)
    after: dict = {"status": target.value}
    if target == Status.LIVE and not campaign.seed:
        campaign.seed = seeding.new_seed()
        campaign.seed_commitment = seeding.commitment(campaign.seed)
        after["prizes"] = prize_table(campaign)  # the table the commitment is made under
    campaign.status = target.value
    campaign.updated_at = utc_naive(now)
    if target == Status.ENDED:
        campaign.ended_at = utc_naive(now)  # the purge of claims counts from here if earlier
    audit.record(session, campaign.id, actor, "status", {"status": current.value}, after, now)
    _commit_and_push(session, redis, campaign)
    return campaign


def prize_table(campaign: Campaign) -> list[dict]:
    """The prizes as players are told of them and the draw uses them, recorded at go-live so
    the public audit shows the table the seed was committed under."""
    return [
        {
            "id": p.id,
            "name": p.name,
            "image_url": p.image_url,
            "probability": p.probability,
            "pacing": p.pacing,
            "kind": p.kind,
            "amount_fen": p.amount_fen,
        }
        for p in campaign.prizes
    ]


def publish_problems(
    session, campaign: Campaign, now: datetime, game: GameRules
) -> dict[str, list[str]]:
    """What stops a campaign from going live (WeChat's rules included, and the game's own, such
    as a prize to draw), and a keyword that a live or scheduled campaign answers to: the older
    one would keep answering."""
    blockers: dict[str, list[str]] = {}
    if not (campaign.rules or "").strip():
        blockers["rules"] = ["Rules text is required before going live (WeChat platform rules)."]
    blockers.update(game.publish_problems(campaign))
    other = keywords.holder(session, campaign.keyword, now, besides=campaign.id)
    if other is not None:
        blockers["keyword"] = [keywords.taken_message(other)]
    return blockers


def warnings(campaign: Campaign) -> list[str]:
    return [FOLLOW_WARNING] if campaign.require_follow else []


def _commit_and_push(session, redis, campaign: Campaign) -> None:
    """Tell Redis, commit, tell Redis again.

    The first push makes a failing Redis stop the change before SQL has it; the second covers a
    rebuild that read SQL between the two (it saw the old settings).
    """
    session.flush()
    every_shard = all_shards(campaign.id, campaign.shards)  # read now: a rollback expires it
    try:
        state.push_settings(redis, campaign)
    except REDIS_DOWN as exc:
        session.rollback()
        raise DomainError(ErrorCode.UNAVAILABLE) from exc
    try:
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        try:
            for keys in every_shard:
                redis.hdel(keys.meta, "ready")  # rebuild from SQL next play
        except REDIS_DOWN:
            pass
        raise DomainError(ErrorCode.UNAVAILABLE) from exc
    try:
        state.push_settings(redis, campaign)
    except REDIS_DOWN:
        pass  # the first push already holds the same settings
