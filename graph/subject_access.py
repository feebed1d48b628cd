"""What the hub holds about one person, and every audit event that names it: a subject access
request's reads (UK GDPR Art. 15).

One query per kind of thing, each anchored on the person's unique id, all in the caller's
transaction. Sealed fields come back as ciphertext with the id of the scope whose data key
opens them; opening them, and deciding what is a third party's, is the service's concern.
The audit events are found by their targets: every id this module gathered for the person
(the person, their households and workbooks, records, contacts and the decisions proposed
on them, consents, overrides, requests, answers and workbook entries). No index covers list members, so that read scans
the chain once: a subject access request is rare and its answer is owed in a month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph.values import to_python

PERSON: LiteralString = """
MATCH (p:Person {id: $person_id})
RETURN p {.id, .given_name, .family_name, .dob, .gender, .ethnicity,
          kind: CASE WHEN p:Child THEN 'Child' ELSE 'Adult' END} AS person
"""

# Every home, past and present, and everyone else who lives or lived there.
HOUSEHOLDS: LiteralString = """
MATCH (:Person {id: $person_id})-[home:LIVES_IN]->(h:Household)
RETURN h {.id, .address, .postcode, since: home.since, until: home.until,
          workbook_id: head(COLLECT { MATCH (w:Workbook)-[:FOR]->(h) RETURN w.id })} AS household,
       COLLECT {
           MATCH (h)<-[theirs:LIVES_IN]-(other:Person) WHERE other.id <> $person_id
           RETURN other {.id, .given_name, .family_name, .dob,
                         kind: CASE WHEN other:Child THEN 'Child' ELSE 'Adult' END,
                         since: theirs.since, until: theirs.until} AS resident
           ORDER BY resident.id, resident.since
       } AS residents
ORDER BY household.since, household.id
"""

# Family relationships either way round: `outgoing` says whether the person is the relationship's
# start (the parent in PARENT_OF, the carer in CARER_OF).
RELATIONSHIPS: LiteralString = """
MATCH (p:Person {id: $person_id})-[r:PARENT_OF|SIBLING_OF|PARTNER_OF|CARER_OF|RELATIVE_OF]-(other:Person)
WHERE other <> p
RETURN {
    type: type(r), outgoing: startNode(r) = p, parental_responsibility: r.parental_responsibility,
    detail: r.kind, current: r.current, asserted_by: r.asserted_by, asserted_at: r.asserted_at,
    verified: r.verified,
    other: other {.id, .given_name, .family_name, .dob, kind: CASE WHEN other:Child THEN 'Child' ELSE 'Adult' END}
} AS relationship
ORDER BY relationship.type, relationship.other.id
"""

RECORDS: LiteralString = """
MATCH (r:AgencyRecord)-[:ABOUT]->(p:Person {id: $person_id})
MATCH (r)-[:HELD_BY]->(a:Agency)
RETURN r {.id, .category, .summary, .recorded_at, .classification, scope_id: p.id,
          agency_id: a.id, agency_name: a.name} AS record
ORDER BY record.recorded_at, record.id
"""

CONTACTS: LiteralString = """
MATCH (k:Contact)-[:CONCERNS]->(c:Person:Child {id: $person_id})
RETURN k {.id, .agency_id, .received_at, .channel, .urgency, .status, .recorded_by, .passed_from_edt,
          .referrer_kind, .referrer_professional_id, .referrer_name, .referrer_relationship,
          .consent_position, .consent_not_sought_reason, .outcome, .decided_by, .agreed_by, .decided_at,
          .concern, .rationale, response_to_referrer: k.response_to_referrer, scope_id: c.id} AS contact
ORDER BY contact.received_at, contact.id
"""

# Decisions proposed on those contacts, agreed or sent back: a draft's reasoning is held too.
CONTACT_DECISIONS: LiteralString = """
MATCH (d:ContactDecision)-[:PROPOSED_FOR]->(k:Contact)-[:CONCERNS]->(c:Person:Child {id: $person_id})
RETURN d {.id, .outcome, .status, .proposed_by, .proposed_at, .agreed_by, .agreed_at, .sent_back_by, .sent_back_at,
          .rationale, response_to_referrer: d.response_to_referrer, send_back_note: d.send_back_note,
          contact_id: k.id, scope_id: c.id} AS decision
