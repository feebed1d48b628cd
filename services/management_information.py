"""Management information for MASH boards and inspections: counts and times over a period.

Who may read it is the policy's (`management_information` read); what it holds is counts,
times, the names of the managers who decided and of the agencies asked: never a child, a
family or a word of case content, so no read of it is a read of case information.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeAlias

from neo4j import Driver, ManagedTransaction

from graph import management_information as repo
from graph.management_information import DecisionTimes, ManagerMonth, PartnerRow, UrgencyRow
from graph.values import utc
from policies import Action, Basis, Policy, ResourceKind
from services.principal import Principal
from services.refusals import InvalidInput, NotPermitted

# A board looks back a year; longer periods are asked for one year at a time.
DEFAULT_PERIOD = timedelta(days=365)
MAX_PERIOD = timedelta(days=366 * 2)


@dataclass(frozen=True, slots=True)
class Period:
    from_at: datetime
    to_at: datetime


@dataclass(frozen=True, slots=True)
class ManagementInformation:
    period: Period
    overrides_by_manager: tuple[ManagerMonth, ...]
    override_decision_times: tuple[DecisionTimes, ...]
    contacts_by_urgency: tuple[UrgencyRow, ...]
    partner_responses: tuple[PartnerRow, ...]


FiguresResult: TypeAlias = ManagementInformation | InvalidInput | NotPermitted


class ManagementInformationService:
    def __init__(self, driver: Driver, *, database: str, policy: Policy) -> None:
        self._driver = driver
        self._database = database
        self._policy = policy

    def may_read(self, principal: Principal) -> bool:
        bases = self._policy.allowed_bases(principal.roles, ResourceKind.MANAGEMENT_INFORMATION, Action.READ)
        return Basis.OWN_AGENCY in bases

    def figures(
        self, principal: Principal, *, from_at: datetime | None, to_at: datetime | None,
    ) -> FiguresResult:
        """Every figure for the period `[from_at, to_at)`; by default the year to now."""
        if not self.may_read(principal):
            return NotPermitted("your role may not read management information")
        end = utc(to_at) if to_at is not None else datetime.now(UTC)
        start = utc(from_at) if from_at is not None else end - DEFAULT_PERIOD
        if end <= start:
            return InvalidInput("the end of the period must be after its start")
        if end - start > MAX_PERIOD:
            return InvalidInput("ask for two years at most at a time")

        def work(tx: ManagedTransaction) -> ManagementInformation:
            return ManagementInformation(
                period=Period(start, end),
                overrides_by_manager=tuple(repo.overrides_by_manager(tx, from_at=start, to_at=end)),
                override_decision_times=tuple(repo.override_decision_times(tx, from_at=start, to_at=end)),
                contacts_by_urgency=tuple(repo.contacts_by_urgency(tx, from_at=start, to_at=end)),
                partner_responses=tuple(repo.partner_responses(tx, from_at=start, to_at=end)),
            )

        with self._driver.session(database=self._database) as session:
            return session.execute_read(work)


