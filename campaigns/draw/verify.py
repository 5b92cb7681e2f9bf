#!/usr/bin/env python3
"""Verify a finished campaign's draws: standard library only, runnable as a plain script.

    python campaigns/draw/verify.py audit.jsonl
    python campaigns/draw/verify.py https://example.com/api/campaigns/7/audit
    flask --app wsgi verify <file or URL>

The audit (``GET /api/campaigns/<id>/audit``) is JSON lines: a header with the prize table, the
published commitment and the revealed seed, then one entry per play in sequence order. This
recomputes everything: the seed matches the commitment; each play's number is
HMAC-SHA256(seed, "<campaign>:<seq>") cut to 48 bits; each outcome is what that number picks from
the prize table given the stock left, pacing and the player's earlier wins (an entry marked not
eligible, such as a failed quiz attempt, must lose); the stock moves only
by the wins; each entry's hash covers the previous one. It names the first entry that fails.
A hot campaign split into N shards ("shards" in the header) has N chains and N stock counts:
shard k's entries are numbered k+1, k+1+N, ...; no prize may be won more often than its stock.

The server's draw engine imports ``thresholds``, ``uniform`` and ``entry_hash`` from here, so the
server and the verifier cannot drift apart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import sys
import urllib.request
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

UNIFORM_BITS = 48
UNIFORM_SCALE = 1 << UNIFORM_BITS
FORMAT = "campaign-audit/1"
ENTRY_FIELDS = ("seq", "at", "pseudonym", "u", "outcome", "eligible", "prize_id", "stock_before")


def uniform(seed_hex: str, campaign_id: int, seq: int) -> int:
    digest = hmac.new(bytes.fromhex(seed_hex), f"{campaign_id}:{seq}".encode(), hashlib.sha256)
    return int.from_bytes(digest.digest()[:6], "big")


def commitment(seed_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest()


def thresholds(probabilities: Iterable[float]) -> list[int]:
    """Cumulative upper bounds on the 2^48 scale: u picks the first prize whose bound is above."""
    bounds, total = [], Decimal(0)
    for p in probabilities:
        total += Decimal(str(p))
        bounds.append(int(total * UNIFORM_SCALE))
    return bounds


def joint_head(heads: list[str]) -> str:
    """One hash for a sharded campaign's chains (one chain: its own head)."""
    if len(heads) == 1:
        return heads[0]
    return hashlib.sha256("\n".join(heads).encode()).hexdigest()


def canonical(entry: dict) -> str:
    return json.dumps({k: entry[k] for k in ENTRY_FIELDS}, sort_keys=True, separators=(",", ":"))


def entry_hash(prev_hash: str, entry: dict) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(entry)}".encode()).hexdigest()


def paced_allowance(stock: int, at_ms: int, starts_ms: int, ends_ms: int) -> int:
    """How much of an evenly paced stock may be out by ``at_ms`` (as the Lua script computes)."""
    return min(stock, math.ceil(stock * (at_ms - starts_ms) / (ends_ms - starts_ms)))


@dataclass
class Result:
    ok: bool
    entries: int
    wins: int
    message: str
    seq: int | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"OK: {self.entries} entries, {self.wins} wins; every draw and the chain hold."
        where = f"entry seq={self.seq}: " if self.seq is not None else ""
        return f"FAILED at {where}{self.message}"


class Failure(Exception):
    def __init__(self, message: str, seq: int | None = None):
        super().__init__(message)
        self.seq = seq


def verify(lines: Iterable[str]) -> Result:
    stream = (line for line in lines if line.strip())
    checked = wins = 0
    try:
        header = json.loads(next(stream))
        _check_header(header)
        state = _State(header)
        for line in stream:
            entry = json.loads(line)
            state.check(entry)
            checked += 1
            wins += entry["outcome"] == "win"
        if header.get("head") and header["head"] != state.head:
            raise Failure(f"the chain ends at {state.head}, the header says {header['head']}")
        if header.get("entries") is not None and header["entries"] != checked:
            raise Failure(f"{checked} entries, the header says {header['entries']}")
    except Failure as failure:
        return Result(False, checked, wins, str(failure), failure.seq)
    except (StopIteration, ValueError, KeyError, TypeError) as exc:
        return Result(False, checked, wins, f"malformed audit: {exc!r}", checked + 1)
    return Result(True, checked, wins, "ok")


def _check_header(header: dict) -> None:
    if header.get("format") != FORMAT:
        raise Failure(f"unknown format {header.get('format')!r}")
    if not header.get("seed"):
        raise Failure("the seed is not revealed (the campaign has not ended)")
    if commitment(header["seed"]) != header["commitment"]:
        raise Failure("the seed does not match the published commitment")


