"""Quiz: a random subset of the question bank, served without answers; the server grades, every
graded attempt counts as a play, and a pass earns that play a draw."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from campaigns.core.clock import as_utc, utc_naive
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.ledger import ledger
from campaigns.models import Campaign, Play, Question, QuizAttempt
from campaigns.models.settings import Kind, Setting
from campaigns.play import PlayerRef, play
from campaigns.web.i18n import N_
from campaigns.wechat.followers import FollowStatus
from games.base import Game
from games.standing import refusal

_random = secrets.SystemRandom()


class Quiz(Game):
    name = "quiz"
    label = N_("Quiz")
    draws_on_play = False  # the draw comes with a graded attempt, never from POST /play
    asks_questions = True
    settings = (
        Setting("questions_per_attempt", Kind.INTEGER, nullable=True, minimum=1, maximum=100),
        Setting("pass_score", Kind.INTEGER, nullable=True, minimum=1, maximum=100),
        Setting(
            "quiz_seconds",
            Kind.INTEGER,
            nullable=True,
            minimum=10,
            maximum=3600,
            description="time limit of one quiz attempt (none: no limit)",
        ),
    )

    def validate(self, data: dict) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        questions = data.get("questions") or []
        own = data.get("game_settings") or {}
        per_attempt = own.get("questions_per_attempt")
        pass_score = own.get("pass_score")
        if not questions:
            errors["questions"] = ["A quiz needs at least one question."]
        if per_attempt is None:
            errors["questions_per_attempt"] = ["Required for a quiz."]
        elif questions and per_attempt > len(questions):
            errors["questions_per_attempt"] = ["More than the question bank holds."]
        if pass_score is None:
            errors["pass_score"] = ["Required for a quiz."]
        elif per_attempt is not None and pass_score > per_attempt:
            errors["pass_score"] = ["Higher than the number of questions per attempt."]
        return errors

    def publish_problems(self, campaign) -> dict[str, list[str]]:
        return {}  # a quiz without prizes still grades: passing is its own reward

    def page_config(self, campaign, t: dict[str, str]) -> dict:
        return {
            "questions_per_attempt": min(
                setting(campaign, "questions_per_attempt") or 0, len(campaign.questions)
            ),
            "pass_score": setting(campaign, "pass_score"),
        }


def setting(campaign, name: str):
    """One of the quiz's own settings of a campaign (None: not set)."""
    return (campaign.game_settings or {}).get(name)


@dataclass(frozen=True)
class Graded:
    attempt: QuizAttempt
    questions: list[Question]
    play: Play
    late: bool = False


def idempotency_key(attempt_id: str) -> str:
    return f"quiz-{attempt_id}"


def start_attempt(
    session, campaign: Campaign, player: PlayerRef, now: datetime, follows: FollowStatus
) -> tuple[QuizAttempt, list[Question]]:
    """Deal questions, refusing first if the player could not play: answering a quiz only to be
    told afterwards that the campaign has ended would be a cheat on the player.

    An open attempt is dealt again, so reloading the page does not reshuffle the questions."""
    code = refusal(session, campaign, player, now, follows)
    if code is not None:
        raise DomainError(code)
    bank = {q.id: q for q in campaign.questions}
    attempt = session.scalar(
        select(QuizAttempt)
        .where(
            QuizAttempt.campaign_id == campaign.id,
            QuizAttempt.player_id == player.id,
            QuizAttempt.submitted_at.is_(None),
        )
        .order_by(QuizAttempt.started_at.desc())
        .limit(1)
    )
    if attempt is None or not all(qid in bank for qid in attempt.question_ids):
        count = min(setting(campaign, "questions_per_attempt") or len(bank), len(bank))
        attempt = QuizAttempt(
            id=secrets.token_urlsafe(18),
            campaign_id=campaign.id,
            player_id=player.id,
            question_ids=[q.id for q in _random.sample(list(bank.values()), count)],
            started_at=utc_naive(now),
        )
        session.add(attempt)
        session.commit()
    return attempt, [bank[qid] for qid in attempt.question_ids]


