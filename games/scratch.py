"""Scratch card: the server draws when the card is issued; the page only reveals it."""

from games.base import Game


class Scratch(Game):
    name = "scratch"
    label = "Scratch card"
