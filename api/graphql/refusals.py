"""Typed results for expected refusals: clients switch on `__typename`, never parse messages."""

from __future__ import annotations

from typing import Any

import strawberry

from services.consent import Refused


@strawberry.interface
class Refusal:
    message: str


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


_BY_KIND: dict[str, type[Any]] = {
    "NotPermitted": NotPermitted,
    "InvalidInput": InvalidInput,
    "InvalidConsent": InvalidInput,
    "InvalidOverride": InvalidInput,
    "ChildNotFound": ChildNotFound,
    "GiverNotEntitled": GiverNotEntitled,
    "ConsentNotFound": ConsentNotFound,
    "AlreadyWithdrawn": AlreadyWithdrawn,
    "OverrideNotFound": OverrideNotFound,
    "NotAManager": NotAManager,
    "SelfApprovalForbidden": SelfApprovalForbidden,
    "AlreadyDecided": AlreadyDecided,
    "OutsideOfficeHours": OutsideOfficeHours,
    "NotRevocable": NotRevocable,
}


def refusal(refused: Refused) -> Any:
    return _BY_KIND[refused.kind](message=refused.message)