def submit_attempt(
    session,
    engine,
    clock,
    campaign: Campaign,
    player: PlayerRef,
    attempt_id: str,
    answers: dict[int, int],
    secret_key: str,
    follows: FollowStatus,
) -> Graded:
    """Grade the one submission of an attempt and play once (a pass may win).

    A repeated submission (a retry after a lost response) gets the first one's result: the claim
    on the attempt and the play are committed together, so neither exists without the other."""
    attempt = session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.campaign_id != campaign.id or attempt.player_id != player.id:
        raise DomainError(ErrorCode.NOT_FOUND, "No such quiz attempt.", {"attempt": ["unknown"]})
    bank = {q.id: q for q in campaign.questions}
    if not all(qid in bank for qid in attempt.question_ids):
        raise DomainError(
            ErrorCode.CONFLICT,
            "The questions changed since this attempt began; please start again.",
            {"attempt": ["stale"]},
        )
    questions = [bank[qid] for qid in attempt.question_ids]

    def draw(eligible: bool):
        """The attempt's one play (its key names the attempt, so a second call replays it)."""
        return play(
            session,
            engine,
            clock,
            campaign,
            player,
            idempotency_key(attempt.id),
            secret_key,
            follows,
            eligible=eligible,
        )

    if attempt.submitted_at is None:
        _check_answers(questions, answers)
        score = sum(1 for q in questions if answers.get(q.id) == q.answer)
        late = is_late(campaign, attempt.started_at, utc_naive(clock.now()))
        claimed = session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
            .values(
                submitted_at=utc_naive(clock.now()),
                answers={str(qid): option for qid, option in answers.items()},
                score=score,
            )
        ).rowcount
        stored = None
        if claimed:
            try:
                stored = draw(score >= (setting(campaign, "pass_score") or 0) and not late)
                session.commit()  # a replayed play commits nothing of its own
            except DomainError:
                session.rollback()  # the attempt stays open: the player may submit again
                raise
        else:
            session.rollback()
        session.refresh(attempt)
    else:
        stored = None
    if stored is None:  # graded before: the play is in SQL, or still in its stream
        stored = ledger.find_by_key(session, campaign.id, player.id, idempotency_key(attempt.id))
    if stored is None:  # not written yet: the draw script replays it from Redis
        stored = draw(eligible=False)  # never used by a replay
    late = is_late(campaign, attempt.started_at, attempt.submitted_at)
    return Graded(attempt=attempt, questions=questions, play=stored, late=late)


# A little slack for the network between the page's countdown and the server.
LATE_GRACE = timedelta(seconds=3)


def is_late(campaign: Campaign, started_at, submitted_at) -> bool:
    """Past the campaign's time limit (from the attempt's own times, so replays agree)."""
    seconds = setting(campaign, "quiz_seconds")
    if not seconds or submitted_at is None:
        return False
    return submitted_at > started_at + timedelta(seconds=seconds) + LATE_GRACE


def seconds_left(campaign: Campaign, started_at, now: datetime) -> int | None:
    """What is really left of the attempt's time limit (None: no limit). A resumed attempt
    keeps its first start, so a reloaded page must count down from this, not afresh."""
    limit = setting(campaign, "quiz_seconds")
    if not limit:
        return None
    deadline = as_utc(started_at) + timedelta(seconds=limit)
    return max(0, math.ceil((deadline - as_utc(now)).total_seconds()))


def _check_answers(questions: list[Question], answers: dict[int, int]) -> None:
    by_id = {q.id: q for q in questions}
    errors: dict[str, list[str]] = {}
    for qid, option in answers.items():
        question = by_id.get(qid)
        if question is None:
            errors[f"answers.{qid}"] = ["Not a question of this attempt."]
        elif not 0 <= option < len(question.options):
            errors[f"answers.{qid}"] = ["Not one of the question's options."]
    if errors:
        raise DomainError(ErrorCode.VALIDATION, "Some answers are invalid.", errors)
