"""The domain model. Datetimes are stored as naive UTC (see ``campaigns.core.clock.utc_naive``)."""

from campaigns.models.admin_user import AdminUser
from campaigns.models.campaign import Campaign, Prize, Question
from campaigns.models.notices import ClaimReminder, NoticeConsent
from campaigns.models.people import (
    ApiToken,
    AuditEntry,
    FollowEvent,
    PageViewBucket,
    Player,
    Staff,
    StaffInvite,
)
from campaigns.models.plays import Play, Win
from campaigns.models.prizes import Claim, Payout
from campaigns.models.quiz import QuizAttempt

__all__ = [
    "AdminUser",
    "ApiToken",
    "AuditEntry",
    "Campaign",
    "Claim",
    "ClaimReminder",
    "FollowEvent",
    "NoticeConsent",
    "PageViewBucket",
    "Payout",
    "Play",
    "Player",
    "Prize",
    "Question",
    "QuizAttempt",
    "Staff",
    "StaffInvite",
    "Win",
]
