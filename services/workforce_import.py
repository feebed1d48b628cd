"""Bringing a council's people in: agencies, teams, professionals and allocations from CSV files.

Each file is named for what it holds, and its first line names its columns (in any order):

    agencies.csv       id, name, kind                      kind: an AgencyKind (POLICE, HEALTH, ...)
    teams.csv          id, name, service, agency_id         service: a Service (CRS_MASH, FAMILY_SAFEGUARDING, ...)
    professionals.csv  id, name, roles, team_id             roles: policy roles separated by ";"
                       [external_id], [discipline]
    allocations.csv    professional_id, child_id, role      role: case_holder or co_allocated
                       [since]                              since: YYYY-MM-DD, by default the day of the import

An import adds and updates; it never removes anything. A leaver is deactivated
(`deactivateProfessional`), an allocation ended (`deallocateChild`). An optional column left
out, or a cell of it left empty, keeps what the hub holds. Allocating a child a case holder
ends the allocation of the case holder before (a case has one holder), unless the same file
allocates them to the child too.

Everything is checked before anything is written: first each file on its own (columns,
values, duplicates), then against the graph and the other files, in the transaction that then
writes it all, with one audit event for the import (its counts and the SHA-256 of its files),
so an import is all or nothing. A problem is reported as one line naming the file and line.
A second import of the same files finds nothing to change, writes nothing and says so.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from neo4j import Driver, ManagedTransaction

from graph import workbook
from graph import workforce as repo
from graph.model import AgencyKind, AllocationRole, Service
from policies import Policy
from services import audit_events
from services.principal import Principal
from services.workforce import (
    discipline_problem,
    external_id_problem,
    id_problem,
    name_problem,
    plan_allocation,
    roles_problem,
)

_T = TypeVar("_T")

ROLE_SEPARATOR = ";"
# A council's whole workforce is a few thousand rows; this bounds a mistaken file, not a real one.
MAX_FILE_BYTES = 20 * 1024 * 1024


class FileKind(StrEnum):
    AGENCIES = "agencies"
    TEAMS = "teams"
    PROFESSIONALS = "professionals"
    ALLOCATIONS = "allocations"


@dataclass(frozen=True, slots=True)
class Columns:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


COLUMNS: dict[FileKind, Columns] = {
    FileKind.AGENCIES: Columns(("id", "name", "kind")),
    FileKind.TEAMS: Columns(("id", "name", "service", "agency_id")),
    FileKind.PROFESSIONALS: Columns(("id", "name", "roles", "team_id"), ("external_id", "discipline")),
    FileKind.ALLOCATIONS: Columns(("professional_id", "child_id", "role"), ("since",)),
}
_FILE_NAMES = ", ".join(f"{kind.value}.csv" for kind in FileKind)


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong, where: never a value from a cell beyond ids and the words of a closed set."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


class ImportRefused(Exception):
    """The files cannot be imported as they are; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class Row:
    file: str
    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    def optional(self, column: str) -> str | None:
        """None where the column is left out or the cell empty: the hub keeps what it holds."""
        value = self.get(column)
        return value or None


@dataclass(frozen=True, slots=True)
class SourceFile:
    kind: FileKind
    name: str
    rows: tuple[Row, ...]
    digest: str


@dataclass(frozen=True, slots=True)
class Sources:
    files: dict[FileKind, SourceFile]

    def rows(self, kind: FileKind) -> tuple[Row, ...]:
        found = self.files.get(kind)
        return found.rows if found is not None else ()

    @property
    def digest(self) -> str:
        """One SHA-256 over the files, in a fixed order, for the audit record of what was imported."""
        combined = hashlib.sha256()
        for kind in FileKind:
            if kind in self.files:
                combined.update(f"{kind.value}:{self.files[kind].digest};".encode())
        return combined.hexdigest()


# Reading the files


