"""The one cursor codec: a cursor reads back as the position it was made from, and nothing
else reads back at all. No Neo4j is needed: a cursor is text."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.paging import MAX_CURSOR_LENGTH, VERSION, Cursor, Page, aware_time, bound
from services.refusals import InvalidInput

Key = tuple[datetime, str]

QUEUE: Cursor[Key] = Cursor(
    "queue", write=lambda key: (key[0].isoformat(), key[1]), read=lambda parts: (aware_time(parts[0]), parts[1]),
    parts=2,
)
OTHER: Cursor[Key] = Cursor(
    "other", write=lambda key: (key[0].isoformat(), key[1]), read=lambda parts: (aware_time(parts[0]), parts[1]),
    parts=2,
)
KEY = (datetime(2026, 1, 5, 9, 30, 0, 123456, tzinfo=UTC), "contact-1|with a bar")


def written(*values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


class TestACursorReadsBackAsItsPosition:
    def test_round_trip(self) -> None:
        assert QUEUE.decode(QUEUE.encode(KEY)) == KEY

    def test_a_cursor_is_opaque_text_safe_in_a_url(self) -> None:
        cursor = QUEUE.encode(KEY)

        assert cursor.isascii() and "=" not in cursor and "|" not in cursor and "contact-1" not in cursor

    @given(st.text(min_size=1, max_size=100), st.datetimes(timezones=st.just(UTC)))
    def test_any_position_survives(self, identifier: str, moment: datetime) -> None:
        assert QUEUE.decode(QUEUE.encode((moment, identifier))) == (moment, identifier)


class TestEveryOtherTextIsRefused:
    @pytest.mark.parametrize("cursor", [
        "",
        "not a cursor",
        "bm90LWEtY3Vyc29y",  # base64 of not-a-cursor
        written(VERSION, "queue", "2026-01-05T09:30:00+00:00"),  # a part short
        written(VERSION, "queue", "2026-01-05T09:30:00+00:00", "c-1", "extra"),
        written(VERSION + 1, "queue", "2026-01-05T09:30:00+00:00", "c-1"),  # another version
        written(True, "queue", "2026-01-05T09:30:00+00:00", "c-1"),
        written(VERSION, "queue", "2026-01-05T09:30:00", "c-1"),  # a time without its zone
        written(VERSION, "queue", "yesterday", "c-1"),
        written(VERSION, "queue", "2026-01-05T09:30:00+00:00", ""),
        written(VERSION, "queue", "2026-01-05T09:30:00+00:00", 7),
        written({"version": VERSION}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "A" * (MAX_CURSOR_LENGTH + 1),
    ])
    def test_malformed_cursors(self, cursor: str) -> None:
        assert QUEUE.decode(cursor) == InvalidInput.unknown_cursor()

    def test_a_cursor_from_another_list(self) -> None:
        assert QUEUE.decode(OTHER.encode(KEY)) == InvalidInput.unknown_cursor()

    def test_an_altered_cursor(self) -> None:
        cursor = QUEUE.encode(KEY)
        altered = cursor[:5] + ("A" if cursor[5] != "A" else "B") + cursor[6:]

        assert QUEUE.decode(altered) != KEY

    @given(st.text(max_size=MAX_CURSOR_LENGTH + 10))
    def test_no_text_makes_decoding_fail(self, cursor: str) -> None:
        decoded = QUEUE.decode(cursor)

        assert decoded == InvalidInput.unknown_cursor() or isinstance(decoded, tuple)


class TestWhereAPageStarts:
    @pytest.mark.parametrize("first", [0, -1, 101])
    def test_a_bound_out_of_range_is_refused(self, first: int) -> None:
        assert bound(first, 100) == InvalidInput.page_size(100)
        assert QUEUE.start(first, None, maximum=100) == InvalidInput.page_size(100)

    def test_no_cursor_is_the_beginning(self) -> None:
        assert QUEUE.start(1, None, maximum=100) is None

    def test_a_cursor_is_where_the_last_page_ended(self) -> None:
        assert QUEUE.start(100, QUEUE.encode(KEY), maximum=100) == KEY


class TestAPage:
    rows = [(datetime(2026, 1, day, tzinfo=UTC), f"c-{day}") for day in (1, 2, 3)]

    def test_the_row_read_beyond_the_page_says_another_follows(self) -> None:
        page = QUEUE.page(self.rows, 2, lambda row: row)

        assert page.items == self.rows[:2] and page.has_next_page
        assert page.end_cursor is not None and QUEUE.decode(page.end_cursor) == self.rows[1]

    def test_the_last_page(self) -> None:
        page = QUEUE.page(self.rows, 3, lambda row: row)

        assert (page.items, page.has_next_page) == (self.rows, False)

    def test_an_empty_page_has_no_cursor(self) -> None:
        empty: list[Key] = []

        assert QUEUE.page(empty, 3, lambda row: row) == Page(items=[], end_cursor=None, has_next_page=False)
