"""The audit trail services write to: one chained event per act, in the act's transaction.

Services should record the event as the last write of their transaction: the chain's head
lock is then held only from the append to the commit, which keeps concurrent acts fast.
Any failure here propagates, so the act is rolled back with it (fail closed).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from neo4j import Driver, ManagedTransaction

from graph import audit_chain as audit_store
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
from protection.export import append_checkpoint_log, export_lines, read_checkpoint_log, write_export

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
    """Appends events and signs a checkpoint every `checkpoint_every` events, on the next
    append once `checkpoint_seconds` have passed since this process last signed one, and
    whenever the caller asks for one with the event (`record(checkpoint=True)`).

    With `checkpoint_log`, every checkpoint is also appended to that file, outside the
    database, before the transaction that writes it commits: whoever can write the database
    cannot then remove a checkpoint and rewrite the events it covers without the file
    disagreeing. The price is that a transaction rolled back after its checkpoint was
    signed leaves a line the database never held.
    """

    def __init__(
        self,
        signing_key: Ed25519PrivateKey,
        *,
        checkpoint_every: int = 1000,
        checkpoint_seconds: float = 300.0,
        database: str = "neo4j",
        page_size: int = 5000,
        monotonic: Callable[[], float] = time.monotonic,
        checkpoint_log: Path | None = None,
    ) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be at least 1")
        self._signing_key = signing_key
        self._checkpoint_every = checkpoint_every
        self._checkpoint_seconds = checkpoint_seconds
        self._database = database
        self._page_size = page_size
        self._monotonic = monotonic
        self._checkpoint_log = checkpoint_log
        self._last_checkpoint = monotonic()
        self._timer_lock = threading.Lock()
        # The head this process last appended after: right whenever no other process or
        # rolled-back transaction came between, which saves the append a round trip. A wrong
        # guess costs a round trip and nothing else (see graph.audit_chain.append_event).
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
        checkpoint: bool = False,
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
        if checkpoint or self._checkpoint_due(event.seq):
            self._sign(tx, event.seq, event.hash)
        return event

    def seal(self, tx: ManagedTransaction) -> Checkpoint | None:
        """The checkpoint over the current head, signed now unless one already covers it;
        None for an empty chain. The head stays locked until `tx` ends. For an export's
        final checkpoint, and for a scheduled job that keeps a quiet chain covered."""
        head = audit_store.lock_head(tx)
        if head["seq"] == 0:
            return None
        latest = audit_store.latest_checkpoint(tx)
        if latest is not None and latest["seq"] == head["seq"] and latest["head_hash"] == head["hash"]:
            return Checkpoint.from_fields(latest)
        return self._sign(tx, head["seq"], head["hash"])

    def verify_online(self, driver: Driver) -> VerificationReport:
        """Verifies the chain in Neo4j with the same verifier as the offline tool.

        Events after the last checkpoint are normal in a live chain, so they do not fail
        the check; the report counts them (`uncovered_events`). With a checkpoint log the
        chain must also agree with every checkpoint in it, which catches checkpoints
        removed from the database together with the events they covered.
        """
        # Head and checkpoints are read before the events, so events appended meanwhile
        # only lengthen the chain and are never mistaken for a truncation.
        with driver.session(database=self._database) as session:
            head = session.execute_read(audit_store.read_head)
            checkpoints = self._checkpoints(driver)
            logged = (
                read_checkpoint_log(self._checkpoint_log)
                if self._checkpoint_log is not None and self._checkpoint_log.exists()
                else ()
            )
            expected = None if head is None else ChainHead(seq=head["seq"], hash=head["hash"])
            return verify_chain(
                self._events(driver), checkpoints, self.public_key, expected_head=expected,
                logged_checkpoints=logged,
            )

    def export(
        self, driver: Driver, stream: IO[str], *, through: Checkpoint | None = None
    ) -> int:
        """Writes the chain up to `through` as an offline-verifiable export; returns events
        written. Without `through` the head is sealed first, in a transaction of its own."""
        sealed = through if through is not None else self._seal_now(driver)
        return write_export(
            stream, self._events(driver, 0 if sealed is None else sealed.seq),
            self._checkpoints(driver, sealed), public_key_pem(self.public_key),
        )

    def export_lines(
        self, driver: Driver, *, through: Checkpoint | None = None
    ) -> Iterator[str]:
        """The same export as `export`, produced line by line for streaming."""
        sealed = through if through is not None else self._seal_now(driver)
        return export_lines(
            self._events(driver, 0 if sealed is None else sealed.seq),
            self._checkpoints(driver, sealed), public_key_pem(self.public_key),
        )

    def _seal_now(self, driver: Driver) -> Checkpoint | None:
        with driver.session(database=self._database) as session:
            return session.execute_write(self.seal)

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
        if self._checkpoint_log is not None:
            # Written while this transaction holds the head's lock, so the log's order is
            # the order checkpoints were signed in, across processes.
            append_checkpoint_log(self._checkpoint_log, checkpoint)
        with self._timer_lock:
            self._last_checkpoint = self._monotonic()
        return checkpoint

    def _checkpoints(
        self, driver: Driver, sealed: Checkpoint | None = None
    ) -> list[Checkpoint]:
        """Every checkpoint, or with `sealed` those signed no later than it.

        Checkpoints are chosen by when they were signed, not by seq: one signed after the
        export's own (by activity while it runs) would look like a removed tail, while one
        signed before it over a later seq than it covers is evidence of just that.
        """
        with driver.session(database=self._database) as session:
            rows = session.execute_read(audit_store.checkpoints)
        found = [Checkpoint.from_fields(row) for row in rows]
        return found if sealed is None else [c for c in found if c.at <= sealed.at]

    def _events(self, driver: Driver, last: int | None = None) -> Iterator[AuditEvent]:
        """Events in seq order, none past `last` when it is given: events appended while an
        export runs must not follow its final checkpoint."""
        after = 0
        with driver.session(database=self._database) as session:
            while True:
                page = session.execute_read(
                    _events_page, after_seq=after, limit=self._page_size
                )
                for row in page:
                    if last is not None and row["seq"] > last:
                        return
                    yield AuditEvent.from_fields(row)
                if len(page) < self._page_size:
                    return
                after = page[-1]["seq"]


def _events_page(
    tx: ManagedTransaction, *, after_seq: int, limit: int
) -> list[audit_store.AuditEventRow]:
    return audit_store.events_page(tx, after_seq=after_seq, limit=limit)
