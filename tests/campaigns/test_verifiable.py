"""Verifiable draws: the commitment, the secret seed, the chained log and the verifier."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from campaigns.draw import seeding, verify
from campaigns.web.extensions import db
from tests.campaigns.test_play_endpoint import play
from tests.ledger import settle

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def finished(factory, client, clock):
    """A campaign with wins, losses, refusals and a sold-out prize, then ended."""
    campaign = factory.campaign(
        plays_per_user_per_day=4,
        wins_per_user_total=1,
        prizes=[
            {"name": "Phone", "stock": 2, "probability": 0.05, "pacing": "even"},
            {"name": "Coupon", "stock": 15, "probability": 0.4},
        ],
    )
    for player in factory.players(40):
        signed = factory.signed_in(player)
        for _ in range(5):  # the fifth is refused (daily limit): not a play, not in the log
            play(signed, campaign.id)
        clock.advance(minutes=7)
    ended, lines = factory.end_and_audit(campaign, client)
    return campaign, ended, lines


def test_commitment_is_published_and_matches_the_revealed_seed(finished):
    campaign, ended, lines = finished
    header = json.loads(lines[0])
    assert ended["seed"] == header["seed"]
    assert ended["seed_commitment"] == seeding.commitment(ended["seed"]) == header["commitment"]
    assert len(bytes.fromhex(ended["seed"])) == 32


def test_the_seed_is_in_no_response_or_log_before_the_end(factory, client, caplog):
    caplog.set_level(logging.DEBUG)
    campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 5, "probability": 0.5}])
    token = factory.token("analyst")
    seed = campaign.seed
    auth = {"Authorization": f"Bearer {token}"}
    texts = [
        client.get(f"/api/campaigns/{campaign.id}", headers=auth).get_data(as_text=True),
        client.get("/api/campaigns", headers=auth).get_data(as_text=True),
        client.get(f"/api/campaigns/{campaign.id}/audit").get_data(as_text=True),
    ]
    signed = factory.signed_in(factory.player())
    texts += [play(signed, campaign.id).get_data(as_text=True) for _ in range(5)]
    texts.append(caplog.text)
    assert json.loads(texts[0])["seed"] is None
    assert json.loads(texts[0])["seed_commitment"] == seeding.commitment(seed)
    assert all(seed not in text for text in texts)
    assert client.get(f"/api/campaigns/{campaign.id}/audit").status_code == 409


def test_the_verifier_accepts_a_real_campaign(finished):
    _, _, lines = finished
    result = verify.verify(lines)
    assert result.ok, str(result)
    outcomes = [json.loads(line)["outcome"] for line in lines[1:]]
    assert result.entries == len(outcomes) == 160  # 40 players x 4 allowed plays
    assert "win" in outcomes and "lose" in outcomes


def test_the_verifier_runs_as_a_plain_script(finished, tmp_path):
    _, _, lines = finished
    path = tmp_path / "audit.jsonl"
    path.write_text("\n".join(lines))
    done = subprocess.run(
        [sys.executable, "-I", str(ROOT / "campaigns" / "draw" / "verify.py"), str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK: 160 entries")


def _rechain(header: dict, entries: list[dict]) -> list[str]:
    prev = header["commitment"]
    for entry in entries:
        entry["prev"] = prev
        prev = entry["hash"] = verify.entry_hash(prev, entry)
    header["head"] = prev
    return [json.dumps(header)] + [json.dumps(e) for e in entries]


def _parts(lines):
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


def test_a_changed_outcome_is_caught(finished):
    _, _, lines = finished
    header, entries = _parts(lines)
    loser = next(e for e in entries if e["outcome"] == "lose")
    loser["outcome"], loser["prize_id"] = "win", header["prizes"][1]["id"]
    naive = [json.dumps(header)] + [json.dumps(e) for e in entries]
    assert not verify.verify(naive).ok  # the hash no longer matches
    result = verify.verify(_rechain(header, entries))  # even with the whole chain recomputed
    assert not result.ok and result.seq == loser["seq"]


def test_a_removed_entry_is_caught(finished):
    _, _, lines = finished
    result = verify.verify(lines[:50] + lines[51:])
    assert not result.ok and result.seq == 51


def test_two_swapped_entries_are_caught(finished):
    _, _, lines = finished
    swapped = list(lines)
    swapped[20], swapped[21] = swapped[21], swapped[20]
    result = verify.verify(swapped)
    assert not result.ok and result.seq == 21


def test_an_edited_prize_table_is_caught(finished):
    _, _, lines = finished
    header, entries = _parts(lines)
    header["prizes"][1]["probability"] = 0.2
    assert not verify.verify([json.dumps(header)] + lines[1:]).ok
    header, _ = _parts(lines)
    header["prizes"][1]["stock"] = header["prizes"][1]["max_stock"] = 3
    assert not verify.verify([json.dumps(header)] + lines[1:]).ok


def test_a_different_seed_is_caught(finished):
    _, _, lines = finished
    header, _ = _parts(lines)
    header["seed"] = seeding.new_seed()
    assert "commitment" in verify.verify([json.dumps(header)] + lines[1:]).message
    header["commitment"] = seeding.commitment(header["seed"])  # and a matching fake commitment
    assert not verify.verify([json.dumps(header)] + lines[1:]).ok


def test_flask_verify_command(finished, app, tmp_path):
    _, _, lines = finished
    path = tmp_path / "audit.jsonl"
    path.write_text("\n".join(lines))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["verify", str(path)]).exit_code == 0
    path.write_text("\n".join(lines[:10] + lines[11:]))
    outcome = runner.invoke(args=["verify", str(path)])
    assert outcome.exit_code == 1 and "expected seq 10 next" in outcome.output


def test_an_ineligible_play_must_lose(factory, engine, client, clock):
    """A failed quiz attempt counts as a play that cannot win, and the log says so."""
    campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 5, "probability": 1.0}])
    player = factory.player()
    now = clock.now()
    lost = engine.decide(db.session, campaign, player.id, "quiz-failed", now, eligible=False)
    assert lost.prize_id is None and not lost.eligible
    settle()  # the play stream's entry into the ledger, as the writer would
    _, lines = factory.end_and_audit(campaign, client)
    assert verify.verify(lines).ok
    header, entries = _parts(lines)
    assert entries[0]["eligible"] is False
    entries[0]["outcome"], entries[0]["prize_id"] = "win", header["prizes"][0]["id"]
    assert not verify.verify(_rechain(header, entries)).ok
