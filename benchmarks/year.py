"""A year of the front door's work on the county graph, for the management information benchmark.

Twelve months of contacts, each as the front door works one: recorded, consent recorded or an
override requested and decided, partners asked and most of them answering, and the contact
decided. Every step goes through the services, so each record carries what a real one does
(sealed content, audit events, the graph's shapes). The services stamp Neo4j's clock, so the
year is written today and each contact's life then moved back to its month, keeping the due
times the services set and spreading the answers and decisions the way a front door's are:
most in time, some late, a few never.

Written once per graph (a `BenchmarkGraph {name: 'year'}` marker records it) and reused.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

from neo4j import Driver

from benchmarks import harness
from graph.consent import ConsentRecord, ConsentScope, OverrideGround, OverrideRecord
from graph.contacts import Channel, ConsentPosition, Outcome, ReferrerKind, RequestBasis, RequestScope, Urgency
from services.composition import Hub
from services.contacts import ContactDetail, ContactInput, Referrer, RequestView, ShareView
from services.principal import Principal, PrincipalLookup

MONTHS = 12
DEFAULT_CONTACTS_PER_MONTH = 1_000
WRITERS = 4

YEAR_MARKER: LiteralString = "MATCH (m:BenchmarkGraph {name: 'year'}) RETURN m.contacts AS contacts"
YEAR_WRITTEN: LiteralString = """
MATCH (m:BenchmarkGraph {name: 'year'}) RETURN m.contacts AS contacts, m.from_at AS from_at, m.to_at AS to_at
"""
WRITE_YEAR_MARKER: LiteralString = """
MERGE (m:BenchmarkGraph {name: 'year'})
SET m.contacts = $contacts, m.from_at = $from_at, m.to_at = $to_at, m.written_at = datetime()
"""
OFFICER_OF_AGENCY: LiteralString = """
MATCH (p:Professional)-[:MEMBER_OF]->(:Team)-[:PART_OF]->(a:Agency)
WHERE a.kind <> 'CHILDRENS_SERVICES' AND any(role IN p.roles WHERE role ENDS WITH '_mash_officer')
RETURN a.id AS agency_id, min(p.id) AS officer_id
"""

# One contact's life, moved from today back to its month: each moment set from the plan, each
# due time kept at the same distance from the moment it was counted from.
MOVE_CONTACT: LiteralString = """
MATCH (k:Contact {id: $contact_id})
WITH k, duration.between(k.received_at, k.due_by) AS due_in
SET k.received_at = $received_at, k.due_by = $received_at + due_in,
    k.decided_at = CASE WHEN k.decided_at IS NULL THEN null ELSE $decided_at END,
    k.proposed_at = CASE WHEN k.proposed_at IS NULL THEN null ELSE $decided_at END,
    k.agreed_at = CASE WHEN k.agreed_at IS NULL THEN null ELSE $decided_at END
WITH k
OPTIONAL MATCH (r:InformationRequest)-[:FOR_CONTACT]->(k)
WITH r, CASE WHEN r IS NULL THEN null ELSE duration.between(r.requested_at, r.due_by) END AS answer_due_in
SET r.requested_at = $requested_at, r.due_by = $requested_at + answer_due_in
WITH r
OPTIONAL MATCH (s:InformationShare)-[:ANSWERS]->(r)
SET s.shared_at = $requested_at + duration({minutes: $answer_minutes[s.agency]})
"""
MOVE_CONSENT: LiteralString = """
MATCH (g:Consent {id: $consent_id})
SET g.given_at = $given_at, g.expires_at = $expires_at
"""
MOVE_OVERRIDE: LiteralString = """
MATCH (o:ConsentOverride {id: $override_id})
WITH o, CASE WHEN o.expires_at IS NULL THEN null ELSE duration.between(o.decided_at, o.expires_at) END AS in_force
SET o.requested_at = $requested_at, o.decided_at = $decided_at,
    o.expires_at = CASE WHEN in_force IS NULL THEN null ELSE $decided_at + in_force END
