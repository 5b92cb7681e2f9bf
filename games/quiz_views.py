"""The quiz's JSON endpoints: deal an attempt's questions, grade its one submission."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from campaigns.core import services
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.play import load_campaign
from campaigns.web import ratelimits
from campaigns.web.extensions import db
from campaigns.wechat import followers
from games import quiz
from games.results import play_body
from games.schemas import AttemptOut, GradedOut, SubmissionIn
from games.session import current_player

blueprint = Blueprint("quiz", __name__)


def _quiz_campaign(campaign_id: int):
    campaign = load_campaign(db.session, campaign_id)
    if campaign.game != "quiz":
        raise DomainError(ErrorCode.NOT_FOUND, "This campaign has no quiz.", {"game": ["not quiz"]})
    return campaign


@blueprint.get("/<int:campaign_id>/quiz")
@ratelimits.limit(ratelimits.QUIZ, key=ratelimits.player_or_ip)
def start(campaign_id: int):
    player = current_player()
    campaign = _quiz_campaign(campaign_id)
    attempt, questions = quiz.start_attempt(
        db.session, campaign, player, services.now(), followers.current()
    )
    return AttemptOut().dump(
        {
            "attempt_id": attempt.id,
            "questions": questions,
            "pass_score": quiz.setting(campaign, "pass_score"),
            "seconds": quiz.setting(campaign, "quiz_seconds"),
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
