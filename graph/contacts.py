"""The front door's contacts, information requests to partners, their answers, and decisions.

Encrypted fields (concern, rationale, response to the referrer, shared content, a reason
not to share) arrive here already encrypted: this module stores and returns ciphertext.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph.values import to_python


class Urgency(StrEnum):
    RED = "RED"
    AMBER = "AMBER"
    GREEN = "GREEN"


class ContactStatus(StrEnum):
    OPEN = "OPEN"
    DECIDED = "DECIDED"


class Channel(StrEnum):
    """How a contact reached the front door."""

    TELEPHONE = "TELEPHONE"
    EMAIL = "EMAIL"
    ONLINE_FORM = "ONLINE_FORM"
    IN_PERSON = "IN_PERSON"
    POLICE_NOTIFICATION = "POLICE_NOTIFICATION"
    LETTER = "LETTER"


class ProposalStatus(StrEnum):
    """Where a proposed contact decision stands with the front-door manager."""

    PROPOSED = "PROPOSED"
    AGREED = "AGREED"
    SENT_BACK = "SENT_BACK"


class ReferrerKind(StrEnum):
    PROFESSIONAL = "PROFESSIONAL"
    PUBLIC = "PUBLIC"


class ConsentPosition(StrEnum):
    GIVEN = "GIVEN"
    NOT_SOUGHT = "NOT_SOUGHT"


class Outcome(StrEnum):
    NO_FURTHER_ACTION = "NO_FURTHER_ACTION"
    ADVICE_TO_REFERRER = "ADVICE_TO_REFERRER"
    FAMILY_HELP = "FAMILY_HELP"
    FAMILY_SAFEGUARDING = "FAMILY_SAFEGUARDING"
    JIGSAW = "JIGSAW"
    YOUNG_PEOPLES_SERVICE = "YOUNG_PEOPLES_SERVICE"
    SECTION_47_STRATEGY_MEETING = "SECTION_47_STRATEGY_MEETING"


class RequestScope(StrEnum):
    TARGETED = "TARGETED"
    FULL = "FULL"


class RequestBasis(StrEnum):
    CONSENT = "CONSENT"
    OVERRIDE = "OVERRIDE"


class BasisState(StrEnum):
    """Where the consent or override a request rests on stands now."""

    HOLDS = "HOLDS"
    WITHDRAWN = "WITHDRAWN"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    # The consent or override is no longer in the graph, or was never approved.
    MISSING = "MISSING"


@dataclass(frozen=True, slots=True)
class NewContact:
    id: str
    agency_id: str
    child_id: str
    received_at: datetime
    channel: Channel
    concern_ciphertext: str
    urgency: Urgency
    due_by: datetime
    recorded_by: str
    recorded_by_service: str
    passed_from_edt: bool
    referrer_kind: ReferrerKind
    referrer_professional_id: str | None
    referrer_name: str | None
    referrer_relationship: str | None
    consent_position: ConsentPosition
    consent_not_sought_reason: str | None


@dataclass(frozen=True, slots=True)
class ContactRow:
    id: str
    child_id: str
    child_given_name: str | None
    child_family_name: str | None
    received_at: datetime
    channel: str
    urgency: Urgency
    due_by: datetime
    status: ContactStatus
    recorded_by: str
    passed_from_edt: bool
    referrer_kind: ReferrerKind
    referrer_professional_id: str | None
    referrer_name: str | None
    referrer_relationship: str | None
    consent_position: ConsentPosition
    consent_not_sought_reason: str | None
    outcome: Outcome | None
    decided_by: str | None
    agreed_by: str | None
    decided_at: datetime | None
    # When the decision was proposed and when a manager agreed it: the same moment when a
    # manager decided alone.
    proposed_at: datetime | None = None
    agreed_at: datetime | None = None
    concern_ciphertext: str | None = None
    rationale_ciphertext: str | None = None
    response_ciphertext: str | None = None
    request_ids: tuple[str, ...] = ()
    proposals: tuple[ProposalRow, ...] = ()
    # Set when the retention schedule erased the contact's content (services/retention.py).
    erased_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProposalRow:
    """A contact decision a practitioner proposed, and what the manager did with it."""

    id: str
    contact_id: str
    child_id: str
    child_given_name: str | None
    child_family_name: str | None
    contact_due_by: datetime
    outcome: Outcome
    status: ProposalStatus
    proposed_by: str
    proposed_at: datetime
    agreed_by: str | None
    agreed_at: datetime | None
    sent_back_by: str | None
    sent_back_at: datetime | None
    rationale_ciphertext: str
    response_ciphertext: str
    send_back_note_ciphertext: str | None


@dataclass(frozen=True, slots=True)
class ProposalStanding:
    """A proposal as locked for the manager's answer."""

    proposal: ProposalRow
    contact_status: ContactStatus