def read_sources(paths: Sequence[Path], policy: Policy) -> Sources:
    """The files named, or the CSV files in each folder named, each checked on its own (the
    roles against `policy`). Raises ImportRefused with every problem found."""
    problems: list[Problem] = []
    files: dict[FileKind, SourceFile] = {}
    for path in _csv_files(paths, problems):
        kind = next((k for k in FileKind if path.name.lower() == f"{k.value}.csv"), None)
        if kind is None:
            problems.append(Problem(path.name, None, f"not one of {_FILE_NAMES}"))
            continue
        if kind in files:
            problems.append(Problem(path.name, None, f"a second {kind.value} file (the first is {files[kind].name})"))
            continue
        read = _read_file(path, kind, problems)
        if read is not None:
            files[kind] = read
    if not files and not problems:
        problems.append(Problem(", ".join(str(p) for p in paths) or "(nothing)", None, f"no files: give {_FILE_NAMES}"))
    problems += _check_rows(files, policy)
    if problems:
        raise ImportRefused(problems)
    return Sources(files)


def _csv_files(paths: Sequence[Path], problems: list[Problem]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
            if not inside:
                problems.append(Problem(str(path), None, f"a folder with no CSV files ({_FILE_NAMES})"))
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            problems.append(Problem(str(path), None, "no such file or folder"))
    return found


def _read_file(path: Path, kind: FileKind, problems: list[Problem]) -> SourceFile | None:
    name = path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(Problem(name, None, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"))
            return None
        data = path.read_bytes()
    except OSError as error:
        problems.append(Problem(name, None, f"cannot be read ({type(error).__name__})"))
        return None
    try:
        # utf-8-sig: a spreadsheet's "CSV UTF-8" starts with a byte order mark.
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(Problem(name, _line_at(data, error.start), "not UTF-8 text"))
        return None
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            problems.append(Problem(name, None, "empty: the first line names the columns"))
            return None
        columns = [column.strip().lower() for column in header]
        if not _header_fits(name, kind, columns, problems):
            return None
        rows: list[Row] = []
        ended = reader.line_num
        for cells in reader:
            line, ended = ended + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                problems.append(Problem(name, line, f"{len(cells)} fields where the first line names {len(columns)}"))
                continue
            rows.append(Row(name, line, dict(zip(columns, cells, strict=True))))
    except csv.Error as error:
        problems.append(Problem(name, reader.line_num, f"not CSV as written: {error}"))
        return None
    return SourceFile(kind=kind, name=name, rows=tuple(rows), digest=hashlib.sha256(data).hexdigest())


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _header_fits(name: str, kind: FileKind, columns: list[str], problems: list[Problem]) -> bool:
    expected = COLUMNS[kind]
    known = set(expected.required) | set(expected.optional)
    found: list[Problem] = []
    for column in expected.required:
        if column not in columns:
            found.append(Problem(name, 1, f"missing column {column!r}"))
    for column in columns:
        if column not in known:
            listed = ", ".join((*expected.required, *(f"[{c}]" for c in expected.optional)))
            found.append(Problem(name, 1, f"unknown column {column!r} (the columns are {listed})"))
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    found += [Problem(name, 1, f"column {column!r} is named twice") for column in repeated if column in known]
    problems += found
    return not found


# Checking each file on its own


def _check_rows(files: dict[FileKind, SourceFile], policy: Policy) -> list[Problem]:
    checks: dict[FileKind, Callable[[Row], list[str]]] = {
        FileKind.AGENCIES: _agency_problems,
        FileKind.TEAMS: _team_problems,
        FileKind.PROFESSIONALS: _professional_problems_with(policy),
        FileKind.ALLOCATIONS: _allocation_problems,
    }
    problems: list[Problem] = []
    for kind, source in files.items():
        check = checks[kind]
        for row in source.rows:
            problems += [Problem(row.file, row.line, message) for message in check(row)]
        problems += _duplicates(kind, source.rows)
    return problems


def _required(row: Row, *columns: str) -> list[str]:
    return [f"{column} is empty" for column in columns if not row.get(column)]


def _agency_problems(row: Row) -> list[str]:
    if missing := _required(row, "id", "name", "kind"):
        return missing
    return [p for p in (
        id_problem("id", row.get("id")), name_problem("the name", row.get("name")),
        _word_problem("kind", row.get("kind"), AgencyKind),
    ) if p]


def _team_problems(row: Row) -> list[str]:
    if missing := _required(row, "id", "name", "service", "agency_id"):
        return missing
    return [p for p in (
        id_problem("id", row.get("id")), name_problem("the name", row.get("name")),
        _word_problem("service", row.get("service"), Service), id_problem("agency_id", row.get("agency_id")),
    ) if p]


def roles_of(row: Row) -> tuple[str, ...]:
    return tuple(role.strip() for role in row.get("roles").split(ROLE_SEPARATOR) if role.strip())


def _professional_problems_with(policy: Policy) -> Callable[[Row], list[str]]:
    def check(row: Row) -> list[str]:
        if missing := _required(row, "id", "name", "roles", "team_id"):
            return missing
        external_id = row.optional("external_id")
        return [p for p in (
            id_problem("id", row.get("id")), name_problem("the name", row.get("name")),
            roles_problem(policy, roles_of(row)), id_problem("team_id", row.get("team_id")),
            discipline_problem(row.get("discipline")),
            external_id_problem(external_id) if external_id is not None else None,
        ) if p]

    return check


def _allocation_problems(row: Row) -> list[str]:
    if missing := _required(row, "professional_id", "child_id", "role"):
        return missing
    problems = [p for p in (
        id_problem("professional_id", row.get("professional_id")), id_problem("child_id", row.get("child_id")),
        _word_problem("role", row.get("role"), AllocationRole),
    ) if p]
    since = row.optional("since")
    if since is not None:
        try:
            if date.fromisoformat(since) > date.today():
                problems.append("since is in the future")
        except ValueError:
            problems.append(f"since {since!r} is not a date (YYYY-MM-DD)")
    return problems


def _word_problem(column: str, value: str, words: type[StrEnum]) -> str | None:
    allowed = [word.value for word in words]
    if value not in allowed:
        return f"unknown {column} {value!r} (one of {', '.join(allowed)})"
    return None


def _duplicates(kind: FileKind, rows: tuple[Row, ...]) -> list[Problem]:
    problems: list[Problem] = []

    def once(key: str, label: str, row: Row, seen: dict[str, int]) -> None:
        if key in seen:
            problems.append(Problem(row.file, row.line, f"duplicate {label} (also on line {seen[key]})"))
        else:
            seen[key] = row.line

    ids: dict[str, int] = {}
    external_ids: dict[str, int] = {}
    pairs: dict[str, int] = {}
    case_holders: dict[str, int] = {}
    for row in rows:
        if kind is FileKind.ALLOCATIONS:
            child = row.get("child_id")
            once(f"{row.get('professional_id')} {child}", f"allocation of {row.get('professional_id')} to {child}",
                 row, pairs)
            if row.get("role") == AllocationRole.CASE_HOLDER:
                once(child, f"case holder for {child}: a case has one holder", row, case_holders)
            continue
        once(row.get("id"), f"id {row.get('id')!r}", row, ids)
        if kind is FileKind.PROFESSIONALS and (external_id := row.optional("external_id")) is not None:
            once(external_id, f"external id {external_id!r}", row, external_ids)
    return problems

# Against the graph and the other files: what would change


class ChangeKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    # An allocation ended because the file gives the child another case holder.
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Change:
    """One change an import makes, in words an administrator checks a dry run by: ids, staff
    names and the words of closed sets, never case content."""

    what: str
    subject: str
    kind: ChangeKind
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.what} {self.subject}" + (f": {self.detail}" if self.detail else "")


@dataclass(slots=True)
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ended: int = 0

    def describe(self, kind: FileKind) -> str:
        counted = f"{kind.value}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return counted + (f", {self.ended} ended" if kind is FileKind.ALLOCATIONS else "")


@dataclass(slots=True)
class ImportPlan:
    tallies: dict[FileKind, Tally] = field(default_factory=lambda: {kind: Tally() for kind in FileKind})
    changes: list[Change] = field(default_factory=list)
    agencies: list[repo.AgencyWrite] = field(default_factory=list)
    teams: list[repo.TeamWrite] = field(default_factory=list)
    professionals: list[repo.ProfessionalWrite] = field(default_factory=list)
    allocations: list[repo.AllocationWrite] = field(default_factory=list)
    ends: list[repo.AllocationWrite] = field(default_factory=list)

    def counts(self, kinds: Sequence[FileKind]) -> list[str]:
        return [self.tallies[kind].describe(kind) for kind in kinds]

    def note(self, kind: FileKind, change: Change | None) -> None:
        tally = self.tallies[kind]
        if change is None:
            tally.unchanged += 1
            return
        self.changes.append(change)
        match change.kind:
            case ChangeKind.CREATED:
                tally.created += 1
            case ChangeKind.UPDATED:
                tally.updated += 1
            case ChangeKind.ENDED:
                tally.ended += 1


def _differences(*pairs: tuple[str, object, object]) -> str:
    # A name is quoted, being free text; ids and the words of closed sets read as they are.
    return "; ".join(
        f"{label} {_shown(old, quoted=label == 'name')} -> {_shown(new, quoted=label == 'name')}"
        for label, old, new in pairs if old != new
    )


def _shown(value: object, *, quoted: bool = False) -> str:
    if isinstance(value, tuple):
        return ROLE_SEPARATOR.join(value) or "none"
    if value is None or value == "":
        return "none"
    return repr(value) if quoted else str(value)


class _Planner:
    def __init__(self, tx: ManagedTransaction, sources: Sources) -> None:
        self.tx = tx
        self.sources = sources
        self.plan = ImportPlan()
        self.problems: list[Problem] = []
        self.ids = {kind: {row.get("id") for row in sources.rows(kind)} for kind in FileKind}

    def refuse(self, row: Row, message: str) -> None:
        self.problems.append(Problem(row.file, row.line, message))

    def run(self) -> ImportPlan:
        agency_rows, team_rows = self.sources.rows(FileKind.AGENCIES), self.sources.rows(FileKind.TEAMS)
        professional_rows = self.sources.rows(FileKind.PROFESSIONALS)
        allocation_rows = self.sources.rows(FileKind.ALLOCATIONS)
        agencies = repo.agencies(self.tx, ids=sorted(
            self.ids[FileKind.AGENCIES] | {row.get("agency_id") for row in team_rows}
        ))
        teams = repo.teams(self.tx, ids=sorted(
            self.ids[FileKind.TEAMS] | {row.get("team_id") for row in professional_rows}
        ))
        professionals = repo.professionals(self.tx, ids=sorted(
            self.ids[FileKind.PROFESSIONALS] | {row.get("professional_id") for row in allocation_rows}
        ))
        for row in agency_rows:
            self._agency(row, agencies)
        for row in team_rows:
            self._team(row, agencies, teams)
        holders = repo.holders_of_external_ids(self.tx, external_ids=sorted(
            {external for row in professional_rows if (external := row.optional("external_id")) is not None}
        ))
        for row in professional_rows:
            self._professional(row, teams, professionals, holders)
        self._allocations(allocation_rows, professionals)
        if self.problems:
            raise ImportRefused(self.problems)
        return self.plan

    def _agency(self, row: Row, stored: dict[str, repo.StoredAgency]) -> None:
        wanted = repo.AgencyWrite(id=row.get("id"), name=row.get("name"), kind=row.get("kind"))
        old = stored.get(wanted.id)
        if old is not None and old.kind != wanted.kind:
            self.refuse(row, f"{wanted.id} is a {old.kind} agency in the hub: an import never changes its kind")
            return
        change = (
            Change("agency", wanted.id, ChangeKind.CREATED, f"{wanted.name!r}, {wanted.kind}") if old is None
            else _updated("agency", wanted.id, _differences(("name", old.name, wanted.name)))
        )
        self._write(FileKind.AGENCIES, change, self.plan.agencies, wanted)

    def _team(self, row: Row, agencies: dict[str, repo.StoredAgency], stored: dict[str, repo.StoredTeam]) -> None:
        wanted = repo.TeamWrite(
            id=row.get("id"), name=row.get("name"), service=row.get("service"), agency_id=row.get("agency_id"),
        )
        if wanted.agency_id not in self.ids[FileKind.AGENCIES] and wanted.agency_id not in agencies:
            self.refuse(row, f"unknown agency {wanted.agency_id!r}: not in the hub nor in agencies.csv")
            return
        old = stored.get(wanted.id)
        change = (
            Change("team", wanted.id, ChangeKind.CREATED, f"{wanted.name!r}, {wanted.service}, in {wanted.agency_id}")
            if old is None else _updated("team", wanted.id, _differences(
                ("name", old.name, wanted.name), ("service", old.service, wanted.service),
                ("agency", old.agency_id, wanted.agency_id),
            ))
        )
        self._write(FileKind.TEAMS, change, self.plan.teams, wanted)

    def _professional(
        self, row: Row, teams: dict[str, repo.StoredTeam], stored: dict[str, repo.StoredProfessional],
        holders: dict[str, str],
    ) -> None:
        professional_id, team_id = row.get("id"), row.get("team_id")
        old = stored.get(professional_id)
        if team_id not in self.ids[FileKind.TEAMS] and team_id not in teams:
            self.refuse(row, f"unknown team {team_id!r}: not in the hub nor in teams.csv")
            return
        if old is not None and not old.current:
            self.refuse(row, f"{professional_id} has left (deactivated): an import does not bring a leaver back")
            return
        external_id = row.optional("external_id")
        holder = holders.get(external_id) if external_id is not None else None
        if holder is not None and holder != professional_id:
            self.refuse(row, f"external id {external_id!r} already names {holder}")
            return
        discipline = row.optional("discipline")
        wanted = repo.ProfessionalWrite(
            id=professional_id, name=row.get("name"), roles=roles_of(row), team_id=team_id,
            discipline=discipline if discipline is not None else old.discipline if old is not None else "",
            external_id=external_id if external_id is not None else old.external_id if old is not None else None,
        )
        change = (
            Change("professional", professional_id, ChangeKind.CREATED,
                   f"{wanted.name!r}, {_shown(wanted.roles)}, in {team_id}") if old is None
            else _updated("professional", professional_id, _differences(
                ("name", old.name, wanted.name), ("roles", old.roles, wanted.roles), ("team", old.team_id, team_id),
                ("discipline", old.discipline, wanted.discipline), ("external id", old.external_id, wanted.external_id),
            ))
        )
        self._write(FileKind.PROFESSIONALS, change, self.plan.professionals, wanted)

    def _allocations(self, rows: tuple[Row, ...], professionals: dict[str, repo.StoredProfessional]) -> None:
        children = sorted({row.get("child_id") for row in rows})
        known = repo.known_children(self.tx, ids=children) if children else set()
        current: dict[str, list[repo.StoredAllocation]] = {}
        for allocation in repo.current_allocations(self.tx, child_ids=children) if children else []:
            current.setdefault(allocation.child_id, []).append(allocation)
        in_file: dict[str, frozenset[str]] = {
            child: frozenset(row.get("professional_id") for row in rows if row.get("child_id") == child)
            for child in children
        }
        imported = self.ids[FileKind.PROFESSIONALS]
        for row in rows:
            professional_id, child_id = row.get("professional_id"), row.get("child_id")
            found = professionals.get(professional_id)
            if professional_id not in imported and found is None:
                self.refuse(row, f"unknown professional {professional_id!r}: not in the hub nor in professionals.csv")
                continue
            if professional_id not in imported and found is not None and not found.current:
                self.refuse(row, f"{professional_id} has left (deactivated): allocate the child to someone current")
                continue
            if child_id not in known:
                self.refuse(row, f"unknown child {child_id!r}")
                continue
            since = row.optional("since")
            wanted = repo.AllocationWrite(
                professional_id=professional_id, child_id=child_id, role=row.get("role"),
                since=date.fromisoformat(since) if since is not None else None,
            )
            planned = plan_allocation(current.get(child_id, []), wanted, keep=in_file[child_id])
            subject = f"{professional_id} to {child_id}"
            if planned.write is None:
                self.plan.note(FileKind.ALLOCATIONS, None)
            elif planned.current is None:
                self.plan.note(FileKind.ALLOCATIONS, Change("allocation", subject, ChangeKind.CREATED, wanted.role))
                self.plan.allocations.append(wanted)
            else:
                changed = _differences(("role", planned.current.role, wanted.role))
                self.plan.note(FileKind.ALLOCATIONS, Change("allocation", subject, ChangeKind.UPDATED, changed))
                self.plan.allocations.append(wanted)
            for ending in planned.ends:
                self.plan.note(FileKind.ALLOCATIONS, Change(
                    "allocation", f"{ending.professional_id} to {child_id}", ChangeKind.ENDED,
                    f"{ending.role}: the case is now held by {professional_id}",
                ))
                self.plan.ends.append(repo.AllocationWrite(
                    professional_id=ending.professional_id, child_id=child_id, role=ending.role,
                ))

    def _write(self, kind: FileKind, change: Change | None, writes: list[_T], wanted: _T) -> None:
        self.plan.note(kind, change)
        if change is not None:
            writes.append(wanted)


def _updated(what: str, subject: str, differences: str) -> Change | None:
    return Change(what, subject, ChangeKind.UPDATED, differences) if differences else None


def plan_import(tx: ManagedTransaction, sources: Sources) -> ImportPlan:
    """What importing `sources` would change; raises ImportRefused naming every line that cannot be."""
    return _Planner(tx, sources).run()


# Writing it


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    plan: ImportPlan
    kinds: tuple[FileKind, ...]
    # False for a dry run, and for files that change nothing.
    written: bool


def import_people(
    driver: Driver, *, database: str, sources: Sources, audit_sink: audit_events.AuditSink, operator: Principal,
    request_id: str, dry_run: bool = False,
) -> ImportOutcome:
    """Plans the import and, unless a dry run or nothing would change, writes it all in the same
    transaction with one audit event for the import, by the operator."""
    kinds = tuple(kind for kind in FileKind if kind in sources.files)

    def work(tx: ManagedTransaction) -> ImportPlan:
        plan = plan_import(tx, sources)
        if plan.changes and not dry_run:
            _apply(tx, plan, by=operator.professional_id)
            audit_events.record(
                audit_sink, tx, operator, action="people.imported",
                targets=[*plan.counts(kinds), f"sha256:{sources.digest}"], request_id=request_id,
            )
        return plan

    with driver.session(database=database) as session:
        plan = session.execute_read(work) if dry_run else session.execute_write(work)
    return ImportOutcome(plan=plan, kinds=kinds, written=bool(plan.changes) and not dry_run)


def _apply(tx: ManagedTransaction, plan: ImportPlan, *, by: str) -> None:
    repo.write_agencies(tx, plan.agencies)
    repo.write_teams(tx, plan.teams)
    repo.write_professionals(tx, plan.professionals, by=by)
    repo.end_allocations(tx, plan.ends, by=by)
    repo.allocate(tx, plan.allocations, by=by)
    workbook.open_workbooks_for_children(tx, child_ids=sorted({a.child_id for a in plan.allocations}))
