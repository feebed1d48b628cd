"""The Family Safeguarding workbook: one per household, entries in sections, versions in chains.

    (:Workbook)-[:FOR]->(:Household)        (:Workbook)-[:HELD_BY]->(:Team)
    (:WorkbookEntry)-[:IN]->(:Workbook)     (:WorkbookEntry)-[:REFERS_TO]->(:WorkbookEntry)
    (:WorkbookEntryVersion)-[:OF]->(:WorkbookEntry)
    (:WorkbookEntryVersion)-[:SUPERSEDES]->(:WorkbookEntryVersion)
    (:WorkbookEntryVersion)-[:WRITTEN_BY]->(:Professional)

An entry's head carries what does not change (section, visibility, the first author's
discipline) and the number of its current version; each version carries its body, stored
here only as ciphertext. A version's id is the entry id and its number, unique by
constraint, so two writers can never both create version n + 1 of one entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, LiteralString

from neo4j import Driver, ManagedTransaction

from graph.data_key_store import DATA_KEY_MAP, keys_by_scope
from graph.values import to_python


class Section(StrEnum):
    ASSESSMENT = "ASSESSMENT"
    ANALYSIS = "ANALYSIS"
    PROGRAMME_SESSION = "PROGRAMME_SESSION"
    GROUP_SUPERVISION = "GROUP_SUPERVISION"
    PLAN = "PLAN"
    REVIEW = "REVIEW"


# The order a workbook is read in: the sections' order in the Family Safeguarding model.
SECTION_ORDER: dict[Section, int] = {section: rank for rank, section in enumerate(Section)}


class Visibility(StrEnum):
    # Everyone with access to the workbook.
    TEAM = "TEAM"
    # The author's discipline, the case-holding social worker and the team manager.
    DISCIPLINE = "DISCIPLINE"


def version_id(entry_id: str, version: int) -> str:
    return f"{entry_id}/v{version}"


# Opening follows allocation: a household whose children are case-held by a member of a
# Family Safeguarding team gets a workbook held by that team. Idempotent, so a load (or a
# graph loaded before workbooks existed) can run it again.
_HELD_BY_FAMILY_SAFEGUARDING: LiteralString = """
MATCH (t:Team {service: 'FAMILY_SAFEGUARDING'})<-[:MEMBER_OF]-(:Professional)
      -[a:ALLOCATED_TO {role: 'case_holder'}]->(:Child)-[l:LIVES_IN]->(h:Household)
WHERE l.until IS NULL
WITH h, t, min(a.since) AS opened_on
"""

_OPEN: LiteralString = """
    MERGE (w:Workbook {household_id: h.id})
    ON CREATE SET w.id = 'workbook-' + h.id, w.opened_on = opened_on
    MERGE (w)-[:FOR]->(h)
    MERGE (w)-[:HELD_BY]->(t)
"""

OPEN_WORKBOOKS: LiteralString = _HELD_BY_FAMILY_SAFEGUARDING + """
CALL (h, t, opened_on) {""" + _OPEN + """} IN TRANSACTIONS OF 2000 ROWS
"""

# The same for the households the children named live in, in the caller's transaction: an
# allocation opens its family's workbook in the transaction that allocates.
OPEN_WORKBOOKS_FOR_CHILDREN: LiteralString = """
UNWIND $child_ids AS allocated
MATCH (:Person:Child {id: allocated})-[home:LIVES_IN]->(h:Household)
WHERE home.until IS NULL
WITH DISTINCT h
""" + _HELD_BY_FAMILY_SAFEGUARDING + _OPEN

COUNT_WORKBOOKS: LiteralString = "MATCH (w:Workbook) RETURN count(w) AS workbooks"


def open_workbooks(driver: Driver, *, database: str) -> int:
    """Opens a workbook for every household held by a Family Safeguarding team; returns the total."""
    with driver.session(database=database) as session:
        session.run(OPEN_WORKBOOKS).consume()
        record = session.run(COUNT_WORKBOOKS).single()
    return int(record["workbooks"]) if record is not None else 0


def open_workbooks_for_children(tx: ManagedTransaction, *, child_ids: list[str]) -> None:
    """Opens the workbook of each household these children live in that a Family Safeguarding
    team now holds (a child case-held in the team lives there); one already open gains the team."""
    if child_ids:
        tx.run(OPEN_WORKBOOKS_FOR_CHILDREN, child_ids=child_ids).consume()


# Who the caller is to this workbook. A member of a holding team, or the social worker
# holding the case of a child who lives in the household, has the ALLOCATED basis.
_STANDING: LiteralString = """
OPTIONAL MATCH (me:Professional {id: $professional_id})
WITH *,
     EXISTS { (me)-[:MEMBER_OF]->(:Team)<-[:HELD_BY]-(w) } AS member,
     EXISTS {
         MATCH (me)-[:ALLOCATED_TO {role: 'case_holder'}]->(:Child)-[l:LIVES_IN]->(h)
         WHERE l.until IS NULL
     } AS case_holder
