"""Wrapped data keys, one `DataKey` node per scope (a child or a household).

The graph only stores what it is given: `wrapped` is an opaque string made by the
protection layer, never usable without the key-encryption key held outside Neo4j.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString, TypedDict

from neo4j import ManagedTransaction, Record

_RETURN_KEY: LiteralString = """
RETURN k.scope_id AS scope_id, k.key_id AS key_id, k.wrapped AS wrapped,
       k.created_at AS created_at, k.destroyed_at AS destroyed_at
"""

# A DataKey node `k` as a map, for queries that return a scope's wrapped key alongside
# the fields it opens (read back with `stored_from_row`).
DATA_KEY_MAP: LiteralString = "k {.scope_id, .key_id, .wrapped, .created_at, .destroyed_at}"

GET_DATA_KEY: LiteralString = "MATCH (k:DataKey {scope_id: $scope_id})" + _RETURN_KEY

# MERGE on the unique scope_id makes two concurrent creators agree on one key: the loser
# waits on the constraint's lock and then matches the winner's node.
CREATE_DATA_KEY_IF_ABSENT: LiteralString = """
MERGE (k:DataKey {scope_id: $scope_id})
ON CREATE SET k.key_id = $key_id, k.wrapped = $wrapped, k.created_at = datetime()
""" + _RETURN_KEY

GET_DATA_KEYS: LiteralString = """
UNWIND $scope_ids AS scope_id
MATCH (k:DataKey {scope_id: scope_id})
""" + _RETURN_KEY

# The batch form of CREATE_DATA_KEY_IF_ABSENT: one round trip for every new scope of a batch.
CREATE_DATA_KEYS_IF_ABSENT: LiteralString = """
UNWIND $rows AS row
MERGE (k:DataKey {scope_id: row.scope_id})
ON CREATE SET k.key_id = row.key_id, k.wrapped = row.wrapped, k.created_at = datetime()
""" + _RETURN_KEY

LIST_LIVE_DATA_KEYS: LiteralString = """
MATCH (k:DataKey)
WHERE k.scope_id > $after_scope_id AND k.wrapped IS NOT NULL
""" + _RETURN_KEY + """
ORDER BY scope_id
LIMIT $limit
"""

# Compare-and-set: a key destroyed or re-wrapped since it was read is left alone.
REPLACE_WRAPPED: LiteralString = """
MATCH (k:DataKey {scope_id: $scope_id})
WHERE k.wrapped = $expected_wrapped
SET k.wrapped = $wrapped
RETURN count(k) AS replaced
"""

# Crypto-shredding keeps a tombstone so the scope can never silently get a fresh key and
# so an auditor can see when its content was erased.
DESTROY_DATA_KEY: LiteralString = """
MERGE (k:DataKey {scope_id: $scope_id})
REMOVE k.wrapped
SET k.destroyed_at = coalesce(k.destroyed_at, datetime())
""" + _RETURN_KEY


class NewDataKey(TypedDict):
    scope_id: str
    key_id: str
    wrapped: str


# A scope is a child, an adult or a household, or anything that already has a data key.
SCOPE_KNOWN: LiteralString = """
RETURN EXISTS { MATCH (:DataKey {scope_id: $scope_id}) }
    OR EXISTS { MATCH (:Person {id: $scope_id}) }
    OR EXISTS { MATCH (:Household {id: $scope_id}) } AS known
"""


@dataclass(frozen=True, slots=True)
class StoredDataKey:
    scope_id: str
    key_id: str | None
    wrapped: str | None
    created_at: datetime | None
    destroyed_at: datetime | None

    @property
    def destroyed(self) -> bool:
        return self.destroyed_at is not None


def _native(value: Any) -> datetime | None:
    if value is None:
        return None
    native: datetime = value.to_native()
    return native


def _stored(record: Record) -> StoredDataKey:
    return stored_from_row(dict(record))


def keys_by_scope(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The keys another query returned as DATA_KEY_MAP rows, by scope id."""
    return {row["scope_id"]: dict(row) for row in rows}


def stored_from_row(row: dict[str, Any]) -> StoredDataKey:
    """A key as another query returned it (a map of the DataKey's properties)."""
    return StoredDataKey(
        scope_id=row["scope_id"], key_id=row.get("key_id"), wrapped=row.get("wrapped"),
        created_at=_native(row.get("created_at")), destroyed_at=_native(row.get("destroyed_at")),
    )


def get_data_key(tx: ManagedTransaction, *, scope_id: str) -> StoredDataKey | None:
    record = tx.run(GET_DATA_KEY, scope_id=scope_id).single()
    return None if record is None else _stored(record)


def create_data_key_if_absent(
    tx: ManagedTransaction, *, scope_id: str, key_id: str, wrapped: str
) -> StoredDataKey:
    """Stores the key unless the scope has one already; returns whichever key the scope has."""
    record = tx.run(
        CREATE_DATA_KEY_IF_ABSENT, scope_id=scope_id, key_id=key_id, wrapped=wrapped
    ).single(strict=True)
    return _stored(record)


def get_data_keys(tx: ManagedTransaction, *, scope_ids: Sequence[str]) -> dict[str, StoredDataKey]:
    """The stored keys of those scopes that have one, by scope id."""
    return {
        stored.scope_id: stored
        for stored in map(_stored, tx.run(GET_DATA_KEYS, scope_ids=list(scope_ids)))
    }


def create_data_keys_if_absent(
    tx: ManagedTransaction, *, rows: Sequence[NewDataKey]
) -> dict[str, StoredDataKey]:
    """Stores each key unless its scope has one already; returns whichever key each scope has."""
    result = tx.run(CREATE_DATA_KEYS_IF_ABSENT, rows=[dict(row) for row in rows])
    return {stored.scope_id: stored for stored in map(_stored, result)}


def list_live_data_keys(
    tx: ManagedTransaction, *, after_scope_id: str = "", limit: int = 500
) -> list[StoredDataKey]:
    """Keys not destroyed, by scope id after `after_scope_id` (keyset paging for rotation)."""
    result = tx.run(LIST_LIVE_DATA_KEYS, after_scope_id=after_scope_id, limit=limit)
    return [_stored(record) for record in result]


def replace_wrapped(
    tx: ManagedTransaction, *, scope_id: str, expected_wrapped: str, wrapped: str
) -> bool:
    record = tx.run(
        REPLACE_WRAPPED, scope_id=scope_id, expected_wrapped=expected_wrapped, wrapped=wrapped
    ).single(strict=True)
    replaced: int = record["replaced"]
    return replaced == 1


def scope_known(tx: ManagedTransaction, *, scope_id: str) -> bool:
    known: bool = tx.run(SCOPE_KNOWN, scope_id=scope_id).single(strict=True)["known"]
    return known


def destroy_data_key(tx: ManagedTransaction, *, scope_id: str) -> StoredDataKey:
    return _stored(tx.run(DESTROY_DATA_KEY, scope_id=scope_id).single(strict=True))
