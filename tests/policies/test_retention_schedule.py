"""The retention schedule as data: the shipped file loads, its revision is its content, and a
malformed line is refused whole, naming the line and what is wrong with it."""

from __future__ import annotations

import hashlib

import pytest

from policies.retention import (
    RETENTION_PATH,
    CountedFrom,
    RecordKind,
    RetentionError,
    load_schedule,
    parse_schedule,
)

HEADER = b"# a comment, then a blank line\n\n"
GOOD = b"contact_nfa, contact, NO_FURTHER_ACTION, 3, decided\n"


class TestTheShippedSchedule:
    def test_it_loads_with_its_revision_the_sha256_of_the_file(self) -> None:
        schedule = load_schedule()

        assert schedule.revision == hashlib.sha256(RETENTION_PATH.read_bytes()).hexdigest()
        assert schedule.text == RETENTION_PATH.read_text(encoding="utf-8")

    def test_no_further_action_goes_after_three_years_and_a_workbook_when_the_youngest_is_25(self) -> None:
        schedule = load_schedule()
        rules = {(rule.record, rule.applies_to): rule for rule in schedule.rules}

        nfa = rules[(RecordKind.CONTACT, "NO_FURTHER_ACTION")]
        assert (nfa.keep_years, nfa.counted_from) == (3, CountedFrom.DECIDED)
        workbook = rules[(RecordKind.WORKBOOK, "*")]
        assert (workbook.keep_years, workbook.counted_from) == (25, CountedFrom.BIRTH)
        assert rules[(RecordKind.CHILD, "*")].keep_years == 25

    def test_as_the_queries_take_it_by_kind_then_by_what_it_applies_to(self) -> None:
        parameters = parse_schedule(HEADER + GOOD).as_parameters()

        assert parameters == {
            "contact": {"NO_FURTHER_ACTION": {"rule": "contact_nfa", "years": 3, "counted_from": "decided"}},
            "agency_record": {}, "workbook": {}, "child": {},
        }


class TestARevision:
    def test_changes_with_any_change_to_the_file(self) -> None:
        assert parse_schedule(GOOD).revision != parse_schedule(GOOD.replace(b"3,", b"4,")).revision
        assert parse_schedule(GOOD).revision != parse_schedule(b"# a new comment\n" + GOOD).revision


class TestAMalformedLine:
    @pytest.mark.parametrize(("line", "says"), [
        ("contact_nfa, contact, NO_FURTHER_ACTION, 3", "a rule has 5 fields"),
        ("contact_nfa, contact, NO_FURTHER_ACTION, 3, decided, extra", "a rule has 5 fields"),
        ("contact nfa, contact, NO_FURTHER_ACTION, 3, decided", "is not letters, digits and underscores"),
        ("contact_nfa, contacts, NO_FURTHER_ACTION, 3, decided", "unknown record 'contacts'"),
        ("contact_nfa, contact, NO_FURTHER_ACTON, 3, decided", "a contact rule applies to * or one of"),
        ("record_x, agency_record, NO_FURTHER_ACTION, 3, recorded", "a agency_record rule applies to"),
        ("workbook_x, workbook, PLAN, 25, birth", "a workbook rule applies to *, not 'PLAN'"),
        ("contact_nfa, contact, NO_FURTHER_ACTION, three, decided", "keep_years is a whole number"),
        ("contact_nfa, contact, NO_FURTHER_ACTION, -1, decided", "keep_years is a whole number"),
        ("contact_nfa, contact, NO_FURTHER_ACTION, 3000, decided", "keep_years is a whole number"),
        ("contact_nfa, contact, NO_FURTHER_ACTION, 3, recorded", "a contact is counted from birth, decided"),
        ("child_x, child, *, 25, decided", "a child is counted from birth, not 'decided'"),
    ])
    def test_is_refused_naming_its_line_and_the_fault(self, line: str, says: str) -> None:
        with pytest.raises(RetentionError) as refused:
            parse_schedule(HEADER + GOOD + line.encode() + b"\n")

        assert str(refused.value).startswith("retention.csv line 4: ")
        assert says in str(refused.value)

    def test_two_rules_for_one_outcome_are_refused(self) -> None:
        with pytest.raises(RetentionError, match="two rules apply to contact NO_FURTHER_ACTION"):
            parse_schedule(GOOD + b"contact_nfa_again, contact, NO_FURTHER_ACTION, 6, decided\n")

    def test_one_name_for_two_rules_is_refused(self) -> None:
        with pytest.raises(RetentionError, match="the rule 'contact_nfa' is written twice"):
            parse_schedule(GOOD + b"contact_nfa, contact, *, 6, decided\n")

    def test_a_file_that_is_not_utf8_is_refused(self) -> None:
        with pytest.raises(RetentionError, match="not UTF-8"):
            parse_schedule(GOOD + b"\xff\xfe\n")
