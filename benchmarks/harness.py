"""One benchmark run against a loaded graph and real hub API processes.

The run starts two API processes (uvicorn, each on a free port): one with the policy in
force and one with a permissive policy that grants every basis on every kind, so the cost
of the policy filter is the difference between them. Variants are interleaved per sample
(the order rotating), so machine noise falls on all of them alike.
"""

from __future__ import annotations

import csv
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, LiteralString

from neo4j import Driver

from api.identity import ensure_dev_keypair, mint_token
from benchmarks import handwritten, peer_graphql
from benchmarks.bench_protection import audit_appends_per_second
from config.settings import PROJECT_ROOT, Settings
from devtools.local_neo4j import free_port
from graph.driver import connect
from policies import POLICY_PATH
from policies.kinds import Action, Basis, ResourceKind
from services.key_material import audit_signing_key, keyring

Log = Callable[[str], None]

FAMILY_NETWORK_QUERY = """
query Network($childId: ID!) {
  familyNetwork(childId: $childId, depth: 2) {
    childId
    access { allowed basis reason }
    people { id kind givenName familyName dob access { allowed basis reason } }
    relationships { fromId toId type parentalResponsibility kind
                    provenance { assertedBy assertedAt verified } }
    residences { personId householdId address postcode since until current
                 provenance { assertedBy assertedAt verified } }
    allocations { professionalId professionalName childId role since teamId teamName service
                  agencyId agencyName }
    records { id personId agencyId agencyName agencyKind category summary recordedAt classification
              access { allowed basis reason } }
    knownTo { personId agencyId agencyName agencyKind }
  }
}
"""

# The fixed cost of any request (HTTP, token check, the caller's lookup, GraphQL) without the network.
ME_QUERY = "query Me { me { professionalId agencyId roles } }"

CONSENTS_QUERY = """
query Consents($childId: ID!) {
  consents(childId: $childId, first: 20) {
    __typename
    ... on ConsentConnection { items { id scope agencies current givenAt } pageInfo { hasNextPage } }
  }
}
"""

RECORD_CONSENT = """
mutation RecordConsent($input: RecordConsentInput!) {
  recordConsent(input: $input) { __typename ... on Consent { id current } }
}
"""

SCHEMA_QUERY = """
query Schema {
  __schema {
    queryType { name }
    mutationType { name }
    types {
      name kind
      enumValues { name }
      fields { name args { name type { ...T } } type { ...T } }
      inputFields { name defaultValue type { ...T } }
      interfaces { name }
      possibleTypes { name }
    }
  }
}
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
"""

SAMPLE_CHILDREN: LiteralString = """
MATCH (c:Person:Child)
RETURN c.id AS id, c.given_name AS given_name, c.family_name AS family_name, c.dob AS dob
ORDER BY c.id
"""

# Consents an earlier run's workload recorded through the API about the measured children
# (the generator's own have ids starting 'bench-consent-'). Left in place, every run would
# add to the consents the measured networks carry, and each run would measure a heavier
# graph than the one before.
FORGET_WORKLOAD_CONSENTS: LiteralString = """
UNWIND $child_ids AS child_id
MATCH (k:Consent)-[:COVERS]->(:Person:Child {id: child_id})
WHERE NOT k.id STARTS WITH 'bench-consent-'
DETACH DELETE k
"""

# By :Person, whose id is indexed (a bare :Child scans every child for each id).
PARENTS_WITH_RESPONSIBILITY: LiteralString = """
UNWIND $child_ids AS child_id
MATCH (a:Adult)-[:PARENT_OF {parental_responsibility: true}]->(c:Person:Child {id: child_id})
RETURN c.id AS child_id, min(a.id) AS parent_id
"""

PROFESSIONAL_WITH_ROLE: LiteralString = """
MATCH (p:Professional) WHERE $role IN p.roles
RETURN p.id AS id ORDER BY p.id LIMIT 1
"""

AGENCIES_BY_KIND: LiteralString = "MATCH (a:Agency) RETURN a.kind AS kind, min(a.id) AS id"

# Family Safeguarding workbooks and, for each, a member of the team holding it.
WORKBOOK_WRITERS: LiteralString = """
MATCH (w:Workbook)-[:HELD_BY]->(:Team)<-[:MEMBER_OF]-(p:Professional)
WHERE 'family_safeguarding_social_worker' IN p.roles
WITH w, min(p.id) AS writer
RETURN w.household_id AS household_id, writer ORDER BY household_id LIMIT $limit
"""

# The operations of a MASH day that may exist in the schema; each joins the mixed workload
# when the schema has it.
OPTIONAL_MUTATIONS = (
    "recordContact", "requestInformation", "shareInformation", "declineToShare", "addWorkbookEntry",
)

RECORD_CONTACT = """
mutation RecordContact($input: RecordContactInput!) {
  recordContact(input: $input) { __typename ... on Contact { id dueBy } }
}
"""

WORKBOOK_QUERY = """
query Workbook($householdId: ID!) {
  workbook(householdId: $householdId, first: 20) {
    __typename ... on Workbook { entries { items { id version body author { name } } pageInfo { hasNextPage } } }
  }
}
"""

