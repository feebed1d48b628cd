"""The `hub` command: one entry point for running, migrating, seeding and serving."""

from __future__ import annotations

import contextlib
import getpass
import importlib
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
import uvicorn
from neo4j import Driver
from neo4j.exceptions import AuthError, DriverError, Neo4jError, TransientError
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from api.app import create_app
from api.auth import IdentityProviderUnusable
from api.graphql.schema import printed_schema
from api.identity import ensure_dev_keypair, mint_token
from api.logs import configure_logging
from config.settings import PROJECT_ROOT, SecretFileError, Settings, get_settings
from graph import migrations, policy_store
from hub import retention_report
from hub.disclosures_digest import DigestFormat, render
from hub.retention_report import ReportFormat
from policies import MODEL_PATH, POLICY_PATH, Policy, PolicyError
from policies.retention import RetentionError, load_schedule
from protection import verify as offline_verify
from protection.envelope_keys import LocalKeyEncryptionKey
from protection.keyring import rotate_kek
from services import audit_review, erasure, subject_access, workforce_import
from services.composition import audit_trail, connect_driver
from services.disclosures import DisclosureService, UnknownAgency
from services.integrity import check_integrity
from services.key_material import key_encryption_key, keyring
from services.policy import load_policy, policy_in_force
from services.principal import Principal
from services.retention import RetentionService

app = typer.Typer(help="The safeguarding information-sharing hub.", no_args_is_help=True)
policy_app = typer.Typer(help="The access policy in force (policies/model.conf, policies/policy.csv).",
                         no_args_is_help=True)
app.add_typer(policy_app, name="policy")
keys_app = typer.Typer(help="Field-encryption keys: rotate the key-encryption key, erase a scope.",
                       no_args_is_help=True)
app.add_typer(keys_app, name="keys")
audit_app = typer.Typer(help="The audit chain: export it, verify an export offline.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
import_app = typer.Typer(help="Bring a council's data in from files.", no_args_is_help=True)
app.add_typer(import_app, name="import")
disclosures_app = typer.Typer(help="Tell an agency who in other agencies read its records.", no_args_is_help=True)
app.add_typer(disclosures_app, name="disclosures")

# Never wrapped: a message is one line, however narrow the terminal or a log's reader.
console = Console(stderr=True, soft_wrap=True)
DEVELOPMENT_PACKAGES = ("devtools", "benchmarks")
# How often `hub serve --migrate` asks again while Neo4j starts or another replica migrates.
_WAIT_STEP_SECONDS = 2.0


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


def _settings() -> Settings:
    """The settings, or one line saying which setting is wrong (never its value)."""
    try:
        return get_settings()
    except SecretFileError as error:
        raise _fail(f"the configuration cannot be used: {error}") from error
    except ValidationError as error:
        problems = "; ".join(
            f"HUB_{'_'.join(str(part) for part in problem['loc']).upper()}: {problem['msg']}"
            for problem in error.errors()
        )
        raise _fail(f"the configuration cannot be used: {problems}") from error


class Neo4jUnreachable(Exception):
    """Neo4j did not answer, or refused the hub's credentials; the message says which, in one line."""


def _where(settings: Settings) -> str:
    parts = urlsplit(settings.neo4j_uri)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 7687}"


def _unreachable(settings: Settings, error: Exception) -> Neo4jUnreachable:
    if isinstance(error, AuthError):
        return Neo4jUnreachable(
            f"Neo4j at {_where(settings)} refused the user or password (HUB_NEO4J_USER, HUB_NEO4J_PASSWORD)"
        )
    if isinstance(error, DriverError | TransientError | OSError):
        return Neo4jUnreachable(
            f"Neo4j at {_where(settings)} is unreachable ({type(error).__name__}): start it, or check HUB_NEO4J_URI"
        )
    # By code alone: a message from Neo4j can quote a value the command sent.
    code = error.code if isinstance(error, Neo4jError) else type(error).__name__
    return Neo4jUnreachable(f"Neo4j at {_where(settings)} refused the command ({code})")


