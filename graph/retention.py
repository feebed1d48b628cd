"""What the retention schedule makes due at an instant, the erasures it makes, and their tombstones.

The schedule's rules arrive as `$rules` (by record kind, then by the outcome or category a
rule applies to, '*' for any other; `RetentionSchedule.as_parameters`), and the instant as
`$now`, so a test can ask what is due thirty years from now without waiting for it.

    (:RetentionErasure)-[:UNDER]->(:RetentionSchedule {revision})

A tombstone holds ids, the rule, dates and who erased: never a word of what was erased.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph.values import to_python, utc

# A scope whose data key was destroyed has nothing left to erase: found by no query here.
_SCOPE_LIVE: LiteralString = """
NOT EXISTS { MATCH (gone:DataKey {scope_id: scope.id}) WHERE gone.destroyed_at IS NOT NULL }
"""

# The rule for a contact `k` about the child `c`, and the day it falls due under `rule`: a
# contact still open, or one no rule covers, has no day, so it is never due (and keeps its
# child's scope).
_CONTACT_RULE: LiteralString = "coalesce($rules.contact[k.outcome], $rules.contact['*'])"
_CONTACT_DUE_ON: LiteralString = """
CASE WHEN k.status = 'DECIDED' AND rule IS NOT NULL THEN
    CASE rule.counted_from WHEN 'decided' THEN date(k.decided_at) WHEN 'birth' THEN c.dob END
    + duration({years: rule.years})
END
"""

# The same for an agency record `r` about the person `p`. A rule counted from birth is for
# records about children: an adult's record under one is kept rather than erased at once.
_RECORD_RULE: LiteralString = "coalesce($rules.agency_record[r.category], $rules.agency_record['*'])"
_RECORD_DUE_ON: LiteralString = """
CASE WHEN rule IS NOT NULL THEN
    CASE rule.counted_from
        WHEN 'recorded' THEN date(r.recorded_at) WHEN 'birth' THEN CASE WHEN p:Child THEN p.dob END
    END
    + duration({years: rule.years})
END
"""

_CONTACTS_DUE: LiteralString = """
WHERE k.erased_at IS NULL
WITH k, c, c AS scope
WHERE """ + _SCOPE_LIVE + """
WITH k, c, """ + _CONTACT_RULE + """ AS rule
WITH k, c, rule, """ + _CONTACT_DUE_ON + """ AS due_on
WHERE due_on <= date($now)
RETURN 'contact' AS kind, k.id AS id, c.id AS scope_id, rule.rule AS rule, due_on
ORDER BY due_on, id
"""

DUE_CONTACTS: LiteralString = "MATCH (k:Contact {status: 'DECIDED'})-[:CONCERNS]->(c:Person:Child)" + _CONTACTS_DUE
CONTACT_DUE: LiteralString = "MATCH (k:Contact {id: $id})-[:CONCERNS]->(c:Person:Child)" + _CONTACTS_DUE

_RECORDS_DUE: LiteralString = """
WHERE r.erased_at IS NULL
WITH r, p, p AS scope
WHERE """ + _SCOPE_LIVE + """
WITH r, p, """ + _RECORD_RULE + """ AS rule
WITH r, p, rule, """ + _RECORD_DUE_ON + """ AS due_on
WHERE due_on <= date($now)
RETURN 'agency_record' AS kind, r.id AS id, p.id AS scope_id, rule.rule AS rule, due_on
ORDER BY due_on, id
"""

DUE_RECORDS: LiteralString = "MATCH (r:AgencyRecord)-[:ABOUT]->(p:Person)" + _RECORDS_DUE
RECORD_DUE: LiteralString = "MATCH (r:AgencyRecord {id: $id})-[:ABOUT]->(p:Person)" + _RECORDS_DUE

# A workbook is sealed under its household's key; it falls due when the youngest child who
# ever lived in the household reaches the rule's age (no child with a date of birth: kept).
_WORKBOOKS_DUE: LiteralString = """
WHERE w.erased_at IS NULL
WITH w, h, h AS scope
WHERE """ + _SCOPE_LIVE + """
WITH w, h, $rules.workbook['*'] AS rule
WHERE rule IS NOT NULL
CALL (h) {
    MATCH (child:Person:Child)-[:LIVES_IN]->(h)
    RETURN max(child.dob) AS youngest
}
WITH w, h, rule, youngest + duration({years: rule.years}) AS due_on
WHERE due_on <= date($now)
RETURN 'workbook' AS kind, w.id AS id, h.id AS scope_id, rule.rule AS rule, due_on
ORDER BY due_on, id
"""

DUE_WORKBOOKS: LiteralString = "MATCH (w:Workbook)-[:FOR]->(h:Household)" + _WORKBOOKS_DUE
WORKBOOK_DUE: LiteralString = "MATCH (w:Workbook {id: $id})-[:FOR]->(h:Household)" + _WORKBOOKS_DUE

# A child's scope falls due when the child reaches the rule's age and every contact and
# agency record about the child that is not yet erased is due too: then its data key is
# destroyed. It became due on the latest of those days. A child with no live data key has
# nothing sealed to erase.
_CHILDREN_DUE: LiteralString = """
WITH c, $rules.child['*'] AS rule
WHERE rule IS NOT NULL AND c.dob IS NOT NULL
WITH c, rule
WHERE c.dob + duration({years: rule.years}) <= date($now)
  AND EXISTS { MATCH (key:DataKey {scope_id: c.id}) WHERE key.destroyed_at IS NULL }