WITH *, member OR case_holder AS allocated,
     member AND $reads_across_disciplines AS team_manager
"""

# Whether the caller may read an entry's body: TEAM entries are for all with access;
# DISCIPLINE entries for the author's discipline, the case holder and the team manager.
_SEES: LiteralString = """
(e.visibility = 'TEAM' OR (e.discipline = $discipline AND $discipline <> '') OR case_holder OR team_manager)
"""

_TEAMS: LiteralString = """
COLLECT { MATCH (w)-[:HELD_BY]->(t:Team) RETURN t {.id, .name} AS team ORDER BY team.id } AS teams
"""

# The entry as a reader gets it: every version newest first, bodies only where `sees`.
_ENTRY_MAP: LiteralString = """
e {
    .id, .section, .visibility, .discipline, .version, .created_at, .locked_at,
    .locked_by_supervision, .signed_off_by, .signed_off_by_name,
    sees: sees,
    refers_to: COLLECT { MATCH (e)-[:REFERS_TO]->(x:WorkbookEntry) RETURN x.id ORDER BY x.id },
    versions: COLLECT {
        MATCH (v:WorkbookEntryVersion)-[:OF]->(e)
        OPTIONAL MATCH (v)-[:WRITTEN_BY]->(author:Professional)
        RETURN v {
            .id, .version, .written_at, .discipline,
            body: CASE WHEN sees THEN v.body END,
            author_id: author.id, author_name: author.name
        } AS version
        ORDER BY version.version DESC
    }
}
"""

# One round trip: the caller's standing, then (only for those with the ALLOCATED basis) one
# page of entries in reading order with their history, and the household's wrapped data key.
WORKBOOK_PAGE: LiteralString = """
MATCH (w:Workbook {household_id: $household_id})-[:FOR]->(h:Household)
""" + _STANDING + """
CALL (w, h, allocated, case_holder, team_manager) {
    MATCH (e:WorkbookEntry)-[:IN]->(w)
    WHERE allocated AND $may_read
      AND ($section IS NULL OR e.section = $section)
      AND ($after_rank IS NULL
           OR e.section_rank > $after_rank
           OR (e.section_rank = $after_rank AND
               (e.created_at < $after_created OR (e.created_at = $after_created AND e.id > $after_id))))
    WITH e, case_holder, team_manager ORDER BY e.section_rank, e.created_at DESC, e.id LIMIT $limit
    WITH e, """ + _SEES + """ AS sees
    RETURN collect(""" + _ENTRY_MAP + """) AS entries
}
RETURN w.id AS id, w.household_id AS household_id, w.opened_on AS opened_on,
       member, case_holder, allocated, entries,
       """ + _TEAMS + """,
       COLLECT {
           MATCH (k:DataKey {scope_id: h.id}) WHERE allocated AND $may_read
           RETURN """ + DATA_KEY_MAP + """ AS data_key
       } AS data_keys
