"""A working day at the demo city's front door, so that every list a professional opens has work in it.

Written after the city is seeded, through the services exactly as the professionals would
do it (never Cypher): open contacts of each urgency, some overdue; consents current,
expired and withdrawn; an override awaiting a manager's decision and an approved one with
reads under it; requests awaiting partners' answers, answered and declined; a decision
awaiting a manager's agreement and decided contacts with each outcome.

Deterministic for a seed: the same families, words and times, counted back from the
moment it runs (so there is always something overdue and a consent still current). Written
once: a hub whose front door already has contacts is left as it is.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from neo4j import Driver

from config.settings import Settings
from devtools import demo_city
from graph.consent import ConsentRecord, ConsentScope, OverrideGround, OverrideRecord
from graph.contacts import Channel, ConsentPosition, Outcome, ReferrerKind, RequestBasis, RequestScope, Urgency
from graph.model import GraphBatch, PersonKind
from graph.network import FamilyNetwork
from graph.professionals import get_professional
from services.composition import Hub, assemble
from services.contacts import ContactDetail, ContactInput, ProposalView, Referrer, RequestView, ShareView
from services.paging import Page
from services.principal import Principal

_T = TypeVar("_T")

# Who works the day: the demo logins, so that signing in as any of them shows their part of it.
_MASH = demo_city.MASH_SOCIAL_WORKER_ID
_SECOND_MASH = demo_city.SECOND_MASH_SOCIAL_WORKER_ID
_CRS_MANAGER = demo_city.CRS_MANAGER_ID
_SECOND_CRS_MANAGER = demo_city.SECOND_CRS_MANAGER_ID
_EDT = demo_city.EDT_PRACTITIONER_ID
_EDT_MANAGER = demo_city.EDT_SENIOR_MANAGER_ID
_POLICE = demo_city.POLICE_OFFICER_ID
_HEALTH = demo_city.HEALTH_OFFICER_ID
_EDUCATION = demo_city.EDUCATION_OFFICER_ID
_STAFF = (_MASH, _SECOND_MASH, _CRS_MANAGER, _SECOND_CRS_MANAGER, _EDT, _EDT_MANAGER, _POLICE, _HEALTH, _EDUCATION)

# How many children the day below is about: one per family, and never the demo family, whose
# state the README and the tests describe.
_CHILDREN = 20
_DEMO_FAMILY = demo_city.DEMO_MOTHER_ID.rsplit("-", 1)[0]

_CONCERNS: dict[Urgency, tuple[str, ...]] = {
    Urgency.RED: (
        "Child disclosed at school that mum's partner hit her with a belt last night; bruising seen on her arm.",
        "Police called to the address at 01:30: father drunk and threatening the mother; children awake and"
        " frightened.",
        "Ten-year-old found alone at home at 22:00 with no food in the house; mother not answering her phone.",
        "Baby brought to A&E with a spiral fracture of the arm; parents' account does not fit the injury.",
    ),
    Urgency.AMBER: (
        "Neighbour reports shouting and a child crying late at night, three nights running this week.",
        "School reports the child has arrived hungry and in the same clothes every day for two weeks.",
        "Health visitor concerned about mother's low mood and the baby's weight falling across two centiles.",
        "Teenager missing overnight twice this month; returned with new clothes and a second phone.",
    ),
    Urgency.GREEN: (
        "Family struggling with rent arrears and food; mother asking for help with the children's uniforms.",
        "School attendance at 82% this term; parents engage but mornings are chaotic with three under five.",
        "Grandmother worried that her daughter is not coping since the father left; no specific incident.",
        "Child's behaviour at home has changed since a bereavement; parents asking where to get support.",
    ),
}

# kind, professional, name, relationship, channel
_REFERRERS: tuple[tuple[ReferrerKind, str | None, str, str, Channel], ...] = (
    (ReferrerKind.PROFESSIONAL, demo_city.EDUCATION_OFFICER_ID, "Rachel Adeyemi", "education safeguarding lead",
     Channel.EMAIL),
    (ReferrerKind.PROFESSIONAL, demo_city.POLICE_OFFICER_ID, "DC Rob Whitfield", "police", Channel.POLICE_NOTIFICATION),
    (ReferrerKind.PROFESSIONAL, demo_city.HEALTH_OFFICER_ID, "Fiona Grantham", "health visitor", Channel.TELEPHONE),
    (ReferrerKind.PUBLIC, None, "A neighbour", "neighbour", Channel.TELEPHONE),
    (ReferrerKind.PUBLIC, None, "Maternal grandmother", "grandparent", Channel.ONLINE_FORM),
)
_NOT_SOUGHT = "Parents not yet spoken to: the referrer asked that they are not told who called."
_WOULD_ALERT = "Seeking consent would alert the mother's partner, the alleged abuser."

_DECISIONS: dict[Outcome, tuple[str, str]] = {
    Outcome.NO_FURTHER_ACTION: (
        "Single incident, parents protective and engaging; no further role for children's services.",
        "Thank you for the referral: no further action by children's services; the school keeps a watching brief.",
    ),
    Outcome.ADVICE_TO_REFERRER: (
        "Needs can be met by universal services with the referrer's support.",
        "Advice given on supporting the family through the school's pastoral team and the family hub.",
    ),
    Outcome.FAMILY_HELP: (
        "Cumulative low-level neglect; parents consent to help and would benefit from a Family Help worker.",
        "The family has been offered Family Help and a worker will contact them this week.",
    ),
    Outcome.FAMILY_SAFEGUARDING: (
        "Domestic abuse and parental mental health together: risk of significant harm without intervention.",
        "The family is allocated to a Family Safeguarding team, who will be in touch with you.",
    ),
    Outcome.JIGSAW: (
        "The child's disability is the main driver of the family's needs; short breaks assessment indicated.",
        "Passed to Jigsaw, the children with disabilities team, for an assessment of short breaks.",
    ),
    Outcome.YOUNG_PEOPLES_SERVICE: (
        "Exploitation indicators for a 15-year-old; the Young People's Service is best placed to engage.",
        "Allocated to the Young People's Service; police informed of the exploitation concerns.",
    ),
    Outcome.SECTION_47_STRATEGY_MEETING: (
        "Reasonable cause to suspect significant harm: injury with an inconsistent explanation.",
        "A strategy meeting is convened today under section 47; you may be asked to attend.",
    ),
}

_SHARED: tuple[tuple[str, str], ...] = (
    ("Two domestic incidents at the address in the last year; father arrested once, no further action.", "FACT"),
    ("Child seen in clinic last month; growth on the 25th centile and immunisations up to date.", "FACT"),
    ("Attendance 88% this term; staff describe the child as quiet and often tired.", "OPINION"),
)
_DECLINED = "Nothing held that is proportionate to share for this enquiry; we will pass on anything new."

_JUSTIFICATION = (
    "The mother's partner is the alleged abuser and lives with her: asking consent would alert him and"
    " put the child at greater risk before the strategy discussion."
)


class WorkingDayFailed(RuntimeError):
    """A step of the day was refused: the demo city is not what the day expects."""


@dataclass(frozen=True, slots=True)
class WorkingDay:
    """What was written, for the seed command to report."""

    contacts: int
    consents: int
    overrides: int
    requests: int


@dataclass(frozen=True, slots=True)
class _Child:
    id: str
    giver_id: str


def _done(result: object, expected: type[_T], step: str) -> _T:
    # The services' success types are stable; their refusals are whatever else comes back.
    if isinstance(result, expected):
        return result
    raise WorkingDayFailed(f"{step}: {type(result).__name__}: {getattr(result, 'message', result)}")


def _children(city: GraphBatch, rng: random.Random) -> list[_Child]:
    """One child of each of `_CHILDREN` families, with an adult holding parental responsibility."""
    adults = {person.id for person in city.people if person.kind is PersonKind.ADULT}
    givers: dict[str, str] = {}
    for tie in city.parent_of:
        if tie.parental_responsibility and tie.adult_id in adults:
            givers.setdefault(tie.child_id, tie.adult_id)
    by_family: dict[str, list[str]] = {}
    for person in city.people:
        family = person.id.rsplit("-", 1)[0]
        if person.kind is PersonKind.CHILD and person.id in givers and family != _DEMO_FAMILY:
            by_family.setdefault(family, []).append(person.id)
    families = rng.sample(sorted(by_family), _CHILDREN)
    return [_Child(child, givers[child]) for child in (rng.choice(by_family[family]) for family in families)]


def _principal(driver: Driver, database: str, professional_id: str) -> Principal:
    with driver.session(database=database) as session:
        found = session.execute_read(get_professional, professional_id=professional_id)
    if found is None:
        raise WorkingDayFailed(f"{professional_id} is not in the graph: seed the demo city first")
    return Principal(
        professional_id=found.id, name=found.name, agency_id=found.agency_id, agency_kind=found.agency_kind,
        team_id=found.team_id, team_service=found.team_service, roles=found.roles, discipline=found.discipline,
    )


class _Day:
    def __init__(
        self, hub: Hub, earlier: Callable[[datetime], Hub], staff: dict[str, Principal], rng: random.Random,
        now: datetime,
    ) -> None:
        self._hub = hub
        self._earlier = earlier
        self._staff = staff
        self._rng = rng
        self._now = now
        self._acts = 0
        self.contacts = self.consents = self.overrides = self.requests = 0

    def _request_id(self) -> str:
        self._acts += 1
        return f"working-day-{self._acts:03d}"

    def ago(self, **elapsed: float) -> datetime:
        return self._now - timedelta(**elapsed)

    def contact(
        self, by: str, child: _Child, urgency: Urgency, received_at: datetime, *,
        position: ConsentPosition = ConsentPosition.NOT_SOUGHT, not_sought: str = _NOT_SOUGHT,
    ) -> ContactDetail:
        kind, professional_id, name, relationship, channel = self._rng.choice(_REFERRERS)
        recorded = self._hub.services.contacts.record_contact(
            self._staff[by],
            ContactInput(
                child_id=child.id, new_child=None,
                referrer=Referrer(kind=kind, professional_id=professional_id, name=name, relationship=relationship),
                channel=channel, concern=self._rng.choice(_CONCERNS[urgency]), urgency=urgency,
                consent_position=position,
                consent_not_sought_reason=not_sought if position is ConsentPosition.NOT_SOUGHT else None,
                received_at=received_at,
            ),
            request_id=self._request_id(),
        )
        self.contacts += 1
        return _done(recorded, ContactDetail, "record a contact")

    def consent(
        self, child: _Child, scope: ConsentScope, agencies: list[str], *, given_at: datetime | None = None,
        expires_at: datetime | None = None,
    ) -> ConsentRecord:
        # A consent given earlier is recorded by a hub whose clock reads then, so that one
        # since expired was, when given, due to expire in the future.
        hub = self._earlier(given_at) if given_at is not None else self._hub
        recorded = hub.services.consent.record_consent(
            self._staff[_MASH], child_id=child.id, giver_id=child.giver_id, scope=scope, agencies=agencies,
            purpose="MASH enquiry about the child's safety", method="by telephone, confirmed by email",
            expires_at=expires_at, given_at=given_at, request_id=self._request_id(),
        )
        self.consents += 1
        return _done(recorded, ConsentRecord, "record consent")

    def withdraw(self, consent: ConsentRecord) -> None:
        withdrawn = self._hub.services.consent.withdraw_consent(
            self._staff[_MASH], consent_id=consent.id, request_id=self._request_id(),
        )
        _done(withdrawn, ConsentRecord, "withdraw consent")

    def override(self, by: str, child: _Child) -> OverrideRecord:
        requested = self._hub.services.consent.request_override(
            self._staff[by], child_id=child.id, ground=OverrideGround.SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION,
            justification=_JUSTIFICATION, scope=ConsentScope.FULL, agencies=[], request_id=self._request_id(),
        )
        self.overrides += 1
        return _done(requested, OverrideRecord, "request an override")

    def approve(self, override: OverrideRecord) -> None:
        # The EDT on-call senior manager decides in office hours and out of them alike, so the
        # day is the same whenever it is seeded.
        approved = self._hub.services.consent.decide_override(
            self._staff[_EDT_MANAGER], override_id=override.id, approve=True,
            note="Agreed: proportionate for the strategy discussion; review in 72 hours.",
            request_id=self._request_id(),
        )
        _done(approved, OverrideRecord, "approve an override")

    def ask(
        self, contact: ContactDetail, scope: RequestScope, agencies: list[str], basis: RequestBasis,
    ) -> RequestView:
        requested = self._hub.services.contacts.request_information(
            self._staff[_MASH], contact_id=contact.row.id, scope=scope, agencies=agencies, basis=basis,
            request_id=self._request_id(),
        )
        self.requests += 1
        return _done(requested, RequestView, "request information")

    def share(self, by: str, request: RequestView) -> None:
        content, fact_or_opinion = self._rng.choice(_SHARED)
        shared = self._hub.services.contacts.share_information(
            self._staff[by], request_to_answer=request.row.id, content=content, fact_or_opinion=fact_or_opinion,
            historic=True, request_id=self._request_id(),
        )
        _done(shared, ShareView, "share information")

    def decline(self, by: str, request: RequestView) -> None:
        declined = self._hub.services.contacts.decline_to_share(
            self._staff[by], request_to_answer=request.row.id, reason=_DECLINED, request_id=self._request_id(),
        )
        _done(declined, ShareView, "decline to share")

    def read_request(self, request: RequestView) -> None:
        read = self._hub.services.contacts.information_request(
            self._staff[_MASH], request.row.id, request_id=self._request_id(),
        )
        _done(read, RequestView, "read what partners shared")

    def read_network(self, by: str, child: _Child) -> None:
        found = self._hub.services.network.family_network(
            self._staff[by], child.id, depth=2, request_id=self._request_id(),
        )
        _done(found, FamilyNetwork, "read the family network")

    def propose(self, by: str, contact: ContactDetail, outcome: Outcome) -> ProposalView:
        rationale, response = _DECISIONS[outcome]
        proposed = self._hub.services.contacts.propose_decision(
            self._staff[by], contact_id=contact.row.id, outcome=outcome, rationale=rationale,
            response_to_referrer=response, request_id=self._request_id(),
        )
        return _done(proposed, ProposalView, "propose a decision")

    def agree(self, by: str, proposal: ProposalView) -> None:
        agreed = self._hub.services.contacts.agree_decision(
            self._staff[by], proposal_id=proposal.row.id, request_id=self._request_id(),
        )
        _done(agreed, ContactDetail, "agree a decision")

    def decide(self, by: str, contact: ContactDetail, outcome: Outcome) -> None:
        rationale, response = _DECISIONS[outcome]
        decided = self._hub.services.contacts.decide_contact(
            self._staff[by], contact_id=contact.row.id, outcome=outcome, rationale=rationale,
            response_to_referrer=response, agreed_by=None, request_id=self._request_id(),
        )
        _done(decided, ContactDetail, "decide a contact")


def _queue(day: _Day, waiting: Iterator[_Child]) -> None:
    # The queue: each urgency, one in time and one overdue (RED is due in 4 hours, AMBER in 24,
    # GREEN in 3 working days, which six days always exceed).
    for urgency, overdue, in_time in (
        (Urgency.RED, {"hours": 6}, {"hours": 1}),
        (Urgency.AMBER, {"hours": 30}, {"hours": 5}),
        (Urgency.GREEN, {"days": 6}, {"hours": 2}),
    ):
        day.contact(_EDT if urgency is Urgency.RED else _MASH, next(waiting), urgency, day.ago(**overdue))
        day.contact(_SECOND_MASH, next(waiting), urgency, day.ago(**in_time))


def _consents_and_requests(day: _Day, waiting: Iterator[_Child]) -> None:
    # Full consent and a request to every partner: police and education have answered, health
    # has declined, the rest are still to answer.
    child = next(waiting)
    asked = day.contact(_MASH, child, Urgency.AMBER, day.ago(hours=4), position=ConsentPosition.GIVEN)
    day.consent(child, ConsentScope.FULL, [])
    request = day.ask(asked, RequestScope.FULL, [], RequestBasis.CONSENT)
    day.share(_POLICE, request)
    day.share(_EDUCATION, request)
    day.decline(_HEALTH, request)

    # Targeted consent and a request neither partner has answered yet.
    child = next(waiting)
    asked = day.contact(_SECOND_MASH, child, Urgency.RED, day.ago(hours=2), position=ConsentPosition.GIVEN)
    day.consent(child, ConsentScope.TARGETED, [demo_city.POLICE_AGENCY_ID, demo_city.EDUCATION_AGENCY_ID])
    day.ask(asked, RequestScope.TARGETED, [demo_city.POLICE_AGENCY_ID, demo_city.EDUCATION_AGENCY_ID],
            RequestBasis.CONSENT)

    # Consent withdrawn after the request went out: the request no longer takes answers.
    child = next(waiting)
    asked = day.contact(_MASH, child, Urgency.GREEN, day.ago(days=2), position=ConsentPosition.GIVEN)
    consent = day.consent(child, ConsentScope.TARGETED, [demo_city.POLICE_AGENCY_ID, demo_city.HOUSING_AGENCY_ID])
    day.ask(asked, RequestScope.TARGETED, [demo_city.POLICE_AGENCY_ID, demo_city.HOUSING_AGENCY_ID],
            RequestBasis.CONSENT)
    day.withdraw(consent)

    # A consent given six weeks ago for three weeks: expired, so a new one is needed.
    child = next(waiting)
    day.contact(_SECOND_MASH, child, Urgency.GREEN, day.ago(hours=20))
    day.consent(child, ConsentScope.FULL, [], given_at=day.ago(days=42), expires_at=day.ago(days=21))


def _overrides(day: _Day, waiting: Iterator[_Child]) -> None:
    # An override waiting for a manager: in office hours a CRS manager, at night the EDT's.
    child = next(waiting)
    day.contact(_MASH, child, Urgency.RED, day.ago(hours=3), not_sought=_WOULD_ALERT)
    day.override(_MASH, child)

    # The EDT's night: an override approved, a request on it, answers, and reads under it.
    child = next(waiting)
    asked = day.contact(_EDT, child, Urgency.RED, day.ago(hours=7), not_sought=_WOULD_ALERT)
    override = day.override(_EDT, child)
    day.approve(override)
    request = day.ask(asked, RequestScope.FULL, [], RequestBasis.OVERRIDE)
    day.share(_POLICE, request)
    day.share(_HEALTH, request)
    day.read_request(request)
    day.read_network(_POLICE, child)


def _decisions(day: _Day, waiting: Iterator[_Child]) -> None:
    # A decision proposed and waiting for a manager's agreement.
    child = next(waiting)
    asked = day.contact(_MASH, child, Urgency.AMBER, day.ago(hours=20))
    day.propose(_MASH, asked, Outcome.ADVICE_TO_REFERRER)

    # Decided contacts, one for each outcome: a manager alone, or a practitioner's proposal
    # agreed by a manager. Family Help's came after partners answered: its request is closed.
    for n, outcome in enumerate(Outcome):
        child = next(waiting)
        received = day.ago(days=1 + n % 3, hours=n)
        if outcome is Outcome.FAMILY_HELP:
            decided = day.contact(_SECOND_MASH, child, Urgency.AMBER, received, position=ConsentPosition.GIVEN)
            day.consent(child, ConsentScope.TARGETED, [demo_city.HEALTH_AGENCY_ID, demo_city.EDUCATION_AGENCY_ID])
            request = day.ask(decided, RequestScope.TARGETED,
                              [demo_city.HEALTH_AGENCY_ID, demo_city.EDUCATION_AGENCY_ID], RequestBasis.CONSENT)
            day.share(_HEALTH, request)
            day.decline(_EDUCATION, request)
        else:
            decided = day.contact(_MASH if n % 2 else _SECOND_MASH, child, Urgency.AMBER, received)
        if n % 2:
            day.decide(_CRS_MANAGER, decided, outcome)
        else:
            day.agree(_SECOND_CRS_MANAGER, day.propose(_SECOND_MASH, decided, outcome))


def seed_working_day(
    settings: Settings, driver: Driver, city: GraphBatch, *, seed: int, now: datetime | None = None,
) -> WorkingDay | None:
    """Writes the day into a seeded demo city; None, writing nothing, if the front door has contacts."""
    database = settings.neo4j_database
    staff = {professional_id: _principal(driver, database, professional_id) for professional_id in _STAFF}
    hub = assemble(settings, driver=driver)
    queue = hub.services.contacts.contacts(staff[_MASH], status=None, urgency=None, first=1, after=None)
    if _done(queue, Page, "read the front door's queue").items:
        return None
    rng = random.Random(f"working-day:{seed}")  # noqa: S311 - a demo's draws need no secrecy
    day = _Day(
        hub, lambda then: assemble(settings, driver=driver, consent_clock=lambda: then), staff, rng,
        (now or datetime.now(UTC)).replace(second=0, microsecond=0),
    )
    waiting = iter(_children(city, rng))
    for part in (_queue, _consents_and_requests, _overrides, _decisions):
        part(day, waiting)
    return WorkingDay(contacts=day.contacts, consents=day.consents, overrides=day.overrides, requests=day.requests)

