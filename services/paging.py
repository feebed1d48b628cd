"""One way to page a list: a required bound, an opaque cursor, and the page itself.

A cursor is the position of the last item a page showed, written so a client treats it as
opaque: base64url of a small JSON array holding the codec version, the list it belongs
to and the position's parts. Reading one back checks each of those, so a cursor that was
altered, cut short, made up, or given out by another list is refused as `InvalidInput`,
never followed and never a failure of the hub's own. Changing how a list writes its
position means a new `VERSION`: cursors given out before then are refused, not misread.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from services.refusals import InvalidInput

VERSION = 1
# Far longer than any position this hub writes (a time and an id, a hundred characters of any
# script), and short enough that reading a cursor is never work.
MAX_CURSOR_LENGTH = 1024
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")

K = TypeVar("K")
S = TypeVar("S")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    # The cursor of the last item shown: pass it as `after` for the next page.
    end_cursor: str | None
    has_next_page: bool

    @staticmethod
    def empty() -> Page[S]:
        return Page(items=[], end_cursor=None, has_next_page=False)

    def showing(self, items: list[S]) -> Page[S]:
        """The same page, its items as a use case shows them (opened, checked, audited)."""
        return Page(items=items, end_cursor=self.end_cursor, has_next_page=self.has_next_page)


class Cursor(Generic[K]):
    """The cursor codec of one list: its name, and how a position is written and read back.

    `read` is given exactly as many parts as `write` gives and raises `ValueError` for any
    it cannot take; that, like any other fault in the cursor, is `InvalidInput`.
    """

    def __init__(
        self, list_name: str, *, write: Callable[[K], tuple[str, ...]], read: Callable[[tuple[str, ...]], K],
        parts: int,
    ) -> None:
        self._list_name = list_name
        self._write = write
        self._read = read
        self._parts = parts

    def encode(self, key: K) -> str:
        written = self._write(key)
        assert len(written) == self._parts, f"a {self._list_name} cursor has {self._parts} parts"
        text = json.dumps([VERSION, self._list_name, *written], separators=(",", ":"), ensure_ascii=False)
        cursor = base64.urlsafe_b64encode(text.encode()).decode("ascii").rstrip("=")
        # A cursor the codec would refuse to read back must never be given out.
        assert len(cursor) <= MAX_CURSOR_LENGTH, f"a {self._list_name} position is too long for a cursor"
        return cursor

    def decode(self, cursor: str) -> K | InvalidInput:
        parts = self._parts_of(cursor)
        if parts is None:
            return InvalidInput.unknown_cursor()
        try:
            return self._read(parts)
        except ValueError:
            return InvalidInput.unknown_cursor()

    def start(self, first: int, after: str | None, *, maximum: int) -> K | InvalidInput | None:
        """Where a page starts (None: at the beginning), or why the request is refused."""
        if refused := bound(first, maximum):
            return refused
        return None if after is None else self.decode(after)

    def page(self, rows: Sequence[T], first: int, key: Callable[[T], K]) -> Page[T]:
        """A page from `first + 1` rows read: the extra row, if any, says a next page exists."""
        shown = list(rows[:first])
        return Page(
            items=shown, end_cursor=self.encode(key(shown[-1])) if shown else None,
            has_next_page=len(rows) > first,
        )

    def _parts_of(self, cursor: str) -> tuple[str, ...] | None:
        if not 0 < len(cursor) <= MAX_CURSOR_LENGTH or not _BASE64URL.match(cursor):
            return None
        try:
            decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        if not isinstance(decoded, list) or len(decoded) != self._parts + 2:
            return None
        version, list_name, *parts = decoded
        if isinstance(version, bool) or version != VERSION or list_name != self._list_name:
            return None
        if not all(isinstance(part, str) and part for part in parts):
            return None
        return tuple(parts)


def bound(first: int, maximum: int) -> InvalidInput | None:
    """Why a page size is refused, if it is: every list has a required bound."""
    return None if 1 <= first <= maximum else InvalidInput.page_size(maximum)


def aware_time(text: str) -> datetime:
    """A time from a cursor part; one without its zone is no position this hub wrote."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("a cursor time carries its zone")
    return moment