@dataclass(frozen=True, slots=True)
class Grant:
    """A current consent or approved override for the child: FULL, or naming agencies."""

    id: str
    full: bool
    agencies: frozenset[str]

    def covers(self, agencies: frozenset[str], *, full_request: bool) -> bool:
        return self.full or (not full_request and agencies <= self.agencies)


@dataclass(frozen=True, slots=True)
class RequestStanding:
    contact_status: ContactStatus
    child_id: str
    due_by: datetime
    consents: tuple[Grant, ...]
    overrides: tuple[Grant, ...]
    partner_agencies: frozenset[str]


@dataclass(frozen=True, slots=True)
class ShareRow:
    id: str
    agency_id: str
    shared: bool
    fact_or_opinion: str | None
    historic: bool | None
    shared_by: str
    shared_at: datetime
    # None once the retention schedule erased the contact it answered.
    ciphertext: str | None


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: str
    contact_id: str
    child_id: str
    scope: RequestScope
    agencies: tuple[str, ...]
    basis: RequestBasis
    consent_id: str | None
    override_id: str | None
    due_by: datetime
    requested_by: str
    requested_at: datetime
    requester_side: bool
    addressed: bool
    basis_state: BasisState
    contact_status: ContactStatus
    shares: tuple[ShareRow, ...]

    @property
    def basis_holds(self) -> bool:
        return self.basis_state is BasisState.HOLDS


@dataclass(frozen=True, slots=True)
class QueueKey:
    """Where a page of the queue ends: contacts sort by due time, then id."""

    due_by: datetime
    id: str


CHILD_EXISTS: LiteralString = "MATCH (c:Person:Child {id: $child_id}) RETURN c.id AS id"

PROFESSIONAL_ROLES: LiteralString = """
MATCH (p:Professional {id: $professional_id})-[:MEMBER_OF]->(:Team)-[:PART_OF]->(a:Agency)
RETURN p.roles AS roles, a.id AS agency_id
"""

CREATE_CHILD: LiteralString = """
CREATE (c:Person:Child {
    id: $child_id, given_name: $given_name, family_name: $family_name, dob: $dob,
    created_by: $created_by, created_at: datetime()
})
"""

CREATE_CONTACT: LiteralString = """
MATCH (c:Person:Child {id: $child_id})
CREATE (k:Contact {
    id: $id, agency_id: $agency_id, received_at: $received_at, channel: $channel,
    concern: $concern, urgency: $urgency, due_by: $due_by, status: 'OPEN',
    recorded_by: $recorded_by, recorded_by_service: $recorded_by_service,
    passed_from_edt: $passed_from_edt, queue: 'FRONT_DOOR',
    referrer_kind: $referrer_kind, referrer_professional_id: $referrer_professional_id,
    referrer_name: $referrer_name, referrer_relationship: $referrer_relationship,
    consent_position: $consent_position, consent_not_sought_reason: $consent_not_sought_reason
})-[:CONCERNS]->(c)
RETURN k.id AS id
"""

_CONTACT_FIELDS: LiteralString = """
    k {.id, .received_at, .channel, .urgency, .due_by, .status, .recorded_by, .passed_from_edt,
       .referrer_kind, .referrer_professional_id, .referrer_name, .referrer_relationship,
       .consent_position, .consent_not_sought_reason, .outcome, .decided_by, .agreed_by,
       .decided_at, .proposed_at, .agreed_at, .erased_at} AS contact,
    c.id AS child_id, c.given_name AS given_name, c.family_name AS family_name
"""