"""

_CONCERNS = {
    Urgency.RED: "Child disclosed an injury at home; bruising seen. Police aware.",
    Urgency.AMBER: "School reports the child arriving hungry and tired for two weeks.",
    Urgency.GREEN: "Family asking for help with rent arrears and the children's uniforms.",
}
# How long a decision takes, as a share of the urgency's due time: most in time, some late.
_DUE_HOURS = {Urgency.RED: 4.0, Urgency.AMBER: 24.0, Urgency.GREEN: 72.0}
_OUTCOMES = list(Outcome)


@dataclass(frozen=True, slots=True)
class YearCast:
    social_worker: Principal
    managers: tuple[Principal, ...]  # whoever may decide an override now: office hours, or on call
    officers: dict[str, Principal]  # partner agency id -> its MASH officer
    children: list[tuple[str, str]]  # (child id, a parent with parental responsibility)


@dataclass
class YearWritten:
    contacts: int = 0
    consents: int = 0
    overrides: int = 0
    requests: int = 0
    answers: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, **steps: int) -> None:
        with self._lock:
            for name, n in steps.items():
                setattr(self, name, getattr(self, name) + n)

    def refuse(self, step: str, result: object) -> None:
        with self._lock:
            key = f"{step}: {type(result).__name__}"
            self.refused[key] = self.refused.get(key, 0) + 1


def written_year(driver: Driver, database: str) -> int | None:
    """How many contacts the year on this graph holds, or None when none was written."""
    records, _, _ = driver.execute_query(YEAR_MARKER, database_=database)
    return int(records[0]["contacts"]) if records else None


def period_of(now: datetime) -> tuple[datetime, datetime]:
    """The twelve months the year fills: the last twelve whole days' worth of months before today."""
    end = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return end - timedelta(days=365), end


def ensure_year(
    hub: Hub, *, contacts_per_month: int = DEFAULT_CONTACTS_PER_MONTH, seed: int = 2026,
    log: Callable[[str], None] = print,
) -> tuple[datetime, datetime]:
    """Writes the year unless this graph has one; returns the period it covers."""
    database = hub.settings.neo4j_database
    records, _, _ = hub.driver.execute_query(YEAR_WRITTEN, database_=database)
    if records:
        if records[0]["contacts"] != contacts_per_month * MONTHS:
            log(f"year: reusing the year already written, {records[0]['contacts']:,} contacts "
                "(remove its BenchmarkGraph marker and the graph to write another)")
        return records[0]["from_at"].to_native(), records[0]["to_at"].to_native()
    from_at, to_at = period_of(datetime.now(UTC))
    cast = _cast(hub, seed)
    total = contacts_per_month * MONTHS
    log(f"year: writing {total:,} contacts across {MONTHS} months through the services (once)")
    written = YearWritten()
    plans = [_plan(random.Random(f"{seed}:{n}"), n, from_at, to_at, cast) for n in range(total)]

    def work(plan: _Plan) -> None:
        _live(hub, cast, plan, written)
        if plan.number % 500 == 499:
            log(f"year: {plan.number + 1:,} of {total:,} contacts")

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        for _ in pool.map(work, plans):
            pass
    hub.driver.execute_query(
        WRITE_YEAR_MARKER, contacts=written.contacts, from_at=from_at, to_at=to_at, database_=database,
    )
    log(f"year: {written.contacts:,} contacts, {written.consents:,} consents, {written.overrides:,} overrides, "
        f"{written.requests:,} requests, {written.answers:,} answers; refused: {written.refused or 'none'}")
    return from_at, to_at


