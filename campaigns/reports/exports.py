"""CSV exports of a campaign's winners and plays, streamed in batches.

Rows are read by keyset pagination (``id > last`` in index order, ``BATCH`` at a time), so a
million plays never sit in memory and no server-side cursor is needed on either database. The
file starts with a UTF-8 BOM so Excel reads Chinese prize names correctly, and any text cell that
a spreadsheet would run as a formula (= + - @, tab, CR) gets a leading apostrophe.

The files are response bodies streamed after the view has returned, so they take a campaign's
id and read everything, the campaign included, through the session they are given (see
campaigns/web/streaming.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import select

from campaigns.core.clock import as_utc
from campaigns.management.redemption import mask_openid
from campaigns.models import Campaign, Play, Player, Prize, Win

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


def winner_rows(session, campaign_id: int) -> Iterator[list]:
    campaign = session.get(Campaign, campaign_id)
    last = 0
    while True:
        rows = session.execute(
            select(
                Win.id,
                Win.created_at,
                Prize.name,
                Win.code,
                Player.openid,
                Win.redeemed_at,
                Win.redeemed_by,
                Win.notice_status,
            )
            .join(Prize, Prize.id == Win.prize_id)
            .join(Player, Player.id == Win.player_id)
            .where(Win.campaign_id == campaign_id, Win.id > last)
            .order_by(Win.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for win_id, won_at, prize, code, openid, redeemed_at, redeemed_by, notice in rows:
            yield [
                _local(campaign, won_at),
                prize,
                code,
                mask_openid(openid),
                _local(campaign, redeemed_at),
                redeemed_by,
                notice,
            ]
            last = win_id


def play_rows(session, campaign_id: int) -> Iterator[list]:
    campaign = session.get(Campaign, campaign_id)
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
            .where(Play.campaign_id == campaign_id, Play.seq > last)
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


def winners_csv(session, campaign_id: int) -> Iterator[str]:
    return csv_lines(WINNER_COLUMNS, winner_rows(session, campaign_id))


def plays_csv(session, campaign_id: int) -> Iterator[str]:
    return csv_lines(PLAY_COLUMNS, play_rows(session, campaign_id))
