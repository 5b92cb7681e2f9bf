"""The gettext catalogs (translations/): every word the pages use is translated into Chinese and
English, placeholders survive translation, the committed .mo files match their .po, and the
console's messages with values inside are recognised and translated."""

from __future__ import annotations

import os
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale

from campaigns.management.campaign_admin import FOLLOW_WARNING
from campaigns.web.console.words import MESSAGES_WITH_VALUES, translate
from campaigns.web.i18n import LANGUAGES, TRANSLATIONS

ROOT = os.path.dirname(TRANSLATIONS)
PLACEHOLDERS = re.compile(r"%\(\w+\)s|\{\w+\}")


def _used_msgids() -> set[tuple[str | None, str]]:
    """What ``make messages`` would extract now, from the code and templates as they are."""
    with open(os.path.join(ROOT, "babel.cfg")) as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map
    ):
        found.add((context, message))
    return found


def _catalog(lang: str):
    with open(os.path.join(TRANSLATIONS, lang, "LC_MESSAGES", "messages.po"), "rb") as po:
        return read_po(po)


USED = _used_msgids()


def test_the_pages_use_words_from_the_templates_and_the_code():
    templates = {msgid for _, msgid in USED}
    assert "Campaign console" in templates and "You won!" in templates  # console and player
    assert "draft" in templates and "Must be greater than or equal to %(min)s." in templates
    assert len(USED) > 300


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_word_used_has_a_translation(lang):
    catalog = _catalog(lang)
    missing = [
        (context, msgid)
        for context, msgid in sorted(USED, key=str)
        if not (catalog.get(msgid, context) and catalog.get(msgid, context).string)
        or catalog.get(msgid, context).fuzzy
    ]
    assert not missing, f"{lang}: add to translations/{lang}/LC_MESSAGES/messages.po: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders_and_carry_no_markup(lang):
    for message in _catalog(lang):
        if not message.id:
            continue
        assert sorted(PLACEHOLDERS.findall(message.string)) == sorted(
            PLACEHOLDERS.findall(message.id)
        ), message.id
        # Template translations are output as they are (Jinja marks them safe): no HTML in them.
        assert not re.search(r"[<>&]", message.id + message.string), message.id


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_committed_mo_files_match_their_po(lang):
    with open(os.path.join(TRANSLATIONS, lang, "LC_MESSAGES", "messages.mo"), "rb") as mo:
        compiled = {(m.context, m.id): m.string for m in read_mo(mo) if m.id}
    written = {(m.context, m.id): m.string for m in _catalog(lang) if m.id}
    assert compiled == written, "run `make translations` and commit the .mo files"


def test_each_message_pattern_recognises_its_own_msgid():
    """A pattern and its msgid written apart would drift; the msgid with values put in must
    be what the pattern matches, and the translation puts the values back."""
    for pattern, msgid in MESSAGES_WITH_VALUES:
        values = {name: "7" for name in pattern.groupindex}
        assert pattern.fullmatch(msgid % values), msgid


@pytest.mark.one_database
def test_messages_from_the_data_are_translated_in_chinese_and_kept_in_english(app):
    with app.test_request_context("/admin/"):
        with force_locale("zh"):
            assert translate("draft") == "草稿"
            assert (
                translate("Length must be between 1 and 120.") == "长度须在 1 到 120 个字符之间。"
            )
            assert "诱导" in translate(FOLLOW_WARNING)
            assert translate("A message no catalog has.") == "A message no catalog has."
        with force_locale("en"):
            assert translate("draft") == "draft"
            assert translate("Length must be between 1 and 120.") == (
                "Length must be between 1 and 120."
            )
