"""Break glass and restricted children: access beyond the usual bases, and its narrowing.

Break glass gives a council professional with no legitimate relationship time-boxed access
to one child, on a reason from a short list and an explanation in their own words. Taking
it, and every read under it, is in the audit chain; the child's case holder and the
auditor see each use. A restricted child is seen beyond existence only by the
professionals named on the restriction, and break glass does not reach it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias, TypeVar

from neo4j import Driver, ManagedTransaction

from graph import grants as repo
from graph.grants import BreakGlassReason, BreakGlassRecord
from graph.values import utc
from policies import Action, Basis, Policy, ResourceKind
from protection.errors import ContentErased
from protection.keyring import Keyring
from services import access, audit_events, text
from services.consent import MIN_JUSTIFICATION
from services.paging import Cursor, Page, aware_time
from services.principal import Principal
from services.refusals import ChildNotFound, InvalidInput, NotPermitted

_T = TypeVar("_T")

DEFAULT_BREAK_GLASS_HOURS = 8
# As for an override's justification: long enough to say why, short enough to be read.
MIN_EXPLANATION = MIN_JUSTIFICATION
MAX_EXPLANATION = 2000
MAX_RESTRICTION_REASON = 500
MAX_NAMED = 50
MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class BreakGlassUse:
    record: BreakGlassRecord
    # The professional's explanation, opened for those who review uses; None with a reason when not.
    explanation: str | None
    explanation_unavailable: str | None


@dataclass(frozen=True, slots=True)
class Restriction:
    id: str
    child_id: str
    named: tuple[str, ...]


BreakGlassResult: TypeAlias = BreakGlassRecord | ChildNotFound | InvalidInput | NotPermitted
UsesResult: TypeAlias = Page[BreakGlassUse] | InvalidInput
ReviewResult: TypeAlias = Page[BreakGlassUse] | InvalidInput | NotPermitted
RestrictResult: TypeAlias = Restriction | ChildNotFound | InvalidInput | NotPermitted


def _record_key(record: BreakGlassRecord) -> tuple[datetime, str]:
    return record.opened_at, record.id


def _cursor(list_name: str) -> Cursor[tuple[datetime, str]]:
    return Cursor(
        list_name, write=lambda key: (key[0].isoformat(), key[1]), read=lambda parts: (aware_time(parts[0]), parts[1]),
        parts=2,
    )


_USES_CURSOR = _cursor("break_glass_uses")
_REVIEW_CURSOR = _cursor("break_glass_review")


class GrantService:
    def __init__(
        self, driver: Driver, *, database: str, policy: Policy, audit_sink: audit_events.AuditSink,
        keyring: Keyring, break_glass_hours: int = DEFAULT_BREAK_GLASS_HOURS,
    ) -> None:
        self._driver = driver
        self._database = database
        self._policy = policy
        self._audit = audit_sink
        self._keyring = keyring
        self._break_glass_hours = break_glass_hours

    def _may(self, principal: Principal, resource: ResourceKind, action: Action) -> bool:
        return bool(self._policy.allowed_bases(principal.roles, resource, action))

    def break_glass(
        self, principal: Principal, *, child_id: str, reason: BreakGlassReason, explanation: str,
        request_id: str,
    ) -> BreakGlassResult:
        if not self._may(principal, ResourceKind.PERSON, Action.BREAK_GLASS):
            return NotPermitted("your role may not break glass")
        if not MIN_EXPLANATION <= len(explanation.strip()) <= MAX_EXPLANATION:
            return InvalidInput(
                f"say why you need this child's records now ({MIN_EXPLANATION} to {MAX_EXPLANATION} characters)"
            )
        if problem := text.text_problem("the explanation", explanation, limit=MAX_EXPLANATION):
            return InvalidInput(problem)

        def work(tx: ManagedTransaction) -> BreakGlassResult:
            # An unknown child and a restricted one read the same: break glass reaches neither.
            if not repo.may_open_break_glass(tx, child_id=child_id, professional_id=principal.professional_id):
                return ChildNotFound()
            break_glass_id = f"break-glass-{uuid.uuid4().hex}"
            try:
                sealed = self._keyring.encrypt(
                    tx, scope_id=child_id, node_id=break_glass_id, field="explanation", plaintext=explanation
                )
            except ContentErased:
                return ChildNotFound()
            repo.create_break_glass(
                tx, break_glass_id=break_glass_id, child_id=child_id,
                professional_id=principal.professional_id, agency_id=principal.agency_id, reason=reason,
                detail_ciphertext=sealed, valid_hours=self._break_glass_hours,
            )
            audit_events.record(
                self._audit, tx, principal, action="break_glass.opened",
                targets=[break_glass_id, child_id], request_id=request_id, basis=Basis.BREAK_GLASS.value,
            )
            created = repo.get_break_glass(tx, break_glass_id=break_glass_id)
            assert created is not None
            return created

        return self._write(work)

    def uses_for_child(
        self, principal: Principal, *, child_id: str, first: int, after: str | None, request_id: str
    ) -> UsesResult:
        """Who broke glass to this child, newest first, for those working with it (and front-door
        managers); an unknown child and one the caller has no basis for both read as none."""
        position = _USES_CURSOR.start(first, after, maximum=MAX_PAGE)
        if isinstance(position, InvalidInput):
            return position

        def work(tx: ManagedTransaction) -> Page[BreakGlassUse]:
            decision = access.decide_for_child(
                tx, self._policy, principal, child_id=child_id, resource=ResourceKind.BREAK_GLASS,
                action=Action.READ,
            )
            # Breaking glass oneself is no basis for reviewing everyone's uses.
            if not decision.discloses_content or decision.basis is Basis.BREAK_GLASS:
                return Page.empty()
            found = repo.break_glass_for_child(tx, child_id=child_id, after=position, limit=first + 1)
            page = _USES_CURSOR.page(found, first, _record_key)
            return page.showing(self._reviewed(tx, principal, page.items, request_id))

        return self._write(work)

    def review(
        self, principal: Principal, *, start: datetime | None, end: datetime | None, first: int,
        after: str | None, request_id: str,
    ) -> ReviewResult:
        """Every use in a period, newest first, for the auditor's review."""
        if Basis.OWN_AGENCY not in self._policy.allowed_bases(principal.roles, ResourceKind.BREAK_GLASS, Action.READ):
            return NotPermitted("your role may not review break-glass uses")
        position = _REVIEW_CURSOR.start(first, after, maximum=MAX_PAGE)
        if isinstance(position, InvalidInput):
            return position

        def work(tx: ManagedTransaction) -> Page[BreakGlassUse]:
            found = repo.break_glass_in_period(
                tx, start=utc(start) if start is not None else None, end=utc(end) if end is not None else None,
                after=position, limit=first + 1,
            )
            page = _REVIEW_CURSOR.page(found, first, _record_key)
            return page.showing(self._reviewed(tx, principal, page.items, request_id))

        return self._write(work)

    def _reviewed(
        self, tx: ManagedTransaction, principal: Principal, found: list[BreakGlassRecord], request_id: str
    ) -> list[BreakGlassUse]:
        uses = []
        for record in found:
            opened = self._keyring.open(
                tx, scope_id=record.child_id, node_id=record.id, field="explanation",
                ciphertext=record.detail_ciphertext,
            )
            uses.append(BreakGlassUse(record, opened.text, opened.unavailable))
        if uses:
            audit_events.record(
                self._audit, tx, principal, action="break_glass.reviewed",
                targets=[use.record.id for use in uses], request_id=request_id,
            )
        return uses

    def restrict_child(
        self, principal: Principal, *, child_id: str, reason: str, named: list[str], request_id: str,
    ) -> RestrictResult:
        if not self._may(principal, ResourceKind.PERSON, Action.RESTRICT):
            return NotPermitted("only a front-door manager may restrict a child's record")
        if not reason.strip() or len(reason) > MAX_RESTRICTION_REASON:
            return InvalidInput(f"give the reason for the restriction ({MAX_RESTRICTION_REASON} characters at most)")
        if problem := text.text_problem("the reason", reason, limit=MAX_RESTRICTION_REASON):
            return InvalidInput(problem)
        if len(named) > MAX_NAMED:
            return InvalidInput(f"name at most {MAX_NAMED} professionals")
        # The manager who restricts is always named, so a restriction can never lock out everyone.
        everyone = sorted({*named, principal.professional_id})

        def work(tx: ManagedTransaction) -> RestrictResult:
            decision = access.decide_for_child(
                tx, self._policy, principal, child_id=child_id, resource=ResourceKind.PERSON,
                action=Action.RESTRICT,
            )
            if not decision.discloses_content:
                return ChildNotFound()
            if repo.known_professionals(tx, ids=everyone) != set(everyone):
                return InvalidInput("every professional named must be known to the hub")
            repo.restrict_child(
                tx, restriction_id=f"restriction-{uuid.uuid4().hex}", child_id=child_id, reason=reason,
                restricted_by=principal.professional_id, named=everyone,
            )
            found = repo.restriction_for_child(tx, child_id=child_id)
            assert found is not None
            audit_events.record(
                self._audit, tx, principal, action="child.restricted",
                targets=[found[0], child_id, *everyone], request_id=request_id,
            )
            return Restriction(id=found[0], child_id=child_id, named=found[1])

        return self._write(work)

    def _write(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)
