"""One module per game on a shared base; ``register_all`` puts them in the registry."""

from campaigns.models.settings import Setting
from games import registry
from games.grid import Grid
from games.quiz import Quiz
from games.scratch import Scratch
from games.wheel import Wheel

# Every game, the one a new campaign proposes first.
ALL = (Wheel(), Scratch(), Quiz(), Grid())


def register_all() -> None:
    for game in ALL:
        registry.register(game)


def own_settings() -> tuple[Setting, ...]:
    """Every game's own settings, once each by name: the admin API takes and shows them flat
    beside the campaign's (so its schema is built from them when it is imported)."""
    seen: dict[str, Setting] = {}
    for game in ALL:
        for setting in game.settings:
            seen.setdefault(setting.name, setting)
    return tuple(seen.values())
