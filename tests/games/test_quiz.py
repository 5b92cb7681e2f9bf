"""The quiz endpoints: questions without answers, server grading, one submission per attempt,
every graded attempt a play, a pass a draw, and early refusals."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from campaigns.models import Play, Question, QuizAttempt
from campaigns.web.extensions import db

BANK = [{"text": f"Q{i}", "options": ["a", "b", "c"], "answer": i % 3} for i in range(6)]


@pytest.fixture
def quiz(factory):
    return factory.campaign(
        game="quiz",
        questions=BANK,
        questions_per_attempt=3,
        pass_score=2,
        prizes=[{"name": "Mooncake", "stock": 10, "probability": 1.0}],
    )


def right(question_id: int) -> int:
    return db.session.get(Question, question_id).answer


def answers(payload, correct: int) -> list[dict]:
    out = []
    for i, q in enumerate(payload["questions"]):
        answer = right(q["id"])
        out.append({"question_id": q["id"], "option": answer if i < correct else (answer + 1) % 3})
    return out


def count_plays() -> int:
    return db.session.scalar(select(func.count()).select_from(Play))


def test_questions_come_without_answers(factory, quiz):
    client = factory.signed_in(factory.player())
    response = client.post(f"/h5/{quiz.id}/quiz")
    assert response.status_code == 200
    payload = response.json
    assert len(payload["questions"]) == 3
    assert "answer" not in json.dumps(payload)
    assert set(payload["questions"][0]) == {"id", "text", "options"}
    assert len(payload["attempt_id"]) >= 20
    assert count_plays() == 0  # dealing questions is not a play


def test_a_reload_deals_the_same_open_attempt(factory, quiz):
    client = factory.signed_in(factory.player())
    first = client.post(f"/h5/{quiz.id}/quiz").json
    assert client.post(f"/h5/{quiz.id}/quiz").json == first


def test_a_pass_draws_and_reveals_the_answers(factory, quiz):
    client = factory.signed_in(factory.player())
    payload = client.post(f"/h5/{quiz.id}/quiz").json
    body = client.post(
        f"/h5/{quiz.id}/quiz/{payload['attempt_id']}", json={"answers": answers(payload, 2)}
    ).json
    assert body["score"] == 2 and body["passed"] is True and body["total"] == 3
    assert body["play"]["outcome"] == "win" and body["play"]["code"]
    assert [r["correct"] for r in body["results"]] == [True, True, False]
    assert all(r["answer"] == right(r["question_id"]) for r in body["results"])
    play = db.session.scalar(select(Play).where(Play.seq == body["play"]["play_id"]))
    assert play.eligible and play.idempotency_key == f"quiz-{payload['attempt_id']}"


def test_a_fail_counts_as_a_play_that_cannot_win(factory, quiz):
    client = factory.signed_in(factory.player())
    payload = client.post(f"/h5/{quiz.id}/quiz").json
    body = client.post(
        f"/h5/{quiz.id}/quiz/{payload['attempt_id']}", json={"answers": answers(payload, 1)}
    ).json
    assert body["passed"] is False and body["play"]["outcome"] == "lose"
    assert "code" not in body["play"]
    assert count_plays() == 1
    assert db.session.scalar(select(Play.eligible)) is False


def test_one_submission_per_attempt(factory, quiz):
    client = factory.signed_in(factory.player())
    payload = client.post(f"/h5/{quiz.id}/quiz").json
    url = f"/h5/{quiz.id}/quiz/{payload['attempt_id']}"
    first = client.post(url, json={"answers": answers(payload, 1)}).json
    again = client.post(url, json={"answers": answers(payload, 3)}).json
    assert again == first  # a retry gets the graded result; better answers change nothing
    assert count_plays() == 1
    assert client.post(f"/h5/{quiz.id}/quiz").json["attempt_id"] != payload["attempt_id"]


def test_attempts_count_against_the_limits(factory):
    campaign = factory.campaign(
        game="quiz",
        questions=BANK,
        questions_per_attempt=1,
        pass_score=1,
        plays_per_user_per_day=1,
        prizes=[],
    )
    client = factory.signed_in(factory.player())
    payload = client.post(f"/h5/{campaign.id}/quiz").json
    client.post(f"/h5/{campaign.id}/quiz/{payload['attempt_id']}", json={"answers": []})
    refused = client.post(f"/h5/{campaign.id}/quiz")
    assert refused.status_code == 429 and refused.json["error"] == "daily_limit"


@pytest.mark.parametrize(("status", "code"), [("paused", "not_live"), ("ended", "ended")])
def test_the_quiz_refuses_before_dealing(factory, status, code):
    campaign = factory.campaign(
        status=status,
        game="quiz",
        questions=BANK,
        questions_per_attempt=2,
        pass_score=1,
        prizes=[],
    )
    response = factory.signed_in(factory.player()).post(f"/h5/{campaign.id}/quiz")
    assert response.status_code == 403 and response.json["error"] == code
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0


def test_no_session_and_someone_elses_attempt(factory, quiz):
    assert factory.app.test_client().post(f"/h5/{quiz.id}/quiz").json["error"] == "no_session"
    payload = factory.signed_in(factory.player()).post(f"/h5/{quiz.id}/quiz").json
    other = factory.signed_in(factory.player())
    response = other.post(
        f"/h5/{quiz.id}/quiz/{payload['attempt_id']}", json={"answers": answers(payload, 3)}
    )
    assert response.status_code == 404
    assert count_plays() == 0


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"answers": "x"},
        {"answers": [{"question_id": "1", "option": 0}]},
        {"answers": [{"question_id": 999999, "option": 0}]},
        {"answers": [{"question_id": 0, "option": 7}]},
        {"answers": [{"question_id": 0, "option": 0}, {"question_id": 0, "option": 1}]},
    ],
)
def test_bad_submissions_are_422_and_change_nothing(factory, quiz, body):
    client = factory.signed_in(factory.player())
    payload = client.post(f"/h5/{quiz.id}/quiz").json
    if isinstance(body, dict) and isinstance(body["answers"], list):
        for answer in body["answers"]:
            if answer["question_id"] == 0:
                answer["question_id"] = payload["questions"][0]["id"]
    response = client.post(f"/h5/{quiz.id}/quiz/{payload['attempt_id']}", json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"] == "validation_error" and response.json["fields"]
    assert count_plays() == 0
    assert db.session.get(QuizAttempt, payload["attempt_id"]).submitted_at is None


def test_a_resumed_attempt_shows_the_time_really_left(factory, clock):
    """Reopening the quiz resumes the open attempt with its first start: the page must count
    down from what is left, not from a fresh limit (the probe lost its play that way)."""
    timed = factory.campaign(
        game="quiz", questions=BANK, questions_per_attempt=3, pass_score=2, quiz_seconds=10
    )
    client = factory.signed_in(factory.player())
    first = client.post(f"/h5/{timed.id}/quiz").json
    assert first["seconds"] == 10 and first["seconds_left"] == 10
    clock.advance(seconds=4)
    resumed = client.post(f"/h5/{timed.id}/quiz").json
    assert resumed["attempt_id"] == first["attempt_id"] and resumed["seconds_left"] == 6
    clock.advance(seconds=30)
    assert client.post(f"/h5/{timed.id}/quiz").json["seconds_left"] == 0


def test_specs_get_answers_the_same_open_attempt_as_the_pages_post(factory, quiz):
    """The page starts with a POST; SPEC's ``GET /h5/<id>/quiz`` deals the same one attempt."""
    client = factory.signed_in(factory.player())
    started = client.post(f"/h5/{quiz.id}/quiz").json
    reopened = client.get(f"/h5/{quiz.id}/quiz").json
    assert reopened["attempt_id"] == started["attempt_id"]
    assert reopened["questions"] == started["questions"]
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_the_play_endpoint_does_not_draw_for_a_quiz(factory, quiz):
    response = factory.signed_in(factory.player()).post(f"/h5/{quiz.id}/play")
    assert response.status_code == 400
    assert count_plays() == 0


