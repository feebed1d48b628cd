"""A Family Safeguarding professional's families: the workbooks they stand in, and who lives there.

The standing is the workbook's own (`graph/workbook.py`): a member of a team holding the
workbook, or the social worker holding the case of a child who lives in the household. A
restricted child is named only to the professionals named on its restriction, as every
read of a child is (`graph/access_rules.py` `SHUT_OUT`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph.access_rules import SHUT_OUT
from graph.values import to_python

MAX_FAMILIES = 200

# The household's current members, named only where no restriction shuts the caller out.
_MEMBERS: LiteralString = """
COLLECT {
    MATCH (c:Person)-[l:LIVES_IN]->(h)
    WHERE l.until IS NULL
    WITH c, l, """ + SHUT_OUT + """ AS shut_out
    WHERE NOT shut_out
    RETURN c {
        .id, .given_name, .family_name, dob: toString(c.dob),
        kind: CASE WHEN c:Child THEN 'Child' ELSE 'Adult' END, since: toString(l.since)
    } AS member
    ORDER BY member.kind DESC, member.dob, member.id
} AS members
"""

_CASE_HOLDERS: LiteralString = """
COLLECT {
    MATCH (h)<-[l:LIVES_IN]-(:Child)<-[:ALLOCATED_TO {role: 'case_holder'}]-(p:Professional)
    WHERE l.until IS NULL
    RETURN DISTINCT p.name AS name ORDER BY name
} AS case_holders
"""

_STANDS_IN: LiteralString = """(
    EXISTS { (me)-[:MEMBER_OF]->(:Team)<-[:HELD_BY]-(w) }
    OR EXISTS {
        MATCH (me)-[:ALLOCATED_TO {role: 'case_holder'}]->(:Child)-[l:LIVES_IN]->(h)
        WHERE l.until IS NULL
    }
)"""

# Every workbook the caller stands in, the latest written first: its latest version
# (when, which section, by whom) and the group supervision records not yet signed off.
# The workbooks are found from the caller (their teams' and their case-held children's
# households, `_STANDS_IN` spelt as two paths), never by testing every workbook in the county.
CASELOAD: LiteralString = """
MATCH (me:Professional {id: $professional_id})
CALL (me) {
    MATCH (me)-[:MEMBER_OF]->(:Team)<-[:HELD_BY]-(w:Workbook)
    RETURN w
  UNION
    MATCH (me)-[:ALLOCATED_TO {role: 'case_holder'}]->(:Child)-[l:LIVES_IN]->(:Household)<-[:FOR]-(w:Workbook)
    WHERE l.until IS NULL
    RETURN w
}
MATCH (w)-[:FOR]->(h:Household)
CALL (w) {
    OPTIONAL MATCH (v:WorkbookEntryVersion)-[:OF]->(e:WorkbookEntry)-[:IN]->(w)
    OPTIONAL MATCH (v)-[:WRITTEN_BY]->(author:Professional)
    WITH v, e, author ORDER BY v.written_at DESC, v.id LIMIT 1
    RETURN v.written_at AS latest_at, e.section AS latest_section, author.name AS latest_by
}
WITH me, w, h, latest_at, latest_section, latest_by,
     COUNT { MATCH (s:WorkbookEntry {section: 'GROUP_SUPERVISION'})-[:IN]->(w) WHERE s.locked_at IS NULL }
         AS awaiting_sign_off,
     COUNT { MATCH (e:WorkbookEntry)-[:IN]->(w) } AS entries,
     EXISTS {
         MATCH (me)-[:ALLOCATED_TO]->(:Child)-[l:LIVES_IN]->(h) WHERE l.until IS NULL
     } AS mine
WITH *, """ + _MEMBERS + """, """ + _CASE_HOLDERS + """
RETURN w.id AS workbook_id, h.id AS household_id, h.address AS address, h.postcode AS postcode,
       w.opened_on AS opened_on, latest_at, latest_section, latest_by, awaiting_sign_off, entries,
       mine, members, case_holders
ORDER BY mine DESC, latest_at IS NULL, latest_at DESC, household_id
LIMIT $limit
"""

# One household for its workbook's page: the people at the top, for those who stand in it.
HOUSEHOLD: LiteralString = """
MATCH (me:Professional {id: $professional_id})
MATCH (w:Workbook {household_id: $household_id})-[:FOR]->(h:Household)
WHERE """ + _STANDS_IN + """
WITH me, w, h, """ + _MEMBERS + """, """ + _CASE_HOLDERS + """
RETURN w.id AS workbook_id, h.id AS household_id, h.address AS address, h.postcode AS postcode,
       members, case_holders
"""


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    kind: str
    given_name: str | None
    family_name: str | None
    dob: date | None
    since: date | None


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    workbook_id: str
    household_id: str
    address: str
    postcode: str
    members: tuple[Member, ...]
    case_holders: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FamilyRow:
    household: HouseholdRow
    opened_on: date | None
    latest_at: datetime | None
    latest_section: str | None
    latest_by: str | None
    awaiting_sign_off: int
    entries: int
    # The caller is allocated to a child of the household (not only in the holding team).
    mine: bool


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _household(record: Any) -> HouseholdRow:
    return HouseholdRow(
        workbook_id=record["workbook_id"], household_id=record["household_id"], address=record["address"] or "",
        postcode=record["postcode"] or "",
        members=tuple(
            Member(id=m["id"], kind=m["kind"], given_name=m["given_name"], family_name=m["family_name"],
                   dob=_date(m["dob"]), since=_date(m["since"]))
            for m in record["members"]
        ),
        case_holders=tuple(record["case_holders"]),
    )


def caseload(tx: ManagedTransaction, *, professional_id: str, limit: int = MAX_FAMILIES) -> list[FamilyRow]:
    return [
        FamilyRow(
            household=_household(record), opened_on=to_python(record["opened_on"]),
            latest_at=to_python(record["latest_at"]), latest_section=record["latest_section"],
            latest_by=record["latest_by"], awaiting_sign_off=record["awaiting_sign_off"],
            entries=record["entries"], mine=record["mine"],
        )
        for record in tx.run(CASELOAD, professional_id=professional_id, limit=limit)
    ]


def household(tx: ManagedTransaction, *, professional_id: str, household_id: str) -> HouseholdRow | None:
    record = tx.run(HOUSEHOLD, professional_id=professional_id, household_id=household_id).single()
    return _household(record) if record is not None else None
