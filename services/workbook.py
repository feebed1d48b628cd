"""The Family Safeguarding workbook: co-recording by one team, without losing a word.

Who may read or write a workbook is decided in two steps: the policy says which roles may
rely on the ALLOCATED basis for workbook entries; the graph says whether that basis holds
for this household (the caller is in a team holding the workbook, or holds the case of a
child living there). Partners with an EXISTENCE line learn only that a workbook is open.
Anyone else, and any household without a workbook, gets the same answer.

Every read that shows entries and every write is recorded in the audit chain in its own
transaction; an amendment is never an overwrite: a stale expected version is a conflict.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeAlias, TypeVar

from neo4j import Driver, ManagedTransaction

from graph import data_key_store as key_store
from graph import workbook as repo
from graph.workbook import Section, Visibility
from policies import Action, Basis, Policy, ResourceKind
from protection.errors import ContentErased
from protection.keyring import Keyring
from services import audit_events, text
from services.paging import Cursor, aware_time
from services.principal import Principal
from services.refusals import (
    AmendConflict,
    EntryLocked,
    EntryUnavailable,
    InvalidInput,
    NotPermitted,
    WorkbookUnavailable,
)

_T = TypeVar("_T")

MAX_PAGE = 100
MAX_BODY_CHARACTERS = 20_000
MAX_REFERENCES = 50
_FIELD = "body"


_MAY_NOT_WRITE = "your role may not write in Family Safeguarding workbooks"


@dataclass(frozen=True, slots=True)
class Author:
    id: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class VersionView:
    version: int
    author: Author
    discipline: str
    written_at: datetime
    body: str | None
    body_unavailable: str | None


@dataclass(frozen=True, slots=True)
class EntryView:
    id: str
    section: Section
    visibility: Visibility
    discipline: str
    version: int
    created_at: datetime
    # None when readable; otherwise why the body is withheld from this caller.
    withheld_reason: str | None
    locked_at: datetime | None
    locked_by_supervision: str | None
    signed_off_by: Author | None
    refers_to: tuple[str, ...]
    current: VersionView
    history: tuple[VersionView, ...]  # earlier versions, newest first


@dataclass(frozen=True, slots=True)
class WorkbookView:
    id: str
    household_id: str
    opened_on: date | None
    teams: tuple[repo.TeamRow, ...]
    # Why the caller may read it: a member of the holding team, or the case holder.
    standing: str
    entries: tuple[EntryView, ...]
    end_cursor: str | None
    has_next_page: bool


@dataclass(frozen=True, slots=True)
class WorkbookKnown:
    """Existence only: which team holds the family's workbook, never what is in it."""

    household_id: str
    teams: tuple[repo.TeamRow, ...]
    opened_on: date | None


@dataclass(frozen=True, slots=True)
class SignedOff:
    supervision: EntryView
    # The entries this sign-off locked (those named and not locked by an earlier one).
    locked_entry_ids: tuple[str, ...]


_CURSOR = Cursor(
    "workbook_entries", write=lambda key: (str(key.section_rank), key.created_at.isoformat(), key.id),
    read=lambda parts: repo.PageKey(int(parts[0]), aware_time(parts[1]), parts[2]), parts=3,
)


WorkbookResult: TypeAlias = WorkbookView | WorkbookKnown | WorkbookUnavailable | InvalidInput | NotPermitted
AddEntryResult: TypeAlias = EntryView | WorkbookUnavailable | InvalidInput | NotPermitted
AmendEntryResult: TypeAlias = EntryView | AmendConflict | EntryLocked | EntryUnavailable | InvalidInput | NotPermitted
SignOffResult: TypeAlias = SignedOff | EntryLocked | EntryUnavailable | InvalidInput | NotPermitted


