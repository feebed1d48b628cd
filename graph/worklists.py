"""The worklists: override requests awaiting a manager's decision, and a partner agency's inbox.

Each page is one query. It carries the child's name as the caller may see it, judged row by
row with the access facts of `graph/access_rules.py` exactly as a read of that child is
(`child(id)`), and the child's wrapped data key, so the service opens what the page shows
without another round trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph.access_rules import BREAK_GLASS, CHOOSE_BASIS, CONSENTS, OVERRIDES, RELATIONSHIP, SHUT_OUT
from graph.consent import OverrideRecord
from graph.contacts import (
    _BASIS_STATE,
    BasisState,
    ContactStatus,
    RequestBasis,
    RequestRow,
    RequestScope,
    ShareRow,
)
from graph.data_key_store import DATA_KEY_MAP, StoredDataKey, stored_from_row
from graph.network import Viewer
from graph.values import to_python

# The child `c` as the caller `me` may see it, the standing a read of that one child rests on
# (graph/access_rules.py STANDING, row by row). Leaves child_basis and record_override bound.
# The fragments match their own k, o, b and grant: a query composing them binds none of those.
CHILD_STANDING: LiteralString = """
WITH *, """ + SHUT_OUT + """ AS shut_out
WITH *, NOT shut_out AND $agency_kind = 'CHILDRENS_SERVICES' AS own,
     NOT shut_out AND """ + RELATIONSHIP + """ AS allocated,
     CASE WHEN shut_out THEN [] ELSE """ + CONSENTS + """ END AS consents,
     CASE WHEN shut_out THEN [] ELSE """ + OVERRIDES + """ END AS overrides,
     CASE WHEN shut_out THEN [] ELSE """ + BREAK_GLASS + """ END AS break_glasses,
     coalesce($read_bases['person'], []) AS allowed
WITH *, consents[0].id AS record_consent, overrides[0].id AS record_override,
     break_glasses[0] AS break_glass_id
WITH *, """ + CHOOSE_BASIS + """ AS child_basis
"""

CHILD_FIELDS: LiteralString = """
    c.id AS child_id,
    CASE WHEN child_basis IN $content_bases THEN c.given_name END AS child_given_name,
    CASE WHEN child_basis IN $content_bases THEN c.family_name END AS child_family_name,
    child_basis,
    CASE child_basis WHEN 'OVERRIDE' THEN record_override END AS name_override_id,
    head(COLLECT { MATCH (k:DataKey {scope_id: c.id}) RETURN """ + DATA_KEY_MAP + """ AS key }) AS data_key
"""

# A position in a list is a stored time as (epoch second, nanosecond) and an id: Neo4j orders
# equal instants written in different zones by zone, and a Python datetime holds no
# nanoseconds, so neither a time nor its text would always find the row a page ended on.
def _after(at: LiteralString, id_: LiteralString) -> LiteralString:
    """Rows after ($after_s, $after_ns, $after_id) in the order (at, id); all rows when $after_s is null."""
    return (
        "($after_s IS NULL OR " + at + ".epochSeconds > $after_s OR (" + at + ".epochSeconds = $after_s AND ("
        + at + ".nanosecond > $after_ns OR (" + at + ".nanosecond = $after_ns AND " + id_ + " > $after_id))))"
    )


def _order(at: LiteralString, id_: LiteralString) -> LiteralString:
    return at + ".epochSeconds, " + at + ".nanosecond, " + id_


# Requests nobody has decided, oldest first; never the caller's own, which they may not
# decide (services/consent.py).
OVERRIDES_AWAITING: LiteralString = """
MATCH (pending:ConsentOverride {status: 'REQUESTED'})-[:FOR]->(c:Person:Child)
WHERE pending.requested_by <> $professional_id AND """ + _after("pending.requested_at", "pending.id") + """
WITH pending, c ORDER BY """ + _order("pending.requested_at", "pending.id") + """ LIMIT $limit
OPTIONAL MATCH (me:Professional {id: $professional_id})
""" + CHILD_STANDING + """
RETURN pending {
    .id, .scope, .agencies, .requested_by, .requested_at, .decided_by, .decided_at,
    .decision_note, .expires_at, .revoked_by, .revoked_at, .status,
    ground: pending.reason, child_id: c.id, justification_ciphertext: pending.justification
} AS override,
    [pending.requested_at.epochSeconds, pending.requested_at.nanosecond] AS position,
    head(COLLECT {
        MATCH (p:Professional {id: pending.requested_by})-[:MEMBER_OF]->(t:Team)-[:PART_OF]->(a:Agency)
        RETURN {name: p.name, team_name: t.name, agency_name: a.name} AS requester
        ORDER BY t.id
    }) AS requester,