@contextlib.contextmanager
def _connected(settings: Settings) -> Iterator[Driver]:
    """A driver that has answered once, so an unreachable Neo4j is one line after the connection
    timeout (HUB_NEO4J_CONNECTION_TIMEOUT_SECONDS), not a minute of retries and a traceback."""
    driver = connect_driver(settings)
    try:
        driver.verify_connectivity()
        yield driver
    except (DriverError, Neo4jError, OSError) as error:
        raise _unreachable(settings, error) from error
    finally:
        driver.close()


@contextlib.contextmanager
def _driver(settings: Settings) -> Iterator[Driver]:
    try:
        with _connected(settings) as driver:
            yield driver
    except Neo4jUnreachable as error:
        raise _fail(str(error)) from error


@app.command()
def migrate(
    break_lock: Annotated[bool, typer.Option(help="Clear a lock left by a migrator that died.")] = False,
) -> None:
    """Apply pending migrations in order; refuse changed ones."""
    settings = _settings()
    with _driver(settings) as driver:
        if break_lock:
            migrations.break_lock(driver, database=settings.neo4j_database)
        try:
            applied_now = migrations.migrate(driver, migrations.bundled(), database=settings.neo4j_database)
        except migrations.MigrationError as error:
            raise _fail(str(error)) from error
    _report_applied(applied_now)


def _report_applied(applied_now: list[migrations.Migration]) -> None:
    if applied_now:
        for migration in applied_now:
            console.print(f"applied {migration.source}")
    else:
        console.print("nothing to apply: the graph is up to date")


def _migrate_when_ready(settings: Settings, *, wait_seconds: float) -> None:
    """Migrates once Neo4j answers and no other process holds the migration lock, waiting up to
    `wait_seconds` for either: replicas starting together take turns, and the last finds nothing
    to do. A lock older than the wait is a migrator that died, which `hub migrate --break-lock` clears."""
    deadline = time.monotonic() + wait_seconds
    waiting_for: str | None = None
    while True:
        try:
            with _connected(settings) as driver:
                applied_now = migrations.migrate(driver, migrations.bundled(), database=settings.neo4j_database)
            _report_applied(applied_now)
            return
        except (Neo4jUnreachable, migrations.MigrationLocked) as error:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _fail(f"{error} (waited {wait_seconds:g}s)") from error
            if waiting_for != type(error).__name__:
                waiting_for = type(error).__name__
                console.print(f"waiting: {error}")
            # The last step is shortened so "waited 5s" means five seconds, not five less a step.
            time.sleep(min(_WAIT_STEP_SECONDS, remaining))
        except migrations.MigrationError as error:
            raise _fail(str(error)) from error


@policy_app.command("load")
def policy_load(
    model: Annotated[Path, typer.Option(help="The Casbin model.")] = MODEL_PATH,
    rules: Annotated[Path, typer.Option("--policy", help="The policy lines.")] = POLICY_PATH,
    loaded_by: Annotated[str, typer.Option(help="Who is loading it, for the record.")] = "hub policy load",
) -> None:
    """Check the policy files and make them the revision every API process applies next."""
    settings = _settings()
    try:
        policy = Policy(model, rules)
    except (PolicyError, OSError) as error:
        raise _fail(f"the policy was not loaded: {error}") from error
    with _driver(settings) as driver:
        revision, previous = load_policy(driver, policy, database=settings.neo4j_database, loaded_by=loaded_by)
    if previous == revision:
        console.print(f"policy revision {revision[:12]} was already in force")
    else:
        console.print(f"policy revision {revision[:12]} in force (was {previous[:12] if previous else 'none'})")


@policy_app.command("status")
def policy_status() -> None:
    """Which revision is in force in the graph, and whether the files on disk match it."""
    settings = _settings()
    on_disk = Policy().revision
    with _driver(settings) as driver, driver.session(database=settings.neo4j_database) as session:
        stored = session.execute_read(policy_store.current_policy)
    if stored is None:
        console.print(f"no revision loaded into the graph; the files ({on_disk[:12]}) apply")
        return
    same = "matches" if stored.revision == on_disk else "differs from"
    console.print(f"revision {stored.revision[:12]} in force since {stored.loaded_at:%Y-%m-%d %H:%M} "
                  f"(loaded by {stored.loaded_by}); the files on disk {same} it")


