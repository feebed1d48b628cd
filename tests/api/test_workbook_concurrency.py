"""Ten writers on one workbook at once, over real HTTP: nothing lost, nothing doubled, no forks.

Each writer adds 200 entries and, after about half of them, amends an entry picked at
random from everything written so far, with the version it last heard of, which another
writer may well have superseded. The hub runs as a real uvicorn server; the writers are
threads with their own HTTP connections, so their requests truly overlap.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from neo4j import Driver

from api.app import create_app
from config.settings import Settings
from devtools import demo_city
from tests.api.client import token_for

WRITERS = 10
ENTRIES_PER_WRITER = 200
AMEND_CHANCE = 0.5
HOUSEHOLD = demo_city.DEMO_FAMILY_HOUSEHOLD_ID

ADD = """
mutation($household: ID!, $body: String!) {
  addWorkbookEntry(input: {householdId: $household, section: ASSESSMENT, body: $body}) {
    __typename ... on WorkbookEntry { id version } ... on Refusal { message }
  }
}
"""
AMEND = """
mutation($id: ID!, $expected: Int!, $body: String!) {
  amendWorkbookEntry(input: {entryId: $id, expectedVersion: $expected, body: $body}) {
    __typename
    ... on WorkbookEntry { id version }
    ... on AmendConflict { currentVersion }
    ... on Refusal { message }
  }
}
"""
PAGE = """
query($household: ID!, $after: String) {
  workbook(householdId: $household, first: 100, after: $after) {
    __typename
    ... on Workbook {
      entries { items { id version body history { version body } } pageInfo { endCursor hasNextPage } }
    }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def base_url(sealed_city_db: Driver, test_settings: Settings) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(
        create_app(test_settings, driver=sealed_city_db), host="127.0.0.1", port=port, log_config=None,
        access_log=False,
    ))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the API server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@dataclass
class Ledger:
    """What the writers were told, shared between them as they go."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    # entry id -> the version a writer last heard of (by adding or amending it)
    known: dict[str, int] = field(default_factory=dict)
    added: dict[str, str] = field(default_factory=dict)  # entry id -> body
    amended: dict[tuple[str, int], str] = field(default_factory=dict)  # (entry id, version) -> body
    conflicts: list[tuple[str, int, int]] = field(default_factory=list)  # entry, expected, current
    unexpected: list[dict[str, Any]] = field(default_factory=list)


def _post(client: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


def _write(base_url: str, token: str, writer: int, ledger: Ledger) -> None:
    rng = random.Random(writer)
    headers = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        for number in range(ENTRIES_PER_WRITER):
            body = f"writer {writer} entry {number}"
            added = _post(client, ADD, household=HOUSEHOLD, body=body)["addWorkbookEntry"]
            with ledger.lock:
                if added["__typename"] != "WorkbookEntry":
                    ledger.unexpected.append(added)
                    continue
                ledger.added[added["id"]] = body
                ledger.known[added["id"]] = 1
                if rng.random() >= AMEND_CHANCE:
                    continue
                target = rng.choice(sorted(ledger.known))
                expected = ledger.known[target]
            amendment = f"writer {writer} amends {target} after {number}"
            result = _post(client, AMEND, id=target, expected=expected, body=amendment)["amendWorkbookEntry"]
            with ledger.lock:
                if result["__typename"] == "WorkbookEntry":
                    ledger.amended[(target, result["version"])] = amendment
                    ledger.known[target] = max(ledger.known[target], result["version"])
                elif result["__typename"] == "AmendConflict":
                    ledger.conflicts.append((target, expected, result["currentVersion"]))
                    ledger.known[target] = max(ledger.known[target], result["currentVersion"])
                else:
                    ledger.unexpected.append(result)


def _team(graph_db: Driver) -> list[str]:
    records, _, _ = graph_db.execute_query(
        "MATCH (p:Professional)-[:MEMBER_OF]->(:Team {id: $team}) RETURN p.id AS id ORDER BY id",
        team=demo_city.FS_TEAM_ID,
    )
    return [str(record["id"]) for record in records]


def _read_everything(base_url: str, token: str) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    cursor = None
    with httpx.Client(base_url=base_url, headers={"authorization": f"Bearer {token}"}, timeout=60) as client:
        while True:
            page = _post(client, PAGE, household=HOUSEHOLD, after=cursor)["workbook"]["entries"]
            for entry in page["items"]:
                assert entry["id"] not in entries, "an entry appeared on two pages"
                entries[entry["id"]] = entry
            if not page["pageInfo"]["hasNextPage"]:
                return entries
            cursor = page["pageInfo"]["endCursor"]


@pytest.mark.slow
def test_ten_writers_lose_nothing_double_nothing_and_never_fork_a_version_chain(
    base_url: str, graph_db: Driver, test_settings: Settings
) -> None:
    team = _team(graph_db)
    assert len(team) >= 5
    tokens = [token_for(test_settings, team[writer % len(team)]) for writer in range(WRITERS)]
    ledger = Ledger()

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        for finished in [pool.submit(_write, base_url, tokens[w], w, ledger) for w in range(WRITERS)]:
            finished.result()

    assert ledger.unexpected == []
    assert len(ledger.added) == WRITERS * ENTRIES_PER_WRITER
    assert ledger.amended, "the writers amended each other's entries"
    assert ledger.conflicts, "some amendments raced and were refused"
    # A conflict is only ever reported when someone really had written a later version.
    assert all(current > expected for _, expected, current in ledger.conflicts)

    # In the graph: every accepted entry once, and each version chain 1..n without a fork.
    records, _, _ = graph_db.execute_query(
        """
        MATCH (e:WorkbookEntry)-[:IN]->(:Workbook {household_id: $household})
        RETURN e.id AS id, e.version AS head,
               COLLECT { MATCH (v:WorkbookEntryVersion)-[:OF]->(e) RETURN v.version ORDER BY v.version } AS versions,
               COLLECT {
                   MATCH (newer:WorkbookEntryVersion)-[:OF]->(e), (newer)-[:SUPERSEDES]->(older)
                   RETURN [newer.version, older.version] ORDER BY newer.version
               } AS links,
               COLLECT {
                   MATCH (v:WorkbookEntryVersion)-[:OF]->(e)
                   WHERE COUNT { (v)<-[:SUPERSEDES]-() } > 1
                   RETURN v.version
               } AS forked
        """,
        household=HOUSEHOLD,
    )
    chains = {record["id"]: record for record in records}
    assert sorted(chains) == sorted(ledger.added)
    for entry_id, chain in chains.items():
        head = chain["head"]
        assert chain["versions"] == list(range(1, head + 1)), entry_id
        assert chain["links"] == [[v, v - 1] for v in range(2, head + 1)], entry_id
        assert chain["forked"] == [], entry_id
    assert sum(chain["head"] - 1 for chain in chains.values()) == len(ledger.amended)

    # Through the API: each accepted write readable at its version, with the words written.
    entries = _read_everything(base_url, token_for(test_settings, demo_city.FS_TEAM_MANAGER_ID))
    assert sorted(entries) == sorted(ledger.added)
    for entry_id, entry in entries.items():
        by_version = {entry["version"]: entry["body"]} | {v["version"]: v["body"] for v in entry["history"]}
        assert by_version[1] == ledger.added[entry_id]
        for version in range(2, entry["version"] + 1):
            assert by_version[version] == ledger.amended[(entry_id, version)]
