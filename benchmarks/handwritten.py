"""The family network asked as a developer would write it by hand: one query, no access rules.

It answers the same question as `familyNetwork(childId, depth: 2)` (the child, kin within two
family hops, everyone in the child's households, their relationships, residences,
allocations and agency records) so the hub's overhead can be measured against it.
"""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import Driver

FAMILY_NETWORK_DEPTH_2: LiteralString = """
MATCH (c:Person:Child {id: $child_id})
WITH c,
     COLLECT {
         MATCH (c)-[:PARENT_OF|SIBLING_OF|PARTNER_OF|CARER_OF|RELATIVE_OF*1..2]-(kin:Person)
         RETURN DISTINCT kin
     } + COLLECT {
         MATCH (c)-[:LIVES_IN]->(:Household)<-[:LIVES_IN]-(resident:Person)
         RETURN DISTINCT resident
     } AS found
UNWIND [c] + found AS member
WITH collect(DISTINCT member) AS people
RETURN
    [p IN people | p {.id, .given_name, .family_name, .dob, child: p:Child}] AS people,
    COLLECT {
        UNWIND people AS a
        MATCH (a)-[r:PARENT_OF|SIBLING_OF|PARTNER_OF|CARER_OF|RELATIVE_OF]->(b:Person)
        WHERE b IN people
        RETURN {from_id: a.id, to_id: b.id, type: type(r),
                parental_responsibility: r.parental_responsibility, kind: r.kind,
                asserted_by: r.asserted_by, asserted_at: r.asserted_at, verified: r.verified}
    } AS relationships,
    COLLECT {
        UNWIND people AS p
        MATCH (p)-[l:LIVES_IN]->(h:Household)
        RETURN {person_id: p.id, household_id: h.id, address: h.address, postcode: h.postcode,
                since: l.since, until: l.until, asserted_by: l.asserted_by,
                asserted_at: l.asserted_at, verified: l.verified}
    } AS residences,
    COLLECT {
        UNWIND people AS p
        MATCH (pro:Professional)-[a:ALLOCATED_TO]->(p)
        MATCH (pro)-[:MEMBER_OF]->(t:Team)-[:PART_OF]->(ag:Agency)
        RETURN {professional_id: pro.id, professional_name: pro.name, child_id: p.id, role: a.role,
                since: a.since, team_id: t.id, team_name: t.name, service: t.service,
                agency_id: ag.id, agency_name: ag.name}
    } AS allocations,
    COLLECT {
        UNWIND people AS p
        MATCH (r:AgencyRecord)-[:ABOUT]->(p)
        MATCH (r)-[:HELD_BY]->(ag:Agency)
        RETURN {id: r.id, person_id: p.id, agency_id: ag.id, agency_name: ag.name,
                agency_kind: ag.kind, category: r.category, summary: r.summary,
                recorded_at: r.recorded_at, classification: r.classification}
    } AS records
"""


def family_network(driver: Driver, child_id: str, *, database: str) -> dict[str, Any]:
    records, _, _ = driver.execute_query(FAMILY_NETWORK_DEPTH_2, child_id=child_id, database_=database)
    return records[0].data() if records else {}