@app.command()
def token(
    professional_id: Annotated[str, typer.Argument(help="A professional's id, e.g. pro-mash-sw-1.")],
    lifetime: Annotated[int, typer.Option(help="Seconds the token is valid.")] = 8 * 3600,
) -> None:
    """Mint a development bearer token for a professional (signed with the local dev key)."""
    settings = _settings()
    if settings.is_production:
        raise _fail("development tokens are not minted in production")
    private_pem, _ = ensure_dev_keypair(settings.dev_keys_dir)
    typer.echo(mint_token(
        private_pem, subject=professional_id, issuer=settings.jwt_issuer,
        audience=settings.jwt_audience, lifetime_seconds=lifetime,
    ))


@app.command()
def schema() -> None:
    """Print the GraphQL schema (SDL) as production serves it; `schema.graphql` is this output."""
    typer.echo(printed_schema(), nl=False)


@app.command()
def serve(
    migrate_first: Annotated[bool, typer.Option(
        "--migrate", help="Apply pending migrations first, waiting for Neo4j and other replicas (a container's start).",
    )] = False,
    wait: Annotated[float, typer.Option(
        help="With --migrate, how many seconds to wait for Neo4j to answer and for another process's migration.",
    )] = 120.0,
) -> None:
    """Serve the API, in this process (a container's PID 1, receiving its signals)."""
    settings = _settings()
    if migrate_first:
        _migrate_when_ready(settings, wait_seconds=wait)
    _serve(settings)


def _serve(settings: Settings) -> None:
    configure_logging(settings.log_level)
    try:
        application = create_app(settings)
    except IdentityProviderUnusable as error:
        raise _fail(escape(str(error))) from error
    console.print(f"API on http://{settings.api_host}:{settings.api_port} "
                  f"(GraphQL at /graphql, liveness at /livez, readiness at /readyz)")
    # No "server: uvicorn" banner: it would tell whoever probes which server to aim at.
    uvicorn.run(application, host=settings.api_host, port=settings.api_port, log_config=None, server_header=False)


@keys_app.command("rotate")
def keys_rotate(
    new_kek_file: Annotated[Path, typer.Option(help="The new key-encryption key (base64 of 32 bytes).")],
) -> None:
    """Re-wrap every data key under a new key-encryption key; no field is re-encrypted."""
    settings = _settings()
    try:
        new_kek = LocalKeyEncryptionKey.from_file(new_kek_file)
    except (OSError, ValueError) as error:
        raise _fail(f"the new key-encryption key cannot be read: {error}") from error
    old_kek = key_encryption_key(settings)
    if new_kek.key_id == old_kek.key_id:
        raise _fail("the new key-encryption key is the one in use")
    with _driver(settings) as driver:
        rewrapped = rotate_kek(driver, old_kek, new_kek, database=settings.neo4j_database)
    typer.echo(f"re-wrapped {rewrapped} data keys from {old_kek.key_id} to {new_kek.key_id}")
    console.print(f"now set HUB_KEK_FILE={new_kek_file} and list the old key in HUB_RETIRED_KEK_FILES "
                  "until every process has restarted")


@keys_app.command("erase")
def keys_erase(
    scope_id: Annotated[str, typer.Argument(help="A child's, adult's or household's id.")],
    by: Annotated[str, typer.Option(help="Who is erasing, for the audit record.")] = "",
    yes: Annotated[bool, typer.Option("--yes", help="Erase without asking, for a script that has already asked.")]
    = False,
) -> None:
    """Crypto-shred a scope: its encrypted content becomes unreadable everywhere, for good."""
    settings = _settings()
    try:
        confirmed = yes or typer.confirm(
            f"Erase everything encrypted for {scope_id}, for good? This cannot be undone", default=False,
        )
    except typer.Abort:
        # No answer (no terminal, or end of input) is not a yes.
        confirmed = False
    if not confirmed:
        raise _fail(f"nothing was erased; to erase {scope_id}, answer y or pass --yes")
    operator = _operator(by)
    with _driver(settings) as driver:
        trail = audit_trail(settings)
        try:
            erasure.erase_scope(
                driver, keyring=keyring(settings), audit_sink=trail, operator=operator,
                scope_id=scope_id, request_id=f"cli-{uuid.uuid4().hex}", database=settings.neo4j_database,
            )
        except erasure.UnknownScope as error:
            raise _fail(str(error)) from error
    typer.echo(f"erased {scope_id}: its data key is destroyed")


