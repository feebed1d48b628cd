"""Free text and names: bounded by kind of field, no characters that hide or forge, nothing written when refused."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver

from devtools import demo_city
from services.text import MAX_LONG_TEXT, MAX_NAME, MAX_SHORT_TEXT
from tests.api.client import Hub
from tests.api.test_front_door import contact_input, record_contact, stored

RECORD_CONSENT = """
mutation($input: RecordConsentInput!) { recordConsent(input: $input) { __typename ... on Refusal { message } } }
"""


def contacts(driver: Driver) -> int:
    return int(stored(driver, "MATCH (c:Contact) RETURN count(c) AS n")[0]["n"])


class TestNames:
    @pytest.mark.parametrize(
        ("given_name", "why"),
        [
            ("Ali\u202e", "an RTL override"),
            ("Ali\x00", "a NUL"),
            ("Ali\u2066ce", "a bidi isolate"),
            ("A\u200fli", "a right-to-left mark"),
            ("Ali\nce", "a line break"),
            ("A" * (MAX_NAME + 1), "too long"),
        ],
    )
    def test_a_new_childs_name_that_could_hide_or_forge_is_refused_and_nothing_is_written(
        self, hub: Hub, graph_db: Driver, given_name: str, why: str
    ) -> None:
        before = contacts(graph_db)

        result = record_contact(hub, childId=None, newChild={"givenName": given_name, "familyName": "Marsh"})

        assert result["__typename"] == "InvalidInput", why
        assert contacts(graph_db) == before
        assert stored(graph_db, "MATCH (p:Person) WHERE p.given_name STARTS WITH 'A' AND p.family_name = 'Marsh' "
                                "AND size(p.given_name) > 3 RETURN p.id AS id") == []

    def test_an_ordinary_name_with_accents_apostrophes_and_hyphens_is_taken(self, hub: Hub) -> None:
        result = record_contact(hub, childId=None, newChild={"givenName": "Zoë-Anne", "familyName": "O'Brien"})

        assert result["__typename"] == "Contact"

    def test_a_referrer_name_with_a_direction_override_is_refused(self, hub: Hub) -> None:
        referrer = {"kind": "PUBLIC", "name": "Neighbour\u202egnp.exe", "relationship": "neighbour"}

        assert record_contact(hub, referrer=referrer)["__typename"] == "InvalidInput"


class TestFreeText:
    def test_a_concern_keeps_its_line_breaks_and_tabs(self, hub: Hub) -> None:
        concern = "Shouting heard.\n\tThree nights running.\r\nChild crying."

        result = record_contact(hub, concern=concern)

        assert result["__typename"] == "Contact" and result["concern"] == concern

    @pytest.mark.parametrize(("concern", "message"), [
        ("x" * (MAX_LONG_TEXT + 1), f"the concern is longer than {MAX_LONG_TEXT} characters"),
        ("Shouting heard\x07 late", "the concern contains control or direction-changing characters"),
    ])
    def test_a_concern_too_long_or_with_control_characters_is_refused_with_the_reason(
        self, hub: Hub, graph_db: Driver, concern: str, message: str
    ) -> None:
        before = contacts(graph_db)

        result: dict[str, Any] = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID,
            "mutation($input: RecordContactInput!) { recordContact(input: $input) "
            "{ __typename ... on Refusal { message } } }",
            input=contact_input(concern=concern),
        )["recordContact"]

        assert result == {"__typename": "InvalidInput", "message": message}
        assert contacts(graph_db) == before

    def test_a_consents_purpose_over_its_bound_is_refused(self, hub: Hub, graph_db: Driver) -> None:
        result = hub.graphql(
            demo_city.MASH_SOCIAL_WORKER_ID, RECORD_CONSENT,
            input={"childId": demo_city.DEMO_FAMILY_CHILD_ID, "givenBy": demo_city.DEMO_MOTHER_ID, "scope": "FULL",
                   "purpose": "p" * (MAX_SHORT_TEXT + 1), "method": "in person"},
        )["recordConsent"]

        assert result["__typename"] == "InvalidInput"
        assert stored(graph_db, "MATCH (k:Consent) RETURN k.id AS id") == []
