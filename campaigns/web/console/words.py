"""The console's words that arrive as data: statuses, game names, roles, and the messages of
the shared schemas, marshmallow and the domain (English, some with values inside).

Their translations live in the gettext catalogs (``translations/``) like the templates' words;
this module only marks them for ``pybabel extract`` and matches the messages that carry values,
so the catalog holds one msgid per message (``%(name)s`` for the value) and not one per value.
"""

from __future__ import annotations

import re

from flask_babel import gettext

from campaigns.web.i18n import N_

# Shown through ``translate`` from the data; listed so the catalogs have them.
DATA_WORDS = (
    # statuses, games and roles
    N_("draft"),
    # prize kinds and a win's statuses (campaigns/prizes/kinds.py)
    N_("Redemption code"),
    N_("Shipped goods"),
    N_("Cash (WeChat Pay)"),
    N_("open"),
    N_("redeemed"),
    N_("unclaimed"),
    N_("claimed"),
    N_("shipped"),
    N_("paying"),
    N_("paid"),
    N_("failed"),
    N_("expired"),
    N_("live"),
    N_("paused"),
    N_("ended"),
    N_("marketer"),
    N_("analyst"),
    # flashes and errors raised by the console's views
    N_("Saved."),
    N_("Redemption recorded."),
    N_("The custom menu was updated."),
    N_("Wrong username or password."),
    N_("Your session has expired; please sign in again."),
    N_("This needs the marketer role; analysts may only read."),
    N_("The form has expired or was not sent from this site; please try again."),
    N_("Stock must be a whole number."),
    # marshmallow's and the shared schemas' validation messages
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid string."),
    N_("Not a valid boolean."),
    N_("Not a valid datetime."),
    N_("Not a valid aware datetime."),
    N_("Unknown field."),
    N_("String does not match expected pattern."),
    N_("Must be after starts_at."),
    N_("Prize names must be unique."),
    N_("Cannot exceed plays_per_user_total."),
    N_("Unknown time zone (use an IANA name like Asia/Shanghai)."),
    N_("At most 9 decimal places."),
    N_("Must be the index of one of the options."),
    N_("A quiz needs at least one question."),
    N_("Required for a quiz."),
    N_("More than the question bank holds."),
    N_("Higher than the number of questions per attempt."),
    N_("A grid has 8 cells and keeps one for no prize: at most 7 prizes."),
    # the domain's checks (campaigns/management/)
    N_("Cannot change once published."),
    N_("Shipments recorded."),
    N_("Staff member revoked."),
    N_("1 to 40 characters."),
    N_("This staff code is unknown, used or expired; ask for a new one."),
    N_("Only staff may verify codes; ask a marketer for a staff QR code."),
    N_("This prize is shipped or paid, not redeemed at a counter."),
    N_("The time to redeem this prize has passed."),
    N_("The red packet will be sent again."),
    N_("Some rows are invalid."),
    N_("Required."),
    N_("No goods prize of this campaign has this code."),
    N_("The winner has not claimed it yet."),
    N_("At least one row of code, courier and tracking_number."),
    N_("Only a cash prize has an amount."),
    N_("A cash prize needs its amount in fen."),
    N_("WeChat Pay red packets are 100 to 20000 fen (1 to 200 yuan)."),
    N_("A cash prize is paid by itself; it has no claim deadline."),
    N_("A prize's kind, amount and claim days cannot change once published."),
    N_("Odds and pacing cannot change once published."),
    N_("Same prizes (by id) required once published."),
    N_("Rules text is required before going live (WeChat platform rules)."),
    N_("Add at least one prize."),
    N_("Some fields are invalid."),
    N_("Some prize changes are not allowed."),
    N_("Another campaign already answers to this keyword."),
    N_("These fields cannot change once the campaign is published."),
    N_("An ended campaign cannot be edited."),
    N_("The campaign cannot go live yet."),
    N_("Not a redemption code."),
    N_("No prize has this code."),
    N_("Unknown."),
    N_("16 letters and digits, like ABCD-EFGH-JKLM-NPQR."),
    N_("Temporarily unavailable; please retry."),
    N_("No such campaign."),
    N_("A draft has no QR code yet; publish the campaign first."),
    N_(
        "WeChat's platform rules forbid inducing users to follow an account in exchange for a "
        "reward. Requiring a follow to play may be judged induced following; check with your "
        "account's compliance contact before publishing."
    ),
)

