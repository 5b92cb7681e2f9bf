"""What a winner notice says: our values in the keyword fields of the account's template.

Since 4 May 2023 WeChat drops a template message's ``first`` line and its ``remark``, and shows
no keyword value over 20 characters or with a line break; whatever the winner must read (the
prize, the code, the campaign) has to sit in the template's keyword fields. Each account picks
its template from WeChat's category library, whose keywords are named by type and position
(``thing1``, ``character_string2``, ``time3``), so which keyword carries which of our values is
configuration: ``WECHAT_TEMPLATE_KEYWORDS``, ``<keyword>=<value>`` pairs separated by commas,
checked when the app starts (``parse``) so a mapping WeChat would refuse never reaches a winner.

WeChat's rule per keyword type (its category template documentation; a value that breaks one
is refused with 47003 "argument invalid"): ``thing`` at most 20 characters of any kind;
``character_string`` at most 32 letters, digits or symbols (no Chinese); ``time`` a 24-hour time,
optionally with the date (``2019年10月1日 15:01``); ``date`` a date, optionally with the time.
``phrase`` (5 Chinese characters), ``name``, ``number``, ``amount`` and the rest hold nothing we
send. Old templates' ``keyword1``.. fields now follow the 20-character rule as well.

A new value (the claim deadline, once prizes have one) is one more entry in ``VALUES``: its kind
decides which keyword types may carry it, and ``NoticeFacts`` gains what it is read from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from campaigns.core.clock import as_utc

SETTING = "WECHAT_TEMPLATE_KEYWORDS"
# A common "中奖结果通知" layout of the category library: 活动名称, 奖品名称, 兑奖码, 中奖时间.
DEFAULT = "thing1=campaign,thing2=prize,character_string3=code,time4=won_at"
# The subscription notice template's keywords (WECHAT_SUBSCRIBE_TEMPLATE_ID): the same types and
# rules (WeChat's 订阅通知 use the category library's keyword types), checked the same way.
# A "领奖提醒" layout: 奖品名称, 兑奖码/运单号, 时间.
SUBSCRIBE_SETTING = "WECHAT_SUBSCRIBE_TEMPLATE_KEYWORDS"
SUBSCRIBE_DEFAULT = "thing1=prize,character_string2=code,time3=won_at"

TEXT, CODE, MOMENT = "text", "code", "moment"


@dataclass(frozen=True)
class KeywordType:
    takes: frozenset[str]  # the kinds of value it can carry
    max_chars: int | None
    rule: str  # WeChat's rule, for the start-up error


THING = KeywordType(frozenset({TEXT, CODE, MOMENT}), 20, "at most 20 characters")
TYPES = {
    "thing": THING,
    "keyword": THING,  # pre-2023 templates: the 20-character rule applies to them too
    "character_string": KeywordType(
        frozenset({CODE}), 32, "at most 32 letters, digits or symbols, no Chinese"
    ),
    "time": KeywordType(frozenset({MOMENT}), None, "a time of day, optionally with its date"),
    "date": KeywordType(frozenset({MOMENT}), None, "a date, optionally with its time"),
}
# Types WeChat has that none of our values can fill (phrase: 5 Chinese characters, etc.).
UNFILLABLE = (
    "phrase",
    "short_thing",
    "name",
    "number",
    "letter",
    "symbol",
    "amount",
    "phone_number",
    "car_number",
    "const",
    "enum",
)
KEYWORD = re.compile(r"^([a-z_]+?)(\d{1,3})$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class NoticeFacts:
    """What a notice may tell, read from the win and its campaign. A shipping notice puts the
    tracking number in ``code`` and the shipping time in ``won_at``, a claim reminder the claim
    deadline in ``won_at``: the moment the notice is about, and its prize line says which."""

    prize: str
    campaign: str
    code: str
    won_at: datetime
    zone: ZoneInfo
    language: str


@dataclass(frozen=True)
class Value:
    kind: str
    read: Callable[[NoticeFacts], object]


REDEEM_HINT = {"zh": "到店出示兑奖码领取，限兑一次", "en": "Show code to redeem"}
VALUES = {
    "prize": Value(TEXT, lambda facts: facts.prize),
    "campaign": Value(TEXT, lambda facts: facts.campaign),
    "code": Value(CODE, lambda facts: facts.code),
    "won_at": Value(MOMENT, lambda facts: facts.won_at),
    "redeem_hint": Value(TEXT, lambda facts: REDEEM_HINT[facts.language]),
}
REQUIRED = ("prize", "code")  # a notice without them tells the winner nothing


@dataclass(frozen=True)
class Field:
    keyword: str  # the template's keyword name, e.g. "thing2"
    value: str  # one of VALUES
    type: KeywordType


class TemplateConfigError(ValueError):
    """A mapping WeChat would refuse or that leaves the winner uninformed; names the setting."""


def parse(setting: str, name: str = SETTING) -> tuple[Field, ...]:
    """The checked mapping of ``WECHAT_TEMPLATE_KEYWORDS`` (or of the setting ``name``)."""
    fields: list[Field] = []
    for pair in (part.strip() for part in setting.split(",")):
        if not pair:
            continue
        keyword, equals, value = (s.strip() for s in pair.partition("="))
        if not equals:
            _refuse(name, f"{pair!r} is not <keyword>=<value> (e.g. thing1=campaign)")
        fields.append(Field(keyword, value, _type_of(keyword, value, name)))
    keywords = [f.keyword for f in fields]
    repeated = sorted({k for k in keywords if keywords.count(k) > 1})
    if repeated:
        _refuse(name, f"{', '.join(repeated)} given more than once")
    missing = [v for v in REQUIRED if v not in {f.value for f in fields}]
    if missing:
        _refuse(name, f"no keyword carries {' and '.join(missing)} (required in every notice)")
    return tuple(fields)


def _type_of(keyword: str, value: str, setting: str) -> KeywordType:
    match = KEYWORD.match(keyword)
    if match is None:
        _refuse(
            setting, f"{keyword!r} is not a template keyword name (a type and a number: thing1)"
        )
    name = match.group(1)
    if name in UNFILLABLE:
        _refuse(setting, f"{keyword}: a {name} keyword can hold none of our values")
    if name not in TYPES:
        known = ", ".join([*TYPES, *UNFILLABLE])
        _refuse(setting, f"{keyword}: unknown keyword type {name!r} (WeChat's types: {known})")
    if value not in VALUES:
        _refuse(setting, f"{keyword}: unknown value {value!r} (one of: {', '.join(VALUES)})")
    kind = TYPES[name]
    if VALUES[value].kind not in kind.takes:
        _refuse(setting, f"{keyword} cannot carry {value}: a {name} keyword takes {kind.rule}")
    return kind


def _refuse(setting: str, problem: str):
    raise TemplateConfigError(f"{setting}: {problem}.")


def template_data(fields: tuple[Field, ...], facts: NoticeFacts) -> dict:
    """The ``data`` of the template message, each value fitted to its keyword's rule."""
    return {field.keyword: {"value": _fit(field, VALUES[field.value], facts)} for field in fields}


def _fit(field: Field, value: Value, facts: NoticeFacts) -> str:
    raw = value.read(facts)
    text = _moment_text(raw, facts) if value.kind == MOMENT else str(raw)
    text = " ".join(CONTROL.sub(" ", text).split())  # WeChat shows no line breaks
    limit = field.type.max_chars
    if limit and len(text) > limit:
        # A code (letters, digits, "-") always fits; a long name loses its end, marked.
        text = text[: limit - 1] + "…"
    return text


def _moment_text(moment: datetime, facts: NoticeFacts) -> str:
    """A time WeChat's time and date keywords accept, in the campaign's zone and language."""
    local = as_utc(moment).astimezone(facts.zone)
    if facts.language == "zh":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"