CALL (c) {
    OPTIONAL MATCH (k:Contact)-[:CONCERNS]->(c)
    WHERE k.erased_at IS NULL
    WITH k, c, """ + _CONTACT_RULE + """ AS rule
    WITH k, """ + _CONTACT_DUE_ON + """ AS due_on
    RETURN count(k) AS contacts, count(due_on) AS contacts_dated, max(due_on) AS contacts_due
}
CALL (c) {
    WITH c AS p
    OPTIONAL MATCH (r:AgencyRecord)-[:ABOUT]->(p)
    WHERE r.erased_at IS NULL
    WITH r, p, """ + _RECORD_RULE + """ AS rule
    WITH r, """ + _RECORD_DUE_ON + """ AS due_on
    RETURN count(r) AS records, count(due_on) AS records_dated, max(due_on) AS records_due
}
WITH c, rule, contacts, contacts_dated, records, records_dated,
     reduce(latest = c.dob + duration({years: rule.years}), day IN [contacts_due, records_due] |
            CASE WHEN day IS NOT NULL AND day > latest THEN day ELSE latest END) AS due_on
WHERE contacts = contacts_dated AND records = records_dated AND due_on <= date($now)
RETURN 'child' AS kind, c.id AS id, c.id AS scope_id, rule.rule AS rule, due_on
ORDER BY due_on, id
"""

DUE_CHILDREN: LiteralString = "MATCH (c:Person:Child)" + _CHILDREN_DUE
CHILD_DUE: LiteralString = "MATCH (c:Person:Child {id: $id})" + _CHILDREN_DUE

# The write lock on the thing erased, taken before its standing is read again, so a contact
# decided or a record added meanwhile is judged as it now stands (a new contact for a child
# locks the child too, so it waits for, or is seen by, the child's erasure).
_LOCK: LiteralString = """
SET n._retention_lock = true
REMOVE n._retention_lock
"""
LOCK_CHILD: LiteralString = "MATCH (n:Person:Child {id: $id})" + _LOCK
LOCK_WORKBOOK: LiteralString = "MATCH (n:Workbook {id: $id})" + _LOCK
LOCK_CONTACT: LiteralString = "MATCH (n:Contact {id: $id})" + _LOCK
LOCK_RECORD: LiteralString = "MATCH (n:AgencyRecord {id: $id})" + _LOCK

# One contact's sealed content goes, with the decisions proposed for it and the partners'
# answers to its requests; what remains says when, and under which rule. The referrer's
# name and relationship and the reason consent was not sought are free text about people,
# so they go too.
ERASE_CONTACT: LiteralString = """
MATCH (k:Contact {id: $id})
WHERE k.erased_at IS NULL
SET k.erased_at = $at, k.erased_under = $rule
REMOVE k.concern, k.rationale, k.response_to_referrer, k.referrer_name, k.referrer_relationship,
       k.consent_not_sought_reason
