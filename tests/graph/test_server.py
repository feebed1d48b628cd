from __future__ import annotations

import socket
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from devtools import local_neo4j


def _instance(home: Path, lib: Path, port: int, heap: str = "512m") -> local_neo4j.LocalNeo4j:
    return local_neo4j.LocalNeo4j(
        home=home, lib_dir=lib, bolt_port=port, password="runner-test-password",
        heap=heap, pagecache="64m",
    )


@pytest.mark.slow
class TestLifecycle:
    def test_start_status_double_start_and_stop(self, neo4j_lib: Path, tmp_path: Path) -> None:
        instance = _instance(tmp_path / "neo4j", neo4j_lib, local_neo4j.free_port())

        started = instance.start(timeout_seconds=120)
        try:
            assert started.running and started.pid is not None
            with GraphDatabase.driver(instance.uri, auth=("neo4j", "runner-test-password")) as driver:
                records, _, _ = driver.execute_query("RETURN 1 AS one")
                assert records[0]["one"] == 1

            with pytest.raises(local_neo4j.AlreadyRunning, match=f"pid {started.pid}"):
                instance.start()
            assert instance.status() == started
        finally:
            stopped = instance.stop()

        assert not stopped.running
        assert not local_neo4j._alive(started.pid)
        assert not instance.pid_file.exists()

    def test_status_of_a_never_started_instance_is_stopped(self, neo4j_lib: Path, tmp_path: Path) -> None:
        status = _instance(tmp_path / "neo4j", neo4j_lib, local_neo4j.free_port()).status()

        assert not status.running and status.pid is None


class TestFailures:
    def test_taken_port_is_refused_before_anything_starts(self, neo4j_lib: Path, tmp_path: Path) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            port = holder.getsockname()[1]
            instance = _instance(tmp_path / "neo4j", neo4j_lib, port)

            with pytest.raises(local_neo4j.PortInUse, match=str(port)):
                instance.start()

        assert not instance.pid_file.exists()

    @pytest.mark.slow
    def test_a_server_that_dies_while_starting_names_its_log(self, neo4j_lib: Path, tmp_path: Path) -> None:
        instance = _instance(tmp_path / "neo4j", neo4j_lib, local_neo4j.free_port(), heap="not-a-size")

        with pytest.raises(local_neo4j.StartFailed, match=str(instance.log_file)):
            instance.start(timeout_seconds=60)

        assert not instance.status().running

    def test_missing_maven_is_named(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("PATH", str(tmp_path))

        with pytest.raises(local_neo4j.ToolMissing, match="Maven"):
            local_neo4j.fetch_distribution(tmp_path / "cache", "5.26.30")
