"""The peer: `@neo4j/graphql`, the generic GraphQL-over-Neo4j layer, asked the hub's question.

`hub bench run` starts two Node.js processes (`benchmarks/peer/server.mjs`, Apollo Server over
the library) against the benchmark Neo4j: one without authorization, and one whose type
definitions carry an `@authorization` filter keeping agency records to the caller's agency,
with a JWT (HS256, signed with a key made for the run) that names the agency. Both are asked
for what the hub's `familyNetwork(depth: 2)` returns: the child, everyone within two family
hops and in the child's households, their relationships, residences and allocations, and
the agency records about them with their agency.

Before anything is timed, every sampled network is checked: the peer without authorization
finds the people and records the hand-written Cypher finds, and the peer with it finds the
hub's people and, of the hub's records, exactly those the caller's agency holds.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, LiteralString

import jwt
from neo4j import Driver

from config.settings import Settings
from devtools.local_neo4j import free_port

PEER_DIR = Path(__file__).resolve().parent / "peer"
MINIMUM_NODE_MAJOR = 20

# The peer's spelling of FAMILY_NETWORK_QUERY (benchmarks/harness.py): the same people,
# relationships, residences, allocations and records, each as the library exposes it.
PEER_NETWORK_QUERY = """
query Network($childId: ID!) {
  people(where: { id: { eq: $childId } }) {
    id
    network {
      id givenName familyName dob child
      parentOfConnection { edges { properties { parentalResponsibility assertedBy assertedAt verified }
                                   node { id } } }
      siblingOfConnection { edges { properties { kind assertedBy assertedAt verified } node { id } } }
      partnerOfConnection { edges { properties { current assertedBy assertedAt verified } node { id } } }
      carerOfConnection { edges { properties { assertedBy assertedAt verified } node { id } } }
      relativeOfConnection { edges { properties { kind assertedBy assertedAt verified } node { id } } }
      householdsConnection { edges { properties { since until assertedBy assertedAt verified }
                                     node { id address postcode } } }
      allocatedProfessionalsConnection { edges { properties { role since }
                                                 node { id name team { id name service agency { id name } } } } }
      records { id category summary recordedAt classification agency { id name kind } }
    }
  }
}
"""

AGENCY_OF: LiteralString = """
MATCH (:Professional {id: $professional_id})-[:MEMBER_OF]->(:Team)-[:PART_OF]->(a:Agency)
RETURN a.id AS id
"""


class PeerError(RuntimeError):
    pass


def unavailable_reason() -> str | None:
    """Why the peer cannot run on this machine, or None when it can."""
    node = shutil.which("node")
    if node is None:
        return "Node.js is not installed: the @neo4j/graphql peer is skipped (install Node.js 20 or later)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    major = version.lstrip("v").split(".", 1)[0]
    if not major.isdigit() or int(major) < MINIMUM_NODE_MAJOR:
        return f"Node.js {version or '(unknown version)'} is too old for the peer: it needs 20 or later"
    if shutil.which("npm") is None and not _installed():
        return "npm is not installed, and the peer's packages are not: the @neo4j/graphql peer is skipped"
    return None


def _installed() -> bool:
    return (PEER_DIR / "node_modules" / "@neo4j" / "graphql" / "package.json").is_file()


def install() -> None:
    """The pinned packages of benchmarks/peer/package-lock.json, once."""
    if _installed():
        return
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER_DIR, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise PeerError(f"npm ci in {PEER_DIR} failed: {result.stderr.strip()[-500:]}")


def agency_of(driver: Driver, professional_id: str, *, database: str) -> str:
    records, _, _ = driver.execute_query(AGENCY_OF, professional_id=professional_id, database_=database)
    if not records:
        raise PeerError(f"no agency for {professional_id}")
    return str(records[0]["id"])


@dataclass
class PeerProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path


def _environment(settings: Settings, jwt_secret: str) -> dict[str, str]:
    return {
        **os.environ,  # noqa: TID251 (the child process needs PATH and the like)
        "NODE_ENV": "production",
        "PEER_NEO4J_URI": settings.neo4j_uri,
        "PEER_NEO4J_USER": settings.neo4j_user,
        "PEER_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "PEER_NEO4J_DATABASE": settings.neo4j_database,
        "PEER_JWT_SECRET": jwt_secret,
    }


@contextmanager
def peer_process(
    settings: Settings, *, authorization: bool, jwt_secret: str, folder: Path, timeout_seconds: float = 90.0,
) -> Iterator[PeerProcess]:
    name = "peer-authorization" if authorization else "peer-open"
    port = free_port()
    log_path = folder / f"{name}.log"
    command = ["node", str(PEER_DIR / "server.mjs"), "--port", str(port)]
    if authorization:
        command.append("--authorization")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=_environment(settings, jwt_secret), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=PEER_DIR,
        )
    peer = PeerProcess(name, port, process, log_path)
    try:
        _wait_until_answering(peer, timeout_seconds)
        yield peer
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_answering(peer: PeerProcess, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if peer.process.poll() is not None:
            raise PeerError(f"the {peer.name} process exited while starting: see {peer.log_path}")
        try:
            client = PeerClient(peer.port, token=None)
            reply = client.post({"query": "{ __typename }"})
            client.close()
            if reply is not None and reply.get("data") == {"__typename": "Query"}:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise PeerError(f"the {peer.name} process did not answer: see {peer.log_path}")


class PeerClient:
    """Asks the peer over one keep-alive connection, as harness.GraphQLClient asks the hub."""

    def __init__(self, port: int, *, token: str | None) -> None:
        self._port = port
        self._headers = {"content-type": "application/json"}
        if token is not None:
            self._headers["authorization"] = f"Bearer {token}"
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        # Why the last request that returned None failed, for the checks' report.
        self.last_failure = ""

    def post(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        try:
            self._connection.request("POST", "/", body=json.dumps(payload), headers=self._headers)
            response = self._connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            self._connection.close()
            self._connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=120)
            self.last_failure = f"{type(error).__name__}: {error}"
            return None
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if response.status != 200 or not isinstance(body, dict):
            self.last_failure = f"HTTP {response.status}: {raw[:300]!r}"
            return None
        return body

    def network(self, child_id: str) -> dict[str, Any] | None:
        """The child's network as the peer answers it, or None when the request failed."""
        body = self.post({"query": PEER_NETWORK_QUERY, "variables": {"childId": child_id}})
        if body is None:
            return None
        if body.get("errors") or not isinstance(body.get("data"), dict):
            self.last_failure = f"errors: {str(body.get('errors'))[:300]}"
            return None
        people = body["data"].get("people") or []
        return people[0] if people else {"id": child_id, "network": []}

    def close(self) -> None:
        self._connection.close()