class WorkbookService:
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

    def _bases(self, principal: Principal, action: Action) -> frozenset[Basis]:
        return self._policy.allowed_bases(principal.roles, ResourceKind.WORKBOOK_ENTRY, action)

    def _caller(self, principal: Principal) -> repo.Caller:
        return repo.Caller(
            professional_id=principal.professional_id,
            discipline=principal.discipline,
            reads_across_disciplines=Basis.ALLOCATED in self._bases(principal, Action.READ_ACROSS_DISCIPLINES),
        )

    # Reading

    def workbook(
        self, principal: Principal, household_id: str, *, section: Section | None = None,
        first: int = 50, after: str | None = None, request_id: str,
    ) -> WorkbookResult:
        bases = self._bases(principal, Action.READ)
        if not bases & {Basis.ALLOCATED, Basis.EXISTENCE}:
            return NotPermitted("your role may not read Family Safeguarding workbooks")
        after_key = _CURSOR.start(first, after, maximum=MAX_PAGE)
        if isinstance(after_key, InvalidInput):
            return after_key
        may_read = Basis.ALLOCATED in bases

        def work(tx: ManagedTransaction) -> WorkbookResult:
            page = repo.get_page(
                tx, household_id=household_id, caller=self._caller(principal), may_read=may_read,
                section=section, after=after_key, limit=first + 1,
            )
            if page is None:
                return WorkbookUnavailable()
            teams = page.teams
            if may_read and page.allocated:
                shown = page.entries[:first]
                audit_events.record(
                    self._audit, tx, principal, action="workbook.read",
                    targets=[page.id, *(e.id for e in shown if e.sees)], request_id=request_id,
                    basis=Basis.ALLOCATED.value,
                )
                data_key = page.data_keys.get(page.household_id)
                return WorkbookView(
                    id=page.id, household_id=page.household_id, opened_on=page.opened_on, teams=teams,
                    standing="TEAM_MEMBER" if page.member else "CASE_HOLDER",
                    entries=tuple(self._view(entry, data_key) for entry in shown),
                    end_cursor=_CURSOR.encode(shown[-1].key()) if shown else None,
                    has_next_page=len(page.entries) > first,
                )
            if Basis.EXISTENCE in bases:
                audit_events.record(
                    self._audit, tx, principal, action="workbook.existence_read", targets=[page.id],
                    request_id=request_id, basis=Basis.EXISTENCE.value,
                )
                return WorkbookKnown(household_id=page.household_id, teams=teams, opened_on=page.opened_on)
            return WorkbookUnavailable()

        return self._write(work)

    def _view(self, entry: repo.EntryRow, data_key: dict[str, object] | None) -> EntryView:
        stored = key_store.stored_from_row(data_key) if data_key is not None else None

        def version(row: repo.VersionRow) -> VersionView:
            if entry.sees:
                opened = self._keyring.open_with(stored, node_id=row.id, field=_FIELD, ciphertext=row.body)
                body, unavailable = opened.text, opened.unavailable
            else:
                body, unavailable = None, _withheld_reason(entry)
            return VersionView(
                version=row.version, author=Author(row.author_id, row.author_name), discipline=row.discipline,
                written_at=row.written_at, body=body, body_unavailable=unavailable,
            )

        versions = tuple(version(row) for row in entry.versions)
        return EntryView(
            id=entry.id, section=entry.section, visibility=entry.visibility, discipline=entry.discipline,
            version=entry.version, created_at=entry.created_at,
            withheld_reason=None if entry.sees else _withheld_reason(entry),
            locked_at=entry.locked_at, locked_by_supervision=entry.locked_by_supervision,
            signed_off_by=Author(entry.signed_off_by, entry.signed_off_by_name) if entry.signed_off_by else None,
            refers_to=entry.refers_to, current=versions[0], history=versions[1:],
        )

    def _entry(self, tx: ManagedTransaction, principal: Principal, entry_id: str) -> EntryView:
        found = repo.get_entry(tx, entry_id=entry_id, caller=self._caller(principal))
        assert found is not None, "an entry just written is readable in its own transaction"
        entry, data_keys = found
        return self._view(entry, next(iter(data_keys.values()), None))

    # Writing

    def add_entry(
        self, principal: Principal, *, household_id: str, section: Section, body: str,
        visibility: Visibility = Visibility.TEAM, refers_to: list[str] | None = None, request_id: str,
    ) -> AddEntryResult:
        if Basis.ALLOCATED not in self._bases(principal, Action.WRITE):
            return NotPermitted(_MAY_NOT_WRITE)
        references = sorted(set(refers_to or []))
        problem = _body_problem(body) or _references_problem(references)
        if problem is not None:
            return InvalidInput(problem)
        entry_id = f"entry-{uuid.uuid4().hex}"

        def work(tx: ManagedTransaction) -> AddEntryResult:
            caller = self._caller(principal)
            standing = repo.writer_standing(tx, household_id=household_id, caller=caller, refers_to=references)
            if standing is None or not standing.allocated:
                return WorkbookUnavailable()
            unknown = [ref for ref in references if ref not in standing.known_refs]
            if unknown:
                return InvalidInput(f"refersTo names entries not in this workbook: {', '.join(unknown)}")
            now = self._clock()
            try:
                ciphertext = self._keyring.encrypt(
                    tx, scope_id=household_id, node_id=repo.version_id(entry_id, 1), field=_FIELD, plaintext=body,
                )
            except ContentErased:
                return _erased()
            repo.create_entry(tx, professional_id=principal.professional_id, entry=repo.NewEntry(
                entry_id=entry_id, workbook_id=standing.workbook_id, section=section, visibility=visibility,
                discipline=principal.discipline, body_ciphertext=ciphertext, refers_to=references, now=now,
            ))
            audit_events.record(
                self._audit, tx, principal, action="workbook.entry_added",
                targets=[entry_id, standing.workbook_id, *references], request_id=request_id,
                basis=Basis.ALLOCATED.value,
            )
            return self._entry(tx, principal, entry_id)

        return self._write(work)

    def amend_entry(
        self, principal: Principal, *, entry_id: str, expected_version: int, body: str, request_id: str,
    ) -> AmendEntryResult:
        if Basis.ALLOCATED not in self._bases(principal, Action.WRITE):
            return NotPermitted(_MAY_NOT_WRITE)
        problem = _body_problem(body)
        if problem is not None:
            return InvalidInput(problem)
        if expected_version < 1:
            return InvalidInput("expectedVersion is the version you read: 1 or more")

        def work(tx: ManagedTransaction) -> AmendEntryResult:
            entry = repo.lock_entry(tx, entry_id=entry_id, caller=self._caller(principal))
            # An entry the caller may not see is no more changeable than one that is not there.
            if entry is None or not entry.allocated or not entry.sees:
                return EntryUnavailable()
            if entry.locked_at is not None:
                return _locked(entry)
            if entry.version != expected_version:
                audit_events.record(
                    self._audit, tx, principal, action="workbook.amend_conflict", targets=[entry_id],
                    request_id=request_id, basis=Basis.ALLOCATED.value,
                )
                return AmendConflict.of(
                    entry_id=entry_id, expected_version=expected_version, current_version=entry.version,
                    current_author_id=entry.current_author_id, current_author_name=entry.current_author_name,
                    current_written_at=entry.current_written_at,
                )
            version = entry.version + 1
            try:
                ciphertext = self._keyring.encrypt(
                    tx, scope_id=entry.household_id, node_id=repo.version_id(entry_id, version), field=_FIELD,
                    plaintext=body,
                )
            except ContentErased:
                return _erased()
            repo.create_version(
                tx, entry_id=entry_id, version=version, professional_id=principal.professional_id,
                discipline=principal.discipline, body_ciphertext=ciphertext, now=self._clock(),
            )
            audit_events.record(
                self._audit, tx, principal, action="workbook.entry_amended",
                targets=[entry_id, repo.version_id(entry_id, version)], request_id=request_id,
                basis=Basis.ALLOCATED.value,
            )
            return self._entry(tx, principal, entry_id)

        return self._write(work)

    def sign_off_supervision(
        self, principal: Principal, *, entry_id: str, request_id: str
    ) -> SignOffResult:
        if Basis.ALLOCATED not in self._bases(principal, Action.SIGN_OFF_SUPERVISION):
            return NotPermitted("only the Family Safeguarding team manager signs off supervision")

        def work(tx: ManagedTransaction) -> SignOffResult:
            entry = repo.lock_entry(tx, entry_id=entry_id, caller=self._caller(principal))
            # The manager of a team holding the workbook, not a case holder from elsewhere.
            if entry is None or not entry.member:
                return EntryUnavailable()
            if entry.section is not Section.GROUP_SUPERVISION:
                return InvalidInput("only a group supervision record is signed off")
            if entry.locked_at is not None:
                return _locked(entry)
            locked = repo.sign_off(
                tx, entry_id=entry_id, professional_id=principal.professional_id,
                professional_name=principal.name, now=self._clock(),
            )
            audit_events.record(
                self._audit, tx, principal, action="workbook.supervision_signed_off",
                targets=[entry_id, *locked], request_id=request_id, basis=Basis.ALLOCATED.value,
            )
            return SignedOff(supervision=self._entry(tx, principal, entry_id), locked_entry_ids=tuple(locked))

        return self._write(work)

    def _write(self, work: Callable[[ManagedTransaction], _T]) -> _T:
        with self._driver.session(database=self._database) as session:
            return session.execute_write(work)


def _withheld_reason(entry: repo.EntryRow) -> str:
    return (
        f"recorded for the {entry.discipline.replace('_', ' ')} discipline: readable by that discipline, "
        "the case-holding social worker and the team manager"
    )


def _locked(entry: repo.LockedEntry) -> EntryLocked:
    return EntryLocked.of(
        entry_id=entry.id, supervision_entry_id=entry.locked_by_supervision, signed_off_by_id=entry.signed_off_by,
        signed_off_by_name=entry.signed_off_by_name, signed_off_at=entry.locked_at,
    )


def _body_problem(body: str) -> str | None:
    if not body.strip():
        return "body is empty"
    return text.text_problem("body", body, limit=MAX_BODY_CHARACTERS)


def _references_problem(references: list[str]) -> str | None:
    if len(references) > MAX_REFERENCES:
        return f"refersTo names more than {MAX_REFERENCES} entries"
    return None


def _erased() -> InvalidInput:
    # The household's key was destroyed (by `hub keys erase` or the retention schedule): nothing
    # is sealed under it again, so the workbook takes no more writing.
    return InvalidInput("this family's workbook was erased: nothing more can be recorded in it")
