"""Reads of people and their family network, each answered by one Cypher query."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, LiteralString

from neo4j import ManagedTransaction, Record

from graph.access_rules import (
    AS_OF,
    CHOOSE_BASIS,
    CONTENT_BASES,
    LIVE,
    first_covering,
    kin_asserted,
    moved_in,
    on_record,
    standing,
)
from graph.data_key_store import DATA_KEY_MAP, keys_by_scope
from graph.professionals import ProfessionalView
from graph.values import utc

MAX_NETWORK_DEPTH = 3

# Per record: own agency, and the newest consent and override that also cover its holder.
_RECORD_FACTS: LiteralString = """
WITH p, r, ag, allocated, break_glass_id, ag.id = $agency_id AND NOT shut_out AS own,
     coalesce($read_bases[toLower(ag.kind) + '_record'], []) AS allowed,
     """ + first_covering("consents") + """ AS record_consent,
     """ + first_covering("overrides") + """ AS record_override
"""


def _asserted_by(now: LiteralString) -> LiteralString:
    return "" if now == LIVE else "\n           AND " + kin_asserted("path", now)


def _residents(now: LiteralString) -> LiteralString:
    if now == LIVE:
        return "MATCH (c)-[:LIVES_IN]->(:Household)<-[:LIVES_IN]-(resident:Person)"
    return (
        "MATCH (c)-[home:LIVES_IN]->(:Household)<-[there:LIVES_IN]-(resident:Person)\n"
        "         WHERE " + moved_in("home", "there", now)
    )


def _recorded_by(now: LiteralString) -> LiteralString:
    return "" if now == LIVE else "\n        WHERE " + on_record("r", now)


# Kin are reached through family relationships up to $depth hops; everyone who lives or
# lived in one of the child's households is in the network too. Every part of the answer
# is a COLLECT subquery over the one set of people, so the whole network is one round trip.
def family_network(now: LiteralString = LIVE) -> LiteralString:
    """The network as it stands at `now`: at the present for the live read, at a past instant
    for the auditor's replay, which also leaves out relationships, residences and records not
    yet on record then."""
    return standing(now) + """
WITH c, shut_out, allocated, consents, overrides, consent_id, override_id, break_glass_id,
     $agency_kind = 'CHILDRENS_SERVICES' AND NOT shut_out AS own,
     coalesce($read_bases['person'], []) AS allowed,
     consent_id AS record_consent, override_id AS record_override
WITH c, shut_out, allocated, consents, overrides, consent_id, override_id, break_glass_id,
     """ + CHOOSE_BASIS + """ AS network_basis
WITH c, shut_out, allocated, consents, overrides, consent_id, override_id, break_glass_id, network_basis,
     network_basis IN $content_bases AS network_visible
WITH c, shut_out, allocated, consents, overrides, consent_id, override_id, break_glass_id, network_basis,
     network_visible, CASE WHEN network_visible THEN COLLECT {
         MATCH path = (c)-[:PARENT_OF|SIBLING_OF|PARTNER_OF|CARER_OF|RELATIVE_OF*1..3]-(kin:Person)
         WHERE length(path) <= $depth""" + _asserted_by(now) + """
         RETURN DISTINCT kin
     } + COLLECT {
         """ + _residents(now) + """
         RETURN DISTINCT resident
     } ELSE [] END AS found
UNWIND [c] + found AS member
WITH c, shut_out, allocated, consents, overrides, consent_id, override_id, break_glass_id, network_basis,
     network_visible, collect(DISTINCT member) AS people
