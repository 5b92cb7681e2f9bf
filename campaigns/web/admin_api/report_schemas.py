"""Schemas of the report, the simulator and redemptions (both admin roles read the same fields)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from campaigns.management.simulator import MAX_PLAYS


class ReportCampaignOut(Schema):
    id = fields.Integer()
    name = fields.String()
    game = fields.String()
    status = fields.String()
    timezone = fields.String()
    starts_at = fields.String()
    ends_at = fields.String()


class FunnelOut(Schema):
    page_views = fields.Integer()
    players = fields.Integer(metadata={"description": "distinct players who played"})
    plays = fields.Integer()
    wins = fields.Integer()
    redeemed = fields.Integer()


class ReportPrizeOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"description": "code, goods or cash"})
    probability = fields.Float(metadata={"description": "configured chance per draw"})
    observed_rate = fields.Float(allow_none=True, metadata={"description": "wins / draws"})
    observed_low = fields.Float(
        allow_none=True, metadata={"description": "95 % interval of the observed rate: low end"}
    )
    observed_high = fields.Float(
        allow_none=True, metadata={"description": "95 % interval of the observed rate: high end"}
    )
    within_chance = fields.Boolean(
        allow_none=True,
        metadata={"description": "the configured rate lies inside the 95 % interval"},
    )
    stock = fields.Integer()
    wins = fields.Integer()
    stock_left = fields.Integer()
    redeemed = fields.Integer()


class DayOut(Schema):
    day = fields.String(metadata={"description": "YYYY-MM-DD in the campaign's time zone"})
    plays = fields.Integer()
    players = fields.Integer()
    weekend = fields.Boolean()


class HourOut(Schema):
    hour = fields.Integer(metadata={"description": "0-23 in the campaign's time zone"})
    plays = fields.Integer()
    players = fields.Integer(metadata={"description": "distinct players in that hour of day"})


class PartOfWeekOut(Schema):
    days = fields.Integer()
    plays = fields.Integer()
    players = fields.Integer()


class WeekOut(Schema):
    weekday = fields.Nested(PartOfWeekOut)
    weekend = fields.Nested(PartOfWeekOut)


class WeChatCheckOut(Schema):
    source = fields.String(metadata={"description": "user/info/batchget"})
    checked_at = fields.String(metadata={"description": "when WeChat was asked (ISO 8601)"})
    checked = fields.Integer(metadata={"description": "new followers asked about"})
    capped = fields.Boolean(metadata={"description": "more followers than one check asks"})
    following_now = fields.Integer(metadata={"description": "of those, following now"})
    left_unheard = fields.Integer(
        metadata={"description": "not following, and no unfollow event of theirs reached us"}
    )


class FollowersOut(Schema):
    source = fields.String(
        metadata={"description": "what the figures count: the follow events this server received"}
    )
    followed = fields.Integer(metadata={"description": "followers gained through the campaign"})
    unfollowed = fields.Integer(metadata={"description": "of those, unfollowed since"})
    net = fields.Integer()
    followed_7_days_ago = fields.Integer()
    still_following_after_7_days = fields.Float(allow_none=True)
    wechat = fields.Nested(
        WeChatCheckOut,
        allow_none=True,
        metadata={"description": "WeChat's last check of these followers (a job, hourly at most)"},
    )


class AccountFollowsOut(Schema):
    follows = fields.Integer()
    unfollows = fields.Integer()
    net = fields.Integer()


class VerificationOut(Schema):
    seed_commitment = fields.String(allow_none=True)
    chain_head = fields.String(allow_none=True)
    chained_plays = fields.Integer()


class LedgerLagOut(Schema):
    as_of = fields.String(
        allow_none=True,
        metadata={"description": "every play before this moment is in the figures (ISO 8601)"},
    )
    plays_not_written = fields.Integer(
        allow_none=True,
        metadata={"description": "plays made but not yet written to SQL, so not counted here"},
    )


class ReportOut(Schema):
    campaign = fields.Nested(ReportCampaignOut)
    generated_at = fields.String()
    funnel = fields.Nested(FunnelOut)
    draws = fields.Integer(metadata={"description": "plays that could win"})
    no_prize_rate = fields.Float(allow_none=True)
    prizes = fields.List(fields.Nested(ReportPrizeOut))
    by_day = fields.List(fields.Nested(DayOut))
    by_hour = fields.List(fields.Nested(HourOut))
    weekday_weekend = fields.Nested(WeekOut)
    followers = fields.Nested(FollowersOut)
    account_follows = fields.Nested(AccountFollowsOut)
    verification = fields.Nested(VerificationOut)
    ledger = fields.Nested(LedgerLagOut)


class SimulationIn(Schema):
    plays = fields.Integer(load_default=10_000, validate=validate.Range(min=1, max=MAX_PLAYS))
    plays_per_day = fields.Integer(
        load_default=1_000, validate=validate.Range(min=1, max=MAX_PLAYS)
    )


class SimPrizeOut(Schema):
    name = fields.String()
    stock = fields.Integer()
    probability = fields.Float()
    pacing = fields.String()
    kind = fields.String(metadata={"description": "code, goods or cash"})
    amount_fen = fields.Integer(allow_none=True)
    cash_fen = fields.Integer(
        allow_none=True, metadata={"description": "the simulated cash wins' total (cash only)"}
    )
    expected_wins = fields.Float(metadata={"description": "probability x plays, stock aside"})
    wins = fields.Integer(metadata={"description": "simulated wins, stock and pacing applied"})
    runs_out_day = fields.Integer(allow_none=True, metadata={"description": "1 = first day"})
    runs_out_early = fields.Boolean(
        metadata={"description": "its stock is gone within the campaign's first tenth"}
    )
    runs_out_on = fields.String(allow_none=True)


class SimulationOut(Schema):
    plays = fields.Integer(metadata={"description": "plays simulated"})
    requested_plays = fields.Integer(metadata={"description": "plays asked for"})
    capped_by_campaign = fields.Boolean(
        metadata={"description": "the campaign ends, at plays_per_day, before the plays asked"}
    )
    campaign_days = fields.Integer()
    plays_per_day = fields.Integer()
    no_prize_share = fields.Float(allow_none=True)
    prizes = fields.List(fields.Nested(SimPrizeOut))


class RedemptionOut(Schema):
    code = fields.String()
    campaign_id = fields.Integer()
    campaign = fields.String()
    prize = fields.String()
    kind = fields.String(metadata={"description": "code, goods or cash"})
    deadline = fields.String(allow_none=True, metadata={"description": "redeem before"})
    expired = fields.Boolean()
    won_at = fields.String()
    winner = fields.String(metadata={"description": "the winner's masked openid"})
    redeemed = fields.Boolean()
    redeemed_at = fields.String(allow_none=True)
    redeemed_by = fields.String(allow_none=True)
