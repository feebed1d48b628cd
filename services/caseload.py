"""A Family Safeguarding professional's families, and who lives in the household of a workbook.

Both rest on the workbook's ALLOCATED basis, as the workbook does (`services/workbook.py`):
the policy says which roles may rely on it for workbook entries, the graph whether it holds
for a household. Anyone else, and any household without a workbook, gets nothing: the
same answer. Each read that names a family is recorded in the audit chain in its own
transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

from neo4j import Driver, ManagedTransaction

from graph import caseload as repo
from graph.caseload import FamilyRow, HouseholdRow
from policies import Action, Basis, Policy, ResourceKind
from services import audit_events
from services.principal import Principal
from services.refusals import NotPermitted, WorkbookUnavailable

__all__ = ["Caseload", "CaseloadService", "FamilyRow", "HouseholdRow"]

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Caseload:
    families: tuple[FamilyRow, ...]


CaseloadResult: TypeAlias = Caseload | NotPermitted
HouseholdResult: TypeAlias = HouseholdRow | WorkbookUnavailable


class CaseloadService:
    def __init__(
        self, driver: Driver, *, database: str, policy: Policy, audit_sink: audit_events.AuditSink,
    ) -> None:
        self._driver = driver
        self._database = database
        self._policy = policy
        self._audit = audit_sink

    def _stands_on_allocation(self, principal: Principal) -> bool:
        bases = self._policy.allowed_bases(principal.roles, ResourceKind.WORKBOOK_ENTRY, Action.READ)
        return Basis.ALLOCATED in bases

    def may_have_caseload(self, principal: Principal) -> bool:
        return self._stands_on_allocation(principal)

    def may_sign_off_supervision(self, principal: Principal) -> bool:
        """Whether to offer the sign-off of what awaits supervision (the workbook service decides)."""
        bases = self._policy.allowed_bases(principal.roles, ResourceKind.WORKBOOK_ENTRY, Action.SIGN_OFF_SUPERVISION)
        return Basis.ALLOCATED in bases

    def caseload(self, principal: Principal, *, request_id: str) -> CaseloadResult:
        """The families whose workbooks the caller works in, their own first, the latest written first."""
        if not self._stands_on_allocation(principal):
            return NotPermitted("your role keeps no Family Safeguarding caseload")

        def work(tx: ManagedTransaction) -> Caseload:
            families = repo.caseload(tx, professional_id=principal.professional_id)
            if families:
                audit_events.record(
                    self._audit, tx, principal, action="caseload.read",
                    targets=[family.household.workbook_id for family in families], request_id=request_id,
                    basis=Basis.ALLOCATED.value,
                )
            return Caseload(tuple(families))

        return self._write(work)

    def household(self, principal: Principal, household_id: str, *, request_id: str) -> HouseholdResult:
        """Who lives in the household of a workbook the caller works in."""
        if not self._stands_on_allocation(principal):
            return WorkbookUnavailable()

        def work(tx: ManagedTransaction) -> HouseholdResult:
            found = repo.household(tx, professional_id=principal.professional_id, household_id=household_id)
            if found is None:
                return WorkbookUnavailable()
            audit_events.record(
                self._audit, tx, principal, action="household.read",
                targets=[found.workbook_id, *(member.id for member in found.members)], request_id=request_id,
                basis=Basis.ALLOCATED.value,
            )
            return found

        return self._write(work)

    def _write(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)
