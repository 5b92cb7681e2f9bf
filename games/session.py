"""The player is whoever the signed server-side session says (set by WeChat OAuth).

No query, body or header field is ever read for identity.
"""

from __future__ import annotations

from flask import session

from campaigns.core.errors import DomainError, ErrorCode
from campaigns.play import PlayerRef


def current_player() -> PlayerRef:
    player_id = session.get("player_id")
    openid = session.get("openid")
    if type(player_id) is not int or not isinstance(openid, str) or not openid:
        raise DomainError(ErrorCode.NO_SESSION)
    return PlayerRef(id=player_id, openid=openid)


def sign_in(player) -> None:
    session.clear()
    session.permanent = True
    session["player_id"] = player.id
    session["openid"] = player.openid
