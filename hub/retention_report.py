"""What `hub retention` prints: the things due (a dry run) or erased, as text or as JSON.

Ids, kinds, rules and dates only: nothing the hub sealed is ever read to print this.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from enum import StrEnum

from graph.retention import DueItem, Tombstone
from services.retention import ErasureRun, Method


class AsOfRefused(Exception):
    """--as-of cannot be used as given; the message says why, in one line."""


def as_of(text: str, *, apply: bool, now: datetime) -> datetime:
    """The instant the schedule is applied at: the start of the day given (UTC), or `now`."""
    if not text:
        return now
    try:
        moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
    except ValueError as error:
        raise AsOfRefused(f"--as-of is a day, like 2031-04-01, not {text!r}") from error
    # A later day shows what will fall due; erasing it now would erase before its time.
    if apply and moment.date() > now.date():
        raise AsOfRefused("--apply erases what is due now: a later --as-of only shows what will be due")
    return moment


def now() -> datetime:
    return datetime.now(UTC)


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def _due_row(item: DueItem) -> dict[str, str]:
    return {
        "kind": item.kind, "id": item.id, "scope_id": item.scope_id, "rule": item.rule,
        "due_on": item.due_on.isoformat(),
    }


def _erased_row(tombstone: Tombstone) -> dict[str, str]:
    return {
        "kind": tombstone.kind, "id": tombstone.record_id, "scope_id": tombstone.scope_id, "rule": tombstone.rule,
        "due_on": tombstone.due_on.isoformat(), "method": tombstone.method, "erasure_id": tombstone.id,
    }


def dry_run(items: list[DueItem], *, as_of: datetime, revision: str, form: ReportFormat) -> str:
    if form is ReportFormat.JSON:
        return json.dumps({
            "applied": False, "as_of": as_of.isoformat(), "schedule_revision": revision,
            "due": [_due_row(item) for item in items],
        }, indent=2)
    lines = [
        f"dry run: nothing was erased. As of {as_of.date().isoformat()}, under schedule {revision[:12]}, "
        f"{len(items)} {'thing is' if len(items) == 1 else 'things are'} due"
        + (":" if items else "."),
    ]
    lines += [
        f"  {item.kind:<14} {item.id:<44} scope {item.scope_id:<20} {item.rule} (due {item.due_on.isoformat()})"
        for item in items
    ]
    if items:
        lines.append("Run again with --apply to erase them.")
    return "\n".join(lines)


def applied(run: ErasureRun, *, as_of: datetime, form: ReportFormat) -> str:
    if form is ReportFormat.JSON:
        return json.dumps({
            "applied": True, "as_of": as_of.isoformat(), "schedule_revision": run.schedule_revision,
            "erased": [_erased_row(tombstone) for tombstone in run.erased],
        }, indent=2)
    methods = Counter(tombstone.method for tombstone in run.erased)
    lines = [
        f"erased {len(run.erased)} under schedule {run.schedule_revision[:12]}: "
        f"{methods[Method.SCOPE_SHREDDED]} data keys destroyed, "
        f"{methods[Method.FIELDS_REMOVED]} records' content removed; each is in the audit chain as retention.erased",
    ]
    lines += [
        f"  {t.kind:<14} {t.record_id:<44} scope {t.scope_id:<20} {t.rule} ({t.method.lower().replace('_', ' ')})"
        for t in run.erased
    ]
    return "\n".join(lines)
