"""Where the family network draws each person: generations in rows, households side by side."""

from __future__ import annotations

from itertools import pairwise

from web.network_layout import COLUMN, Tie, generations, positions

# Grandmother, mother and her partner, the child and her half-brother, an uncle; the child's
# father lives elsewhere; a neighbour caring for the child has no generation of their own.
PEOPLE = ["gran", "mum", "partner", "child", "brother", "uncle", "dad", "carer"]
TIES = [
    Tie("mum", "child", "PARENT_OF", None), Tie("mum", "brother", "PARENT_OF", None),
    Tie("dad", "child", "PARENT_OF", None), Tie("partner", "brother", "PARENT_OF", None),
    Tie("mum", "partner", "PARTNER_OF", None), Tie("child", "brother", "SIBLING_OF", "half"),
    Tie("child", "gran", "RELATIVE_OF", "grandparent"), Tie("child", "uncle", "RELATIVE_OF", "aunt_or_uncle"),
    Tie("carer", "child", "CARER_OF", None),
]
HOME = {"mum": "h1", "partner": "h1", "child": "h1", "brother": "h1", "dad": "h2", "gran": "h3"}


def test_each_generation_is_a_row_the_eldest_first() -> None:
    found = generations(PEOPLE, TIES, "child")

    assert found == {"gran": 0, "mum": 1, "partner": 1, "uncle": 1, "dad": 1, "child": 2, "brother": 2, "carer": 2}


def test_a_households_people_are_side_by_side_and_no_other_household_overlaps_them() -> None:
    placed = positions(PEOPLE, TIES, "child", HOME)

    def span(members: list[str]) -> tuple[float, float]:
        xs = [placed[m]["x"] for m in members]
        return min(xs), max(xs)

    blocks = [span([p for p in PEOPLE if HOME.get(p) == h]) for h in ("h1", "h2", "h3")]
    blocks.append(span([p for p in PEOPLE if p not in HOME]))
    blocks.sort()
    for (_, right), (left, _) in pairwise(blocks):
        assert left - right > COLUMN  # a household's box never reaches into the next
    assert placed["child"]["y"] == placed["brother"]["y"] > placed["mum"]["y"] > placed["gran"]["y"]
    assert len({(p["x"], p["y"]) for p in placed.values()}) == len(PEOPLE)


def test_the_same_network_is_drawn_the_same_way_every_time() -> None:
    assert positions(PEOPLE, TIES, "child", HOME) == positions(list(PEOPLE), list(TIES), "child", dict(HOME))


def test_a_tie_to_someone_outside_the_network_is_no_reason_to_fail() -> None:
    found = generations(["child"], [Tie("child", "hidden", "RELATIVE_OF", "grandparent")], "child")

    assert found == {"child": 0}