_PROPOSAL_FIELDS: LiteralString = """
    d {.id, .outcome, .status, .proposed_by, .proposed_at, .agreed_by, .agreed_at, .sent_back_by,
       .sent_back_at, rationale: d.rationale, response: d.response_to_referrer,
       note: d.send_back_note, contact_id: k.id, child_id: c.id, given_name: c.given_name,
       family_name: c.family_name, due_by: k.due_by}
"""

CONTACT_BY_ID: LiteralString = """
MATCH (k:Contact {id: $contact_id})-[:CONCERNS]->(c:Person:Child)
WHERE k.agency_id = $agency_id
RETURN """ + _CONTACT_FIELDS + """,
    k.concern AS concern, k.rationale AS rationale, k.response_to_referrer AS response,
    COLLECT {
        MATCH (r:InformationRequest)-[:FOR_CONTACT]->(k)
        RETURN r.id ORDER BY r.requested_at, r.id
    } AS request_ids,
    COLLECT {
        MATCH (d:ContactDecision)-[:PROPOSED_FOR]->(k)
        RETURN """ + _PROPOSAL_FIELDS + """ AS proposal ORDER BY d.proposed_at, d.id
    } AS proposals
"""

# The queue: keyset pagination on (due_by, id), so a page never skips or repeats a contact
# when others are added meanwhile.
CONTACT_QUEUE: LiteralString = """
MATCH (k:Contact)-[:CONCERNS]->(c:Person:Child)
WHERE k.agency_id = $agency_id
  AND ($status IS NULL OR k.status = $status)
  AND ($urgency IS NULL OR k.urgency = $urgency)
  AND ($after_due IS NULL OR k.due_by > $after_due OR (k.due_by = $after_due AND k.id > $after_id))
RETURN """ + _CONTACT_FIELDS + """
ORDER BY k.due_by, k.id
LIMIT $limit
"""

LOCK_CONTACT: LiteralString = """
MATCH (k:Contact {id: $contact_id})
WHERE k.agency_id = $agency_id
SET k.lock_version = coalesce(k.lock_version, 0) + 1
RETURN k.status AS status, k.recorded_by AS recorded_by
"""

# A manager deciding alone: proposed, agreed and decided by them, at one moment.
DECIDE_CONTACT: LiteralString = """
MATCH (k:Contact {id: $contact_id})
WITH k, datetime() AS now
SET k.status = 'DECIDED', k.outcome = $outcome, k.rationale = $rationale,
    k.response_to_referrer = $response, k.decided_by = $decided_by, k.agreed_by = $agreed_by,
    k.decided_at = now, k.proposed_at = now, k.agreed_at = now
"""

AWAITING_AGREEMENT: LiteralString = """
MATCH (d:ContactDecision {status: 'PROPOSED'})-[:PROPOSED_FOR]->(k:Contact {id: $contact_id})
RETURN d.id AS id
LIMIT 1
"""

CREATE_PROPOSAL: LiteralString = """
MATCH (k:Contact {id: $contact_id})
CREATE (d:ContactDecision {
    id: $id, agency_id: k.agency_id, outcome: $outcome, rationale: $rationale,
    response_to_referrer: $response, status: 'PROPOSED', proposed_by: $proposed_by,
    proposed_at: datetime()
})-[:PROPOSED_FOR]->(k)
"""

# Locks the proposal and its contact, so an agreement, a sending back and a manager deciding
# the contact alone cannot both pass their checks. Another agency's proposal is not found.
LOCK_PROPOSAL: LiteralString = """
MATCH (d:ContactDecision {id: $proposal_id})-[:PROPOSED_FOR]->(k:Contact)-[:CONCERNS]->(c:Person:Child)
WHERE d.agency_id = $agency_id AND k.agency_id = $agency_id
SET d.lock_version = coalesce(d.lock_version, 0) + 1, k.lock_version = coalesce(k.lock_version, 0) + 1
RETURN """ + _PROPOSAL_FIELDS + """ AS proposal, k.status AS contact_status
"""

