from __future__ import annotations

import base64
import threading
from pathlib import Path
from typing import Any, LiteralString

import pytest
from neo4j import Driver, ManagedTransaction

from graph import data_key_store as key_store
from protection.envelope_keys import DataKey, LocalKeyEncryptionKey, generate_kek_base64
from protection.errors import ContentErased, DataKeyMissing, FieldTampered, KeyUnwrapFailed
from protection.keyring import Keyring, rotate_kek

DATA_KEY_COUNT: LiteralString = "MATCH (k:DataKey {scope_id: $scope_id}) RETURN count(k) AS n"
DATA_KEY_PROPERTIES: LiteralString = (
    "MATCH (k:DataKey {scope_id: $scope_id}) RETURN properties(k) AS properties"
)
STORE_FIELD: LiteralString = "MERGE (r:AgencyRecord {id: $id}) SET r.summary = $summary"
READ_FIELD: LiteralString = "MATCH (r:AgencyRecord {id: $id}) RETURN r.summary AS summary"


def _kek(key_id: str) -> LocalKeyEncryptionKey:
    return LocalKeyEncryptionKey.from_base64(generate_kek_base64(), key_id=key_id)


def _write(driver: Driver, keyring: Keyring, *, scope_id: str, record_id: str, text: str) -> None:
    def work(tx: ManagedTransaction) -> None:
        sealed = keyring.encrypt(
            tx, scope_id=scope_id, node_id=record_id, field="summary", plaintext=text
        )
        tx.run(STORE_FIELD, id=record_id, summary=sealed).consume()

    with driver.session(database="neo4j") as session:
        session.execute_write(work)


def _read(driver: Driver, keyring: Keyring, *, scope_id: str, record_id: str) -> str:
    def work(tx: ManagedTransaction) -> str:
        sealed: str = tx.run(READ_FIELD, id=record_id).single(strict=True)["summary"]
        return keyring.decrypt(
            tx, scope_id=scope_id, node_id=record_id, field="summary", ciphertext=sealed
        )

    with driver.session(database="neo4j") as session:
        return session.execute_read(work)


def _stored(driver: Driver, scope_id: str) -> key_store.StoredDataKey:
    with driver.session(database="neo4j") as session:
        stored = session.execute_read(lambda tx: key_store.get_data_key(tx, scope_id=scope_id))
    assert stored is not None
    return stored


def _properties(driver: Driver, scope_id: str) -> dict[str, Any]:
    records, _, _ = driver.execute_query(DATA_KEY_PROPERTIES, scope_id=scope_id, database_="neo4j")
    properties: dict[str, Any] = records[0]["properties"]
    return properties


class TestKeyEncryptionKeyLoading:
    def test_base64_value_and_file_load_the_same_key(self, tmp_path: Path) -> None:
        value = generate_kek_base64()
        path = tmp_path / "kek.b64"
        path.write_text(value + "\n")
        from_value = LocalKeyEncryptionKey.from_base64(value)
        from_file = LocalKeyEncryptionKey.from_file(path)

        wrapped = from_value.wrap(b"k" * 32, context=b"scope")

        assert from_file.key_id == from_value.key_id
        assert from_file.unwrap(wrapped, context=b"scope") == b"k" * 32

    def test_key_of_the_wrong_length_or_encoding_is_refused(self) -> None:
        with pytest.raises(ValueError, match="32 bytes"):
            LocalKeyEncryptionKey.from_base64(base64.b64encode(b"short").decode())
        with pytest.raises(ValueError, match="base64"):
            LocalKeyEncryptionKey.from_base64("not base64!")

    def test_wrapped_key_names_its_kek_and_is_bound_to_its_scope(self) -> None:
        kek = _kek("kek-2025")
        wrapped = kek.wrap(b"k" * 32, context=b"child-1")

        assert b"kek-2025" in wrapped
        with pytest.raises(KeyUnwrapFailed):
            kek.unwrap(wrapped, context=b"child-2")
        assert "secret" not in repr(kek)


