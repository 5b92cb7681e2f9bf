"""Quiz: questions without answers; the server grades and a pass earns one draw."""

from __future__ import annotations

from games.base import Game


class Quiz(Game):
    name = "quiz"

    def validate(self, data: dict) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        questions = data.get("questions") or []
        per_attempt = data.get("questions_per_attempt")
        pass_score = data.get("pass_score")
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