WITH k
CALL (k) {
    MATCH (d:ContactDecision)-[:PROPOSED_FOR]->(k)
    SET d.erased_at = $at
    REMOVE d.rationale, d.response_to_referrer, d.send_back_note
    RETURN count(d) AS decisions
}
CALL (k) {
    MATCH (s:InformationShare)-[:ANSWERS]->(:InformationRequest)-[:FOR_CONTACT]->(k)
    SET s.erased_at = $at
    REMOVE s.content
    RETURN count(s) AS shares
}
RETURN k.id AS id
"""

ERASE_RECORD: LiteralString = """
MATCH (r:AgencyRecord {id: $id})
WHERE r.erased_at IS NULL
SET r.erased_at = $at, r.erased_under = $rule
REMOVE r.summary
RETURN r.id AS id
"""

# A child's key destroyed leaves what was never sealed: the free text kept beside the ciphertext
# (who referred and why consent was not sought, a consent's purpose and how it was given, a
# manager's note on an override, a restriction's reason) goes in the same transaction. A
# consent's purpose and method are required of every consent, so they are replaced by a
# marker rather than removed.
ERASE_CHILD_PLAINTEXT: LiteralString = """
MATCH (c:Person:Child {id: $id})
CALL (c) {
    MATCH (k:Contact)-[:CONCERNS]->(c)
    SET k.erased_at = coalesce(k.erased_at, $at), k.erased_under = coalesce(k.erased_under, $rule)
    REMOVE k.referrer_name, k.referrer_relationship, k.consent_not_sought_reason
    RETURN count(k) AS contacts
}
CALL (c) {
    MATCH (k:Consent)-[:COVERS]->(c)
    SET k.purpose = $marker, k.method = $marker, k.erased_at = $at
    RETURN count(k) AS consents
}
CALL (c) {
    MATCH (o:ConsentOverride)-[:FOR]->(c)
    SET o.erased_at = $at
    REMOVE o.decision_note
    RETURN count(o) AS overrides
}
CALL (c) {
    MATCH (r:Restriction)-[:RESTRICTS]->(c)
    REMOVE r.reason
    RETURN count(r) AS restrictions
}
RETURN c.id AS id
"""

MARK_WORKBOOK: LiteralString = """
MATCH (w:Workbook {id: $id})
WHERE w.erased_at IS NULL
SET w.erased_at = $at, w.erased_under = $rule
RETURN w.id AS id
"""

RECORD_SCHEDULE: LiteralString = """
MERGE (s:RetentionSchedule {revision: $revision})
  ON CREATE SET s.text = $text, s.first_used_at = $at
"""

CREATE_TOMBSTONE: LiteralString = """
MATCH (s:RetentionSchedule {revision: $revision})
CREATE (e:RetentionErasure {
    id: $id, kind: $kind, record_id: $record_id, scope_id: $scope_id, rule: $rule,
    schedule_revision: $revision, method: $method, due_on: $due_on, as_of: $as_of,
    erased_at: $at, erased_by: $erased_by
})-[:UNDER]->(s)
"""

# The auditor's list: newest first, keyset-paged on (erased_at, id).
ERASURES_PAGE: LiteralString = """
MATCH (e:RetentionErasure)
WHERE ($from_at IS NULL OR e.erased_at >= $from_at) AND ($to_at IS NULL OR e.erased_at < $to_at)
  AND ($after_at IS NULL OR e.erased_at < $after_at OR (e.erased_at = $after_at AND e.id > $after_id))