ADD_WORKBOOK_ENTRY = """
mutation AddWorkbookEntry($householdId: ID!, $body: String!) {
  addWorkbookEntry(input: {householdId: $householdId, section: PROGRAMME_SESSION, body: $body}) {
    __typename ... on WorkbookEntry { id version }
  }
}
"""

AMEND_WORKBOOK_ENTRY = """
mutation AmendWorkbookEntry($entryId: ID!, $body: String!) {
  amendWorkbookEntry(input: {entryId: $entryId, expectedVersion: 1, body: $body}) { __typename }
}
"""

REQUEST_INFORMATION = """
mutation RequestInformation($input: RequestInformationInput!) {
  requestInformation(input: $input) { __typename ... on InformationRequest { id } }
}
"""

SHARE_INFORMATION = """
mutation ShareInformation($input: ShareInformationInput!) {
  shareInformation(input: $input) { __typename ... on InformationShare { id } }
}
"""

DECLINE_TO_SHARE = """
mutation DeclineToShare($input: DeclineToShareInput!) {
  declineToShare(input: $input) { __typename ... on InformationShare { id } }
}
"""


@dataclass(frozen=True, slots=True)
class RunOptions:
    samples: int = 200
    warmup: int = 10
    mixed_seconds: float = 30.0
    # The mixed workload, and the network-read throughput of the hub and the peer, at each.
    mixed_clients: tuple[int, ...] = (8, 32)
    throughput_seconds: float = 15.0
    audit_events: int = 2000
    random_seed: int = 20251123
    # Start @neo4j/graphql beside the hub when Node.js is installed (benchmarks/peer_graphql.py).
    peer: bool = True


@dataclass
class Timings:
    seconds: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.seconds)
        if not ordered:
            return {"n": 0}
        return {
            "n": len(ordered),
            "p50_ms": statistics.median(ordered) * 1000,
            "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000,
            "mean_ms": statistics.fmean(ordered) * 1000,
        }


class BenchmarkError(RuntimeError):
    pass


# ---------------------------------------------------------------------------------------
# API processes
# ---------------------------------------------------------------------------------------


def permissive_policy(source: Path = POLICY_PATH) -> str:
    """The policy's groups, with every subject granted every basis on every kind and action."""
    subjects: set[str] = set()
    grants: set[tuple[str, str]] = set()
    bases: set[str] = set()
    group_lines: list[str] = []
    with source.open(newline="") as handle:
        for row in csv.reader(line for line in handle if line.strip() and not line.lstrip().startswith("#")):
            cells = [cell.strip() for cell in row]
            if cells[0] == "g":
                subjects.update(cells[1:3])
                group_lines.append(", ".join(cells))
            elif cells[0] == "p":
                subjects.add(cells[1])
                grants.add((cells[2], cells[3]))
                bases.add(cells[4])
    grants.update((kind.value, Action.READ.value) for kind in ResourceKind)
    bases.update(basis.value for basis in Basis)
    lines = ["# Every basis on every kind: the benchmark's policy-filter-off variant."]
    lines += group_lines
    lines += [
        f"p, {subject}, {kind}, {action}, {basis}"
        for subject in sorted(subjects) for kind, action in sorted(grants) for basis in sorted(bases)
    ]
    return "\n".join(lines) + "\n"


