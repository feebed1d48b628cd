"""The `hub` command: one entry point for running, migrating, seeding and serving."""

from __future__ import annotations

import contextlib
import getpass
import importlib
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from neo4j import Driver
from rich.console import Console

from api.app import create_app
from api.graphql.schema import printed_schema
from api.identity import ensure_dev_keypair, mint_token
from api.logs import configure_logging
from config.settings import PROJECT_ROOT, Settings, get_settings
from graph import migrations, policy_store
from policies import MODEL_PATH, POLICY_PATH, Policy, PolicyError
from protection import verify as offline_verify
from protection.envelope_keys import LocalKeyEncryptionKey
from protection.keyring import rotate_kek
from services import audit_review, erasure
from services.composition import audit_trail, connect_driver
from services.key_material import key_encryption_key, keyring
from services.policy import load_policy
from services.principal import Principal

app = typer.Typer(help="The safeguarding information-sharing hub.", no_args_is_help=True)
policy_app = typer.Typer(help="The access policy in force (policies/model.conf, policies/policy.csv).",
                         no_args_is_help=True)
app.add_typer(policy_app, name="policy")
keys_app = typer.Typer(help="Field-encryption keys: rotate the key-encryption key, erase a scope.",
                       no_args_is_help=True)
app.add_typer(keys_app, name="keys")
audit_app = typer.Typer(help="The audit chain: export it, verify an export offline.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

console = Console(stderr=True)
DEVELOPMENT_PACKAGES = ("devtools", "benchmarks")
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


@contextlib.contextmanager
def _driver(settings: Settings) -> Iterator[Driver]:
    driver = connect_driver(settings)
    try:
        yield driver
    finally:
        driver.close()


@app.command()
def migrate(
    break_lock: Annotated[bool, typer.Option(help="Clear a lock left by a migrator that died.")] = False,
) -> None:
    """Apply pending migrations in order; refuse changed ones."""
    settings = get_settings()
    with _driver(settings) as driver:
        if break_lock:
            migrations.break_lock(driver, database=settings.neo4j_database)
        try:
            applied_now = migrations.migrate(driver, MIGRATIONS_DIR, database=settings.neo4j_database)
        except migrations.MigrationError as error:
            raise _fail(str(error)) from error
    if applied_now:
        for migration in applied_now:
            console.print(f"applied {migration.source}")
    else:
        console.print("nothing to apply: the graph is up to date")


@policy_app.command("load")
def policy_load(
    model: Annotated[Path, typer.Option(help="The Casbin model.")] = MODEL_PATH,
    rules: Annotated[Path, typer.Option("--policy", help="The policy lines.")] = POLICY_PATH,
    loaded_by: Annotated[str, typer.Option(help="Who is loading it, for the record.")] = "hub policy load",
) -> None:
    """Check the policy files and make them the revision every API process applies next."""
    settings = get_settings()
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
    settings = get_settings()
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
    settings = get_settings()
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
def serve() -> None:
    """Serve the API (Neo4j must be running and migrated)."""
    _serve(get_settings())


def _serve(settings: Settings) -> None:
    configure_logging(settings.log_level)
    console.print(f"API on http://{settings.api_host}:{settings.api_port} "
                  f"(GraphQL at /graphql, health at /health)")
    # No "server: uvicorn" banner: it would tell whoever probes which server to aim at.
    uvicorn.run(
        create_app(settings), host=settings.api_host, port=settings.api_port, log_config=None, server_header=False
    )


@keys_app.command("rotate")
def keys_rotate(
    new_kek_file: Annotated[Path, typer.Option(help="The new key-encryption key (base64 of 32 bytes).")],
) -> None:
    """Re-wrap every data key under a new key-encryption key; no field is re-encrypted."""
    settings = get_settings()
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
) -> None:
    """Crypto-shred a scope: its encrypted content becomes unreadable everywhere, for good."""
    settings = get_settings()
    operator_name = by or getpass.getuser()
    operator = Principal(
        professional_id=f"operator:{operator_name}", name=operator_name, agency_id="hub-operations",
        agency_kind="OPERATOR", team_id="hub-operations", team_service="OPERATIONS", roles=("operator",),
    )
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


@audit_app.command("export")
def audit_export(
    out: Annotated[Path | None, typer.Option(help="Write here rather than to standard output.")] = None,
    by: Annotated[str, typer.Option(help="Who is exporting, for the audit record.")] = "",
) -> None:
    """Export the chain, its signed checkpoints and the public key as JSON Lines.

    The export is itself recorded in the chain, and ends with a checkpoint signed now over
    that record, as an export over HTTP does.
    """
    settings = get_settings()
    trail = audit_trail(settings)
    operator_name = by or getpass.getuser()
    operator = Principal(
        professional_id=f"operator:{operator_name}", name=operator_name, agency_id="hub-operations",
        agency_kind="OPERATOR", team_id="hub-operations", team_service="OPERATIONS", roles=("operator",),
    )
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


def main() -> None:
    """The `hub` command; in a source checkout, with the development commands too."""
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
