"""Management information: counts and times over a period, never a child, a name of a family or
a word of case content. Each figure is one aggregate query over the period `[$from_at, $to_at)`.

Months are calendar months in London, where the boards that read them sit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import LiteralString

from neo4j import ManagedTransaction

# Decisions on override requests by the manager who made them, by the month they made them.
# An approved override that later expired or was revoked was still approved.
OVERRIDES_BY_MANAGER: LiteralString = """
MATCH (o:ConsentOverride)
WHERE o.decided_at IS NOT NULL AND o.decided_at >= $from_at AND o.decided_at < $to_at
OPTIONAL MATCH (m:Professional {id: o.decided_by})
WITH toString(date.truncate('month', datetime({datetime: o.decided_at, timezone: 'Europe/London'}))) AS month,
     o.decided_by AS manager_id, m.name AS manager_name, o
RETURN month, manager_id, manager_name,
       count(CASE WHEN o.status IN ['APPROVED', 'REVOKED'] THEN 1 END) AS approved,
       count(CASE WHEN o.status = 'REJECTED' THEN 1 END) AS rejected
ORDER BY month, manager_name, manager_id
"""

# From request to decision, by the month of the request: how many, how fast (minutes).
OVERRIDE_DECISION_TIMES: LiteralString = """
MATCH (o:ConsentOverride)
WHERE o.requested_at >= $from_at AND o.requested_at < $to_at
WITH toString(date.truncate('month', datetime({datetime: o.requested_at, timezone: 'Europe/London'}))) AS month,
     CASE WHEN o.decided_at IS NOT NULL
          THEN duration.inSeconds(o.requested_at, o.decided_at).seconds / 60.0 END AS minutes
RETURN month, count(*) AS requested, count(minutes) AS decided,
       count(CASE WHEN minutes <= 60 THEN 1 END) AS within_hour,
       percentileCont(minutes, 0.5) AS median_minutes, percentileCont(minutes, 0.9) AS p90_minutes,
       max(minutes) AS longest_minutes
ORDER BY month
"""

# Contacts received in the period by urgency: decided within their due time, decided late,
# still open.
CONTACTS_BY_URGENCY: LiteralString = """
MATCH (k:Contact)
WHERE k.received_at >= $from_at AND k.received_at < $to_at
RETURN k.urgency AS urgency, count(k) AS contacts,
       count(CASE WHEN k.decided_at IS NOT NULL AND k.decided_at <= k.due_by THEN 1 END) AS in_time,
       count(CASE WHEN k.decided_at IS NOT NULL AND k.decided_at > k.due_by THEN 1 END) AS late,
       count(CASE WHEN k.decided_at IS NULL THEN 1 END) AS open
ORDER BY CASE k.urgency WHEN 'RED' THEN 0 WHEN 'AMBER' THEN 1 ELSE 2 END
"""

# Requests made in the period, by the partner agency asked: answered (shared or declined),
# within the due time, and how long an answer took (hours).
PARTNER_RESPONSES: LiteralString = """
MATCH (r:InformationRequest)-[:ADDRESSED_TO]->(a:Agency)
WHERE r.requested_at >= $from_at AND r.requested_at < $to_at
OPTIONAL MATCH (s:InformationShare {agency: a.id})-[:ANSWERS]->(r)
WITH a, r, s,
     CASE WHEN s IS NOT NULL THEN duration.inSeconds(r.requested_at, s.shared_at).seconds / 3600.0 END AS hours
RETURN a.id AS agency_id, a.name AS agency_name, count(r) AS asked, count(s) AS answered,
       count(CASE WHEN s.shared THEN 1 END) AS shared,
       count(CASE WHEN s IS NOT NULL AND NOT s.shared THEN 1 END) AS declined,
       count(CASE WHEN s IS NOT NULL AND s.shared_at <= r.due_by THEN 1 END) AS in_time,
       percentileCont(hours, 0.5) AS median_hours, percentileCont(hours, 0.9) AS p90_hours
ORDER BY agency_name, agency_id
"""


@dataclass(frozen=True, slots=True)
class ManagerMonth:
    month: date
    manager_id: str
    manager_name: str | None
    approved: int
    rejected: int


@dataclass(frozen=True, slots=True)
class DecisionTimes:
    month: date
    requested: int
    decided: int
    within_hour: int
    median_minutes: float | None
    p90_minutes: float | None
    longest_minutes: float | None


@dataclass(frozen=True, slots=True)
class UrgencyRow:
    urgency: str
    contacts: int
    in_time: int
    late: int
    open: int


@dataclass(frozen=True, slots=True)
class PartnerRow:
    agency_id: str
    agency_name: str
    asked: int
    answered: int
    shared: int
    declined: int
    in_time: int
    median_hours: float | None
    p90_hours: float | None


def _month(text: str) -> date:
    return date.fromisoformat(text)


def overrides_by_manager(tx: ManagedTransaction, *, from_at: datetime, to_at: datetime) -> list[ManagerMonth]:
    return [
        ManagerMonth(
            month=_month(r["month"]), manager_id=r["manager_id"] or "", manager_name=r["manager_name"],
            approved=r["approved"], rejected=r["rejected"],
        )
        for r in tx.run(OVERRIDES_BY_MANAGER, from_at=from_at, to_at=to_at)
    ]


def override_decision_times(tx: ManagedTransaction, *, from_at: datetime, to_at: datetime) -> list[DecisionTimes]:
    return [
        DecisionTimes(
            month=_month(r["month"]), requested=r["requested"], decided=r["decided"], within_hour=r["within_hour"],
            median_minutes=r["median_minutes"], p90_minutes=r["p90_minutes"], longest_minutes=r["longest_minutes"],
        )
        for r in tx.run(OVERRIDE_DECISION_TIMES, from_at=from_at, to_at=to_at)
    ]


def contacts_by_urgency(tx: ManagedTransaction, *, from_at: datetime, to_at: datetime) -> list[UrgencyRow]:
    return [
        UrgencyRow(urgency=r["urgency"], contacts=r["contacts"], in_time=r["in_time"], late=r["late"], open=r["open"])
        for r in tx.run(CONTACTS_BY_URGENCY, from_at=from_at, to_at=to_at)
    ]


def partner_responses(tx: ManagedTransaction, *, from_at: datetime, to_at: datetime) -> list[PartnerRow]:
    return [
        PartnerRow(
            agency_id=r["agency_id"], agency_name=r["agency_name"] or r["agency_id"], asked=r["asked"],
            answered=r["answered"], shared=r["shared"], declined=r["declined"], in_time=r["in_time"],
            median_hours=r["median_hours"], p90_hours=r["p90_hours"],
        )
        for r in tx.run(PARTNER_RESPONSES, from_at=from_at, to_at=to_at)
    ]