PROPOSAL_BY_ID: LiteralString = """
MATCH (d:ContactDecision {id: $proposal_id})-[:PROPOSED_FOR]->(k:Contact)-[:CONCERNS]->(c:Person:Child)
WHERE d.agency_id = $agency_id
RETURN """ + _PROPOSAL_FIELDS + """ AS proposal
"""

# The contact takes the proposal's outcome; its text is encrypted afresh for the contact.
AGREE_PROPOSAL: LiteralString = """
MATCH (d:ContactDecision {id: $proposal_id})-[:PROPOSED_FOR]->(k:Contact)
WITH d, k, datetime() AS now
SET d.status = 'AGREED', d.agreed_by = $agreed_by, d.agreed_at = now,
    k.status = 'DECIDED', k.outcome = d.outcome, k.rationale = $rationale,
    k.response_to_referrer = $response, k.decided_by = d.proposed_by, k.proposed_at = d.proposed_at,
    k.agreed_by = $agreed_by, k.agreed_at = now, k.decided_at = now, k.decision_id = d.id
"""

SEND_BACK_PROPOSAL: LiteralString = """
MATCH (d:ContactDecision {id: $proposal_id})
SET d.status = 'SENT_BACK', d.sent_back_by = $sent_back_by, d.sent_back_at = datetime(),
    d.send_back_note = $note
"""

# The managers' list: proposals in their agency awaiting agreement, on contacts still open,
# that someone else proposed; the most urgent contact first, keyset-paged on (due_by, id).
PROPOSALS_AWAITING: LiteralString = """
MATCH (d:ContactDecision {agency_id: $agency_id, status: 'PROPOSED'})-[:PROPOSED_FOR]->(k:Contact)
      -[:CONCERNS]->(c:Person:Child)
WHERE k.status = 'OPEN' AND d.proposed_by <> $professional_id
  AND ($after_due IS NULL OR k.due_by > $after_due OR (k.due_by = $after_due AND d.id > $after_id))
RETURN """ + _PROPOSAL_FIELDS + """ AS proposal
ORDER BY k.due_by, d.id
LIMIT $limit
"""

# What a request could rest on: the child's current consents and approved overrides, and the
# partner agencies a FULL request goes to.
REQUEST_STANDING: LiteralString = """
MATCH (k:Contact {id: $contact_id})-[:CONCERNS]->(c:Person:Child)
WHERE k.agency_id = $agency_id
RETURN k.status AS status, c.id AS child_id, k.due_by AS due_by,
    COLLECT {
        MATCH (g:Consent)-[:COVERS]->(c)
        WHERE g.withdrawn_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > datetime())
        RETURN {id: g.id, full: g.scope = 'FULL', agencies: coalesce(g.agencies, [])}
        ORDER BY g.given_at DESC, g.id
    } AS consents,
    COLLECT {
        MATCH (o:ConsentOverride {status: 'APPROVED'})-[:FOR]->(c)
        WHERE o.expires_at > datetime()
        RETURN {id: o.id, full: o.scope = 'FULL', agencies: coalesce(o.agencies, [])}
        ORDER BY o.decided_at DESC, o.id
    } AS overrides,
    COLLECT { MATCH (a:Agency) WHERE a.kind <> 'CHILDRENS_SERVICES' RETURN a.id } AS partners
"""

CREATE_REQUEST: LiteralString = """
MATCH (k:Contact {id: $contact_id})
CREATE (r:InformationRequest {
    id: $id, agency_id: $agency_id, scope: $scope, agencies: $agencies, basis: $basis,
    consent_id: $consent_id, override_id: $override_id, due_by: $due_by,
    requested_by: $requested_by, requested_at: datetime()
})-[:FOR_CONTACT]->(k)
WITH r
UNWIND $agencies AS addressed_id
MATCH (a:Agency {id: addressed_id})
CREATE (r)-[:ADDRESSED_TO]->(a)
"""

