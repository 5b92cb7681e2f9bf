"""What the player's browser receives: never an outcome before the play is recorded."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema


class PrizeOut(Schema):
    id = fields.Integer()
    name = fields.String()
    image_url = fields.String(allow_none=True)


class PlayOut(Schema):
    play_id = fields.Integer(
        metadata={"description": "the play's sequence number in the campaign (the audit's seq)"}
    )
    outcome = fields.String()
    prize = fields.Nested(PrizeOut, allow_none=True)
    code = fields.String()
    segment = fields.Integer()
    cell = fields.Integer(
        metadata={"description": "grid: the cell drawn, 0-7 clockwise from the top left"}
    )
    plays_left_today = fields.Integer(allow_none=True)


class QuestionOut(Schema):
    """A question as the player sees it before grading: never its answer."""

    id = fields.Integer()
    text = fields.String()
    options = fields.List(fields.String())


class AttemptOut(Schema):
    attempt_id = fields.String()
    questions = fields.List(fields.Nested(QuestionOut))
    pass_score = fields.Integer()
    seconds = fields.Integer(allow_none=True, metadata={"description": "time limit, if any"})
    seconds_left = fields.Integer(
        allow_none=True,
        metadata={"description": "what is left of the limit (a resumed attempt keeps its start)"},
    )


class AnswerIn(Schema):
    question_id = fields.Integer(strict=True, required=True)
    option = fields.Integer(strict=True, required=True)


class SubmissionIn(Schema):
    answers = fields.List(fields.Nested(AnswerIn), required=True, validate=validate.Length(max=100))

    @validates_schema  # skipped when a field already failed, so every answer is whole here
    def _one_per_question(self, data: dict, **_kwargs) -> None:
        ids = [a["question_id"] for a in data["answers"]]
        if len(set(ids)) != len(ids):
            raise ValidationError("At most one answer per question.", "answers")


class GradedQuestionOut(Schema):
    question_id = fields.Integer()
    chosen = fields.Integer(allow_none=True)
    answer = fields.Integer()
    correct = fields.Boolean()


class GradedOut(Schema):
    attempt_id = fields.String()
    score = fields.Integer()
    total = fields.Integer()
    pass_score = fields.Integer()
    passed = fields.Boolean()
    late = fields.Boolean()
    results = fields.List(fields.Nested(GradedQuestionOut))
    play = fields.Nested(PlayOut)
