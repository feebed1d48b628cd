"""The audit chain's checkpoint signing key, from configuration or (in development) made once."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.settings import Settings
from protection.chain import generate_signing_key, load_private_key_pem, private_key_pem

_DEV_AUDIT_KEY = "audit-signing-key.pem"


def audit_signing_key(settings: Settings) -> Ed25519PrivateKey:
    if settings.audit_signing_key_file is not None:
        return load_private_key_pem(settings.audit_signing_key_file.read_bytes())
    if settings.is_production:
        raise RuntimeError("HUB_AUDIT_SIGNING_KEY_FILE must be set in production")
    path = settings.dev_keys_dir / _DEV_AUDIT_KEY
    if path.exists():
        return load_private_key_pem(path.read_bytes())
    settings.dev_keys_dir.mkdir(parents=True, exist_ok=True)
    key = generate_signing_key()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as key_file:
        key_file.write(private_key_pem(key))
    return key
