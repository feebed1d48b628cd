"""The year of front-door work the management information benchmark reads: spread over twelve
months, as the figures count it, written once.

Only what was written is asserted here, never speed.
"""

from __future__ import annotations

from collections import Counter

from neo4j import Driver

from benchmarks import county, year
from config.settings import Settings
from services.composition import assemble
from services.management_information import ManagementInformation
from services.principal import PrincipalLookup

TINY = county.CountyParameters(families=12, seed=5, chunk_families=5)
PER_MONTH = 6  # 72 contacts over the year: even one month drawing none is a 1-in-40 chance
AUDITOR: str = "MATCH (p:Professional) WHERE 'auditor' IN p.roles RETURN min(p.id) AS id"
CONTACT_MONTHS = """
MATCH (k:Contact) RETURN toString(date.truncate('month', k.received_at)) AS month, count(*) AS contacts
"""
RECENT_CONTACTS = "MATCH (k:Contact) WHERE k.received_at >= $since RETURN count(k) AS n"


def test_a_year_spreads_its_contacts_over_twelve_months_and_the_figures_count_every_one(
    graph_db: Driver, test_settings: Settings,
) -> None:
    county.ensure_county(graph_db, TINY, database="neo4j")
    hub = assemble(test_settings, driver=graph_db)

    from_at, to_at = year.ensure_year(hub, contacts_per_month=PER_MONTH, log=lambda _: None)
    again = year.ensure_year(hub, contacts_per_month=PER_MONTH, log=lambda _: None)

    assert again == (from_at, to_at)
    assert year.written_year(graph_db, "neo4j") == year.MONTHS * PER_MONTH
    months = Counter({r["month"]: r["contacts"] for r in graph_db.execute_query(CONTACT_MONTHS)[0]})
    assert sum(months.values()) == year.MONTHS * PER_MONTH
    assert len(months) >= 10  # drawn uniformly over the year: some months may draw none

    auditor_id = graph_db.execute_query(AUDITOR)[0][0]["id"]
    lookup = PrincipalLookup(graph_db, database="neo4j", policy_sync=hub.policy_sync)
    auditor = lookup.principal(auditor_id)
    assert auditor is not None
    found = hub.services.management_information.figures(auditor, from_at=from_at, to_at=to_at)
    assert isinstance(found, ManagementInformation)
    assert sum(row.contacts for row in found.contacts_by_urgency) == year.MONTHS * PER_MONTH
    decided = sum(row.in_time + row.late for row in found.contacts_by_urgency)
    assert 0 < decided <= year.MONTHS * PER_MONTH
    assert sum(row.asked for row in found.partner_responses) > 0
    # Every contact was moved back: none is left at the moment it was written.
    assert graph_db.execute_query(RECENT_CONTACTS, since=to_at)[0][0]["n"] == 0
