"""The GraphQL contract is committed: a change to the schema shows in review as a change to schema.graphql."""

from __future__ import annotations

from api.graphql.schema import printed_schema
from config.settings import PROJECT_ROOT


def test_the_built_schema_is_the_committed_one() -> None:
    committed = (PROJECT_ROOT / "schema.graphql").read_text(encoding="utf-8")

    # To accept a change on purpose: `hub schema > schema.graphql`, and review the diff.
    assert printed_schema() == committed
