"""The owning agency is told: who in other agencies read its records, on which basis, and when.

As the NHS child protection information system tells the owning authority of every access,
an agency's MASH officer (and children's services' front door managers, for theirs) sees
each read of the agency's own records made on a consent, an override or break glass, from
the audit chain: when, who (and their agency and role), on which basis and under which
override, for which child, and which of the agency's records were read. Only ever the
caller's own agency's records: the query is anchored on the caller's agency, never on one
the caller names. Who may have the list is the policy's (`record_disclosure` read).

Viewing the list is itself recorded in the same transaction (`disclosures.read`), as is a
child's name shown on it on a consent or an override (`person.listed`, as the worklists
record theirs). The daily digest an operator produces for an agency's own mail is recorded
as `disclosures.digest`; it is ids, times and the readers' names, never a child's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeAlias

from neo4j import Driver, ManagedTransaction

from graph import disclosures as repo
from graph.disclosures import RecordRead
from graph.network import Viewer
from graph.values import utc
from policies import Action, Basis, Policy, ResourceKind
from services import audit_events
from services.paging import Cursor, Page
from services.principal import Principal
from services.refusals import InvalidInput, NotPermitted

MAX_PAGE = 100
# A period is bounded, so one list never walks the whole chain; longer ones are asked in parts.
DEFAULT_PERIOD = timedelta(days=30)
MAX_PERIOD = timedelta(days=366)
VIEWED = "disclosures.read"
DIGESTED = "disclosures.digest"
_AUDITED_NAME_BASES = frozenset({Basis.CONSENT.value, Basis.OVERRIDE.value, Basis.BREAK_GLASS.value})
# The digest reads a day in pages of this size, so a busy day is never one huge result.
_DIGEST_BATCH = 500


@dataclass(frozen=True, slots=True)
class Period:
    from_at: datetime
    to_at: datetime


@dataclass(frozen=True, slots=True)
class ReadsOfRecords:
    period: Period
    page: Page[RecordRead]


@dataclass(frozen=True, slots=True)
class Digest:
    agency_id: str
    agency_name: str
    day: date
    reads: tuple[RecordRead, ...]


@dataclass(frozen=True, slots=True)
class UnknownAgency:
    """The digest names no agency the hub holds."""

    agency_id: str


ReadsResult: TypeAlias = ReadsOfRecords | InvalidInput | NotPermitted
DigestResult: TypeAlias = Digest | UnknownAgency


def _seq(parts: tuple[str, ...]) -> int:
    seq = int(parts[0])
    if not 1 <= seq < 2**63:
        raise ValueError("a chain position is between 1 and the largest integer Neo4j holds")
    return seq


_CURSOR = Cursor("reads_of_our_records", write=lambda seq: (str(seq),), read=_seq, parts=1)


def day_period(day: date) -> Period:
    """One UTC day, as the digest covers it."""
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return Period(start, start + timedelta(days=1))


class DisclosureService:
    def __init__(self, driver: Driver, *, database: str, policy: Policy, audit_sink: audit_events.AuditSink) -> None:
        self._driver = driver
        self._database = database
        self._policy = policy
        self._audit = audit_sink

    def may_read(self, principal: Principal) -> bool:
        bases = self._policy.allowed_bases(principal.roles, ResourceKind.RECORD_DISCLOSURE, Action.READ)
        return Basis.OWN_AGENCY in bases

    def reads_of_our_records(
        self, principal: Principal, *, from_at: datetime | None, to_at: datetime | None, first: int,
        after: str | None, request_id: str,
    ) -> ReadsResult:
        """Reads of the caller's agency's records by others in `[from_at, to_at)`, newest first;
        by default the last thirty days."""
        if not self.may_read(principal):
            return NotPermitted("your role may not see who read your agency's records")
        after_seq = _CURSOR.start(first, after, maximum=MAX_PAGE)
        if isinstance(after_seq, InvalidInput):
            return after_seq
        end = utc(to_at) if to_at is not None else datetime.now(UTC)
        start = utc(from_at) if from_at is not None else end - DEFAULT_PERIOD
        if end <= start:
            return InvalidInput("the end of the period must be after its start")
        if end - start > MAX_PERIOD:
            return InvalidInput("ask for a year at most at a time")

        def work(tx: ManagedTransaction) -> ReadsOfRecords:
            rows = repo.reads_of_records(
                tx, owner_id=principal.agency_id, viewer=self._viewer(principal), from_at=start, to_at=end,
                after_seq=after_seq, limit=first + 1,
            )
            page = _CURSOR.page(rows, first, lambda row: row.seq)
            audit_events.record(
                self._audit, tx, principal, action=VIEWED,
                targets=[principal.agency_id, *sorted({row.child.id for row in page.items})],
                request_id=request_id,
            )
            self._audit_names(tx, principal, page.items, request_id)
            return ReadsOfRecords(period=Period(start, end), page=page)

        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)

    def digest(self, operator: Principal, *, agency_id: str, day: date, request_id: str) -> DigestResult:
        """One UTC day's reads of `agency_id`'s records by others, oldest first, for its own mail.

        The caller has authorised it (an operator at the command line, by database access). The
        operator has no basis to see a child, so no name is in it; producing it is recorded.
        """
        period = day_period(day)
        viewer = self._viewer(operator)

        def work(tx: ManagedTransaction) -> DigestResult:
            name = repo.agency_name(tx, agency_id=agency_id)
            if name is None:
                return UnknownAgency(agency_id)
            reads: list[RecordRead] = []
            after_seq: int | None = None
            while True:
                batch = repo.reads_of_records(
                    tx, owner_id=agency_id, viewer=viewer, from_at=period.from_at, to_at=period.to_at,
                    after_seq=after_seq, limit=_DIGEST_BATCH,
                )
                reads.extend(batch)
                if len(batch) < _DIGEST_BATCH:
                    break
                after_seq = batch[-1].seq
            audit_events.record(
                self._audit, tx, operator, action=DIGESTED, targets=[agency_id, day.isoformat()],
                request_id=request_id,
            )
            return Digest(agency_id=agency_id, agency_name=name, day=day, reads=tuple(reversed(reads)))

        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)

    def _viewer(self, principal: Principal) -> Viewer:
        return Viewer(
            professional_id=principal.professional_id, agency_id=principal.agency_id,
            agency_kind=principal.agency_kind, read_bases=self._policy.compile_read_filter(principal.roles),
        )

    def _audit_names(
        self, tx: ManagedTransaction, principal: Principal, reads: list[RecordRead], request_id: str,
    ) -> None:
        # A child's name shown on a consent or an override is a read of that child, recorded as
        # the worklists record theirs: one event per basis, and under OVERRIDE one per override.
        children = [read.child for read in reads if read.child.given_name or read.child.family_name]
        groups = sorted({(c.basis, c.override_id or "") for c in children if c.basis in _AUDITED_NAME_BASES})
        for basis, override_id in groups:
            audit_events.record(
                self._audit, tx, principal, action="person.listed",
                targets=sorted({c.id for c in children if (c.basis, c.override_id or "") == (basis, override_id)}),
                request_id=request_id, basis=basis, override_id=override_id or None,
            )