def _cast(hub: Hub, seed: int) -> YearCast:
    database = hub.settings.neo4j_database
    lookup = PrincipalLookup(hub.driver, database=database, policy_sync=hub.policy_sync)

    def principal(professional_id: str) -> Principal:
        found = lookup.principal(professional_id)
        if found is None:
            raise harness.BenchmarkError(f"{professional_id} is not a professional of the benchmark graph")
        return found

    def with_role(role: str) -> Principal:
        found, _, _ = hub.driver.execute_query(harness.PROFESSIONAL_WITH_ROLE, role=role, database_=database)
        if not found:
            raise harness.BenchmarkError(f"the benchmark graph has no {role}")
        return principal(found[0]["id"])

    officers, _, _ = hub.driver.execute_query(OFFICER_OF_AGENCY, database_=database)
    # Never a child `hub bench run` measures, so its networks stay as the generator made them;
    # a graph smaller than that sample has no others.
    measured, rest = harness.measured_children(hub.driver, database, harness.RunOptions())
    pool = rest or measured
    drawn = random.Random(seed).sample(pool, k=min(len(pool), 20_000))
    parents, _, _ = hub.driver.execute_query(
        harness.PARENTS_WITH_RESPONSIBILITY, child_ids=[c["id"] for c in drawn], database_=database,
    )
    return YearCast(
        social_worker=with_role("mash_social_worker"),
        managers=(with_role("crs_manager"), with_role("edt_on_call_senior_manager")),
        officers={r["agency_id"]: principal(r["officer_id"]) for r in officers},
        children=[(r["child_id"], r["parent_id"]) for r in parents],
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    number: int
    child_id: str
    giver_id: str
    urgency: Urgency
    basis: RequestBasis | None  # None: no partner asked
    override_approved: bool
    agencies: list[str]
    answers: dict[str, bool | None]  # agency -> shared, declined (False) or never answered (None)
    answer_minutes: dict[str, int]
    received_at: datetime
    decided: bool
    decision_minutes: int
    override_minutes: int


def _plan(rng: random.Random, number: int, from_at: datetime, to_at: datetime, cast: YearCast) -> _Plan:
    urgency = rng.choices(list(Urgency), weights=(1, 3, 6))[0]
    child_id, giver_id = rng.choice(cast.children)
    draw = rng.random()
    basis = RequestBasis.CONSENT if draw < 0.7 else RequestBasis.OVERRIDE if draw < 0.78 else None
    agencies = rng.sample(sorted(cast.officers), k=rng.randint(1, min(3, len(cast.officers))))
    answers: dict[str, bool | None] = {
        agency: rng.choices((True, False, None), weights=(75, 15, 10))[0] for agency in agencies
    }
    due_hours = _DUE_HOURS[urgency]
    span = (to_at - from_at).total_seconds()
    return _Plan(
        number=number, child_id=child_id, giver_id=giver_id, urgency=urgency, basis=basis,
        override_approved=rng.random() < 0.85, agencies=agencies, answers=answers,
        # Partners answer in a working day or so, a long tail beyond.
        answer_minutes={agency: int(rng.lognormvariate(5.5, 1.0)) + 5 for agency in agencies},
        received_at=from_at + timedelta(seconds=rng.uniform(0, span - 4 * 24 * 3600)),
        decided=rng.random() < 0.97,
        decision_minutes=int(60 * due_hours * rng.lognormvariate(-0.6, 0.5)) + 10,
        override_minutes=int(rng.lognormvariate(3.5, 0.8)) + 2,
    )


def _live(hub: Hub, cast: YearCast, plan: _Plan, written: YearWritten) -> None:  # noqa: PLR0912
    services = hub.services
    request_id = f"bench-year-{plan.number:06d}"
    position = ConsentPosition.GIVEN if plan.basis is RequestBasis.CONSENT else ConsentPosition.NOT_SOUGHT
    contact = services.contacts.record_contact(
        cast.social_worker,
        ContactInput(
            child_id=plan.child_id, new_child=None,
            referrer=Referrer(kind=ReferrerKind.PUBLIC, name="A neighbour", relationship="neighbour"),
            channel=Channel.TELEPHONE, concern=_CONCERNS[plan.urgency], urgency=plan.urgency,
            consent_position=position,
            consent_not_sought_reason=None if position is ConsentPosition.GIVEN
            else "Seeking consent would alert the alleged abuser.",
            received_at=None,
        ),
        request_id=request_id,
    )
    if not isinstance(contact, ContactDetail):
        written.refuse("record a contact", contact)
        return
    written.count(contacts=1)
    # Moved back only once the whole life is written: a consent or override already in the past
    # would no longer be a basis for the request that rests on it.
    moves: list[tuple[LiteralString, dict[str, Any]]] = []
    moved: dict[str, Any] = {
        "contact_id": contact.row.id, "received_at": plan.received_at,
        "decided_at": plan.received_at + timedelta(minutes=plan.decision_minutes),
        "requested_at": plan.received_at + timedelta(minutes=20), "answer_minutes": plan.answer_minutes,
    }
    asked = plan.basis
    if plan.basis is RequestBasis.CONSENT:
        consent = services.consent.record_consent(
            cast.social_worker, child_id=plan.child_id, giver_id=plan.giver_id, scope=ConsentScope.FULL,
            agencies=[], purpose="MASH enquiry about the child's safety", method="by telephone",
            expires_at=None, request_id=request_id,
        )
        if isinstance(consent, ConsentRecord):
            written.count(consents=1)
            given_at = plan.received_at + timedelta(minutes=10)
            moves.append((MOVE_CONSENT, {
                "consent_id": consent.id, "given_at": given_at, "expires_at": given_at + timedelta(days=30),
            }))
        else:
            written.refuse("record consent", consent)
            asked = None
    elif plan.basis is RequestBasis.OVERRIDE:
        asked = _override(hub, cast, plan, written, request_id, moves=moves)
    if asked is not None:
        request = services.contacts.request_information(
            cast.social_worker, contact_id=contact.row.id, scope=RequestScope.TARGETED, agencies=plan.agencies,
            basis=asked, request_id=request_id,
        )
        if isinstance(request, RequestView):
            written.count(requests=1)
            for agency, shared in plan.answers.items():
                if shared is None:
                    continue
                officer = cast.officers[agency]
                answer = (
                    services.contacts.share_information(
                        officer, request_to_answer=request.row.id, content="Known to us: one incident last year.",
                        fact_or_opinion="FACT", historic=True, request_id=request_id,
                    ) if shared else services.contacts.decline_to_share(
                        officer, request_to_answer=request.row.id, reason="Nothing proportionate to share.",
                        request_id=request_id,
                    )
                )
                if isinstance(answer, ShareView):
                    written.count(answers=1)
                else:
                    written.refuse("answer a request", answer)
        else:
            written.refuse("request information", request)
    if plan.decided:
        decided = services.contacts.decide_contact(
            cast.managers[0], contact_id=contact.row.id, outcome=_OUTCOMES[plan.number % len(_OUTCOMES)],
            rationale="Decided on the information gathered.", response_to_referrer="Thank you for the referral.",
            agreed_by=None, request_id=request_id,
        )
        if not isinstance(decided, ContactDetail):
            written.refuse("decide a contact", decided)
    moves.append((MOVE_CONTACT, moved))
    for query, parameters in moves:
        hub.driver.execute_query(query, parameters, database_=hub.settings.neo4j_database)


def _override(
    hub: Hub, cast: YearCast, plan: _Plan, written: YearWritten, request_id: str, *,
    moves: list[tuple[LiteralString, dict[str, Any]]],
) -> RequestBasis | None:
    requested = hub.services.consent.request_override(
        cast.social_worker, child_id=plan.child_id, ground=OverrideGround.SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION,
        justification="Seeking consent would alert the parent's partner, the alleged abuser, before the strategy "
        "discussion.", scope=ConsentScope.FULL, agencies=[], request_id=request_id,
    )
    if not isinstance(requested, OverrideRecord):
        written.refuse("request an override", requested)
        return None
    written.count(overrides=1)
    decided: object = None
    for manager in cast.managers:
        decided = hub.services.consent.decide_override(
            manager, override_id=requested.id, approve=plan.override_approved,
            note="Agreed: proportionate for the strategy discussion." if plan.override_approved
            else "Not agreed: seek consent first.", request_id=request_id,
        )
        if isinstance(decided, OverrideRecord):
            break
    if not isinstance(decided, OverrideRecord):
        written.refuse("decide an override", decided)
        return None
    requested_at = plan.received_at + timedelta(minutes=10)
    moves.append((MOVE_OVERRIDE, {
        "override_id": requested.id, "requested_at": requested_at,
        "decided_at": requested_at + timedelta(minutes=plan.override_minutes),
    }))
    return RequestBasis.OVERRIDE if plan.override_approved else None
