"""What the player's browser receives: never an outcome before the play is recorded."""

from marshmallow import Schema, fields


class PrizeOut(Schema):
    id = fields.Integer()
    name = fields.String()
    image_url = fields.String(allow_none=True)


class PlayOut(Schema):
    play_id = fields.Integer()
    outcome = fields.String()
    prize = fields.Nested(PrizeOut, allow_none=True)
    code = fields.String()
    segment = fields.Integer()
    plays_left_today = fields.Integer(allow_none=True)