@dataclass
class ApiProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def peak_rss_mb(self) -> float:
        """The process's high-water resident set (VmHWM), from /proc."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise BenchmarkError(f"no VmHWM for the {self.name} API process")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise BenchmarkError(f"no VmRSS for the {self.name} API process")


def _api_environment(settings: Settings) -> dict[str, str]:
    # The child process reads its configuration the way `hub serve` does: HUB_* variables.
    return {
        **os.environ,  # noqa: TID251
        "HUB_NEO4J_URI": settings.neo4j_uri,
        "HUB_NEO4J_USER": settings.neo4j_user,
        "HUB_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "HUB_NEO4J_DATABASE": settings.neo4j_database,
        "HUB_DEV_KEYS_DIR": str(settings.dev_keys_dir),
        "HUB_JWT_ISSUER": settings.jwt_issuer,
        "HUB_JWT_AUDIENCE": settings.jwt_audience,
        "HUB_LOG_LEVEL": settings.log_level,
        "PYTHONPATH": str(PROJECT_ROOT),
    }


@contextmanager
def api_process(
    settings: Settings, *, name: str, policy: Path, folder: Path, timeout_seconds: float = 60.0
) -> Iterator[ApiProcess]:
    port = free_port()
    log_path = folder / f"api-{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.serve", "--port", str(port), "--policy", str(policy)],
            env=_api_environment(settings), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=PROJECT_ROOT,
        )
    api = ApiProcess(name, port, process, log_path)
    try:
        _wait_until_healthy(api, timeout_seconds)
        yield api
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(api: ApiProcess, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if api.process.poll() is not None:
            raise BenchmarkError(f"the {api.name} API process exited while starting: see {api.log_path}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=5)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                connection.close()
                return
            connection.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchmarkError(f"the {api.name} API process did not become healthy: see {api.log_path}")


# ---------------------------------------------------------------------------------------
# A GraphQL client over one keep-alive HTTP connection
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: dict[str, Any]

    @property
    def failed(self) -> bool:
        return self.status != 200 or bool(self.body.get("errors")) or self.body.get("data") is None


# uvicorn closes a keep-alive connection left idle for 5 s; a request then sent on it meets a
# closed socket and fails. One client's requests are seconds apart when the machine is busy
# (the network figures take turns between four variants), so a connection idle for longer
# than this is not reused but opened afresh.
KEEP_ALIVE_REUSE_SECONDS = 2.0


class GraphQLClient:
    def __init__(self, port: int, tokens: dict[str, str]) -> None:
        self._port = port
        self._tokens = tokens
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self._idle_since = time.monotonic()

    def ask(self, as_professional: str, query: str, **variables: Any) -> Reply:
        payload = json.dumps({"query": query, "variables": variables})
        headers = {"content-type": "application/json", "authorization": f"Bearer {self._tokens[as_professional]}"}
        if time.monotonic() - self._idle_since > KEEP_ALIVE_REUSE_SECONDS:
            self._reconnect()
        try:
            self._connection.request("POST", "/graphql", body=payload, headers=headers)
            response = self._connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self._reconnect()
            return Reply(0, {})
        finally:
            self._idle_since = time.monotonic()
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        return Reply(response.status, body if isinstance(body, dict) else {})

    def get(self, path: str) -> int:
        """The status of a GET of `path` (0 when the connection failed)."""
        if time.monotonic() - self._idle_since > KEEP_ALIVE_REUSE_SECONDS:
            self._reconnect()
        try:
            self._connection.request("GET", path)
            response = self._connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            self._reconnect()
            return 0
        finally:
            self._idle_since = time.monotonic()
        return response.status

    def close(self) -> None:
        self._connection.close()

    def _reconnect(self) -> None:
        self._connection.close()
        self._connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=120)


# ---------------------------------------------------------------------------------------
# What the schema offers
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Schema:
    types: dict[str, dict[str, Any]]
    query_fields: dict[str, dict[str, Any]]
    mutation_fields: dict[str, dict[str, Any]]

    @staticmethod
    def of(body: dict[str, Any]) -> Schema:
        raw = body["data"]["__schema"]
        types = {t["name"]: t for t in raw["types"]}
        query = types[raw["queryType"]["name"]]
        mutation = types[raw["mutationType"]["name"]] if raw.get("mutationType") else {"fields": []}
        return Schema(
            types=types,
            query_fields={f["name"]: f for f in query["fields"] or []},
            mutation_fields={f["name"]: f for f in mutation["fields"] or []},
        )

    def selection(self, type_ref: dict[str, Any], depth: int = 3) -> str:
        """Every scalar field of a result, nested objects to `depth`, union members by fragment."""
        named = _named(type_ref)
        entry = self.types[named["name"]]
        if entry["kind"] in ("SCALAR", "ENUM"):
            return ""
        if entry["kind"] in ("UNION", "INTERFACE"):
            members = [t for t in self.types.values()
                       if t["kind"] == "OBJECT" and t["name"] != named["name"]
                       and (any(i["name"] == named["name"] for i in t.get("interfaces") or [])
                            or self._in_union(named["name"], t["name"]))]
            fragments = [f"... on {m['name']} {{ {self._fields(m, depth)} }}" for m in members]
            return "{ __typename " + " ".join(f for f in fragments if not f.endswith("{  }")) + " }"
        return "{ " + self._fields(entry, depth) + " }"

    def _in_union(self, union: str, member: str) -> bool:
        return any(p["name"] == member for p in self.types[union].get("possibleTypes") or [])

    def _fields(self, entry: dict[str, Any], depth: int) -> str:
        parts: list[str] = []
        for item in entry.get("fields") or []:
            if any(_required(arg["type"]) for arg in item["args"]) or item["name"].startswith("__"):
                continue
            inner = _named(item["type"])
            kind = self.types[inner["name"]]["kind"]
            if kind in ("SCALAR", "ENUM"):
                parts.append(item["name"])
            elif depth > 1:
                nested = self.selection(item["type"], depth - 1)
                if nested and nested != "{  }":
                    parts.append(f"{item['name']} {nested}")
        return " ".join(parts)


def _named(type_ref: dict[str, Any]) -> dict[str, Any]:
    while type_ref.get("ofType") is not None:
        type_ref = type_ref["ofType"]
    return type_ref


def _required(type_ref: dict[str, Any]) -> bool:
    return bool(type_ref["kind"] == "NON_NULL")


def _type_text(type_ref: dict[str, Any]) -> str:
    if type_ref["kind"] == "NON_NULL":
        return _type_text(type_ref["ofType"]) + "!"
    if type_ref["kind"] == "LIST":
        return "[" + _type_text(type_ref["ofType"]) + "]"
    return str(type_ref["name"])


# ---------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------


@dataclass
class Cast:
    """Who acts in the run and on whom."""

    social_worker: str
    manager: str
    police_officer: str
    # The measured children: read, never written about, so every run measures the same graph.
    children: list[dict[str, Any]]
    # The children the mixed workload records consents and contacts about: drawn afresh for
    # each run from the rest, so its writes spread thinly over the county.
    workload_children: list[dict[str, Any]]
    parents: dict[str, str]
    agencies: dict[str, str]
    # (household id, a member of the team holding its workbook)
    workbooks: list[tuple[str, str]]


def measured_children(
    driver: Driver, database: str, options: RunOptions
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The children every run measures (the same for the same seed), and all the others."""
    records, _, _ = driver.execute_query(SAMPLE_CHILDREN, database_=database)
    if not records:
        raise BenchmarkError("the benchmark graph holds no children: load it first")
    everyone = [r.data() for r in records]
    chosen = random.Random(options.random_seed).sample(everyone, k=min(len(everyone), options.samples + options.warmup))
    measured = {c["id"] for c in chosen}
    return chosen, [c for c in everyone if c["id"] not in measured]


