"""The Cypher access fragments and the policy agree, and the queries that decide access use them."""

from __future__ import annotations

import re

from graph import access, access_rules, network, search
from policies import PREFERENCE, Basis


def test_the_cypher_preference_follows_the_policys_with_existence_last() -> None:
    chosen = re.findall(r"THEN '([A-Z_]+)'", access_rules.CHOOSE_BASIS)

    assert chosen == [basis.value for basis in (*PREFERENCE, Basis.EXISTENCE)]


def test_the_content_bases_are_the_preference_without_existence() -> None:
    assert tuple(basis.value for basis in PREFERENCE) == access_rules.CONTENT_BASES


def test_every_query_that_decides_access_composes_the_one_set_of_fragments() -> None:
    deciding = {
        "family network": network.FAMILY_NETWORK,
        "family network, its caller confirmed": network.FAMILY_NETWORK_FOR_CURRENT_CALLER,
        "record facts": access.RECORD_FACTS,
        "child facts": access.CHILD_FACTS,
        "people search": search.SEARCH_PEOPLE,
    }
    for name, query in deciding.items():
        assert access_rules.SHUT_OUT in query, name
        assert access_rules.RELATIONSHIP in query, name
        assert access_rules.CONSENTS in query and access_rules.OVERRIDES in query, name
        assert access_rules.BREAK_GLASS in query, name
    for name in ("family network", "family network, its caller confirmed", "people search"):
        assert access_rules.CHOOSE_BASIS in deciding[name], name

