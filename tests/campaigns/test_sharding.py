"""Hot campaigns split into shards (campaigns/draw/keys.py, stock.py): each shard holds its
players and a share of the stock; stock moves to where players are; totals never exceed stock.

These run on one plain Redis (every shard's keys on the same server); test_cluster.py runs
sharded campaigns on a real Redis Cluster."""

from __future__ import annotations

import json

from sqlalchemy import select

from campaigns.core.clock import to_ms
from campaigns.draw import verify
from campaigns.draw.keys import REDIS_CLUSTER_HASH_SLOTS, all_shards, key_slot, player_shard
from campaigns.management import campaign_admin
from campaigns.models import Play, Win
from campaigns.web.extensions import db
from tests.campaigns.test_play_endpoint import play


def _on_shard(players, shard: int, shards: int):
    return [p for p in players if player_shard(p.id, shards) == shard]


def _held(redis, campaign, prize) -> list[int]:
    return [int(redis.hget(k.allot, str(prize.id)) or 0) for k in all_shards(campaign.id, 3)]


def test_each_shard_tag_falls_in_its_own_third_of_the_cluster_slots():
    for campaign_id in (1, 7, 12345):
        for keys in all_shards(campaign_id, 3):
            slot = key_slot(keys.meta.encode())
            assert slot * 3 // REDIS_CLUSTER_HASH_SLOTS == keys.shard
            assert key_slot(keys.player(99).encode()) == slot  # one tag: one node


def test_stock_moves_to_the_shard_whose_players_play(factory, redis):
    campaign = factory.campaign(
        shards=3,
        plays_per_user_per_day=1,
        prizes=[{"name": "Coupon", "stock": 12, "probability": 1.0}],
    )
    [prize] = campaign.prizes
    players = _on_shard(factory.players(70), 0, 3)[:20]
    outcomes = [play(factory.signed_in(p), campaign.id).json["outcome"] for p in players]
    # Shard 0 started with 4 of the 12; the other shards' 8 came over as its players won.
    assert outcomes == ["win"] * 12 + ["lose"] * 8
    assert sorted(db.session.scalars(select(Win.slot))) == list(range(1, 13))
    assert _held(redis, campaign, prize) == [12, 0, 0]
    shard_0 = all_shards(campaign.id, 3)[0]
    assert redis.hget(shard_0.dry, str(prize.id)) == redis.hget(shard_0.meta, "epoch")


def test_busy_shards_share_the_stock_and_never_exceed_it(factory, redis):
    campaign = factory.campaign(
        shards=3,
        wins_per_user_total=2,
        prizes=[
            {"name": "Phone", "stock": 4, "probability": 0.1},
            {"name": "Coupon", "stock": 25, "probability": 0.5},
        ],
    )
    players = factory.players(45)
    clients = [factory.signed_in(p) for p in players]
    for _ in range(4):
        for client in clients:
            assert play(client, campaign.id).status_code == 200
    phone, coupon = campaign.prizes
    wins = db.session.execute(select(Win.prize_id, Win.slot)).all()
    coupon_slots = sorted(slot for prize_id, slot in wins if prize_id == coupon.id)
    assert coupon_slots == list(range(1, 26))  # 180 plays at 50%: all sold, each slot once
    phone_slots = [slot for prize_id, slot in wins if prize_id == phone.id]
    assert len(phone_slots) == len(set(phone_slots)) <= 4
    assert sum(_held(redis, campaign, coupon)) == 25  # moved around, never created
    # Each shard numbers its own plays: shard k of 3 has k+1, k+4, k+7, ...
    for shard in range(3):
        ids = {p.id for p in _on_shard(players, shard, 3)}
        seqs = sorted(
            db.session.scalars(
                select(Play.seq).where(Play.campaign_id == campaign.id, Play.player_id.in_(ids))
            )
        )
        assert seqs == list(range(shard + 1, shard + 1 + 3 * len(seqs), 3))