def test_a_late_submission_counts_but_cannot_win(factory, clock):
    timed = factory.campaign(
        game="quiz",
        questions=BANK,
        questions_per_attempt=3,
        pass_score=2,
        quiz_seconds=30,
        prizes=[{"name": "Mooncake", "stock": 10, "probability": 1.0}],
    )
    client = factory.signed_in(factory.player())
    payload = client.post(f"/h5/{timed.id}/quiz").json
    assert payload["seconds"] == 30
    clock.advance(seconds=40)
    url = f"/h5/{timed.id}/quiz/{payload['attempt_id']}"
    graded = client.post(url, json={"answers": answers(payload, 3)}).json
    assert graded["score"] == 3 and graded["late"] is True and graded["passed"] is False
    assert graded["play"]["outcome"] == "lose"
    stored = db.session.scalar(select(Play))
    assert stored.eligible is False
    # a retried submission agrees, and a new attempt answered in time can win
    assert client.post(url, json={"answers": answers(payload, 3)}).json == graded
    fresh = client.post(f"/h5/{timed.id}/quiz").json
    clock.advance(seconds=20)
    on_time = client.post(
        f"/h5/{timed.id}/quiz/{fresh['attempt_id']}", json={"answers": answers(fresh, 3)}
    ).json
    assert on_time["late"] is False and on_time["play"]["outcome"] == "win"


