"""Applies `migrations/V###__description.cypher` in order, as neo4j-migrations does.

Applied migrations form a chain of `__Neo4jMigration` nodes from a BASELINE node, linked
by `MIGRATED_TO`, each holding the file's checksum. A `__Neo4jMigrationsLock` node with a
unique name keeps two processes from applying at once.

The files ship inside the wheel as the data of the `migrations` package, so an installed
hub applies the migrations it was built with (`bundled`), wherever it is installed.
"""

from __future__ import annotations

import getpass
import hashlib
import importlib.resources
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import LiteralString, cast

from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import ConstraintError, Neo4jError

_FILE_NAME = re.compile(r"^V(?P<version>\d{3,})__(?P<description>[a-z0-9_]+)\.cypher$")
_STATEMENT_END = re.compile(r";[ \t]*(?:\r?\n|$)")
_LOCK_NAME = "hub"
_BUNDLED_PACKAGE = "migrations"

_ENSURE_LOCK_CONSTRAINT: LiteralString = """
CREATE CONSTRAINT neo4j_migrations_lock_name IF NOT EXISTS
FOR (l:__Neo4jMigrationsLock) REQUIRE l.name IS UNIQUE
"""
_TAKE_LOCK: LiteralString = """
CREATE (:__Neo4jMigrationsLock {name: $name, owner: $owner, locked_at: datetime()})
"""
_LOCK_HOLDER: LiteralString = """
MATCH (l:__Neo4jMigrationsLock {name: $name}) RETURN l.owner AS owner, toString(l.locked_at) AS since
"""
_RELEASE_LOCK: LiteralString = "MATCH (l:__Neo4jMigrationsLock {name: $name}) DELETE l"

_APPLIED: LiteralString = """
MATCH path = (:__Neo4jMigration {version: 'BASELINE'})-[:MIGRATED_TO*0..]->(m:__Neo4jMigration)
WHERE m.version <> 'BASELINE'
RETURN m.version AS version, m.description AS description, m.checksum AS checksum, m.source AS source
ORDER BY length(path)
"""
_RECORD: LiteralString = """
MERGE (baseline:__Neo4jMigration {version: 'BASELINE'})
WITH baseline
OPTIONAL MATCH (baseline)-[:MIGRATED_TO*]->(last:__Neo4jMigration)
WHERE NOT (last)-[:MIGRATED_TO]->()
WITH coalesce(last, baseline) AS tail
CREATE (tail)-[:MIGRATED_TO {at: datetime(), by: $by}]->(:__Neo4jMigration {
    version: $version, description: $description, checksum: $checksum, source: $source,
    type: 'CYPHER'
})
"""


class MigrationError(Exception):
    """A migration could not be applied; the message names the file and the reason."""


class MigrationChanged(MigrationError):
    pass


class MigrationLocked(MigrationError):
    pass


class MigrationFailed(MigrationError):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    version: str
    description: str
    source: str
    checksum: str
    statements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AppliedMigration:
    version: str
    description: str
    checksum: str
    source: str


def bundled() -> Path:
    """The folder of the migrations this hub was built with."""
    folder = importlib.resources.files(_BUNDLED_PACKAGE)
    if not isinstance(folder, Path):
        raise MigrationError("the hub's migrations must be installed as files, not inside an archive")
    return folder


def discover(folder: Path) -> list[Migration]:
    migrations: list[Migration] = []
    for path in sorted(folder.glob("*.cypher")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(
                f"{path.name}: a migration file must be named V###__snake_description.cypher"
            )
        text = path.read_text(encoding="utf-8")
        migrations.append(
            Migration(
                version=match["version"],
                description=match["description"].replace("_", " "),
                source=path.name,
                checksum=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                statements=split_statements(text),
            )
        )
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a version in {folder}")
    return sorted(migrations, key=lambda m: int(m.version))


def split_statements(text: str) -> tuple[str, ...]:
    without_comments = "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("//")
    )
    return tuple(s.strip() for s in _STATEMENT_END.split(without_comments) if s.strip())


def applied(driver: Driver, *, database: str) -> list[AppliedMigration]:
    records, _, _ = driver.execute_query(_APPLIED, database_=database)
    return [
        AppliedMigration(
            version=r["version"], description=r["description"], checksum=r["checksum"], source=r["source"]
        )
        for r in records
    ]


def migrate(driver: Driver, folder: Path, *, database: str) -> list[Migration]:
    """Applies pending migrations in order; returns those applied by this call."""
    available = discover(folder)
    owner = f"{getpass.getuser()}@{socket.gethostname()}"
    _take_lock(driver, database=database, owner=owner)
    try:
        to_apply = pending(available, applied(driver, database=database))
        for migration in to_apply:
            _apply(driver, migration, database=database, owner=owner)
        return to_apply
    finally:
        driver.execute_query(_RELEASE_LOCK, name=_LOCK_NAME, database_=database)


def break_lock(driver: Driver, *, database: str) -> None:
    """Clears a lock left by a process that died while migrating."""
    driver.execute_query(_RELEASE_LOCK, name=_LOCK_NAME, database_=database)


def pending(available: list[Migration], done: list[AppliedMigration]) -> list[Migration]:
    """What of `available` is still to apply; `MigrationChanged` when a file and its record disagree."""
    by_version = {m.version: m for m in available}
    for record in done:
        current = by_version.get(record.version)
        if current is None:
            raise MigrationChanged(
                f"{record.source} was applied (version {record.version}) but its file is missing"
            )
        if current.checksum != record.checksum:
            raise MigrationChanged(
                f"{current.source} was changed after it was applied: migrations are immutable, "
                "add a new V### file instead"
            )
    done_versions = {record.version for record in done}
    return [m for m in available if m.version not in done_versions]


def _take_lock(driver: Driver, *, database: str, owner: str) -> None:
    driver.execute_query(_ENSURE_LOCK_CONSTRAINT, database_=database)
    try:
        driver.execute_query(_TAKE_LOCK, name=_LOCK_NAME, owner=owner, database_=database)
    except ConstraintError as error:
        records, _, _ = driver.execute_query(_LOCK_HOLDER, name=_LOCK_NAME, database_=database)
        holder = f"{records[0]['owner']} since {records[0]['since']}" if records else "another process"
        raise MigrationLocked(
            f"migrations are locked by {holder}; if that process died, run `hub migrate --break-lock`"
        ) from error


def _run_statement(tx: ManagedTransaction, statement: str) -> None:
    # Migration files are part of the repository, never input, so their text is trusted Cypher.
    tx.run(cast(LiteralString, statement)).consume()


def _apply(driver: Driver, migration: Migration, *, database: str, owner: str) -> None:
    # Schema and data statements cannot share a transaction in Neo4j, so each runs alone;
    # schema statements use IF NOT EXISTS, which makes a retried file safe.
    with driver.session(database=database) as session:
        for number, statement in enumerate(migration.statements, start=1):
            try:
                session.execute_write(_run_statement, statement)
            except Neo4jError as error:
                first_line = statement.splitlines()[0]
                raise MigrationFailed(
                    f"{migration.source}: statement {number} failed ({error.code}): {first_line}"
                ) from error
        session.execute_write(
            _record, version=migration.version, description=migration.description,
            checksum=migration.checksum, source=migration.source, by=owner,
        )


def _record(tx: ManagedTransaction, /, **params: str) -> None:
    tx.run(_RECORD, params).consume()
