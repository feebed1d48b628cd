"""What one operation may ask for: a cost budget over the fields that do real work, and a
bound on every string written into the document.

Depth, alias and token limits bound the parser; they do not stop one operation from asking
fifteen times for the audit chain's verification or a fuzzy search. Each root field here
has a cost, aliases each pay again, and an operation over the budget is refused before
anything runs, with a message that says what to do.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    StringValueNode,
    ValidationContext,
)

# The relative cost of the root fields that read much or compute much; any other root
# field costs DEFAULT_COST.
FIELD_COSTS: dict[str, int] = {
    "verifyAudit": 20,
    "auditEvents": 5,
    "overrides": 5,
    "breakGlassReview": 5,
    "searchPeople": 5,
    "familyNetwork": 3,
    "contacts": 3,
    "workbook": 3,
    # Pages that open and audit what they show, like the queue.
    "overridesAwaitingDecision": 3,
    "informationRequestInbox": 3,
    "readsOfOurRecords": 3,
    # Reads everything held about one person and scans the audit chain for its disclosures.
    "produceSubjectAccessPack": 20,
}
DEFAULT_COST = 1
MAX_OPERATION_COST = 40
# A string literal in an operation's text: long enough for any free-text field the hub
# takes (each service bounds its own fields more tightly), short of a denial of service.
MAX_STRING_LITERAL = 50_000


class OperationCostLimit(ASTValidationRule):
    """Refuses an operation whose root fields (aliases counted each time) cost too much."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self._fragments: dict[str, FragmentDefinitionNode] = {
            definition.name.value: definition
            for definition in context.document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        cost = self._cost(node.selection_set.selections, seen=set())
        if cost > MAX_OPERATION_COST:
            self.report_error(
                GraphQLError(
                    f"This operation costs {cost}, more than the {MAX_OPERATION_COST} one operation may: "
                    "send its parts as separate requests.",
                    node,
                )
            )

    def _cost(self, selections: Any, *, seen: set[str]) -> int:
        total = 0
        for selection in selections:
            if isinstance(selection, FieldNode):
                total += FIELD_COSTS.get(selection.name.value, DEFAULT_COST)
            elif getattr(selection, "kind", "") == "inline_fragment":
                total += self._cost(selection.selection_set.selections, seen=seen)
            elif getattr(selection, "kind", "") == "fragment_spread":
                name = selection.name.value
                fragment = self._fragments.get(name)
                # A fragment spread twice at the root still costs twice; a cycle is
                # another rule's error, so it is not followed here.
                if fragment is not None and name not in seen:
                    total += self._cost(fragment.selection_set.selections, seen={*seen, name})
        return total


class StringLiteralLimit(ASTValidationRule):
    """Refuses a string literal longer than any field takes, before it is coerced or stored."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if len(node.value) > MAX_STRING_LITERAL:
            self.report_error(
                GraphQLError(f"A string is longer than the {MAX_STRING_LITERAL} characters allowed.", node)
            )
