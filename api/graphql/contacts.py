"""GraphQL for the front door: contacts, information requests, partners' answers, decisions."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.enums import (
    Basis,
    Channel,
    ConsentPosition,
    ContactStatus,
    ReferrerKind,
    RequestBasis,
    RequestScope,
    RequestStatus,
    Urgency,
)
from api.graphql.enums import Outcome as ContactOutcome
from api.graphql.enums import ProposalStatus as ContactDecisionStatus
from api.graphql.refusals import (
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
    refusal,
)
from api.graphql.shared import Connection, aware
from graph import contacts as model
from services import contacts as service
from services import refusals

# secondsLeft is a GraphQL Int, 32 bits: about 68 years either way of now.
_INT_MAX = 2**31 - 1
_TOO_FAR = "the due time is too far from now to count in seconds; see dueBy"




@strawberry.enum
class FactOrOpinion(Enum):
    FACT = "FACT"
    OPINION = "OPINION"


@strawberry.type
class Referrer:
    kind: ReferrerKind
    professional_id: strawberry.ID | None
    name: str | None
    relationship: str | None


@strawberry.type
class ContactSummary:
    id: strawberry.ID
    child_id: strawberry.ID
    child_given_name: str | None
    child_family_name: str | None
    received_at: dt.datetime
    channel: Channel
    urgency: Urgency
    due_by: dt.datetime
    status: ContactStatus
    passed_from_edt: bool
    seconds_left: int | None = strawberry.field(
        description="Until the decision is due; negative once overdue; 0 once decided."
    )
    seconds_left_unavailable: str | None = strawberry.field(
        description="Why secondsLeft is null: a stored due time too far from now to count in seconds."
    )
    overdue: bool
    outcome: ContactOutcome | None

    @staticmethod
    def of(row: model.ContactRow, now: dt.datetime) -> ContactSummary:
        is_open = row.status is model.ContactStatus.OPEN
        left: int | None = int((row.due_by - now).total_seconds()) if is_open else 0
        # A contact stored with an impossible time must not fail the whole queue page.
        unavailable = None
        if left is not None and not -_INT_MAX <= left <= _INT_MAX:
            left, unavailable = None, _TOO_FAR
        return ContactSummary(
            id=strawberry.ID(row.id), child_id=strawberry.ID(row.child_id),
            child_given_name=row.child_given_name, child_family_name=row.child_family_name,
            received_at=row.received_at, channel=Channel(row.channel), urgency=row.urgency, due_by=row.due_by,
            status=row.status, passed_from_edt=row.passed_from_edt, seconds_left=left,
            seconds_left_unavailable=unavailable, overdue=is_open and row.due_by < now, outcome=row.outcome,
        )


@strawberry.type
class ContactDecisionProposal:
    """A contact decision a practitioner proposed, awaiting, or given, a front-door manager's answer."""

    id: strawberry.ID
    contact_id: strawberry.ID
    child_id: strawberry.ID
    child_given_name: str | None
    child_family_name: str | None
    contact_due_by: dt.datetime
    outcome: ContactOutcome
    status: ContactDecisionStatus
    proposed_by: strawberry.ID
    proposed_at: dt.datetime
    agreed_by: strawberry.ID | None
    agreed_at: dt.datetime | None
    sent_back_by: strawberry.ID | None
    sent_back_at: dt.datetime | None
    rationale: str | None
    rationale_unavailable: str | None = strawberry.field(
        description="Why rationale is null: erased, or withheld as untrustworthy."
    )
    response_to_referrer: str | None
    response_to_referrer_unavailable: str | None = strawberry.field(
        description="Why responseToReferrer is null: erased, or withheld as untrustworthy."
    )
    send_back_note: str | None = strawberry.field(description="The manager's reason for sending it back.")
    send_back_note_unavailable: str | None = strawberry.field(
        description="Why sendBackNote is null once sent back: erased, or withheld as untrustworthy."
    )

    @staticmethod
    def of(view: service.ProposalView) -> ContactDecisionProposal:
        row = view.row
        return ContactDecisionProposal(
            id=strawberry.ID(row.id), contact_id=strawberry.ID(row.contact_id), child_id=strawberry.ID(row.child_id),
            child_given_name=row.child_given_name, child_family_name=row.child_family_name,
            contact_due_by=row.contact_due_by, outcome=row.outcome, status=row.status,
            proposed_by=strawberry.ID(row.proposed_by), proposed_at=row.proposed_at,
            agreed_by=strawberry.ID(row.agreed_by) if row.agreed_by else None, agreed_at=row.agreed_at,
            sent_back_by=strawberry.ID(row.sent_back_by) if row.sent_back_by else None,
            sent_back_at=row.sent_back_at, rationale=view.rationale.text,
            rationale_unavailable=view.rationale.unavailable, response_to_referrer=view.response_to_referrer.text,
            response_to_referrer_unavailable=view.response_to_referrer.unavailable,
            send_back_note=view.send_back_note.text, send_back_note_unavailable=view.send_back_note.unavailable,
        )