"""

# The standing of a writer, with the entries a new one refers to (those in this workbook).
WRITER_STANDING: LiteralString = """
MATCH (w:Workbook {household_id: $household_id})-[:FOR]->(h:Household)
""" + _STANDING + """
RETURN w.id AS workbook_id, allocated,
       COLLECT {
           UNWIND $refers_to AS ref
           MATCH (x:WorkbookEntry {id: ref})-[:IN]->(w)
           RETURN x.id
       } AS known_refs
"""

CREATE_ENTRY: LiteralString = """
MATCH (w:Workbook {id: $workbook_id}), (me:Professional {id: $professional_id})
CREATE (e:WorkbookEntry {
    id: $entry_id, workbook_id: $workbook_id, household_id: w.household_id,
    section: $section, section_rank: $section_rank, visibility: $visibility,
    discipline: $discipline, author_id: me.id, version: 1, created_at: $now, updated_at: $now
})-[:IN]->(w)
CREATE (v:WorkbookEntryVersion {
    id: $version_id, entry_id: $entry_id, version: 1, body: $body, discipline: $discipline,
    written_at: $now
})-[:OF]->(e)
CREATE (v)-[:WRITTEN_BY]->(me)
WITH e
UNWIND $refers_to AS ref
MATCH (x:WorkbookEntry {id: ref})
CREATE (e)-[:REFERS_TO]->(x)
"""

# The write lock is taken before anything is read (the documented SET-a-lock-property
# idiom): a second writer of the same entry waits here, then reads the committed version.
LOCK_ENTRY: LiteralString = """
MATCH (e:WorkbookEntry {id: $entry_id})
SET e._lock = true
REMOVE e._lock
WITH e
MATCH (e)-[:IN]->(w:Workbook)-[:FOR]->(h:Household)
""" + _STANDING + """
WITH e, allocated, member, team_manager, """ + _SEES + """ AS sees
MATCH (current:WorkbookEntryVersion {id: e.id + '/v' + toString(e.version)})
OPTIONAL MATCH (current)-[:WRITTEN_BY]->(author:Professional)
RETURN e.id AS id, e.household_id AS household_id, e.section AS section,
       e.version AS version, e.locked_at AS locked_at,
       e.locked_by_supervision AS locked_by_supervision, e.signed_off_by AS signed_off_by,
       e.signed_off_by_name AS signed_off_by_name,
       allocated, member, sees,
       current.written_at AS current_written_at, author.id AS current_author_id,
       author.name AS current_author_name
"""

CREATE_VERSION: LiteralString = """
MATCH (e:WorkbookEntry {id: $entry_id}), (me:Professional {id: $professional_id})
MATCH (previous:WorkbookEntryVersion {id: $previous_version_id})
CREATE (v:WorkbookEntryVersion {
    id: $version_id, entry_id: e.id, version: $version, body: $body, discipline: $discipline,
    written_at: $now
})-[:OF]->(e)
CREATE (v)-[:SUPERSEDES]->(previous)
CREATE (v)-[:WRITTEN_BY]->(me)
SET e.version = $version, e.updated_at = $now
"""

# Locks the supervision record and each entry it names that is not locked already (an entry
# signed off in an earlier supervision keeps that sign-off). Returns the entries locked now.
SIGN_OFF: LiteralString = """
MATCH (s:WorkbookEntry {id: $entry_id})
SET s.locked_at = $now, s.locked_by_supervision = s.id,
    s.signed_off_by = $professional_id, s.signed_off_by_name = $professional_name
WITH s
OPTIONAL MATCH (s)-[:REFERS_TO]->(x:WorkbookEntry)
SET x._lock = true
REMOVE x._lock
WITH s, x WHERE x IS NULL OR x.locked_at IS NULL
SET x.locked_at = $now, x.locked_by_supervision = s.id,
    x.signed_off_by = $professional_id, x.signed_off_by_name = $professional_name
