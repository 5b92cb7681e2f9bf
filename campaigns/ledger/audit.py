"""The audit log: every change to a published campaign, with who and when."""

from __future__ import annotations

from campaigns.core.clock import utc_naive
from campaigns.models import AuditEntry


def record(session, campaign_id: int | None, actor: str, action: str, before, after, now) -> None:
    session.add(
        AuditEntry(
            campaign_id=campaign_id,
            actor=actor,
            action=action,
            before=before,
            after=after,
            created_at=utc_naive(now),
        )
    )