""" + CHILD_FIELDS + """
ORDER BY """ + _order("pending.requested_at", "pending.id") + """
"""

# A request still takes answers (0) until its basis goes or its contact is decided (1); the
# same rule as services.contacts.request_status, which says which of the two.
_STATUS: LiteralString = """
CASE WHEN basis_state <> 'HOLDS' THEN 'WITHDRAWN' WHEN contact.status = 'DECIDED' THEN 'CLOSED' ELSE 'OPEN' END
"""

# The requests addressed to the caller's agency by another, open first and due first; each
# as REQUEST_BY_ID shows it to an addressed agency, with that agency's own answers only.
INBOX: LiteralString = """
MATCH (:Agency {id: $agency_id})<-[:ADDRESSED_TO]-(r:InformationRequest)
      -[:FOR_CONTACT]->(contact:Contact)-[:CONCERNS]->(c:Person:Child)
WHERE $agency_id IN r.agencies AND r.agency_id <> $agency_id
WITH r, contact, c, """ + _BASIS_STATE + """ AS basis_state
WITH r, contact, c, basis_state, """ + _STATUS + """ AS status
WITH r, contact, c, basis_state, status, CASE status WHEN 'OPEN' THEN 0 ELSE 1 END AS rank
WHERE ($status IS NULL OR status = $status)
  AND ($after_rank IS NULL OR rank > $after_rank OR (rank = $after_rank AND """ + _after("r.due_by", "r.id") + """))
WITH r, contact, c, basis_state, rank ORDER BY rank, """ + _order("r.due_by", "r.id") + """ LIMIT $limit
OPTIONAL MATCH (me:Professional {id: $professional_id})
""" + CHILD_STANDING + """
RETURN r {.*} AS request, contact.id AS contact_id, contact.status AS contact_status, basis_state,
    [rank, r.due_by.epochSeconds, r.due_by.nanosecond] AS position,
    COLLECT {
        MATCH (s:InformationShare)-[:ANSWERS]->(r)
        WHERE s.agency = $agency_id
        RETURN s {.*} AS share ORDER BY s.shared_at, s.id
    } AS shares,
""" + CHILD_FIELDS + """
ORDER BY rank, """ + _order("r.due_by", "r.id") + """
"""


@dataclass(frozen=True, slots=True)
class ListedChild:
    """The child a list item is about: its name only where the caller has a basis to see it."""

    id: str
    given_name: str | None
    family_name: str | None
    # The basis the name is seen on (EXISTENCE: not seen), or None where none holds.
    basis: str | None
    # The override the name is seen under, for the audit of that read.
    override_id: str | None


@dataclass(frozen=True, slots=True)
class Requester:
    name: str | None
    team_name: str | None
    agency_name: str | None


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ends: a stored time as epoch second and nanosecond, and the row's id."""

    seconds: int
    nanosecond: int
    id: str


@dataclass(frozen=True, slots=True)
class InboxKey:
    """Where a page of the inbox ends: open requests (rank 0) first, then by due time and id."""

    rank: int
    due: Position


@dataclass(frozen=True, slots=True)
class AwaitingOverrideRow:
    override: OverrideRecord
    child: ListedChild
    requester: Requester
    data_key: StoredDataKey | None
    position: Position


@dataclass(frozen=True, slots=True)
class InboxRow:
    request: RequestRow
    child: ListedChild
    data_key: StoredDataKey | None
    key: InboxKey


