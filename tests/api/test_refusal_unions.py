"""Every refusal a service may return is a member of the GraphQL union its resolver answers with.

The services name their refusals in their return annotations; the resolvers' unions name
the GraphQL types. Read both, and hold each pair together through the one mapping
(`api.graphql.refusals.shown_as`): a service that gains a refusal its union lacks fails
here, rather than as an unresolvable type at run time. No Neo4j is needed: this reads
types, not data.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeGuard, Union, cast, get_args, get_origin, get_type_hints

import pytest
from graphql import GraphQLObjectType, GraphQLSchema, GraphQLUnionType, get_named_type
from strawberry.types.base import get_object_definition

from api.graphql.refusals import refusal, shown_as
from api.graphql.schema import build_schema
from api.graphql.shared import Refusal
from services import refusals
from services.audit_review import AuditorService
from services.caseload import CaseloadService
from services.composition import Services
from services.consent import ConsentService
from services.contacts import ContactService
from services.disclosures import DisclosureService
from services.grants import GrantService
from services.management_information import ManagementInformationService
from services.replay import ReplayService
from services.retention import RetentionService
from services.search import SearchService
from services.subject_access import SubjectAccessService
from services.workbook import WorkbookService
from services.workforce import WorkforceService
from services.worklists import WorklistService

# (root type, field) -> the service method its resolver calls.
RESOLVED_BY: dict[tuple[str, str], Callable[..., object]] = {
    ("Query", "consents"): ConsentService.consents,
    ("Query", "consentOverride"): ConsentService.override,
    ("Mutation", "recordConsent"): ConsentService.record_consent,
    ("Mutation", "withdrawConsent"): ConsentService.withdraw_consent,
    ("Mutation", "requestOverride"): ConsentService.request_override,
    ("Mutation", "approveOverride"): ConsentService.decide_override,
    ("Mutation", "rejectOverride"): ConsentService.decide_override,
    ("Mutation", "revokeOverride"): ConsentService.revoke_override,
    ("Query", "contacts"): ContactService.contacts,
    ("Query", "contact"): ContactService.contact,
    ("Query", "contactDecisionsAwaitingAgreement"): ContactService.decisions_awaiting_agreement,
    ("Query", "informationRequest"): ContactService.information_request,
    ("Mutation", "recordContact"): ContactService.record_contact,
    ("Mutation", "requestInformation"): ContactService.request_information,
    ("Mutation", "shareInformation"): ContactService.share_information,
    ("Mutation", "declineToShare"): ContactService.decline_to_share,
    ("Mutation", "decideContact"): ContactService.decide_contact,
    ("Mutation", "proposeContactDecision"): ContactService.propose_decision,
    ("Mutation", "agreeContactDecision"): ContactService.agree_decision,
    ("Mutation", "sendBackContactDecision"): ContactService.send_back_decision,
    ("Query", "searchPeople"): SearchService.search_people,
    ("Query", "overrides"): AuditorService.overrides,
    ("Query", "auditEvents"): AuditorService.audit_events,
    ("Query", "verifyAudit"): AuditorService.verify,
    ("Query", "networkAsOf"): ReplayService.network_as_of,
    ("Query", "explainAccessAsOf"): ReplayService.explain_as_of,
    ("Query", "workbook"): WorkbookService.workbook,
    ("Mutation", "addWorkbookEntry"): WorkbookService.add_entry,
    ("Mutation", "amendWorkbookEntry"): WorkbookService.amend_entry,
    ("Mutation", "signOffSupervision"): WorkbookService.sign_off_supervision,
    ("Query", "breakGlassUses"): GrantService.uses_for_child,
    ("Query", "breakGlassReview"): GrantService.review,
    ("Mutation", "breakGlass"): GrantService.break_glass,
    ("Mutation", "restrictChild"): GrantService.restrict_child,
    ("Query", "overridesAwaitingDecision"): WorklistService.overrides_awaiting_decision,
    ("Query", "informationRequestInbox"): WorklistService.information_request_inbox,
    ("Mutation", "addProfessional"): WorkforceService.add_professional,
    ("Mutation", "changeProfessional"): WorkforceService.change_professional,
    ("Mutation", "deactivateProfessional"): WorkforceService.deactivate_professional,
    ("Mutation", "allocateChild"): WorkforceService.allocate_child,
    ("Mutation", "deallocateChild"): WorkforceService.deallocate_child,
    ("Mutation", "produceSubjectAccessPack"): SubjectAccessService.produce,
    ("Query", "readsOfOurRecords"): DisclosureService.reads_of_our_records,
    ("Query", "erasures"): RetentionService.erasures,
}

# Service methods that refuse but have no GraphQL resolver, each with the face that calls it.
NOT_IN_GRAPHQL: dict[Callable[..., object], str] = {
    AuditorService.record_export: "REST: GET /audit/export",
    AuditorService.override: "pages: /audit/overrides/{override_id}",
    AuditorService.chain_status: "pages: /audit/chain",
    AuditorService.verify_now: "pages: /audit/chain, verify now",
    CaseloadService.caseload: "pages: the caseload",
    CaseloadService.household: "pages: a household's workbook",
    ManagementInformationService.figures: "pages: /management-information",
}


def refusals_of(method: Callable[..., object]) -> set[type[refusals.Refusal]]:
    return {member for member in _members(get_type_hints(method)["return"]) if _is_refusal(member)}


def _members(annotation: object) -> Iterator[object]:
    if get_origin(annotation) in (Union, types.UnionType):
        for member in get_args(annotation):
            yield from _members(member)
    else:
        yield annotation


def _is_refusal(member: object) -> TypeGuard[type[refusals.Refusal]]:
    return isinstance(member, type) and issubclass(member, refusals.Refusal)


def graphql_name(refused: type[refusals.Refusal]) -> str:
    return get_object_definition(shown_as(refused), strict=True).name


def service_refusal_classes() -> list[type[refusals.Refusal]]:
    return [
        value for value in vars(refusals).values()
        if _is_refusal(value) and value is not refusals.Refusal
    ]


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema()._schema


def union_of(schema: GraphQLSchema, root: str, field: str) -> GraphQLUnionType:
    root_type = schema.get_type(root)
    assert isinstance(root_type, GraphQLObjectType)
    answered = get_named_type(root_type.fields[field].type)
    assert isinstance(answered, GraphQLUnionType), f"{root}.{field} answers with {answered}, not a union"
    return answered


class TestEachServiceRefusalIsInItsResolversUnion:
    @pytest.mark.parametrize(("root", "field"), sorted(RESOLVED_BY))
    def test_every_refusal_the_service_returns_is_a_member_of_the_union(
        self, schema: GraphQLSchema, root: str, field: str
    ) -> None:
        method = RESOLVED_BY[(root, field)]
        members = {member.name for member in union_of(schema, root, field).types}

        missing = {graphql_name(refused) for refused in refusals_of(method)} - members

        assert refusals_of(method), f"{method.__qualname__} names no refusal in its return annotation"
        assert not missing, f"{root}.{field} cannot answer {sorted(missing)}, which {method.__qualname__} returns"


class TestThePairsAreComplete:
    def test_every_field_answering_with_a_union_names_the_service_method_it_calls(
        self, schema: GraphQLSchema
    ) -> None:
        unpaired = set()
        for root in ("Query", "Mutation"):
            root_type = schema.get_type(root)
            assert isinstance(root_type, GraphQLObjectType)
            for name, field in root_type.fields.items():
                if isinstance(get_named_type(field.type), GraphQLUnionType) and (root, name) not in RESOLVED_BY:
                    unpaired.add(f"{root}.{name}")
        assert not unpaired, f"add these to RESOLVED_BY: {sorted(unpaired)}"

    def test_every_service_method_that_refuses_is_resolved_or_named_as_served_elsewhere(self) -> None:
        paired = set(RESOLVED_BY.values()) | set(NOT_IN_GRAPHQL)
        unpaired = set()
        for service in get_type_hints(Services).values():
            if not isinstance(service, type):
                continue
            for name, method in vars(service).items():
                if name.startswith("_") or not callable(method):
                    continue
                if refusals_of(method) and method not in paired:
                    unpaired.add(f"{service.__name__}.{name}")
        assert not unpaired, f"pair these with their resolvers: {sorted(unpaired)}"


def _example(refused: type[refusals.Refusal]) -> refusals.Refusal:
    values: dict[object, object] = {
        str: "x", int: 2, tuple[str, ...]: ("health",), datetime: datetime(2026, 1, 5, tzinfo=UTC),
    }
    hints = get_type_hints(refused)
    arguments: dict[str, Any] = {}
    for field in dataclasses.fields(refused):
        hint = hints[field.name]
        members = [member for member in _members(hint) if member is not type(None)]
        arguments[field.name] = values[members[0]]
    return refused(**arguments)


class TestTheOneMapping:
    @pytest.mark.parametrize("refused", service_refusal_classes(), ids=lambda cls: cls.__name__)
    def test_each_refusal_is_answered_as_the_graphql_type_of_its_name(self, refused: type[refusals.Refusal]) -> None:
        # The audit chain records a refused override decision under the refusal's class name,
        # read back to auditors as the API's name for it: the two must be the same.
        assert graphql_name(refused) == refused.__name__

    @pytest.mark.parametrize("refused", service_refusal_classes(), ids=lambda cls: cls.__name__)
    def test_each_refusal_becomes_an_instance_of_its_type_with_its_message(
        self, refused: type[refusals.Refusal]
    ) -> None:
        example = _example(refused)
        # Called as the resolvers do, but with a refusal whose class is known only at run time.
        answer = cast(Callable[[refusals.Refusal], Refusal], refusal)

        shown = answer(example)

        assert type(shown) is shown_as(refused)
        assert shown.message == example.message

    def test_every_overload_names_a_refusal_of_the_services(self) -> None:
        overloads = typing.get_overloads(refusal)
        accepted = {get_type_hints(variant)["refused"] for variant in overloads}
        assert accepted == set(service_refusal_classes())
        assert len(overloads) == len(accepted)
