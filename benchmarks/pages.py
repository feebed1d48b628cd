"""The pages' server times beside the GraphQL operations they stand for, and the charts' over a year.

    hub bench pages [--samples 40] [--contacts-per-month 1000]

For the demo city (with its working day) and the county (with a year of the front door's work,
`benchmarks/year.py`), one hub API process each, as `hub bench scale` runs them. Each page is
requested by the professional who uses it, signed in through the development sign-in as a
browser is, and timed from request to the last byte of the HTML over loopback; the GraphQL
operation the page stands for (the same question, every field of its answer) is asked by the
same professional with a bearer token, interleaved with the page, the order alternating. The
management information page and each chart's CSV are timed over the year. The network page's
weight is its HTML and every asset it loads, as sent and as gzip would send them.
"""

from __future__ import annotations

import gzip
import http.client
import re
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, LiteralString
from urllib.parse import urlencode

from neo4j import Driver

from api.identity import ensure_dev_keypair, mint_token
from benchmarks import county, harness, scale, year
from config.settings import Settings
from devtools import demo_city, working_day
from graph import management_information
from graph.driver import connect
from graph.values import utc
from policies import POLICY_PATH
from services.composition import assemble

WARM_ROUNDS = 3
DEMO_SEED = 7
Log = Callable[[str], None]

ROLE_PROFESSIONAL: LiteralString = "MATCH (p:Professional) WHERE $role IN p.roles RETURN min(p.id) AS id"
TARGETS: LiteralString = """
CALL () { MATCH (k:Contact {status: 'OPEN'})-[:CONCERNS]->(c:Child) RETURN k.id AS contact_id, c.id AS child_id,
          c.family_name AS family_name ORDER BY k.due_by LIMIT 1 }
CALL () { MATCH (r:InformationRequest)-[:ADDRESSED_TO]->(a:Agency {id: $agency_id})
          RETURN r.id AS request_id ORDER BY r.requested_at DESC LIMIT 1 }
CALL () { OPTIONAL MATCH (o:ConsentOverride) RETURN o.id AS override_id ORDER BY o.requested_at DESC LIMIT 1 }
CALL () { MATCH (w:Workbook)-[:HELD_BY]->(:Team)<-[:MEMBER_OF]-(p:Professional)
          WHERE 'family_safeguarding_social_worker' IN p.roles
          RETURN w.household_id AS household_id, min(p.id) AS writer ORDER BY household_id LIMIT 1 }
RETURN contact_id, child_id, family_name, request_id, override_id, household_id, writer
"""
AGENCY_OF: LiteralString = """
MATCH (:Professional {id: $id})-[:MEMBER_OF]->(:Team)-[:PART_OF]->(a:Agency) RETURN a.id AS id
"""
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')


@dataclass(frozen=True, slots=True)
class Case:
    """One page, who opens it, and the GraphQL operation it stands for (root field and arguments)."""

    page: str
    path: str
    professional_id: str
    operation: tuple[str, dict[str, Any]] | None


@dataclass
class _Timed:
    page: harness.Timings = field(default_factory=harness.Timings)
    graphql: harness.Timings = field(default_factory=harness.Timings)
    bytes: int = 0


class _Browser:
    """One professional signed in through the development sign-in page, as Chromium would be."""

    def __init__(self, port: int, professional_id: str) -> None:
        self._port = port
        self._cookies: dict[str, str] = {}
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self._idle_since = time.monotonic()
        sign_in = self.get("/sign-in")
        token = _CSRF.search(sign_in.decode())
        if token is None:
            raise harness.BenchmarkError("the development sign-in page has no form: is the hub in production mode?")
        status, _ = self._send("POST", "/sign-in/development", urlencode(
            {"csrf_token": token.group(1), "professional_id": professional_id, "next": "/"}).encode(),
            {"content-type": "application/x-www-form-urlencoded"})
        if status != 303 or not any(name.endswith("hub-session") for name in self._cookies):
            raise harness.BenchmarkError(f"{professional_id} could not sign in (HTTP {status})")

    def get(self, path: str) -> bytes:
        status, body = self._send("GET", path, None, {})
        if status != 200:
            raise harness.BenchmarkError(f"GET {path} answered {status}")
        return body

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        cookie = "; ".join(f"{k}={v}" for k, v in self._cookies.items())
        if time.monotonic() - self._idle_since > harness.KEEP_ALIVE_REUSE_SECONDS:
            self._reconnect()
        for attempt in (1, 2):
            try:
                self._connection.request(method, path, body=body, headers={**headers, "cookie": cookie})
                response = self._connection.getresponse()
                content = response.read()
                break
            except (OSError, http.client.HTTPException):
                self._reconnect()
                if attempt == 2:
                    raise
            finally:
                self._idle_since = time.monotonic()
        for header in response.headers.get_all("set-cookie") or []:
            name, _, rest = header.partition("=")
            self._cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, content

    def _reconnect(self) -> None:
        self._connection.close()
        self._connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=120)

    def close(self) -> None:
        self._connection.close()