RETURN [id IN collect(x.id) WHERE id IS NOT NULL] AS locked
"""

ENTRY_VIEW: LiteralString = """
MATCH (e:WorkbookEntry {id: $entry_id})-[:IN]->(w:Workbook)-[:FOR]->(h:Household)
""" + _STANDING + """
WITH e, h, case_holder, team_manager, """ + _SEES + """ AS sees
RETURN """ + _ENTRY_MAP + """ AS entry,
       COLLECT {
           MATCH (k:DataKey {scope_id: h.id})
           RETURN """ + DATA_KEY_MAP + """ AS data_key
       } AS data_keys
"""


@dataclass(frozen=True, slots=True)
class Caller:
    professional_id: str
    discipline: str
    # The policy lets this role read every discipline's entries (where it is a team member).
    reads_across_disciplines: bool

    def params(self) -> dict[str, Any]:
        return {
            "professional_id": self.professional_id, "discipline": self.discipline,
            "reads_across_disciplines": self.reads_across_disciplines,
        }


@dataclass(frozen=True, slots=True)
class PageKey:
    """Where a page ends in reading order: section, then newest first, then id."""

    section_rank: int
    created_at: datetime
    id: str


@dataclass(frozen=True, slots=True)
class VersionRow:
    id: str
    version: int
    written_at: datetime
    discipline: str
    author_id: str | None
    author_name: str | None
    # Ciphertext; None where the caller may not see the entry.
    body: str | None


@dataclass(frozen=True, slots=True)
class EntryRow:
    id: str
    section: Section
    visibility: Visibility
    discipline: str
    version: int
    created_at: datetime
    sees: bool
    locked_at: datetime | None
    locked_by_supervision: str | None
    signed_off_by: str | None
    signed_off_by_name: str | None
    refers_to: tuple[str, ...]
    versions: tuple[VersionRow, ...]  # newest first

    def key(self) -> PageKey:
        return PageKey(SECTION_ORDER[self.section], self.created_at, self.id)


@dataclass(frozen=True, slots=True)
class TeamRow:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class WorkbookPage:
    id: str
    household_id: str
    opened_on: date | None
    member: bool
    case_holder: bool
    allocated: bool
    teams: tuple[TeamRow, ...]
    entries: tuple[EntryRow, ...]
    data_keys: dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class LockedEntry:
    """An entry under its write lock, with the caller's standing, as LOCK_ENTRY read it."""

    id: str
    household_id: str
    section: Section
    version: int
    locked_at: datetime | None
    locked_by_supervision: str | None
    signed_off_by: str | None
    signed_off_by_name: str | None
    allocated: bool
    member: bool
    sees: bool
    current_written_at: datetime
    current_author_id: str | None
    current_author_name: str | None


@dataclass(frozen=True, slots=True)
class WriterStanding:
    workbook_id: str
    allocated: bool
    known_refs: frozenset[str]


def _version(row: dict[str, Any]) -> VersionRow:
    return VersionRow(
        id=row["id"], version=row["version"], written_at=to_python(row["written_at"]),
        discipline=row["discipline"] or "", author_id=row["author_id"], author_name=row["author_name"],
        body=row["body"],
    )


def _entry(row: dict[str, Any]) -> EntryRow:
    return EntryRow(
        id=row["id"], section=Section(row["section"]), visibility=Visibility(row["visibility"]),
        discipline=row["discipline"] or "", version=row["version"], created_at=to_python(row["created_at"]),
        sees=bool(row["sees"]), locked_at=to_python(row["locked_at"]),
        locked_by_supervision=row["locked_by_supervision"], signed_off_by=row["signed_off_by"],
        signed_off_by_name=row["signed_off_by_name"], refers_to=tuple(row["refers_to"]),
        versions=tuple(_version(v) for v in row["versions"]),
    )


