"""Typed results for expected refusals: clients switch on `__typename`, never parse messages.

Each refusal of `services.refusals` has one GraphQL type of the same name here, and
`refusal` is the one place that turns the first into the second. Its overloads are the
mapping: the type checker reads them to hold each resolver's answer to its union, and
`shown_as` reads the same overloads at run time, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from typing import get_overloads, get_type_hints, overload

import strawberry

from api.graphql.shared import Refusal
from services import refusals as service


@strawberry.type
class NotPermitted(Refusal):
    pass


@strawberry.type
class InvalidInput(Refusal):
    pass


@strawberry.type
class ChildNotFound(Refusal):
    pass


@strawberry.type
class GiverNotEntitled(Refusal):
    pass


@strawberry.type
class ConsentNotFound(Refusal):
    pass


@strawberry.type
class AlreadyWithdrawn(Refusal):
    pass


@strawberry.type
class OverrideNotFound(Refusal):
    pass


@strawberry.type
class NotAManager(Refusal):
    pass


@strawberry.type
class SelfApprovalForbidden(Refusal):
    pass


@strawberry.type
class AlreadyDecided(Refusal):
    pass


@strawberry.type
class OutsideOfficeHours(Refusal):
    pass


@strawberry.type
class NotRevocable(Refusal):
    pass


@strawberry.type
class ContactNotFound(Refusal):
    pass


@strawberry.type
class ContactClosed(Refusal):
    pass


@strawberry.type
class ManagerAgreementRequired(Refusal):
    pass


@strawberry.type
class DecisionAwaitingAgreement(Refusal):
    pass


@strawberry.type
class ProposalNotFound(Refusal):
    pass


@strawberry.type
class SelfAgreementForbidden(Refusal):
    pass


@strawberry.type
class NoBasisForRequest(Refusal):
    missing: list[str]


@strawberry.type
class RequestNotFound(Refusal):
    pass


@strawberry.type
class AlreadyAnswered(Refusal):
    pass


@strawberry.type
class RequestWithdrawn(Refusal):
    reason: str = strawberry.field(description="Why: the consent or override the request rested on went.")


@strawberry.type
class RequestClosed(Refusal):
    reason: str = strawberry.field(description="Why: the contact it was made for was decided.")


@strawberry.type
class ImplausibleReceivedAt(Refusal):
    pass


@strawberry.type
class WorkbookUnavailable(Refusal):
    pass


@strawberry.type
class EntryUnavailable(Refusal):
    pass


@strawberry.type
class ProfessionalNotFound(Refusal):
    pass


@strawberry.type
class PersonNotFound(Refusal):
    pass


@strawberry.type
class AllocationNotFound(Refusal):
    pass


@strawberry.type
class ProfessionalExists(Refusal):
    pass


@strawberry.type
class NoPolicyOnRecord(Refusal):
    pass


@strawberry.type
class WorkbookAuthor:
    id: strawberry.ID | None
    name: str | None

    @staticmethod
    def of(author_id: str | None, name: str | None) -> WorkbookAuthor:
        return WorkbookAuthor(id=strawberry.ID(author_id) if author_id else None, name=name)


@strawberry.type
class AmendConflict(Refusal):
    """Someone amended the entry after the version you read; read theirs, then amend again."""

    entry_id: strawberry.ID
    expected_version: int
    current_version: int
    current_author: WorkbookAuthor
    current_written_at: dt.datetime


@strawberry.type
class EntryLocked(Refusal):
    """Signed off in group supervision: record later thinking as a new entry referring to it."""

    entry_id: strawberry.ID
    supervision_entry_id: strawberry.ID | None
    signed_off_by: WorkbookAuthor
    signed_off_at: dt.datetime | None


@overload
def refusal(refused: service.NotPermitted) -> NotPermitted: ...
@overload
def refusal(refused: service.InvalidInput) -> InvalidInput: ...
@overload
def refusal(refused: service.ChildNotFound) -> ChildNotFound: ...
@overload
def refusal(refused: service.GiverNotEntitled) -> GiverNotEntitled: ...
@overload
def refusal(refused: service.ConsentNotFound) -> ConsentNotFound: ...
@overload
def refusal(refused: service.AlreadyWithdrawn) -> AlreadyWithdrawn: ...
@overload
def refusal(refused: service.OverrideNotFound) -> OverrideNotFound: ...
@overload
def refusal(refused: service.NotAManager) -> NotAManager: ...
@overload
def refusal(refused: service.SelfApprovalForbidden) -> SelfApprovalForbidden: ...
@overload
def refusal(refused: service.AlreadyDecided) -> AlreadyDecided: ...
@overload
def refusal(refused: service.OutsideOfficeHours) -> OutsideOfficeHours: ...
@overload
def refusal(refused: service.NotRevocable) -> NotRevocable: ...
@overload
def refusal(refused: service.ContactNotFound) -> ContactNotFound: ...
@overload
def refusal(refused: service.ContactClosed) -> ContactClosed: ...
@overload
def refusal(refused: service.ManagerAgreementRequired) -> ManagerAgreementRequired: ...
@overload
def refusal(refused: service.DecisionAwaitingAgreement) -> DecisionAwaitingAgreement: ...
@overload
def refusal(refused: service.ProposalNotFound) -> ProposalNotFound: ...
@overload
def refusal(refused: service.SelfAgreementForbidden) -> SelfAgreementForbidden: ...
@overload
def refusal(refused: service.NoBasisForRequest) -> NoBasisForRequest: ...
@overload
def refusal(refused: service.RequestNotFound) -> RequestNotFound: ...
@overload
def refusal(refused: service.AlreadyAnswered) -> AlreadyAnswered: ...
@overload
def refusal(refused: service.RequestWithdrawn) -> RequestWithdrawn: ...
@overload
def refusal(refused: service.RequestClosed) -> RequestClosed: ...
@overload
def refusal(refused: service.ImplausibleReceivedAt) -> ImplausibleReceivedAt: ...
@overload
def refusal(refused: service.WorkbookUnavailable) -> WorkbookUnavailable: ...
@overload
def refusal(refused: service.EntryUnavailable) -> EntryUnavailable: ...
@overload
def refusal(refused: service.ProfessionalNotFound) -> ProfessionalNotFound: ...
@overload
def refusal(refused: service.PersonNotFound) -> PersonNotFound: ...
@overload
def refusal(refused: service.AllocationNotFound) -> AllocationNotFound: ...
@overload
def refusal(refused: service.ProfessionalExists) -> ProfessionalExists: ...
@overload
def refusal(refused: service.NoPolicyOnRecord) -> NoPolicyOnRecord: ...


@overload
def refusal(refused: service.AmendConflict) -> AmendConflict: ...
@overload
def refusal(refused: service.EntryLocked) -> EntryLocked: ...
def refusal(refused: service.Refusal) -> Refusal:
    # Refusals that carry more than their message are built field by field; the rest are
    # their message under the type the overloads name.
    match refused:
        case service.NoBasisForRequest():
            return NoBasisForRequest(message=refused.message, missing=list(refused.missing))
        case service.RequestWithdrawn():
            return RequestWithdrawn(message=refused.message, reason=refused.reason)
        case service.RequestClosed():
            return RequestClosed(message=refused.message, reason=refused.reason)
        case service.AmendConflict():
            return AmendConflict(
                message=refused.message, entry_id=strawberry.ID(refused.entry_id),
                expected_version=refused.expected_version, current_version=refused.current_version,
                current_author=WorkbookAuthor.of(refused.current_author_id, refused.current_author_name),
                current_written_at=refused.current_written_at,
            )
        case service.EntryLocked():
            return EntryLocked(
                message=refused.message, entry_id=strawberry.ID(refused.entry_id),
                supervision_entry_id=(
                    strawberry.ID(refused.supervision_entry_id) if refused.supervision_entry_id else None
                ),
                signed_off_by=WorkbookAuthor.of(refused.signed_off_by_id, refused.signed_off_by_name),
                signed_off_at=refused.signed_off_at,
            )
    return shown_as(type(refused))(message=refused.message)


def _by_service_class() -> dict[type[service.Refusal], type[Refusal]]:
    table: dict[type[service.Refusal], type[Refusal]] = {}
    for variant in get_overloads(refusal):
        hints = get_type_hints(variant)
        table[hints["refused"]] = hints["return"]
    return table


_SHOWN_AS = _by_service_class()


def shown_as(refused: type[service.Refusal]) -> type[Refusal]:
    """The GraphQL type a service refusal is answered as."""
    return _SHOWN_AS[refused]
