"""The retention schedule as data (retention.csv beside policy.csv) and the loader that checks it.

Like the access policy, the schedule is read whole and refused whole: a line that names an
unknown record, outcome, category or anchor, or two lines for the same thing, would
otherwise silently keep a record for ever or erase it early. Its revision is a SHA-256 of
the file's bytes, so every erasure can name exactly which schedule it was made under.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypedDict

from graph.contacts import Outcome
from graph.model import RecordCategory

RETENTION_PATH = Path(__file__).resolve().parent / "retention.csv"
ANY = "*"
_COLUMNS = ("rule", "record", "applies_to", "keep_years", "counted_from")
# Far beyond any retention period in use; a larger number is a typing slip, not a schedule.
MAX_YEARS = 150


class RetentionError(Exception):
    """retention.csv cannot be used as written; the message names the line and what is wrong."""


class RecordKind(StrEnum):
    CONTACT = "contact"
    AGENCY_RECORD = "agency_record"
    WORKBOOK = "workbook"
    # The child's own scope: its data key, with everything sealed under it.
    CHILD = "child"


class CountedFrom(StrEnum):
    DECIDED = "decided"
    RECORDED = "recorded"
    BIRTH = "birth"


# What each kind of record may be matched on and counted from.
_APPLIES_TO: dict[RecordKind, frozenset[str]] = {
    RecordKind.CONTACT: frozenset(outcome.value for outcome in Outcome),
    RecordKind.AGENCY_RECORD: frozenset(category.value for category in RecordCategory),
    RecordKind.WORKBOOK: frozenset(),
    RecordKind.CHILD: frozenset(),
}
_ANCHORS: dict[RecordKind, frozenset[CountedFrom]] = {
    RecordKind.CONTACT: frozenset({CountedFrom.DECIDED, CountedFrom.BIRTH}),
    RecordKind.AGENCY_RECORD: frozenset({CountedFrom.RECORDED, CountedFrom.BIRTH}),
    RecordKind.WORKBOOK: frozenset({CountedFrom.BIRTH}),
    RecordKind.CHILD: frozenset({CountedFrom.BIRTH}),
}


@dataclass(frozen=True, slots=True)
class RetentionRule:
    rule: str
    record: RecordKind
    applies_to: str
    keep_years: int
    counted_from: CountedFrom


class RuleParameter(TypedDict):
    rule: str
    years: int
    counted_from: str


@dataclass(frozen=True, slots=True)
class RetentionSchedule:
    rules: tuple[RetentionRule, ...]
    revision: str
    text: str

    def rule(self, name: str) -> RetentionRule:
        return next(rule for rule in self.rules if rule.rule == name)

    def as_parameters(self) -> dict[str, dict[str, RuleParameter]]:
        """The rules as the graph's queries take them: by record kind, then by what they apply to."""
        found: dict[str, dict[str, RuleParameter]] = {kind.value: {} for kind in RecordKind}
        for rule in self.rules:
            found[rule.record.value][rule.applies_to] = RuleParameter(
                rule=rule.rule, years=rule.keep_years, counted_from=rule.counted_from.value,
            )
        return found


def load_schedule(path: Path = RETENTION_PATH) -> RetentionSchedule:
    return parse_schedule(path.read_bytes())


def parse_schedule(content: bytes) -> RetentionSchedule:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RetentionError("the retention schedule is not UTF-8 text") from error
    rules: list[RetentionRule] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        rules.append(_rule(number, line))
    _check_unique(rules)
    return RetentionSchedule(rules=tuple(rules), revision=hashlib.sha256(content).hexdigest(), text=text)


def _rule(number: int, line: str) -> RetentionRule:
    fields = [field.strip() for field in next(csv.reader([line], skipinitialspace=True))]
    where = f"retention.csv line {number}"
    if len(fields) != len(_COLUMNS):
        raise RetentionError(f"{where}: a rule has {len(_COLUMNS)} fields ({', '.join(_COLUMNS)}), not {len(fields)}")
    name, record_text, applies_to, years_text, anchor_text = fields
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise RetentionError(f"{where}: the rule's name {name!r} is not letters, digits and underscores")
    try:
        record = RecordKind(record_text)
    except ValueError:
        raise RetentionError(
            f"{where}: unknown record {record_text!r} (one of {', '.join(kind.value for kind in RecordKind)})"
        ) from None
    if applies_to != ANY and applies_to not in _APPLIES_TO[record]:
        allowed = "*" if not _APPLIES_TO[record] else "* or one of " + ", ".join(sorted(_APPLIES_TO[record]))
        raise RetentionError(f"{where}: a {record.value} rule applies to {allowed}, not {applies_to!r}")
    if not years_text.isdigit() or not 0 <= int(years_text) <= MAX_YEARS:
        raise RetentionError(
            f"{where}: keep_years is a whole number of years from 0 to {MAX_YEARS}, not {years_text!r}"
        )
    try:
        anchor = CountedFrom(anchor_text)
    except ValueError:
        anchor = None
    if anchor not in _ANCHORS[record]:
        allowed = ", ".join(sorted(a.value for a in _ANCHORS[record]))
        raise RetentionError(f"{where}: a {record.value} is counted from {allowed}, not {anchor_text!r}")
    assert anchor is not None
    return RetentionRule(
        rule=name, record=record, applies_to=applies_to, keep_years=int(years_text), counted_from=anchor,
    )


def _check_unique(rules: list[RetentionRule]) -> None:
    names: set[str] = set()
    covered: set[tuple[RecordKind, str]] = set()
    for rule in rules:
        if rule.rule in names:
            raise RetentionError(f"the rule {rule.rule!r} is written twice")
        if (rule.record, rule.applies_to) in covered:
            raise RetentionError(
                f"two rules apply to {rule.record.value} {rule.applies_to}: which one holds is unclear"
            )
        names.add(rule.rule)
        covered.add((rule.record, rule.applies_to))
