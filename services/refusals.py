"""What the services answer when the rules do not allow a request: one class per refusal.

A service returns one of these instead of its result, and its return annotation names
exactly which (`ConsentRecord | ChildNotFound | GiverNotEntitled | InvalidInput |
NotPermitted`), so each face (GraphQL, pages) can tell them apart by type and a test can
hold each service's refusals against the GraphQL union its resolver returns. Only the
unexpected raises.

A refusal about something the caller may not see reads exactly like one about something
that does not exist: the not-found refusals carry one fixed message each, so no caller
can tell the two apart by what they are told. A refusal's class name is the name the API
gives it, and the name the audit chain records for a refused override decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why, in words for the person asking; never case content."""

    message: str


@dataclass(frozen=True, slots=True)
class NotPermitted(Refusal):
    """The caller's role may not do this at all, whatever the record."""


@dataclass(frozen=True, slots=True)
class InvalidInput(Refusal):
    """The request itself is malformed; the message says what to change."""

    @classmethod
    def page_size(cls, maximum: int) -> InvalidInput:
        return cls(f"first must be between 1 and {maximum}")

    @classmethod
    def unknown_cursor(cls) -> InvalidInput:
        return cls("after is not a cursor this query gave out")


# Not found: one message each, so a hidden thing reads exactly like a missing one.


@dataclass(frozen=True, slots=True)
class ChildNotFound(Refusal):
    message: str = "no such child"


@dataclass(frozen=True, slots=True)
class ConsentNotFound(Refusal):
    message: str = "no such consent"


@dataclass(frozen=True, slots=True)
class OverrideNotFound(Refusal):
    message: str = "no such override request"


@dataclass(frozen=True, slots=True)
class ContactNotFound(Refusal):
    message: str = "no such contact"


@dataclass(frozen=True, slots=True)
class ProposalNotFound(Refusal):
    message: str = "no such proposed decision"


@dataclass(frozen=True, slots=True)
class RequestNotFound(Refusal):
    message: str = "no such information request"


@dataclass(frozen=True, slots=True)
class WorkbookUnavailable(Refusal):
    """No such household, no workbook, or not the caller's: one answer, so nothing is learned."""

    message: str = "there is no workbook here that you may open"


@dataclass(frozen=True, slots=True)
class EntryUnavailable(Refusal):
    message: str = "there is no workbook entry here that you may change"


@dataclass(frozen=True, slots=True)
class ProfessionalNotFound(Refusal):
    """No current professional has this id: never one, or a leaver."""

    message: str = "no such professional"


@dataclass(frozen=True, slots=True)
class PersonNotFound(Refusal):
    """No child or adult has this id."""

    message: str = "no such person"


@dataclass(frozen=True, slots=True)
class AllocationNotFound(Refusal):
    message: str = "no such allocation"


@dataclass(frozen=True, slots=True)
class NoPolicyOnRecord(Refusal):
    """The auditor's replay asked of an instant before any policy revision was loaded."""

    message: str = "no policy revision was in force at that instant"


# The workforce


@dataclass(frozen=True, slots=True)
class ProfessionalExists(Refusal):
    """The id (or external id) is another professional's, now or before they left: ids are never reused."""


# Consent and override


@dataclass(frozen=True, slots=True)
class GiverNotEntitled(Refusal):
    """The person named as giving consent may not give it for this child."""


@dataclass(frozen=True, slots=True)
class AlreadyWithdrawn(Refusal):
    message: str = "this consent was already withdrawn"


@dataclass(frozen=True, slots=True)
class NotAManager(Refusal):
    """Only a manager of the right service decides this."""


@dataclass(frozen=True, slots=True)
class SelfApprovalForbidden(Refusal):
    message: str = "you requested this override: another manager must decide"


@dataclass(frozen=True, slots=True)
class AlreadyDecided(Refusal):
    """An override, contact or proposed decision that was decided before this request."""


@dataclass(frozen=True, slots=True)
class OutsideOfficeHours(Refusal):
    message: str = (
        "outside office hours the EDT on-call senior manager or the head of service on call decides overrides"
    )


@dataclass(frozen=True, slots=True)
class NotRevocable(Refusal):
    """Only an approved, unexpired override can be revoked."""


# The front door


@dataclass(frozen=True, slots=True)
class ImplausibleReceivedAt(Refusal):
    """A contact's receivedAt in the future, or older than the hub accepts."""


@dataclass(frozen=True, slots=True)
class ContactClosed(Refusal):
    message: str = "this contact is decided and closed"


@dataclass(frozen=True, slots=True)
class ManagerAgreementRequired(Refusal):
    """A contact decision someone other than a front-door manager would make alone."""


@dataclass(frozen=True, slots=True)
class DecisionAwaitingAgreement(Refusal):
    """A proposed decision already waits on the contact."""


@dataclass(frozen=True, slots=True)
class SelfAgreementForbidden(Refusal):
    message: str = "you proposed this decision: another front door manager answers it"


@dataclass(frozen=True, slots=True)
class NoBasisForRequest(Refusal):
    # What a lawful request would need: the basis, or the agencies no current grant covers.
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AlreadyAnswered(Refusal):
    message: str = "your agency has already answered this request"


@dataclass(frozen=True, slots=True)
class RequestWithdrawn(Refusal):
    # Why: the consent or override the request rested on went.
    reason: str

    @classmethod
    def because(cls, reason: str) -> RequestWithdrawn:
        return cls("this request was withdrawn and takes no answers", reason)


@dataclass(frozen=True, slots=True)
class RequestClosed(Refusal):
    # Why: the contact it was made for was decided.
    reason: str

    @classmethod
    def because(cls, reason: str) -> RequestClosed:
        return cls(f"this request takes no more answers: {reason}", reason)


# The workbook


@dataclass(frozen=True, slots=True)
class AmendConflict(Refusal):
    """Someone amended the entry first: the caller must read their version before writing."""

    entry_id: str
    expected_version: int
    current_version: int
    current_author_id: str | None
    current_author_name: str | None
    current_written_at: datetime

    @classmethod
    def of(
        cls, *, entry_id: str, expected_version: int, current_version: int, current_author_id: str | None,
        current_author_name: str | None, current_written_at: datetime,
    ) -> AmendConflict:
        return cls(
            f"version {current_version} was written by {current_author_name or 'someone'}"
            f" after the version {expected_version} you read",
            entry_id, expected_version, current_version, current_author_id, current_author_name,
            current_written_at,
        )


@dataclass(frozen=True, slots=True)
class EntryLocked(Refusal):
    """A signed-off entry: later thinking is a new entry that refers to it."""

    entry_id: str
    supervision_entry_id: str | None
    signed_off_by_id: str | None
    signed_off_by_name: str | None
    signed_off_at: datetime | None

    @classmethod
    def of(
        cls, *, entry_id: str, supervision_entry_id: str | None, signed_off_by_id: str | None,
        signed_off_by_name: str | None, signed_off_at: datetime | None,
    ) -> EntryLocked:
        return cls(
            "signed off in group supervision: add a new entry that refers to it",
            entry_id, supervision_entry_id, signed_off_by_id, signed_off_by_name, signed_off_at,
        )