def run(settings: Settings, *, samples: int, contacts_per_month: int, log: Log = print) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="hub-bench-pages-") as folder:
        for graph in scale.GRAPHS[:2]:
            results.append(_measure_graph(stack, graph, settings, samples=samples,
                                          contacts_per_month=contacts_per_month, folder=Path(folder), log=log))
    return results


def _measure_graph(
    stack: ExitStack, graph: scale.Graph, settings: Settings, *, samples: int, contacts_per_month: int,
    folder: Path, log: Log,
) -> dict[str, Any]:
    instance = scale.instance_for(settings, graph)
    if not instance.status().running:
        log(f"{graph.name}: starting its Neo4j ({instance.home})")
        instance.start(timeout_seconds=600)
        stack.callback(instance.stop)
    graph_settings = county.bench_settings(settings, instance)
    database = graph_settings.neo4j_database
    driver = connect(graph_settings.neo4j_uri, graph_settings.neo4j_user,
                     graph_settings.neo4j_password.get_secret_value())
    stack.callback(driver.close)
    graph.load(driver, database, log)
    hub = assemble(graph_settings, driver=driver)
    period: tuple[datetime, datetime] | None = None
    if graph.families is None:
        # The day `hub seed` writes, about the city `hub bench scale` loads.
        working_day.seed_working_day(graph_settings, driver, demo_city.demo_city(), seed=DEMO_SEED)
        now = datetime.now().astimezone()
        period = (now - timedelta(days=30), now)
    else:
        period = year.ensure_year(hub, contacts_per_month=contacts_per_month, log=log)
    return measure(graph_settings, driver, name=graph.name, period=period, samples=samples, folder=folder, log=log)


def measure(
    graph_settings: Settings, driver: Driver, *, name: str, period: tuple[datetime, datetime], samples: int,
    folder: Path, log: Log,
) -> dict[str, Any]:
    """Every page of a graph that has a front door's work in it, through one API process of its own."""
    database = graph_settings.neo4j_database
    cases = _cases(driver, database, period)
    with harness.api_process(graph_settings, name=name.replace(" ", "-"), policy=POLICY_PATH, folder=folder) as api:
        return _measure_cases(graph_settings, driver, api, cases, name=name, period=period, samples=samples, log=log)


def _measure_cases(
    graph_settings: Settings, driver: Driver, api: harness.ApiProcess, cases: list[Case], *, name: str,
    period: tuple[datetime, datetime], samples: int, log: Log,
) -> dict[str, Any]:
    database = graph_settings.neo4j_database
    private_pem, _ = ensure_dev_keypair(graph_settings.dev_keys_dir)
    people = {case.professional_id for case in cases}
    tokens = {who: mint_token(private_pem, subject=who, issuer=graph_settings.jwt_issuer,
                              audience=graph_settings.jwt_audience, lifetime_seconds=4 * 3600) for who in people}
    client = harness.GraphQLClient(api.port, tokens)
    schema = harness.Schema.of(client.ask(cases[0].professional_id, harness.SCHEMA_QUERY).body)
    browsers = {who: _Browser(api.port, who) for who in people}
    log(f"{name}: timing {len(cases)} pages, {samples} samples each, beside their GraphQL operations")
    timed = {case.page: _Timed() for case in cases}
    for case in cases:
        _time_case(case, timed[case.page], browsers[case.professional_id], client=client, schema=schema,
                   samples=samples)
    network = next(case for case in cases if case.page == "family network")
    weight = _page_weight(browsers[network.professional_id], network.path)
    for browser in browsers.values():
        browser.close()
    client.close()
    size = driver.execute_query(scale.SIZE, database_=database)[0][0].data()
    return {
        "graph": name, "people": size["people"], "period": [period[0].isoformat(), period[1].isoformat()],
        "year_contacts": year.written_year(driver, database),
        "pages": [{"page": case.page, "path": case.path.split("?")[0],
                   "graphql": case.operation[0] if case.operation else None,
                   "page_ms": timed[case.page].page.summary(), "graphql_ms": timed[case.page].graphql.summary(),
                   "html_bytes": timed[case.page].bytes} for case in cases],
        "network_page_weight": weight,
        "charts_ms": _time_charts(driver, database, period, samples),
    }