def forget_earlier_workloads(driver: Driver, database: str, cast: Cast) -> None:
    """Returns the measured children to the graph the generator made (see FORGET_WORKLOAD_CONSENTS)."""
    driver.execute_query(FORGET_WORKLOAD_CONSENTS, child_ids=[c["id"] for c in cast.children], database_=database)


def _cast(driver: Driver, database: str, options: RunOptions) -> Cast:
    chosen, rest = measured_children(driver, database, options)
    workload = random.Random().sample(rest, k=min(len(rest), options.samples + options.warmup))

    def professional(role: str) -> str:
        found, _, _ = driver.execute_query(PROFESSIONAL_WITH_ROLE, role=role, database_=database)
        if not found:
            raise BenchmarkError(f"the benchmark graph has no {role}")
        return str(found[0]["id"])

    parents, _, _ = driver.execute_query(
        PARENTS_WITH_RESPONSIBILITY, child_ids=[c["id"] for c in chosen + workload], database_=database
    )
    agencies, _, _ = driver.execute_query(AGENCIES_BY_KIND, database_=database)
    workbooks, _, _ = driver.execute_query(WORKBOOK_WRITERS, limit=50, database_=database)
    return Cast(
        social_worker=professional("mash_social_worker"), manager=professional("crs_manager"),
        police_officer=professional("police_mash_officer"), children=chosen, workload_children=workload,
        parents={r["child_id"]: r["parent_id"] for r in parents},
        agencies={r["kind"]: r["id"] for r in agencies},
        workbooks=[(r["household_id"], r["writer"]) for r in workbooks],
    )


def _tokens(settings: Settings, cast: Cast) -> dict[str, str]:
    private_pem, _ = ensure_dev_keypair(settings.dev_keys_dir)
    return {
        who: mint_token(private_pem, subject=who, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
                        lifetime_seconds=4 * 3600)
        for who in (cast.social_worker, cast.manager, cast.police_officer, *(w for _, w in cast.workbooks))
    }


def run(settings: Settings, options: RunOptions, *, log: Log = print) -> dict[str, Any]:
    """Runs every measurement once; returns the figures, JSON-ready."""
    # Keys are made once here, so the two API processes do not race to create them.
    ensure_dev_keypair(settings.dev_keys_dir)
    audit_signing_key(settings)
    keyring(settings)
    database = settings.neo4j_database
    driver = connect(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password.get_secret_value())
    results: dict[str, Any] = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                               "options": {"samples": options.samples, "warmup": options.warmup,
                                           "mixed_seconds": options.mixed_seconds,
                                           "mixed_clients": list(options.mixed_clients),
                                           "throughput_seconds": options.throughput_seconds,
                                           "audit_events": options.audit_events}}
    try:
        results["graph"] = _graph_size(driver, database)
        cast = _cast(driver, database, options)
        forget_earlier_workloads(driver, database, cast)
        tokens = _tokens(settings, cast)
        with ExitStack() as stack:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hub-bench-")))
            permissive = folder / "policy.csv"
            permissive.write_text(permissive_policy())
            log("starting the API processes (policy in force, and permissive)")
            api_on = stack.enter_context(api_process(settings, name="policy", policy=POLICY_PATH, folder=folder))
            api_off = stack.enter_context(api_process(settings, name="permissive", policy=permissive, folder=folder))
            client_on = GraphQLClient(api_on.port, tokens)
            client_off = GraphQLClient(api_off.port, tokens)
            schema = Schema.of(client_on.ask(cast.social_worker, SCHEMA_QUERY).body)
            peers = _start_peers(stack, settings, driver, cast, options=options, folder=folder, log=log)
            results["peer"] = {"available": peers is not None, "reason": _peer_skipped(options)}
            log(f"family network: {options.samples} children, interleaved with hand-written Cypher"
                + (" and the peer" if peers is not None else ""))
            results["family_network"] = _family_network(
                driver, database=database, client_on=client_on, client_off=client_off, cast=cast, options=options,
                peers=peers,
            )
            for clients in options.mixed_clients:
                log(f"network reads, {clients} clients, {options.throughput_seconds:.0f}s each: hub"
                    + (" and peer" if peers is not None else ""))
                results.setdefault("network_throughput", {})[str(clients)] = _network_throughput(
                    api_on.port, tokens, cast, peers, clients=clients, seconds=options.throughput_seconds)
            log("searchPeople")
            results["search_people"] = _search_people(schema, client_on, cast, options)
            log("audit appends, 1 and 8 writers")
            results["audit_appends_per_second"] = {
                str(writers): audit_appends_per_second(driver, database=database, writers=writers,
                                                       events=options.audit_events)
                for writers in (1, 8)
            }
            results["mixed"] = {}
            for clients in options.mixed_clients:
                log(f"mixed MASH workload, {clients} clients, {options.mixed_seconds:.0f}s")
                results["mixed"][str(clients)] = _mixed(schema, api_on.port, tokens, cast, options, clients=clients)
            results["api_memory_mb"] = {
                "policy_peak_rss": api_on.peak_rss_mb(), "policy_rss_at_end": api_on.rss_mb(),
                "permissive_peak_rss": api_off.peak_rss_mb(),
            }
            client_on.close()
            client_off.close()
    finally:
        driver.close()
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return results


