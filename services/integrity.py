"""Whether the graph can be read with this configuration: after a restore, or a KEK rotation.

A dump restored without the key-encryption key its data keys were wrapped with holds
nothing anyone can read, and looks exactly like one that holds everything until a record is
opened. So this opens every live data key with the keyring the configuration gives, and
verifies the audit chain with the configured signing key's public half, the same verifier
`verifyAudit` and the offline tool use.
"""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import Driver, ManagedTransaction

from graph import data_key_store
from protection.audit_trail import AuditTrail
from protection.chain import VerificationReport
from protection.errors import ContentErased, DataKeyMissing, KeyUnwrapFailed
from protection.keyring import Keyring

# Enough to name which scopes to look at, not a list of every child.
_NAMED_AT_MOST = 5


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    data_keys: int
    # Scopes whose wrapped key the configured KEKs do not open (the first few of them).
    unreadable: int
    unreadable_scopes: tuple[str, ...]
    audit: VerificationReport

    @property
    def ok(self) -> bool:
        return self.unreadable == 0 and self.audit.ok


def _unopened(tx: ManagedTransaction, keyring: Keyring, after: str, page_size: int) -> tuple[list[str], list[str]]:
    page = data_key_store.list_live_data_keys(tx, after_scope_id=after, limit=page_size)
    failed: list[str] = []
    for stored in page:
        try:
            keyring.existing_data_key(tx, stored.scope_id)
        except (KeyUnwrapFailed, DataKeyMissing, ContentErased):
            failed.append(stored.scope_id)
    return [stored.scope_id for stored in page], failed


def check_integrity(
    driver: Driver, *, database: str, keyring: Keyring, trail: AuditTrail, page_size: int = 500
) -> IntegrityReport:
    checked = 0
    failed: list[str] = []
    after = ""
    with driver.session(database=database) as session:
        while True:
            scopes, unopened = session.execute_read(_unopened, keyring, after, page_size)
            if not scopes:
                break
            checked += len(scopes)
            failed += unopened
            after = scopes[-1]
    return IntegrityReport(
        data_keys=checked, unreadable=len(failed), unreadable_scopes=tuple(failed[:_NAMED_AT_MOST]),
        audit=trail.verify_online(driver),
    )
