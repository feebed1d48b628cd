"""Where each person of a family network is drawn: generations in rows, as a genogram has them,
and each household's members side by side, so a household's box holds only its own people.

Computed here, from the relationships the page lists, so the drawing is the same on every
visit and for every browser (a force-directed layout starts from random positions).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# How many generations down the relationship's target is from its source. A relative's kind
# says what the target is to the source (a child's grandparent is two generations up).
_GENERATIONS_DOWN: dict[tuple[str, str | None], int] = {
    ("PARENT_OF", None): 1,
    ("SIBLING_OF", None): 0,
    ("PARTNER_OF", None): 0,
    ("RELATIVE_OF", "grandparent"): -2,
    ("RELATIVE_OF", "aunt_or_uncle"): -1,
    ("RELATIVE_OF", "step_parent"): -1,
    ("RELATIVE_OF", "cousin"): 0,
}
COLUMN = 150  # a label is at most 120 wide
ROW = 150
HOUSEHOLD_GAP = 70  # room for the household box's padding and its address


@dataclass(frozen=True, slots=True)
class Tie:
    from_id: str
    to_id: str
    type: str
    kind: str | None


def generations(people: Iterable[str], ties: Iterable[Tie], subject_id: str) -> dict[str, int]:
    """Each person's generation, 0 the eldest drawn; a person no tie places shares the subject's."""
    steps: dict[str, list[tuple[str, int]]] = {}
    for tie in ties:
        down = _GENERATIONS_DOWN.get((tie.type, tie.kind if tie.type == "RELATIVE_OF" else None))
        if down is None:  # a carer can be of any generation, a family friend too
            continue
        steps.setdefault(tie.from_id, []).append((tie.to_id, down))
        steps.setdefault(tie.to_id, []).append((tie.from_id, -down))
    everyone = list(people)
    found: dict[str, int] = {}
    for start in [subject_id, *everyone]:
        if start in found:
            continue
        found[start] = found.get(subject_id, 0)
        queue = deque([start])
        while queue:
            person = queue.popleft()
            for other, down in steps.get(person, []):
                if other not in found:
                    found[other] = found[person] + down
                    queue.append(other)
    eldest = min((found[person] for person in everyone), default=0)
    return {person: found[person] - eldest for person in everyone}


def positions(
    people: Iterable[str], ties: Iterable[Tie], subject_id: str, home: Mapping[str, str],
) -> dict[str, dict[str, float]]:
    """Each person's point: rows by generation; households in blocks, the subject's first, then
    each other in the order its first member is listed, people in no current household last."""
    everyone = list(people)
    generation = generations(everyone, list(ties), subject_id)
    blocks: dict[str | None, list[str]] = {home.get(subject_id): []}
    for person in everyone:
        blocks.setdefault(home.get(person), []).append(person)
    homeless = blocks.pop(None, [])
    ordered = [*blocks.values(), *([homeless] if homeless else [])]
    found: dict[str, dict[str, float]] = {}
    left = 0.0
    for members in ordered:
        rows: dict[int, list[str]] = {}
        for person in members:
            rows.setdefault(generation[person], []).append(person)
        width = max((len(row) for row in rows.values()), default=0)
        for level, row in rows.items():
            # The subject in the middle of its row, its brothers and sisters either side.
            if subject_id in row:
                row.remove(subject_id)
                row.insert(len(row) // 2, subject_id)
            indent = (width - len(row)) / 2
            for column, person in enumerate(row):
                found[person] = {"x": left + (indent + column) * COLUMN, "y": level * ROW}
        left += width * COLUMN + HOUSEHOLD_GAP
    return found