# Where the consent or override request `r` rests on stands now (a BasisState), so the
# front door and the partners can be told why a request no longer takes or shows answers.
_BASIS_STATE: LiteralString = """
    coalesce(CASE r.basis
        WHEN 'CONSENT' THEN head(COLLECT {
            MATCH (g:Consent {id: r.consent_id})
            RETURN CASE
                WHEN g.withdrawn_at IS NOT NULL THEN 'WITHDRAWN'
                WHEN g.expires_at IS NOT NULL AND g.expires_at <= datetime() THEN 'EXPIRED'
                ELSE 'HOLDS' END
        })
        ELSE head(COLLECT {
            MATCH (o:ConsentOverride {id: r.override_id})
            RETURN CASE
                WHEN o.status = 'REVOKED' THEN 'REVOKED'
                WHEN o.status <> 'APPROVED' THEN 'MISSING'
                WHEN o.expires_at IS NULL OR o.expires_at <= datetime() THEN 'EXPIRED'
                ELSE 'HOLDS' END
        })
    END, 'MISSING')
"""

# A request is visible to the front door that made it and to the agencies it is addressed
# to; each addressed agency sees only its own answers.
REQUEST_BY_ID: LiteralString = """
MATCH (r:InformationRequest {id: $request_id})-[:FOR_CONTACT]->(k:Contact)-[:CONCERNS]->(c:Person:Child)
WITH r, k, c, r.agency_id = $agency_id AS requester_side, $agency_id IN r.agencies AS addressed
WHERE requester_side OR addressed
RETURN r {.*} AS request, k.id AS contact_id, c.id AS child_id, requester_side, addressed,
    k.status AS contact_status,
    """ + _BASIS_STATE + """ AS basis_state,
    COLLECT {
        MATCH (s:InformationShare)-[:ANSWERS]->(r)
        WHERE requester_side OR s.agency = $agency_id
        RETURN s {.*} AS share ORDER BY s.shared_at, s.id
    } AS shares
"""

# Locks the request so two answers from one agency cannot both pass the check.
LOCK_REQUEST: LiteralString = """
MATCH (r:InformationRequest {id: $request_id})-[:FOR_CONTACT]->(k:Contact)-[:CONCERNS]->(c:Person:Child)
SET r.lock_version = coalesce(r.lock_version, 0) + 1
RETURN c.id AS child_id, k.status AS contact_status, $agency_id IN r.agencies AS addressed,
    r.basis AS basis, """ + _BASIS_STATE + """ AS basis_state,
    EXISTS { MATCH (s:InformationShare {agency: $agency_id})-[:ANSWERS]->(r) } AS answered
"""

CREATE_SHARE: LiteralString = """
MATCH (r:InformationRequest {id: $request_id})
CREATE (s:InformationShare {
    id: $id, agency: $agency_id, shared: $shared, content: $content,
    fact_or_opinion: $fact_or_opinion, historic: $historic,
    shared_by: $shared_by, shared_at: datetime()
})-[:ANSWERS]->(r)
"""


# Open contacts past their due time, by urgency: a gauge for the front door's managers (open
# contacts are few, and found by the queue's index on status).
OVERDUE_BY_URGENCY: LiteralString = """
MATCH (k:Contact {status: 'OPEN'}) WHERE k.due_by < datetime()
RETURN k.urgency AS urgency, count(k) AS overdue
"""


def overdue_by_urgency(tx: ManagedTransaction) -> dict[str, int]:
    found = {urgency.value: 0 for urgency in Urgency}
    found.update({r["urgency"]: r["overdue"] for r in tx.run(OVERDUE_BY_URGENCY)})
    return found

def child_exists(tx: ManagedTransaction, *, child_id: str) -> bool:
    return tx.run(CHILD_EXISTS, child_id=child_id).single() is not None


def professional_roles(tx: ManagedTransaction, *, professional_id: str) -> tuple[tuple[str, ...], str] | None:
    record = tx.run(PROFESSIONAL_ROLES, professional_id=professional_id).single()
    if record is None:
        return None
    return tuple(record["roles"] or ()), str(record["agency_id"])


