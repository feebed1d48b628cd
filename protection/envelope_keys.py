"""Envelope keys: random data keys per child or household, wrapped by a key-encryption key.

Only wrapped data keys are stored; the key-encryption key (KEK) lives outside the graph
(a file or a secret given to the process, later a cloud KMS behind the same protocol), so
a copy of the database alone reveals nothing. Destroying one scope's wrapped key erases
that scope's content without touching any other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from protection.errors import KeyUnwrapFailed

KEY_BYTES = 32
NONCE_BYTES = 12
_WRAP_VERSION = 1
_MAX_ID_BYTES = 255


@dataclass(frozen=True, slots=True)
class DataKey:
    key_id: str
    # Excluded from repr so a logged or printed DataKey never shows key material.
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise ValueError(f"a data key is {KEY_BYTES} bytes, not {len(self.secret)}")
        encode_key_id(self.key_id)


def generate_data_key() -> DataKey:
    return DataKey(key_id=f"dk_{secrets.token_hex(12)}", secret=AESGCM.generate_key(bit_length=256))


def encode_key_id(key_id: str) -> bytes:
    if not (key_id.isascii() and key_id.isprintable() and 0 < len(key_id) <= _MAX_ID_BYTES):
        raise ValueError("a key id is 1 to 255 printable ASCII characters")
    return key_id.encode("ascii")


class KeyEncryptionKey(Protocol):
    """Wraps and unwraps data keys; `context` must match on both sides (like a KMS context)."""

    @property
    def key_id(self) -> str: ...

    def wrap(self, key: bytes, *, context: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, *, context: bytes) -> bytes: ...


def wrapped_key_id(wrapped: bytes) -> str:
    """The id of the KEK that wrapped `wrapped`, read from its header without any key."""
    if len(wrapped) < 2 or wrapped[0] != _WRAP_VERSION:
        raise KeyUnwrapFailed("the wrapped key has an unknown format")
    length = wrapped[1]
    raw = wrapped[2 : 2 + length]
    if len(raw) != length:
        raise KeyUnwrapFailed("the wrapped key is truncated")
    return raw.decode("ascii", errors="replace")


class LocalKeyEncryptionKey:
    """A 256-bit AES-GCM KEK held in process memory; the blob names it so rotation can tell."""

    __slots__ = ("_aead", "_key_id")

    def __init__(self, key: bytes, *, key_id: str | None = None) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"a key-encryption key is {KEY_BYTES} bytes, not {len(key)}")
        # A truncated hash of a random 256-bit key identifies it without weakening it.
        self._key_id = key_id or "kek_" + hashlib.sha256(key).hexdigest()[:16]
        encode_key_id(self._key_id)
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return f"LocalKeyEncryptionKey(key_id={self._key_id!r})"

    @classmethod
    def from_base64(cls, value: str, *, key_id: str | None = None) -> LocalKeyEncryptionKey:
        try:
            key = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValueError("the key-encryption key is not valid base64") from error
        return cls(key, key_id=key_id)

    @classmethod
    def from_file(cls, path: Path, *, key_id: str | None = None) -> LocalKeyEncryptionKey:
        return cls.from_base64(path.read_text(encoding="ascii"), key_id=key_id)

    @property
    def key_id(self) -> str:
        return self._key_id

    def wrap(self, key: bytes, *, context: bytes) -> bytes:
        header = self._header()
        nonce = os.urandom(NONCE_BYTES)
        return header + nonce + self._aead.encrypt(nonce, key, header + context)

    def unwrap(self, wrapped: bytes, *, context: bytes) -> bytes:
        if wrapped_key_id(wrapped) != self._key_id:
            raise KeyUnwrapFailed(
                f"the data key is wrapped by {wrapped_key_id(wrapped)!r}, not by {self._key_id!r}"
            )
        header = self._header()
        nonce = wrapped[len(header) : len(header) + NONCE_BYTES]
        body = wrapped[len(header) + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, header + context)
        except InvalidTag as error:
            raise KeyUnwrapFailed("the wrapped data key does not authenticate") from error

    def _header(self) -> bytes:
        raw = encode_key_id(self._key_id)
        return bytes([_WRAP_VERSION, len(raw)]) + raw


def generate_kek_base64() -> str:
    """A fresh KEK in the form `LocalKeyEncryptionKey.from_base64` reads, for provisioning."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii")