def get_page(
    tx: ManagedTransaction, *, household_id: str, caller: Caller, may_read: bool,
    section: Section | None, after: PageKey | None, limit: int,
) -> WorkbookPage | None:
    record = tx.run(
        WORKBOOK_PAGE, household_id=household_id, **caller.params(), may_read=may_read,
        section=section.value if section is not None else None,
        after_rank=after.section_rank if after is not None else None,
        after_created=after.created_at if after is not None else None,
        after_id=after.id if after is not None else None, limit=limit,
    ).single()
    if record is None:
        return None
    return WorkbookPage(
        id=record["id"], household_id=record["household_id"], opened_on=to_python(record["opened_on"]),
        member=record["member"], case_holder=record["case_holder"], allocated=record["allocated"],
        teams=tuple(TeamRow(t["id"], t["name"]) for t in record["teams"]),
        entries=tuple(_entry(e) for e in record["entries"]), data_keys=keys_by_scope(record["data_keys"]),
    )


def writer_standing(
    tx: ManagedTransaction, *, household_id: str, caller: Caller, refers_to: list[str]
) -> WriterStanding | None:
    record = tx.run(WRITER_STANDING, household_id=household_id, **caller.params(), refers_to=refers_to).single()
    if record is None:
        return None
    return WriterStanding(record["workbook_id"], record["allocated"], frozenset(record["known_refs"]))


@dataclass(frozen=True, slots=True)
class NewEntry:
    entry_id: str
    workbook_id: str
    section: Section
    visibility: Visibility
    discipline: str
    body_ciphertext: str
    refers_to: list[str]
    now: datetime


def create_entry(tx: ManagedTransaction, *, professional_id: str, entry: NewEntry) -> None:
    tx.run(
        CREATE_ENTRY, workbook_id=entry.workbook_id, professional_id=professional_id,
        entry_id=entry.entry_id, version_id=version_id(entry.entry_id, 1), section=entry.section.value,
        section_rank=SECTION_ORDER[entry.section], visibility=entry.visibility.value,
        discipline=entry.discipline, body=entry.body_ciphertext, refers_to=entry.refers_to, now=entry.now,
    ).consume()


def lock_entry(tx: ManagedTransaction, *, entry_id: str, caller: Caller) -> LockedEntry | None:
    record = tx.run(LOCK_ENTRY, entry_id=entry_id, **caller.params()).single()
    if record is None:
        return None
    return LockedEntry(
        id=record["id"], household_id=record["household_id"], section=Section(record["section"]),
        version=record["version"], locked_at=to_python(record["locked_at"]),
        locked_by_supervision=record["locked_by_supervision"], signed_off_by=record["signed_off_by"],
        signed_off_by_name=record["signed_off_by_name"], allocated=record["allocated"], member=record["member"],
        sees=record["sees"], current_written_at=to_python(record["current_written_at"]),
        current_author_id=record["current_author_id"], current_author_name=record["current_author_name"],
    )


def create_version(
    tx: ManagedTransaction, *, entry_id: str, version: int, professional_id: str, discipline: str,
    body_ciphertext: str, now: datetime,
) -> None:
    tx.run(
        CREATE_VERSION, entry_id=entry_id, professional_id=professional_id,
        previous_version_id=version_id(entry_id, version - 1), version_id=version_id(entry_id, version),
        version=version, discipline=discipline, body=body_ciphertext, now=now,
    ).consume()


def sign_off(
    tx: ManagedTransaction, *, entry_id: str, professional_id: str, professional_name: str, now: datetime
) -> list[str]:
    record = tx.run(
        SIGN_OFF, entry_id=entry_id, professional_id=professional_id, professional_name=professional_name,
        now=now,
    ).single()
    return list(record["locked"]) if record is not None else []


def get_entry(
    tx: ManagedTransaction, *, entry_id: str, caller: Caller
) -> tuple[EntryRow, dict[str, dict[str, Any]]] | None:
    record = tx.run(ENTRY_VIEW, entry_id=entry_id, **caller.params()).single()
    if record is None:
        return None
    return _entry(record["entry"]), keys_by_scope(record["data_keys"])