def overrides_awaiting(
    tx: ManagedTransaction, *, viewer: Viewer, after: Position | None, limit: int
) -> list[AwaitingOverrideRow]:
    result = tx.run(OVERRIDES_AWAITING, limit=limit, **_after_parameters(after), **viewer_parameters(viewer))
    rows = []
    for record in result:
        override = _override(record["override"])
        seconds, nanosecond = record["position"]
        rows.append(AwaitingOverrideRow(
            override=override, child=listed_child(record), requester=_requester(record["requester"]),
            data_key=_data_key(record["data_key"]), position=Position(seconds, nanosecond, override.id),
        ))
    return rows


def inbox(
    tx: ManagedTransaction, *, viewer: Viewer, status: str | None, after: InboxKey | None, limit: int,
) -> list[InboxRow]:
    result = tx.run(
        INBOX, status=status, after_rank=after.rank if after else None, limit=limit,
        **_after_parameters(after.due if after else None), **viewer_parameters(viewer),
    )
    rows = []
    for record in result:
        request = _request(record)
        rank, seconds, nanosecond = record["position"]
        rows.append(InboxRow(
            request=request, child=listed_child(record), data_key=_data_key(record["data_key"]),
            key=InboxKey(rank=rank, due=Position(seconds, nanosecond, request.id)),
        ))
    return rows


def _after_parameters(after: Position | None) -> dict[str, Any]:
    return {
        "after_s": after.seconds if after else None, "after_ns": after.nanosecond if after else None,
        "after_id": after.id if after else None,
    }


def viewer_parameters(viewer: Viewer) -> dict[str, Any]:
    return {
        "professional_id": viewer.professional_id, "agency_id": viewer.agency_id,
        "agency_kind": viewer.agency_kind, "read_bases": viewer.read_bases,
        "content_bases": list(viewer.content_bases),
    }


def _native(row: dict[str, Any]) -> dict[str, Any]:
    return {key: to_python(value) for key, value in row.items()}


def _override(raw: dict[str, Any]) -> OverrideRecord:
    values = _native(raw)
    values["agencies"] = tuple(values["agencies"] or ())
    return OverrideRecord(**values)


def listed_child(record: Any) -> ListedChild:
    return ListedChild(
        id=record["child_id"], given_name=record["child_given_name"], family_name=record["child_family_name"],
        basis=record["child_basis"], override_id=record["name_override_id"],
    )


def _requester(raw: dict[str, Any] | None) -> Requester:
    # A requester since removed from the hub still asked: the request keeps their id.
    if raw is None:
        return Requester(name=None, team_name=None, agency_name=None)
    return Requester(name=raw["name"], team_name=raw["team_name"], agency_name=raw["agency_name"])


def _data_key(raw: dict[str, Any] | None) -> StoredDataKey | None:
    return stored_from_row(raw) if raw is not None else None


def _request(record: Any) -> RequestRow:
    request = _native(record["request"])
    return RequestRow(
        id=request["id"], contact_id=record["contact_id"], child_id=record["child_id"],
        scope=RequestScope(request["scope"]), agencies=tuple(request["agencies"]),
        basis=RequestBasis(request["basis"]), consent_id=request.get("consent_id"),
        override_id=request.get("override_id"), due_by=request["due_by"],
        requested_by=request["requested_by"], requested_at=request["requested_at"],
        # An inbox lists requests other agencies addressed to the caller's, never its own.
        requester_side=False, addressed=True,
        basis_state=BasisState(record["basis_state"]), contact_status=ContactStatus(record["contact_status"]),
        shares=tuple(_share(_native(share)) for share in record["shares"]),
    )


def _share(raw: dict[str, Any]) -> ShareRow:
    return ShareRow(
        id=raw["id"], agency_id=raw["agency"], shared=bool(raw["shared"]),
        fact_or_opinion=raw.get("fact_or_opinion"), historic=raw.get("historic"),
        shared_by=raw["shared_by"], shared_at=raw["shared_at"], ciphertext=raw.get("content"),
    )