GRAPH_SIZE: LiteralString = """
MATCH (m:BenchmarkGraph {name: 'county'})
RETURN m.families AS families, m.children AS children, m.people AS people, m.items AS items,
       m.seconds AS load_seconds
"""


def _graph_size(driver: Driver, database: str) -> dict[str, Any]:
    records, _, _ = driver.execute_query(GRAPH_SIZE, database_=database)
    if records:
        size = records[0].data()
        size["load_items_per_second"] = size["items"] / size["load_seconds"] if size["load_seconds"] else None
        return size
    counted, _, _ = driver.execute_query(
        "MATCH (c:Child) WITH count(c) AS children MATCH (p:Person) RETURN children, count(p) AS people",
        database_=database,
    )
    return counted[0].data()


def _peer_skipped(options: RunOptions) -> str | None:
    if not options.peer:
        return "not asked for"
    return peer_graphql.unavailable_reason()


def _start_peers(
    stack: ExitStack, settings: Settings, driver: Driver, cast: Cast, *, options: RunOptions, folder: Path, log: Log,
) -> peer_graphql.Peers | None:
    reason = _peer_skipped(options)
    if reason is not None:
        log(f"the @neo4j/graphql peer is skipped: {reason}")
        return None
    log("starting the @neo4j/graphql peer (no authorization, and the caller's agency only)")
    agency_id = peer_graphql.agency_of(driver, cast.social_worker, database=settings.neo4j_database)
    return stack.enter_context(peer_graphql.peers(
        settings, folder=folder, professional_id=cast.social_worker, agency_id=agency_id))


def _family_network(
    driver: Driver, *, database: str, client_on: GraphQLClient, client_off: GraphQLClient, cast: Cast,
    options: RunOptions, peers: peer_graphql.Peers | None = None,
) -> dict[str, Any]:
    cypher, graphql_on, graphql_off, baseline, http_floor = Timings(), Timings(), Timings(), Timings(), Timings()
    peer_open_timings, peer_authorization_timings = Timings(), Timings()
    errors = Counter[str]()
    sizes: list[int] = []

    def by_cypher(child_id: str) -> None:
        answer = handwritten.family_network(driver, child_id, database=database)
        sizes.append(len(answer.get("people", [])))

    def by_graphql(client: GraphQLClient, label: str) -> Callable[[str], None]:
        def ask(child_id: str) -> None:
            reply = client.ask(cast.social_worker, FAMILY_NETWORK_QUERY, childId=child_id)
            if reply.failed:
                errors[label] += 1
        return ask

    def by_peer(client: peer_graphql.PeerClient, label: str) -> Callable[[str], None]:
        def ask(child_id: str) -> None:
            if client.network(child_id) is None:
                errors[label] += 1
        return ask

    def me(_: str) -> None:
        if client_on.ask(cast.social_worker, ME_QUERY).failed:
            errors["me"] += 1

    def livez(_: str) -> None:
        if client_on.get("/livez") != 200:
            errors["livez"] += 1

    variants: list[tuple[Timings, Callable[[str], None]]] = [
        (cypher, by_cypher), (graphql_on, by_graphql(client_on, "policy")),
        (graphql_off, by_graphql(client_off, "permissive")), (baseline, me), (http_floor, livez),
    ]
    peer_clients = peers.clients() if peers is not None else None
    if peers is not None and peer_clients is not None:
        _check_peer(driver, database, client_on, cast, peers, peer_open=peer_clients[0],
                    peer_authorization=peer_clients[1])
        variants += [(peer_open_timings, by_peer(peer_clients[0], "peer_open")),
                     (peer_authorization_timings, by_peer(peer_clients[1], "peer_authorization"))]
    # Every variant reads every sampled network once untimed first: the figures are for the
    # warm page cache of a hub in service, not for the first reads after Neo4j started.
    for child in cast.children:
        for _, measure in variants:
            measure(child["id"])
    sizes.clear()
    for index, child in enumerate(cast.children):
        rotation = index % len(variants)
        for timings, measure in variants[rotation:] + variants[:rotation]:
            started = time.perf_counter()
            measure(child["id"])
            elapsed = time.perf_counter() - started
            if index >= options.warmup:
                timings.seconds.append(elapsed)
    if peer_clients is not None:
        for client in peer_clients:
            client.close()
    cypher_summary, on_summary, off_summary = cypher.summary(), graphql_on.summary(), graphql_off.summary()
    figures: dict[str, Any] = {
        "handwritten_cypher": cypher_summary,
        "graphql_policy": on_summary,
        "graphql_permissive": off_summary,
        "graphql_me_baseline": baseline.summary(),
        "http_livez_baseline": http_floor.summary(),
        "ratio_graphql_to_cypher_p50": on_summary["p50_ms"] / cypher_summary["p50_ms"],
        "ratio_graphql_to_cypher_p95": on_summary["p95_ms"] / cypher_summary["p95_ms"],
        "policy_filter_cost_p50": on_summary["p50_ms"] / off_summary["p50_ms"] - 1,
        "policy_filter_cost_p95": on_summary["p95_ms"] / off_summary["p95_ms"] - 1,
        "mean_people_per_network": statistics.fmean(sizes) if sizes else 0,
        "errors": dict(errors),
    }
    if peers is not None:
        for name, timings in (("peer_open", peer_open_timings), ("peer_authorization", peer_authorization_timings)):
            summary = timings.summary()
            figures[name] = summary
            for quantile in ("p50", "p95"):
                figures[f"ratio_graphql_to_{name}_{quantile}"] = (
                    on_summary[f"{quantile}_ms"] / summary[f"{quantile}_ms"])
                figures[f"ratio_{name}_to_cypher_{quantile}"] = (
                    summary[f"{quantile}_ms"] / cypher_summary[f"{quantile}_ms"])
    return figures


