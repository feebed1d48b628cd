"""Runs Neo4j Community on 127.0.0.1 without Docker.

Maven Central does not carry the server tarball, so the distribution is assembled from
the `org.neo4j:neo4j` artifact and its runtime dependencies (the same jars the tarball's
`lib/` holds) and started through Neo4j's own `CommunityEntryPoint`. The initial password
is set with Neo4j's own admin command before the first start, as the tarball does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

_ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
_ADMIN_ENTRY_POINT = "org.neo4j.server.startup.Neo4jAdminCommand"
_STOP_GRACE_SECONDS = 60.0
_JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-OmitStackTraceInFastThrow",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
)

_POM_TEMPLATE = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>hub.local</groupId>
  <artifactId>neo4j-community-distribution</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.neo4j</groupId>
      <artifactId>neo4j</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""


class Neo4jServerError(Exception):
    """A one-line, user-facing reason the local Neo4j could not be fetched or run."""


class ToolMissing(Neo4jServerError):
    pass


class PortInUse(Neo4jServerError):
    pass


class StartFailed(Neo4jServerError):
    pass


class AlreadyRunning(Neo4jServerError):
    pass


@dataclass(frozen=True, slots=True)
class ServerStatus:
    running: bool
    pid: int | None
    bolt_port: int
    home: Path

    def describe(self) -> str:
        if self.running:
            return f"running (pid {self.pid}) on bolt://127.0.0.1:{self.bolt_port}, home {self.home}"
        return f"stopped (home {self.home})"


def fetch_distribution(cache_dir: Path, version: str) -> Path:
    """Returns the folder of jars for `version`, fetching them through Maven once."""
    lib_dir = cache_dir / "dist" / version / "lib"
    complete_marker = lib_dir / ".complete"
    if complete_marker.exists():
        return lib_dir
    _require_tool("mvn", "Maven is needed to fetch Neo4j from Maven Central: install it (apt-get install maven)")
    _require_tool("java", "Java 17 or 21 is needed to run Neo4j: install it (apt-get install openjdk-17-jre-headless)")
    build_dir = cache_dir / "dist" / version
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / "pom.xml").write_text(_POM_TEMPLATE.format(version=version))
    staging = build_dir / "lib.partial"
    shutil.rmtree(staging, ignore_errors=True)
    log_path = build_dir / "maven.log"
    with log_path.open("w") as log:
        result = subprocess.run(
            [
                "mvn", "-B", "-q", "-f", str(build_dir / "pom.xml"),
                "dependency:copy-dependencies",
                f"-DoutputDirectory={staging}", "-DincludeScope=runtime",
            ],
            stdout=log, stderr=subprocess.STDOUT, check=False,
        )
    if result.returncode != 0:
        raise Neo4jServerError(f"fetching Neo4j {version} through Maven failed: see {log_path}")
    shutil.rmtree(lib_dir, ignore_errors=True)
    staging.rename(lib_dir)
    complete_marker.touch()
    return lib_dir


class LocalNeo4j:
    """One Neo4j instance: its conf, data, logs and pid file live under `home`."""

    def __init__(
        self,
        *,
        home: Path,
        lib_dir: Path,
        bolt_port: int,
        password: str,
        heap: str = "1g",
        pagecache: str = "512m",
    ) -> None:
        self.home = home
        self.lib_dir = lib_dir
        self.bolt_port = bolt_port
        self._password = password
        self._heap = heap
        self._pagecache = pagecache

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "neo4j.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "console.log"

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    def status(self) -> ServerStatus:
        pid = self._live_pid()
        return ServerStatus(running=pid is not None, pid=pid, bolt_port=self.bolt_port, home=self.home)

    def start(self, *, timeout_seconds: float = 120.0) -> ServerStatus:
        current = self.status()
        if current.running:
            raise AlreadyRunning(f"Neo4j is already {current.describe()}")
        if _port_taken(self.bolt_port):
            raise PortInUse(f"port {self.bolt_port} on 127.0.0.1 is taken by another process")
        self._write_config()
        self._set_initial_password_once()
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                [
                    "java", f"-Xms{self._heap}", f"-Xmx{self._heap}", *_JVM_FLAGS,
                    "-cp", f"{self.lib_dir}/*", _ENTRY_POINT,
                    f"--home-dir={self.home}", f"--config-dir={self.home / 'conf'}",
                ],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                # Its own process group, so stop() reaches the JVM and nothing outlives it.
                start_new_session=True,
            )
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.write_text(str(process.pid))
        self._wait_until_ready(process, timeout_seconds)
        return self.status()

    def stop(self) -> ServerStatus:
        pid = self._live_pid()
        if pid is not None:
            _signal_group(pid, signal.SIGTERM)
            deadline = time.monotonic() + _STOP_GRACE_SECONDS
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _alive(pid):
                _signal_group(pid, signal.SIGKILL)
                while _alive(pid):
                    time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return self.status()

    def _wait_until_ready(self, process: subprocess.Popen[bytes], timeout_seconds: float) -> None:
        deadline = time.monotonic() + timeout_seconds
        with GraphDatabase.driver(self.uri, auth=("neo4j", self._password)) as driver:
            while True:
                if process.poll() is not None:
                    self.pid_file.unlink(missing_ok=True)
                    raise StartFailed(
                        f"Neo4j exited with code {process.returncode} while starting: see {self.log_file}"
                    )
                try:
                    driver.verify_connectivity()
                    return
                except AuthError as error:
                    self.stop()
                    raise StartFailed(
                        f"Neo4j refused the configured password ({error.code}); its data folder "
                        f"{self.home / 'data'} was created with another one"
                    ) from error
                except (ServiceUnavailable, OSError):
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise StartFailed(
                        f"Neo4j did not answer on {self.uri} within {timeout_seconds:.0f}s: see {self.log_file}"
                    )
                time.sleep(0.25)

    def _write_config(self) -> None:
        conf_dir = self.home / "conf"
        conf_dir.mkdir(parents=True, exist_ok=True)
        for folder in ("data", "logs", "run", "import", "plugins"):
            (self.home / folder).mkdir(parents=True, exist_ok=True)
        (conf_dir / "neo4j.conf").write_text(
            "\n".join(
                [
                    "server.default_listen_address=127.0.0.1",
                    f"server.bolt.listen_address=127.0.0.1:{self.bolt_port}",
                    f"server.bolt.advertised_address=127.0.0.1:{self.bolt_port}",
                    "server.http.enabled=false",
                    "server.https.enabled=false",
                    "dbms.security.auth_enabled=true",
                    f"server.memory.heap.initial_size={self._heap}",
                    f"server.memory.heap.max_size={self._heap}",
                    f"server.memory.pagecache.size={self._pagecache}",
                    f"server.directories.data={self.home / 'data'}",
                    f"server.directories.logs={self.home / 'logs'}",
                    f"server.directories.run={self.home / 'run'}",
                    f"server.directories.import={self.home / 'import'}",
                    f"server.directories.plugins={self.home / 'plugins'}",
                    f"server.directories.lib={self.lib_dir}",
                    "db.tx_log.rotation.retention_policy=1 days",
                    "dbms.usage_report.enabled=false",
                    "",
                ]
            )
        )

    def admin(self, *arguments: str) -> int:
        """Runs `neo4j-admin <arguments>` on this instance's home and returns its exit status;
        its output goes to the instance's log. Commands that touch a database's files (dump,
        load) need the instance stopped."""
        self._write_config()
        # The admin command starts its own JVM from NEO4J_HOME/lib.
        lib_link = self.home / "lib"
        if not lib_link.exists():
            lib_link.symlink_to(self.lib_dir, target_is_directory=True)
        # The admin JVM needs the caller's PATH and JAVA_HOME: pass the environment through.
        environment = {
            **os.environ,  # noqa: TID251
            "NEO4J_HOME": str(self.home),
            "NEO4J_CONF": str(self.home / "conf"),
        }
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            result = subprocess.run(
                ["java", "-cp", f"{self.lib_dir}/*", _ADMIN_ENTRY_POINT, *arguments],
                env=environment, stdout=log, stderr=subprocess.STDOUT, check=False,
            )
        return result.returncode

    def _set_initial_password_once(self) -> None:
        if (self.home / "data" / "dbms" / "auth.ini").exists():
            return
        status = self.admin("dbms", "set-initial-password", self._password)
        if status != 0:
            raise StartFailed(f"setting Neo4j's initial password failed (exit {status}): see {self.log_file}")

    def _live_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _alive(pid) and _is_neo4j(pid) else None


def _require_tool(name: str, message: str) -> None:
    if shutil.which(name) is None:
        raise ToolMissing(message)


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie has exited but not been reaped by its parent: it is not running.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return True
    return state != "Z"


def _is_neo4j(pid: int) -> bool:
    try:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return True
    return _ENTRY_POINT.encode() in command_line


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)
