from __future__ import annotations

import hashlib
import json
import threading
from itertools import pairwise
from typing import LiteralString

import pytest
from neo4j import Driver, ManagedTransaction

from graph import audit_chain

CREATE_CONTACT: LiteralString = "CREATE (:Contact {id: $id})"
COUNT_CONTACTS: LiteralString = "MATCH (c:Contact) RETURN count(c) AS n"
COUNT_EVENTS: LiteralString = "MATCH (e:AuditEvent) RETURN count(e) AS n"
WRITERS = 8
EVENTS = 2_000


class _RefusedError(Exception):
    pass


def _hash(fields: audit_chain.AuditEventFields) -> str:
    # The store is indifferent to how events are hashed; any stable function will do here.
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode("utf-8")).hexdigest()


def _append(tx: ManagedTransaction, request_id: str) -> audit_chain.AuditEventRow:
    return audit_chain.append_event(
        tx,
        actor="prof-1",
        agency="agency-police",
        role="police_mash_officer",
        action="read_record",
        targets=["record-1", "child-1"],
        basis="CONSENT",
        override_id=None,
        request_id=request_id,
        hasher=_hash,
    )


def _append_guessing(tx: ManagedTransaction, request_id: str,
                     guess: audit_chain.HeadRow | None) -> audit_chain.AuditEventRow:
    return audit_chain.append_event(
        tx, actor="p", agency="a", role="r", action="x", targets=[], basis=None, override_id=None,
        request_id=request_id, hasher=_hash, head_guess=guess,
    )


def _append_at(tx: ManagedTransaction, request_id: str, at: str) -> audit_chain.AuditEventRow:
    return audit_chain.append_event(
        tx,
        actor="p",
        agency="a",
        role="r",
        action="x",
        targets=[],
        basis=None,
        override_id=None,
        request_id=request_id,
        hasher=_hash,
        at=at,
    )


def _checkpoint_at(tx: ManagedTransaction, seq: int) -> None:
    audit_chain.append_checkpoint(
        tx,
        seq=seq,
        head_hash="h" * 64,
        at="2025-01-01T00:00:00.000000Z",
        key_id="ed25519:test",
        signature="sig",
    )


def _all_events(driver: Driver) -> list[audit_chain.AuditEventRow]:
    with driver.session(database="neo4j") as session:
        return session.execute_read(lambda tx: audit_chain.events_page(tx, after_seq=0, limit=EVENTS * 2))


def _count(driver: Driver, query: LiteralString) -> int:
    records, _, _ = driver.execute_query(query, database_="neo4j")
    count: int = records[0]["n"]
    return count


