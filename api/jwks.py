"""The identity provider's published keys (its JWKS), trusted for a bounded time.

- The set is read once and trusted for `lifetime_seconds`; after that it is read again before a
  token is verified with it, so a key the provider has removed is refused once the lifetime has
  passed.
- A token whose key id the set does not hold has it read again at once, so a rotated key is
  picked up on its first token, but no more than once every `refetch_seconds`: a flood of
  tokens with made-up key ids costs the provider one read per interval, and the tokens between
  are refused as naming an unknown key.
- A read that failed is not tried again within `refetch_seconds` either. While reads fail, a
  set past its lifetime is not used: the hub cannot know which of its keys were removed, so
  tokens are refused as "signing keys unavailable" until the provider answers again.

PyJWT's PyJWKClient has a lifespan and a cooldown, but counts the cooldown from every read (a
key rotated just after a scheduled read waits for it), keeps trying a failing provider on every
request, and holds its lock while a token's key is looked up; hence this small cache of its own,
which still reads each key with PyJWT's PyJWK.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx
import jwt

DEFAULT_LIFETIME_SECONDS = 300.0
DEFAULT_REFETCH_SECONDS = 10.0
DEFAULT_TIMEOUT_SECONDS = 10.0
# A provider publishes a handful of keys; anything far larger is not a key set to trust.
_MAX_JWKS_BYTES = 512 * 1024
_MAX_KEYS = 64


class KeysUnavailable(Exception):
    """The key set could not be read (or was read too recently to try again); for the server's log."""


class UnknownKeyId(Exception):
    """The key set, as last read, holds no signing key with this id."""


@dataclass(frozen=True, slots=True)
class _KeySet:
    keys: Mapping[str, object]
    read_at: float


class JwksCache:
    def __init__(
        self,
        url: str,
        *,
        lifetime_seconds: float = DEFAULT_LIFETIME_SECONDS,
        refetch_seconds: float = DEFAULT_REFETCH_SECONDS,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("a JWKS URL is http(s)")
        if lifetime_seconds <= 0 or refetch_seconds < 0:
            raise ValueError("a JWKS lifetime is positive and its refetch interval not negative")
        self.url = url
        self._lifetime = lifetime_seconds
        self._refetch = refetch_seconds
        self._timeout = timeout_seconds
        self._clock = clock
        # Held only to read the set: a token whose key is in a set still in date never waits.
        self._lock = threading.Lock()
        self._current: _KeySet | None = None
        self._refetched_at: float | None = None
        self._failed_at: float | None = None

    def key(self, kid: str) -> object:
        """The public key the provider publishes as `kid` (a `cryptography` key, unchecked for family)."""
        current = self._in_date()
        found = current.keys.get(kid)
        if found is not None:
            return found
        again = self._read_again(current)
        found = again.keys.get(kid) if again is not None else None
        if found is None:
            raise UnknownKeyId(kid)
        return found

    def _in_date(self) -> _KeySet:
        current = self._current
        if current is not None and self._clock() - current.read_at < self._lifetime:
            return current
        with self._lock:
            current = self._current
            if current is not None and self._clock() - current.read_at < self._lifetime:
                return current  # read by another request while this one waited
            self._refuse_retry_too_soon()
            return self._read()

    def _read_again(self, seen: _KeySet) -> _KeySet | None:
        """The set read again for a key id it did not hold, or None when that is not allowed yet."""
        with self._lock:
            current = self._current
            if current is not None and current is not seen:
                return current  # read again by another request while this one waited
            now = self._clock()
            if self._refetched_at is not None and now - self._refetched_at < self._refetch:
                return None
            if self._failed_at is not None and now - self._failed_at < self._refetch:
                return None
            self._refetched_at = now
            return self._read()

    def _refuse_retry_too_soon(self) -> None:
        if self._failed_at is not None and self._clock() - self._failed_at < self._refetch:
            raise KeysUnavailable(f"{self.url} failed less than {self._refetch:g}s ago")

    def _read(self) -> _KeySet:
        # Called with the lock held.
        try:
            keys = _signing_keys(self._fetch())
        except KeysUnavailable:
            self._failed_at = self._clock()
            raise
        self._current = _KeySet(keys, self._clock())
        self._failed_at = None
        return self._current

    def _fetch(self) -> object:
        body = bytearray()
        try:
            with (
                httpx.Client(timeout=self._timeout, follow_redirects=False) as http,
                http.stream("GET", self.url, headers={"accept": "application/json"}) as answer,
            ):
                answer.raise_for_status()
                for chunk in answer.iter_bytes():
                    body += chunk
                    if len(body) > _MAX_JWKS_BYTES:
                        raise KeysUnavailable(f"{self.url} answered with more than {_MAX_JWKS_BYTES} bytes")
            return json.loads(body)
        except (httpx.HTTPError, ValueError) as error:
            raise KeysUnavailable(f"{self.url} did not answer with a key set ({type(error).__name__})") from None


def _signing_keys(document: object) -> dict[str, object]:
    if not isinstance(document, dict):
        raise KeysUnavailable("the key set is not a JSON object")
    try:
        published = jwt.PyJWKSet.from_dict(document)
    except jwt.PyJWTError as error:
        raise KeysUnavailable(f"the key set holds no usable key ({type(error).__name__})") from None
    keys: dict[str, object] = {}
    for jwk in published.keys:
        # Keys for encryption are not for verifying tokens; a key without an id is never chosen.
        if jwk.public_key_use in ("sig", None) and jwk.key_id and jwk.key_id not in keys:
            keys[jwk.key_id] = jwk.key
        if len(keys) == _MAX_KEYS:
            break
    return keys