def _cases(driver: Driver, database: str, period: tuple[datetime, datetime]) -> list[Case]:
    def professional(role: str) -> str:
        found = driver.execute_query(ROLE_PROFESSIONAL, role=role, database_=database)[0][0]["id"]
        if found is None:
            raise harness.BenchmarkError(f"the benchmark graph has no {role}")
        return str(found)

    front_door, manager, police, auditor = (professional(role) for role in (
        "mash_social_worker", "crs_manager", "police_mash_officer", "auditor"))
    police_agency = driver.execute_query(AGENCY_OF, id=police, database_=database)[0][0]["id"]
    found = driver.execute_query(TARGETS, agency_id=police_agency, database_=database)[0][0]
    if found is None or found["contact_id"] is None:
        raise harness.BenchmarkError("the benchmark graph has no open contact: its working day was not written")
    child, writer, household = found["child_id"], found["writer"], found["household_id"]
    start, end = period
    last_day = end - timedelta(days=1)
    mi_period = urlencode({"from-day": start.day, "from-month": start.month, "from-year": start.year,
                           "to-day": last_day.day, "to-month": last_day.month, "to-year": last_day.year})
    cases = [
        Case("home", "/", front_door, ("me", {})),
        Case("front door queue", "/queue", front_door, ("contacts", {"first": 25})),
        Case("one contact", f"/contacts/{found['contact_id']}", front_door, ("contact", {"id": found["contact_id"]})),
        Case("search", "/search?" + urlencode({"name": found["family_name"]}), front_door,
             ("searchPeople", {"name": found["family_name"], "first": 20})),
        Case("family network", f"/children/{child}/network", front_door, ("familyNetwork", {"childId": child})),
        Case("consent", f"/children/{child}/consent", front_door, ("consents", {"childId": child, "first": 20})),
        Case("overrides awaiting", "/overrides", manager, ("overridesAwaitingDecision", {"first": 25})),
        Case("partner inbox", "/inbox", police, ("informationRequestInbox", {"first": 25})),
        Case("one request", f"/requests/{found['request_id']}", police,
             ("informationRequest", {"id": found["request_id"]})),
        Case("caseload", "/caseload", writer, None),
        Case("workbook", f"/workbooks/{household}", writer, ("workbook", {"householdId": household, "first": 20})),
        Case("audit: overrides", "/audit/overrides", auditor, ("overrides", {"first": 25})),
        Case("audit: break glass", "/audit/break-glass", auditor, ("breakGlassReview", {"first": 25})),
        Case("audit: chain", "/audit/chain", auditor, None),
        Case("management information", "/management-information?" + mi_period, auditor, None),
    ]
    if found["override_id"] is not None:
        cases.insert(12, Case("audit: one override", f"/audit/overrides/{found['override_id']}", auditor,
                              ("consentOverride", {"id": found["override_id"]})))
    cases.append(Case("a chart's CSV", "/management-information/partner-responses.csv?" + mi_period, auditor, None))
    return cases


# Each chart's query, as the management information service runs it.
CHARTS: dict[str, Callable[..., list[Any]]] = {
    "override decisions per month, by manager": management_information.overrides_by_manager,
    "time from override request to decision": management_information.override_decision_times,
    "contacts by urgency, decided in time": management_information.contacts_by_urgency,
    "partners' answers by agency": management_information.partner_responses,
}