def _operator(by: str) -> Principal:
    """Who runs a command that changes the graph, as the audit chain records them."""
    name = by or getpass.getuser()
    return Principal(
        professional_id=f"operator:{name}", name=name, agency_id="hub-operations", agency_kind="OPERATOR",
        team_id="hub-operations", team_service="OPERATIONS", roles=("operator",),
    )


@app.command()
def retention(
    as_of: Annotated[str, typer.Option(
        "--as-of", metavar="DATE", help="What is due on this day (YYYY-MM-DD); today if not given.",
    )] = "",
    apply: Annotated[bool, typer.Option("--apply", help="Erase what is due; without it nothing changes.")] = False,
    by: Annotated[str, typer.Option(help="Who is erasing, for the audit record.")] = "",
    output: Annotated[ReportFormat, typer.Option("--format", help="text, or json for a script.")] = ReportFormat.TEXT,
) -> None:
    """Show what the retention schedule (policies/retention.csv) makes due; erase it with --apply.

    A child whose every record is due, and a family's workbook, are crypto-shredded (the data
    key destroyed); one contact or record due while its child's other records are kept has its
    content removed. Each erasure leaves a tombstone and a retention.erased audit event naming
    the rule and the schedule's revision. Running it again finds nothing more to erase.
    """
    settings = _settings()
    try:
        now = retention_report.as_of(as_of, apply=apply, now=retention_report.now())
    except retention_report.AsOfRefused as error:
        raise _fail(str(error)) from error
    try:
        schedule = load_schedule()
    except RetentionError as error:
        raise _fail(f"the retention schedule cannot be used, so nothing was erased: {error}") from error
    with _driver(settings) as driver:
        service = RetentionService(
            driver, database=settings.neo4j_database, policy=Policy(), audit_sink=audit_trail(settings),
            keyring=keyring(settings), schedule=schedule,
        )
        if not apply:
            typer.echo(retention_report.dry_run(service.due(now), as_of=now, revision=schedule.revision, form=output))
            return
        run = service.erase(now, _operator(by), request_id=f"cli-{uuid.uuid4().hex}")
    typer.echo(retention_report.applied(run, as_of=now, form=output))


@import_app.command("people")
def import_people(
    sources: Annotated[list[Path], typer.Argument(
        metavar="FOLDER-OR-FILES",
        help="A folder of CSV files, or the files themselves: agencies.csv, teams.csv, professionals.csv, "
             "allocations.csv (README: \"Bringing a council's people in\").",
    )],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would change, and write nothing.")] = False,
    by: Annotated[str, typer.Option(help="Who is importing, for the audit record.")] = "",
) -> None:
    """Import agencies, teams, professionals and allocations: all checked first, then written in one
    transaction with one audit event, or nothing written at all. Importing again changes nothing."""
    settings = _settings()
    operator = _operator(by)
    with _driver(settings) as driver:
        try:
            policy = policy_in_force(driver, database=settings.neo4j_database)
            outcome = workforce_import.import_people(
                driver, database=settings.neo4j_database,
                sources=workforce_import.read_sources(sources, policy), audit_sink=audit_trail(settings),
                operator=operator, request_id=f"cli-{uuid.uuid4().hex}", dry_run=dry_run,
            )
        except workforce_import.ImportRefused as error:
            for problem in error.problems:
                # Escaped: a problem quotes the file's own words, and "[external_id]" is not markup.
                console.print(f"[red]error:[/red] {escape(str(problem))}", highlight=False)
            raise typer.Exit(code=1) from error
        except PolicyError as error:
            raise _fail(f"the policy in force cannot be used, so no role can be checked: {error}") from error
        except Neo4jError as error:
            # By code alone: Neo4j's message can quote a value from the files.
            raise _fail(f"Neo4j refused the import ({error.code}): nothing was written") from error
    plan = outcome.plan
    if dry_run:
        typer.echo("dry run: nothing was written")
    elif outcome.written:
        typer.echo(f"imported, and recorded in the audit chain as by {operator.professional_id}")
    else:
        typer.echo("nothing to change: the hub already holds what the files say")
    for line in plan.counts(outcome.kinds):
        typer.echo(line)
    for change in plan.changes:
        typer.echo(str(change))


