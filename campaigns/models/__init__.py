"""The domain model. Datetimes are stored as naive UTC (see ``campaigns.clock.utc_naive``)."""

from campaigns.models.campaign import Campaign, Prize, Question
from campaigns.models.ledger import Play, Win
from campaigns.models.people import ApiToken, AuditEntry, FollowEvent, PageViewBucket, Player

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Campaign",
    "FollowEvent",
    "PageViewBucket",
    "Play",
    "Player",
    "Prize",
    "Question",
    "Win",
]