WITH
    c.id AS child_id, network_basis, consent_id, override_id, break_glass_id,
    [p IN people | {
        id: p.id, kind: CASE WHEN p:Child THEN 'Child' ELSE 'Adult' END,
        given_name: CASE WHEN network_visible THEN p.given_name END,
        family_name: CASE WHEN network_visible THEN p.family_name END,
        dob: CASE WHEN network_visible THEN toString(p.dob) END
    }] AS people,
    COLLECT {
        UNWIND people AS a
        MATCH (a)-[r:PARENT_OF|SIBLING_OF|PARTNER_OF|CARER_OF|RELATIVE_OF]->(b:Person)
        WHERE b IN people
        RETURN {
            from_id: a.id, to_id: b.id, type: type(r),
            parental_responsibility: r.parental_responsibility, kind: r.kind,
            asserted_by: r.asserted_by, asserted_at: toString(r.asserted_at), verified: r.verified
        } AS relationship
        ORDER BY relationship.type, relationship.from_id, relationship.to_id
    } AS relationships,
    COLLECT {
        UNWIND people AS p
        MATCH (p)-[l:LIVES_IN]->(h:Household)
        WHERE network_visible
        RETURN {
            person_id: p.id, household_id: h.id, address: h.address, postcode: h.postcode,
            since: toString(l.since), until: toString(l.until),
            asserted_by: l.asserted_by, asserted_at: toString(l.asserted_at), verified: l.verified
        } AS residence
        ORDER BY residence.household_id, residence.person_id, l.since
    } AS residences,
    COLLECT {
        UNWIND people AS p
        MATCH (pro:Professional)-[a:ALLOCATED_TO]->(p)
        WHERE network_visible
        MATCH (pro)-[:MEMBER_OF]->(t:Team)-[:PART_OF]->(ag:Agency)
        RETURN {
            professional_id: pro.id, professional_name: pro.name, child_id: p.id,
            role: a.role, since: toString(a.since), team_id: t.id, team_name: t.name,
            service: t.service, agency_id: ag.id, agency_name: ag.name
        } AS allocation
        ORDER BY allocation.child_id, allocation.professional_id
    } AS allocations,
    // Every record about the network that the caller may know of, with its basis: those on a
    // content basis are shown, and the agencies holding any of them are who knows each person
    // (existence-only disclosure: never how much or what). Only the two lists below leave Neo4j.
    COLLECT {
        UNWIND people AS p
        MATCH (r:AgencyRecord)-[:ABOUT]->(p)
        MATCH (r)-[:HELD_BY]->(ag:Agency)""" + _recorded_by(now) + """
        """ + _RECORD_FACTS + """
        WITH p, r, ag, record_consent, record_override, """ + CHOOSE_BASIS + """ AS basis
        WHERE basis IS NOT NULL
        RETURN {
            id: r.id, person_id: p.id, agency_id: ag.id, agency_name: ag.name,
            agency_kind: ag.kind, basis: basis, category: r.category, summary: r.summary,
            recorded_at: toString(r.recorded_at), classification: r.classification,
            erased: r.erased_at IS NOT NULL,
            consent_id: CASE basis WHEN 'CONSENT' THEN record_consent END,
            override_id: CASE basis WHEN 'OVERRIDE' THEN record_override END
        } AS record
        ORDER BY record.person_id, record.agency_id, r.recorded_at DESC, record.id
    } AS known_records,
    // The wrapped data keys of the people whose records may be read, so the service can open
    // the summaries without another round trip; a wrapped key is useless without the KEK.
    COLLECT {
        UNWIND people AS p
        MATCH (k:DataKey {scope_id: p.id})
        WHERE network_visible OR p = c
        RETURN """ + DATA_KEY_MAP + """ AS data_key
    } AS data_keys
RETURN child_id, network_basis, consent_id, override_id, break_glass_id, people, relationships, residences,
       allocations, data_keys,
       [record IN known_records WHERE record.basis IN $content_bases] AS records,
       COLLECT {
           UNWIND known_records AS record
           WITH DISTINCT record.person_id AS person_id, record.agency_id AS agency_id,
                record.agency_name AS agency_name, record.agency_kind AS agency_kind
           RETURN {person_id: person_id, agency_id: agency_id, agency_name: agency_name,
                   agency_kind: agency_kind} AS known
           ORDER BY known.person_id, known.agency_id
       } AS known_to
