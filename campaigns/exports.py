"""CSV exports of a campaign's winners and plays, streamed in batches.

Rows are read by keyset pagination (``id > last`` in index order, ``BATCH`` at a time), so a
million plays never sit in memory and no server-side cursor is needed on either database. The
file starts with a UTF-8 BOM so Excel reads Chinese prize names correctly, and any text cell that
a spreadsheet would run as a formula (= + - @, tab, CR) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import select

from campaigns.clock import as_utc
from campaigns.models import Campaign, Play, Player, Prize, Win
from campaigns.redemption import mask_openid

BOM = "\ufeff"
BATCH = 5000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

WINNER_COLUMNS = [
    "won_at",
    "prize",
    "code",
    "winner",
    "redeemed_at",
    "redeemed_by",
    "notice_status",
]
# ``player`` is the play log's pseudonym: stable within the campaign, never the openid.
PLAY_COLUMNS = ["seq", "played_at", "day", "player", "outcome", "eligible", "prize"]


def escape(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _local(campaign: Campaign, moment) -> str:
    return "" if moment is None else as_utc(moment).astimezone(campaign.zone).isoformat()


def winner_rows(session, campaign: Campaign) -> Iterator[list]:
    last = 0
    while True:
        rows = session.execute(
            select(Win, Prize.name, Player.openid)
            .join(Prize, Prize.id == Win.prize_id)
            .join(Player, Player.id == Win.player_id)
            .where(Win.campaign_id == campaign.id, Win.id > last)
            .order_by(Win.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for win, prize, openid in rows:
            yield [
                _local(campaign, win.created_at),
                prize,
                win.code,
                mask_openid(openid),
                _local(campaign, win.redeemed_at),
                win.redeemed_by,
                win.notice_status,
            ]
            last = win.id
        session.expunge_all()


def play_rows(session, campaign: Campaign) -> Iterator[list]:
    prizes = {p.id: p.name for p in campaign.prizes}
    last = 0
    while True:
        rows = session.execute(
            select(
                Play.seq,
                Play.created_at,
                Play.day,
                Play.pseudonym,
                Play.outcome,
                Play.eligible,
                Play.prize_id,
            )
            .where(Play.campaign_id == campaign.id, Play.seq > last)
            .order_by(Play.seq)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for seq, created_at, day, pseudonym, outcome, eligible, prize_id in rows:
            yield [
                seq,
                _local(campaign, created_at),
                day,
                pseudonym,
                outcome,
                "yes" if eligible else "no",
                prizes.get(prize_id, ""),
            ]
            last = seq


def csv_lines(columns: list[str], rows) -> Iterator[str]:
    """The CSV text in chunks of about a thousand rows, BOM first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(columns)
    for count, row in enumerate(rows, 1):
        writer.writerow([escape(cell) for cell in row])
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def winners_csv(session, campaign: Campaign) -> Iterator[str]:
    return csv_lines(WINNER_COLUMNS, winner_rows(session, campaign))


def plays_csv(session, campaign: Campaign) -> Iterator[str]:
    return csv_lines(PLAY_COLUMNS, play_rows(session, campaign))