def test_quiz_seconds_is_validated(factory, client):
    token = factory.token("marketer")
    data = factory.campaign_data(
        game="quiz", questions=BANK, questions_per_attempt=3, pass_score=2, quiz_seconds=5
    )
    body = {
        **data,
        "starts_at": data["starts_at"].isoformat(),
        "ends_at": data["ends_at"].isoformat(),
    }
    response = client.post(
        "/api/campaigns", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422 and "quiz_seconds" in response.json["fields"]


def test_the_quiz_keeps_its_settings_and_a_draft_that_changes_game_drops_them(factory, client):
    """The quiz's settings live in the campaign's game settings, read back flat through the
    admin API; a draft turned into a wheel keeps none of them, and a published quiz's are
    frozen like the draw's."""
    headers = {"Authorization": f"Bearer {factory.token('marketer')}"}
    data = factory.campaign_data(
        game="quiz", questions=BANK, questions_per_attempt=3, pass_score=2, quiz_seconds=60
    )
    body = {
        **data,
        "starts_at": data["starts_at"].isoformat(),
        "ends_at": data["ends_at"].isoformat(),
    }
    created = client.post("/api/campaigns", json=body, headers=headers).json
    assert (created["questions_per_attempt"], created["pass_score"], created["quiz_seconds"]) == (
        3,
        2,
        60,
    )
    url = f"/api/campaigns/{created['id']}"
    too_high = client.patch(url, json={"pass_score": 4}, headers=headers)
    assert too_high.status_code == 422 and "pass_score" in too_high.json["fields"]
    wheel = client.patch(url, json={"game": "wheel"}, headers=headers).json
    assert (wheel["game"], wheel["pass_score"], wheel["quiz_seconds"]) == ("wheel", None, None)

    quiz = factory.campaign(
        game="quiz", questions=BANK, questions_per_attempt=3, pass_score=2, prizes=[]
    )
    assert quiz.status == "live"  # a quiz may go live without prizes; a wheel may not
    frozen = client.patch(f"/api/campaigns/{quiz.id}", json={"pass_score": 3}, headers=headers)
    assert frozen.status_code == 409 and list(frozen.json["fields"]) == ["pass_score"]
    empty_wheel = factory.campaign(status="draft", prizes=[])
    refused = client.post(
        f"/api/campaigns/{empty_wheel.id}/status", json={"status": "live"}, headers=headers
    )
    assert refused.status_code == 422 and list(refused.json["fields"]) == ["prizes"]