"""


FAMILY_NETWORK: LiteralString = family_network()
FAMILY_NETWORK_AS_OF: LiteralString = family_network(AS_OF)

# The caller as the graph records them now is what every decision rests on. Rather than read
# them in a round trip of their own first, the read of a caller the process has seen before
# sends who it takes them to be (`$caller`, from their last request) and the network query
# runs only if the graph still says exactly that, with the policy revision this process holds
# (or none stored, when the files it started with are the policy). If anything differs (a role
# removed, a move of team or agency, a new policy, the professional gone, the token's other
# name for them reassigned), nothing of the network is read and the caller is read afresh.
CALLER_CURRENT: LiteralString = """
OPTIONAL MATCH (caller:Professional {id: $caller.id})
WITH caller, EXISTS {
    MATCH (caller)-[:MEMBER_OF]->(team:Team {id: $caller.team_id})-[:PART_OF]->(agency:Agency {id: $caller.agency_id})
    WHERE caller.name = $caller.name AND coalesce(caller.roles, []) = $caller.roles
      AND coalesce(caller.discipline, '') = $caller.discipline
      AND team.service = $caller.team_service AND agency.kind = $caller.agency_kind
} AS in_place
WITH in_place AND ($caller.external_id IS NULL OR caller.external_id = $caller.external_id)
     AND coalesce(COLLECT { MATCH (s:PolicyState {id: 'current'}) RETURN s.revision }[0], $caller.policy_revision)
         = $caller.policy_revision AS caller_current
"""

FAMILY_NETWORK_FOR_CURRENT_CALLER: LiteralString = CALLER_CURRENT + """
OPTIONAL CALL (caller_current) {
    WITH caller_current WHERE caller_current""" + FAMILY_NETWORK + """}
RETURN caller_current, child_id, network_basis, consent_id, override_id, break_glass_id, people, relationships,
       residences, allocations, data_keys, records, known_to
