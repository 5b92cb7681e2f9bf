"""Game types register here (as CTFd registers challenge types); the domain only knows names.

``games`` fills the registry when ``create_app`` calls ``games.register_all``; the engine and
the admin API look games up by name and never import a game module.
"""

from __future__ import annotations

from typing import Protocol

from campaigns.models.settings import Setting


class GameType(Protocol):
    name: str
    label: str
    draws_on_play: bool
    settings: tuple[Setting, ...]
    asks_questions: bool

    def present(self, campaign, play) -> dict: ...

    def validate(self, data: dict) -> dict[str, list[str]]: ...

    def publish_problems(self, campaign) -> dict[str, list[str]]: ...

    def page_config(self, campaign, t: dict[str, str]) -> dict: ...


_GAMES: dict[str, GameType] = {}


def register(game: GameType) -> None:
    _GAMES[game.name] = game


def get(name: str) -> GameType:
    return _GAMES[name]


def names() -> list[str]:
    return sorted(_GAMES)


def default_name() -> str:
    """The game a new campaign proposes: the first registered."""
    return next(iter(_GAMES))


def all_games() -> list[GameType]:
    return [_GAMES[name] for name in names()]