@strawberry.type
class ContactDecisionProposalConnection(Connection[ContactDecisionProposal]):
    pass


@strawberry.type
class Contact(ContactSummary):
    concern: str | None
    concern_unavailable: str | None = strawberry.field(
        description="Why concern is null: erased, or withheld as untrustworthy."
    )
    referrer: Referrer
    recorded_by: strawberry.ID
    consent_position: ConsentPosition
    consent_not_sought_reason: str | None
    decided_by: strawberry.ID | None
    agreed_by: strawberry.ID | None
    decided_at: dt.datetime | None
    proposed_at: dt.datetime | None = strawberry.field(
        description="When the decision was proposed; the decision's own time when a manager decided alone."
    )
    agreed_at: dt.datetime | None = strawberry.field(description="When the agreeing manager agreed.")
    rationale: str | None
    rationale_unavailable: str | None = strawberry.field(
        description="Why rationale is null once decided: erased, or withheld as untrustworthy."
    )
    response_to_referrer: str | None
    response_to_referrer_unavailable: str | None = strawberry.field(
        description="Why responseToReferrer is null once decided: erased, or withheld as untrustworthy."
    )
    information_request_ids: list[strawberry.ID]
    decision_proposals: list[ContactDecisionProposal] = strawberry.field(
        description="Every decision proposed for this contact, oldest first, with the manager's answer."
    )

    @staticmethod
    def of_detail(detail: service.ContactDetail, now: dt.datetime) -> Contact:
        row = detail.row
        summary = ContactSummary.of(row, now)
        return Contact(
            **{name: getattr(summary, name) for name in _SUMMARY_FIELDS},
            concern=detail.concern.text, concern_unavailable=detail.concern.unavailable,
            referrer=Referrer(
                kind=row.referrer_kind,
                professional_id=strawberry.ID(row.referrer_professional_id) if row.referrer_professional_id else None,
                name=row.referrer_name, relationship=row.referrer_relationship,
            ),
            recorded_by=strawberry.ID(row.recorded_by), consent_position=row.consent_position,
            consent_not_sought_reason=row.consent_not_sought_reason,
            decided_by=strawberry.ID(row.decided_by) if row.decided_by else None,
            agreed_by=strawberry.ID(row.agreed_by) if row.agreed_by else None,
            decided_at=row.decided_at, proposed_at=row.proposed_at, agreed_at=row.agreed_at,
            rationale=detail.rationale.text,
            rationale_unavailable=detail.rationale.unavailable,
            response_to_referrer=detail.response_to_referrer.text,
            response_to_referrer_unavailable=detail.response_to_referrer.unavailable,
            information_request_ids=[strawberry.ID(i) for i in row.request_ids],
            decision_proposals=[ContactDecisionProposal.of(p) for p in detail.proposals],
        )


_SUMMARY_FIELDS = (
    "id", "child_id", "child_given_name", "child_family_name", "received_at", "channel", "urgency",
    "due_by", "status", "passed_from_edt", "seconds_left", "seconds_left_unavailable", "overdue", "outcome",
)


@strawberry.type
class ContactConnection(Connection[ContactSummary]):
    pass


