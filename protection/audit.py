"""The audit trail services write to: one chained event per act, in the act's transaction.

Services should record the event as the last write of their transaction: the chain's head
lock is then held only from the append to the commit, which keeps concurrent acts fast.
Any failure here propagates, so the act is rolled back with it (fail closed).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import IO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from neo4j import Driver, ManagedTransaction

from graph import audit as audit_store
from protection.chain import (
    AuditEvent,
    ChainHead,
    Checkpoint,
    VerificationReport,
    event_hash,
    public_key_pem,
    sign_checkpoint,
    verify_chain,
)
from protection.export import export_lines, write_export

# Ids, codes and role names fit well within this; free text (case content) would not.
_MAX_FIELD_LENGTH = 512


def _check_id(name: str, value: str | None, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not value or len(value) > _MAX_FIELD_LENGTH:
        raise ValueError(
            f"audit field {name} must be a non-empty id of at most {_MAX_FIELD_LENGTH} characters"
        )
    if not value.isprintable():
        raise ValueError(f"audit field {name} must be a single-line id")


class AuditTrail:
    """Appends events and signs a checkpoint every `checkpoint_every` events or, on the next
    append, once `checkpoint_seconds` have passed since this process last signed one."""

    def __init__(
        self,
        signing_key: Ed25519PrivateKey,
        *,
        checkpoint_every: int = 1000,
        checkpoint_seconds: float = 300.0,
        database: str = "neo4j",
        page_size: int = 5000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be at least 1")
        self._signing_key = signing_key
        self._checkpoint_every = checkpoint_every
        self._checkpoint_seconds = checkpoint_seconds
        self._database = database
        self._page_size = page_size
        self._monotonic = monotonic
        self._last_checkpoint = monotonic()
        self._timer_lock = threading.Lock()
        # The head this process last appended after: right whenever no other process or
        # rolled-back transaction came between, which saves the append a round trip. A wrong
        # guess costs a round trip and nothing else (see graph.audit.append_event).
        self._head_guess: audit_store.HeadRow | None = None

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._signing_key.public_key()

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
    ) -> AuditEvent:
        for name, value in (
            ("actor", actor), ("agency", agency), ("role", role), ("action", action),
            ("request_id", request_id),
        ):
            _check_id(name, value)
        _check_id("basis", basis, optional=True)
        _check_id("override_id", override_id, optional=True)
        for target in targets:
            _check_id("targets", target)
        row = audit_store.append_event(
            tx, actor=actor, agency=agency, role=role, action=action, targets=targets,
            basis=basis, override_id=override_id, request_id=request_id, hasher=event_hash,
            head_guess=self._head_guess,
        )
        self._head_guess = audit_store.HeadRow(seq=row["seq"], hash=row["hash"])
        event = AuditEvent.from_fields(row)
        if self._checkpoint_due(event.seq):
            self._sign(tx, event.seq, event.hash)
        return event

    def checkpoint_head(self, tx: ManagedTransaction) -> Checkpoint | None:
        """Signs the current head unless it is already signed; for a scheduled job."""
        head = audit_store.lock_head(tx)
        latest = audit_store.latest_checkpoint(tx)
        if head["seq"] == 0 or (latest is not None and latest["seq"] >= head["seq"]):
            return None
        return self._sign(tx, head["seq"], head["hash"])

    def verify_online(self, driver: Driver) -> VerificationReport:
        """Verifies the chain in Neo4j with the same verifier as the offline tool."""
        # Head and checkpoints are read before the events, so events appended meanwhile
        # only lengthen the chain and are never mistaken for a truncation.
        with driver.session(database=self._database) as session:
            head = session.execute_read(audit_store.read_head)
            checkpoints = self._checkpoints(driver)
            expected = None if head is None else ChainHead(seq=head["seq"], hash=head["hash"])
            return verify_chain(
                self._events(driver), checkpoints, self.public_key, expected_head=expected
            )

    def export(self, driver: Driver, stream: IO[str]) -> int:
        """Writes the whole chain as an offline-verifiable export; returns events written."""
        return write_export(
            stream, self._events(driver), self._checkpoints(driver), public_key_pem(self.public_key)
        )

    def export_lines(self, driver: Driver) -> Iterator[str]:
        """The same export as `export`, produced line by line for streaming."""
        return export_lines(
            self._events(driver), self._checkpoints(driver), public_key_pem(self.public_key)
        )

    def _checkpoint_due(self, seq: int) -> bool:
        if seq % self._checkpoint_every == 0:
            return True
        with self._timer_lock:
            return self._monotonic() - self._last_checkpoint >= self._checkpoint_seconds

    def _sign(self, tx: ManagedTransaction, seq: int, head_hash: str) -> Checkpoint:
        checkpoint = sign_checkpoint(
            self._signing_key, seq=seq, head_hash=head_hash, at=audit_store.utc_now()
        )
        audit_store.append_checkpoint(tx, **checkpoint.to_fields())
        with self._timer_lock:
            self._last_checkpoint = self._monotonic()
        return checkpoint

    def _checkpoints(self, driver: Driver) -> list[Checkpoint]:
        with driver.session(database=self._database) as session:
            rows = session.execute_read(audit_store.checkpoints)
        return [Checkpoint.from_fields(row) for row in rows]

    def _events(self, driver: Driver) -> Iterator[AuditEvent]:
        after = 0
        with driver.session(database=self._database) as session:
            while True:
                page = session.execute_read(
                    _events_page, after_seq=after, limit=self._page_size
                )
                for row in page:
                    yield AuditEvent.from_fields(row)
                if len(page) < self._page_size:
                    return
                after = page[-1]["seq"]


def _events_page(
    tx: ManagedTransaction, *, after_seq: int, limit: int
) -> list[audit_store.AuditEventRow]:
    return audit_store.events_page(tx, after_seq=after_seq, limit=limit)
