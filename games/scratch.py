"""Scratch card: the server draws when the card is issued; the page only reveals it."""

from campaigns.web.i18n import N_
from games.base import Game


class Scratch(Game):
    name = "scratch"
    label = N_("Scratch card")
