"""The `hub` commands as an operator meets them: one clear line when Neo4j cannot be reached,
within the connection timeout; a question before erasing; `hub check` after a restore.

The unreachable cases run `hub` in a process of its own, as an operator would, so what is
judged is exactly what reaches the terminal: no traceback, no page of retries.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver, ManagedTransaction
from typer.testing import CliRunner, Result

from config.settings import PROJECT_ROOT, Settings, get_settings
from devtools import demo_city, local_neo4j
from graph import data_key_store
from hub import cli
from protection.envelope_keys import generate_kek_base64
from tests.api.protected_hub import seed_encrypted

# Generous for a loaded machine; the point is seconds, not the minute of retries there was.
BOUND_SECONDS = 15.0
COMMANDS = (
    ("migrate",),
    ("policy", "status"),
    ("policy", "load"),
    ("keys", "erase", "person-001-06", "--yes"),
    ("audit", "export"),
    ("check",),
    ("import", "people", "council"),
    ("serve", "--migrate", "--wait", "0"),
)


def run(
    *arguments: str, neo4j_uri: str, tmp_path: Path, **variables: str
) -> tuple[subprocess.CompletedProcess[str], float]:
    environment = {
        "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HUB_NEO4J_URI": neo4j_uri,
        "HUB_NEO4J_PASSWORD": "not-the-password", "HUB_DEV_KEYS_DIR": str(tmp_path / "keys"),
        "HUB_NEO4J_CONNECTION_TIMEOUT_SECONDS": "2", **variables,
    }
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "-m", "hub.cli", *arguments], capture_output=True, text=True, cwd=PROJECT_ROOT,
        env=environment, timeout=120, check=False,
    )
    return finished, time.monotonic() - started


def run_hub_command(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, *arguments: str, input: str | None = None
) -> Result:
    """`hub ...` in this process against the test Neo4j, answering its questions with `input`."""
    for name, value in {
        "HUB_NEO4J_URI": settings.neo4j_uri, "HUB_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "HUB_DEV_KEYS_DIR": str(settings.dev_keys_dir),
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli.app, list(arguments), input=input)
    finally:
        get_settings.cache_clear()


@pytest.fixture(scope="module")
def silent_neo4j() -> Iterator[str]:
    """A port that accepts connections and never answers, as a hung Neo4j does."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        yield f"bolt://127.0.0.1:{silent.getsockname()[1]}"


class TestNeo4jUnreachable:
    @pytest.mark.parametrize("arguments", COMMANDS, ids=" ".join)
    def test_nothing_listening_is_one_line_naming_where_it_looked(
        self, arguments: tuple[str, ...], tmp_path: Path
    ) -> None:
        port = local_neo4j.free_port()

        finished, seconds = run(*arguments, neo4j_uri=f"bolt://127.0.0.1:{port}", tmp_path=tmp_path)

        assert finished.returncode == 1
        (line,) = finished.stderr.strip().splitlines()
        assert line.startswith(
            f"error: Neo4j at bolt://127.0.0.1:{port} is unreachable (ServiceUnavailable): "
            "start it, or check HUB_NEO4J_URI"
        )
        assert "Traceback" not in finished.stderr + finished.stdout
        assert seconds < BOUND_SECONDS

    @pytest.mark.parametrize("arguments", [("migrate",), ("check",)], ids=" ".join)
    def test_a_neo4j_that_never_answers_is_one_line_within_the_connection_timeout(
        self, arguments: tuple[str, ...], silent_neo4j: str, tmp_path: Path
    ) -> None:
        finished, seconds = run(*arguments, neo4j_uri=silent_neo4j, tmp_path=tmp_path)

        assert finished.returncode == 1
        (line,) = finished.stderr.strip().splitlines()
        assert line.startswith(f"error: Neo4j at {silent_neo4j} is unreachable")
        assert seconds < BOUND_SECONDS

    def test_a_refused_password_says_so(self, test_settings: Settings, tmp_path: Path) -> None:
        finished, _ = run("migrate", neo4j_uri=test_settings.neo4j_uri, tmp_path=tmp_path)

        assert finished.returncode == 1
        assert finished.stderr.strip().splitlines() == [
            f"error: Neo4j at {test_settings.neo4j_uri} refused the user or password "
            "(HUB_NEO4J_USER, HUB_NEO4J_PASSWORD)"
        ]

    def test_serve_migrate_waits_for_neo4j_then_gives_up_in_one_line(self, tmp_path: Path) -> None:
        port = local_neo4j.free_port()

        finished, seconds = run(
            "serve", "--migrate", "--wait", "5", neo4j_uri=f"bolt://127.0.0.1:{port}", tmp_path=tmp_path,
        )

        lines = finished.stderr.strip().splitlines()
        assert finished.returncode == 1
        assert lines[0].startswith(f"waiting: Neo4j at bolt://127.0.0.1:{port} is unreachable")
        assert lines[-1].endswith("(waited 5s)") and len(lines) == 2
        assert 5 <= seconds < 5 + BOUND_SECONDS