ORDER BY decision.proposed_at, decision.id
"""

# Consents covering the child, and consents the person gave for a child.
CONSENTS: LiteralString = """
MATCH (p:Person {id: $person_id})
CALL (p) {
    MATCH (giver:Person)-[:GAVE]->(g:Consent)-[:COVERS]->(p) RETURN g, giver, p AS child
    UNION
    MATCH (p)-[:GAVE]->(g:Consent)-[:COVERS]->(child:Person) RETURN g, p AS giver, child
}
RETURN g {.id, .scope, .agencies, .purpose, .method, .given_at, .expires_at, .withdrawn_at, .withdrawn_by,
          .recorded_by,
          giver: giver {.id, .given_name, .family_name}, child: child {.id, .given_name, .family_name}} AS consent
ORDER BY consent.given_at, consent.id
"""

# An approved override past its expiry reads as EXPIRED, as everywhere else (graph.consent).
OVERRIDES: LiteralString = """
MATCH (o:ConsentOverride)-[:FOR]->(c:Person:Child {id: $person_id})
RETURN o {.id, .reason, .justification, .scope, .agencies, .requested_by, .requested_at, .decided_by,
          .decided_at, .decision_note, .expires_at, .revoked_by, .revoked_at, scope_id: c.id,
          status: CASE WHEN o.status = 'APPROVED' AND o.expires_at <= datetime() THEN 'EXPIRED'
                       ELSE o.status END} AS override
ORDER BY override.requested_at, override.id
"""

# Break glass on the child: who took access, why, and their explanation (sealed as `explanation`).
BREAK_GLASS: LiteralString = """
MATCH (b:BreakGlass)-[:FOR]->(c:Person:Child {id: $person_id})
RETURN b {.id, .reason, .detail, .professional_id, .agency_id, .opened_at, .expires_at, scope_id: c.id} AS use
ORDER BY use.opened_at, use.id
"""

RESTRICTIONS: LiteralString = """
MATCH (r:Restriction)-[:RESTRICTS]->(c:Person:Child {id: $person_id})
RETURN r {.id, .reason, .restricted_by, .restricted_at,
          named: COLLECT { MATCH (p:Professional)-[:NAMED_ON]->(r) RETURN p.id AS id ORDER BY id }} AS restriction
"""

REQUESTS: LiteralString = """
MATCH (q:InformationRequest)-[:FOR_CONTACT]->(k:Contact)-[:CONCERNS]->(c:Person:Child {id: $person_id})
RETURN q {.id, .scope, .agencies, .basis, .consent_id, .override_id, .due_by, .requested_by, .requested_at,
          contact_id: k.id} AS request,
       COLLECT {
           MATCH (s:InformationShare)-[:ANSWERS]->(q)
           RETURN s {.id, .agency, .shared, .content, .fact_or_opinion, .historic, .shared_by, .shared_at,
                     scope_id: c.id} AS share
           ORDER BY share.shared_at, share.id
       } AS shares
ORDER BY request.requested_at, request.id
"""

# Every version of every entry in the workbooks of the person's households, past and present:
# a workbook is the family's, and amended text is still held.
WORKBOOK_VERSIONS: LiteralString = """
MATCH (:Person {id: $person_id})-[:LIVES_IN]->(h:Household)<-[:FOR]-(w:Workbook)
WITH DISTINCT h, w
MATCH (e:WorkbookEntry)-[:IN]->(w)
MATCH (v:WorkbookEntryVersion)-[:OF]->(e)
OPTIONAL MATCH (v)-[:WRITTEN_BY]->(author:Professional)
RETURN v {.id, .version, .body, .written_at, .discipline, entry_id: e.id, section: e.section,
          visibility: e.visibility, workbook_id: w.id, scope_id: h.id, author_id: author.id} AS version