def _time_charts(driver: Driver, database: str, period: tuple[datetime, datetime], samples: int) -> dict[str, Any]:
    """Each chart's one aggregate query over the period, in a read transaction of its own."""
    found: dict[str, Any] = {}
    from_at, to_at = (utc(moment) for moment in period)
    for chart, query in CHARTS.items():
        timings = harness.Timings()
        for index in range(samples + WARM_ROUNDS):
            started = time.perf_counter()
            with driver.session(database=database) as session:
                session.execute_read(query, from_at=from_at, to_at=to_at)
            if index >= WARM_ROUNDS:
                timings.seconds.append(time.perf_counter() - started)
        found[chart] = timings.summary()
    return found


def _time_case(
    case: Case, timed: _Timed, browser: _Browser, *, client: harness.GraphQLClient, schema: harness.Schema,
    samples: int,
) -> None:
    ask: Callable[[], None] | None = None
    if case.operation is not None:
        name, values = case.operation
        text, variables = harness._operation("query", name, schema.query_fields[name], schema, values)

        def ask() -> None:
            reply = client.ask(case.professional_id, text, **variables)
            if reply.failed:
                errors = [error.get("message") for error in reply.body.get("errors", [])][:2]
                raise harness.BenchmarkError(f"the GraphQL twin of {case.page} failed: {name} {reply.status} {errors}")

    def open_page() -> None:
        timed.bytes = len(browser.get(case.path))

    for index in range(samples + WARM_ROUNDS):
        steps: list[tuple[harness.Timings, Callable[[], None]]] = [(timed.page, open_page)]
        if ask is not None:
            steps.append((timed.graphql, ask))
        if index % 2:
            steps.reverse()
        for timings, step in steps:
            started = time.perf_counter()
            step()
            if index >= WARM_ROUNDS:
                timings.seconds.append(time.perf_counter() - started)


def _page_weight(browser: _Browser, path: str) -> dict[str, int]:
    html = browser.get(path)
    assets = sorted(set(_ASSET.findall(html.decode())))
    bodies = [html, *(browser.get(asset) for asset in assets)]
    return {"html_bytes": len(html), "assets": len(assets), "total_bytes": sum(len(b) for b in bodies),
            "total_gzip_bytes": sum(len(gzip.compress(b)) for b in bodies)}


def markdown(figures: list[dict[str, Any]]) -> str:
    lines = ["| page | " + " | ".join(f"{g['graph']} p50 / p95" for g in figures) + " | GraphQL operation | "
             + " | ".join(f"{g['graph']} GraphQL p50 / p95" for g in figures) + " |",
             "|---|" + "---|" * (2 * len(figures) + 1)]
    rows: dict[str, list[dict[str, Any]]] = {}
    for graph in figures:
        for row in graph["pages"]:
            rows.setdefault(row["page"], []).append(row)
    for page, found in rows.items():
        def cell(timings: dict[str, float]) -> str:
            return f"{timings['p50_ms']:.1f} / {timings['p95_ms']:.1f} ms" if timings.get("n") else "—"
        operation = found[0]["graphql"] or "—"
        lines.append(f"| {page} | " + " | ".join(cell(r["page_ms"]) for r in found) + f" | {operation} | "
                     + " | ".join(cell(r["graphql_ms"]) for r in found) + " |")
    lines += ["", "| chart, over the period | " + " | ".join(f"{g['graph']} p50 / p95" for g in figures) + " |",
              "|---|" + "---|" * len(figures)]
    for chart in figures[0]["charts_ms"]:
        cells = [g["charts_ms"][chart] for g in figures]
        lines.append(f"| {chart} | " + " | ".join(f"{c['p50_ms']:.1f} / {c['p95_ms']:.1f} ms" for c in cells) + " |")
    for graph in figures:
        weight = graph["network_page_weight"]
        lines.append("")
        lines.append(f"{graph['graph']}: the network page is {weight['html_bytes'] / 1024:.0f} KiB of HTML and "
                     f"{weight['assets']} assets, {weight['total_bytes'] / 1024:.0f} KiB in all "
                     f"({weight['total_gzip_bytes'] / 1024:.0f} KiB gzipped)"
                     + (f"; the year holds {graph['year_contacts']:,} contacts" if graph["year_contacts"] else ""))
    return "\n".join(lines) + "\n"

