"""A campaign's settings, each declared once: its type, bounds, default, whether it freezes when
the campaign goes live, and the name the draw script reads it under.

Everything that lists settings is derived from here: the admin API's schemas, the console's
form, ``campaign_admin`` (what is stored, what freezes), the play path's ``CampaignSnapshot`` and
the draw script's metadata (``draw/state.meta_fields``). A game declares its own settings with the
same ``Setting`` (``games/base.py``); they are stored in ``Campaign.game_settings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from campaigns.models.campaign import Language


class Kind(StrEnum):
    TEXT = "text"  # length bounds
    INTEGER = "integer"  # value bounds
    BOOLEAN = "boolean"
    MOMENT = "moment"  # a time-zone-aware datetime
    CHOICE = "choice"  # one of ``choices``
    ZONE = "zone"  # an IANA time zone name
    GAME = "game"  # a registered game's name
    LOOK = "look"  # the page's look (title, colours, banner)


class _Required:
    """The default of a setting a new campaign must be given."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()


@dataclass(frozen=True)
class Setting:
    name: str
    kind: Kind
    # REQUIRED: a new campaign must send it; None: left out means none; a callable makes it.
    default: object = None
    nullable: bool = False
    minimum: int | None = None  # a text's length, an integer's value
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    # False for what may change once published; the rest would change what players were shown.
    frozen: bool = True
    # The meta hash field the draw script reads it under (None: the script never needs it).
    script_key: str | None = None
    # Read on every play (the play path's snapshot carries it).
    played: bool = False
    # What the console's new-campaign form proposes (None: the default).
    proposed: object = None
    description: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


# Plays and wins a person may have (None: no limit).
MAX_LIMIT = 100_000
# More shards than cluster masters buys nothing; 16 covers any cluster a campaign would rent.
MAX_SHARDS = 16


def _limit(name: str, script_key: str, **kwargs) -> Setting:
    return Setting(
        name,
        Kind.INTEGER,
        nullable=True,
        minimum=1,
        maximum=MAX_LIMIT,
        script_key=script_key,
        played=True,
        **kwargs,
    )


SETTINGS: tuple[Setting, ...] = (
    Setting("name", Kind.TEXT, REQUIRED, minimum=1, maximum=120, frozen=False),
    Setting("game", Kind.GAME, REQUIRED),
    Setting("starts_at", Kind.MOMENT, REQUIRED),
    Setting("ends_at", Kind.MOMENT, REQUIRED),
    Setting("timezone", Kind.ZONE, "Asia/Shanghai", maximum=64),
    Setting("rules", Kind.TEXT, "", maximum=20_000, frozen=False),
    Setting("keyword", Kind.TEXT, nullable=True, minimum=1, maximum=32, frozen=False),
    Setting(
        "language",
        Kind.CHOICE,
        Language.ZH.value,
        choices=tuple(language.value for language in Language),
        frozen=False,
        description="what winner notices and replies about it are written in",
    ),
    _limit("plays_per_user_per_day", "ppd", proposed=3),
    _limit("plays_per_user_total", "ppt"),
    _limit("wins_per_user_total", "wpt", default=1),
    Setting("require_follow", Kind.BOOLEAN, False, played=True),
    Setting(
        "show_winners",
        Kind.BOOLEAN,
        False,
        frozen=False,
        description="the game page lists the latest wins, winners masked",
    ),
    Setting("look", Kind.LOOK, dict, frozen=False),
    Setting(
        "shards",
        Kind.INTEGER,
        1,
        minimum=1,
        maximum=MAX_SHARDS,
        description="Redis Cluster shards for a hot campaign (players and stock spread over "
        "that many nodes); fixed once published",
    ),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}
NAMES = tuple(BY_NAME)
# What may change after publishing, the prize pool's stock included (campaign_admin checks it).
EDITABLE_WHEN_PUBLISHED = frozenset(s.name for s in SETTINGS if not s.frozen) | {"prizes"}
# The ones the draw script needs, by the meta hash field it reads them under.
SCRIPT_KEYS = {s.script_key: s.name for s in SETTINGS if s.script_key}
PLAYED = tuple(s.name for s in SETTINGS if s.played)