@dataclass
class Peers:
    """The two peer processes of a run, and a token for the caller the hub is asked as."""

    open: PeerProcess
    authorization: PeerProcess
    token: str
    agency_id: str

    def clients(self) -> tuple[PeerClient, PeerClient]:
        return PeerClient(self.open.port, token=None), PeerClient(self.authorization.port, token=self.token)


def token_for(secret: str, *, professional_id: str, agency_id: str, lifetime_seconds: int = 4 * 3600) -> str:
    now = int(time.time())
    return jwt.encode(
        {"sub": professional_id, "agency": agency_id, "iat": now, "exp": now + lifetime_seconds},
        secret, algorithm="HS256",
    )


@contextmanager
def peers(settings: Settings, *, folder: Path, professional_id: str, agency_id: str) -> Iterator[Peers]:
    """Both peer processes, running until the block ends."""
    install()
    secret = secrets.token_urlsafe(48)
    with ExitStack() as stack:
        opened = stack.enter_context(
            peer_process(settings, authorization=False, jwt_secret=secret, folder=folder))
        authorised = stack.enter_context(
            peer_process(settings, authorization=True, jwt_secret=secret, folder=folder))
        yield Peers(open=opened, authorization=authorised, agency_id=agency_id,
                    token=token_for(secret, professional_id=professional_id, agency_id=agency_id))


# ---------------------------------------------------------------------------------------
# What the answers hold, for the checks before timing
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Found:
    """The people and records of one answer, by id."""

    people: frozenset[str]
    records: frozenset[str]


def found_by_peer(answer: dict[str, Any]) -> Found:
    members = answer.get("network") or []
    return Found(
        people=frozenset(m["id"] for m in members),
        records=frozenset(r["id"] for m in members for r in m.get("records") or []),
    )


def found_by_hand(answer: dict[str, Any]) -> Found:
    return Found(
        people=frozenset(p["id"] for p in answer.get("people", [])),
        records=frozenset(r["id"] for r in answer.get("records", [])),
    )


def found_by_hub(network: dict[str, Any], *, held_by: str | None = None) -> Found:
    """The hub's people, and its records (those `held_by` holds, when given)."""
    return Found(
        people=frozenset(p["id"] for p in network.get("people") or []),
        records=frozenset(
            r["id"] for r in network.get("records") or [] if held_by is None or r["agencyId"] == held_by
        ),
    )


def difference(label: str, child_id: str, expected: Found, got: Found) -> str | None:
    """A one-line account of how two answers differ, or None when they agree."""
    if expected == got:
        return None
    parts = []
    for what, want, have in (("people", expected.people, got.people), ("records", expected.records, got.records)):
        missing, extra = sorted(want - have), sorted(have - want)
        if missing:
            parts.append(f"{what} missing {missing[:3]}{'...' if len(missing) > 3 else ''}")
        if extra:
            parts.append(f"{what} extra {extra[:3]}{'...' if len(extra) > 3 else ''}")
    return f"{label} for {child_id}: " + "; ".join(parts)
