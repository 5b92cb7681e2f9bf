"""A keyword answers with one campaign: publishing, resuming and editing refuse a keyword that a
live or scheduled campaign already answers to, compared as the callback compares (NFKC and
casefold), naming that campaign."""

from __future__ import annotations

from datetime import timedelta

import pytest

from campaigns.management import keywords
from campaigns.web.extensions import db


def bearer(factory) -> dict:
    return {"Authorization": f"Bearer {factory.token('marketer')}"}


def publish(client, factory, campaign, status: str = "live"):
    return client.post(
        f"/api/campaigns/{campaign.id}/status", json={"status": status}, headers=bearer(factory)
    )


@pytest.mark.parametrize("same", ["GO", "go", " Go ", "ＧＯ", "ｇｏ", "\u3000ＧＯ"])
def test_folding_makes_width_case_and_spaces_one_keyword(same):
    assert keywords.fold(same) == keywords.fold("go") == "go"


def test_folding_keeps_different_words_apart():
    assert len({keywords.fold(w) for w in ("go", "g o", "goo", "去", "GO!")}) == 5


@pytest.mark.parametrize("taken", ["GO", "ＧＯ", "go "])
def test_publishing_refuses_a_keyword_a_live_campaign_answers_to(factory, client, taken):
    older = factory.campaign(name="Mid-Autumn wheel", keyword="Go")
    newer = factory.campaign(status="draft", keyword=taken)
    refused = publish(client, factory, newer)
    assert refused.status_code == 422
    [message] = refused.get_json()["fields"]["keyword"]
    assert f'Campaign {older.id} "Mid-Autumn wheel" already answers' in message
    assert "2026-09-27 11:00" in message  # until when, in the holder's zone
    db.session.expire_all()
    assert db.session.get(type(newer), newer.id).status == "draft"


def test_a_scheduled_campaign_holds_its_keyword_and_an_ended_one_lets_go(factory, client, clock):
    later = clock.now() + timedelta(days=2)
    scheduled = factory.campaign(
        name="Later", keyword="GO", starts_at=later, ends_at=later + timedelta(days=1)
    )
    draft = factory.campaign(status="draft", keyword="go")
    [message] = publish(client, factory, draft).get_json()["fields"]["keyword"]
    assert f'Campaign {scheduled.id} "Later"' in message
    assert publish(client, factory, scheduled, "ended").status_code == 200
    assert publish(client, factory, draft).status_code == 200


def test_a_paused_campaign_resuming_is_refused_a_keyword_taken_meanwhile(factory, client):
    paused = factory.campaign(status="paused", keyword="GO")
    other = factory.campaign(status="draft", name="Took it", keyword="ＧＯ")
    assert publish(client, factory, other).status_code == 200  # the paused one answers nothing
    resumed = publish(client, factory, paused)
    assert resumed.status_code == 422
    assert f'Campaign {other.id} "Took it"' in resumed.get_json()["fields"]["keyword"][0]


def test_editing_a_live_campaigns_keyword_to_a_taken_one_is_a_409(factory, client):
    holder = factory.campaign(name="Holder", keyword="GO")
    live = factory.campaign(keyword="WIN")
    url = f"/api/campaigns/{live.id}"
    refused = client.patch(url, json={"keyword": "ｇｏ"}, headers=bearer(factory))
    assert refused.status_code == 409
    assert f'Campaign {holder.id} "Holder"' in refused.get_json()["fields"]["keyword"][0]
    assert client.get(url, headers=bearer(factory)).get_json()["keyword"] == "WIN"
    # Other edits, and the same keyword sent again, are not refused.
    renamed = client.patch(url, json={"keyword": "win", "name": "Renamed"}, headers=bearer(factory))
    assert renamed.status_code == 200 and renamed.get_json()["keyword"] == "win"


def test_a_draft_may_hold_a_taken_keyword_until_it_is_published(factory, client):
    factory.campaign(keyword="GO")
    draft = factory.campaign(status="draft", keyword="WIN")
    edited = client.patch(
        f"/api/campaigns/{draft.id}", json={"keyword": "GO"}, headers=bearer(factory)
    )
    assert edited.status_code == 200
    assert publish(client, factory, draft).status_code == 422