class TestConcurrentAppends:
    @pytest.mark.slow
    @pytest.mark.parametrize("guessing", [False, True], ids=["locking first", "guessing the head"])
    def test_eight_writers_make_one_unbroken_chain_without_gaps_or_repeats(
        self, graph_db: Driver, guessing: bool
    ) -> None:
        errors: list[BaseException] = []
        barrier = threading.Barrier(WRITERS)

        def writer(number: int) -> None:
            # A guessing writer assumes the head is its own last event: wrong whenever
            # another writer came between, which under this contention is most of the time.
            guess: audit_chain.HeadRow | None = None
            try:
                with graph_db.session(database="neo4j") as session:
                    barrier.wait()
                    for index in range(EVENTS // WRITERS):
                        row = session.execute_write(
                            _append_guessing, f"req-{number}-{index}", guess if guessing else None
                        )
                        guess = audit_chain.HeadRow(seq=row["seq"], hash=row["hash"])
            except BaseException as error:  # reported by the assertion below
                errors.append(error)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        events = _all_events(graph_db)
        assert [e["seq"] for e in events] == list(range(1, EVENTS + 1))
        assert events[0]["prev_hash"] == audit_chain.GENESIS_HASH
        for previous, event in pairwise(events):
            assert event["prev_hash"] == previous["hash"]
        for event in events:
            fields = {k: v for k, v in event.items() if k != "hash"}
            assert _hash(fields) == event["hash"]  # type: ignore[arg-type]
        assert len({e["request_id"] for e in events}) == EVENTS
        with graph_db.session(database="neo4j") as session:
            head = session.execute_read(audit_chain.read_head)
        assert head == {"seq": EVENTS, "hash": events[-1]["hash"]}


class TestHeadGuess:
    def test_a_right_guess_links_to_the_head(self, graph_db: Driver) -> None:
        with graph_db.session(database="neo4j") as session:
            first = session.execute_write(_append, "req-1")
            second = session.execute_write(
                _append_guessing, "req-2", audit_chain.HeadRow(seq=first["seq"], hash=first["hash"])
            )

        assert (second["seq"], second["prev_hash"]) == (2, first["hash"])

    def test_a_stale_guess_links_to_the_real_head_instead(self, graph_db: Driver) -> None:
        with graph_db.session(database="neo4j") as session:
            first = session.execute_write(_append, "req-1")
            latest = [session.execute_write(_append, f"req-{n}") for n in range(2, 4)][-1]
            appended = session.execute_write(
                _append_guessing, "req-4", audit_chain.HeadRow(seq=first["seq"], hash=first["hash"])
            )
            head = session.execute_read(audit_chain.read_head)

        assert (appended["seq"], appended["prev_hash"]) == (4, latest["hash"])
        assert appended["hash"] == _hash({k: v for k, v in appended.items() if k != "hash"})  # type: ignore[arg-type]
        assert head == {"seq": 4, "hash": appended["hash"]}
        assert _count(graph_db, COUNT_EVENTS) == 4

    def test_a_guess_from_a_rolled_back_append_is_corrected(self, graph_db: Driver) -> None:
        phantom: list[audit_chain.AuditEventRow] = []

        def rolled_back(tx: ManagedTransaction) -> None:
            phantom.append(_append(tx, "req-lost"))
            raise _RefusedError

        with graph_db.session(database="neo4j") as session:
            kept = session.execute_write(_append, "req-1")
            with pytest.raises(_RefusedError):
                session.execute_write(rolled_back)
            guess = audit_chain.HeadRow(seq=phantom[0]["seq"], hash=phantom[0]["hash"])
            appended = session.execute_write(_append_guessing, "req-2", guess)

        assert (appended["seq"], appended["prev_hash"]) == (2, kept["hash"])

    def test_a_guess_on_an_empty_chain_starts_it_at_the_genesis(self, graph_db: Driver) -> None:
        graph_db.execute_query("MATCH (h:AuditHead) DETACH DELETE h", database_="neo4j")

        with graph_db.session(database="neo4j") as session:
            first = session.execute_write(_append_guessing, "req-1", audit_chain.HeadRow(seq=7, hash="f" * 64))

        assert (first["seq"], first["prev_hash"]) == (1, audit_chain.GENESIS_HASH)


class TestFailClosed:
    def test_failure_after_the_append_leaves_neither_the_act_nor_the_event(
        self, graph_db: Driver
    ) -> None:
        def act(tx: ManagedTransaction) -> None:
            tx.run(CREATE_CONTACT, id="contact-1").consume()
            _append(tx, "req-1")
            raise _RefusedError

        with graph_db.session(database="neo4j") as session, pytest.raises(_RefusedError):
            session.execute_write(act)

        assert _count(graph_db, COUNT_CONTACTS) == 0
        assert _count(graph_db, COUNT_EVENTS) == 0

    def test_failing_audit_write_aborts_the_act(self, graph_db: Driver) -> None:
        def refuse(fields: audit_chain.AuditEventFields) -> str:
            raise _RefusedError

        def act(tx: ManagedTransaction) -> None:
            tx.run(CREATE_CONTACT, id="contact-1").consume()
            audit_chain.append_event(
                tx,
                actor="prof-1",
                agency="a",
                role="r",
                action="decide_contact",
                targets=["contact-1"],
                basis=None,
                override_id=None,
                request_id="req-1",
                hasher=refuse,
            )

        with graph_db.session(database="neo4j") as session, pytest.raises(_RefusedError):
            session.execute_write(act)

        assert _count(graph_db, COUNT_CONTACTS) == 0
        assert _count(graph_db, COUNT_EVENTS) == 0

    def test_rolled_back_append_does_not_consume_a_seq(self, graph_db: Driver) -> None:
        def failing(tx: ManagedTransaction) -> None:
            _append(tx, "req-lost")
            raise _RefusedError

        with graph_db.session(database="neo4j") as session:
            with pytest.raises(_RefusedError):
                session.execute_write(failing)
            kept = session.execute_write(_append, "req-kept")

        assert kept["seq"] == 1
        assert kept["prev_hash"] == audit_chain.GENESIS_HASH


class TestHead:
    def test_head_is_created_on_demand_at_the_genesis(self, graph_db: Driver) -> None:
        graph_db.execute_query("MATCH (h:AuditHead) DETACH DELETE h", database_="neo4j")

        with graph_db.session(database="neo4j") as session:
            first = session.execute_write(_append, "req-1")
            head = session.execute_read(audit_chain.read_head)

        assert (first["seq"], first["prev_hash"]) == (1, audit_chain.GENESIS_HASH)
        assert head == {"seq": 1, "hash": first["hash"]}

    def test_event_time_is_utc_iso_8601_and_follows_seq_order(self, graph_db: Driver) -> None:
        with graph_db.session(database="neo4j") as session:
            events = [session.execute_write(_append, f"req-{n}") for n in range(5)]

        times = [e["at"] for e in events]
        assert times == sorted(times)
        assert all(t.endswith("Z") and "T" in t for t in times)


class TestReads:
    def test_pages_by_seq_and_ranges_return_events_in_order(self, graph_db: Driver) -> None:
        with graph_db.session(database="neo4j") as session:
            for n in range(7):
                session.execute_write(_append, f"req-{n}")
            first_page = session.execute_read(
                lambda tx: audit_chain.events_page(tx, after_seq=0, limit=3)
            )
            second_page = session.execute_read(
                lambda tx: audit_chain.events_page(tx, after_seq=3, limit=3)
            )
            middle = session.execute_read(
                lambda tx: audit_chain.events_between(tx, first_seq=2, last_seq=4)
            )

        assert [e["seq"] for e in first_page] == [1, 2, 3]
        assert [e["seq"] for e in second_page] == [4, 5, 6]
        assert [e["seq"] for e in middle] == [2, 3, 4]
        assert first_page[0]["targets"] == ["record-1", "child-1"]
        assert first_page[0]["override_id"] is None

    def test_events_in_a_period_are_those_stamped_within_it(self, graph_db: Driver) -> None:
        with graph_db.session(database="neo4j") as session:
            for n, at in enumerate(("2025-01-01T09:00:00.000000Z", "2025-01-02T09:00:00.000000Z")):
                session.execute_write(_append_at, f"req-{n}", at)
            found = session.execute_read(
                lambda tx: audit_chain.events_in_period(
                    tx, from_at="2025-01-02T00:00:00Z", to_at="2025-01-03T00:00:00Z"
                )
            )

        assert [e["seq"] for e in found] == [2]

    def test_checkpoints_are_listed_by_seq_and_the_latest_is_found(self, graph_db: Driver) -> None:
        with graph_db.session(database="neo4j") as session:
            assert session.execute_read(audit_chain.latest_checkpoint) is None
            for seq in (20, 10):
                session.execute_write(_checkpoint_at, seq)
            listed = session.execute_read(audit_chain.checkpoints)
            latest = session.execute_read(audit_chain.latest_checkpoint)

        assert [c["seq"] for c in listed] == [10, 20]
        assert latest is not None and latest["seq"] == 20
