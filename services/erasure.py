"""Erasure by crypto-shredding, done by an operator: the key destroyed and the act audited."""

from __future__ import annotations

from neo4j import Driver, ManagedTransaction

from graph import data_key_store as key_store
from protection.keyring import Keyring
from services import audit_events
from services.principal import Principal

# Why a field reads as unavailable once the retention schedule removed it (services/retention.py):
# said by every read path, which need not load the schedule to say it.
RETENTION_ERASED = "the content was erased under the retention schedule"


class UnknownScope(Exception):
    """No child, adult, household or data key has this id: nothing is erased."""


def erase_scope(
    driver: Driver, *, keyring: Keyring, audit_sink: audit_events.AuditSink, operator: Principal,
    scope_id: str, request_id: str, database: str,
) -> None:
    """Destroys the scope's data key and records who did it, in one transaction.

    An unknown id is refused rather than tombstoned, so a mistyped id cannot pass for an
    erasure in the record. The audit event names the scope only; the chain still verifies,
    because no event ever held the erased content.
    """

    def work(tx: ManagedTransaction) -> None:
        if not key_store.scope_known(tx, scope_id=scope_id):
            raise UnknownScope(f"no child, adult, household or data key has the id {scope_id!r}")
        keyring.shred(tx, scope_id)
        audit_events.record(
            audit_sink, tx, operator, action="keys.erased", targets=[scope_id], request_id=request_id
        )

    with driver.session(database=database) as session:
        session.execute_write(work)
