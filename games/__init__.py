"""One module per game on a shared base; ``register_all`` puts them in the registry."""

from games import registry
from games.grid import Grid
from games.quiz import Quiz
from games.scratch import Scratch
from games.wheel import Wheel


def register_all() -> None:
    for game in (Scratch(), Wheel(), Quiz(), Grid()):
        registry.register(game)
