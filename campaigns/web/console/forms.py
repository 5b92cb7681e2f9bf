"""The campaign editor's form: raw strings in and out, the admin API's schemas in between.

The form posts flat names that mirror the schema's error keys (``prizes.0.stock``,
``look.primary_color``), so a message from ``CampaignIn`` or from ``campaign_admin``
(``edit_campaign``) lands next to its field. Rows of prizes and questions are numbered in the
order the page sends them, which is how the marketer reorders them.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from marshmallow import ValidationError

from campaigns.models.settings import REQUIRED, SETTINGS, Kind
from campaigns.web.admin_api.schemas import GAME_SETTINGS, CampaignIn
from games import registry

# The settings the form carries as one text input each (the campaign's and the games' own; the
# follow rule is a checkbox, the look a group of inputs), from their one declaration.
_TYPED_APART = {Kind.BOOLEAN, Kind.LOOK}
_ALL_SETTINGS = SETTINGS + GAME_SETTINGS
SCALARS = tuple(s.name for s in _ALL_SETTINGS if s.kind not in _TYPED_APART)
INTEGERS = {s.name for s in _ALL_SETTINGS if s.kind == Kind.INTEGER}
CHECKBOXES = tuple(s.name for s in SETTINGS if s.kind == Kind.BOOLEAN)
LOOK = ("title", "primary_color", "background_color", "banner_url")
PRIZE_FIELDS = (
    "id",
    "name",
    "stock",
    "probability",
    "pacing",
    "image_url",
    "kind",
    "amount_fen",
    "claim_days",
)
QUESTION_FIELDS = ("text", "options", "answer")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
_ROW = re.compile(r"^(prizes|questions)\.(\d+)\.(\w+)$")


def _proposed(setting) -> str:
    """What a new campaign's form shows for a setting: its proposal, else its default."""
    value = setting.default if setting.proposed is None else setting.proposed
    return "" if value is None or value is REQUIRED else str(value)


