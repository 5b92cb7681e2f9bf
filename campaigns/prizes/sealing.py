"""Sealing a winner's personal fields with AES-GCM (``cryptography``) before they reach SQL.

The keys come from ``CLAIMS_KEY``: comma-separated ``<id>:<key>`` entries, each key 32 bytes in
URL-safe base64 (``python -c "import os,base64;print(base64.urlsafe_b64encode(os.urandom(32))
.decode())"``). The first entry seals; every entry opens, so a key is rotated by putting a new one
first, re-sealing (``flask claims reseal``) and then dropping the old one (docs/security.md).
Unset outside production, a key derived from SECRET_KEY (id ``sk``) is used.

Each row's ciphertext is bound to its win (the associated data), so sealed fields copied onto
another claim do not open there.
"""

from __future__ import annotations

import base64
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DERIVED_ID = "sk"


class SealError(Exception):
    """No key opens the row (a key was dropped too soon, or the row was tampered with)."""


def _derived(secret_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"claims-key").derive(
        secret_key.encode()
    )


def parse_keys(value: str | None, secret_key: str) -> list[tuple[str, bytes]]:
    """``CLAIMS_KEY`` as (id, key) pairs, the sealing key first. Raises ValueError if malformed."""
    if not (value or "").strip():
        return [(DERIVED_ID, _derived(secret_key))]
    keys = []
    for entry in value.split(","):
        key_id, sep, encoded = entry.strip().partition(":")
        if not sep or not key_id or len(key_id) > 16:
            raise ValueError("CLAIMS_KEY entries are <id>:<base64 key>, the id 1 to 16 characters")
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        if len(raw) != 32:
            raise ValueError(f"CLAIMS_KEY {key_id}: the key must be 32 bytes (AES-256)")
        keys.append((key_id, raw))
    return keys


class Sealer:
    def __init__(self, keys: list[tuple[str, bytes]]):
        self.keys = dict(keys)
        self.current_id = keys[0][0]

    @classmethod
    def from_config(cls, config) -> Sealer:
        return cls(parse_keys(config.get("CLAIMS_KEY"), config["SECRET_KEY"]))

    def seal(self, win_id: int, fields: dict) -> tuple[str, str]:
        """(key id, ciphertext as text) of the fields, bound to the win."""
        nonce = os.urandom(12)
        plain = json.dumps(fields, ensure_ascii=False, sort_keys=True).encode()
        sealed = AESGCM(self.keys[self.current_id]).encrypt(nonce, plain, _bound(win_id))
        return self.current_id, base64.b64encode(nonce + sealed).decode()

    def open(self, win_id: int, key_id: str | None, text: str) -> dict:
        key = self.keys.get(key_id or "")
        if key is None:
            raise SealError(f"no CLAIMS_KEY with id {key_id!r}")
        raw = base64.b64decode(text)
        try:
            plain = AESGCM(key).decrypt(raw[:12], raw[12:], _bound(win_id))
        except Exception as exc:  # InvalidTag: another win's row, or altered
            raise SealError("the claim does not open with its key") from exc
        return json.loads(plain)


def _bound(win_id: int) -> bytes:
    return f"claim:{win_id}".encode()
