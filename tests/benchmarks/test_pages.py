"""The pages benchmark at tiny scale against the test Neo4j: every page it times answers, beside its
GraphQL operation, each chart's query is timed, and the network page's weight counts what a
browser loads.

Only that it measures is asserted here, never speed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from neo4j import Driver

from benchmarks import pages
from config.settings import Settings
from devtools import demo_city, working_day


@pytest.mark.slow
def test_every_page_is_timed_beside_its_graphql_operation_and_the_network_page_weighed(
    sealed_city_db: Driver, test_settings: Settings, tmp_path: Path,
) -> None:
    assert working_day.seed_working_day(test_settings, sealed_city_db, demo_city.demo_city(), seed=7) is not None
    now = datetime.now(UTC)

    figures = pages.measure(test_settings, sealed_city_db, name="demo city", period=(now - timedelta(days=7), now),
                            samples=2, folder=tmp_path, log=lambda _: None)

    timed = {row["page"]: row for row in figures["pages"]}
    assert {"front door queue", "family network", "partner inbox", "workbook", "audit: one override",
            "management information", "a chart's CSV"} <= set(timed)
    for row in timed.values():
        assert row["page_ms"]["n"] == 2 and row["html_bytes"] > 0, row
        assert row["graphql_ms"]["n"] == (2 if row["graphql"] else 0), row
    weight = figures["network_page_weight"]
    assert weight["assets"] >= 3 and weight["total_bytes"] > weight["html_bytes"] > 0
    assert set(figures["charts_ms"]) == set(pages.CHARTS)
    assert all(chart["n"] == 2 for chart in figures["charts_ms"].values())
    table = pages.markdown([figures])
    assert all(f"| {page} |" in table for page in timed)