def create_child(
    tx: ManagedTransaction, *, child_id: str, given_name: str, family_name: str, dob: date | None,
    created_by: str,
) -> None:
    tx.run(
        CREATE_CHILD, child_id=child_id, given_name=given_name, family_name=family_name, dob=dob,
        created_by=created_by,
    ).consume()


def create_contact(tx: ManagedTransaction, contact: NewContact) -> bool:
    record = tx.run(
        CREATE_CONTACT, id=contact.id, agency_id=contact.agency_id, child_id=contact.child_id,
        received_at=contact.received_at, channel=contact.channel.value,
        concern=contact.concern_ciphertext, urgency=contact.urgency.value, due_by=contact.due_by,
        recorded_by=contact.recorded_by, recorded_by_service=contact.recorded_by_service,
        passed_from_edt=contact.passed_from_edt, referrer_kind=contact.referrer_kind.value,
        referrer_professional_id=contact.referrer_professional_id,
        referrer_name=contact.referrer_name, referrer_relationship=contact.referrer_relationship,
        consent_position=contact.consent_position.value,
        consent_not_sought_reason=contact.consent_not_sought_reason,
    ).single()
    return record is not None


def get_contact(tx: ManagedTransaction, *, contact_id: str, agency_id: str) -> ContactRow | None:
    record = tx.run(CONTACT_BY_ID, contact_id=contact_id, agency_id=agency_id).single()
    if record is None:
        return None
    return _contact(
        record.data(), concern=record["concern"], rationale=record["rationale"],
        response=record["response"], request_ids=tuple(record["request_ids"]),
        proposals=tuple(_proposal(p) for p in record["proposals"]),
    )


def contact_queue(
    tx: ManagedTransaction, *, agency_id: str, status: ContactStatus | None, urgency: Urgency | None,
    after: QueueKey | None, limit: int,
) -> list[ContactRow]:
    result = tx.run(
        CONTACT_QUEUE, agency_id=agency_id, status=status.value if status else None,
        urgency=urgency.value if urgency else None,
        after_due=after.due_by if after else None, after_id=after.id if after else None, limit=limit,
    )
    return [_contact(record.data()) for record in result]


def lock_contact(tx: ManagedTransaction, *, contact_id: str, agency_id: str) -> ContactStatus | None:
    record = tx.run(LOCK_CONTACT, contact_id=contact_id, agency_id=agency_id).single()
    return ContactStatus(record["status"]) if record is not None else None


def decide_contact(
    tx: ManagedTransaction, *, contact_id: str, outcome: Outcome, rationale: str, response: str,
    decided_by: str, agreed_by: str,
) -> None:
    tx.run(
        DECIDE_CONTACT, contact_id=contact_id, outcome=outcome.value, rationale=rationale,
        response=response, decided_by=decided_by, agreed_by=agreed_by,
    ).consume()


def awaiting_agreement(tx: ManagedTransaction, *, contact_id: str) -> str | None:
    """The id of the contact's proposed decision that awaits a manager, if there is one."""
    record = tx.run(AWAITING_AGREEMENT, contact_id=contact_id).single()
    return str(record["id"]) if record is not None else None


def create_proposal(
    tx: ManagedTransaction, *, proposal_id: str, contact_id: str, outcome: Outcome, rationale: str,
    response: str, proposed_by: str,
) -> None:
    tx.run(
        CREATE_PROPOSAL, id=proposal_id, contact_id=contact_id, outcome=outcome.value, rationale=rationale,
        response=response, proposed_by=proposed_by,
    ).consume()


def lock_proposal(tx: ManagedTransaction, *, proposal_id: str, agency_id: str) -> ProposalStanding | None:
    record = tx.run(LOCK_PROPOSAL, proposal_id=proposal_id, agency_id=agency_id).single()
    if record is None:
        return None
    return ProposalStanding(
        proposal=_proposal(record["proposal"]), contact_status=ContactStatus(record["contact_status"])
    )


