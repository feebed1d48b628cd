"""The figures of a run as a Markdown table and a JSON file, with the machine they came from."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

# The targets the figures are judged against (issues: benchmarks at county scale; faster
# than the generic GraphQL-over-Neo4j layer, with the policy on).
TARGET_NETWORK_RATIO_P50 = 1.2
TARGET_PEER_RATIO = 1.0
TARGET_POLICY_COST = 0.10
TARGET_API_MB = 300.0


def machine() -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(), "kernel": platform.release(),
    }


def _ms(summary: dict[str, Any], key: str) -> str:
    return f"{summary[key]:.1f} ms" if key in summary else "n/a"


def _verdict(ok: bool) -> str:
    return "meets target" if ok else "misses target"


def _latency(summary: dict[str, Any]) -> str:
    return f"p50 {_ms(summary, 'p50_ms')}, p95 {_ms(summary, 'p95_ms')}"


def _ratio(network: dict[str, Any], name: str) -> str:
    return f"p50 {network[name + '_p50']:.2f}x, p95 {network[name + '_p95']:.2f}x"


def _peer_rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    network = results["family_network"]
    peer = results.get("peer", {})
    if not peer.get("available"):
        return [("familyNetwork, @neo4j/graphql", "not measured", peer.get("reason") or "")]
    at_most = TARGET_PEER_RATIO
    p50 = network["ratio_graphql_to_peer_authorization_p50"]
    p95 = network["ratio_graphql_to_peer_authorization_p95"]
    return [
        ("familyNetwork, @neo4j/graphql, no authorization", _latency(network["peer_open"]), ""),
        ("familyNetwork, @neo4j/graphql, `@authorization` to the caller's agency",
         _latency(network["peer_authorization"]), ""),
        ("hub / @neo4j/graphql with authorization", _ratio(network, "ratio_graphql_to_peer_authorization"),
         f"<= {at_most:.1f}x at p50 and p95: {_verdict(p50 <= at_most and p95 <= at_most)}"),
        ("hub / @neo4j/graphql without", _ratio(network, "ratio_graphql_to_peer_open"), ""),
        ("@neo4j/graphql with authorization / Cypher", _ratio(network, "ratio_peer_authorization_to_cypher"), ""),
    ]


def _throughput_rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    names = {"hub": "the hub", "peer_open": "@neo4j/graphql, no authorization",
             "peer_authorization": "@neo4j/graphql, with authorization"}
    for clients, variants in (results.get("network_throughput") or {}).items():
        for name, figures in variants.items():
            rows.append((f"network reads, {clients} clients, {names[name]}",
                         f"{figures['requests_per_second']:,.1f} req/s, p95 {_ms(figures, 'p95_ms')}, "
                         f"{figures['errors']} errors", ""))
    return rows


def markdown(results: dict[str, Any]) -> str:
    network = results["family_network"]
    cypher, on, off = network["handwritten_cypher"], network["graphql_policy"], network["graphql_permissive"]
    search = results["search_people"]
    audit = results["audit_appends_per_second"]
    mixed_runs: dict[str, dict[str, Any]] = results["mixed"]
    memory = results["api_memory_mb"]
    graph = results["graph"]
    host = results["machine"]
    ratio = network["ratio_graphql_to_cypher_p50"]
    cost = network["policy_filter_cost_p50"]
    network_errors = sum(network["errors"].values())
    rows = [
        ("familyNetwork, hand-written Cypher (driver)", _latency(cypher), ""),
        ("familyNetwork, the hub (GraphQL over HTTP)", _latency(on), ""),
        *_peer_rows(results),
        ("hub / Cypher", _ratio(network, "ratio_graphql_to_cypher"),
         f"<= {TARGET_NETWORK_RATIO_P50}x at p50: {_verdict(ratio <= TARGET_NETWORK_RATIO_P50)}"),
        ("fixed cost of a request (`me` over HTTP)", _latency(network["graphql_me_baseline"]), ""),
        ("a request that reads nothing (`/livez` over HTTP)", _latency(network["http_livez_baseline"]), ""),
        ("familyNetwork, the hub, permissive policy", _latency(off), ""),
        ("policy filter cost (policy / permissive - 1)",
         f"p50 {cost:+.1%}, p95 {network['policy_filter_cost_p95']:+.1%}",
         f"< {TARGET_POLICY_COST:.0%}: {_verdict(cost < TARGET_POLICY_COST)}"),
        ("searchPeople", _latency(search) if search["available"] else "not available",
         "" if search["available"] else "not in the schema at the time of the run"),
        ("audit appends/s", f"1 writer {audit['1']:,.0f}, 8 writers {audit['8']:,.0f}", ""),
        *_throughput_rows(results),
        *[(f"mixed MASH workload, {mixed['clients']} clients",
           f"{mixed['requests_per_second']:,.1f} req/s, p95 {_ms(mixed, 'p95_ms')}, {mixed['errors']} errors "
           f"({mixed['requests']:,} requests)",
           f"zero errors: {_verdict(mixed['errors'] == 0 and network_errors == 0)}")
          for mixed in mixed_runs.values()],
        ("API process peak RSS", f"{memory['policy_peak_rss']:.0f} MB",
         f"< {TARGET_API_MB:.0f} MB: {_verdict(memory['policy_peak_rss'] < TARGET_API_MB)}"),
    ]
    first = next(iter(mixed_runs.values()))
    lines = [
        f"Graph: {graph.get('families', 0):,} families, {graph.get('children', 0):,} children, "
        f"{graph.get('people', 0):,} people"
        + (f"; loaded at {graph['load_items_per_second']:,.0f} items/s" if graph.get("load_items_per_second") else ""),
        f"Machine: {host['cpu']}, {host['cores']} cores, {host['ram_gb']} GB RAM; Python {host['python']}",
        f"Run: {results['started_at']}, {results['options']['samples']} sampled children, "
        f"mixed workload {results['options']['mixed_seconds']:.0f}s "
        f"({', '.join(first['operations'])})",
        "",
        "| measure | figure | target |",
        "|---|---|---|",
        *[f"| {name} | {figure} | {target} |" for name, figure, target in rows],
    ]
    if first["absent_from_schema"]:
        lines += ["", "Not in the schema, so not in the mixed workload: " + ", ".join(first["absent_from_schema"])]
    return "\n".join(lines) + "\n"


def write(results: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    results.setdefault("machine", machine())
    folder.mkdir(parents=True, exist_ok=True)
    markdown_path, json_path = folder / "latest.md", folder / "latest.json"
    markdown_path.write_text(markdown(results))
    json_path.write_text(json.dumps(results, indent=2, sort_keys=True, default=str) + "\n")
    return markdown_path, json_path
