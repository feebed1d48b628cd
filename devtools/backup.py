"""`hub backup` and `hub restore` for the local Neo4j: a dump of the stopped database, with a
manifest of what reading it needs.

Neo4j Community dumps and loads a database only while it is stopped (online backup is
Enterprise's), so both commands stop the local instance and start it again. They belong
with the local runner, not in the wheel: the dump is made where Neo4j's files are, which
for a council's deployment is Neo4j's own host or container, not the hub's. There the same
`neo4j-admin database dump|load` runs (README, "Backup and restore"), and the shipped
`hub check` proves the restored graph readable.

A dump alone reads as nothing: every summary, concern and justification in it is sealed
under data keys wrapped by the key-encryption key, which is never in Neo4j. The manifest
names that KEK (its id, never the key) and the audit signing key's public half, and a
restore refuses a dump the configured keys could not read.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from neo4j import Driver, ManagedTransaction

from config.settings import Settings
from devtools.local_neo4j import LocalNeo4j, Neo4jServerError
from graph import audit_chain, migrations, policy_store
from graph.driver import connect
from protection.chain import public_key_pem
from protection.envelope_keys import LocalKeyEncryptionKey
from services.composition import audit_trail
from services.integrity import IntegrityReport, check_integrity
from services.key_material import audit_signing_key, key_encryption_key, keyring

MANIFEST = "manifest.json"
_CHUNK = 1 << 20


class BackupError(Neo4jServerError):
    """A backup or restore could not be made; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Manifest:
    taken_at: str
    neo4j_version: str
    database: str
    dump: str
    dump_sha256: str
    migration: str | None
    policy_revision: str | None
    audit_head_seq: int
    audit_head_hash: str
    # The KEK new data keys were wrapped with, and the retired ones still configured: a
    # restore needs the KEK files with these ids, kept apart from the dump.
    kek_id: str
    retired_kek_ids: tuple[str, ...]
    audit_public_key_pem: str

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        try:
            fields = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            fields["retired_kek_ids"] = tuple(fields["retired_kek_ids"])
            return cls(**fields)
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise BackupError(f"{folder / MANIFEST} is missing or unreadable ({type(error).__name__})") from error


@dataclass(frozen=True, slots=True)
class _State:
    migration: str | None
    policy_revision: str | None
    audit_head: audit_chain.HeadRow


def _policy_and_head(tx: ManagedTransaction) -> tuple[str | None, audit_chain.HeadRow]:
    policy = policy_store.current_policy(tx)
    head = audit_chain.read_head(tx) or audit_chain.HeadRow(seq=0, hash=audit_chain.GENESIS_HASH)
    return (policy.revision if policy is not None else None), head


def _state(driver: Driver, database: str) -> _State:
    applied = migrations.applied(driver, database=database)
    with driver.session(database=database) as session:
        policy_revision, head = session.execute_read(_policy_and_head)
    latest = f"V{applied[-1].version} {applied[-1].description}" if applied else None
    return _State(migration=latest, policy_revision=policy_revision, audit_head=head)


def _retired_kek_ids(settings: Settings) -> set[str]:
    return {LocalKeyEncryptionKey.from_file(path).key_id for path in settings.retired_kek_files}


def _driver(local: LocalNeo4j, settings: Settings) -> Driver:
    return connect(local.uri, settings.neo4j_user, settings.neo4j_password.get_secret_value())


def backup(local: LocalNeo4j, settings: Settings, folder: Path) -> Manifest:
    """Dumps the database into `folder` (which must not exist) and writes its manifest beside it."""
    if folder.exists():
        raise BackupError(f"{folder} exists: a backup never overwrites another")
    kek = key_encryption_key(settings)
    was_running = local.status().running
    if not was_running:
        local.start(timeout_seconds=settings.neo4j_start_timeout_seconds)
    with _driver(local, settings) as driver:
        state = _state(driver, settings.neo4j_database)
    local.stop()
    try:
        folder.mkdir(parents=True)
        dump = folder / f"{settings.neo4j_database}.dump"
        status = local.admin("database", "dump", settings.neo4j_database, f"--to-path={folder}")
        if status != 0 or not dump.is_file():
            raise BackupError(f"neo4j-admin database dump failed (exit {status}): see {local.log_file}")
        manifest = Manifest(
            taken_at=datetime.now(UTC).isoformat(timespec="seconds"),
            neo4j_version=settings.neo4j_version, database=settings.neo4j_database, dump=dump.name,
            dump_sha256=_sha256(dump), migration=state.migration, policy_revision=state.policy_revision,
            audit_head_seq=state.audit_head["seq"], audit_head_hash=state.audit_head["hash"],
            kek_id=kek.key_id, retired_kek_ids=tuple(sorted(_retired_kek_ids(settings) - {kek.key_id})),
            audit_public_key_pem=public_key_pem(audit_signing_key(settings).public_key()).decode("ascii"),
        )
        manifest.write(folder)
        return manifest
    finally:
        if was_running:
            local.start(timeout_seconds=settings.neo4j_start_timeout_seconds)


@dataclass(frozen=True, slots=True)
class Restored:
    manifest: Manifest
    integrity: IntegrityReport
    audit_head_seq: int


def restore(local: LocalNeo4j, settings: Settings, folder: Path) -> Restored:
    """Replaces the database with the dump in `folder`, then proves it readable: every data key
    opens with the configured KEKs and the audit chain verifies up to the head the manifest names.

    Refused before anything is replaced when the dump is not the one the manifest describes,
    or when no configured KEK is the one its data keys were wrapped with.
    """
    manifest = Manifest.read(folder)
    dump = folder / manifest.dump
    if not dump.is_file() or _sha256(dump) != manifest.dump_sha256:
        raise BackupError(f"{dump} is missing or is not the dump its manifest describes (SHA-256 differs)")
    if manifest.kek_id not in {key_encryption_key(settings).key_id, *_retired_kek_ids(settings)}:
        raise BackupError(
            f"the dump's data keys are wrapped by KEK {manifest.kek_id}, which this configuration does not hold "
            "(HUB_KEK_FILE, HUB_RETIRED_KEK_FILES): restored without it, nothing encrypted could be read"
        )
    was_running = local.status().running
    local.stop()
    status = local.admin(
        "database", "load", manifest.database, f"--from-path={folder}", "--overwrite-destination=true",
    )
    if status != 0:
        raise BackupError(f"neo4j-admin database load failed (exit {status}): see {local.log_file}")
    local.start(timeout_seconds=settings.neo4j_start_timeout_seconds)
    try:
        with _driver(local, settings) as driver:
            state = _state(driver, manifest.database)
            integrity = check_integrity(
                driver, database=manifest.database, keyring=keyring(settings), trail=audit_trail(settings),
            )
    finally:
        if not was_running:
            local.stop()
    if (state.audit_head["seq"], state.audit_head["hash"]) != (manifest.audit_head_seq, manifest.audit_head_hash):
        raise BackupError(
            f"the restored audit head is seq {state.audit_head['seq']}, not the {manifest.audit_head_seq} "
            "the manifest recorded"
        )
    return Restored(manifest=manifest, integrity=integrity, audit_head_seq=state.audit_head["seq"])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
