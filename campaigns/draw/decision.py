"""What the draw script decided for one play."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    raw: str
    seq: int
    player_id: int
    at_ms: int
    day: str
    idempotency_key: str
    epoch: str
    player_seq: int = 0
    day_seq: int = 0
    player_win_no: int = 0
    prize_id: int | None = None
    slot: int = 0
    uniform: int = 0
    stock_before: dict | None = None
    plays_left_today: int | None = None
    void: bool = False
    # False when the play counted but could not win (a failed quiz attempt).
    eligible: bool = True
    # A marker loaded from SQL after a rebuild carries only seq/epoch/player/key.
    complete: bool = True
    # Which shard of how many decided it (see keys.py); 0 of 1 for an unsharded campaign.
    shard: int = 0
    shards: int = 1
    # A win's redemption code and the player's pseudonym in the public log, decided with the
    # play (the stream entry carries everything the ledger row needs).
    code: str = ""
    pseudonym: str = ""

    @classmethod
    def parse(cls, raw: str | bytes) -> Decision:
        text = raw.decode() if isinstance(raw, bytes) else raw
        d = json.loads(text)
        if "t" not in d:
            return cls(
                raw=text,
                seq=d["seq"],
                player_id=d["player"],
                at_ms=0,
                day="",
                idempotency_key=d["key"],
                epoch=d["epoch"],
                complete=False,
            )
        stock = {}  # prize id -> [awarded before this play, stock at that moment]
        for entry in filter(None, d["stock"].split(",")):
            prize_id, awarded, total = entry.split(":")
            stock[prize_id] = [int(awarded), int(total)]
        return cls(
            raw=text,
            seq=int(d["seq"]),
            player_id=int(d["player"]),
            at_ms=int(d["at"]),
            day=d["day"],
            idempotency_key=d["key"],
            epoch=d["epoch"],
            player_seq=int(d["t"]),
            day_seq=int(d["d"]),
            player_win_no=int(d["w"]),
            prize_id=int(d["prize"]) or None,
            slot=int(d["slot"]),
            uniform=int(d["u"]),
            stock_before=stock,
            plays_left_today=None if int(d["left"]) < 0 else int(d["left"]),
            void=bool(d.get("void")),
            eligible=bool(d.get("eligible", 1)),
            shard=int(d.get("shard", 0)),
            shards=int(d.get("shards", 1)),
            code=d.get("code", ""),
            pseudonym=d.get("pn", ""),
        )