class TestDataKeyPerScope:
    def test_same_scope_gets_the_same_key_and_other_scopes_get_their_own(
        self, graph_db: Driver
    ) -> None:
        keyring = Keyring(_kek("kek-1"))
        with graph_db.session(database="neo4j") as session:
            first = session.execute_write(lambda tx: keyring.data_key_for(tx, "child-1"))
            again = session.execute_write(lambda tx: keyring.data_key_for(tx, "child-1"))
            other = session.execute_write(lambda tx: keyring.data_key_for(tx, "household-1"))

        assert again == first
        assert other.key_id != first.key_id
        assert other.secret != first.secret

    def test_racing_creators_of_one_scope_end_with_one_key(self, graph_db: Driver) -> None:
        keyring = Keyring(_kek("kek-1"))
        racers = 8
        barrier = threading.Barrier(racers)
        results: list[DataKey] = []
        errors: list[BaseException] = []

        def create(tx: ManagedTransaction) -> DataKey:
            return keyring.data_key_for(tx, "child-race")

        def racer() -> None:
            try:
                with graph_db.session(database="neo4j") as session:
                    barrier.wait()
                    results.append(session.execute_write(create))
            except BaseException as error:  # reported by the assertion below
                errors.append(error)

        threads = [threading.Thread(target=racer) for _ in range(racers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        assert len(results) == racers
        assert len({(key.key_id, key.secret) for key in results}) == 1
        records, _, _ = graph_db.execute_query(
            DATA_KEY_COUNT, scope_id="child-race", database_="neo4j"
        )
        assert records[0]["n"] == 1
        assert _stored(graph_db, "child-race").key_id == results[0].key_id

    def test_reading_a_scope_that_never_had_a_key_is_reported_not_created(
        self, graph_db: Driver
    ) -> None:
        keyring = Keyring(_kek("kek-1"))
        with graph_db.session(database="neo4j") as session, pytest.raises(DataKeyMissing):
            session.execute_read(lambda tx: keyring.existing_data_key(tx, "child-none"))

    def test_stored_node_holds_only_wrapped_material(self, graph_db: Driver) -> None:
        keyring = Keyring(_kek("kek-1"))
        with graph_db.session(database="neo4j") as session:
            key = session.execute_write(lambda tx: keyring.data_key_for(tx, "child-1"))
        properties = _properties(graph_db, "child-1")

        assert set(properties) == {"scope_id", "key_id", "wrapped", "created_at"}
        assert key.secret not in base64.urlsafe_b64decode(properties["wrapped"])


class TestKekRotation:
    def test_rotation_rewraps_every_key_and_old_data_stays_readable(self, graph_db: Driver) -> None:
        old_kek, new_kek = _kek("kek-old"), _kek("kek-new")
        before = Keyring(old_kek)
        texts = {f"child-{n}": f"concern about child {n}" for n in range(5)}
        for scope_id, text in texts.items():
            _write(graph_db, before, scope_id=scope_id, record_id=f"record-{scope_id}", text=text)
        stored_before = {scope_id: _stored(graph_db, scope_id) for scope_id in texts}
        ciphertexts_before = {
            scope_id: graph_db.execute_query(
                READ_FIELD, id=f"record-{scope_id}", database_="neo4j"
            ).records[0]["summary"]
            for scope_id in texts
        }

        rewrapped = rotate_kek(graph_db, old_kek, new_kek, page_size=2)

        assert rewrapped == len(texts)
        after = Keyring(new_kek)
        for scope_id, text in texts.items():
            assert _read(graph_db, after, scope_id=scope_id, record_id=f"record-{scope_id}") == text
            stored = _stored(graph_db, scope_id)
            assert stored.key_id == stored_before[scope_id].key_id
            assert stored.wrapped != stored_before[scope_id].wrapped
            summary = graph_db.execute_query(READ_FIELD, id=f"record-{scope_id}", database_="neo4j")
            assert summary.records[0]["summary"] == ciphertexts_before[scope_id]

    def test_old_kek_can_no_longer_unwrap_after_rotation(self, graph_db: Driver) -> None:
        old_kek, new_kek = _kek("kek-old"), _kek("kek-new")
        _write(graph_db, Keyring(old_kek), scope_id="child-1", record_id="record-1", text="secret")

        rotate_kek(graph_db, old_kek, new_kek)

        wrapped = base64.urlsafe_b64decode(_stored(graph_db, "child-1").wrapped or "")
        with pytest.raises(KeyUnwrapFailed):
            old_kek.unwrap(wrapped, context=b"hub-data-key/v1:child-1")
        with pytest.raises(KeyUnwrapFailed):
            _read(graph_db, Keyring(old_kek), scope_id="child-1", record_id="record-1")

    def test_rotation_run_again_changes_nothing(self, graph_db: Driver) -> None:
        old_kek, new_kek = _kek("kek-old"), _kek("kek-new")
        _write(graph_db, Keyring(old_kek), scope_id="child-1", record_id="record-1", text="secret")

        assert rotate_kek(graph_db, old_kek, new_kek) == 1
        assert rotate_kek(graph_db, old_kek, new_kek) == 0

    def test_keyring_holding_the_retired_kek_reads_during_rotation(self, graph_db: Driver) -> None:
        old_kek, new_kek = _kek("kek-old"), _kek("kek-new")
        _write(graph_db, Keyring(old_kek), scope_id="child-1", record_id="record-1", text="secret")

        during = Keyring(new_kek, retired_keks=[old_kek])

        assert _read(graph_db, during, scope_id="child-1", record_id="record-1") == "secret"


class TestShredding:
    def test_decrypting_a_shredded_scope_raises_content_erased(self, graph_db: Driver) -> None:
        keyring = Keyring(_kek("kek-1"))
        _write(graph_db, keyring, scope_id="child-1", record_id="record-1", text="secret")
        _write(graph_db, keyring, scope_id="child-2", record_id="record-2", text="kept")

        with graph_db.session(database="neo4j") as session:
            session.execute_write(lambda tx: keyring.shred(tx, "child-1"))

        with pytest.raises(ContentErased):
            _read(graph_db, keyring, scope_id="child-1", record_id="record-1")
        assert _read(graph_db, keyring, scope_id="child-2", record_id="record-2") == "kept"

    def test_shredded_scope_never_gets_a_fresh_key(self, graph_db: Driver) -> None:
        keyring = Keyring(_kek("kek-1"))
        _write(graph_db, keyring, scope_id="child-1", record_id="record-1", text="secret")
        with graph_db.session(database="neo4j") as session:
            session.execute_write(lambda tx: keyring.shred(tx, "child-1"))

        with pytest.raises(ContentErased):
            _write(graph_db, keyring, scope_id="child-1", record_id="record-9", text="new")

    def test_shredded_node_keeps_a_tombstone_without_key_material(self, graph_db: Driver) -> None:
        keyring = Keyring(_kek("kek-1"))
        _write(graph_db, keyring, scope_id="child-1", record_id="record-1", text="secret")

        with graph_db.session(database="neo4j") as session:
            session.execute_write(lambda tx: keyring.shred(tx, "child-1"))

        properties = _properties(graph_db, "child-1")
        assert set(properties) == {"scope_id", "key_id", "created_at", "destroyed_at"}
        assert "wrapped" not in properties
        assert rotate_kek(graph_db, _kek("kek-1"), _kek("kek-2")) == 0

    def test_ciphertext_from_a_shredded_scope_cannot_be_replayed_under_another(
        self, graph_db: Driver
    ) -> None:
        keyring = Keyring(_kek("kek-1"))
        _write(graph_db, keyring, scope_id="child-1", record_id="record-1", text="secret")
        _write(graph_db, keyring, scope_id="child-2", record_id="record-2", text="other")

        with pytest.raises(FieldTampered):
            _read(graph_db, keyring, scope_id="child-2", record_id="record-1")
