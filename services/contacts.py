"""The front door's workflow: contacts, requests to partners, their answers, and decisions.

Each act is authorised against the policy, done in one transaction, and recorded in the
audit chain in that same transaction. Expected refusals come back as the classes of
`services.refusals`, each method naming exactly which.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TypeAlias, TypeVar
from zoneinfo import ZoneInfo

from neo4j import Driver, ManagedTransaction

from graph import contacts as repo
from graph.contacts import (
    BasisState,
    Channel,
    ConsentPosition,
    ContactRow,
    ContactStatus,
    Grant,
    Outcome,
    ProposalRow,
    ProposalStatus,
    QueueKey,
    ReferrerKind,
    RequestBasis,
    RequestRow,
    RequestScope,
    Urgency,
)
from policies import Action, Basis, Policy, ResourceKind
from protection.errors import ContentErased, ProtectionError
from protection.keyring import ERASED, UNREADABLE, Keyring, OpenedField, ScopeReader
from services import audit_events, text
from services.erasure import RETENTION_ERASED
from services.paging import Cursor, Page, aware_time
from services.principal import Principal
from services.refusals import (
    AlreadyAnswered,
    AlreadyDecided,
    ChildNotFound,
    ContactClosed,
    ContactNotFound,
    DecisionAwaitingAgreement,
    ImplausibleReceivedAt,
    InvalidInput,
    ManagerAgreementRequired,
    NoBasisForRequest,
    NotAManager,
    NotPermitted,
    ProposalNotFound,
    RequestClosed,
    RequestNotFound,
    RequestWithdrawn,
    SelfAgreementForbidden,
)

_T = TypeVar("_T")
_LONDON = ZoneInfo("Europe/London")
MAX_PAGE = 100
_EDT_SERVICE = "EDT"
_SHARE_BASES = frozenset({Basis.CONSENT, Basis.OVERRIDE})
log = logging.getLogger("hub.contacts")

# When a contact may say it was received. Clocks of the devices that feed the front door
# drift a little, so a time just ahead of the hub's is accepted; anything further ahead, or
# older than the window, is a typing or import error (year 0001, year 3000) that would put
# the contact at the head or the tail of the queue for ever.
MAX_CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_RECEIVED_WINDOW = timedelta(days=365)

_CLOSED = "the contact it was made for was decided and closed"
_DECIDES = "only the front door decides contacts"
_BASIS_WENT = {
    BasisState.WITHDRAWN: "was withdrawn",
    BasisState.REVOKED: "was revoked",
    BasisState.EXPIRED: "has expired",
    BasisState.MISSING: "no longer holds",
}


class RequestStatus(StrEnum):
    OPEN = "OPEN"
    # The consent or override it rested on went: it takes no answers and shows none.
    WITHDRAWN = "WITHDRAWN"
    # Its contact was decided: it takes no more answers.
    CLOSED = "CLOSED"


@dataclass(frozen=True, slots=True)
class DueTimes:
    red_hours: int = 4
    amber_hours: int = 24
    green_working_days: int = 3

    def due_by(self, urgency: Urgency, received_at: datetime) -> datetime:
        if urgency is Urgency.RED:
            return received_at + timedelta(hours=self.red_hours)
        if urgency is Urgency.AMBER:
            return received_at + timedelta(hours=self.amber_hours)
        return add_working_days(received_at, self.green_working_days)


def add_working_days(moment: datetime, days: int) -> datetime:
    """Same local time of day, `days` weekdays later (weekends do not count)."""
    local = moment.astimezone(_LONDON)
    remaining = days
    while remaining:
        local = (local + timedelta(days=1)).replace(tzinfo=None).replace(tzinfo=_LONDON)
        if local.weekday() < 5:
            remaining -= 1
    return local.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class NewChild:
    given_name: str
    family_name: str
    dob: date | None


@dataclass(frozen=True, slots=True)
class Referrer:
    kind: ReferrerKind
    professional_id: str | None = None
    name: str | None = None
    relationship: str | None = None


@dataclass(frozen=True, slots=True)
class ContactInput:
    child_id: str | None
    new_child: NewChild | None
    referrer: Referrer
    channel: Channel
    concern: str
    urgency: Urgency
    consent_position: ConsentPosition
    consent_not_sought_reason: str | None
    received_at: datetime | None


@dataclass(frozen=True, slots=True)
class ProposalView:
    row: ProposalRow
    rationale: OpenedField
    response_to_referrer: OpenedField
    send_back_note: OpenedField


@dataclass(frozen=True, slots=True)
class ContactDetail:
    row: ContactRow
    concern: OpenedField
    rationale: OpenedField
    response_to_referrer: OpenedField
    proposals: tuple[ProposalView, ...] = ()


@dataclass(frozen=True, slots=True)
class ShareView:
    id: str
    agency_id: str
    shared: bool
    fact_or_opinion: str | None
    historic: bool | None
    shared_by: str
    shared_at: datetime
    # Null where the caller has no basis for the content, or it was erased or damaged; the
    # matching `_unavailable` says which.
    content: str | None
    decline_reason: str | None
    basis: str | None
    content_unavailable: str | None = None
    decline_reason_unavailable: str | None = None


@dataclass(frozen=True, slots=True)
class RequestView:
    row: RequestRow
    shares: list[ShareView]

    @property
    def status(self) -> tuple[RequestStatus, str | None]:
        return request_status(self.row.basis_state, self.row.contact_status, self.row.basis)


def request_status(
    state: BasisState, contact_status: ContactStatus, basis: RequestBasis
) -> tuple[RequestStatus, str | None]:
    """Whether a request still takes answers, and why not. A basis that went comes first:
    it also decides whether the front door may read what was already shared."""
    if state is not BasisState.HOLDS:
        return RequestStatus.WITHDRAWN, f"the {_grant_noun(basis)} it rested on {_BASIS_WENT[state]}"
    if contact_status is ContactStatus.DECIDED:
        return RequestStatus.CLOSED, _CLOSED
    return RequestStatus.OPEN, None


def _grant_noun(basis: RequestBasis) -> str:
    return "consent" if basis is RequestBasis.CONSENT else "override"


def _queue_parts(key: QueueKey) -> tuple[str, ...]:
    return (key.due_by.isoformat(), key.id)


def _queue_key(parts: tuple[str, ...]) -> QueueKey:
    return QueueKey(due_by=aware_time(parts[0]), id=parts[1])


# Both lists are in due order; a cursor from one is no position in the other.
_QUEUE = Cursor("contacts", write=_queue_parts, read=_queue_key, parts=2)
_AWAITING = Cursor("contact_decisions_awaiting_agreement", write=_queue_parts, read=_queue_key, parts=2)


# Why a contact may not be decided now, once it is found.
ContactNotOpen: TypeAlias = ContactNotFound | AlreadyDecided | DecisionAwaitingAgreement
# Why a manager may not answer a proposed decision.
ProposalNotOpen: TypeAlias = ProposalNotFound | SelfAgreementForbidden | AlreadyDecided

RecordContactResult: TypeAlias = ContactDetail | ChildNotFound | ImplausibleReceivedAt | InvalidInput | NotPermitted
ReadContactResult: TypeAlias = ContactDetail | ContactNotFound | NotPermitted
ContactsResult: TypeAlias = Page[ContactRow] | InvalidInput | NotPermitted
DecideContactResult: TypeAlias = (
    ContactDetail | ContactNotOpen | ManagerAgreementRequired | InvalidInput | NotPermitted
)
ProposeDecisionResult: TypeAlias = ProposalView | ContactNotOpen | InvalidInput | NotPermitted
AgreeDecisionResult: TypeAlias = ContactDetail | ProposalNotOpen | NotAManager
SendBackDecisionResult: TypeAlias = ProposalView | ProposalNotOpen | InvalidInput | NotAManager
DecisionsAwaitingResult: TypeAlias = Page[ProposalView] | InvalidInput | NotAManager
RequestInformationResult: TypeAlias = (
    RequestView | NoBasisForRequest | ContactNotFound | ContactClosed | InvalidInput | NotPermitted
)
ReadRequestResult: TypeAlias = RequestView | RequestNotFound | NotPermitted
AnswerResult: TypeAlias = (
    ShareView | RequestNotFound | RequestWithdrawn | RequestClosed | AlreadyAnswered | InvalidInput | NotPermitted
)


class ContactService:
    def __init__(
        self,
        driver: Driver,
        *,
        database: str,
        policy: Policy,
        audit_sink: audit_events.AuditSink,
        keyring: Keyring,
        due_times: DueTimes = DueTimes(),
        received_window: timedelta = DEFAULT_RECEIVED_WINDOW,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._driver = driver
        self._database = database
        self._policy = policy
        self._audit = audit_sink
        self._keyring = keyring
        self._due_times = due_times
        self._received_window = received_window
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    def _bases(self, principal: Principal, resource: ResourceKind, action: Action) -> frozenset[Basis]:
        return self._policy.allowed_bases(principal.roles, resource, action)

    def _may(self, principal: Principal, resource: ResourceKind, action: Action, basis: Basis) -> bool:
        return basis in self._bases(principal, resource, action)

    # Contacts

    def record_contact(
        self, principal: Principal, contact: ContactInput, *, request_id: str
    ) -> RecordContactResult:
        if not self._may(principal, ResourceKind.CONTACT, Action.WRITE, Basis.OWN_AGENCY):
            return NotPermitted("only front door practitioners record contacts")
        invalid = _contact_input_problem(contact)
        if invalid is not None:
            return InvalidInput(invalid)
        now = self._clock()
        received_at = contact.received_at or now
        earliest, latest = now - self._received_window, now + MAX_CLOCK_SKEW
        if not earliest <= received_at <= latest:
            return ImplausibleReceivedAt(
                f"receivedAt must be between {earliest:%Y-%m-%d %H:%M} and {latest:%Y-%m-%d %H:%M} UTC:"
                f" not in the future, and no more than {self._received_window.days} days ago",
            )
        due_by = self._due_times.due_by(contact.urgency, received_at)
        contact_id = f"contact-{uuid.uuid4().hex}"

        def work(tx: ManagedTransaction) -> RecordContactResult:
            if contact.new_child is not None:
                child_id = f"person-{uuid.uuid4().hex}"
                repo.create_child(
                    tx, child_id=child_id, given_name=contact.new_child.given_name.strip(),
                    family_name=contact.new_child.family_name.strip(), dob=contact.new_child.dob,
                    created_by=principal.professional_id,
                )
            else:
                assert contact.child_id is not None
                child_id = contact.child_id
                if not repo.child_exists(tx, child_id=child_id):
                    return ChildNotFound()
            referrer = contact.referrer
            if (
                referrer.kind is ReferrerKind.PROFESSIONAL and referrer.professional_id is not None
                and repo.professional_roles(tx, professional_id=referrer.professional_id) is None
            ):
                return InvalidInput("the referring professional is not known to the hub")
            try:
                ciphertext = self._keyring.encrypt(
                    tx, scope_id=child_id, node_id=contact_id, field="concern", plaintext=contact.concern,
                )
            except ContentErased:
                # Erased for good (by `hub keys erase` or the retention schedule): nothing is sealed under it again.
                return InvalidInput("this child's content was erased: nothing can be recorded")
            repo.create_contact(tx, repo.NewContact(
                id=contact_id, agency_id=principal.agency_id, child_id=child_id,
                received_at=received_at, channel=contact.channel, concern_ciphertext=ciphertext,
                urgency=contact.urgency, due_by=due_by, recorded_by=principal.professional_id,
                recorded_by_service=principal.team_service,
                passed_from_edt=principal.team_service == _EDT_SERVICE,
                referrer_kind=referrer.kind, referrer_professional_id=referrer.professional_id,
                referrer_name=referrer.name, referrer_relationship=referrer.relationship,
                consent_position=contact.consent_position,
                consent_not_sought_reason=contact.consent_not_sought_reason,
            ))
            audit_events.record(
                self._audit, tx, principal, action="contact.recorded",
                targets=[contact_id, child_id], request_id=request_id,
            )
            return self._written_detail(tx, principal, contact_id)

        return self._write(work)

    def contact(self, principal: Principal, contact_id: str, *, request_id: str) -> ReadContactResult:
        if not self._may(principal, ResourceKind.CONTACT, Action.READ, Basis.OWN_AGENCY):
            return NotPermitted("your role may not read contacts")

        def work(tx: ManagedTransaction) -> ReadContactResult:
            return self._detail(tx, principal, contact_id)

        with self._driver.session(database=self._database) as session:
            return session.execute_read(work)

    def contacts(
        self, principal: Principal, *, status: ContactStatus | None, urgency: Urgency | None,
        first: int, after: str | None,
    ) -> ContactsResult:
        if not self._may(principal, ResourceKind.CONTACT, Action.READ, Basis.OWN_AGENCY):
            return NotPermitted("your role may not read the front door queue")
        key = _QUEUE.start(first, after, maximum=MAX_PAGE)
        if isinstance(key, InvalidInput):
            return key
        with self._driver.session(database=self._database) as session:
            rows = session.execute_read(
                repo.contact_queue, agency_id=principal.agency_id, status=status, urgency=urgency,
                after=key, limit=first + 1,
            )
        return _QUEUE.page(rows, first, lambda row: QueueKey(row.due_by, row.id))

    def decide_contact(
        self, principal: Principal, *, contact_id: str, outcome: Outcome, rationale: str,
        response_to_referrer: str, agreed_by: str | None, request_id: str,
    ) -> DecideContactResult:
        """A front-door manager deciding alone: recorded as proposed, decided and agreed by them.
        Anyone else proposes the decision, and a manager agrees it as themselves."""
        if not self._may(principal, ResourceKind.CONTACT, Action.DECIDE_CONTACT, Basis.OWN_AGENCY):
            return NotPermitted(_DECIDES)
        if problem := _decision_text_problem(rationale, response_to_referrer):
            return InvalidInput(problem)
        if agreed_by is not None:
            # A name typed by the one deciding is no agreement: the manager gives it themselves.
            return ManagerAgreementRequired(
                "a manager agrees as themselves: propose the decision, and a front door manager agrees it",
            )
        if not self._is_front_door_manager(principal.roles):
            return ManagerAgreementRequired(
                "propose the decision: a front door manager agrees it before the contact is decided",
            )

        def work(tx: ManagedTransaction) -> DecideContactResult:
            contact = _open_for_decision(
                tx, principal, contact_id, awaiting="a proposed decision awaits agreement: agree it or send it back",
            )
            if not isinstance(contact, ContactRow):
                return contact
            rationale_ct, response_ct = self._seal_decision(
                tx, child_id=contact.child_id, node_id=contact_id, rationale=rationale,
                response_to_referrer=response_to_referrer,
            )
            repo.decide_contact(
                tx, contact_id=contact_id, outcome=outcome, rationale=rationale_ct, response=response_ct,
                decided_by=principal.professional_id, agreed_by=principal.professional_id,
            )
            audit_events.record(
                self._audit, tx, principal, action=f"contact.decided.{outcome.value.lower()}",
                targets=[contact_id, contact.child_id, principal.professional_id], request_id=request_id,
            )
            return self._written_detail(tx, principal, contact_id)

        return self._write(work)

    def propose_decision(
        self, principal: Principal, *, contact_id: str, outcome: Outcome, rationale: str,
        response_to_referrer: str, request_id: str,
    ) -> ProposeDecisionResult:
        if not self._may(principal, ResourceKind.CONTACT, Action.DECIDE_CONTACT, Basis.OWN_AGENCY):
            return NotPermitted(_DECIDES)
        if problem := _decision_text_problem(rationale, response_to_referrer):
            return InvalidInput(problem)

        def work(tx: ManagedTransaction) -> ProposeDecisionResult:
            contact = _open_for_decision(
                tx, principal, contact_id, awaiting="a proposed decision already awaits a manager's agreement",
            )
            if not isinstance(contact, ContactRow):
                return contact
            proposal_id = f"decision-{uuid.uuid4().hex}"
            rationale_ct, response_ct = self._seal_decision(
                tx, child_id=contact.child_id, node_id=proposal_id, rationale=rationale,
                response_to_referrer=response_to_referrer,
            )
            repo.create_proposal(
                tx, proposal_id=proposal_id, contact_id=contact_id, outcome=outcome, rationale=rationale_ct,
                response=response_ct, proposed_by=principal.professional_id,
            )
            audit_events.record(
                self._audit, tx, principal, action="contact.decision_proposed",
                targets=[proposal_id, contact_id, contact.child_id], request_id=request_id,
            )
            return self._proposal_view(tx, principal, proposal_id)

        return self._write(work)

    def agree_decision(self, principal: Principal, *, proposal_id: str, request_id: str) -> AgreeDecisionResult:
        if not self._is_front_door_manager(principal.roles):
            return NotAManager("only a front door manager agrees a contact decision")

        def work(tx: ManagedTransaction) -> AgreeDecisionResult:
            standing = repo.lock_proposal(tx, proposal_id=proposal_id, agency_id=principal.agency_id)
            refused = _answer_refusal(standing, principal)
            if refused is not None:
                return refused
            assert standing is not None
            proposal = standing.proposal
            # The proposal's text is bound to the proposal; the contact's record is sealed anew.
            child_key = self._keyring.reader(tx, proposal.child_id)
            rationale = child_key.decrypt(
                node_id=proposal.id, field="rationale", ciphertext=proposal.rationale_ciphertext,
            )
            response = child_key.decrypt(
                node_id=proposal.id, field="response_to_referrer", ciphertext=proposal.response_ciphertext,
            )
            rationale_ct, response_ct = self._seal_decision(
                tx, child_id=proposal.child_id, node_id=proposal.contact_id, rationale=rationale,
                response_to_referrer=response,
            )
            repo.agree_proposal(
                tx, proposal_id=proposal.id, agreed_by=principal.professional_id, rationale=rationale_ct,
                response=response_ct,
            )
            audit_events.record(
                self._audit, tx, principal, action=f"contact.decided.{proposal.outcome.value.lower()}",
                targets=[proposal.contact_id, proposal.child_id, principal.professional_id, proposal.id,
                         proposal.proposed_by],
                request_id=request_id,
            )
            return self._written_detail(tx, principal, proposal.contact_id)

        return self._write(work)

    def send_back_decision(
        self, principal: Principal, *, proposal_id: str, note: str, request_id: str
    ) -> SendBackDecisionResult:
        if not self._is_front_door_manager(principal.roles):
            return NotAManager("only a front door manager sends a contact decision back")
        if not note.strip():
            return InvalidInput("say why the decision is sent back")
        if problem := text.text_problem("the note", note):
            return InvalidInput(problem)

        def work(tx: ManagedTransaction) -> SendBackDecisionResult:
            standing = repo.lock_proposal(tx, proposal_id=proposal_id, agency_id=principal.agency_id)
            refused = _answer_refusal(standing, principal)
            if refused is not None:
                return refused
            assert standing is not None
            proposal = standing.proposal
            note_ct = self._keyring.encrypt(
                tx, scope_id=proposal.child_id, node_id=proposal.id, field="send_back_note", plaintext=note,
            )
            repo.send_back_proposal(tx, proposal_id=proposal.id, sent_back_by=principal.professional_id, note=note_ct)
            audit_events.record(
                self._audit, tx, principal, action="contact.decision_sent_back",
                targets=[proposal.id, proposal.contact_id, proposal.child_id, proposal.proposed_by],
                request_id=request_id,
            )
            return self._proposal_view(tx, principal, proposal.id)

        return self._write(work)

    def decisions_awaiting_agreement(
        self, principal: Principal, *, first: int, after: str | None
    ) -> DecisionsAwaitingResult:
        if not self._is_front_door_manager(principal.roles):
            return NotAManager("only a front door manager agrees contact decisions")
        key = _AWAITING.start(first, after, maximum=MAX_PAGE)
        if isinstance(key, InvalidInput):
            return key

        def work(tx: ManagedTransaction) -> list[ProposalView]:
            rows = repo.proposals_awaiting(
                tx, agency_id=principal.agency_id, professional_id=principal.professional_id, after=key,
                limit=first + 1,
            )
            return [_proposal_view(self._keyring.reader(tx, row.child_id), row) for row in rows]

        with self._driver.session(database=self._database) as session:
            views = session.execute_read(work)
        return _AWAITING.page(views, first, lambda view: QueueKey(view.row.contact_due_by, view.row.id))

    def _seal_decision(
        self, tx: ManagedTransaction, *, child_id: str, node_id: str, rationale: str, response_to_referrer: str,
    ) -> tuple[str, str]:
        return (
            self._keyring.encrypt(tx, scope_id=child_id, node_id=node_id, field="rationale", plaintext=rationale),
            self._keyring.encrypt(
                tx, scope_id=child_id, node_id=node_id, field="response_to_referrer", plaintext=response_to_referrer,
            ),
        )

    def _proposal_view(self, tx: ManagedTransaction, principal: Principal, proposal_id: str) -> ProposalView:
        row = repo.get_proposal(tx, proposal_id=proposal_id, agency_id=principal.agency_id)
        assert row is not None
        return _proposal_view(self._keyring.reader(tx, row.child_id), row)

    def _is_front_door_manager(self, roles: tuple[str, ...]) -> bool:
        return self._may_roles(roles, ResourceKind.CONTACT, Action.AGREE_CONTACT_DECISION)

    def _may_roles(self, roles: tuple[str, ...], resource: ResourceKind, action: Action) -> bool:
        return Basis.OWN_AGENCY in self._policy.allowed_bases(roles, resource, action)

    def _written_detail(self, tx: ManagedTransaction, principal: Principal, contact_id: str) -> ContactDetail:
        detail = self._detail(tx, principal, contact_id)
        assert isinstance(detail, ContactDetail), "a contact the caller just wrote is their agency's"
        return detail

    def _detail(self, tx: ManagedTransaction, principal: Principal, contact_id: str) -> ContactDetail | ContactNotFound:
        row = repo.get_contact(tx, contact_id=contact_id, agency_id=principal.agency_id)
        if row is None:
            # Another agency's contact reads exactly like one that does not exist.
            return ContactNotFound()
        if row.erased_at is not None:
            return _erased_detail(row)
        child_key = self._keyring.reader(tx, row.child_id)
        return ContactDetail(
            row=row,
            concern=_open(child_key, row.id, "concern", row.concern_ciphertext),
            rationale=_open(child_key, row.id, "rationale", row.rationale_ciphertext),
            response_to_referrer=_open(child_key, row.id, "response_to_referrer", row.response_ciphertext),
            proposals=tuple(_proposal_view(child_key, proposal) for proposal in row.proposals),
        )

    # Information requests

    def request_information(
        self, principal: Principal, *, contact_id: str, scope: RequestScope, agencies: list[str],
        basis: RequestBasis, request_id: str,
    ) -> RequestInformationResult:
        if not self._may(
            principal, ResourceKind.INFORMATION_REQUEST, Action.REQUEST_INFORMATION, Basis(basis.value)
        ):
            return NotPermitted(f"your role may not request information on the {basis.value} basis")
        if scope is RequestScope.TARGETED and not agencies:
            return InvalidInput("a targeted request must name at least one agency")

        def work(tx: ManagedTransaction) -> RequestInformationResult:
            standing = repo.request_standing(tx, contact_id=contact_id, agency_id=principal.agency_id)
            if standing is None:
                return ContactNotFound()
            if standing.contact_status is ContactStatus.DECIDED:
                return ContactClosed()
            wanted = frozenset(agencies) if scope is RequestScope.TARGETED else standing.partner_agencies
            unknown = sorted(wanted - standing.partner_agencies)
            if unknown:
                return InvalidInput(f"not partner agencies: {', '.join(unknown)}")
            grants = standing.consents if basis is RequestBasis.CONSENT else standing.overrides
            full_request = scope is RequestScope.FULL
            grant = next((g for g in grants if g.covers(wanted, full_request=full_request)), None)
            if grant is None:
                return _no_basis(basis, scope, wanted, grants)
            new_id = f"request-{uuid.uuid4().hex}"
            repo.create_request(
                tx, request_id=new_id, contact_id=contact_id, agency_id=principal.agency_id, scope=scope,
                agencies=sorted(wanted), basis=basis, grant_id=grant.id, due_by=standing.due_by,
                requested_by=principal.professional_id,
            )
            audit_events.record(
                self._audit, tx, principal, action="information.requested",
                targets=[new_id, contact_id, standing.child_id, *sorted(wanted)], request_id=request_id,
                basis=basis.value, override_id=grant.id if basis is RequestBasis.OVERRIDE else None,
            )
            found = repo.get_request(tx, request_id=new_id, agency_id=principal.agency_id)
            assert found is not None
            return RequestView(row=found, shares=[])

        return self._write(work)

    def information_request(
        self, principal: Principal, request_id_to_read: str, *, request_id: str
    ) -> ReadRequestResult:
        if not self._bases(principal, ResourceKind.INFORMATION_REQUEST, Action.READ):
            return NotPermitted("your role may not read information requests")
        share_bases = self._bases(principal, ResourceKind.INFORMATION_SHARE, Action.READ)

        def work(tx: ManagedTransaction) -> ReadRequestResult:
            row = repo.get_request(tx, request_id=request_id_to_read, agency_id=principal.agency_id)
            if row is None:
                return RequestNotFound()
            child_key = self._keyring.reader(tx, row.child_id)
            shares = [self._share_view(child_key, principal, row, share, share_bases) for share in row.shares]
            shown = sorted({s.basis for s in shares if s.basis in _SHARE_BASES and s.content is not None})
            for basis in shown:
                audit_events.record(
                    self._audit, tx, principal, action="information.read",
                    targets=[row.id, row.child_id, *(s.id for s in shares if s.basis == basis)],
                    request_id=request_id, basis=basis,
                    override_id=row.override_id if basis == Basis.OVERRIDE else None,
                )
            return RequestView(row=row, shares=shares)

        return self._write(work)

    @staticmethod
    def _share_view(
        child_key: ScopeReader, principal: Principal, row: RequestRow, share: repo.ShareRow,
        share_bases: frozenset[Basis],
    ) -> ShareView:
        if share.agency_id == principal.agency_id and Basis.OWN_AGENCY in share_bases:
            basis: Basis | None = Basis.OWN_AGENCY
        elif row.requester_side and row.basis_holds and Basis(row.basis.value) in share_bases:
            basis = Basis(row.basis.value)
        else:
            basis = None
        if basis is not None:
            field = "content" if share.shared else "decline_reason"
            opened = (
                _open(child_key, share.id, field, share.ciphertext) if share.ciphertext is not None
                else OpenedField(None, RETENTION_ERASED)
            )
        elif row.requester_side and not row.basis_holds and Basis(row.basis.value) in share_bases:
            # The front door would read it but for the basis that went: say that, not "no access".
            opened = OpenedField(
                None, f"withheld: the {_grant_noun(row.basis)} the request rested on {_BASIS_WENT[row.basis_state]}",
            )
        else:
            opened = OpenedField(None, "your role may not read this answer")
        return ShareView(
            id=share.id, agency_id=share.agency_id, shared=share.shared,
            fact_or_opinion=share.fact_or_opinion, historic=share.historic, shared_by=share.shared_by,
            shared_at=share.shared_at, content=opened.text if share.shared else None,
            decline_reason=opened.text if not share.shared else None, basis=basis.value if basis else None,
            content_unavailable=opened.unavailable if share.shared else None,
            decline_reason_unavailable=opened.unavailable if not share.shared else None,
        )

    def share_information(
        self, principal: Principal, *, request_to_answer: str, content: str, fact_or_opinion: str,
        historic: bool, request_id: str,
    ) -> AnswerResult:
        if not content.strip():
            return InvalidInput("there is nothing to share")
        if problem := text.text_problem("what is shared", content, limit=text.MAX_LONG_TEXT):
            return InvalidInput(problem)
        return self._answer(
            principal, request_to_answer, shared=True, text=content, fact_or_opinion=fact_or_opinion,
            historic=historic, request_id=request_id,
        )

    def decline_to_share(
        self, principal: Principal, *, request_to_answer: str, reason: str, request_id: str
    ) -> AnswerResult:
        if not reason.strip():
            return InvalidInput("a decision not to share needs its reason")
        if problem := text.text_problem("the reason", reason, limit=text.MAX_LONG_TEXT):
            return InvalidInput(problem)
        return self._answer(
            principal, request_to_answer, shared=False, text=reason, fact_or_opinion=None, historic=None,
            request_id=request_id,
        )

    def _answer(
        self, principal: Principal, request_to_answer: str, *, shared: bool, text: str,
        fact_or_opinion: str | None, historic: bool | None, request_id: str,
    ) -> AnswerResult:
        if not self._may(principal, ResourceKind.INFORMATION_SHARE, Action.SHARE_INFORMATION, Basis.OWN_AGENCY):
            return NotPermitted("only a partner agency's MASH officer answers a request")

        def work(tx: ManagedTransaction) -> AnswerResult:
            standing = repo.lock_request(tx, request_id=request_to_answer, agency_id=principal.agency_id)
            # A request addressed elsewhere reads exactly like one that does not exist, and
            # nothing more about it (withdrawn, closed, answered) is told before this check.
            if standing is None or not standing.addressed:
                return RequestNotFound()
            if standing.answered:
                return AlreadyAnswered()
            status, reason = request_status(standing.basis_state, standing.contact_status, standing.basis)
            if status is not RequestStatus.OPEN:
                assert reason is not None, "a request that takes no answers says why"
                if status is RequestStatus.WITHDRAWN:
                    return RequestWithdrawn.because(reason)
                return RequestClosed.because(reason)
            share_id = f"share-{uuid.uuid4().hex}"
            ciphertext = self._keyring.encrypt(
                tx, scope_id=standing.child_id, node_id=share_id,
                field="content" if shared else "decline_reason", plaintext=text,
            )
            repo.create_share(
                tx, share_id=share_id, request_id=request_to_answer, agency_id=principal.agency_id,
                shared=shared, ciphertext=ciphertext, fact_or_opinion=fact_or_opinion, historic=historic,
                shared_by=principal.professional_id,
            )
            audit_events.record(
                self._audit, tx, principal,
                action="information.shared" if shared else "information.declined",
                targets=[share_id, request_to_answer, standing.child_id], request_id=request_id,
            )
            return ShareView(
                id=share_id, agency_id=principal.agency_id, shared=shared, fact_or_opinion=fact_or_opinion,
                historic=historic, shared_by=principal.professional_id, shared_at=self._clock(),
                content=text if shared else None, decline_reason=None if shared else text,
                basis=Basis.OWN_AGENCY.value,
            )

        return self._write(work)

    def _write(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)


def _answer_refusal(standing: repo.ProposalStanding | None, principal: Principal) -> ProposalNotOpen | None:
    """Why a manager may not agree or send back this proposal, if they may not."""
    if standing is None:
        return ProposalNotFound()
    if standing.proposal.proposed_by == principal.professional_id:
        return SelfAgreementForbidden()
    if standing.proposal.status is not ProposalStatus.PROPOSED or standing.contact_status is ContactStatus.DECIDED:
        return AlreadyDecided(f"this proposed decision no longer awaits agreement ({standing.proposal.status})")
    return None


def _erased_detail(row: ContactRow) -> ContactDetail:
    """A contact the retention schedule erased: what remains reads, and its content says it went.

    Said from the contact's mark rather than from the missing fields, which would otherwise
    read as content never recorded."""
    gone = OpenedField(None, RETENTION_ERASED)
    return ContactDetail(
        row=row, concern=gone, rationale=gone, response_to_referrer=gone,
        proposals=tuple(
            ProposalView(row=proposal, rationale=gone, response_to_referrer=gone, send_back_note=gone)
            for proposal in row.proposals
        ),
    )


def _proposal_view(child_key: ScopeReader, row: ProposalRow) -> ProposalView:
    return ProposalView(
        row=row,
        rationale=_open(child_key, row.id, "rationale", row.rationale_ciphertext),
        response_to_referrer=_open(child_key, row.id, "response_to_referrer", row.response_ciphertext),
        send_back_note=_open(child_key, row.id, "send_back_note", row.send_back_note_ciphertext),
    )


def _decision_text_problem(rationale: str, response_to_referrer: str) -> str | None:
    if not rationale.strip() or not response_to_referrer.strip():
        return "a decision needs its rationale and the response to the referrer"
    return text.first_problem(
        text.text_problem("the rationale", rationale, limit=text.MAX_LONG_TEXT),
        text.text_problem("the response to the referrer", response_to_referrer, limit=text.MAX_LONG_TEXT),
    )


def _open_for_decision(
    tx: ManagedTransaction, principal: Principal, contact_id: str, *, awaiting: str
) -> repo.ContactRow | ContactNotOpen:
    """The contact, locked, when it is the caller's agency's, still open and no proposal waits on it."""
    status = repo.lock_contact(tx, contact_id=contact_id, agency_id=principal.agency_id)
    if status is None:
        return ContactNotFound()
    if status is ContactStatus.DECIDED:
        return AlreadyDecided("this contact was already decided and is closed")
    if repo.awaiting_agreement(tx, contact_id=contact_id) is not None:
        return DecisionAwaitingAgreement(awaiting)
    contact = repo.get_contact(tx, contact_id=contact_id, agency_id=principal.agency_id)
    assert contact is not None
    return contact


def _contact_input_problem(contact: ContactInput) -> str | None:
    if (contact.child_id is None) == (contact.new_child is None):
        return "give either the id of a known child or the details of a new one"
    new_child, referrer = contact.new_child, contact.referrer
    if problem := text.first_problem(
        text.name_problem("the child's given name", new_child.given_name if new_child else None),
        text.name_problem("the child's family name", new_child.family_name if new_child else None),
        text.name_problem("the referrer's name", referrer.name),
        text.text_problem("the referrer's relationship", referrer.relationship),
        text.text_problem("the concern", contact.concern, limit=text.MAX_LONG_TEXT),
        text.text_problem("the reason consent was not sought", contact.consent_not_sought_reason),
    ):
        return problem
    if contact.new_child is not None and not (
        contact.new_child.given_name.strip() and contact.new_child.family_name.strip()
    ):
        return "a new child needs a given and a family name"
    if not contact.concern.strip():
        return "the concern is required"
    referrer = contact.referrer
    if referrer.kind is ReferrerKind.PROFESSIONAL and not referrer.professional_id and not referrer.name:
        return "a professional referrer needs their id or their name"
    if referrer.kind is ReferrerKind.PUBLIC and not (referrer.name or "").strip():
        return "a member of the public who refers needs a name (or 'anonymous')"
    if contact.consent_position is ConsentPosition.NOT_SOUGHT and not (contact.consent_not_sought_reason or "").strip():
        return "say why consent was not sought"
    return None


def _no_basis(
    basis: RequestBasis, scope: RequestScope, wanted: frozenset[str], grants: tuple[Grant, ...]
) -> NoBasisForRequest:
    kind = "consent" if basis is RequestBasis.CONSENT else "approved override"
    if not grants:
        return NoBasisForRequest(f"no current {kind} for this child", (basis.value,))
    if scope is RequestScope.FULL:
        return NoBasisForRequest(f"a full request needs a current full-scope {kind}", (f"FULL {basis.value}",))
    best = max(grants, key=lambda g: len(wanted & g.agencies))
    missing = tuple(sorted(wanted - best.agencies))
    return NoBasisForRequest(f"no current {kind} covers these agencies: {', '.join(missing)}", missing)


def _open(child_key: ScopeReader, node_id: str, field: str, ciphertext: str | None) -> OpenedField:
    """One field for a reader: a field that is erased or fails its integrity check reads as
    None with the reason, so the rest of the contact or request still reads."""
    if ciphertext is None:
        # Not yet recorded (an open contact has no rationale): nothing is withheld.
        return OpenedField(None)
    try:
        return OpenedField(child_key.decrypt(node_id=node_id, field=field, ciphertext=ciphertext))
    except ContentErased:
        return OpenedField(None, ERASED)
    except ProtectionError as error:
        log.warning("field withheld", extra={"node_id": node_id, "field": field, "problem": type(error).__name__})
        return OpenedField(None, UNREADABLE)