def test_a_sharded_campaign_verifies_and_tampering_in_one_chain_is_caught(factory, client):
    campaign = factory.campaign(
        shards=3,
        plays_per_user_per_day=3,
        prizes=[{"name": "Coupon", "stock": 10, "probability": 0.4}],
    )
    for player in factory.players(24):
        signed = factory.signed_in(player)
        for _ in range(3):
            play(signed, campaign.id)
    ended, lines = factory.end_and_audit(campaign, client)
    assert ended["shards"] == 3
    header = json.loads(lines[0])
    assert header["shards"] == 3 and header["entries"] == 72 == len(lines) - 1
    result = verify.verify(lines)
    assert result.ok, result
    assert result.wins == 10

    second_of_shard_1 = next(i for i, line in enumerate(lines[1:], 1) if '"seq":5,' in line)
    removed = lines[:second_of_shard_1] + lines[second_of_shard_1 + 1 :]
    failed = verify.verify(removed)
    assert not failed.ok and failed.seq == 8 and "missing" in failed.message

    entry = json.loads(lines[second_of_shard_1])
    entry["outcome"] = "win" if entry["outcome"] == "lose" else "lose"
    edited = [*lines[:second_of_shard_1], json.dumps(entry), *lines[second_of_shard_1 + 1 :]]
    assert not verify.verify(edited).ok


def test_a_transfer_cut_short_by_a_crash_is_delivered_by_the_sweep(factory, redis, engine, clock):
    campaign = factory.campaign(
        shards=3, prizes=[{"name": "Coupon", "stock": 9, "probability": 0.0}]
    )
    [prize] = campaign.prizes
    play(factory.signed_in(factory.player()), campaign.id)  # builds the shards' state
    giver, taker = all_shards(campaign.id, 3)[1:]
    epoch = redis.hget(giver.meta, "epoch")
    # The giving half of a transfer, as a process that then died would have left it.
    ranges = engine.scripts.cede(
        keys=[giver.meta, giver.awarded, giver.allot, giver.slots, giver.outbox],
        args=[prize.id, epoch, "t-1", taker.shard, to_ms(clock.now())],
    )
    # Slots 1-3, 4-6 and 7-9 went to shards 0, 1 and 2: shard 1 gives half its spare, the top.
    assert ranges == b"5-6"
    assert _held(redis, campaign, prize) == [3, 1, 3]  # two slots held by no shard, for now
    assert engine.settle_transfers(campaign.id, 3, clock.now()) == 0  # maybe still running
    clock.advance(seconds=11)
    assert engine.settle_transfers(campaign.id, 3, clock.now()) == 1
    assert _held(redis, campaign, prize) == [3, 1, 5]
    assert redis.hlen(giver.outbox) == 0
    again = engine.scripts.receive(
        keys=[taker.meta, taker.allot, taker.slots, taker.received, taker.dry],
        args=[prize.id, epoch, "t-1", ranges, 2],
    )
    assert again == 0 and _held(redis, campaign, prize) == [3, 1, 5]  # delivered once only


def test_raising_the_stock_of_a_sold_out_sharded_campaign_shares_the_new_stock(
    factory, redis, clock
):
    campaign = factory.campaign(
        shards=2,
        plays_per_user_per_day=1,
        prizes=[{"name": "Coupon", "stock": 2, "probability": 1.0}],
    )
    [prize] = campaign.prizes
    players = factory.players(8)
    first = [play(factory.signed_in(p), campaign.id).json["outcome"] for p in players[:4]]
    assert first.count("win") == 2
    change = {"id": prize.id, "name": "Coupon", "stock": 5, "probability": 1.0}
    campaign_admin.update_campaign(
        db.session, redis, campaign, {"prizes": [change]}, "test", clock.now()
    )
    later = [play(factory.signed_in(p), campaign.id).json["outcome"] for p in players[4:]]
    assert later.count("win") == 3
    assert sorted(db.session.scalars(select(Win.slot))) == [1, 2, 3, 4, 5]


def test_shards_are_checked_and_fixed_once_published(factory, client):
    token = factory.token("marketer")
    auth = {"Authorization": f"Bearer {token}"}
    data = factory.campaign_data()
    data["starts_at"], data["ends_at"] = data["starts_at"].isoformat(), data["ends_at"].isoformat()
    for bad in (0, 17, "3"):
        response = client.post("/api/campaigns", json={**data, "shards": bad}, headers=auth)
        assert response.status_code == 422 and "shards" in response.json["fields"]
    campaign = factory.campaign(shards=2)
    response = client.patch(f"/api/campaigns/{campaign.id}", json={"shards": 3}, headers=auth)
    assert response.status_code == 409 and "shards" in response.json["fields"]
    db.session.refresh(campaign)
    assert campaign.shards == 2