def blank(now: datetime) -> dict:
    """The form of a new campaign: tomorrow 10:00 to a week later 22:00 in Shanghai."""
    starts = datetime.combine(
        (now.astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date(), time(10)
    )
    ends = starts + timedelta(days=7, hours=12)
    form = {s.name: _proposed(s) for s in _ALL_SETTINGS if s.kind not in _TYPED_APART}
    return form | {
        "game": registry.default_name(),
        "starts_at": starts.strftime(LOCAL_FORMAT),
        "ends_at": ends.strftime(LOCAL_FORMAT),
        "require_follow": False,
        "show_winners": False,
        "look": dict.fromkeys(LOOK, ""),
        "prizes": [dict.fromkeys(PRIZE_FIELDS, "") | {"pacing": "none", "kind": "code"}],
        "questions": [],
    }


def from_campaign(campaign) -> dict:
    zone = campaign.zone

    def text(value) -> str:
        return "" if value is None else str(value)

    values = {**campaign.game_settings, **{s.name: getattr(campaign, s.name) for s in SETTINGS}}
    form = {name: text(values.get(name)) for name in SCALARS}
    form["starts_at"] = campaign.starts_utc.astimezone(zone).strftime(LOCAL_FORMAT)
    form["ends_at"] = campaign.ends_utc.astimezone(zone).strftime(LOCAL_FORMAT)
    form["require_follow"] = bool(campaign.require_follow)
    form["show_winners"] = bool(campaign.show_winners)
    form["look"] = {name: text((campaign.look or {}).get(name)) for name in LOOK}
    form["prizes"] = [
        {name: text(getattr(p, name)) for name in PRIZE_FIELDS} for p in campaign.prizes
    ]
    form["questions"] = [
        {"text": q.text, "options": "\n".join(q.options), "answer": str(q.answer + 1)}
        for q in campaign.questions
    ]
    return form


def from_request(posted) -> dict:
    """The posted form as raw strings; only what the page sent (disabled inputs send nothing)."""
    form: dict = {name: posted[name] for name in SCALARS if name in posted}
    for name in CHECKBOXES:
        if name in posted:
            form[name] = posted.getlist(name)[-1] == "1"
    if any(f"look.{name}" in posted for name in LOOK):
        form["look"] = {name: posted.get(f"look.{name}", "") for name in LOOK}
    for table in ("prizes", "questions"):
        if table not in posted:  # the hidden marker says the table was on the page
            continue
        rows: dict[str, dict] = {}
        for key in posted:
            match = _ROW.match(key)
            if match and match.group(1) == table:
                rows.setdefault(match.group(2), {})[match.group(3)] = posted[key]
        form[table] = list(rows.values())
    return form


def _integer(raw: str):
    raw = (raw or "").strip()
    if raw == "":
        return None
    return int(raw) if re.fullmatch(r"[+-]?\d{1,12}", raw) else raw


def _number(raw: str):
    raw = (raw or "").strip()
    if raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        return raw


def _moment(raw: str, zone_name: str):
    """A datetime-local value in the campaign's zone, as the ISO string the schema takes."""
    try:
        zone = ZoneInfo(zone_name)
    except (ValueError, KeyError):
        zone = ZoneInfo("Asia/Shanghai")  # the zone field reports its own error
    try:
        return datetime.strptime(raw.strip(), LOCAL_FORMAT).replace(tzinfo=zone).isoformat()
    except ValueError:
        return raw


def to_data(form: dict, timezone: str) -> dict:
    """Typed values for ``CampaignIn``; what cannot be typed stays a string for it to reject."""
    data: dict = {}
    for name in SCALARS:
        if name not in form:
            continue
        value = form[name]
        if name in INTEGERS:
            value = _integer(value)
        elif name in ("starts_at", "ends_at"):
            value = _moment(value, form.get("timezone", timezone))
        elif name == "keyword":
            value = value.strip() or None
        data[name] = value
    for name in CHECKBOXES:
        if name in form:
            data[name] = form[name]
    if "look" in form:
        data["look"] = {k: v.strip() for k, v in form["look"].items() if v.strip()}
    if "prizes" in form:
        data["prizes"] = [_prize(row) for row in form["prizes"]]
    if "questions" in form:
        data["questions"] = [_question(row) for row in form["questions"]]
    return data


def _prize(row: dict) -> dict:
    prize = {
        "name": row.get("name", "").strip(),
        "stock": _integer(row.get("stock", "")),
        "probability": _number(row.get("probability", "")),
        "pacing": row.get("pacing") or "none",
        "image_url": row.get("image_url", "").strip() or None,
        "kind": row.get("kind") or "code",
        "amount_fen": _integer(row.get("amount_fen", "")),
        "claim_days": _integer(row.get("claim_days", "")),
    }
    if row.get("id"):
        prize["id"] = _integer(row["id"])
    return prize


def _question(row: dict) -> dict:
    options = [line.strip() for line in row.get("options", "").splitlines() if line.strip()]
    answer = _integer(row.get("answer", ""))
    return {
        "text": row.get("text", "").strip(),
        "options": options,
        "answer": answer - 1 if isinstance(answer, int) else answer,
    }


def flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """Nested schema messages to the form's field names: {"prizes": {0: {"stock": [...]}}}
    becomes {"prizes.0.stock": [...]}."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten(value, name) if isinstance(value, dict) else {name: value})
        return {k: v if isinstance(v, list) else [str(v)] for k, v in flat.items()}
    return {prefix or "_schema": messages if isinstance(messages, list) else [str(messages)]}


def _answer_messages(errors: dict, data: dict) -> dict:
    """The page counts options from 1; say so instead of the schema's 0-based wording."""
    for key in list(errors):
        match = _ROW.match(key)
        if match and match.group(1) == "questions" and match.group(3) == "answer":
            options = data["questions"][int(match.group(2))].get("options") or []
            errors[key] = [f"Enter the number of the correct option (1 to {max(len(options), 1)})."]
    return errors


def validate_new(form: dict) -> dict:
    """The checked data of a new campaign, or ValidationError with the form's field names."""
    data = to_data(form, "Asia/Shanghai")
    try:
        return CampaignIn().load(data)
    except ValidationError as exc:
        raise ValidationError(_answer_messages(flatten(exc.messages), data)) from None


def changes_from(form: dict, campaign) -> dict:
    """The changes a posted form makes to a campaign, each field checked (in the shape
    ``campaign_admin.edit_campaign`` takes; it checks them across fields, merged)."""
    data = to_data(form, campaign.timezone)
    try:
        return CampaignIn(only=tuple(data)).load(data) if data else {}
    except ValidationError as exc:
        raise ValidationError(_answer_messages(flatten(exc.messages), data)) from None