@strawberry.type
class InformationShare:
    id: strawberry.ID
    agency_id: strawberry.ID
    shared: bool
    fact_or_opinion: FactOrOpinion | None
    historic: bool | None
    shared_by: strawberry.ID
    shared_at: dt.datetime
    content: str | None
    content_unavailable: str | None = strawberry.field(
        description="Why content is null in a share: no basis any more, erased, or withheld as untrustworthy."
    )
    decline_reason: str | None
    decline_reason_unavailable: str | None = strawberry.field(
        description="Why declineReason is null in a decision not to share, as for contentUnavailable."
    )
    basis: Basis | None

    @staticmethod
    def of(view: service.ShareView) -> InformationShare:
        return InformationShare(
            id=strawberry.ID(view.id), agency_id=strawberry.ID(view.agency_id), shared=view.shared,
            fact_or_opinion=FactOrOpinion(view.fact_or_opinion) if view.fact_or_opinion else None,
            historic=view.historic,
            shared_by=strawberry.ID(view.shared_by), shared_at=view.shared_at, content=view.content,
            content_unavailable=view.content_unavailable, decline_reason=view.decline_reason,
            decline_reason_unavailable=view.decline_reason_unavailable,
            basis=Basis(view.basis) if view.basis else None,
        )


@strawberry.type
class InformationRequest:
    id: strawberry.ID
    contact_id: strawberry.ID
    child_id: strawberry.ID
    scope: RequestScope
    agencies: list[strawberry.ID]
    basis: RequestBasis
    consent_id: strawberry.ID | None
    override_id: strawberry.ID | None
    basis_still_holds: bool
    status: RequestStatus
    status_reason: str | None = strawberry.field(description="Why the request no longer takes answers.")
    due_by: dt.datetime
    requested_by: strawberry.ID
    requested_at: dt.datetime
    answers: list[InformationShare]

    @staticmethod
    def of(view: service.RequestView) -> InformationRequest:
        row = view.row
        status, reason = view.status
        return InformationRequest(
            id=strawberry.ID(row.id), contact_id=strawberry.ID(row.contact_id),
            child_id=strawberry.ID(row.child_id), scope=row.scope,
            agencies=[strawberry.ID(a) for a in row.agencies], basis=row.basis,
            consent_id=strawberry.ID(row.consent_id) if row.consent_id else None,
            override_id=strawberry.ID(row.override_id) if row.override_id else None,
            basis_still_holds=row.basis_holds, status=status, status_reason=reason, due_by=row.due_by,
            requested_by=strawberry.ID(row.requested_by), requested_at=row.requested_at,
            answers=[InformationShare.of(s) for s in view.shares],
        )


@strawberry.input
class NewChildInput:
    given_name: str
    family_name: str
    dob: dt.date | None = None


@strawberry.input
class ReferrerInput:
    kind: ReferrerKind
    professional_id: strawberry.ID | None = None
    name: str | None = None
    relationship: str | None = None


@strawberry.input
class RecordContactInput:
    child_id: strawberry.ID | None = None
    new_child: NewChildInput | None = None
    referrer: ReferrerInput
    channel: Channel
    concern: str
    urgency: Urgency
    consent_position: ConsentPosition
    consent_not_sought_reason: str | None = None
    received_at: dt.datetime | None = None


@strawberry.input
class RequestInformationInput:
    contact_id: strawberry.ID
    scope: RequestScope
    agencies: list[strawberry.ID] = strawberry.field(default_factory=list)
    basis: RequestBasis


@strawberry.input
class ShareInformationInput:
    request_id: strawberry.ID
    content: str
    fact_or_opinion: FactOrOpinion
    historic: bool


@strawberry.input
class DeclineToShareInput:
    request_id: strawberry.ID
    reason: str


@strawberry.input
class DecideContactInput:
    contact_id: strawberry.ID
    outcome: ContactOutcome
    rationale: str
    response_to_referrer: str
    agreed_by: strawberry.ID | None = strawberry.field(
        default=None, description="Not taken: a manager agrees as themselves (agreeContactDecision).",
        deprecation_reason="A social worker proposes with proposeContactDecision; a manager agrees it.",
    )


@strawberry.input
class ProposeContactDecisionInput:
    contact_id: strawberry.ID
    outcome: ContactOutcome
    rationale: str
    response_to_referrer: str


