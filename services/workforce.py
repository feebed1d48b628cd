"""The council's workforce, day by day: professionals joining, moving team, changing roles and
leaving, and children allocated to them.

Only the administrator changes professionals; allocating a child (and ending an allocation)
is also the work of the managers who allocate (policy: `allocation` write). Each act is one
transaction with its audit event. A refusal for a role that may not act comes before anything
is looked up, so a real id and an invented one get the same answer. Allocating is how a
legitimate relationship begins, so those who may allocate learn that a child's id exists,
and nothing else about it; a restricted child's allocations are changed only by those named
on its restriction (to anyone else it reads as unknown).

The rules a professional and an allocation follow are here once, for these use cases and for
`hub import people` (`services/workforce_import.py`): what an id may look like, that every
role is one the policy in force names, and that a child's case has one holder (allocating
another case holder ends the allocation of the one before, kept in its history). Allocating a
case holder in a Family Safeguarding team opens the family's workbook in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeAlias, TypeVar

from neo4j import Driver, ManagedTransaction

from graph import workbook
from graph import workforce as repo
from graph.model import AllocationRole, Role
from policies import Action, Policy, ResourceKind
from services import audit_events, text
from services.principal import Principal
from services.refusals import (
    AllocationNotFound,
    ChildNotFound,
    InvalidInput,
    NotPermitted,
    ProfessionalExists,
    ProfessionalNotFound,
)

_T = TypeVar("_T")

# Ids of agencies, teams and professionals are the council's own; they travel in tokens, audit
# events and URLs, so they are short and plain.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,99}$")
MAX_ROLES = 10
MAX_DISCIPLINE = 50
MAX_EXTERNAL_ID = 200


def id_problem(label: str, value: str) -> str | None:
    if not _ID.match(value):
        return f"{label} {value!r} is not an id (letters, digits and _ . : @ -, at most 100, starting alike)"
    return None


def name_problem(label: str, value: str) -> str | None:
    if not value.strip():
        return f"{label} is empty"
    return text.name_problem(label, value)


def roles_problem(policy: Policy, roles: Sequence[str]) -> str | None:
    """Why these roles cannot be given: none, too many, repeated, or one the policy does not name."""
    if not roles:
        return "give at least one role"
    if len(roles) > MAX_ROLES:
        return f"give at most {MAX_ROLES} roles"
    if len(set(roles)) != len(roles):
        return "a role is named twice"
    unknown = [role for role in roles if role not in policy.roles]
    if unknown:
        return f"unknown role {unknown[0]!r}: not a role the policy names"
    return None


def discipline_problem(value: str) -> str | None:
    if value and not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", value):
        return f"discipline {value!r} is not a word of lower-case letters, digits and _ (at most {MAX_DISCIPLINE})"
    return None


def external_id_problem(value: str) -> str | None:
    if not value.strip() or len(value) > MAX_EXTERNAL_ID or not value.isprintable() or value != value.strip():
        return f"the external id must be one line of at most {MAX_EXTERNAL_ID} characters, without spaces around it"
    return None


@dataclass(frozen=True, slots=True)
class ProfessionalRecord:
    id: str
    name: str
    roles: tuple[str, ...]
    # None once they have left.
    team_id: str | None
    discipline: str
    external_id: str | None
    left_at: datetime | None

    @staticmethod
    def of(stored: repo.StoredProfessional) -> ProfessionalRecord:
        return ProfessionalRecord(
            id=stored.id, name=stored.name, roles=stored.roles, team_id=stored.team_id,
            discipline=stored.discipline, external_id=stored.external_id, left_at=stored.left_at,
        )


@dataclass(frozen=True, slots=True)
class AllocationRecord:
    professional_id: str
    child_id: str
    role: AllocationRole
    since: date | None
    # Set once the allocation has ended.
    until: date | None = None
    # The case holders whose allocation this one ended.
    replaced: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AllocationPlan:
    """What allocating one professional to one child changes: nothing, or a write and the
    case holders it replaces."""

    write: repo.AllocationWrite | None
    ends: tuple[repo.StoredAllocation, ...]
    current: repo.StoredAllocation | None


def plan_allocation(
    current: Sequence[repo.StoredAllocation], wanted: repo.AllocationWrite, *, keep: frozenset[str] = frozenset(),
) -> AllocationPlan:
    """`current` is the child's current allocations; professionals in `keep` are allocated to
    the child by the same request (an import's other rows) and are not replaced."""
    mine = next((a for a in current if a.professional_id == wanted.professional_id), None)
    write = wanted if mine is None or mine.role != wanted.role else None
    ends: tuple[repo.StoredAllocation, ...] = ()
    if wanted.role == AllocationRole.CASE_HOLDER:
        ends = tuple(
            a for a in current
            if a.role == AllocationRole.CASE_HOLDER and a.professional_id != wanted.professional_id
            and a.professional_id not in keep
        )
    return AllocationPlan(write=write, ends=ends, current=mine)


AddProfessionalResult: TypeAlias = ProfessionalRecord | InvalidInput | NotPermitted | ProfessionalExists
ChangeProfessionalResult: TypeAlias = ProfessionalRecord | InvalidInput | NotPermitted | ProfessionalNotFound
DeactivateProfessionalResult: TypeAlias = ProfessionalRecord | InvalidInput | NotPermitted | ProfessionalNotFound
AllocateChildResult: TypeAlias = AllocationRecord | ChildNotFound | InvalidInput | NotPermitted | ProfessionalNotFound
DeallocateChildResult: TypeAlias = AllocationRecord | AllocationNotFound | NotPermitted

_ONLY_ADMINISTRATORS = "only an administrator changes who works in the hub"


class WorkforceService:
    def __init__(self, driver: Driver, *, database: str, policy: Policy, audit_sink: audit_events.AuditSink) -> None:
        self._driver = driver
        self._database = database
        self._policy = policy
        self._audit = audit_sink

    def _may(self, principal: Principal, resource: ResourceKind, action: Action) -> bool:
        return bool(self._policy.allowed_bases(principal.roles, resource, action))

    # Professionals

    def add_professional(
        self, principal: Principal, *, professional_id: str, name: str, roles: Sequence[str], team_id: str,
        discipline: str = "", external_id: str | None = None, request_id: str,
    ) -> AddProfessionalResult:
        if not self._may(principal, ResourceKind.USER, Action.MANAGE):
            return NotPermitted(_ONLY_ADMINISTRATORS)
        if problem := text.first_problem(
            id_problem("the id", professional_id), name_problem("the name", name),
            roles_problem(self._policy, roles), id_problem("the team", team_id), discipline_problem(discipline),
            external_id_problem(external_id) if external_id is not None else None,
        ):
            return InvalidInput(problem)

        def work(tx: ManagedTransaction) -> AddProfessionalResult:
            if repo.professionals(tx, ids=[professional_id]):
                return ProfessionalExists("a professional has had this id: ids are never reused")
            if external_id is not None and repo.holders_of_external_ids(tx, external_ids=[external_id]):
                return ProfessionalExists("the external id already names another professional")
            if not repo.teams(tx, ids=[team_id]):
                return InvalidInput(f"no such team {team_id!r}")
            repo.write_professionals(tx, [repo.ProfessionalWrite(
                id=professional_id, name=name, roles=tuple(roles), team_id=team_id, discipline=discipline,
                external_id=external_id,
            )], by=principal.professional_id)
            audit_events.record(
                self._audit, tx, principal, action="professional.added", targets=[professional_id, team_id],
                request_id=request_id,
            )
            return self._professional(tx, professional_id)

        return self._write(work)

    def change_professional(
        self, principal: Principal, *, professional_id: str, team_id: str | None = None,
        roles: Sequence[str] | None = None, discipline: str | None = None, request_id: str,
    ) -> ChangeProfessionalResult:
        """A move to another team, new roles or a new discipline; what is not given stays."""
        if not self._may(principal, ResourceKind.USER, Action.MANAGE):
            return NotPermitted(_ONLY_ADMINISTRATORS)
        if team_id is None and roles is None and discipline is None:
            return InvalidInput("say what changes: the team, the roles or the discipline")
        if problem := text.first_problem(
            id_problem("the team", team_id) if team_id is not None else None,
            roles_problem(self._policy, roles) if roles is not None else None,
            discipline_problem(discipline) if discipline is not None else None,
        ):
            return InvalidInput(problem)
        if (
            professional_id == principal.professional_id and roles is not None
            and Role.ADMINISTRATOR.value not in roles
        ):
            return InvalidInput("another administrator must take the administrator role from you")

        def work(tx: ManagedTransaction) -> ChangeProfessionalResult:
            found = repo.professionals(tx, ids=[professional_id]).get(professional_id)
            if found is None or not found.current or found.team_id is None:
                return ProfessionalNotFound()
            if team_id is not None and not repo.teams(tx, ids=[team_id]):
                return InvalidInput(f"no such team {team_id!r}")
            changed = repo.ProfessionalWrite(
                id=found.id, name=found.name, roles=tuple(roles) if roles is not None else found.roles,
                team_id=team_id if team_id is not None else found.team_id,
                discipline=discipline if discipline is not None else found.discipline,
                external_id=found.external_id,
            )
            if (changed.roles, changed.team_id, changed.discipline) == (found.roles, found.team_id, found.discipline):
                return ProfessionalRecord.of(found)
            repo.write_professionals(tx, [changed], by=principal.professional_id)
            audit_events.record(
                self._audit, tx, principal, action="professional.changed",
                targets=[professional_id, changed.team_id], request_id=request_id,
            )
            return self._professional(tx, professional_id)

        return self._write(work)

    def deactivate_professional(
        self, principal: Principal, *, professional_id: str, request_id: str,
    ) -> DeactivateProfessionalResult:
        """A leaver: out of their team, and refused on their next request by either face."""
        if not self._may(principal, ResourceKind.USER, Action.MANAGE):
            return NotPermitted(_ONLY_ADMINISTRATORS)
        if professional_id == principal.professional_id:
            return InvalidInput("another administrator must deactivate you")

        def work(tx: ManagedTransaction) -> DeactivateProfessionalResult:
            if not repo.deactivate(tx, professional_id=professional_id, by=principal.professional_id):
                return ProfessionalNotFound()
            audit_events.record(
                self._audit, tx, principal, action="professional.deactivated", targets=[professional_id],
                request_id=request_id,
            )
            return self._professional(tx, professional_id)

        return self._write(work)

    # Allocations

    def allocate_child(
        self, principal: Principal, *, professional_id: str, child_id: str, role: AllocationRole,
        request_id: str,
    ) -> AllocateChildResult:
        """Allocates, or changes the role of a current allocation; allocating the one allocated
        already in that role changes nothing and records nothing."""
        if not self._may(principal, ResourceKind.ALLOCATION, Action.WRITE):
            return NotPermitted("only the managers who allocate, and the administrator, allocate children")

        def work(tx: ManagedTransaction) -> AllocateChildResult:
            if not repo.child_open_to(tx, child_id=child_id, professional_id=principal.professional_id):
                return ChildNotFound()
            found = repo.professionals(tx, ids=[professional_id]).get(professional_id)
            if found is None or not found.current:
                return ProfessionalNotFound()
            plan = plan_allocation(
                repo.current_allocations(tx, child_ids=[child_id]),
                repo.AllocationWrite(professional_id=professional_id, child_id=child_id, role=role.value),
            )
            if plan.write is None and not plan.ends:
                assert plan.current is not None
                return _allocation(plan.current)
            by = principal.professional_id
            repo.end_allocations(tx, [_ending(a) for a in plan.ends], by=by)
            if plan.write is not None:
                repo.allocate(tx, [plan.write], by=by)
            workbook.open_workbooks_for_children(tx, child_ids=[child_id])
            replaced = tuple(a.professional_id for a in plan.ends)
            audit_events.record(
                self._audit, tx, principal, action="child.allocated",
                targets=[professional_id, child_id, role.value, *replaced], request_id=request_id,
            )
            now = next(
                a for a in repo.current_allocations(tx, child_ids=[child_id]) if a.professional_id == professional_id
            )
            return _allocation(now, replaced=replaced)

        return self._write(work)

    def deallocate_child(
        self, principal: Principal, *, professional_id: str, child_id: str, request_id: str,
    ) -> DeallocateChildResult:
        """Ends a current allocation; it stays in the child's history. The family's workbook
        stays open with the team that holds it."""
        if not self._may(principal, ResourceKind.ALLOCATION, Action.WRITE):
            return NotPermitted("only the managers who allocate, and the administrator, end allocations")

        def work(tx: ManagedTransaction) -> DeallocateChildResult:
            if not repo.child_open_to(tx, child_id=child_id, professional_id=principal.professional_id):
                return AllocationNotFound()
            mine = next(
                (a for a in repo.current_allocations(tx, child_ids=[child_id]) if a.professional_id == professional_id),
                None,
            )
            if mine is None:
                return AllocationNotFound()
            (ended,) = repo.end_allocations(tx, [_ending(mine)], by=principal.professional_id)
            audit_events.record(
                self._audit, tx, principal, action="child.deallocated",
                targets=[professional_id, child_id, ended.role], request_id=request_id,
            )
            return AllocationRecord(
                professional_id=ended.professional_id, child_id=ended.child_id, role=AllocationRole(ended.role),
                since=ended.since, until=ended.until,
            )

        return self._write(work)

    def _professional(self, tx: ManagedTransaction, professional_id: str) -> ProfessionalRecord:
        stored = repo.professionals(tx, ids=[professional_id])[professional_id]
        return ProfessionalRecord.of(stored)

    def _write(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)


def _ending(allocation: repo.StoredAllocation) -> repo.AllocationWrite:
    return repo.AllocationWrite(
        professional_id=allocation.professional_id, child_id=allocation.child_id, role=allocation.role,
    )


def _allocation(stored: repo.StoredAllocation, *, replaced: tuple[str, ...] = ()) -> AllocationRecord:
    return AllocationRecord(
        professional_id=stored.professional_id, child_id=stored.child_id, role=AllocationRole(stored.role),
        since=stored.since, replaced=replaced,
    )
