"""The facts one access decision rests on, read for a single resource.

These feed the per-record policy decision (`explainAccess`, and the oracle the compiled
network filter is tested against); the network query computes the same facts in bulk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph.access_rules import AS_OF, LIVE, first_covering, kin_asserted, moved_in, on_record, standing
from graph.values import utc


def _record_facts(now: LiteralString) -> LiteralString:
    # At a past instant the record must have been in the hub, and the ties that put its subject
    # in the child's network on record, as the network read at that instant requires.
    if now == LIVE:
        held = ""
        kin = "MATCH (c)-[:PARENT_OF|SIBLING_OF|PARTNER_OF|CARER_OF|RELATIVE_OF*1..3]-(subject)"
        home = "MATCH (c)-[:LIVES_IN]->(:Household)<-[:LIVES_IN]-(subject)"
    else:
        held = "\nWHERE " + on_record("r", now)
        kin = (
            "MATCH path = (c)-[:PARENT_OF|SIBLING_OF|PARTNER_OF|CARER_OF|RELATIVE_OF*1..3]-(subject)\n"
            "           WHERE " + kin_asserted("path", now)
        )
        home = (
            "MATCH (c)-[home:LIVES_IN]->(:Household)<-[there:LIVES_IN]-(subject) WHERE "
            + moved_in("home", "there", now)
        )
    return standing(now) + """
MATCH (r:AgencyRecord {id: $record_id})-[:HELD_BY]->(ag:Agency)""" + held + """
MATCH (r)-[:ABOUT]->(subject:Person)
RETURN c.id AS child_id, subject.id AS subject_id,
       toLower(ag.kind) + '_record' AS resource_kind, ag.id = $agency_id AND NOT shut_out AS own_agency,
       """ + first_covering("consents") + """ AS consent_id,
       """ + first_covering("overrides") + """ AS override_id,
       allocated, break_glass_id,
       subject = c OR EXISTS {
           """ + kin + """
       } OR EXISTS { """ + home + """ } AS in_network
"""


RECORD_FACTS: LiteralString = _record_facts(LIVE)
RECORD_FACTS_AS_OF: LiteralString = _record_facts(AS_OF)

# The children whose network a record sits in: its subject, if a child, or the children an
# adult is parent or carer to or lives with. Access is judged per child, since consent and
# overrides are given for one child.
RECORD_SUBJECT_CHILDREN: LiteralString = """
MATCH (r:AgencyRecord {id: $record_id})-[:ABOUT]->(subject:Person)
RETURN CASE WHEN subject:Child THEN [subject.id] ELSE COLLECT {
    MATCH (subject)-[:PARENT_OF|CARER_OF]->(own:Child) RETURN own.id AS id
    UNION
    MATCH (subject)-[:LIVES_IN]->(:Household)<-[:LIVES_IN]-(resident:Child) RETURN resident.id AS id
} END AS child_ids
"""

def _child_facts(now: LiteralString) -> LiteralString:
    return standing(now) + """
RETURN c.id AS child_id, consent_id, override_id, allocated, break_glass_id,
       $agency_kind = 'CHILDRENS_SERVICES' AND NOT shut_out AS own_agency
"""


CHILD_FACTS: LiteralString = _child_facts(LIVE)
CHILD_FACTS_AS_OF: LiteralString = _child_facts(AS_OF)


def _instant(as_of: datetime | None) -> dict[str, Any]:
    """The past instant an _AS_OF rendering is judged at; the live ones need none."""
    return {} if as_of is None else {"as_of": utc(as_of)}


@dataclass(frozen=True, slots=True)
class AccessFacts:
    child_id: str
    resource_kind: str
    own_agency: bool
    consent_id: str | None
    override_id: str | None
    allocated: bool
    break_glass_id: str | None = None
    in_network: bool = True


def record_context_children(tx: ManagedTransaction, *, record_id: str) -> list[str]:
    record = tx.run(RECORD_SUBJECT_CHILDREN, record_id=record_id).single()
    return sorted(record["child_ids"]) if record is not None else []


def record_facts(
    tx: ManagedTransaction, *, record_id: str, child_id: str, professional_id: str,
    agency_id: str, agency_kind: str, as_of: datetime | None = None,
) -> AccessFacts | None:
    record = tx.run(
        RECORD_FACTS if as_of is None else RECORD_FACTS_AS_OF, _instant(as_of),
        record_id=record_id, child_id=child_id,
        professional_id=professional_id, agency_id=agency_id, agency_kind=agency_kind,
    ).single()
    if record is None:
        return None
    return AccessFacts(
        child_id=record["child_id"], resource_kind=record["resource_kind"],
        own_agency=record["own_agency"], consent_id=record["consent_id"],
        override_id=record["override_id"], allocated=record["allocated"],
        break_glass_id=record["break_glass_id"], in_network=record["in_network"],
    )


def child_facts(
    tx: ManagedTransaction, *, child_id: str, professional_id: str, agency_id: str, agency_kind: str,
    as_of: datetime | None = None,
) -> AccessFacts | None:
    record = tx.run(
        CHILD_FACTS if as_of is None else CHILD_FACTS_AS_OF, _instant(as_of),
        child_id=child_id, professional_id=professional_id,
        agency_id=agency_id, agency_kind=agency_kind,
    ).single()
    if record is None:
        return None
    return AccessFacts(
        child_id=record["child_id"], resource_kind="person", own_agency=record["own_agency"],
        consent_id=record["consent_id"], override_id=record["override_id"],
        allocated=record["allocated"], break_glass_id=record["break_glass_id"],
    )
