"""Key material from configuration or, in development, made once: audit signing key, KEK."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from config.settings import Settings
from protection.chain import generate_signing_key, load_private_key_pem, private_key_pem
from protection.envelope_keys import LocalKeyEncryptionKey, generate_kek_base64
from protection.keyring import Keyring

_DEV_AUDIT_KEY = "audit-signing-key.pem"
_DEV_KEK = "key-encryption-key.b64"


def audit_signing_key(settings: Settings) -> Ed25519PrivateKey:
    if settings.audit_signing_key_file is not None:
        return load_private_key_pem(settings.audit_signing_key_file.read_bytes())
    if settings.is_production:
        raise RuntimeError("HUB_AUDIT_SIGNING_KEY_FILE must be set in production")
    path = settings.dev_keys_dir / _DEV_AUDIT_KEY
    _write_secret(path, private_key_pem(generate_signing_key()))
    return load_private_key_pem(path.read_bytes())


def key_encryption_key(settings: Settings) -> LocalKeyEncryptionKey:
    """The current KEK: HUB_KEK_BASE64, else HUB_KEK_FILE, else (development) a local file."""
    if settings.kek_base64 is not None:
        return LocalKeyEncryptionKey.from_base64(settings.kek_base64.get_secret_value())
    if settings.kek_file is not None:
        return LocalKeyEncryptionKey.from_file(settings.kek_file)
    if settings.is_production:
        raise RuntimeError("HUB_KEK_FILE or HUB_KEK_BASE64 must be set in production")
    path = settings.dev_keys_dir / _DEV_KEK
    if not path.exists():
        _write_secret(path, generate_kek_base64().encode("ascii"))
    return LocalKeyEncryptionKey.from_file(path)


def keyring(settings: Settings) -> Keyring:
    retired = [LocalKeyEncryptionKey.from_file(path) for path in settings.retired_kek_files]
    return Keyring(key_encryption_key(settings), retired_keks=retired)


def _write_secret(path: Path, content: bytes) -> None:
    # Created exclusively and owner-only: two processes racing make one key, not two.
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "wb") as secret_file:
        secret_file.write(content)