RETURN e {.*} AS erasure
ORDER BY e.erased_at DESC, e.id
LIMIT $limit
"""


@dataclass(frozen=True, slots=True)
class DueItem:
    kind: str
    id: str
    scope_id: str
    rule: str
    due_on: date


@dataclass(frozen=True, slots=True)
class Tombstone:
    id: str
    kind: str
    record_id: str
    scope_id: str
    rule: str
    schedule_revision: str
    method: str
    due_on: date
    as_of: datetime
    erased_at: datetime
    erased_by: str


_ALL_DUE: dict[str, LiteralString] = {
    "child": DUE_CHILDREN, "workbook": DUE_WORKBOOKS, "contact": DUE_CONTACTS, "agency_record": DUE_RECORDS,
}
_ONE_DUE: dict[str, tuple[LiteralString, LiteralString]] = {
    "child": (LOCK_CHILD, CHILD_DUE), "workbook": (LOCK_WORKBOOK, WORKBOOK_DUE),
    "contact": (LOCK_CONTACT, CONTACT_DUE), "agency_record": (LOCK_RECORD, RECORD_DUE),
}
KINDS: tuple[str, ...] = tuple(_ALL_DUE)


def _item(row: dict[str, Any]) -> DueItem:
    return DueItem(
        kind=row["kind"], id=row["id"], scope_id=row["scope_id"], rule=row["rule"], due_on=to_python(row["due_on"]),
    )


def due_of_kind(tx: ManagedTransaction, *, kind: str, rules: dict[str, Any], now: datetime) -> list[DueItem]:
    """Every `kind` of thing due at `now`, the earliest due first."""
    return [_item(record.data()) for record in tx.run(_ALL_DUE[kind], rules=rules, now=utc(now))]


def still_due(
    tx: ManagedTransaction, *, kind: str, item_id: str, rules: dict[str, Any], now: datetime
) -> DueItem | None:
    """The item as it stands now, locked, if it is still due; None if it was erased or is kept after all."""
    lock, due = _ONE_DUE[kind]
    tx.run(lock, id=item_id).consume()
    record = tx.run(due, id=item_id, rules=rules, now=utc(now)).single()
    return None if record is None else _item(record.data())


def erase_contact(tx: ManagedTransaction, *, contact_id: str, rule: str, at: datetime) -> bool:
    return tx.run(ERASE_CONTACT, id=contact_id, rule=rule, at=utc(at)).single() is not None


def erase_record(tx: ManagedTransaction, *, record_id: str, rule: str, at: datetime) -> bool:
    return tx.run(ERASE_RECORD, id=record_id, rule=rule, at=utc(at)).single() is not None


def erase_child_plaintext(tx: ManagedTransaction, *, child_id: str, rule: str, at: datetime, marker: str) -> None:
    tx.run(ERASE_CHILD_PLAINTEXT, id=child_id, rule=rule, at=utc(at), marker=marker).consume()


def mark_workbook(tx: ManagedTransaction, *, workbook_id: str, rule: str, at: datetime) -> bool:
    return tx.run(MARK_WORKBOOK, id=workbook_id, rule=rule, at=utc(at)).single() is not None


def record_tombstone(
    tx: ManagedTransaction, *, tombstone: Tombstone, schedule_text: str,
) -> None:
    tx.run(
        RECORD_SCHEDULE, revision=tombstone.schedule_revision, text=schedule_text, at=utc(tombstone.erased_at),
    ).consume()
    tx.run(
        CREATE_TOMBSTONE, id=tombstone.id, kind=tombstone.kind, record_id=tombstone.record_id,
        scope_id=tombstone.scope_id, rule=tombstone.rule, revision=tombstone.schedule_revision,
        method=tombstone.method, due_on=tombstone.due_on, as_of=utc(tombstone.as_of),
        at=utc(tombstone.erased_at), erased_by=tombstone.erased_by,
    ).consume()


def erasures_page(
    tx: ManagedTransaction, *, from_at: datetime | None, to_at: datetime | None,
    after: tuple[datetime, str] | None, limit: int,
) -> list[Tombstone]:
    result = tx.run(
        ERASURES_PAGE, from_at=utc(from_at) if from_at else None, to_at=utc(to_at) if to_at else None,
        after_at=utc(after[0]) if after else None, after_id=after[1] if after else None, limit=limit,
    )
    return [_tombstone(record["erasure"]) for record in result]


def _tombstone(raw: dict[str, Any]) -> Tombstone:
    e = {key: to_python(value) for key, value in raw.items()}
    return Tombstone(
        id=e["id"], kind=e["kind"], record_id=e["record_id"], scope_id=e["scope_id"], rule=e["rule"],
        schedule_revision=e["schedule_revision"], method=e["method"], due_on=e["due_on"], as_of=e["as_of"],
        erased_at=e["erased_at"], erased_by=e["erased_by"],
    )