ORDER BY version.entry_id, version.version
"""

DISCLOSURES: LiteralString = """
MATCH (e:AuditEvent)
WHERE any(target IN e.targets WHERE target IN $ids)
RETURN e {.seq, .at, .actor, .agency, .role, .action, .targets, .basis, .override_id, .request_id} AS event
ORDER BY event.seq
"""


@dataclass(frozen=True, slots=True)
class Subject:
    id: str
    kind: str
    given_name: str | None
    family_name: str | None
    dob: date | None
    gender: str | None
    ethnicity: str | None


@dataclass(frozen=True, slots=True)
class OtherPerson:
    """Someone else: in a pack, always a third party."""

    id: str
    kind: str
    given_name: str | None
    family_name: str | None
    dob: date | None

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)


@dataclass(frozen=True, slots=True)
class Resident:
    person: OtherPerson
    since: date | None
    until: date | None


@dataclass(frozen=True, slots=True)
class Household:
    id: str
    address: str | None
    postcode: str | None
    since: date | None
    until: date | None
    workbook_id: str | None
    residents: tuple[Resident, ...]


@dataclass(frozen=True, slots=True)
class Relationship:
    type: str
    # True when the subject is the relationship's start: the parent, the carer.
    outgoing: bool
    other: OtherPerson
    parental_responsibility: bool | None
    detail: str | None
    current: bool | None
    asserted_by: str | None
    asserted_at: datetime | None
    verified: bool | None


@dataclass(frozen=True, slots=True)
class Sealed:
    """A field as stored: ciphertext (or nothing), and the scope whose data key opens it."""

    scope_id: str
    node_id: str
    field: str
    ciphertext: str | None


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    category: str
    classification: str | None
    recorded_at: datetime | None
    agency_id: str
    agency_name: str | None
    summary: Sealed


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    agency_id: str | None
    received_at: datetime | None
    channel: str | None
    urgency: str | None
    status: str | None
    recorded_by: str | None
    passed_from_edt: bool | None
    referrer_kind: str | None
    referrer_professional_id: str | None
    referrer_name: str | None
    referrer_relationship: str | None
    consent_position: str | None
    consent_not_sought_reason: str | None
    outcome: str | None
    decided_by: str | None
    agreed_by: str | None
    decided_at: datetime | None
    concern: Sealed
    rationale: Sealed
    response_to_referrer: Sealed


@dataclass(frozen=True, slots=True)
class ContactDecision:
    id: str
    contact_id: str
    outcome: str | None
    status: str | None
    proposed_by: str | None
    proposed_at: datetime | None
    agreed_by: str | None
    agreed_at: datetime | None
    sent_back_by: str | None
    sent_back_at: datetime | None
    rationale: Sealed
    response_to_referrer: Sealed
    send_back_note: Sealed


@dataclass(frozen=True, slots=True)
class NamedPerson:
    id: str
    given_name: str | None
    family_name: str | None

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)


@dataclass(frozen=True, slots=True)
class Consent:
    id: str
    scope: str | None
    agencies: tuple[str, ...]
    purpose: str | None
    method: str | None
    given_at: datetime | None
    expires_at: datetime | None
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    recorded_by: str | None
    giver: NamedPerson
    child: NamedPerson


@dataclass(frozen=True, slots=True)
class Override:
    id: str
    ground: str | None
    scope: str | None
    agencies: tuple[str, ...]
    status: str | None
    requested_by: str | None
    requested_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    expires_at: datetime | None
    revoked_by: str | None
    revoked_at: datetime | None
    justification: Sealed


@dataclass(frozen=True, slots=True)
class BreakGlassUse:
    id: str
    reason: str | None
    opened_by: str | None
    agency_id: str | None
    opened_at: datetime | None
    expires_at: datetime | None
    explanation: Sealed


@dataclass(frozen=True, slots=True)
class Restriction:
    id: str
    reason: str | None
    restricted_by: str | None
    restricted_at: datetime | None
    named: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Share:
    id: str
    agency_id: str | None
    shared: bool
    fact_or_opinion: str | None
    historic: bool | None
    shared_by: str | None
    shared_at: datetime | None
    # The content shared, or the reason for not sharing.
    text: Sealed


@dataclass(frozen=True, slots=True)
class Request:
    id: str
    contact_id: str
    scope: str | None
    agencies: tuple[str, ...]
    basis: str | None
    consent_id: str | None
    override_id: str | None
    due_by: datetime | None
    requested_by: str | None
    requested_at: datetime | None
    shares: tuple[Share, ...]


@dataclass(frozen=True, slots=True)
class WorkbookVersion:
    id: str
    entry_id: str
    workbook_id: str
    section: str | None
    visibility: str | None
    discipline: str | None
    version: int
    written_at: datetime | None
    author_id: str | None
    body: Sealed


@dataclass(frozen=True, slots=True)
class Disclosure:
    """An audit event naming the person or something held about them."""

    seq: int
    at: str
    actor: str
    agency: str
    role: str
    action: str
    targets: tuple[str, ...]
    basis: str | None
    override_id: str | None
    request_id: str


@dataclass(frozen=True, slots=True)
class Holdings:
    subject: Subject
    households: tuple[Household, ...]
    relationships: tuple[Relationship, ...]
    records: tuple[Record, ...]
    contacts: tuple[Contact, ...]
    contact_decisions: tuple[ContactDecision, ...]
    consents: tuple[Consent, ...]
    overrides: tuple[Override, ...]
    break_glass: tuple[BreakGlassUse, ...]
    restrictions: tuple[Restriction, ...]
    requests: tuple[Request, ...]
    workbook_versions: tuple[WorkbookVersion, ...]

    def ids(self) -> list[str]:
        """Every id an audit event about this person could name."""
        found = [self.subject.id]
        for household in self.households:
            found.append(household.id)
            if household.workbook_id is not None:
                found.append(household.workbook_id)
        found += [record.id for record in self.records]
        found += [contact.id for contact in self.contacts]
        found += [decision.id for decision in self.contact_decisions]
        found += [consent.id for consent in self.consents]
        found += [override.id for override in self.overrides]
        found += [use.id for use in self.break_glass]
        found += [restriction.id for restriction in self.restrictions]
        for request in self.requests:
            found.append(request.id)
            found += [share.id for share in request.shares]
        for version in self.workbook_versions:
            found += [version.entry_id, version.id]
        return sorted(set(found))


def holdings(tx: ManagedTransaction, *, person_id: str) -> Holdings | None:
    """Everything held about the person, or None when no person has this id."""
    record = tx.run(PERSON, person_id=person_id).single()
    if record is None:
        return None
    person = _native(record["person"])
    return Holdings(
        subject=Subject(
            id=person["id"], kind=person["kind"], given_name=person.get("given_name"),
            family_name=person.get("family_name"), dob=person.get("dob"), gender=person.get("gender"),
            ethnicity=person.get("ethnicity"),
        ),
        households=tuple(
            _household(_native(r["household"]), r["residents"]) for r in tx.run(HOUSEHOLDS, person_id=person_id)
        ),
        relationships=tuple(_relationship(r["relationship"]) for r in tx.run(RELATIONSHIPS, person_id=person_id)),
        records=tuple(_record(_native(r["record"])) for r in tx.run(RECORDS, person_id=person_id)),
        contacts=tuple(_contact(_native(r["contact"])) for r in tx.run(CONTACTS, person_id=person_id)),
        contact_decisions=tuple(
            _decision(_native(r["decision"])) for r in tx.run(CONTACT_DECISIONS, person_id=person_id)
        ),
        consents=tuple(_consent(_native(r["consent"])) for r in tx.run(CONSENTS, person_id=person_id)),
        overrides=tuple(_override(_native(r["override"])) for r in tx.run(OVERRIDES, person_id=person_id)),
        break_glass=tuple(_break_glass(_native(r["use"])) for r in tx.run(BREAK_GLASS, person_id=person_id)),
        restrictions=tuple(
            _restriction(_native(r["restriction"])) for r in tx.run(RESTRICTIONS, person_id=person_id)
        ),
        requests=tuple(
            _request(_native(r["request"]), r["shares"]) for r in tx.run(REQUESTS, person_id=person_id)
        ),
        workbook_versions=tuple(
            _version(_native(r["version"])) for r in tx.run(WORKBOOK_VERSIONS, person_id=person_id)
        ),
    )


def disclosures(tx: ManagedTransaction, *, ids: list[str]) -> list[Disclosure]:
    """The audit events naming any of these ids, in chain order."""
    return [_disclosure(r["event"]) for r in tx.run(DISCLOSURES, ids=ids)]


def _native(row: dict[str, Any]) -> dict[str, Any]:
    return {key: to_python(value) for key, value in row.items()}


def _other(raw: dict[str, Any]) -> OtherPerson:
    row = _native(raw)
    return OtherPerson(
        id=row["id"], kind=row["kind"], given_name=row.get("given_name"), family_name=row.get("family_name"),
        dob=row.get("dob"),
    )


def _household(row: dict[str, Any], residents: list[dict[str, Any]]) -> Household:
    return Household(
        id=row["id"], address=row.get("address"), postcode=row.get("postcode"), since=row.get("since"),
        until=row.get("until"), workbook_id=row.get("workbook_id"),
        residents=tuple(
            Resident(person=_other(r), since=to_python(r.get("since")), until=to_python(r.get("until")))
            for r in residents
        ),
    )


def _relationship(raw: dict[str, Any]) -> Relationship:
    row = _native(raw)
    return Relationship(
        type=row["type"], outgoing=bool(row["outgoing"]), other=_other(row["other"]),
        parental_responsibility=row.get("parental_responsibility"), detail=row.get("detail"),
        current=row.get("current"), asserted_by=row.get("asserted_by"), asserted_at=row.get("asserted_at"),
        verified=row.get("verified"),
    )


def _sealed(row: dict[str, Any], field: str, *, stored_as: str | None = None) -> Sealed:
    return Sealed(scope_id=row["scope_id"], node_id=row["id"], field=field, ciphertext=row.get(stored_as or field))


def _record(row: dict[str, Any]) -> Record:
    return Record(
        id=row["id"], category=row["category"], classification=row.get("classification"),
        recorded_at=row.get("recorded_at"), agency_id=row["agency_id"], agency_name=row.get("agency_name"),
        summary=_sealed(row, "summary"),
    )


def _contact(row: dict[str, Any]) -> Contact:
    return Contact(
        id=row["id"], agency_id=row.get("agency_id"), received_at=row.get("received_at"),
        channel=row.get("channel"), urgency=row.get("urgency"), status=row.get("status"),
        recorded_by=row.get("recorded_by"), passed_from_edt=row.get("passed_from_edt"),
        referrer_kind=row.get("referrer_kind"), referrer_professional_id=row.get("referrer_professional_id"),
        referrer_name=row.get("referrer_name"), referrer_relationship=row.get("referrer_relationship"),
        consent_position=row.get("consent_position"), consent_not_sought_reason=row.get("consent_not_sought_reason"),
        outcome=row.get("outcome"), decided_by=row.get("decided_by"), agreed_by=row.get("agreed_by"),
        decided_at=row.get("decided_at"), concern=_sealed(row, "concern"), rationale=_sealed(row, "rationale"),
        response_to_referrer=_sealed(row, "response_to_referrer"),
    )


def _decision(row: dict[str, Any]) -> ContactDecision:
    return ContactDecision(
        id=row["id"], contact_id=row["contact_id"], outcome=row.get("outcome"), status=row.get("status"),
        proposed_by=row.get("proposed_by"), proposed_at=row.get("proposed_at"), agreed_by=row.get("agreed_by"),
        agreed_at=row.get("agreed_at"), sent_back_by=row.get("sent_back_by"), sent_back_at=row.get("sent_back_at"),
        rationale=_sealed(row, "rationale"), response_to_referrer=_sealed(row, "response_to_referrer"),
        send_back_note=_sealed(row, "send_back_note"),
    )


def _named(raw: dict[str, Any]) -> NamedPerson:
    return NamedPerson(id=raw["id"], given_name=raw.get("given_name"), family_name=raw.get("family_name"))


def _consent(row: dict[str, Any]) -> Consent:
    return Consent(
        id=row["id"], scope=row.get("scope"), agencies=tuple(row.get("agencies") or ()), purpose=row.get("purpose"),
        method=row.get("method"), given_at=row.get("given_at"), expires_at=row.get("expires_at"),
        withdrawn_at=row.get("withdrawn_at"), withdrawn_by=row.get("withdrawn_by"),
        recorded_by=row.get("recorded_by"), giver=_named(row["giver"]), child=_named(row["child"]),
    )


def _override(row: dict[str, Any]) -> Override:
    return Override(
        id=row["id"], ground=row.get("reason"), scope=row.get("scope"), agencies=tuple(row.get("agencies") or ()),
        status=row.get("status"), requested_by=row.get("requested_by"), requested_at=row.get("requested_at"),
        decided_by=row.get("decided_by"), decided_at=row.get("decided_at"), decision_note=row.get("decision_note"),
        expires_at=row.get("expires_at"), revoked_by=row.get("revoked_by"), revoked_at=row.get("revoked_at"),
        justification=_sealed(row, "justification"),
    )


def _break_glass(row: dict[str, Any]) -> BreakGlassUse:
    return BreakGlassUse(
        id=row["id"], reason=row.get("reason"), opened_by=row.get("professional_id"), agency_id=row.get("agency_id"),
        opened_at=row.get("opened_at"), expires_at=row.get("expires_at"),
        explanation=_sealed(row, "explanation", stored_as="detail"),
    )


def _restriction(row: dict[str, Any]) -> Restriction:
    return Restriction(
        id=row["id"], reason=row.get("reason"), restricted_by=row.get("restricted_by"),
        restricted_at=row.get("restricted_at"), named=tuple(row.get("named") or ()),
    )


def _share(row: dict[str, Any]) -> Share:
    shared = bool(row.get("shared"))
    return Share(
        id=row["id"], agency_id=row.get("agency"), shared=shared, fact_or_opinion=row.get("fact_or_opinion"),
        historic=row.get("historic"), shared_by=row.get("shared_by"), shared_at=row.get("shared_at"),
        # Both are stored as `content`, sealed under the name of what they are.
        text=_sealed(row, "content" if shared else "decline_reason", stored_as="content"),
    )


def _request(row: dict[str, Any], shares: list[dict[str, Any]]) -> Request:
    return Request(
        id=row["id"], contact_id=row["contact_id"], scope=row.get("scope"),
        agencies=tuple(row.get("agencies") or ()), basis=row.get("basis"), consent_id=row.get("consent_id"),
        override_id=row.get("override_id"), due_by=row.get("due_by"), requested_by=row.get("requested_by"),
        requested_at=row.get("requested_at"), shares=tuple(_share(_native(s)) for s in shares),
    )


def _version(row: dict[str, Any]) -> WorkbookVersion:
    return WorkbookVersion(
        id=row["id"], entry_id=row["entry_id"], workbook_id=row["workbook_id"], section=row.get("section"),
        visibility=row.get("visibility"), discipline=row.get("discipline"), version=int(row["version"]),
        written_at=row.get("written_at"), author_id=row.get("author_id"), body=_sealed(row, "body"),
    )


def _disclosure(row: dict[str, Any]) -> Disclosure:
    return Disclosure(
        seq=int(row["seq"]), at=str(row["at"]), actor=row["actor"], agency=row["agency"], role=row["role"],
        action=row["action"], targets=tuple(row.get("targets") or ()), basis=row.get("basis"),
        override_id=row.get("override_id"), request_id=row["request_id"],
    )
