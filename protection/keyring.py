"""Data keys for services: fetched (or created) and unwrapped inside the caller's transaction.

Unwrapped keys are not cached across calls on purpose: a shred in any process must take
effect on the very next read in every other process.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from neo4j import Driver, ManagedTransaction

from graph import data_key_store as key_store
from protection.envelope_keys import DataKey, KeyEncryptionKey, generate_data_key, wrapped_key_id
from protection.errors import ContentErased, DataKeyMissing, KeyUnwrapFailed, ProtectionError
from protection.fields import ciphertext_key_id, decrypt_field, encrypt_field

log = logging.getLogger("hub.protection")

ERASED = "the content was erased: its data key was destroyed"
UNREADABLE = "the stored content failed its integrity check and is withheld"


@dataclass(frozen=True, slots=True)
class OpenedField:
    """A field as a reader gets it: the text, or None and why it cannot be shown."""

    text: str | None
    unavailable: str | None = None


@dataclass(frozen=True, slots=True)
class SealRequest:
    scope_id: str
    node_id: str
    field: str
    plaintext: str


def _context(scope_id: str) -> bytes:
    # Binds a wrapped key to its scope: a blob copied onto another scope's node won't unwrap.
    return b"hub-data-key/v1:" + scope_id.encode("utf-8")


def _encode(wrapped: bytes) -> str:
    return base64.urlsafe_b64encode(wrapped).decode("ascii")


def _decode(wrapped: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(wrapped)
    except (binascii.Error, ValueError) as error:
        raise KeyUnwrapFailed("the stored wrapped key is not base64url") from error


class ScopeReader:
    """One scope's data key, read when first needed and kept for the transaction that read it.

    Kept no longer than that, so a shred still takes effect on the next read (see above).
    """

    def __init__(self, load: Callable[[], DataKey]) -> None:
        self._load = load
        self._key: DataKey | None = None
        self._failure: ProtectionError | None = None

    def decrypt(self, *, node_id: str, field: str, ciphertext: str) -> str:
        # Parsing first means a malformed value is reported as such even for an erased scope.
        ciphertext_key_id(ciphertext)
        return decrypt_field(self._data_key(), node_id=node_id, field=field, ciphertext=ciphertext)

    def _data_key(self) -> DataKey:
        if self._failure is not None:
            raise self._failure
        if self._key is None:
            try:
                self._key = self._load()
            except (ContentErased, DataKeyMissing, KeyUnwrapFailed) as error:
                self._failure = error
                raise
        return self._key


class Keyring:
    """Wraps new data keys with `kek`; unwraps with `kek` or any of `retired_keks`.

    Retired KEKs let reads continue while `rotate_kek` is re-wrapping, and the KEK id in
    every wrapped blob picks the right one.
    """

    def __init__(
        self, kek: KeyEncryptionKey, *, retired_keks: Iterable[KeyEncryptionKey] = ()
    ) -> None:
        self._kek = kek
        self._keks = {k.key_id: k for k in retired_keks}
        self._keks[kek.key_id] = kek

    def data_key_for(self, tx: ManagedTransaction, scope_id: str) -> DataKey:
        """The scope's data key, created on first use; raises ContentErased once shredded."""
        stored = key_store.get_data_key(tx, scope_id=scope_id)
        if stored is None:
            fresh = generate_data_key()
            stored = key_store.create_data_key_if_absent(
                tx,
                scope_id=scope_id,
                key_id=fresh.key_id,
                wrapped=_encode(self._kek.wrap(fresh.secret, context=_context(scope_id))),
            )
            if stored.key_id == fresh.key_id and not stored.destroyed:
                return fresh
        return self._unwrap(stored)

    def existing_data_key(self, tx: ManagedTransaction, scope_id: str) -> DataKey:
        """The scope's data key for reading: never creates one."""
        stored = key_store.get_data_key(tx, scope_id=scope_id)
        if stored is None:
            raise DataKeyMissing(f"scope {scope_id!r} has no data key")
        return self._unwrap(stored)

    def encrypt(
        self, tx: ManagedTransaction, *, scope_id: str, node_id: str, field: str, plaintext: str
    ) -> str:
        return encrypt_field(
            self.data_key_for(tx, scope_id), node_id=node_id, field=field, plaintext=plaintext
        )

    def decrypt(
        self, tx: ManagedTransaction, *, scope_id: str, node_id: str, field: str, ciphertext: str
    ) -> str:
        return self.reader(tx, scope_id).decrypt(node_id=node_id, field=field, ciphertext=ciphertext)

    def reader(self, tx: ManagedTransaction, scope_id: str) -> ScopeReader:
        """Decrypts any number of one scope's fields in `tx` with one read of its data key."""
        return ScopeReader(lambda: self.existing_data_key(tx, scope_id))

    def open(
        self, tx: ManagedTransaction, *, scope_id: str, node_id: str, field: str, ciphertext: str | None
    ) -> OpenedField:
        """Decrypts for a reader: erased or untrustworthy content becomes None with a reason."""
        stored = key_store.get_data_key(tx, scope_id=scope_id) if ciphertext is not None else None
        return self.open_with(stored, node_id=node_id, field=field, ciphertext=ciphertext)

    def open_with(
        self, stored: key_store.StoredDataKey | None, *, node_id: str, field: str, ciphertext: str | None
    ) -> OpenedField:
        """As `open`, with the scope's stored key already read (by the query that read the field)."""
        if ciphertext is None:
            return OpenedField(text=None, unavailable="no content was recorded")
        try:
            ciphertext_key_id(ciphertext)
            if stored is None:
                raise DataKeyMissing("the scope has no data key")
            data_key = self._unwrap(stored)
            return OpenedField(text=decrypt_field(data_key, node_id=node_id, field=field, ciphertext=ciphertext))
        except ContentErased:
            return OpenedField(text=None, unavailable=ERASED)
        except ProtectionError as error:
            log.warning(
                "field withheld", extra={"node_id": node_id, "field": field, "problem": type(error).__name__}
            )
            return OpenedField(text=None, unavailable=UNREADABLE)

    def seal_many(self, tx: ManagedTransaction, requests: Sequence[SealRequest]) -> list[str | None]:
        """Encrypts many fields with one key lookup and one key creation for the whole batch.

        A field whose scope was erased gets None: erased content is never written again.
        """
        keys = self._data_keys_for(tx, sorted({r.scope_id for r in requests}))
        sealed: list[str | None] = []
        for request in requests:
            data_key = keys[request.scope_id]
            sealed.append(
                None
                if data_key is None
                else encrypt_field(
                    data_key, node_id=request.node_id, field=request.field, plaintext=request.plaintext
                )
            )
        return sealed

    def seal_summaries(self, tx: ManagedTransaction, rows: Sequence[Mapping[str, Any]]) -> list[str | None]:
        """Agency record summaries (rows with id, person_id, summary) for a batched write.

        A record's scope is the person it is about: the child for a child, and for an adult
        the adult, not a household. An adult may have lived in several households, so a
        household scope would be ambiguous and change when they move; and erasing one adult's
        records must not erase what is held about the others who live with them.
        """
        return self.seal_many(tx, [
            SealRequest(
                scope_id=row["person_id"], node_id=row["id"], field="summary", plaintext=row["summary"]
            )
            for row in rows
        ])

    def _data_keys_for(self, tx: ManagedTransaction, scope_ids: list[str]) -> dict[str, DataKey | None]:
        stored = key_store.get_data_keys(tx, scope_ids=scope_ids)
        fresh = {scope_id: generate_data_key() for scope_id in scope_ids if scope_id not in stored}
        if fresh:
            stored.update(key_store.create_data_keys_if_absent(tx, rows=[
                key_store.NewDataKey(
                    scope_id=scope_id, key_id=key.key_id,
                    wrapped=_encode(self._kek.wrap(key.secret, context=_context(scope_id))),
                )
                for scope_id, key in fresh.items()
            ]))
        keys: dict[str, DataKey | None] = {}
        for scope_id in scope_ids:
            found = stored[scope_id]
            made = fresh.get(scope_id)
            if found.destroyed:
                keys[scope_id] = None
            elif made is not None and found.key_id == made.key_id:
                keys[scope_id] = made
            else:
                keys[scope_id] = self._unwrap(found)
        return keys

    def shred(self, tx: ManagedTransaction, scope_id: str) -> None:
        """Destroys the scope's key material; its content becomes unreadable everywhere."""
        key_store.destroy_data_key(tx, scope_id=scope_id)

    def _unwrap(self, stored: key_store.StoredDataKey) -> DataKey:
        if stored.destroyed or stored.wrapped is None or stored.key_id is None:
            raise ContentErased(f"the content of scope {stored.scope_id!r} was erased")
        wrapped = _decode(stored.wrapped)
        kek = self._keks.get(wrapped_key_id(wrapped))
        if kek is None:
            raise KeyUnwrapFailed(
                f"scope {stored.scope_id!r} is wrapped by KEK {wrapped_key_id(wrapped)!r}, "
                "which this keyring does not hold"
            )
        secret = kek.unwrap(wrapped, context=_context(stored.scope_id))
        return DataKey(key_id=stored.key_id, secret=secret)


