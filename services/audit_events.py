"""How services record what they did: one audit event in the transaction of the act itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from neo4j import ManagedTransaction

from services.principal import Principal

# Acts whose event is sealed by a signed checkpoint in the same transaction. An override
# decision is what an intruder would most want to rewrite (who approved, whether it was
# revoked), so it is not left, like other events, to wait for the next scheduled checkpoint.
CHECKPOINTED_ACTIONS = frozenset({"override.approved", "override.rejected", "override.revoked"})


class AuditSink(Protocol):
    def record(
        self,
        tx: ManagedTransaction,
        *,
        actor: str,
        agency: str,
        role: str,
        action: str,
        targets: Sequence[str],
        basis: str | None,
        override_id: str | None,
        request_id: str,
        checkpoint: bool,
    ) -> object: ...


def record(
    sink: AuditSink,
    tx: ManagedTransaction,
    principal: Principal,
    *,
    action: str,
    targets: Sequence[str],
    request_id: str,
    basis: str | None = None,
    override_id: str | None = None,
) -> None:
    """Appends the event; an exception here aborts the caller's transaction (fail closed)."""
    sink.record(
        tx,
        actor=principal.professional_id,
        agency=principal.agency_id,
        role=",".join(principal.roles),
        action=action,
        targets=list(targets),
        basis=basis,
        override_id=override_id,
        request_id=request_id,
        checkpoint=action in CHECKPOINTED_ACTIONS,
    )
