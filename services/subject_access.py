"""A subject access request (UK GDPR Art. 15): everything the hub holds about one person and
every disclosure of it, as a pack for the data protection officer.

The pack is produced in one transaction with its audit event (`subject_access.produced`,
naming the person), so a pack exists only if its production is in the chain. Sealed content
is opened with the keyring; what cannot be opened (erased by crypto-shredding, or failing its
integrity check) is in the pack as unavailable, with the reason, never as an error. Nothing
is left out for being a third party's: what is, or names, someone other than the subject
(another person's details, free text written about the family, the professionals' identities)
is marked `redaction: "review"` with the reason, for the DPO to decide before release.

Only the administrator produces a pack through the API (policy: `subject_access` produce);
an operator at the command line is authorised by holding the database's credentials, as for
`hub keys erase` and `hub audit export`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeAlias

from neo4j import Driver, ManagedTransaction

from graph import data_key_store as key_store
from graph import directory
from graph import subject_access as repo
from policies import Action, Policy, ResourceKind
from protection.keyring import Keyring
from services import audit_events
from services.principal import Principal
from services.refusals import NotPermitted, PersonNotFound

REVIEW = "review"
PRODUCED = "subject_access.produced"

# Why an item or a field is marked for the DPO: said once each, so a pack reads consistently.
OTHER_PERSON = "another person's details: a third party"
RESIDENT = "another person who lives or lived in the same household: a third party"
FAMILY_RECORD = "a Family Safeguarding workbook is the whole household's record: it is about others too"
FREE_TEXT = "free text written by a professional: it may name other people or say what they said"
PROFESSIONAL = "a professional's identity: the DPO decides whether it is released"
REFERRER = "the referrer's identity: a third party, who may have asked not to be named"
PARTNER_TEXT = "a partner agency's information: it may name others, and the agency may be asked first"

_NOT_PERMITTED = "only an administrator produces a subject access pack"


@dataclass(frozen=True, slots=True)
class PackField:
    name: str
    value: str | None
    # Why there is no value: erased, failing its integrity check, or never recorded.
    unavailable: str | None = None
    review: str | None = None


@dataclass(frozen=True, slots=True)
class PackItem:
    id: str
    fields: tuple[PackField, ...]
    # The whole item is, or is about, a third party.
    review: str | None = None

    @property
    def reasons(self) -> tuple[str, ...]:
        found = [self.review] if self.review else []
        found += [f"{f.name}: {f.review}" for f in self.fields if f.review]
        return tuple(found)

    @property
    def redaction(self) -> str | None:
        return REVIEW if self.reasons else None

    def value(self, name: str) -> str | None:
        return next((f.value for f in self.fields if f.name == name), None)

    def field(self, name: str) -> PackField:
        return next(f for f in self.fields if f.name == name)


@dataclass(frozen=True, slots=True)
class PackSection:
    key: str
    title: str
    items: tuple[PackItem, ...]


@dataclass(frozen=True, slots=True)
class SubjectAccessPack:
    person_id: str
    person_kind: str
    produced_at: datetime
    produced_by: str
    request_id: str
    sections: tuple[PackSection, ...]

    def section(self, key: str) -> PackSection:
        return next(s for s in self.sections if s.key == key)

    def count(self, key: str) -> int:
        return len(self.section(key).items)

    @property
    def items_for_review(self) -> int:
        return sum(1 for s in self.sections for item in s.items if item.redaction)

    def to_json(self) -> str:
        return json.dumps({
            "person_id": self.person_id,
            "person_kind": self.person_kind,
            "produced_at": self.produced_at.isoformat(),
            "produced_by": self.produced_by,
            "request_id": self.request_id,
            "items_for_review": self.items_for_review,
            "sections": {
                section.key: {
                    "title": section.title,
                    "items": [_item_json(item) for item in section.items],
                }
                for section in self.sections
            },
        }, indent=2, ensure_ascii=False) + "\n"

    def to_html(self) -> str:
        """A page the DPO can read and print; every value from the graph is escaped."""
        e = _escape
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>Subject access pack: {e(self.person_id)}</title>",
            f"<style>{_STYLE}</style></head><body>",
            f"<h1>Subject access pack: {e(self.person_id)}</h1>",
            '<p class="lede">Everything the hub holds about this person, and every disclosure of it. '
            "Items marked for review are, or name, someone other than the subject: "
            "the data protection officer decides what is redacted before anything is released.</p>",
            "<dl>",
            f"<dt>Produced</dt><dd>{e(self.produced_at.isoformat())}</dd>",
            f"<dt>Produced by</dt><dd>{e(self.produced_by)}</dd>",
            f"<dt>Request</dt><dd>{e(self.request_id)}</dd>",
            f"<dt>Items for review</dt><dd>{self.items_for_review}</dd>",
            "</dl>",
        ]
        for section in self.sections:
            parts.append(f'<section><h2 id="{e(section.key)}">{e(section.title)} ({len(section.items)})</h2>')
            if not section.items:
                parts.append("<p>None held.</p>")
            for item in section.items:
                parts.append(_item_html(item))
            parts.append("</section>")
        parts.append("</body></html>")
        return "\n".join(parts) + "\n"


_STYLE = (
    "body{font-family:Arial,sans-serif;margin:2em;color:#0b0c0c}"
    "table{border-collapse:collapse;margin:0 0 1.5em;width:100%}"
    "th,td{border-bottom:1px solid #b1b4b6;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{width:25%}.review{background:#fff7bf}.unavailable{color:#505a5f;font-style:italic}"
    "caption{text-align:left;font-weight:bold;padding:.3em 0}"
)


def _escape(value: str) -> str:
    return html.escape(value, quote=True)


def _item_json(item: PackItem) -> dict[str, object]:
    return {
        "id": item.id,
        "redaction": item.redaction,
        "reasons": list(item.reasons),
        "fields": [
            {
                "name": f.name, "value": f.value, "unavailable": f.unavailable,
                "redaction": REVIEW if f.review else None, "reason": f.review,
            }
            for f in item.fields
        ],
    }


def _item_html(item: PackItem) -> str:
    e = _escape
    css = ' class="review"' if item.redaction else ""
    rows = [f"<table{css}><caption>{e(item.id)}"]
    if item.redaction:
        rows.append(f" <strong>for review</strong>: {e('; '.join(item.reasons))}")
    rows.append("</caption>")
    for f in item.fields:
        if f.value is not None:
            shown = e(f.value).replace("\n", "<br>")
        else:
            shown = f'<span class="unavailable">{e(f.unavailable)}</span>' if f.unavailable else "&mdash;"
        marker = f' class="review" title="{e(f.review)}"' if f.review else ""
        rows.append(f"<tr{marker}><th scope=\"row\">{e(f.name)}</th><td>{shown}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


ProduceResult: TypeAlias = SubjectAccessPack | NotPermitted | PersonNotFound


class SubjectAccessService:
    def __init__(
        self, driver: Driver, *, database: str, policy: Policy, audit_sink: audit_events.AuditSink, keyring: Keyring,
    ) -> None:
        self._driver = driver
        self._database = database
        self._policy = policy
        self._audit = audit_sink
        self._keyring = keyring

    def produce(self, principal: Principal, *, person_id: str, request_id: str) -> ProduceResult:
        # Refused before anything is looked up, so a real id and an invented one read alike.
        if not self._policy.allowed_bases(principal.roles, ResourceKind.SUBJECT_ACCESS, Action.PRODUCE):
            return NotPermitted(_NOT_PERMITTED)
        return produce_pack(
            self._driver, database=self._database, keyring=self._keyring, audit_sink=self._audit,
            producer=principal, person_id=person_id, request_id=request_id,
        )


def produce_pack(
    driver: Driver, *, database: str, keyring: Keyring, audit_sink: audit_events.AuditSink, producer: Principal,
    person_id: str, request_id: str,
) -> SubjectAccessPack | PersonNotFound:
    """Reads, opens and marks everything held about the person, and records the production, in
    one transaction: if the audit event cannot be written, no pack is produced. The caller has
    authorised it (the API through the policy; an operator by database access)."""

    def work(tx: ManagedTransaction) -> SubjectAccessPack | PersonNotFound:
        held = repo.holdings(tx, person_id=person_id)
        if held is None:
            return PersonNotFound()
        events = repo.disclosures(tx, ids=held.ids())
        pack = _Assembler(tx, keyring, held, events).pack(producer=producer, request_id=request_id)
        audit_events.record(audit_sink, tx, producer, action=PRODUCED, targets=[person_id], request_id=request_id)
        return pack

    with driver.session(database=database) as session:
        return session.execute_write(work)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return ", ".join(str(part) for part in value)
    return str(value)


def _field(name: str, value: object, *, review: str | None = None) -> PackField:
    return PackField(name=name, value=_text(value), review=review)


class _Assembler:
    """Turns what the graph holds into the pack's sections, opening sealed fields on the way."""

    def __init__(
        self, tx: ManagedTransaction, keyring: Keyring, held: repo.Holdings, events: Sequence[repo.Disclosure],
    ) -> None:
        self._keyring = keyring
        self._held = held
        self._events = events
        self._keys = key_store.get_data_keys(tx, scope_ids=sorted(self._scopes()))
        self._professionals = directory.names(tx, ids=sorted(self._professional_ids()))
        self._agencies = {agency.id: agency.name for agency in directory.agencies(tx)}
        self._third_parties = self._names_of_others()
        self._ids = frozenset(held.ids())

    def pack(self, *, producer: Principal, request_id: str) -> SubjectAccessPack:
        held = self._held
        return SubjectAccessPack(
            person_id=held.subject.id, person_kind=held.subject.kind, produced_at=datetime.now(UTC),
            produced_by=producer.professional_id, request_id=request_id,
            sections=(
                PackSection("subject", "The person", (self._subject(),)),
                PackSection("households", "Where they live or lived", tuple(map(self._household, held.households))),
                PackSection("household_members", "Others in those households", tuple(
                    self._resident(household, resident)
                    for household in held.households for resident in household.residents
                )),
                PackSection("relationships", "Family relationships", tuple(
                    map(self._relationship, held.relationships)
                )),
                PackSection("agency_records", "Agency records about them", tuple(map(self._record, held.records))),
                PackSection("contacts", "Contacts to the front door", tuple(map(self._contact, held.contacts))),
                PackSection("contact_decisions", "Decisions proposed on those contacts", tuple(
                    map(self._contact_decision, held.contact_decisions)
                )),
                PackSection("consents", "Consents", tuple(map(self._consent, held.consents))),
                PackSection("overrides", "Consent overrides", tuple(map(self._override, held.overrides))),
                PackSection("break_glass", "Access taken in an emergency (break glass)", tuple(
                    map(self._break_glass, held.break_glass)
                )),
                PackSection("restrictions", "Restrictions on who may see the record", tuple(
                    map(self._restriction, held.restrictions)
                )),
                PackSection("information_requests", "Requests to partner agencies", tuple(
                    map(self._request, held.requests)
                )),
                PackSection("information_shares", "Partner agencies' answers", tuple(
                    self._share(request, share) for request in held.requests for share in request.shares
                )),
                PackSection("workbook_entries", "Family Safeguarding workbook entries", tuple(
                    map(self._workbook_version, held.workbook_versions)
                )),
                PackSection("disclosures", "Who read or acted on it, on what basis, when", tuple(
                    map(self._disclosure, self._events)
                )),
            ),
        )

    # What the assembler reads before building

    def _scopes(self) -> set[str]:
        return {sealed.scope_id for sealed in self._sealed()}

    def _sealed(self) -> Iterable[repo.Sealed]:
        held = self._held
        for record in held.records:
            yield record.summary
        for contact in held.contacts:
            yield from (contact.concern, contact.rationale, contact.response_to_referrer)
        for decision in held.contact_decisions:
            yield from (decision.rationale, decision.response_to_referrer, decision.send_back_note)
        for override in held.overrides:
            yield override.justification
        for use in held.break_glass:
            yield use.explanation
        for request in held.requests:
            yield from (share.text for share in request.shares)
        for version in held.workbook_versions:
            yield version.body

    def _professional_ids(self) -> set[str]:
        held = self._held
        found: set[str | None] = {event.actor for event in self._events}
        for contact in held.contacts:
            found |= {contact.recorded_by, contact.decided_by, contact.agreed_by, contact.referrer_professional_id}
        for decision in held.contact_decisions:
            found |= {decision.proposed_by, decision.agreed_by, decision.sent_back_by}
        for consent in held.consents:
            found |= {consent.recorded_by, consent.withdrawn_by}
        for override in held.overrides:
            found |= {override.requested_by, override.decided_by, override.revoked_by}
        found |= {use.opened_by for use in held.break_glass}
        for restriction in held.restrictions:
            found |= {restriction.restricted_by, *restriction.named}
        for request in held.requests:
            found.add(request.requested_by)
            found |= {share.shared_by for share in request.shares}
        found |= {version.author_id for version in held.workbook_versions}
        found |= {relationship.asserted_by for relationship in held.relationships}
        return {pro for pro in found if pro}

    def _names_of_others(self) -> dict[str, str]:
        """Given names of the people around the subject, each to the full name it belongs to."""
        held = self._held
        others = [relationship.other for relationship in held.relationships]
        others += [resident.person for household in held.households for resident in household.residents]
        found: dict[str, str] = {}
        for person in others:
            given = (person.given_name or "").strip()
            if len(given) > 1 and given.casefold() != (held.subject.given_name or "").strip().casefold():
                found.setdefault(given, person.name)
        return found

    # Values

    def _open(self, sealed: repo.Sealed) -> PackField:
        stored = self._keys.get(sealed.scope_id)
        opened = self._keyring.open_with(
            stored, node_id=sealed.node_id, field=sealed.field, ciphertext=sealed.ciphertext,
        )
        return PackField(name=sealed.field, value=opened.text, unavailable=opened.unavailable)

    def _free_text(self, opened: PackField, reason: str = FREE_TEXT) -> PackField:
        if opened.value is None:
            return opened
        named = sorted(
            {full for given, full in self._third_parties.items() if _mentions(opened.value, given)}
        )
        if named:
            reason = f"{reason}; mentions {', '.join(named)}"
        return PackField(name=opened.name, value=opened.value, unavailable=opened.unavailable, review=reason)

    def _plain_text(self, name: str, value: str | None) -> PackField:
        return self._free_text(PackField(name=name, value=value))

    def _professional(self, name: str, professional_id: str | None) -> PackField:
        if not professional_id:
            return PackField(name=name, value=None)
        known = self._professionals.get(professional_id)
        shown = f"{known} ({professional_id})" if known else professional_id
        return PackField(name=name, value=shown, review=PROFESSIONAL)

    def _source(self, name: str, source: str | None) -> PackField:
        """Who said so: an agency is named as itself; anyone else is a professional."""
        if source in self._agencies:
            return _field(name, self._agency(source))
        return self._professional(name, source)

    def _agency(self, agency_id: str | None) -> str | None:
        if agency_id is None:
            return None
        name = self._agencies.get(agency_id)
        return f"{name} ({agency_id})" if name else agency_id

    # Sections

    def _subject(self) -> PackItem:
        s = self._held.subject
        return PackItem(id=s.id, fields=(
            _field("kind", s.kind), _field("given_name", s.given_name), _field("family_name", s.family_name),
            _field("date_of_birth", s.dob), _field("gender", s.gender or None),
            _field("ethnicity", s.ethnicity or None),
        ))

    def _household(self, h: repo.Household) -> PackItem:
        return PackItem(id=h.id, fields=(
            _field("address", h.address), _field("postcode", h.postcode), _field("since", h.since),
            _field("until", h.until),
        ))

    def _resident(self, h: repo.Household, resident: repo.Resident) -> PackItem:
        p = resident.person
        return PackItem(id=f"{h.id}/{p.id}", review=RESIDENT, fields=(
            _field("household", h.id), _field("person_id", p.id), _field("kind", p.kind),
            _field("name", p.name or None), _field("date_of_birth", p.dob), _field("since", resident.since),
            _field("until", resident.until),
        ))

    def _relationship(self, r: repo.Relationship) -> PackItem:
        other = r.other
        return PackItem(id=f"{r.type}/{other.id}", review=OTHER_PERSON, fields=(
            _field("relationship", _describe(r)), _field("person_id", other.id), _field("kind", other.kind),
            _field("name", other.name or None), _field("date_of_birth", other.dob),
            _field("parental_responsibility", r.parental_responsibility), _field("detail", r.detail),
            _field("current", r.current), self._source("asserted_by", r.asserted_by),
            _field("asserted_at", r.asserted_at), _field("verified", r.verified),
        ))

    def _record(self, r: repo.Record) -> PackItem:
        return PackItem(id=r.id, fields=(
            _field("agency", f"{r.agency_name} ({r.agency_id})" if r.agency_name else r.agency_id),
            _field("category", r.category), _field("classification", r.classification),
            _field("recorded_at", r.recorded_at), self._free_text(self._open(r.summary)),
        ))

    def _contact(self, k: repo.Contact) -> PackItem:
        return PackItem(id=k.id, fields=(
            _field("agency", self._agency(k.agency_id)), _field("received_at", k.received_at),
            _field("channel", k.channel), _field("urgency", k.urgency), _field("status", k.status),
            self._professional("recorded_by", k.recorded_by), _field("passed_from_edt", k.passed_from_edt),
            _field("referrer_kind", k.referrer_kind),
            self._professional("referrer_professional", k.referrer_professional_id),
            PackField("referrer_name", k.referrer_name, review=REFERRER if k.referrer_name else None),
            PackField("referrer_relationship", k.referrer_relationship,
                      review=REFERRER if k.referrer_relationship else None),
            _field("consent_position", k.consent_position),
            self._plain_text("consent_not_sought_reason", k.consent_not_sought_reason),
            self._free_text(self._open(k.concern)), _field("outcome", k.outcome),
            self._professional("decided_by", k.decided_by), self._professional("agreed_by", k.agreed_by),
            _field("decided_at", k.decided_at), self._free_text(self._open(k.rationale)),
            self._free_text(self._open(k.response_to_referrer)),
        ))

    def _contact_decision(self, d: repo.ContactDecision) -> PackItem:
        return PackItem(id=d.id, fields=(
            _field("contact", d.contact_id), _field("outcome", d.outcome), _field("status", d.status),
            self._professional("proposed_by", d.proposed_by), _field("proposed_at", d.proposed_at),
            self._free_text(self._open(d.rationale)), self._free_text(self._open(d.response_to_referrer)),
            self._professional("agreed_by", d.agreed_by), _field("agreed_at", d.agreed_at),
            self._professional("sent_back_by", d.sent_back_by), _field("sent_back_at", d.sent_back_at),
            self._free_text(self._open(d.send_back_note)),
        ))

    def _consent(self, c: repo.Consent) -> PackItem:
        def person(name: str, who: repo.NamedPerson) -> PackField:
            other = who.id != self._held.subject.id
            return _field(name, f"{who.name} ({who.id})", review=OTHER_PERSON if other else None)

        return PackItem(id=c.id, fields=(
            person("child", c.child), person("given_by", c.giver),
            _field("scope", c.scope), _field("agencies", c.agencies), _field("purpose", c.purpose),
            _field("method", c.method), _field("given_at", c.given_at), _field("expires_at", c.expires_at),
            _field("withdrawn_at", c.withdrawn_at), self._professional("withdrawn_by", c.withdrawn_by),
            self._professional("recorded_by", c.recorded_by),
        ))

    def _override(self, o: repo.Override) -> PackItem:
        return PackItem(id=o.id, fields=(
            _field("ground", o.ground), _field("scope", o.scope), _field("agencies", o.agencies),
            _field("status", o.status), self._professional("requested_by", o.requested_by),
            _field("requested_at", o.requested_at), self._free_text(self._open(o.justification)),
            self._professional("decided_by", o.decided_by), _field("decided_at", o.decided_at),
            self._plain_text("decision_note", o.decision_note), _field("expires_at", o.expires_at),
            self._professional("revoked_by", o.revoked_by), _field("revoked_at", o.revoked_at),
        ))

    def _break_glass(self, b: repo.BreakGlassUse) -> PackItem:
        return PackItem(id=b.id, fields=(
            _field("reason", b.reason), self._professional("opened_by", b.opened_by),
            _field("agency", self._agency(b.agency_id)), _field("opened_at", b.opened_at),
            _field("expires_at", b.expires_at), self._free_text(self._open(b.explanation)),
        ))

    def _restriction(self, r: repo.Restriction) -> PackItem:
        return PackItem(id=r.id, fields=(
            self._plain_text("reason", r.reason), self._professional("restricted_by", r.restricted_by),
            _field("restricted_at", r.restricted_at),
            *(self._professional("named", named) for named in r.named),
        ))

    def _request(self, q: repo.Request) -> PackItem:
        return PackItem(id=q.id, fields=(
            _field("contact", q.contact_id), _field("scope", q.scope),
            _field("agencies", [self._agency(agency) for agency in q.agencies]), _field("basis", q.basis),
            _field("consent", q.consent_id), _field("override", q.override_id), _field("due_by", q.due_by),
            self._professional("requested_by", q.requested_by), _field("requested_at", q.requested_at),
        ))

    def _share(self, q: repo.Request, s: repo.Share) -> PackItem:
        return PackItem(id=s.id, fields=(
            _field("request", q.id), _field("agency", self._agency(s.agency_id)), _field("shared", s.shared),
            _field("fact_or_opinion", s.fact_or_opinion), _field("historic", s.historic),
            self._professional("shared_by", s.shared_by), _field("shared_at", s.shared_at),
            self._free_text(self._open(s.text), PARTNER_TEXT),
        ))

    def _workbook_version(self, v: repo.WorkbookVersion) -> PackItem:
        return PackItem(id=v.id, review=FAMILY_RECORD, fields=(
            _field("entry", v.entry_id), _field("workbook", v.workbook_id), _field("section", v.section),
            _field("visibility", v.visibility), _field("discipline", v.discipline or None),
            _field("version", v.version), _field("written_at", v.written_at),
            self._professional("author", v.author_id), self._free_text(self._open(v.body)),
        ))

    def _disclosure(self, event: repo.Disclosure) -> PackItem:
        named = [target for target in event.targets if target in self._ids]
        return PackItem(id=f"audit-event-{event.seq}", fields=(
            _field("seq", event.seq), _field("at", event.at), _field("action", event.action),
            _field("basis", event.basis), _field("override", event.override_id),
            self._professional("by", event.actor), _field("agency", self._agency(event.agency)),
            _field("role", event.role or None), _field("about", named),
            # Others an event names (the rest of a search's results, say) are counted, never named.
            _field("other_targets", len(event.targets) - len(named)), _field("request", event.request_id),
        ))


_DESCRIPTIONS: dict[tuple[str, bool], str] = {
    ("PARENT_OF", True): "their child",
    ("PARENT_OF", False): "their parent",
    ("CARER_OF", True): "someone they care for",
    ("CARER_OF", False): "their carer",
    ("SIBLING_OF", True): "their sibling",
    ("SIBLING_OF", False): "their sibling",
    ("PARTNER_OF", True): "their partner",
    ("PARTNER_OF", False): "their partner",
    ("RELATIVE_OF", True): "their relative",
    ("RELATIVE_OF", False): "their relative",
}


def _describe(relationship: repo.Relationship) -> str:
    """Who the other person is to the subject, in words."""
    return _DESCRIPTIONS.get((relationship.type, relationship.outgoing), relationship.type)


def _mentions(text: str, given_name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(given_name)}(?!\w)", text, flags=re.IGNORECASE) is not None