@app.command()
def check() -> None:
    """Check that this configuration reads the graph: every data key opens with the configured
    key-encryption keys and the audit chain verifies. Run it after a restore or a KEK rotation."""
    settings = _settings()
    with _driver(settings) as driver:
        report = check_integrity(
            driver, database=settings.neo4j_database, keyring=keyring(settings), trail=audit_trail(settings),
        )
    audit = report.audit
    console.print(f"data keys: {report.data_keys - report.unreadable} of {report.data_keys} open")
    console.print(f"audit chain: {audit.events_checked} events, sealed through seq {audit.sealed_through_seq}, "
                  f"{audit.uncovered_events} after; {'verifies' if audit.ok else 'BROKEN: ' + audit.reason}")
    if report.unreadable:
        raise _fail(
            f"{report.unreadable} data keys do not open with the configured KEKs (HUB_KEK_FILE, "
            f"HUB_RETIRED_KEK_FILES), e.g. {', '.join(report.unreadable_scopes)}: restore the KEK kept with the dump"
        )
    if not audit.ok:
        raise _fail(f"the audit chain does not verify from seq {audit.first_broken_seq}")


@audit_app.command("export")
def audit_export(
    out: Annotated[Path | None, typer.Option(help="Write here rather than to standard output.")] = None,
    by: Annotated[str, typer.Option(help="Who is exporting, for the audit record.")] = "",
) -> None:
    """Export the chain, its signed checkpoints and the public key as JSON Lines.

    The export is itself recorded in the chain, and ends with a checkpoint signed now over
    that record, as an export over HTTP does.
    """
    settings = _settings()
    trail = audit_trail(settings)
    operator = _operator(by)
    with _driver(settings) as driver:
        sealed = audit_review.record_export(
            driver, database=settings.neo4j_database, trail=trail, principal=operator,
            request_id=f"cli-{uuid.uuid4().hex}",
        )
        if out is None:
            written = trail.export(driver, sys.stdout, through=sealed)
        else:
            with out.open("w", encoding="utf-8", newline="\n") as stream:
                written = trail.export(driver, stream, through=sealed)
    console.print(f"exported {written} events, sealed by a checkpoint at seq {sealed.seq}")


@audit_app.command("verify")
def audit_verify(
    export_file: Annotated[Path, typer.Argument(help="An export from `hub audit export` or GET /audit/export.")],
    public_key: Annotated[Path, typer.Option(
        help="Required: the public key the hub published (GET /audit/public-key), obtained apart from the export."
    )],
    checkpoint_log: Annotated[Path | None, typer.Option(
        help="The hub's checkpoint log (HUB_AUDIT_CHECKPOINT_LOG) to compare the export with."
    )] = None,
) -> None:
    """Verify an export offline: no database and no hub configuration, only the public key.

    Passes only if every event is covered by a checkpoint signed with that key (an export
    ends with one over its last event). Exit status: 0 intact, 1 broken (the first broken
    seq is printed), 2 unreadable.
    """
    arguments = [str(export_file), "--public-key", str(public_key)]
    if checkpoint_log is not None:
        arguments += ["--checkpoint-log", str(checkpoint_log)]
    status = offline_verify.main(arguments)
    if status != offline_verify.OK:
        raise typer.Exit(code=status)


