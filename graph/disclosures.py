"""Reads of one agency's records by others, from the audit chain: the owning agency is told.

A read of the family network on a consent, an override or break glass appends a
`network.read` event naming the child first and then the records it showed
(services/network.py). This module lists, for one agency (`$owner_id`) and a period, the
events that showed at least one record that agency holds, read by a professional of another
agency on CONSENT or OVERRIDE, or by anyone on BREAK_GLASS (break glass is taken inside the
council, so its readers are often the holder's own staff, and the holder hears of it all the
same). Each row names only the owner's records among those read, never another agency's.

The events are sought through the (action, at) index of V012 within the period, newest seq
first; the chain's `at` is ISO-8601 UTC text, so the period is compared as that text. The
child's name is the caller's to see exactly as on their worklists (graph/worklists.py):
judged row by row with the access facts, null where no basis holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph.network import Viewer
from graph.values import utc
from graph.worklists import CHILD_FIELDS, CHILD_STANDING, ListedChild, listed_child, viewer_parameters

# The read actions whose targets name agency records. information.read names the partner
# answers a requester asked for (InformationShare), which the answering agency chose to send,
# and person.searched / person.listed name people only; none of them shows an agency record.
RECORD_READ_ACTIONS: tuple[str, ...] = ("network.read",)

# The index hint keeps the plan on the period, whatever the planner makes of `seq < $after_seq`
# and the order: walking the seq constraint backwards would visit every event in the chain. Each
# target is looked up by its id, never by walking every record the agency holds.
READS_OF_RECORDS: LiteralString = """
MATCH (e:AuditEvent)
USING INDEX e:AuditEvent(action, at)
WHERE e.action IN $actions AND e.at >= $from_at AND e.at < $to_at
  AND ($after_seq IS NULL OR e.seq < $after_seq)
  AND ((e.basis IN ['CONSENT', 'OVERRIDE'] AND e.agency <> $owner_id) OR e.basis = 'BREAK_GLASS')
WITH e, COLLECT {
    UNWIND e.targets AS target
    MATCH (r:AgencyRecord {id: target})-[:HELD_BY]->(:Agency {id: $owner_id})
    USING INDEX r:AgencyRecord(id)
    RETURN r.id AS id ORDER BY id
} AS record_ids
WHERE size(record_ids) > 0
WITH e, record_ids ORDER BY e.seq DESC LIMIT $limit
MATCH (c:Person {id: head(e.targets)})
OPTIONAL MATCH (me:Professional {id: $professional_id})
""" + CHILD_STANDING + """
RETURN e.seq AS seq, e.at AS at, e.actor AS reader_id, e.agency AS reader_agency_id, e.role AS role,
    e.basis AS basis, e.override_id AS override_id, record_ids,
    head(COLLECT { MATCH (p:Professional {id: e.actor}) RETURN p.name AS name }) AS reader_name,
    head(COLLECT { MATCH (a:Agency {id: e.agency}) RETURN a.name AS name }) AS reader_agency_name,
    CASE e.basis WHEN 'BREAK_GLASS' THEN head(COLLECT {
        MATCH (b:BreakGlass) WHERE b.id IN e.targets RETURN b.id AS id
    }) END AS break_glass_id,
""" + CHILD_FIELDS + """
ORDER BY e.seq DESC
"""

AGENCY_NAME: LiteralString = """
MATCH (a:Agency {id: $agency_id})
RETURN a.name AS name
"""


@dataclass(frozen=True, slots=True)
class RecordRead:
    """One read that showed the owner's records to someone outside it, or under break glass."""

    seq: int
    at: datetime
    reader_id: str
    # Null for a reader no longer in the graph: the event keeps their id.
    reader_name: str | None
    reader_agency_id: str
    reader_agency_name: str | None
    reader_roles: tuple[str, ...]
    basis: str
    override_id: str | None
    break_glass_id: str | None
    child: ListedChild
    # The owner's records among those the read showed; never another agency's.
    record_ids: tuple[str, ...]


def chain_time(moment: datetime) -> str:
    """A time as the chain writes `at`: ISO-8601 UTC with microseconds and a Z (sorts as text)."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def reads_of_records(
    tx: ManagedTransaction, *, owner_id: str, viewer: Viewer, from_at: datetime, to_at: datetime,
    after_seq: int | None, limit: int, actions: Sequence[str] = RECORD_READ_ACTIONS,
) -> list[RecordRead]:
    """Reads of `owner_id`'s records in `[from_at, to_at)`, newest first, below `after_seq`."""
    result = tx.run(
        READS_OF_RECORDS, actions=list(actions), owner_id=owner_id, from_at=chain_time(from_at),
        to_at=chain_time(to_at), after_seq=after_seq, limit=limit, **viewer_parameters(viewer),
    )
    return [_read(record) for record in result]


def agency_name(tx: ManagedTransaction, *, agency_id: str) -> str | None:
    record = tx.run(AGENCY_NAME, agency_id=agency_id).single()
    return None if record is None else str(record["name"])


def _read(record: Any) -> RecordRead:
    return RecordRead(
        seq=record["seq"], at=datetime.fromisoformat(record["at"]), reader_id=record["reader_id"],
        reader_name=record["reader_name"], reader_agency_id=record["reader_agency_id"],
        reader_agency_name=record["reader_agency_name"],
        reader_roles=tuple(role for role in (record["role"] or "").split(",") if role),
        basis=record["basis"], override_id=record["override_id"], break_glass_id=record["break_glass_id"],
        child=listed_child(record), record_ids=tuple(record["record_ids"]),
    )