class _Shard:
    """One chain: a sharded campaign's shard k of N numbers its plays k+1, k+1+N, ... and
    counts the stock it holds apart from the other shards."""

    def __init__(self, shard: int, shards: int, commitment_hash: str, prize_ids):
        self.step = shards
        self.seq = shard + 1 - shards  # the number before its first
        self.prev = commitment_hash
        self.awarded = dict.fromkeys(prize_ids, 0)
        self.credits: Counter = Counter()  # prizes of voided wins, to be given back later


class _State:
    def __init__(self, header: dict):
        self.header = header
        self.campaign_id = int(header["campaign_id"])
        self.prizes = header["prizes"]
        self.bounds = thresholds(p["probability"] for p in self.prizes)
        # A live campaign's stock may have been raised, or lowered to what was awarded: entries
        # may show any stock up to the highest the table ever published.
        self.final_stock = {str(p["id"]): int(p.get("max_stock", p["stock"])) for p in self.prizes}
        shards = int(header.get("shards") or 1)
        self.shards = [
            _Shard(k, shards, header["commitment"], self.final_stock) for k in range(shards)
        ]
        self.won: Counter = Counter()  # wins per prize, all shards together
        self.wins_by_player: Counter = Counter()

    @property
    def head(self) -> str:
        return joint_head([shard.prev for shard in self.shards])

    def check(self, entry: dict) -> None:
        seq = entry["seq"]
        chain = self.shards[(seq - 1) % len(self.shards)]
        if seq != chain.seq + chain.step:
            expected = chain.seq + chain.step
            raise Failure(f"expected seq {expected} next (an entry is missing or moved)", seq)
        if entry["prev"] != chain.prev:
            raise Failure("prev does not match the hash of the entry before", seq)
        if entry["hash"] != entry_hash(chain.prev, entry):
            raise Failure("the entry was changed after it was chained (hash mismatch)", seq)
        if entry["u"] != uniform(self.header["seed"], self.campaign_id, seq):
            raise Failure("the number is not the seeded number of this sequence number", seq)
        chain.seq, chain.prev = seq, entry["hash"]
        if entry["outcome"] == "lost":
            return
        self._check_stock(chain, entry, seq)
        expected = self._pick(entry)
        if entry["outcome"] == "void":
            if entry["prize_id"] is not None:
                chain.credits[str(entry["prize_id"])] += 1
            if entry["prize_id"] != expected:
                raise Failure("a withdrawn draw names a prize its number did not pick", seq)
            if expected is not None:
                chain.awarded[str(expected)] += 1
            return
        got = entry["prize_id"] if entry["outcome"] == "win" else None
        if entry["outcome"] not in ("win", "lose") or got != expected:
            raise Failure(f"outcome {entry['outcome']}/{got} but the draw gives {expected}", seq)
        if expected is not None:
            chain.awarded[str(expected)] += 1
            self.wins_by_player[entry["pseudonym"]] += 1
            self.won[str(expected)] += 1
            if self.won[str(expected)] > self.final_stock[str(expected)]:
                raise Failure(f"prize {expected} won more times than its stock", seq)

    def _check_stock(self, chain: _Shard, entry: dict, seq: int) -> None:
        before = entry["stock_before"]
        if set(before) != set(self.final_stock):
            raise Failure("stock_before does not list the prize table's prizes", seq)
        for pid, (awarded, stock) in before.items():
            given_back = chain.awarded[pid] - awarded
            if given_back < 0 or given_back > chain.credits[pid]:
                raise Failure(
                    f"prize {pid}: {awarded} awarded before, expected {chain.awarded[pid]}", seq
                )
            chain.credits[pid] -= given_back
            chain.awarded[pid] = awarded
            if stock > self.final_stock[pid] or awarded > stock:
                raise Failure(f"prize {pid}: stock {stock} is not within the published table", seq)

    def _pick(self, entry: dict):
        u = entry["u"]
        index = next((i for i, bound in enumerate(self.bounds) if u < bound), None)
        if index is None:
            return None
        if not entry["eligible"]:
            return None  # the play counted but could not win (a failed quiz attempt)
        prize = self.prizes[index]
        pid = str(prize["id"])
        awarded, stock = entry["stock_before"][pid]
        allowed = stock
        if prize.get("pacing") == "even":
            allowed = paced_allowance(
                stock, entry["at"], self.header["starts_ms"], self.header["ends_ms"]
            )
        limit = self.header.get("wins_per_user_total") or 0
        if limit and self.wins_by_player[entry["pseudonym"]] >= limit:
            return None
        return prize["id"] if awarded < allowed else None


def read_lines(source: str) -> Iterator[str]:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=60) as response:
            for raw in response:
                yield raw.decode()
        return
    with open(source, encoding="utf-8") as handle:
        yield from handle


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    result = verify(read_lines(args[0]))
    print(result)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