def _check_peer(
    driver: Driver, database: str, hub: GraphQLClient, cast: Cast, peers: peer_graphql.Peers, *,
    peer_open: peer_graphql.PeerClient, peer_authorization: peer_graphql.PeerClient,
) -> None:
    """Before anything is timed: the peer answers the question the hub and the Cypher answer.

    Without authorization it finds the hand-written Cypher's people and records; with the
    filter to the caller's agency, the hub's people and, of the hub's records, those that
    agency holds (the hub shows them on the OWN_AGENCY basis, and more besides on others)."""
    differences: list[str] = []
    for child in cast.children:
        child_id = child["id"]
        by_hand = peer_graphql.found_by_hand(handwritten.family_network(driver, child_id, database=database))
        reply = hub.ask(cast.social_worker, FAMILY_NETWORK_QUERY, childId=child_id)
        network = (reply.body.get("data") or {}).get("familyNetwork") or {}
        opened, authorised = peer_open.network(child_id), peer_authorization.network(child_id)
        if reply.failed or opened is None or authorised is None:
            failures = [
                f"hub: HTTP {reply.status} {str(reply.body.get('errors'))[:300]}" if reply.failed else "",
                f"peer without authorization: {peer_open.last_failure}" if opened is None else "",
                f"peer with authorization: {peer_authorization.last_failure}" if authorised is None else "",
            ]
            differences.append(f"no answer for {child_id}: " + "; ".join(f for f in failures if f))
            continue
        for found in (
            peer_graphql.difference("peer without authorization vs hand-written Cypher", child_id, by_hand,
                                    peer_graphql.found_by_peer(opened)),
            peer_graphql.difference("peer with authorization vs the hub", child_id,
                                    peer_graphql.found_by_hub(network, held_by=peers.agency_id),
                                    peer_graphql.found_by_peer(authorised)),
        ):
            if found is not None:
                differences.append(found)
    if differences:
        raise BenchmarkError(
            f"the peer's answers differ in {len(differences)} case(s):\n" + "\n".join(differences[:10]))


def _network_throughput(
    port: int, tokens: dict[str, str], cast: Cast, peers: peer_graphql.Peers | None, *, clients: int,
    seconds: float,
) -> dict[str, Any]:
    """Network reads only, `clients` at once for `seconds`: the hub, then each peer variant."""

    def hub_asker() -> tuple[Callable[[str], bool], Callable[[], None]]:
        client = GraphQLClient(port, tokens)

        def ask(child_id: str) -> bool:
            return not client.ask(cast.social_worker, FAMILY_NETWORK_QUERY, childId=child_id).failed
        return ask, client.close

    def peer_asker(process: peer_graphql.PeerProcess, token: str | None) -> Callable[
            [], tuple[Callable[[str], bool], Callable[[], None]]]:
        def make() -> tuple[Callable[[str], bool], Callable[[], None]]:
            client = peer_graphql.PeerClient(process.port, token=token)
            return (lambda child_id: client.network(child_id) is not None), client.close
        return make

    figures = {"hub": _closed_loop(hub_asker, cast, clients=clients, seconds=seconds)}
    if peers is not None:
        figures["peer_open"] = _closed_loop(peer_asker(peers.open, None), cast, clients=clients, seconds=seconds)
        figures["peer_authorization"] = _closed_loop(
            peer_asker(peers.authorization, peers.token), cast, clients=clients, seconds=seconds)
    return figures


