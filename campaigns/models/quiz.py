"""Quiz attempts: which questions a player was dealt, and their one graded submission."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from campaigns.models.base import Model


class QuizAttempt(Model):
    """One attempt at a campaign's quiz. The id is random (it names the attempt in URLs, so it
    must not be guessable); ``submitted_at`` is set once, by the one submission that is graded."""

    __tablename__ = "quiz_attempt"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"))
    # Question ids in the order the player was shown them.
    question_ids: Mapped[list] = mapped_column(JSON)
    started_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    # The chosen option per question id (as strings: JSON object keys) and the score.
    answers: Mapped[dict | None] = mapped_column(JSON)
    score: Mapped[int | None]

    __table_args__ = (Index("ix_quiz_attempt_campaign_player", "campaign_id", "player_id"),)
