"""`hub backup` and `hub restore` on the local Neo4j: backed up, wiped, restored, and every record
readable again with the audit chain verifying.

The Neo4j here is the test's own, since both commands stop it; the suite's shared one is never
disturbed. Each look at the graph uses a driver of its own, as a hub restarted after a restore
does: a driver that lived through it holds bookmarks of transactions the restored database
never had, and waits on them in vain.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, LiteralString

import pytest
from neo4j import Driver

from config.settings import Settings
from devtools import backup, demo_city, local_neo4j
from graph import migrations
from graph.driver import connect
from protection.envelope_keys import generate_kek_base64
from tests.api.protected_hub import NETWORK, approved_override, record_consent, running_hub, seed_encrypted

pytestmark = pytest.mark.slow

PASSWORD = "backup-test-password"
NODES: LiteralString = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS properties"
RELATIONSHIPS: LiteralString = """
MATCH (a)-[r]->(b)
RETURN type(r) AS type, properties(r) AS properties, properties(a) AS start, properties(b) AS end
"""
WIPE: LiteralString = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
COUNT: LiteralString = "MATCH (n) RETURN count(n) AS nodes"


def _canonical(value: Any) -> str:
    return repr(sorted(value.items())) if isinstance(value, dict) else repr(value)


@contextlib.contextmanager
def fresh(settings: Settings) -> Iterator[Driver]:
    with connect(settings.neo4j_uri, settings.neo4j_user, PASSWORD) as driver:
        yield driver


def snapshot(settings: Settings) -> tuple[list[str], list[str]]:
    """Every node and relationship with every property, in an order the store cannot change."""
    with fresh(settings) as driver:
        nodes, _, _ = driver.execute_query(NODES, database_="neo4j")
        relationships, _, _ = driver.execute_query(RELATIONSHIPS, database_="neo4j")
    return (
        sorted(f"{sorted(r['labels'])} {_canonical(r['properties'])}" for r in nodes),
        sorted(" ".join(_canonical(r[key]) for key in ("type", "properties", "start", "end")) for r in relationships),
    )


def readable_summaries(settings: Settings) -> dict[str, str | None]:
    """The demo family's records as a MASH social worker reads them, decrypted (under the override)."""
    with fresh(settings) as driver, running_hub(driver, settings) as hub:
        records = hub.graphql(demo_city.MASH_SOCIAL_WORKER_ID, NETWORK, childId=demo_city.DEMO_FAMILY_CHILD_ID)
    return {record["id"]: record["summary"] for record in records["familyNetwork"]["records"]}


@pytest.fixture(scope="module")
def local(neo4j_lib: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[local_neo4j.LocalNeo4j]:
    instance = local_neo4j.LocalNeo4j(
        home=tmp_path_factory.mktemp("backup-neo4j"), lib_dir=neo4j_lib, bolt_port=local_neo4j.free_port(),
        password=PASSWORD, heap="512m", pagecache="64m",
    )
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="module")
def settings(local: local_neo4j.LocalNeo4j, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        neo4j_uri=local.uri, neo4j_password=PASSWORD, neo4j_home=local.home,
        dev_keys_dir=tmp_path_factory.mktemp("backup-keys"), audit_checkpoint_every=5,
    )


@pytest.fixture(scope="module")
def seeded(local: local_neo4j.LocalNeo4j, settings: Settings) -> None:
    with fresh(settings) as driver:
        migrations.migrate(driver, migrations.bundled(), database="neo4j")
        seed_encrypted(driver, settings)
        with running_hub(driver, settings) as hub:
            record_consent(hub)
            approved_override(hub)


@pytest.fixture(scope="module")
def backed_up(
    local: local_neo4j.LocalNeo4j, settings: Settings, seeded: None, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    folder = tmp_path_factory.mktemp("backups") / "first"
    backup.backup(local, settings, folder)
    return folder


class TestBackupWipeRestore:
    def test_the_restored_graph_is_the_one_backed_up_every_record_readable_and_the_chain_verifying(
        self, local: local_neo4j.LocalNeo4j, settings: Settings, seeded: None, tmp_path: Path
    ) -> None:
        # Reading under an override is itself audited: read first, then take the graph's picture.
        summaries = readable_summaries(settings)
        before = snapshot(settings)
        folder = tmp_path / "backup"

        manifest = backup.backup(local, settings, folder)
        # What happens after the backup is lost by the restore: an audited act, then a wipe.
        with fresh(settings) as driver:
            with running_hub(driver, settings) as hub:
                approved_override(hub)
            with driver.session(database="neo4j") as session:
                session.run(WIPE).consume()
            assert driver.execute_query(COUNT, database_="neo4j").records[0]["nodes"] == 0
        restored = backup.restore(local, settings, folder)

        assert snapshot(settings) == before
        assert readable_summaries(settings) == summaries
        assert summaries and all(summary is not None for summary in summaries.values())
        assert restored.integrity.ok and restored.integrity.data_keys > 0
        assert restored.integrity.audit.events_checked == manifest.audit_head_seq > 0
        assert restored.audit_head_seq == manifest.audit_head_seq
        assert local.status().running

    def test_the_manifest_names_what_reading_the_dump_needs(self, backed_up: Path, settings: Settings) -> None:
        manifest = backup.Manifest.read(backed_up)

        assert (backed_up / manifest.dump).is_file()
        assert manifest.kek_id.startswith("kek_") and manifest.audit_public_key_pem.startswith("-----BEGIN PUBLIC KEY")
        assert manifest.migration == f"V{migrations.discover(migrations.bundled())[-1].version} " + (
            migrations.discover(migrations.bundled())[-1].description
        )
        # Ids and a public key: nothing a reader of the manifest could decrypt with.
        key_file = settings.dev_keys_dir / "key-encryption-key.b64"
        assert key_file.read_text().strip() not in (backed_up / backup.MANIFEST).read_text()


class TestRestoreRefusesWhatCouldNotBeRead:
    def test_without_the_dumps_kek_nothing_is_replaced(
        self, local: local_neo4j.LocalNeo4j, settings: Settings, backed_up: Path, tmp_path: Path
    ) -> None:
        other_kek = tmp_path / "other.b64"
        other_kek.write_text(generate_kek_base64())
        before = snapshot(settings)

        with pytest.raises(backup.BackupError, match="wrapped by KEK"):
            backup.restore(local, settings.model_copy(update={"kek_file": other_kek}), backed_up)

        assert local.status().running
        assert snapshot(settings) == before

    def test_a_dump_that_is_not_the_one_described_is_refused(
        self, local: local_neo4j.LocalNeo4j, settings: Settings, backed_up: Path, tmp_path: Path
    ) -> None:
        tampered = tmp_path / "tampered"
        tampered.mkdir()
        manifest = backup.Manifest.read(backed_up)
        (tampered / backup.MANIFEST).write_text((backed_up / backup.MANIFEST).read_text())
        (tampered / manifest.dump).write_bytes((backed_up / manifest.dump).read_bytes() + b"\0")

        with pytest.raises(backup.BackupError, match="SHA-256 differs"):
            backup.restore(local, settings, tampered)

        assert local.status().running

    def test_a_backup_never_overwrites_another(
        self, local: local_neo4j.LocalNeo4j, settings: Settings, backed_up: Path
    ) -> None:
        with pytest.raises(backup.BackupError, match="never overwrites"):
            backup.backup(local, settings, backed_up)