def get_proposal(tx: ManagedTransaction, *, proposal_id: str, agency_id: str) -> ProposalRow | None:
    record = tx.run(PROPOSAL_BY_ID, proposal_id=proposal_id, agency_id=agency_id).single()
    return _proposal(record["proposal"]) if record is not None else None


def agree_proposal(
    tx: ManagedTransaction, *, proposal_id: str, agreed_by: str, rationale: str, response: str
) -> None:
    tx.run(
        AGREE_PROPOSAL, proposal_id=proposal_id, agreed_by=agreed_by, rationale=rationale, response=response,
    ).consume()


def send_back_proposal(tx: ManagedTransaction, *, proposal_id: str, sent_back_by: str, note: str) -> None:
    tx.run(SEND_BACK_PROPOSAL, proposal_id=proposal_id, sent_back_by=sent_back_by, note=note).consume()


def proposals_awaiting(
    tx: ManagedTransaction, *, agency_id: str, professional_id: str, after: QueueKey | None, limit: int,
) -> list[ProposalRow]:
    result = tx.run(
        PROPOSALS_AWAITING, agency_id=agency_id, professional_id=professional_id,
        after_due=after.due_by if after else None, after_id=after.id if after else None, limit=limit,
    )
    return [_proposal(record["proposal"]) for record in result]


def request_standing(tx: ManagedTransaction, *, contact_id: str, agency_id: str) -> RequestStanding | None:
    record = tx.run(REQUEST_STANDING, contact_id=contact_id, agency_id=agency_id).single()
    if record is None:
        return None
    return RequestStanding(
        contact_status=ContactStatus(record["status"]),
        child_id=record["child_id"],
        due_by=to_python(record["due_by"]),
        consents=tuple(_grant(g) for g in record["consents"]),
        overrides=tuple(_grant(g) for g in record["overrides"]),
        partner_agencies=frozenset(record["partners"]),
    )


def create_request(
    tx: ManagedTransaction, *, request_id: str, contact_id: str, agency_id: str, scope: RequestScope,
    agencies: list[str], basis: RequestBasis, grant_id: str, due_by: datetime, requested_by: str,
) -> None:
    tx.run(
        CREATE_REQUEST, id=request_id, contact_id=contact_id, agency_id=agency_id,
        scope=scope.value, agencies=agencies, basis=basis.value,
        consent_id=grant_id if basis is RequestBasis.CONSENT else None,
        override_id=grant_id if basis is RequestBasis.OVERRIDE else None,
        due_by=due_by, requested_by=requested_by,
    ).consume()


def get_request(tx: ManagedTransaction, *, request_id: str, agency_id: str) -> RequestRow | None:
    record = tx.run(REQUEST_BY_ID, request_id=request_id, agency_id=agency_id).single()
    if record is None:
        return None
    request = _native(record["request"])
    return RequestRow(
        id=request["id"], contact_id=record["contact_id"], child_id=record["child_id"],
        scope=RequestScope(request["scope"]), agencies=tuple(request["agencies"]),
        basis=RequestBasis(request["basis"]), consent_id=request.get("consent_id"),
        override_id=request.get("override_id"), due_by=request["due_by"],
        requested_by=request["requested_by"], requested_at=request["requested_at"],
        requester_side=bool(record["requester_side"]), addressed=bool(record["addressed"]),
        basis_state=BasisState(record["basis_state"]),
        contact_status=ContactStatus(record["contact_status"]),
        shares=tuple(_share(_native(s)) for s in record["shares"]),
    )


@dataclass(frozen=True, slots=True)
class AnswerStanding:
    child_id: str
    contact_status: ContactStatus
    addressed: bool
    answered: bool
    basis: RequestBasis
    basis_state: BasisState


def lock_request(tx: ManagedTransaction, *, request_id: str, agency_id: str) -> AnswerStanding | None:
    record = tx.run(LOCK_REQUEST, request_id=request_id, agency_id=agency_id).single()
    if record is None:
        return None
    return AnswerStanding(
        child_id=record["child_id"], contact_status=ContactStatus(record["contact_status"]),
        addressed=bool(record["addressed"]), answered=bool(record["answered"]),
        basis=RequestBasis(record["basis"]), basis_state=BasisState(record["basis_state"]),
    )


