"""APOC Core in the benchmark Neo4j: `@neo4j/graphql` requires it (it formats DateTime fields
with `apoc.date.convertFormat`), so the peer can be run as its documentation says.

APOC is fetched through Maven like Neo4j itself (`devtools.local_neo4j.fetch_distribution`).
The tarball's launcher puts `plugins/*` on the JVM's class path besides scanning the folder
for procedures; the local runner starts Neo4j from one folder of jars, so the benchmark
instance gets a folder of its own: links to Neo4j's jars and APOC's, and APOC's jars again in
its plugins folder. The hub's queries use no APOC function, so its figures are unaffected.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import LiteralString

from neo4j import Driver

from devtools.local_neo4j import Neo4jServerError

# The newest release of the 5.26 line, which runs on every Neo4j 5.26.
APOC_VERSION = "5.26.19"

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>hub.bench</groupId>
  <artifactId>apoc-core</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.neo4j.procedure</groupId>
      <artifactId>apoc-core</artifactId>
      <version>{version}</version>
    </dependency>
    <dependency>
      <groupId>org.neo4j.procedure</groupId>
      <artifactId>apoc-common</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""

# "commons-lang3-3.12.0.jar" -> "commons-lang3"
_ARTIFACT = re.compile(r"^(?P<name>.+?)-\d[\w.]*\.jar$")

HAS_APOC: LiteralString = """
SHOW FUNCTIONS YIELD name WHERE name = 'apoc.date.convertFormat' RETURN count(*) > 0 AS present
"""


def _artifact(jar: Path) -> str:
    found = _ARTIFACT.match(jar.name)
    return found["name"] if found else jar.stem


def fetch(cache_dir: Path, neo4j_lib: Path, version: str = APOC_VERSION) -> list[Path]:
    """APOC's jars and those of its dependencies that Neo4j does not already ship, fetched once."""
    folder = cache_dir / "apoc" / version
    jars = folder / "jars"
    if (jars / ".complete").exists():
        return sorted(jars.glob("*.jar"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pom.xml").write_text(_POM.format(version=version))
    staging = folder / "jars.partial"
    shutil.rmtree(staging, ignore_errors=True)
    log_path = folder / "maven.log"
    with log_path.open("w") as log:
        result = subprocess.run(
            ["mvn", "-B", "-q", "-f", str(folder / "pom.xml"), "dependency:copy-dependencies",
             f"-DoutputDirectory={staging}", "-DincludeScope=runtime"],
            stdout=log, stderr=subprocess.STDOUT, check=False,
        )
    if result.returncode != 0:
        raise Neo4jServerError(f"fetching APOC {version} through Maven failed: see {log_path}")
    shipped = {_artifact(jar) for jar in neo4j_lib.glob("*.jar")}
    for jar in staging.glob("*.jar"):
        if _artifact(jar) in shipped:
            jar.unlink()
    shutil.rmtree(jars, ignore_errors=True)
    staging.rename(jars)
    (jars / ".complete").touch()
    return sorted(jars.glob("*.jar"))


def lib_with_apoc(neo4j_lib: Path, apoc_jars: list[Path]) -> Path:
    """A folder of links to Neo4j's jars and APOC's: the class path of the benchmark instance."""
    folder = neo4j_lib.parent / f"lib-with-apoc-{APOC_VERSION}"
    if (folder / ".complete").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for jar in [*neo4j_lib.glob("*.jar"), *apoc_jars]:
        (folder / jar.name).symlink_to(jar.resolve())
    (folder / ".complete").touch()
    return folder


def install_plugins(home: Path, apoc_jars: list[Path]) -> None:
    """APOC's jars in the instance's plugins folder, where Neo4j looks for procedures."""
    plugins = home / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    for jar in apoc_jars:
        target = plugins / jar.name
        if not target.exists():
            shutil.copyfile(jar, target)


def present(driver: Driver, *, database: str) -> bool:
    records, _, _ = driver.execute_query(HAS_APOC, database_=database)
    return bool(records[0]["present"])