def rotate_kek(
    driver: Driver,
    old_kek: KeyEncryptionKey,
    new_kek: KeyEncryptionKey,
    *,
    database: str = "neo4j",
    page_size: int = 500,
) -> int:
    """Re-wraps every live data key from `old_kek` to `new_kek`; returns how many changed.

    Data keys themselves do not change, so no ciphertext is touched. Keys already under
    `new_kek` are skipped, which makes an interrupted rotation safe to run again.
    """
    rewrapped = 0
    after = ""
    with driver.session(database=database) as session:
        while True:
            page = session.execute_read(_live_page, after, page_size)
            if not page:
                return rewrapped
            rewrapped += session.execute_write(_rewrap_page, page, old_kek, new_kek)
            after = page[-1].scope_id


def _live_page(
    tx: ManagedTransaction, after_scope_id: str, limit: int
) -> list[key_store.StoredDataKey]:
    return key_store.list_live_data_keys(tx, after_scope_id=after_scope_id, limit=limit)


def _rewrap_page(
    tx: ManagedTransaction,
    page: list[key_store.StoredDataKey],
    old_kek: KeyEncryptionKey,
    new_kek: KeyEncryptionKey,
) -> int:
    changed = 0
    for stored in page:
        if stored.wrapped is None:
            continue
        wrapped = _decode(stored.wrapped)
        if wrapped_key_id(wrapped) == new_kek.key_id:
            continue
        context = _context(stored.scope_id)
        rewrapped = new_kek.wrap(old_kek.unwrap(wrapped, context=context), context=context)
        if key_store.replace_wrapped(
            tx,
            scope_id=stored.scope_id,
            expected_wrapped=stored.wrapped,
            wrapped=_encode(rewrapped),
        ):
            changed += 1
    return changed
