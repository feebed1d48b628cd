"""Field encryption at rest: AES-256-GCM, bound to the node and field it belongs to.

A ciphertext is `hub1:` + base64url(version | key-id length | key id | nonce | ciphertext+tag).
The associated data covers the header, the node id and the field name, so a value copied
onto another node or field, or re-labelled with another key id, fails authentication.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from protection.envelope_keys import NONCE_BYTES, DataKey, encode_key_id
from protection.errors import FieldTampered, MalformedCiphertext

PREFIX = "hub1:"
_VERSION = 1
_TAG_BYTES = 16


def _length_prefixed(value: str) -> bytes:
    raw = value.encode("utf-8")
    # Length prefixes keep ("a:b", "c") and ("a", "b:c") from authenticating as each other.
    return len(raw).to_bytes(4, "big") + raw


def _associated_data(header: bytes, node_id: str, field: str) -> bytes:
    return b"hub-field/v1" + header + _length_prefixed(node_id) + _length_prefixed(field)


def _header(key_id: str) -> bytes:
    raw = encode_key_id(key_id)
    return bytes([_VERSION, len(raw)]) + raw


def encrypt_field(data_key: DataKey, *, node_id: str, field: str, plaintext: str) -> str:
    header = _header(data_key.key_id)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(data_key.secret).encrypt(
        nonce, plaintext.encode("utf-8"), _associated_data(header, node_id, field)
    )
    return PREFIX + base64.urlsafe_b64encode(header + nonce + sealed).decode("ascii").rstrip("=")


def _decode(ciphertext: str) -> tuple[bytes, str, bytes, bytes]:
    if not ciphertext.startswith(PREFIX):
        raise MalformedCiphertext("not a hub1 field ciphertext")
    body = ciphertext[len(PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as error:
        raise MalformedCiphertext("the field ciphertext is not base64url") from error
    if len(raw) < 2 or raw[0] != _VERSION:
        raise MalformedCiphertext("unknown field ciphertext version")
    end_of_header = 2 + raw[1]
    if len(raw) < end_of_header + NONCE_BYTES + _TAG_BYTES:
        raise MalformedCiphertext("the field ciphertext is truncated")
    header = raw[:end_of_header]
    key_id = header[2:].decode("ascii", errors="replace")
    nonce = raw[end_of_header : end_of_header + NONCE_BYTES]
    return header, key_id, nonce, raw[end_of_header + NONCE_BYTES :]


def ciphertext_key_id(ciphertext: str) -> str:
    """The id of the data key a ciphertext was made with, readable without any key."""
    return _decode(ciphertext)[1]


def decrypt_field(data_key: DataKey, *, node_id: str, field: str, ciphertext: str) -> str:
    header, key_id, nonce, sealed = _decode(ciphertext)
    if key_id != data_key.key_id:
        raise FieldTampered(f"the field was encrypted with key {key_id!r}, not {data_key.key_id!r}")
    try:
        plaintext = AESGCM(data_key.secret).decrypt(
            nonce, sealed, _associated_data(header, node_id, field)
        )
    except InvalidTag as error:
        raise FieldTampered(
            f"the {field!r} value of node {node_id!r} does not authenticate: it was edited, "
            "moved from another node or field, or made with another key"
        ) from error
    return plaintext.decode("utf-8")
