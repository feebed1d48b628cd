"""The worklists: override requests awaiting the calling manager's decision, and a partner's inbox.

Each page is one transaction: the policy says who may have the list, one query reads the
page, and each justification it opens and each child's name it shows on consent, an override
or break glass is recorded in the audit chain in that same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeAlias, TypeVar

from neo4j import Driver, ManagedTransaction

from graph import worklists as repo
from graph.contacts import ShareRow
from graph.data_key_store import StoredDataKey
from graph.network import Viewer
from graph.worklists import InboxKey, ListedChild, Position, Requester
from policies import Action, Basis, Policy, ResourceKind
from protection.keyring import Keyring, OpenedField
from services import audit_events
from services.consent import OverrideRead, is_office_hours
from services.contacts import MAX_PAGE, RequestStatus, RequestView, ShareView
from services.erasure import RETENTION_ERASED
from services.paging import Cursor, Page
from services.principal import Principal
from services.refusals import InvalidInput, NotPermitted

_T = TypeVar("_T")
_AUDITED_BASES = frozenset({Basis.CONSENT.value, Basis.OVERRIDE.value, Basis.BREAK_GLASS.value})
_NOT_OURS = "your role may not read this answer"
_NANOSECONDS = 1_000_000_000
# Seconds since the epoch of any time the hub writes, with room to spare; a cursor beyond is no
# position this hub gave out (and would not fit the driver's 64-bit integers).
_SECONDS = 10**11


@dataclass(frozen=True, slots=True)
class AwaitingOverride:
    # As consentOverride(id) shows it to a manager who decides it: with the justification.
    override: OverrideRead
    child: ListedChild
    requester: Requester


@dataclass(frozen=True, slots=True)
class InboxItem:
    # As informationRequest(id) shows it to the addressed agency.
    request: RequestView
    child: ListedChild


AwaitingOverridesResult: TypeAlias = Page[AwaitingOverride] | InvalidInput
InboxResult: TypeAlias = Page[InboxItem] | InvalidInput | NotPermitted


def _position_parts(position: Position) -> tuple[str, ...]:
    return (str(position.seconds), str(position.nanosecond), position.id)


def _position(parts: tuple[str, ...]) -> Position:
    seconds, nanosecond = int(parts[0]), int(parts[1])
    if not (-_SECONDS < seconds < _SECONDS and 0 <= nanosecond < _NANOSECONDS):
        raise ValueError("no time the hub writes")
    return Position(seconds=seconds, nanosecond=nanosecond, id=parts[2])


def _inbox_parts(key: InboxKey) -> tuple[str, ...]:
    return (str(key.rank), *_position_parts(key.due))


def _inbox_key(parts: tuple[str, ...]) -> InboxKey:
    if parts[0] not in {"0", "1"}:
        raise ValueError("no rank the inbox gives")
    return InboxKey(rank=int(parts[0]), due=_position(parts[1:]))


_AWAITING = Cursor("overrides_awaiting_decision", write=_position_parts, read=_position, parts=3)
_INBOX = Cursor("information_request_inbox", write=_inbox_parts, read=_inbox_key, parts=4)


class WorklistService:
    def __init__(
        self,
        driver: Driver,
        *,
        database: str,
        policy: Policy,
        audit_sink: audit_events.AuditSink,
        keyring: Keyring,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._driver = driver
        self._database = database
        self._policy = policy
        self._audit = audit_sink
        self._keyring = keyring
        self._clock = clock

    def overrides_awaiting_decision(
        self, principal: Principal, *, first: int, after: str | None, request_id: str,
    ) -> AwaitingOverridesResult:
        """The override requests the caller may decide now, oldest first; for anyone who may
        not decide now, nothing, so the list tells them nothing about what others decide."""
        position = _AWAITING.start(first, after, maximum=MAX_PAGE)
        if isinstance(position, InvalidInput):
            return position
        if not self._decides_now(principal):
            return Page.empty()

        def work(tx: ManagedTransaction) -> Page[AwaitingOverride]:
            rows = repo.overrides_awaiting(tx, viewer=self._viewer(principal), after=position, limit=first + 1)
            page = _AWAITING.page(rows, first, lambda row: row.position)
            self._audit_names(tx, principal, [row.child for row in page.items], request_id)
            return page.showing([
                AwaitingOverride(
                    override=self._justified(tx, principal, row, request_id), child=row.child,
                    requester=row.requester,
                )
                for row in page.items
            ])

        return self._write(work)

    def information_request_inbox(
        self, principal: Principal, *, status: RequestStatus | None, first: int, after: str | None,
        request_id: str,
    ) -> InboxResult:
        """The requests addressed to the caller's agency, those still taking answers first, each
        due first; each as informationRequest(id) shows it to that agency."""
        request_bases = self._policy.allowed_bases(principal.roles, ResourceKind.INFORMATION_REQUEST, Action.READ)
        if Basis.OWN_AGENCY not in request_bases:
            return NotPermitted("your role may not read information requests")
        key = _INBOX.start(first, after, maximum=MAX_PAGE)
        if isinstance(key, InvalidInput):
            return key
        share_bases = self._policy.allowed_bases(principal.roles, ResourceKind.INFORMATION_SHARE, Action.READ)

        def work(tx: ManagedTransaction) -> Page[InboxItem]:
            rows = repo.inbox(
                tx, viewer=self._viewer(principal), status=status.value if status else None, after=key,
                limit=first + 1,
            )
            page = _INBOX.page(rows, first, lambda row: row.key)
            self._audit_names(tx, principal, [row.child for row in page.items], request_id)
            return page.showing([
                InboxItem(
                    request=RequestView(
                        row=row.request,
                        shares=[
                            self._answer(row.data_key, principal, share, share_bases) for share in row.request.shares
                        ],
                    ),
                    child=row.child,
                )
                for row in page.items
            ])

        return self._write(work)

    def _decides_now(self, principal: Principal) -> bool:
        # Who decides now is the policy's, as for decideOverride (services/consent.py):
        # approve_override in office hours, decide_out_of_hours outside them.
        action = Action.APPROVE_OVERRIDE if is_office_hours(self._clock()) else Action.DECIDE_OUT_OF_HOURS
        return all(
            self._policy.allowed_bases(principal.roles, ResourceKind.OVERRIDE, needed)
            for needed in (Action.READ, action)
        )

    def _viewer(self, principal: Principal) -> Viewer:
        return Viewer(
            professional_id=principal.professional_id, agency_id=principal.agency_id,
            agency_kind=principal.agency_kind, read_bases=self._policy.compile_read_filter(principal.roles),
        )

    def _justified(
        self, tx: ManagedTransaction, principal: Principal, row: repo.AwaitingOverrideRow, request_id: str,
    ) -> OverrideRead:
        """The justification opened for the manager deciding, and that reading audited, as
        consentOverride(id) does."""
        record = row.override
        opened = self._keyring.open_with(
            row.data_key, node_id=record.id, field="justification", ciphertext=record.justification_ciphertext,
        )
        audit_events.record(
            self._audit, tx, principal, action="override.justification_read",
            targets=[record.id, record.child_id], request_id=request_id, override_id=record.id,
        )
        return OverrideRead(record, opened.text, opened.unavailable)

    def _answer(
        self, data_key: StoredDataKey | None, principal: Principal, share: ShareRow, share_bases: frozenset[Basis],
    ) -> ShareView:
        """An answer as the addressed agency reads it in informationRequest(id): its own, on
        OWN_AGENCY where its role may read its agency's answers."""
        if share.agency_id == principal.agency_id and Basis.OWN_AGENCY in share_bases:
            basis: str | None = Basis.OWN_AGENCY.value
            # Only the retention schedule leaves an answer without its text (services/retention.py).
            opened = OpenedField(None, RETENTION_ERASED) if share.ciphertext is None else self._keyring.open_with(
                data_key, node_id=share.id, field="content" if share.shared else "decline_reason",
                ciphertext=share.ciphertext,
            )
        else:
            basis, opened = None, OpenedField(None, _NOT_OURS)
        return ShareView(
            id=share.id, agency_id=share.agency_id, shared=share.shared, fact_or_opinion=share.fact_or_opinion,
            historic=share.historic, shared_by=share.shared_by, shared_at=share.shared_at,
            content=opened.text if share.shared else None, decline_reason=None if share.shared else opened.text,
            basis=basis, content_unavailable=opened.unavailable if share.shared else None,
            decline_reason_unavailable=None if share.shared else opened.unavailable,
        )

    def _audit_names(
        self, tx: ManagedTransaction, principal: Principal, children: list[ListedChild], request_id: str,
    ) -> None:
        # One event per basis, and under OVERRIDE one per override, as a search records the
        # people it showed: each override's review then lists the children named under it.
        groups = sorted({(c.basis, c.override_id or "") for c in children if c.basis and c.basis in _AUDITED_BASES})
        for basis, override_id in groups:
            audit_events.record(
                self._audit, tx, principal, action="person.listed",
                targets=sorted({c.id for c in children if (c.basis, c.override_id or "") == (basis, override_id)}),
                request_id=request_id, basis=basis, override_id=override_id or None,
            )

    def _write(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)
