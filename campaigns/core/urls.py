"""The one URL builder for the player's pages: every game link, menu button and notice uses it.

A game's page is ``/h5/<id>/`` (SPEC: the player H5). Built here only, so the path cannot drift
between the admin API's ``game_url``, the console, WeChat's menu, notices and the pages' share
links; ``GAME_PATH`` recognises one in a URL WeChat sends back.
"""

from __future__ import annotations

import re

# Where every player page lives; the H5 blueprint's routes start with it too.
H5_PREFIX = "/h5/"
# A game page's path inside a URL (menu buttons, a QR's scene, a shared link): its campaign id.
GAME_PATH = re.compile(r"/h5/(\d{1,12})/")


def game_path(campaign_id: int) -> str:
    return f"{H5_PREFIX}{campaign_id}/"


def game_url(public_base_url: str, campaign_id: int) -> str:
    """The campaign's game page as players open it (``PUBLIC_BASE_URL`` + its path)."""
    return public_base_url + game_path(campaign_id)


def prizes_url(public_base_url: str, campaign_id: int) -> str:
    """The player's own prizes page of the campaign (linked from a winner notice)."""
    return game_url(public_base_url, campaign_id) + "prizes"
