"""The access policy's revisions as the graph holds them, so every API process applies one.

Each loaded revision is kept (model.conf and policy.csv as text, who loaded it and when);
one `PolicyState` node names the revision in force. API processes read that name with the
caller's identity on every request and adopt a newer revision before deciding anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import LiteralString

from neo4j import ManagedTransaction

from graph.values import to_python

STORE_REVISION: LiteralString = """
MERGE (r:PolicyRevision {revision: $revision})
  ON CREATE SET r.model = $model, r.policy = $policy, r.first_loaded_at = datetime(),
                r.first_loaded_by = $loaded_by
MERGE (s:PolicyState {id: 'current'})
WITH r, s, s.revision AS previous
SET s.revision = $revision, s.loaded_at = datetime(), s.loaded_by = $loaded_by
CREATE (s)-[:LOADED {at: datetime(), by: $loaded_by, previous: previous}]->(r)
RETURN previous
"""

CURRENT_TEXTS: LiteralString = """
MATCH (s:PolicyState {id: 'current'})
MATCH (r:PolicyRevision {revision: s.revision})
RETURN r.revision AS revision, r.model AS model, r.policy AS policy,
       s.loaded_at AS loaded_at, s.loaded_by AS loaded_by
"""


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    revision: str
    model_text: bytes
    policy_text: bytes
    loaded_at: datetime
    loaded_by: str


def store_revision(
    tx: ManagedTransaction, *, revision: str, model_text: bytes, policy_text: bytes, loaded_by: str
) -> str | None:
    """Makes `revision` the one in force; returns the revision it replaced, if any."""
    record = tx.run(
        STORE_REVISION, revision=revision, model=model_text.decode("utf-8"),
        policy=policy_text.decode("utf-8"), loaded_by=loaded_by,
    ).single()
    return None if record is None else record["previous"]


def current_policy(tx: ManagedTransaction) -> StoredPolicy | None:
    record = tx.run(CURRENT_TEXTS).single()
    if record is None:
        return None
    return StoredPolicy(
        revision=record["revision"], model_text=record["model"].encode("utf-8"),
        policy_text=record["policy"].encode("utf-8"), loaded_at=to_python(record["loaded_at"]),
        loaded_by=record["loaded_by"],
    )
