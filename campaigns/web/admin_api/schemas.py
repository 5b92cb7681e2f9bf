"""Admin API schemas: what marketers send and what the admin roles read back."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
    validates_schema,
)

import games
from campaigns.management import campaign_admin
from campaigns.models.settings import SETTINGS, Kind, Setting
from campaigns.prizes import kinds
from games import registry

MAX_STOCK = 10_000_000
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


class PrizeIn(Schema):
    id = fields.Integer(strict=True, validate=validate.Range(min=1))
    name = _text(80)
    stock = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=0, max=MAX_STOCK)
    )
    probability = Number(required=True, allow_nan=False, validate=validate.Range(min=0, max=1))
    pacing = fields.String(load_default="none", validate=validate.OneOf(["none", "even"]))
    image_url = Text(allow_none=True, validate=validate.Length(max=500))
    kind = fields.String(
        load_default=kinds.DEFAULT,
        validate=validate.OneOf(kinds.NAMES),
        metadata={"description": "code (a redemption code), goods (shipped) or cash (WeChat Pay)"},
    )
    amount_fen = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=kinds.MIN_CASH_FEN, max=kinds.MAX_CASH_FEN),
        metadata={"description": "a cash prize's amount in fen"},
    )
    claim_days = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=1, max=kinds.MAX_CLAIM_DAYS),
        metadata={"description": "days to claim (goods) or redeem (code) before a win expires"},
    )

    @validates_schema
    def _kind_fields(self, data: dict, **_kwargs) -> None:
        if data.get("kind") in kinds.NAMES:
            errors = kinds.get(data["kind"]).problems(data)
            if errors:
                raise ValidationError(errors)

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


def _known_game(value: str) -> None:
    if value not in registry.names():
        raise ValidationError(f"Unknown game; one of: {', '.join(registry.names())}.")


def _known_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("Unknown time zone (use an IANA name like Asia/Shanghai).") from None


def _field_in(setting: Setting) -> fields.Field:
    """The input field of one setting, from its declaration (campaigns/models/settings.py)."""
    options: dict = {"allow_none": setting.nullable}
    if setting.required:
        options["required"] = True
    elif setting.default is not None:
        options["load_default"] = setting.default
    if setting.description:
        options["metadata"] = {"description": setting.description}
    bounds = {"min": setting.minimum, "max": setting.maximum}
    length = validate.Length(min=setting.minimum or 0, max=setting.maximum)
    match setting.kind:
        case Kind.TEXT:
            return Text(validate=length, **options)
        case Kind.GAME:
            return Text(validate=_known_game, **options)
        case Kind.ZONE:
            return Text(validate=[length, _known_zone], **options)
        case Kind.MOMENT:
            return fields.AwareDateTime(validate=_in_years, **options)
        case Kind.CHOICE:
            return fields.String(validate=validate.OneOf(setting.choices), **options)
        case Kind.INTEGER:
            return fields.Integer(strict=True, validate=validate.Range(**bounds), **options)
        case Kind.BOOLEAN:
            return fields.Boolean(**options)
        case Kind.LOOK:
            return fields.Nested(LookIn, **options)
    raise AssertionError(f"no input field for {setting.kind}")


def _field_out(setting: Setting) -> fields.Field:
    match setting.kind:
        case Kind.INTEGER:
            return fields.Integer(allow_none=setting.nullable)
        case Kind.BOOLEAN:
            return fields.Boolean()
        case Kind.LOOK:
            return fields.Dict()
    return fields.String(allow_none=setting.nullable)


def _in_years(value: datetime) -> None:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(f"Must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}.")


# The games' own settings travel flat beside the campaign's (the HTTP contract); the loaded
# data carries them nested under "game_settings", as the domain stores them.
GAME_SETTINGS = games.own_settings()


def nest_game_settings(data: dict) -> dict:
    nested = {k: v for k, v in data.items() if k not in {s.name for s in GAME_SETTINGS}}
    own = {s.name: data[s.name] for s in GAME_SETTINGS if s.name in data}
    if own:
        nested["game_settings"] = own
    return nested


class _CampaignChecks(Schema):
    """The checks across fields of a new campaign (``campaign_admin.problems``); an edit is
    checked there once merged with the stored campaign (``campaign_admin.edit_campaign``)."""

    @validates_schema
    def _consistent(self, data: dict, partial=False, **_kwargs) -> None:
        if partial:
            return
        game = registry.get(data["game"]) if data.get("game") in registry.names() else None
        errors = campaign_admin.problems(nest_game_settings(data), game)
        if errors:
            raise ValidationError(errors)

    @post_load
    def _nest(self, data: dict, **_kwargs) -> dict:
        """Nest the games' own settings; a whole campaign keeps only its own game's (an edit's
        are kept by ``campaign_admin.edit_campaign``, which knows the campaign's game)."""
        nested = nest_game_settings(data)
        if data.get("game") in registry.names():
            own = {setting.name for setting in registry.get(data["game"]).settings}
            sent = nested.get("game_settings", {})
            nested["game_settings"] = {k: v for k, v in sent.items() if k in own}
        return nested


CampaignIn = type(
    "CampaignIn",
    (_CampaignChecks,),
    {
        **{setting.name: _field_in(setting) for setting in SETTINGS},
        "prizes": fields.List(
            fields.Nested(PrizeIn), load_default=list, validate=validate.Length(max=20)
        ),
        "questions": fields.List(
            fields.Nested(QuestionIn), load_default=list, validate=validate.Length(max=500)
        ),
        **{setting.name: _field_in(setting) for setting in GAME_SETTINGS},
        "__doc__": "A campaign as marketers send it: its settings, prizes and questions.",
    },
)


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
    kind = fields.String()
    amount_fen = fields.Integer(allow_none=True)
    claim_days = fields.Integer(allow_none=True)
    awarded = fields.Integer()


class QuestionOut(Schema):
    text = fields.String()
    options = fields.List(fields.String())
    answer = fields.Integer()


CampaignOut = type(
    "CampaignOut",
    (Schema,),
    {
        "id": fields.Integer(),
        **{setting.name: _field_out(setting) for setting in SETTINGS},
        "status": fields.String(),
        "prizes": fields.List(fields.Nested(PrizeOut)),
        "questions": fields.List(fields.Nested(QuestionOut)),
        **{setting.name: _field_out(setting) for setting in GAME_SETTINGS},
        "seed_commitment": fields.String(allow_none=True),
        "chain_head": fields.String(
            allow_none=True, metadata={"description": "hash of the newest chained play"}
        ),
        "seed": fields.String(allow_none=True, metadata={"description": "revealed once ended"}),
        "warnings": fields.List(fields.String()),
        "game_url": fields.String(),
        "created_at": fields.String(),
        "updated_at": fields.String(),
        "__doc__": "A campaign as the admin roles read it.",
    },
)


class ErrorOut(Schema):
    error = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields",
        required=True,
        metadata={"description": "field name -> what is wrong with it (empty when no field)"},
    )