def _closed_loop(
    make_asker: Callable[[], tuple[Callable[[str], bool], Callable[[], None]]], cast: Cast, *, clients: int,
    seconds: float,
) -> dict[str, Any]:
    """`clients` threads, each asking for one sampled network after another until time is up."""
    timings = Timings()
    errors = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def loop(number: int) -> None:
        ask, close = make_asker()
        rng = random.Random(number)
        mine: list[float] = []
        failed = 0
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            started = time.perf_counter()
            failed += not ask(rng.choice(cast.children)["id"])
            mine.append(time.perf_counter() - started)
        close()
        with lock:
            timings.seconds.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    requests = len(timings.seconds)
    return {"clients": clients, "requests": requests, "errors": errors[0],
            "requests_per_second": requests / elapsed if elapsed > 0 else 0.0, **timings.summary()}


def _search_people(schema: Schema, client: GraphQLClient, cast: Cast, options: RunOptions) -> dict[str, Any]:
    found = schema.query_fields.get("searchPeople")
    if found is None:
        return {"available": False}
    rng = random.Random(options.random_seed + 1)
    timings = Timings()
    errors = 0
    for index, child in enumerate(cast.children):
        name = f"{child['given_name']} {_misspelt(child['family_name'], rng)}"
        arguments = _search_arguments(found, name=name, dob=child["dob"])
        query, variables = _operation("query", "searchPeople", found, schema, arguments)
        started = time.perf_counter()
        reply = client.ask(cast.social_worker, query, **variables)
        elapsed = time.perf_counter() - started
        errors += reply.failed
        if index >= options.warmup:
            timings.seconds.append(elapsed)
    return {"available": True, **timings.summary(), "errors": errors}


def _misspelt(text: str, rng: random.Random) -> str:
    """A plausible typing slip: one letter dropped from the middle of the name."""
    if len(text) < 5:
        return text
    cut = rng.randrange(1, len(text) - 1)
    return text[:cut] + text[cut + 1:]