def create_share(
    tx: ManagedTransaction, *, share_id: str, request_id: str, agency_id: str, shared: bool,
    ciphertext: str, fact_or_opinion: str | None, historic: bool | None, shared_by: str,
) -> None:
    tx.run(
        CREATE_SHARE, id=share_id, request_id=request_id, agency_id=agency_id, shared=shared,
        content=ciphertext, fact_or_opinion=fact_or_opinion, historic=historic, shared_by=shared_by,
    ).consume()


def _native(row: dict[str, Any]) -> dict[str, Any]:
    return {key: to_python(value) for key, value in row.items()}


def _grant(raw: dict[str, Any]) -> Grant:
    return Grant(id=raw["id"], full=bool(raw["full"]), agencies=frozenset(raw["agencies"]))


def _share(raw: dict[str, Any]) -> ShareRow:
    return ShareRow(
        id=raw["id"], agency_id=raw["agency"], shared=bool(raw["shared"]),
        fact_or_opinion=raw.get("fact_or_opinion"), historic=raw.get("historic"),
        shared_by=raw["shared_by"], shared_at=raw["shared_at"], ciphertext=raw.get("content"),
    )


def _utc(moment: Any) -> Any:
    # The hub writes times in UTC; one written without its zone behind the hub's back is read
    # as UTC too, rather than failing every comparison with the hub's own clock.
    if isinstance(moment, datetime) and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _proposal(raw: dict[str, Any]) -> ProposalRow:
    d = _native(raw)
    return ProposalRow(
        id=d["id"], contact_id=d["contact_id"], child_id=d["child_id"], child_given_name=d["given_name"],
        child_family_name=d["family_name"], contact_due_by=_utc(d["due_by"]), outcome=Outcome(d["outcome"]),
        status=ProposalStatus(d["status"]), proposed_by=d["proposed_by"], proposed_at=d["proposed_at"],
        agreed_by=d.get("agreed_by"), agreed_at=d.get("agreed_at"), sent_back_by=d.get("sent_back_by"),
        sent_back_at=d.get("sent_back_at"), rationale_ciphertext=d["rationale"],
        response_ciphertext=d["response"], send_back_note_ciphertext=d.get("note"),
    )


def _contact(
    row: dict[str, Any], *, concern: str | None = None, rationale: str | None = None,
    response: str | None = None, request_ids: tuple[str, ...] = (), proposals: tuple[ProposalRow, ...] = (),
) -> ContactRow:
    k = _native(row["contact"])
    outcome = k.get("outcome")
    return ContactRow(
        id=k["id"], child_id=row["child_id"], child_given_name=row["given_name"],
        child_family_name=row["family_name"], received_at=_utc(k["received_at"]), channel=k["channel"],
        urgency=Urgency(k["urgency"]), due_by=_utc(k["due_by"]), status=ContactStatus(k["status"]),
        recorded_by=k["recorded_by"], passed_from_edt=bool(k["passed_from_edt"]),
        referrer_kind=ReferrerKind(k["referrer_kind"]),
        referrer_professional_id=k.get("referrer_professional_id"),
        referrer_name=k.get("referrer_name"), referrer_relationship=k.get("referrer_relationship"),
        consent_position=ConsentPosition(k["consent_position"]),
        consent_not_sought_reason=k.get("consent_not_sought_reason"),
        outcome=Outcome(outcome) if outcome else None, decided_by=k.get("decided_by"),
        agreed_by=k.get("agreed_by"), decided_at=k.get("decided_at"), proposed_at=k.get("proposed_at"),
        agreed_at=k.get("agreed_at"), concern_ciphertext=concern, rationale_ciphertext=rationale,
        response_ciphertext=response, request_ids=request_ids, proposals=proposals,
        erased_at=k.get("erased_at"),
    )