@strawberry.input
class AgreeContactDecisionInput:
    proposal_id: strawberry.ID


@strawberry.input
class SendBackContactDecisionInput:
    proposal_id: strawberry.ID
    note: str


RecordContactResult = Annotated[
    Contact | ChildNotFound | ImplausibleReceivedAt | InvalidInput | NotPermitted,
    strawberry.union("RecordContactResult"),
]
ContactResult = Annotated[Contact | ContactNotFound | NotPermitted, strawberry.union("ContactResult")]
ContactsResult = Annotated[
    ContactConnection | InvalidInput | NotPermitted, strawberry.union("ContactsResult")
]
RequestInformationResult = Annotated[
    InformationRequest | NoBasisForRequest | ContactNotFound | ContactClosed | InvalidInput | NotPermitted,
    strawberry.union("RequestInformationResult"),
]
InformationRequestResult = Annotated[
    InformationRequest | RequestNotFound | NotPermitted, strawberry.union("InformationRequestResult")
]
_AnswerRequest = (
    InformationShare | RequestNotFound | RequestWithdrawn | RequestClosed | AlreadyAnswered | InvalidInput
    | NotPermitted
)
ShareInformationResult = Annotated[_AnswerRequest, strawberry.union("ShareInformationResult")]
DeclineToShareResult = Annotated[_AnswerRequest, strawberry.union("DeclineToShareResult")]
DecideContactResult = Annotated[
    Contact | ContactNotFound | AlreadyDecided | ManagerAgreementRequired | DecisionAwaitingAgreement
    | NotAManager | InvalidInput | NotPermitted,
    strawberry.union("DecideContactResult"),
]
ProposeContactDecisionResult = Annotated[
    ContactDecisionProposal | ContactNotFound | AlreadyDecided | DecisionAwaitingAgreement | InvalidInput
    | NotPermitted,
    strawberry.union("ProposeContactDecisionResult"),
]
AgreeContactDecisionResult = Annotated[
    Contact | ProposalNotFound | SelfAgreementForbidden | AlreadyDecided | NotAManager,
    strawberry.union("AgreeContactDecisionResult"),
]
SendBackContactDecisionResult = Annotated[
    ContactDecisionProposal | ProposalNotFound | SelfAgreementForbidden | AlreadyDecided | InvalidInput
    | NotAManager,
    strawberry.union("SendBackContactDecisionResult"),
]
ContactDecisionsAwaitingResult = Annotated[
    ContactDecisionProposalConnection | InvalidInput | NotAManager,
    strawberry.union("ContactDecisionsAwaitingResult"),
]