def _search_arguments(found: dict[str, Any], *, name: str, dob: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for arg in found["args"]:
        scalar = _named(arg["type"])["name"]
        if arg["name"] == "name":
            values["name"] = name
        elif arg["name"] == "dob":
            values["dob"] = dob.isoformat() if hasattr(dob, "isoformat") else str(dob)
        elif _required(arg["type"]) and scalar == "Int":
            values[arg["name"]] = 10
    return values


def _operation(
    kind: str, name: str, found: dict[str, Any], schema: Schema, values: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """A query or mutation text for one root field, its variables typed from the schema."""
    args = {a["name"]: a for a in found["args"] if a["name"] in values}
    declared = ", ".join(f"${n}: {_type_text(a['type'])}" for n, a in args.items())
    passed = ", ".join(f"{n}: ${n}" for n in args)
    selection = schema.selection(found["type"])
    signature = f"({declared})" if declared else ""
    call = f"{name}({passed})" if passed else name
    text = f"{kind} Bench{signature} {{ {call} {selection} }}"
    return text, {n: values[n] for n in args}


# ---------------------------------------------------------------------------------------
# The mixed MASH workload
# ---------------------------------------------------------------------------------------
#
# Each client works through front-door episodes: reads of the network and the consents
# around a child, then (where the schema has them) consent recorded, a contact, an
# information request to the police, and the police answer, shared or declined. Reads
# outnumber writes, as in a MASH day. An operation the schema lacks is left out.


_REFUSAL_NAMES: set[str] = set()


def _typename(reply: Reply, field_name: str) -> str | None:
    value = (reply.body.get("data") or {}).get(field_name)
    return value.get("__typename") if isinstance(value, dict) else None


def _result_id(reply: Reply, field_name: str) -> str | None:
    value = (reply.body.get("data") or {}).get(field_name)
    return value.get("id") if isinstance(value, dict) else None


@dataclass
class _Tally:
    done: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    latency: Timings = field(default_factory=Timings)

    def count(self, name: str, reply: Reply, seconds: float) -> None:
        self.done[name] += 1
        self.latency.seconds.append(seconds)
        if reply.failed:
            self.failed[name] += 1
        elif _typename(reply, name) in _REFUSAL_NAMES:
            self.refused[name] += 1


class _Episode:
    """One client's front-door episodes, one operation at a time."""

    def __init__(self, schema: Schema, cast: Cast, client: GraphQLClient, rng: random.Random) -> None:
        self._schema = schema
        self._cast = cast
        self._client = client
        self._rng = rng
        self._with_parent = [c for c in cast.workload_children if c["id"] in cast.parents]
        self.tally = _Tally()

    def has(self, name: str) -> bool:
        return name in self._schema.mutation_fields or name in self._schema.query_fields

    def _ask(self, name: str, as_professional: str, query: str, **variables: Any) -> Reply:
        started = time.perf_counter()
        reply = self._client.ask(as_professional, query, **variables)
        self.tally.count(name, reply, time.perf_counter() - started)
        return reply

    def run_one(self) -> None:
        cast, rng = self._cast, self._rng
        child = rng.choice(self._with_parent or cast.workload_children)
        for _ in range(3):
            other = rng.choice(cast.children)["id"]
            self._ask("familyNetwork", cast.social_worker, FAMILY_NETWORK_QUERY, childId=other)
        self._ask("consents", cast.social_worker, CONSENTS_QUERY, childId=child["id"])
        self._ask("familyNetwork", cast.social_worker, FAMILY_NETWORK_QUERY, childId=child["id"])
        if child["id"] in cast.parents:
            self._ask("recordConsent", cast.social_worker, RECORD_CONSENT, input={
                "childId": child["id"], "givenBy": cast.parents[child["id"]], "scope": "FULL",
                "purpose": "MASH enquiry", "method": "VERBAL",
            })
        request_id = self._front_door(child["id"]) if self.has("recordContact") else None
        if request_id is not None:
            self._answer(request_id)
        if self.has("addWorkbookEntry") and cast.workbooks:
            self._workbook(*rng.choice(cast.workbooks))

    def _front_door(self, child_id: str) -> str | None:
        cast = self._cast
        contact = self._ask("recordContact", cast.social_worker, RECORD_CONTACT, input={
            "childId": child_id,
            "referrer": {"kind": "PUBLIC", "name": "A neighbour", "relationship": "neighbour"},
            "channel": "TELEPHONE", "urgency": self._rng.choice(["RED", "AMBER", "GREEN"]),
            "concern": "The neighbour heard shouting and a child crying late at night, twice this week.",
            "consentPosition": "GIVEN",
        })
        contact_id = _result_id(contact, "recordContact")
        if contact_id is None or not self.has("requestInformation"):
            return None
        police = cast.agencies.get("POLICE")
        request = self._ask("requestInformation", cast.social_worker, REQUEST_INFORMATION, input={
            "contactId": contact_id, "scope": "TARGETED", "agencies": [police] if police else [],
            "basis": "CONSENT",
        })
        return _result_id(request, "requestInformation")

    def _answer(self, request_id: str) -> None:
        cast = self._cast
        if self._rng.random() < 0.8 and self.has("shareInformation"):
            self._ask("shareInformation", cast.police_officer, SHARE_INFORMATION, input={
                "requestId": request_id, "content": "Two domestic incidents at the address in the last year.",
                "factOrOpinion": "FACT", "historic": False,
            })
        elif self.has("declineToShare"):
            self._ask("declineToShare", cast.police_officer, DECLINE_TO_SHARE, input={
                "requestId": request_id, "reason": "An investigation is live; disclosure would prejudice it.",
            })

    def _workbook(self, household_id: str, writer: str) -> None:
        """A Family Safeguarding worker reads the family's workbook, records a session, and
        now and then corrects it."""
        self._ask("workbook", writer, WORKBOOK_QUERY, householdId=household_id)
        added = self._ask("addWorkbookEntry", writer, ADD_WORKBOOK_ENTRY, householdId=household_id,
                          body="Session 3 of the programme: mother engaged well; father did not attend.")
        entry_id = _result_id(added, "addWorkbookEntry")
        if entry_id is not None and self._rng.random() < 0.3:
            self._ask("amendWorkbookEntry", writer, AMEND_WORKBOOK_ENTRY, entryId=entry_id,
                      body="Session 3 of the programme: mother engaged well; father attended the last hour.")


def _mixed(
    schema: Schema, port: int, tokens: dict[str, str], cast: Cast, options: RunOptions, *, clients: int,
) -> dict[str, Any]:
    _REFUSAL_NAMES.clear()
    _REFUSAL_NAMES.update(
        t["name"] for t in schema.types.values()
        if any(i["name"] == "Refusal" for i in t.get("interfaces") or [])
    )
    total = _Tally()
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client_loop(number: int) -> None:
        client = GraphQLClient(port, tokens)
        episode = _Episode(schema, cast, client, random.Random(options.random_seed + 100 + number))
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            episode.run_one()
        client.close()
        with lock:
            total.done.update(episode.tally.done)
            total.failed.update(episode.tally.failed)
            total.refused.update(episode.tally.refused)
            total.latency.seconds.extend(episode.tally.latency.seconds)

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + options.mixed_seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    requests = sum(total.done.values())
    return {
        "clients": clients, "seconds": elapsed, "requests": requests, **total.latency.summary(),
        "requests_per_second": requests / elapsed if elapsed > 0 else 0.0,
        "errors": sum(total.failed.values()), "errors_by_operation": dict(total.failed),
        "typed_refusals_by_operation": dict(total.refused), "requests_by_operation": dict(total.done),
        "operations": sorted(total.done),
        "absent_from_schema": [name for name in OPTIONAL_MUTATIONS if name not in schema.mutation_fields],
    }
