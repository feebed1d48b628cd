"""The wheel, installed as a council installs it: built from this tree, put into a fresh virtualenv
(not editable), it migrates the test Neo4j, serves until /readyz is ready, stops on SIGTERM, and
writes nothing inside its own site-packages.

The installed hub runs from a folder outside the source tree with nothing of it on its path, so
whatever it finds, it found in the wheel.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from neo4j import Driver

from config.settings import PROJECT_ROOT, Settings
from devtools import local_neo4j
from graph import migrations
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

READY_WITHIN_SECONDS = 120.0
STOPPED_WITHIN_SECONDS = 30.0
# What the wheel is built from: the source tree without this machine's caches and tools.
_LEFT_OUT = shutil.ignore_patterns(
    ".git", ".venv", ".cache", ".hub", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache",
    ".pytest_cache", ".hypothesis", "*.egg-info", "build", "dist", "tests", "benchmarks", "secrets",
)


def files_under(folder: Path) -> dict[str, int]:
    return {str(path.relative_to(folder)): path.stat().st_mtime_ns for path in folder.rglob("*")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel (and its pinned dependencies) installed in it."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(PROJECT_ROOT, source, ignore=_LEFT_OUT)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(work / "dist"), str(source)],
        check=True, timeout=600,
    )
    (wheel,) = (work / "dist").glob("safeguarding_hub-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)], check=True, timeout=1200)
    return venv


@pytest.fixture(scope="module")
def site_packages(installed: Path) -> Path:
    (found,) = (installed / "lib").glob("python3*/site-packages")
    return found


@pytest.fixture
def environment(test_settings: Settings, tmp_path: Path) -> dict[str, str]:
    # Nothing of this process's environment: no PYTHONPATH, no virtualenv of the source tree.
    return {
        "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "",
        "HUB_NEO4J_URI": test_settings.neo4j_uri, "HUB_NEO4J_PASSWORD": TEST_PASSWORD,
        "HUB_API_PORT": str(local_neo4j.free_port()),
    }


@pytest.fixture
def run_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    folder.mkdir()
    return folder


def hub(installed: Path, *arguments: str, environment: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(installed / "bin" / "hub"), *arguments], capture_output=True, text=True, env=environment, cwd=cwd,
        timeout=300, check=False,
    )


def ready(base: str) -> tuple[int, str]:
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=5) as answer:  # noqa: S310 (a URL made here)
                return answer.status, answer.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


class TestTheInstalledWheel:
    def test_it_ships_the_migrations_and_policy_files_and_not_the_development_tools(
        self, site_packages: Path
    ) -> None:
        shipped = {path.name for path in (site_packages / "migrations").glob("*.cypher")}

        assert shipped == {migration.source for migration in migrations.discover(migrations.bundled())}
        assert {"model.conf", "policy.csv"} <= {path.name for path in (site_packages / "policies").iterdir()}
        assert not (site_packages / "devtools").exists() and not (site_packages / "benchmarks").exists()

    def test_it_migrates_an_empty_graph_with_what_it_ships(
        self, installed: Path, environment: dict[str, str], run_folder: Path, empty_db: Driver
    ) -> None:
        first = hub(installed, "migrate", environment=environment, cwd=run_folder)
        again = hub(installed, "migrate", environment=environment, cwd=run_folder)

        assert first.returncode == 0, first.stderr
        assert [line.removeprefix("applied ") for line in first.stderr.splitlines()] == [
            migration.source for migration in migrations.discover(migrations.bundled())
        ]
        assert again.stderr.strip() == "nothing to apply: the graph is up to date"
        assert len(migrations.applied(empty_db, database="neo4j")) == len(migrations.discover(migrations.bundled()))

    def test_it_migrates_and_serves_until_ready_stops_on_sigterm_and_writes_nothing_beside_its_code(
        self, installed: Path, site_packages: Path, environment: dict[str, str], run_folder: Path, empty_db: Driver
    ) -> None:
        before = files_under(site_packages)
        base = f"http://127.0.0.1:{environment['HUB_API_PORT']}"
        server = subprocess.Popen(
            [str(installed / "bin" / "hub"), "serve", "--migrate"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env=environment, cwd=run_folder,
        )
        try:
            status, body = ready(base)
            with urllib.request.urlopen(f"{base}/livez", timeout=5) as alive:  # noqa: S310 (a URL made here)
                alive_status = alive.status
            server.send_signal(signal.SIGTERM)
            exit_status = server.wait(timeout=STOPPED_WITHIN_SECONDS)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
        output = server.stdout.read() if server.stdout is not None else ""

        assert status == 200 and '"status":"ok"' in body, body
        assert alive_status == 200
        # uvicorn finishes shutting down, then lets the signal it caught end the process, so a
        # supervisor sees the exit it asked for.
        assert exit_status in {0, -signal.SIGTERM}, output
        assert "Application shutdown complete." in output
        assert "Traceback" not in output
        assert files_under(site_packages) == before
        # Development keys, made once, under the folder it ran in.
        assert (run_folder / ".hub" / "keys").is_dir() and os.listdir(run_folder / ".hub" / "keys")