@disclosures_app.command("digest")
def disclosures_digest(
    agency: Annotated[str, typer.Option(help="The agency whose records' reads are told, e.g. agency-police.")],
    day: Annotated[str, typer.Option("--date", help="The UTC day, as YYYY-MM-DD; by default yesterday.")] = "",
    form: Annotated[DigestFormat, typer.Option("--format", help="Lines of text, or one JSON document.")]
    = DigestFormat.TEXT,
    by: Annotated[str, typer.Option(help="Who is producing it, for the audit record.")] = "",
) -> None:
    """Print one UTC day's reads of an agency's records by other agencies, on a consent, an override
    or break glass, to pipe into the agency's own mail: ids, times, bases and readers, never a
    child's name. Producing it is recorded in the audit chain."""
    settings = _settings()
    try:
        wanted = date.fromisoformat(day) if day else datetime.now(UTC).date() - timedelta(days=1)
    except ValueError as error:
        raise _fail("--date must be a day as YYYY-MM-DD, like 2026-11-30: no digest was produced") from error
    operator = _operator(by)
    with _driver(settings) as driver:
        # The operator holds no role, so no line of the policy opens a child's name to the digest.
        service = DisclosureService(
            driver, database=settings.neo4j_database, policy=Policy(), audit_sink=audit_trail(settings),
        )
        found = service.digest(operator, agency_id=agency, day=wanted, request_id=f"cli-{uuid.uuid4().hex}")
    if isinstance(found, UnknownAgency):
        raise _fail(f"no agency has the id {escape(repr(agency))}: no digest was produced")
    typer.echo(render(found, form), nl=False)


# A pack's files are named after the person: an id that could leave the folder is refused.
_FILE_NAME_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")


@app.command("subject-access")
def subject_access_pack(
    person_id: Annotated[str, typer.Argument(help="The child's or adult's id.")],
    out: Annotated[Path, typer.Option(help="The folder to write PERSON.json and PERSON.html into.")],
    by: Annotated[str, typer.Option(help="Who is producing it, for the audit record.")] = "",
    force: Annotated[bool, typer.Option("--force", help="Replace a pack already in the folder.")] = False,
) -> None:
    """Produce a subject access pack (UK GDPR Art. 15): everything the hub holds about one person,
    decrypted, and every disclosure of it, as JSON and as a page to read. Third parties'
    information is marked for the data protection officer's review, never removed. The
    production is recorded in the audit chain; the files are readable by their owner only."""
    settings = _settings()
    if not _FILE_NAME_ID.match(person_id):
        raise _fail(f"{escape(repr(person_id))} cannot name a file: no pack was produced")
    paths = (out / f"{person_id}.json", out / f"{person_id}.html")
    # A link would send case content wherever it points, even with --force: never written through.
    linked = [path for path in paths if path.is_symlink()]
    if linked:
        raise _fail(f"{escape(str(linked[0]))} is a link: a pack is never written through one; no pack was produced")
    existing = [path for path in paths if path.exists()]
    if existing and not force:
        raise _fail(f"{escape(str(existing[0]))} exists: pass --force to replace it; no pack was produced")
    operator = _operator(by)
    with _driver(settings) as driver:
        pack = subject_access.produce_pack(
            driver, database=settings.neo4j_database, keyring=keyring(settings), audit_sink=audit_trail(settings),
            producer=operator, person_id=person_id, request_id=f"cli-{uuid.uuid4().hex}",
        )
    if not isinstance(pack, subject_access.SubjectAccessPack):
        raise _fail(f"{pack.message} with the id {escape(repr(person_id))}: no pack was produced")
    out.mkdir(parents=True, exist_ok=True)
    for path, text in zip(paths, (pack.to_json(), pack.to_html()), strict=True):
        _write_private(path, text)
    typer.echo(f"wrote {paths[0]} and {paths[1]}: {pack.items_for_review} items for the DPO's review")
    console.print(f"recorded in the audit chain as produced by {escape(operator.professional_id)}")


def _write_private(path: Path, text: str) -> None:
    # Owner-only from the moment the file exists: the pack is case content in the clear.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)


def main() -> None:
    """The `hub` command; in a source checkout, with the development commands too."""
    # The driver logs each retry as a warning, which Python would print on the terminal
    # without a handler; a command reports its outcome in one line of its own instead.
    logging.getLogger("neo4j").addHandler(logging.NullHandler())
    # The development tools and benchmarks are not in the wheel: found only beside an editable
    # install's source tree, and then each adds its own commands.
    for package in DEVELOPMENT_PACKAGES:
        if (PROJECT_ROOT / package / "cli.py").is_file():
            if str(PROJECT_ROOT) not in sys.path:
                sys.path.append(str(PROJECT_ROOT))
            importlib.import_module(f"{package}.cli").add_commands(app)
    app()


if __name__ == "__main__":
    main()
