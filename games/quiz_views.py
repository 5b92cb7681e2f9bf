"""The quiz's JSON endpoints: deal an attempt's questions, grade its one submission."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from campaigns.core import services
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.play import load_published_campaign
from campaigns.web import ratelimits
from campaigns.web.extensions import db
from campaigns.wechat import followers
from games import quiz
from games.results import play_body
from games.schemas import AttemptOut, GradedOut, SubmissionIn
from games.session import current_player

blueprint = Blueprint("quiz", __name__)


def _quiz_campaign(campaign_id: int):
    campaign = load_published_campaign(db.session, campaign_id)
    if campaign.game != "quiz":
        raise DomainError(ErrorCode.NOT_FOUND, "This campaign has no quiz.", {"game": ["not quiz"]})
    return campaign


@blueprint.route("/<int:campaign_id>/quiz", methods=["GET", "POST"])
@ratelimits.limit(ratelimits.QUIZ, key=ratelimits.player_or_ip)
def start(campaign_id: int):
    """Start (or resume) the player's one open attempt, with the seconds really left of it.

    The page starts it with a POST, since that starts the attempt's clock; GET answers the same
    because SPEC's contract deals the questions on ``GET /h5/<id>/quiz``, and it cannot gain
    time: a reopened attempt keeps its first start."""
    player = current_player()
    campaign = _quiz_campaign(campaign_id)
    now = services.now()
    attempt, questions = quiz.start_attempt(db.session, campaign, player, now, followers.current())
    return AttemptOut().dump(
        {
            "attempt_id": attempt.id,
            "questions": questions,
            "pass_score": quiz.setting(campaign, "pass_score"),
            "seconds": quiz.setting(campaign, "quiz_seconds"),
            "seconds_left": quiz.seconds_left(campaign, attempt.started_at, now),
        }
    )


@blueprint.post("/<int:campaign_id>/quiz/<attempt_id>")
@ratelimits.limit(ratelimits.QUIZ, key=ratelimits.player_or_ip)
def submit(campaign_id: int, attempt_id: str):
    player = current_player()
    data = SubmissionIn().load(request.get_json(silent=True) or {})
    campaign = _quiz_campaign(campaign_id)
    graded = quiz.submit_attempt(
        db.session,
        services.engine(),
        services.clock(),
        campaign,
        player,
        attempt_id,
        {a["question_id"]: a["option"] for a in data["answers"]},
        current_app.config["SECRET_KEY"],
        followers.current(),
    )
    chosen = graded.attempt.answers or {}
    results = [
        {
            "question_id": q.id,
            "chosen": chosen.get(str(q.id)),
            "answer": q.answer,
            "correct": chosen.get(str(q.id)) == q.answer,
        }
        for q in graded.questions
    ]
    return GradedOut().dump(
        {
            "attempt_id": graded.attempt.id,
            "score": graded.attempt.score,
            "total": len(graded.questions),
            "pass_score": quiz.setting(campaign, "pass_score"),
            "passed": graded.attempt.score >= (quiz.setting(campaign, "pass_score") or 0)
            and not graded.late,
            "late": graded.late,
            "results": results,
            "play": play_body(campaign, graded.play),
        }
    )