@strawberry.type
class ContactQueries:
    @strawberry.field(description="The front door queue, oldest due first.")
    def contacts(
        self, info: Info[Context, None], first: int, after: str | None = None,
        status: ContactStatus | None = None,
        urgency: Urgency | None = None,
    ) -> ContactsResult:
        context = info.context
        result = context.services.contacts.contacts(
            context.principal, status=status, urgency=urgency, first=first, after=after
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        now = context.services.contacts.now()
        return ContactConnection.of(result, lambda row: ContactSummary.of(row, now))

    @strawberry.field
    def contact(self, info: Info[Context, None], id: strawberry.ID) -> ContactResult:
        context = info.context
        result = context.services.contacts.contact(context.principal, str(id), request_id=context.request_id)
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return Contact.of_detail(result, context.services.contacts.now())

    @strawberry.field(
        description="Contact decisions others proposed that await the calling manager's agreement, most urgent first."
    )
    def contact_decisions_awaiting_agreement(
        self, info: Info[Context, None], first: int, after: str | None = None
    ) -> ContactDecisionsAwaitingResult:
        context = info.context
        result = context.services.contacts.decisions_awaiting_agreement(context.principal, first=first, after=after)
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return ContactDecisionProposalConnection.of(result, ContactDecisionProposal.of)

    @strawberry.field
    def information_request(self, info: Info[Context, None], id: strawberry.ID) -> InformationRequestResult:
        context = info.context
        result = context.services.contacts.information_request(
            context.principal, str(id), request_id=context.request_id
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else InformationRequest.of(result)


@strawberry.type
class ContactMutations:
    @strawberry.mutation
    def record_contact(self, info: Info[Context, None], input: RecordContactInput) -> RecordContactResult:
        context = info.context
        new_child = input.new_child
        result = context.services.contacts.record_contact(
            context.principal,
            service.ContactInput(
                child_id=str(input.child_id) if input.child_id is not None else None,
                new_child=service.NewChild(new_child.given_name, new_child.family_name, new_child.dob)
                if new_child is not None else None,
                referrer=service.Referrer(
                    kind=input.referrer.kind,
                    professional_id=str(input.referrer.professional_id) if input.referrer.professional_id else None,
                    name=input.referrer.name, relationship=input.referrer.relationship,
                ),
                channel=input.channel, concern=input.concern, urgency=input.urgency,
                consent_position=input.consent_position,
                consent_not_sought_reason=input.consent_not_sought_reason,
                received_at=aware(input.received_at),
            ),
            request_id=context.request_id,
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return Contact.of_detail(result, context.services.contacts.now())

    @strawberry.mutation
    def request_information(
        self, info: Info[Context, None], input: RequestInformationInput
    ) -> RequestInformationResult:
        context = info.context
        result = context.services.contacts.request_information(
            context.principal, contact_id=str(input.contact_id), scope=input.scope,
            agencies=[str(a) for a in input.agencies], basis=input.basis, request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else InformationRequest.of(result)

    @strawberry.mutation
    def share_information(self, info: Info[Context, None], input: ShareInformationInput) -> ShareInformationResult:
        context = info.context
        result = context.services.contacts.share_information(
            context.principal, request_to_answer=str(input.request_id), content=input.content,
            fact_or_opinion=input.fact_or_opinion.value, historic=input.historic, request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else InformationShare.of(result)

    @strawberry.mutation
    def decline_to_share(self, info: Info[Context, None], input: DeclineToShareInput) -> DeclineToShareResult:
        context = info.context
        result = context.services.contacts.decline_to_share(
            context.principal, request_to_answer=str(input.request_id), reason=input.reason,
            request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else InformationShare.of(result)

    @strawberry.mutation
    def decide_contact(self, info: Info[Context, None], input: DecideContactInput) -> DecideContactResult:
        context = info.context
        result = context.services.contacts.decide_contact(
            context.principal, contact_id=str(input.contact_id), outcome=input.outcome,
            rationale=input.rationale, response_to_referrer=input.response_to_referrer,
            agreed_by=str(input.agreed_by) if input.agreed_by is not None else None,
            request_id=context.request_id,
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return Contact.of_detail(result, context.services.contacts.now())

    @strawberry.mutation(description="A practitioner proposes the decision; a front-door manager agrees it.")
    def propose_contact_decision(
        self, info: Info[Context, None], input: ProposeContactDecisionInput
    ) -> ProposeContactDecisionResult:
        context = info.context
        result = context.services.contacts.propose_decision(
            context.principal, contact_id=str(input.contact_id), outcome=input.outcome,
            rationale=input.rationale, response_to_referrer=input.response_to_referrer,
            request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else ContactDecisionProposal.of(result)

    @strawberry.mutation(description="The calling front-door manager agrees a decision someone else proposed.")
    def agree_contact_decision(
        self, info: Info[Context, None], input: AgreeContactDecisionInput
    ) -> AgreeContactDecisionResult:
        context = info.context
        result = context.services.contacts.agree_decision(
            context.principal, proposal_id=str(input.proposal_id), request_id=context.request_id
        )
        if isinstance(result, refusals.Refusal):
            return refusal(result)
        return Contact.of_detail(result, context.services.contacts.now())

    @strawberry.mutation(description="The calling front-door manager sends a proposed decision back, saying why.")
    def send_back_contact_decision(
        self, info: Info[Context, None], input: SendBackContactDecisionInput
    ) -> SendBackContactDecisionResult:
        context = info.context
        result = context.services.contacts.send_back_decision(
            context.principal, proposal_id=str(input.proposal_id), note=input.note, request_id=context.request_id,
        )
        return refusal(result) if isinstance(result, refusals.Refusal) else ContactDecisionProposal.of(result)
