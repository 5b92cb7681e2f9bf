"""The words the player pages' scripts show, looked up in the gettext catalogs per request.

The templates call ``_()`` themselves; the scripts (static/h5/*.js) cannot, so the page hands them
this table, translated, in its JSON config under ``t``. The keys are the scripts' names for the
words; the msgids are English and ``{name}`` marks a value the script fills in
(``H5.format``), which a translation must keep.
"""

from __future__ import annotations

from flask_babel import gettext

from campaigns.web.i18n import N_

SCRIPT_WORDS = {
    "correct": N_("Correct"),
    "draw": N_("Draw"),
    "drawing": N_("Drawing…"),
    "get_card": N_("Get a card"),
    "loading": N_("Loading…"),
    "lose_message": N_("Better luck next time!"),
    "lose_title": N_("No prize this time"),
    "next": N_("Next"),
    "no_prize_segment": N_("Try again"),
    "plays_left": N_("Plays left today"),
    "question_of": N_("Question {i} of {n}"),
    "quiz_failed": N_("So close! Not enough right answers for a draw this time."),
    "quiz_late": N_("Time ran out: this attempt cannot win."),
    "quiz_passed": N_("You passed, and your draw is in!"),
    "quiz_start": N_("Start the quiz"),
    "quiz_time_left": N_("{s} s left"),
    "scratch_here": N_("Scratch here"),
    "spin": N_("Spin"),
    "spinning": N_("Spinning…"),
    "submit": N_("Submit answers"),
    "win_title": N_("You won!"),
    "wrong": N_("Answer: {a}"),
    "your_code": N_("Redemption code"),
    "your_score": N_("{s} of {n} correct"),
}


def script_words() -> dict[str, str]:
    """The table in the request's language (plain strings, for the page's JSON)."""
    return {key: gettext(msgid) for key, msgid in SCRIPT_WORDS.items()}
