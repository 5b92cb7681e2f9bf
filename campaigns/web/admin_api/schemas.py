"""Admin API schemas: what marketers send and what the admin roles read back."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from campaigns.models.campaign import Language
from games import registry

MAX_STOCK = 10_000_000
MAX_LIMIT = 100_000
# More shards than cluster masters buys nothing; 16 covers any cluster a campaign would rent.
MAX_SHARDS = 16
# Campaign moments: far enough either way for any real campaign, near enough that converting
# between time zones never leaves the range Python's datetime can hold.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
# NUL (PostgreSQL cannot store it), other control characters but tab and newlines, and unpaired
# UTF-16 surrogates (JSON "\ud800" escapes; not encodable as UTF-8, so no database stores them).
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class Text(fields.String):
    """A string every database can store and every page can show as typed."""

    default_error_messages = {
        "unstorable": "Contains a character that is not allowed (NUL, a control character or "
        "an unpaired surrogate)."
    }

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if UNSTORABLE.search(text):
            raise self.make_error("unstorable")
        return text


class Number(fields.Float):
    """A JSON number only, like the strict integers: ``"0.5"`` and ``true`` are not odds."""

    def _deserialize(self, value, attr, data, **kwargs) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def _text(max_length: int, required: bool = True, **kwargs) -> Text:
    return Text(
        required=required,
        validate=validate.Length(min=1 if required else 0, max=max_length),
        **kwargs,
    )


def _moment() -> fields.AwareDateTime:
    def in_range(value: datetime) -> None:
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise ValidationError(f"Must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}.")

    return fields.AwareDateTime(required=True, validate=in_range)


class PrizeIn(Schema):
    id = fields.Integer(strict=True, validate=validate.Range(min=1))
    name = _text(80)
    stock = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=0, max=MAX_STOCK)
    )
    probability = Number(required=True, allow_nan=False, validate=validate.Range(min=0, max=1))
    pacing = fields.String(load_default="none", validate=validate.OneOf(["none", "even"]))
    image_url = Text(allow_none=True, validate=validate.Length(max=500))

    @validates("probability")
    def _precision(self, value: float, **_kwargs) -> None:
        if Decimal(str(value)).as_tuple().exponent < -9:
            raise ValidationError("At most 9 decimal places.")


class QuestionIn(Schema):
    text = _text(500)
    options = fields.List(_text(200), required=True, validate=validate.Length(min=2, max=6))
    answer = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))

    @validates_schema
    def _answer_is_an_option(self, data: dict, **_kwargs) -> None:
        if "options" in data and "answer" in data and data["answer"] >= len(data["options"]):
            raise ValidationError("Must be the index of one of the options.", "answer")


class LookIn(Schema):
    title = Text(validate=validate.Length(max=80))
    primary_color = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}\Z"))
    background_color = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}\Z"))
    banner_url = Text(allow_none=True, validate=validate.Length(max=500))


def _limit(**kwargs) -> fields.Integer:
    return fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=1, max=MAX_LIMIT), **kwargs
    )


class CampaignIn(Schema):
    name = _text(120)
    game = Text(required=True)
    starts_at = _moment()
    ends_at = _moment()
    timezone = Text(load_default="Asia/Shanghai", validate=validate.Length(max=64))
    rules = Text(load_default="", validate=validate.Length(max=20_000))
    keyword = Text(allow_none=True, validate=validate.Length(min=1, max=32))
    language = fields.String(
        load_default=Language.ZH.value,
        validate=validate.OneOf([language.value for language in Language]),
        metadata={"description": "what winner notices and replies about it are written in"},
    )
    plays_per_user_per_day = _limit()
    plays_per_user_total = _limit()
    wins_per_user_total = _limit(load_default=1)
    require_follow = fields.Boolean(load_default=False)
    prizes = fields.List(
        fields.Nested(PrizeIn), load_default=list, validate=validate.Length(max=20)
    )
    questions = fields.List(
        fields.Nested(QuestionIn), load_default=list, validate=validate.Length(max=500)
    )
    questions_per_attempt = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=1, max=100)
    )
    quiz_seconds = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=10, max=3600),
        metadata={"description": "time limit of one quiz attempt (none: no limit)"},
    )
    pass_score = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=1, max=100)
    )
    look = fields.Nested(LookIn, load_default=dict)
    shards = fields.Integer(
        strict=True,
        load_default=1,
        validate=validate.Range(min=1, max=MAX_SHARDS),
        metadata={
            "description": "Redis Cluster shards for a hot campaign (players and stock spread "
            "over that many nodes); fixed once published"
        },
    )

    @validates("game")
    def _known_game(self, value: str, **_kwargs) -> None:
        if value not in registry.names():
            raise ValidationError(f"Unknown game; one of: {', '.join(registry.names())}.")

    @validates("timezone")
    def _known_zone(self, value: str, **_kwargs) -> None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                "Unknown time zone (use an IANA name like Asia/Shanghai)."
            ) from None

    @validates_schema
    def _consistent(self, data: dict, partial=False, **_kwargs) -> None:
        if not partial:  # a PATCH is checked once merged with the stored campaign
            check_campaign(data)


def check_campaign(data: dict) -> None:
    """Checks across fields; also run on the merged result of a PATCH."""
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
    game = data.get("game")
    if game in registry.names():
        errors.update(registry.get(game).validate(data))
    if errors:
        raise ValidationError(errors)


class CampaignPatch(CampaignIn):
    """CampaignIn with every field optional; checked again once merged with the campaign."""


def campaign_patch() -> CampaignPatch:
    """The PATCH schema: each top-level field may be left out, but a prize or question that is
    sent is checked whole (``partial=True`` would also let ``{"prizes": [{"id": 1}]}`` through
    without its name, stock and odds)."""
    return CampaignPatch(partial=tuple(CampaignIn().fields))


class StatusIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["live", "paused", "ended"]))


class PrizeOut(Schema):
    id = fields.Integer()
    name = fields.String()
    stock = fields.Integer()
    probability = fields.Float()
    pacing = fields.String()
    image_url = fields.String(allow_none=True)
    awarded = fields.Integer()


class QuestionOut(Schema):
    text = fields.String()
    options = fields.List(fields.String())
    answer = fields.Integer()


class CampaignOut(Schema):
    id = fields.Integer()
    name = fields.String()
    game = fields.String()
    status = fields.String()
    starts_at = fields.String()
    ends_at = fields.String()
    timezone = fields.String()
    rules = fields.String()
    keyword = fields.String(allow_none=True)
    language = fields.String()
    plays_per_user_per_day = fields.Integer(allow_none=True)
    plays_per_user_total = fields.Integer(allow_none=True)
    wins_per_user_total = fields.Integer(allow_none=True)
    require_follow = fields.Boolean()
    prizes = fields.List(fields.Nested(PrizeOut))
    questions = fields.List(fields.Nested(QuestionOut))
    questions_per_attempt = fields.Integer(allow_none=True)
    pass_score = fields.Integer(allow_none=True)
    quiz_seconds = fields.Integer(allow_none=True)
    look = fields.Dict()
    shards = fields.Integer()
    seed_commitment = fields.String(allow_none=True)
    chain_head = fields.String(
        allow_none=True, metadata={"description": "hash of the newest chained play"}
    )
    seed = fields.String(allow_none=True, metadata={"description": "revealed once ended"})
    warnings = fields.List(fields.String())
    game_url = fields.String()
    created_at = fields.String()
    updated_at = fields.String()


class ErrorOut(Schema):
    error = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields",
        required=True,
        metadata={"description": "field name -> what is wrong with it (empty when no field)"},
    )