# Messages with values inside: the pattern that recognises one, and its msgid.
MESSAGES_WITH_VALUES = [
    (re.compile(pattern), msgid)
    for pattern, msgid in [
        (
            r"Must be greater than or equal to (?P<min>\S+) and less than or equal to "
            r"(?P<max>\S+)\.",
            N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
        ),
        (
            r"Must be greater than or equal to (?P<min>\S+)\.",
            N_("Must be greater than or equal to %(min)s."),
        ),
        (
            r"Must be less than or equal to (?P<max>\S+)\.",
            N_("Must be less than or equal to %(max)s."),
        ),
        (
            r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.",
            N_("Length must be between %(min)s and %(max)s."),
        ),
        (r"Shorter than minimum length (?P<min>\d+)\.", N_("Shorter than minimum length %(min)s.")),
        (r"Longer than maximum length (?P<max>\d+)\.", N_("Longer than maximum length %(max)s.")),
        (r"Must be one of: (?P<choices>.+)\.", N_("Must be one of: %(choices)s.")),
        (r"Unknown game; one of: (?P<games>.+)\.", N_("Unknown game; one of: %(games)s.")),
        (
            r"Probabilities add up to (?P<total>\S+); the sum must be at most 1\.",
            N_("Probabilities add up to %(total)s; the sum must be at most 1."),
        ),
        (
            r"Cannot be lower than the (?P<floor>\d+) already awarded\.",
            N_("Cannot be lower than the %(floor)s already awarded."),
        ),
        (
            r"Already redeemed at (?P<when>.+?) by (?P<who>.+)\.",
            N_("Already redeemed at %(when)s by %(who)s."),
        ),
        (r"At least (?P<n>\d+) characters\.", N_("At least %(n)s characters.")),
        (
            r"At most (?P<n>\d+) printable characters\.",
            N_("At most %(n)s printable characters."),
        ),
        (
            r"Enter the number of the correct option \(1 to (?P<n>\d+)\)\.",
            N_("Enter the number of the correct option (1 to %(n)s)."),
        ),
        (
            r'Campaign (?P<id>\d+) "(?P<name>.*)" already answers to this keyword, until '
            r"(?P<ends>.+)\.",
            N_('Campaign %(id)s "%(name)s" already answers to this keyword, until %(ends)s.'),
        ),
        (
            r"The menu has no room for the campaigns' sub-menu (?P<name>.+): WeChat allows "
            r"(?P<n>\d+) top-level buttons and the brand's own take all of them "
            r"\((?P<buttons>.+)\)\. Free one on the Official Accounts Platform \(move it into a "
            r"sub-menu\), then sync\.",
            N_(
                "The menu has no room for the campaigns' sub-menu %(name)s: WeChat allows %(n)s "
                "top-level buttons and the brand's own take all of them (%(buttons)s). Free one "
                "on the Official Accounts Platform (move it into a sub-menu), then sync."
            ),
        ),
        (
            r"The menu was published on the Official Accounts Platform with buttons the API "
            r"cannot make again \((?P<buttons>.+)\); a sync would lose them\. Give them an API "
            r"type there \(a link, or a click key\), or add the campaigns' links by hand\.",
            N_(
                "The menu was published on the Official Accounts Platform with buttons the API "
                "cannot make again (%(buttons)s); a sync would lose them. Give them an API type "
                "there (a link, or a click key), or add the campaigns' links by hand."
            ),
        ),
        (
            r"The campaigns' sub-menu name (?P<name>.*) must be 1 to (?P<n>\d+) bytes "
            r"\(WECHAT_MENU_NAME; a Chinese character takes 3\)\.",
            N_(
                "The campaigns' sub-menu name %(name)s must be 1 to %(n)s bytes "
                "(WECHAT_MENU_NAME; a Chinese character takes 3)."
            ),
        ),
        (
            r"WeChat is unreachable \((?P<error>.+)\) and could not read the custom menu; the "
            r"menu was not changed\. Try again\.",
            N_(
                "WeChat is unreachable (%(error)s) and could not read the custom menu; the menu "
                "was not changed. Try again."
            ),
        ),
        (
            r"WeChat is unreachable \((?P<error>.+)\) and could not change the custom menu; "
            r"the menu was not changed\. Try again\.",
            N_(
                "WeChat is unreachable (%(error)s) and could not change the custom menu; the "
                "menu was not changed. Try again."
            ),
        ),
        (
            r"WeChat could not read the custom menu \(errcode (?P<errcode>.+)\); the menu was "
            r"not changed\. Try again\.",
            N_(
                "WeChat could not read the custom menu (errcode %(errcode)s); the menu was not "
                "changed. Try again."
            ),
        ),
        (
            r"WeChat could not change the custom menu \(errcode (?P<errcode>.+)\); the menu "
            r"was not changed\. Try again\.",
            N_(
                "WeChat could not change the custom menu (errcode %(errcode)s); the menu was not "
                "changed. Try again."
            ),
        ),
    ]
]