class TestConfiguration:
    def test_a_secret_file_that_cannot_be_read_is_one_line_naming_the_variable(self, tmp_path: Path) -> None:
        finished, _ = run(
            "migrate", neo4j_uri="bolt://127.0.0.1:9", tmp_path=tmp_path,
            HUB_METRICS_TOKEN_FILE=str(tmp_path / "absent"),
        )

        assert finished.returncode == 1
        assert finished.stderr.strip().splitlines() == [
            f"error: the configuration cannot be used: HUB_METRICS_TOKEN_FILE names {tmp_path / 'absent'}, "
            "which cannot be read (FileNotFoundError)"
        ]


def _data_key(tx: ManagedTransaction, scope_id: str) -> data_key_store.StoredDataKey | None:
    return data_key_store.get_data_key(tx, scope_id=scope_id)


def stored_key(driver: Driver, scope_id: str) -> data_key_store.StoredDataKey | None:
    with driver.session(database="neo4j") as session:
        return session.execute_read(_data_key, scope_id)


class TestErasingAsks:
    @pytest.fixture
    def seeded(self, graph_db: Driver, test_settings: Settings) -> Driver:
        seed_encrypted(graph_db, test_settings)
        return graph_db

    @pytest.mark.parametrize("answer", ["n\n", "\n", ""], ids=["no", "the default", "no answer at all"])
    def test_anything_but_yes_erases_nothing(
        self, seeded: Driver, test_settings: Settings, monkeypatch: pytest.MonkeyPatch, answer: str
    ) -> None:
        scope = demo_city.DEMO_FAMILY_CHILD_ID

        result = run_hub_command(monkeypatch, test_settings, "keys", "erase", scope, input=answer)

        assert result.exit_code == 1
        assert f"Erase everything encrypted for {scope}, for good? This cannot be undone [y/N]" in result.output
        assert "nothing was erased" in result.output
        key = stored_key(seeded, scope)
        assert key is not None and not key.destroyed

    def test_yes_erases(self, seeded: Driver, test_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
        scope = demo_city.DEMO_FAMILY_CHILD_ID

        result = run_hub_command(monkeypatch, test_settings, "keys", "erase", scope, input="y\n")

        assert result.exit_code == 0, result.output
        key = stored_key(seeded, scope)
        assert key is not None and key.destroyed

    def test_yes_on_the_command_line_asks_nothing(
        self, seeded: Driver, test_settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        scope = demo_city.DEMO_FAMILY_CHILD_ID

        result = run_hub_command(monkeypatch, test_settings, "keys", "erase", scope, "--yes")

        assert result.exit_code == 0, result.output
        assert "[y/N]" not in result.output
        key = stored_key(seeded, scope)
        assert key is not None and key.destroyed


class TestCheck:
    def test_a_graph_this_configuration_reads_passes(
        self, graph_db: Driver, test_settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        seed_encrypted(graph_db, test_settings)

        result = run_hub_command(monkeypatch, test_settings, "check")

        assert result.exit_code == 0, result.output
        assert "data keys:" in result.output and "audit chain:" in result.output and "verifies" in result.output

    def test_without_the_kek_the_keys_were_wrapped_with_it_fails_naming_what_to_restore(
        self, graph_db: Driver, test_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        seed_encrypted(graph_db, test_settings)
        other = tmp_path / "other.b64"
        other.write_text(generate_kek_base64())
        monkeypatch.setenv("HUB_KEK_FILE", str(other))

        result = run_hub_command(monkeypatch, test_settings, "check")

        assert result.exit_code == 1
        assert "data keys do not open with the configured KEKs" in result.output
        assert "restore the KEK kept with the dump" in result.output
