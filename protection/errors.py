"""What can go wrong when protecting or reading protected data; none carries plaintext.

Names state the outcome (`ContentErased`), as the house style does for errors, hence the
N818 exemptions.
"""

from __future__ import annotations


class ProtectionError(Exception):
    pass


class MalformedCiphertext(ProtectionError):
    """The stored value is not a field ciphertext this version of the hub can read."""


class FieldTampered(ProtectionError):
    """The ciphertext does not authenticate for this key, node and field.

    AES-GCM cannot tell a wrong key from an edited or moved ciphertext, and neither should
    the caller: every case means the stored value must not be trusted.
    """


class ContentErased(ProtectionError):
    """The scope's data key was destroyed (crypto-shredding): the content is gone for good."""


class DataKeyMissing(ProtectionError):
    """No data key was ever stored for the scope, yet a ciphertext claims one."""


class KeyUnwrapFailed(ProtectionError):
    """A wrapped data key did not unwrap: the wrong key-encryption key, or an edited blob."""