def translate(text) -> str:
    """A word or message known only at run time, in the request's language; one the catalogs
    lack shows as it came (plain text: the template escapes it)."""
    if not text:
        return text
    found = _first_match(MESSAGES_WITH_VALUES, str(text))
    return gettext(found[0], **found[1]) if found else gettext(str(text))


def _first_match(table, text: str) -> tuple[str, dict] | None:
    """The msgid of the first of ``table``'s patterns that ``text`` matches whole, and its
    named values (those that matched)."""
    for pattern, msgid in table:
        match = pattern.fullmatch(text)
        if match:
            return msgid, {k: v for k, v in match.groupdict().items() if v is not None}
    return None


# The editor's label of each field ("prizes.*.stock" for every prize's), so that a message shown
# by a field names it as the form does and says what to do, instead of marshmallow's words.
FIELD_LABELS = {
    "name": N_("Campaign name"),
    "game": N_("Game"),
    "starts_at": N_("Starts"),
    "ends_at": N_("Ends"),
    "timezone": N_("Time zone"),
    "rules": N_("Rules"),
    "keyword": N_("Keyword"),
    "language": N_("Language"),
    "plays_per_user_per_day": N_("Plays per person per day"),
    "plays_per_user_total": N_("Plays per person in total"),
    "wins_per_user_total": N_("Wins per person in total"),
    "questions_per_attempt": N_("Questions per attempt"),
    "pass_score": N_("Pass score"),
    "look.title": N_("Page title"),
    "look.primary_color": N_("Main colour"),
    "look.background_color": N_("Background colour"),
    "look.banner_url": N_("Banner image URL"),
    "prizes.*.name": N_("Name"),
    "prizes.*.stock": N_("Stock"),
    "prizes.*.probability": N_("Probability per play"),
    "prizes.*.image_url": N_("Image URL"),
    "prizes.*.pacing": N_("Pacing"),
    "questions.*.text": N_("Question"),
    "questions.*.options": N_("Options, one per line"),
    "questions.*.answer": N_("Correct option number"),
}

# Messages of the schemas as a marketer should read them beside a field: its label, then what
# to do. A message not listed here is translated as it is (``translate``).
FIELD_ADVICE = [
    (re.compile(pattern), msgid)
    for pattern, msgid in [
        (r"Missing data for required field\.", N_("%(label)s: please fill this in.")),
        (r"Field may not be null\.", N_("%(label)s: please fill this in.")),
        (
            r"Length must be between 1 and (?P<max>\d+)\.",
            N_("%(label)s: enter 1 to %(max)s characters."),
        ),
        (
            r"Longer than maximum length (?P<max>\d+)\.",
            N_("%(label)s: at most %(max)s characters."),
        ),
        (r"Not a valid integer\.", N_("%(label)s: enter a whole number, such as 100.")),
        (r"Not a valid number\.", N_("%(label)s: enter a number, such as 0.05.")),
        (
            r"Must be greater than or equal to (?P<min>\S+) and less than or equal to "
            r"(?P<max>\S+)\.",
            N_("%(label)s: enter a number from %(min)s to %(max)s."),
        ),
        (
            r"Must be greater than or equal to (?P<min>\S+)\.",
            N_("%(label)s: enter %(min)s or more."),
        ),
        (r"Must be after starts_at\.", N_("%(label)s: choose a time after the start.")),
        (r"Not a valid (aware )?datetime\.", N_("%(label)s: choose a date and time.")),
    ]
]


def field_label(field: str) -> str | None:
    """The msgid of the label the forms give ``field`` (``prizes.0.stock``); None off the forms."""
    return FIELD_LABELS.get(re.sub(r"\.\d+\.", ".*.", field))


def field_message(field: str, message) -> str:
    """``message`` about ``field`` (a form name such as ``prizes.0.stock``), as the form says it."""
    label = field_label(field)
    found = _first_match(FIELD_ADVICE, str(message)) if label else None
    if found:
        return gettext(found[0], label=gettext(label), **found[1])
    return translate(message)