"""


@dataclass(frozen=True, slots=True)
class PersonView:
    id: str
    kind: str
    # None when the caller may know only that the person is in the network.
    given_name: str | None
    family_name: str | None
    dob: date | None


@dataclass(frozen=True, slots=True)
class RelationshipView:
    from_id: str
    to_id: str
    type: str
    parental_responsibility: bool | None
    kind: str | None
    asserted_by: str | None
    asserted_at: datetime | None
    verified: bool | None


@dataclass(frozen=True, slots=True)
class ResidenceView:
    person_id: str
    household_id: str
    address: str
    postcode: str
    since: date | None
    until: date | None
    asserted_by: str | None
    asserted_at: datetime | None
    verified: bool | None


@dataclass(frozen=True, slots=True)
class AllocationView:
    professional_id: str
    professional_name: str
    child_id: str
    role: str
    since: date | None
    team_id: str
    team_name: str
    service: str
    agency_id: str
    agency_name: str


@dataclass(frozen=True, slots=True)
class RecordView:
    id: str
    person_id: str
    agency_id: str
    agency_name: str
    agency_kind: str
    basis: str
    category: str
    # Ciphertext as read from the graph; the service puts plaintext (or None) in its place.
    summary: str | None
    recorded_at: datetime | None
    classification: str
    consent_id: str | None
    override_id: str | None
    # Why summary is None although the caller may read it (erased, or failed its integrity check).
    summary_unavailable: str | None = None
    # The retention schedule removed its summary (services/retention.py).
    erased: bool = False


@dataclass(frozen=True, slots=True)
class KnownTo:
    person_id: str
    agency_id: str
    agency_name: str
    agency_kind: str


@dataclass(frozen=True, slots=True)
class FamilyNetwork:
    child_id: str
    # The basis on which the caller sees the network's people; None when they have none.
    basis: str | None
    consent_id: str | None
    override_id: str | None
    people: tuple[PersonView, ...]
    relationships: tuple[RelationshipView, ...]
    residences: tuple[ResidenceView, ...]
    allocations: tuple[AllocationView, ...]
    records: tuple[RecordView, ...]
    known_to: tuple[KnownTo, ...]
    # The caller's break-glass access the network is seen under, when it is.
    break_glass_id: str | None = None
    # Stored data keys by scope id, as the graph holds them (wrapped; see protection.keyring).
    data_keys: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Viewer:
    """The caller as the network query needs them: who, which agency, and the compiled policy."""

    professional_id: str
    agency_id: str
    agency_kind: str
    # For each resource kind, the bases the caller's roles may read it on (from the policy).
    read_bases: dict[str, list[str]]
    content_bases: tuple[str, ...] = CONTENT_BASES


# The network query returns its dates and times as ISO-8601 text: the driver's own temporal
# types cost more to decode than the standard library's parsers, and a network carries many.
_DATE_FIELDS = frozenset({"dob", "since", "until"})
_DATETIME_FIELDS = frozenset({"asserted_at", "recorded_at"})


def _parse_temporal(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key in _DATE_FIELDS:
        return date.fromisoformat(value)
    if key in _DATETIME_FIELDS:
        # A zone name follows the offset ("...+01:00[Europe/London]"); the offset is enough.
        return datetime.fromisoformat(value.partition("[")[0])
    return value


def _from_text(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _parse_temporal(key, value) for key, value in row.items()}


def get_family_network(
    tx: ManagedTransaction, *, child_id: str, depth: int, viewer: Viewer, as_of: datetime | None = None
) -> FamilyNetwork | None:
    """The network as the viewer sees it now, or (`as_of`, a past instant) as they saw it then."""
    parameters = _parameters(child_id=child_id, depth=depth, viewer=viewer)
    if as_of is None:
        record = tx.run(FAMILY_NETWORK, parameters).single()
    else:
        record = tx.run(FAMILY_NETWORK_AS_OF, parameters, as_of=utc(as_of)).single()
    return _network(record) if record is not None else None


@dataclass(frozen=True, slots=True)
class ExpectedCaller:
    """Who a query takes its caller to be, confirmed against the graph before it reads (CALLER_CURRENT)."""

    # As last read, with the revision of the policy the viewer's bases were compiled from.
    professional: ProfessionalView
    # The token's name for them when it is not their id (HUB_JWT_SUBJECT_CLAIM), else None.
    external_id: str | None


class CallerChanged:
    """The graph no longer records the caller as expected: nothing was read."""


CALLER_CHANGED = CallerChanged()


def get_family_network_for_expected_caller(
    tx: ManagedTransaction, *, child_id: str, depth: int, viewer: Viewer, caller: ExpectedCaller,
) -> FamilyNetwork | CallerChanged | None:
    """As get_family_network, in the same round trip as confirming who the caller is."""
    professional = caller.professional
    expected = asdict(professional) | {"roles": list(professional.roles), "external_id": caller.external_id}
    record = tx.run(
        FAMILY_NETWORK_FOR_CURRENT_CALLER, _parameters(child_id=child_id, depth=depth, viewer=viewer), caller=expected,
    ).single(strict=True)
    if not record["caller_current"]:
        return CALLER_CHANGED
    return _network(record) if record["child_id"] is not None else None


def _parameters(*, child_id: str, depth: int, viewer: Viewer) -> dict[str, Any]:
    if not 1 <= depth <= MAX_NETWORK_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_NETWORK_DEPTH}")
    return {
        "child_id": child_id, "depth": depth, "professional_id": viewer.professional_id,
        "agency_id": viewer.agency_id, "agency_kind": viewer.agency_kind,
        "read_bases": viewer.read_bases, "content_bases": list(viewer.content_bases),
    }


def _network(record: Record) -> FamilyNetwork:
    return FamilyNetwork(
        child_id=record["child_id"],
        basis=record["network_basis"],
        consent_id=record["consent_id"],
        override_id=record["override_id"],
        break_glass_id=record["break_glass_id"],
        people=tuple(PersonView(**_from_text(p)) for p in record["people"]),
        relationships=tuple(RelationshipView(**_from_text(r)) for r in record["relationships"]),
        residences=tuple(ResidenceView(**_from_text(r)) for r in record["residences"]),
        allocations=tuple(AllocationView(**_from_text(a)) for a in record["allocations"]),
        records=tuple(RecordView(**_from_text(r)) for r in record["records"]),
        known_to=tuple(KnownTo(**k) for k in record["known_to"]),
        data_keys=keys_by_scope(record["data_keys"]),
    )
