"""Game types register here (as CTFd registers challenge types); the domain only knows names.

``games`` fills the registry when ``create_app`` calls ``games.register_all``; the engine and
the admin API look games up by name and never import a game module.
"""

from __future__ import annotations

from typing import Protocol


class GameType(Protocol):
    name: str
    draws_on_play: bool

    def present(self, campaign, play) -> dict: ...

    def validate(self, data: dict) -> dict[str, list[str]]: ...

    def page_config(self, campaign, t: dict[str, str]) -> dict: ...


_GAMES: dict[str, GameType] = {}


def register(game: GameType) -> None:
    _GAMES[game.name] = game


def get(name: str) -> GameType:
    return _GAMES[name]


def names() -> list[str]:
    return sorted(_GAMES)
