"""What free text the hub takes: one bound per kind of field, and no characters that hide or forge.

A name is shown in lists, headings and audit reviews: a control character or a bidi
override in it can hide part of the name or make it read as another (an RTL override turns
"Ali" and "ilA" into one another on screen). Free text keeps line breaks and tabs, never
NUL, other control characters or bidi overrides. Every service that stores text asks here.
"""

from __future__ import annotations

import unicodedata

MAX_NAME = 100
# A referrer's relationship, a consent's purpose and method, a reason or a note.
MAX_SHORT_TEXT = 1_000
# A concern, a rationale, what a partner shares: a case note's length.
MAX_LONG_TEXT = 20_000

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_KEPT_IN_TEXT = frozenset("\n\r\t")


def _hides_or_forges(value: str, *, keep: frozenset[str]) -> bool:
    return any(
        char in _BIDI_CONTROLS or (unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} and char not in keep)
        for char in value
    )


def name_problem(label: str, value: str | None) -> str | None:
    """Why `value` cannot be stored as a name, or None; an absent name is the caller's to require."""
    if value is None:
        return None
    if len(value) > MAX_NAME:
        return f"{label} is longer than {MAX_NAME} characters"
    if _hides_or_forges(value, keep=frozenset()):
        return f"{label} contains control or direction-changing characters"
    return None


def text_problem(label: str, value: str | None, *, limit: int = MAX_SHORT_TEXT) -> str | None:
    """Why `value` cannot be stored as free text, or None."""
    if value is None:
        return None
    if len(value) > limit:
        return f"{label} is longer than {limit} characters"
    if _hides_or_forges(value, keep=_KEPT_IN_TEXT):
        return f"{label} contains control or direction-changing characters"
    return None


def first_problem(*problems: str | None) -> str | None:
    return next((problem for problem in problems if problem is not None), None)
