"""The access policy as a truth table, against the real model.conf and policy.csv."""

from __future__ import annotations

import hashlib
import importlib.resources
import itertools
import re
import shutil
from pathlib import Path

import pytest

from graph.model import AgencyKind, Role
from policies import (
    MODEL_PATH,
    POLICY_PATH,
    RECORD_KINDS,
    Action,
    Basis,
    BasisFacts,
    Decision,
    Policy,
    PolicyError,
    ResourceKind,
    load_enforcer,
    record_kind_for,
)
from policies.engine import PREFERENCE


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy()


# role, resource kind, action, basis, allowed
ACCESS_MATRIX: list[tuple[str, str, str, str, bool]] = [
    # MASH social worker: the front door.
    ("mash_social_worker", "childrens_services_record", "read", "OWN_AGENCY", True),
    ("mash_social_worker", "childrens_services_record", "read", "ALLOCATED", True),
    ("mash_social_worker", "police_record", "read", "CONSENT", True),
    ("mash_social_worker", "health_record", "read", "OVERRIDE", True),
    ("mash_social_worker", "education_record", "read", "EXISTENCE", True),
    ("mash_social_worker", "police_record", "read", "OWN_AGENCY", False),
    ("mash_social_worker", "person", "read", "CONSENT", True),
    ("mash_social_worker", "person", "read", "EXISTENCE", False),
    ("mash_social_worker", "contact", "write", "OWN_AGENCY", True),
    ("mash_social_worker", "contact", "decide_contact", "OWN_AGENCY", True),
    ("mash_social_worker", "consent", "record_consent", "OWN_AGENCY", True),
    ("mash_social_worker", "consent", "withdraw_consent", "OWN_AGENCY", True),
    ("mash_social_worker", "override", "request_override", "OWN_AGENCY", True),
    # The front door reaches any child (looking is its job): no break glass needed or given.
    ("mash_social_worker", "person", "read", "OWN_AGENCY", True),
    ("mash_social_worker", "person", "break_glass", "OWN_AGENCY", False),
    ("mash_social_worker", "person", "restrict", "OWN_AGENCY", False),
    ("mash_social_worker", "override", "approve_override", "OWN_AGENCY", False),
    ("mash_social_worker", "override", "revoke_override", "OWN_AGENCY", False),
    ("mash_social_worker", "information_request", "request_information", "CONSENT", True),
    ("mash_social_worker", "information_request", "request_information", "OVERRIDE", True),
    ("mash_social_worker", "information_request", "request_information", "EXISTENCE", False),
    ("mash_social_worker", "information_share", "read", "CONSENT", True),
    ("mash_social_worker", "workbook_entry", "read", "ALLOCATED", False),
    ("mash_social_worker", "workbook_entry", "read", "EXISTENCE", True),
    ("mash_social_worker", "workbook_entry", "write", "EXISTENCE", False),
    ("mash_social_worker", "audit_event", "read", "OWN_AGENCY", False),
    # CRS manager: a MASH social worker who also decides overrides.
    ("crs_manager", "override", "approve_override", "OWN_AGENCY", True),
    ("crs_manager", "person", "restrict", "OWN_AGENCY", True),
    ("crs_manager", "break_glass", "read", "OWN_AGENCY", True),
    ("crs_manager", "override", "revoke_override", "OWN_AGENCY", True),
    ("crs_manager", "override", "request_override", "OWN_AGENCY", True),
    ("crs_manager", "police_record", "read", "CONSENT", True),
    ("crs_manager", "childrens_services_record", "read", "OWN_AGENCY", True),
    ("crs_manager", "policy", "manage", "OWN_AGENCY", False),
    ("crs_manager", "audit_event", "read", "OWN_AGENCY", False),
    # EDT practitioner: the front door out of hours.
    ("edt_practitioner", "health_record", "read", "OVERRIDE", True),
    ("edt_practitioner", "override", "request_override", "OWN_AGENCY", True),
    ("edt_practitioner", "override", "approve_override", "OWN_AGENCY", False),
    ("edt_practitioner", "contact", "decide_contact", "OWN_AGENCY", True),
    ("edt_practitioner", "consent", "record_consent", "OWN_AGENCY", True),
    # EDT on-call senior manager: approves out of hours.
    ("edt_on_call_senior_manager", "override", "approve_override", "OWN_AGENCY", True),
    ("edt_on_call_senior_manager", "override", "revoke_override", "OWN_AGENCY", True),
    # Out of hours the EDT senior manager on call decides; a CRS manager does not.
    ("edt_on_call_senior_manager", "override", "decide_out_of_hours", "OWN_AGENCY", True),
    ("crs_manager", "override", "decide_out_of_hours", "OWN_AGENCY", False),
    ("mash_social_worker", "override", "decide_out_of_hours", "OWN_AGENCY", False),
    # A contact decision a practitioner proposes is agreed by a front-door manager, as themselves.
    ("crs_manager", "contact", "agree_decision", "OWN_AGENCY", True),
    ("edt_on_call_senior_manager", "contact", "agree_decision", "OWN_AGENCY", True),
    ("mash_social_worker", "contact", "agree_decision", "OWN_AGENCY", False),
    ("edt_practitioner", "contact", "agree_decision", "OWN_AGENCY", False),
    ("police_mash_officer", "contact", "agree_decision", "OWN_AGENCY", False),
    ("head_of_service", "contact", "agree_decision", "OWN_AGENCY", False),
    # Head of service on call: the escalation out of hours, and nothing of the front door's work.
    ("head_of_service", "override", "decide_out_of_hours", "OWN_AGENCY", True),
    ("head_of_service", "override", "read", "OWN_AGENCY", True),
    ("head_of_service", "override", "approve_override", "OWN_AGENCY", False),
    ("head_of_service", "override", "request_override", "OWN_AGENCY", False),
    ("head_of_service", "person", "read", "OWN_AGENCY", False),
    ("head_of_service", "police_record", "read", "OVERRIDE", False),
    ("edt_on_call_senior_manager", "education_record", "read", "CONSENT", True),
    # Police MASH officer.
    ("police_mash_officer", "police_record", "read", "OWN_AGENCY", True),
    ("police_mash_officer", "person", "break_glass", "OWN_AGENCY", False),
    ("police_mash_officer", "health_record", "read", "BREAK_GLASS", False),
    ("police_mash_officer", "health_record", "read", "OWN_AGENCY", False),
    ("police_mash_officer", "health_record", "read", "CONSENT", True),
    ("police_mash_officer", "health_record", "read", "OVERRIDE", True),
    ("police_mash_officer", "health_record", "read", "EXISTENCE", True),
    ("police_mash_officer", "childrens_services_record", "read", "CONSENT", True),
    ("police_mash_officer", "childrens_services_record", "read", "OWN_AGENCY", False),
    ("police_mash_officer", "person", "read", "OWN_AGENCY", True),
    ("police_mash_officer", "person", "read", "EXISTENCE", False),
    ("police_mash_officer", "information_share", "share_information", "OWN_AGENCY", True),
    ("police_mash_officer", "information_request", "read", "OWN_AGENCY", True),
    ("police_mash_officer", "information_request", "request_information", "CONSENT", False),
    ("police_mash_officer", "override", "approve_override", "OWN_AGENCY", False),
    ("police_mash_officer", "override", "request_override", "OWN_AGENCY", False),
    ("police_mash_officer", "consent", "record_consent", "OWN_AGENCY", False),
    ("police_mash_officer", "contact", "decide_contact", "OWN_AGENCY", False),
    ("police_mash_officer", "workbook_entry", "read", "ALLOCATED", False),
    ("police_mash_officer", "workbook_entry", "read", "EXISTENCE", True),
    # Health MASH officer.
    ("health_mash_officer", "health_record", "read", "OWN_AGENCY", True),
    ("health_mash_officer", "police_record", "read", "OWN_AGENCY", False),
    ("health_mash_officer", "police_record", "read", "CONSENT", True),
    ("health_mash_officer", "information_share", "share_information", "OWN_AGENCY", True),
    ("health_mash_officer", "override", "approve_override", "OWN_AGENCY", False),
    # Education MASH officer.
    ("education_mash_officer", "education_record", "read", "OWN_AGENCY", True),
    ("education_mash_officer", "probation_record", "read", "OWN_AGENCY", False),
    ("education_mash_officer", "information_share", "share_information", "OWN_AGENCY", True),
    ("education_mash_officer", "override", "approve_override", "OWN_AGENCY", False),
    # Probation MASH officer.
    ("probation_mash_officer", "probation_record", "read", "OWN_AGENCY", True),
    ("probation_mash_officer", "housing_record", "read", "OWN_AGENCY", False),
    ("probation_mash_officer", "override", "revoke_override", "OWN_AGENCY", False),
    # Housing MASH officer.
    ("housing_mash_officer", "housing_record", "read", "OWN_AGENCY", True),
    ("housing_mash_officer", "youth_justice_record", "read", "OWN_AGENCY", False),
    ("housing_mash_officer", "police_record", "read", "EXISTENCE", True),
    # Youth justice MASH officer.
    ("youth_justice_mash_officer", "youth_justice_record", "read", "OWN_AGENCY", True),
    ("youth_justice_mash_officer", "police_record", "read", "OWN_AGENCY", False),
    ("youth_justice_mash_officer", "health_record", "read", "CONSENT", True),
    # Voluntary sector worker: consent only, never an override or existence.
    ("voluntary_sector_worker", "voluntary_record", "read", "OWN_AGENCY", True),
    ("voluntary_sector_worker", "police_record", "read", "CONSENT", True),
    ("voluntary_sector_worker", "police_record", "read", "OVERRIDE", False),
    ("voluntary_sector_worker", "police_record", "read", "EXISTENCE", False),
    ("voluntary_sector_worker", "information_share", "share_information", "OWN_AGENCY", True),
    ("voluntary_sector_worker", "override", "approve_override", "OWN_AGENCY", False),
    # Family Safeguarding social worker.
    ("family_safeguarding_social_worker", "childrens_services_record", "read", "ALLOCATED", True),
    # Council staff outside the front door: a legitimate relationship (ALLOCATED), never the
    # council's employment alone (OWN_AGENCY), or break glass with a reason.
    ("family_safeguarding_social_worker", "childrens_services_record", "read", "OWN_AGENCY", False),
    ("family_safeguarding_social_worker", "person", "read", "OWN_AGENCY", False),
    ("family_safeguarding_social_worker", "person", "read", "BREAK_GLASS", True),
    ("family_safeguarding_social_worker", "childrens_services_record", "read", "BREAK_GLASS", True),
    ("family_safeguarding_social_worker", "health_record", "read", "BREAK_GLASS", False),
    ("family_safeguarding_social_worker", "person", "break_glass", "OWN_AGENCY", True),
    ("family_safeguarding_social_worker", "break_glass", "read", "ALLOCATED", True),
    ("family_safeguarding_social_worker", "workbook_entry", "read", "ALLOCATED", True),
    ("family_safeguarding_social_worker", "workbook_entry", "write", "ALLOCATED", True),
    ("family_safeguarding_social_worker", "workbook_entry", "read", "CONSENT", False),
    ("family_safeguarding_social_worker", "workbook_entry", "sign_off_supervision", "ALLOCATED", False),
    ("family_safeguarding_social_worker", "workbook_entry", "read_across_disciplines", "ALLOCATED", False),
    ("family_safeguarding_social_worker", "health_record", "read", "CONSENT", False),
    ("family_safeguarding_social_worker", "police_record", "read", "EXISTENCE", False),
    ("family_safeguarding_social_worker", "override", "approve_override", "OWN_AGENCY", False),
    # Domestic abuse worker.
    ("domestic_abuse_worker", "childrens_services_record", "read", "ALLOCATED", True),
    ("domestic_abuse_worker", "childrens_services_record", "read", "OWN_AGENCY", False),
    ("domestic_abuse_worker", "person", "read", "OWN_AGENCY", False),
    ("domestic_abuse_worker", "voluntary_record", "read", "OWN_AGENCY", True),
    ("domestic_abuse_worker", "workbook_entry", "write", "ALLOCATED", True),
    ("domestic_abuse_worker", "police_record", "read", "CONSENT", False),
    # Adult mental health practitioner.
    ("adult_mental_health_practitioner", "health_record", "read", "OWN_AGENCY", True),
    ("adult_mental_health_practitioner", "childrens_services_record", "read", "ALLOCATED", True),
    ("adult_mental_health_practitioner", "workbook_entry", "read", "ALLOCATED", True),
    ("adult_mental_health_practitioner", "workbook_entry", "read_across_disciplines", "ALLOCATED", False),
    ("adult_mental_health_practitioner", "workbook_entry", "sign_off_supervision", "ALLOCATED", False),
    ("adult_mental_health_practitioner", "police_record", "read", "OWN_AGENCY", False),
    ("adult_mental_health_practitioner", "override", "approve_override", "OWN_AGENCY", False),
    # Substance misuse worker.
    ("substance_misuse_worker", "health_record", "read", "OWN_AGENCY", True),
    ("substance_misuse_worker", "voluntary_record", "read", "OWN_AGENCY", True),
    ("substance_misuse_worker", "workbook_entry", "write", "ALLOCATED", True),
    ("substance_misuse_worker", "childrens_services_record", "read", "OWN_AGENCY", False),
    # Family Safeguarding team manager: a team manager, not an override approver.
    ("family_safeguarding_team_manager", "childrens_services_record", "read", "OWN_AGENCY", False),
    ("family_safeguarding_team_manager", "person", "read", "OWN_AGENCY", False),
    ("family_safeguarding_team_manager", "workbook_entry", "read", "ALLOCATED", True),
    ("family_safeguarding_team_manager", "workbook_entry", "write", "ALLOCATED", True),
    ("family_safeguarding_team_manager", "workbook_entry", "read_across_disciplines", "ALLOCATED", True),
    ("family_safeguarding_team_manager", "workbook_entry", "sign_off_supervision", "ALLOCATED", True),
    ("family_safeguarding_team_manager", "workbook_entry", "sign_off_supervision", "OWN_AGENCY", False),
    ("family_safeguarding_team_manager", "override", "approve_override", "OWN_AGENCY", False),
    # Other children's services social workers.
    ("social_worker", "childrens_services_record", "read", "OWN_AGENCY", False),
    ("social_worker", "person", "read", "OWN_AGENCY", False),
    ("social_worker", "person", "read", "ALLOCATED", True),
    ("social_worker", "person", "read", "BREAK_GLASS", True),
    ("social_worker", "person", "break_glass", "OWN_AGENCY", True),
    ("social_worker", "consent", "read", "ALLOCATED", True),
    ("social_worker", "consent", "read", "OWN_AGENCY", False),
    ("social_worker", "childrens_services_record", "read", "ALLOCATED", True),
    ("social_worker", "workbook_entry", "read", "ALLOCATED", True),
    ("social_worker", "workbook_entry", "write", "ALLOCATED", True),
    ("social_worker", "workbook_entry", "sign_off_supervision", "ALLOCATED", False),
    ("social_worker", "police_record", "read", "CONSENT", False),
    ("social_worker", "override", "approve_override", "OWN_AGENCY", False),
    # Family hub worker.
    ("family_hub_worker", "childrens_services_record", "read", "ALLOCATED", True),
    ("family_hub_worker", "childrens_services_record", "read", "OWN_AGENCY", False),
    ("family_hub_worker", "person", "read", "BREAK_GLASS", False),
    ("family_hub_worker", "person", "break_glass", "OWN_AGENCY", False),
    ("family_hub_worker", "health_record", "read", "CONSENT", False),
    ("family_hub_worker", "workbook_entry", "read", "ALLOCATED", False),
    # Auditor: the audit trail and overrides, never case content.
    ("auditor", "audit_event", "read", "OWN_AGENCY", True),
    ("auditor", "audit_event", "verify_audit", "OWN_AGENCY", True),
    ("auditor", "audit_event", "export_audit", "OWN_AGENCY", True),
    ("auditor", "override", "read", "OWN_AGENCY", True),
    ("auditor", "break_glass", "read", "OWN_AGENCY", True),
    ("auditor", "management_information", "read", "OWN_AGENCY", True),
    # Replaying what someone could see at a past instant: the auditor's alone.
    ("auditor", "access_replay", "read", "OWN_AGENCY", True),
    ("auditor", "access_replay", "read", "CONSENT", False),
    ("crs_manager", "access_replay", "read", "OWN_AGENCY", False),
    ("police_mash_officer", "access_replay", "read", "OWN_AGENCY", False),
    ("administrator", "access_replay", "read", "OWN_AGENCY", False),
    # What the retention schedule erased: the auditor's alone.
    ("auditor", "erasure", "read", "OWN_AGENCY", True),
    ("auditor", "erasure", "read", "ALLOCATED", False),
    ("administrator", "erasure", "read", "OWN_AGENCY", False),
    ("crs_manager", "erasure", "read", "OWN_AGENCY", False),
    ("mash_social_worker", "erasure", "read", "OWN_AGENCY", False),
    ("crs_manager", "management_information", "read", "OWN_AGENCY", True),
    ("edt_on_call_senior_manager", "management_information", "read", "OWN_AGENCY", True),
    ("head_of_service", "management_information", "read", "OWN_AGENCY", True),
    ("mash_social_worker", "management_information", "read", "OWN_AGENCY", False),
    ("police_mash_officer", "management_information", "read", "OWN_AGENCY", False),
    ("family_safeguarding_team_manager", "management_information", "read", "OWN_AGENCY", False),
    ("administrator", "management_information", "read", "OWN_AGENCY", False),
    # Reads of the caller's own agency's records by other agencies: that agency's MASH officer,
    # and front door managers for children's services' records; nobody else.
    ("police_mash_officer", "record_disclosure", "read", "OWN_AGENCY", True),
    ("health_mash_officer", "record_disclosure", "read", "OWN_AGENCY", True),
    ("youth_justice_mash_officer", "record_disclosure", "read", "OWN_AGENCY", True),
    ("crs_manager", "record_disclosure", "read", "OWN_AGENCY", True),
    ("edt_on_call_senior_manager", "record_disclosure", "read", "OWN_AGENCY", True),
    ("police_mash_officer", "record_disclosure", "read", "CONSENT", False),
    ("mash_social_worker", "record_disclosure", "read", "OWN_AGENCY", False),
    ("edt_practitioner", "record_disclosure", "read", "OWN_AGENCY", False),
    ("voluntary_sector_worker", "record_disclosure", "read", "OWN_AGENCY", False),
    ("family_safeguarding_team_manager", "record_disclosure", "read", "OWN_AGENCY", False),
    ("auditor", "record_disclosure", "read", "OWN_AGENCY", False),
    ("administrator", "record_disclosure", "read", "OWN_AGENCY", False),
    ("auditor", "person", "break_glass", "OWN_AGENCY", False),
    ("auditor", "police_record", "read", "OVERRIDE", False),
    ("auditor", "childrens_services_record", "read", "OWN_AGENCY", False),
    ("auditor", "person", "read", "OWN_AGENCY", False),
    ("auditor", "workbook_entry", "read", "ALLOCATED", False),
    ("auditor", "override", "approve_override", "OWN_AGENCY", False),
    ("auditor", "policy", "manage", "OWN_AGENCY", False),
    # Administrator: users and policy, never case content.
    ("administrator", "policy", "manage", "OWN_AGENCY", True),
    ("administrator", "policy", "read", "OWN_AGENCY", True),
    ("administrator", "user", "manage", "OWN_AGENCY", True),
    ("administrator", "childrens_services_record", "read", "OWN_AGENCY", False),
    ("administrator", "person", "read", "OWN_AGENCY", False),
    ("administrator", "audit_event", "read", "OWN_AGENCY", False),
    ("administrator", "audit_event", "export_audit", "OWN_AGENCY", False),
    ("administrator", "allocation", "write", "OWN_AGENCY", True),
    # A subject access pack (UK GDPR Art. 15): the administrator alone, on OWN_AGENCY only.
    ("administrator", "subject_access", "produce", "OWN_AGENCY", True),
    ("administrator", "subject_access", "produce", "CONSENT", False),
    ("administrator", "subject_access", "read", "OWN_AGENCY", False),
    ("auditor", "subject_access", "produce", "OWN_AGENCY", False),
    ("crs_manager", "subject_access", "produce", "OWN_AGENCY", False),
    ("mash_social_worker", "subject_access", "produce", "OWN_AGENCY", False),
    ("police_mash_officer", "subject_access", "produce", "OWN_AGENCY", False),
    # Allocation: the managers who allocate, and the administrator; nobody else.
    ("crs_manager", "allocation", "write", "OWN_AGENCY", True),
    ("edt_on_call_senior_manager", "allocation", "write", "OWN_AGENCY", True),
    ("family_safeguarding_team_manager", "allocation", "write", "OWN_AGENCY", True),
    ("mash_social_worker", "allocation", "write", "OWN_AGENCY", False),
    ("family_safeguarding_social_worker", "allocation", "write", "OWN_AGENCY", False),
    ("social_worker", "allocation", "write", "OWN_AGENCY", False),
    ("police_mash_officer", "allocation", "write", "OWN_AGENCY", False),
    ("auditor", "allocation", "write", "OWN_AGENCY", False),
    # Professionals joining, moving and leaving: the administrator alone.
    ("crs_manager", "user", "manage", "OWN_AGENCY", False),
    ("family_safeguarding_team_manager", "user", "manage", "OWN_AGENCY", False),
    ("mash_social_worker", "user", "manage", "OWN_AGENCY", False),
]


class TestAccessMatrix:
    @pytest.mark.parametrize(
        "row", ACCESS_MATRIX, ids=["-".join(str(part) for part in row) for row in ACCESS_MATRIX]
    )
    def test_role_may_act_on_basis_exactly_as_the_matrix_says(
        self, policy: Policy, row: tuple[str, str, str, str, bool]
    ) -> None:
        role, resource, action, basis, allowed = row

        bases = policy.allowed_bases([role], ResourceKind(resource), Action(action))

        assert (Basis(basis) in bases) is allowed

    def test_matrix_states_several_rows_for_every_role(self) -> None:
        rows_per_role = {role.value: 0 for role in Role}
        for role, *_ in ACCESS_MATRIX:
            rows_per_role[role] += 1

        assert {role: count for role, count in rows_per_role.items() if count < 3} == {}


class TestEveryRoleIsInThePolicy:
    def test_every_role_of_the_graph_model_is_named_in_policy_csv(self) -> None:
        subjects = set()
        for line in POLICY_PATH.read_text(encoding="utf-8").splitlines():
            if line.startswith(("p,", "g,")):
                subjects.add(line.split(",")[1].strip())

        assert {role.value for role in Role} - subjects == set()

    @pytest.mark.parametrize("role", list(Role))
    def test_every_role_may_do_something(self, policy: Policy, role: Role) -> None:
        assert any(
            policy.allowed_bases([role], resource, action)
            for resource, action in itertools.product(ResourceKind, Action)
        )


class TestAuditorNeverSeesCaseContent:
    CASE_KINDS = sorted(
        RECORD_KINDS
        | {
            ResourceKind.PERSON,
            ResourceKind.CONTACT,
            ResourceKind.CONSENT,
            ResourceKind.INFORMATION_REQUEST,
            ResourceKind.INFORMATION_SHARE,
            ResourceKind.WORKBOOK_ENTRY,
        }
    )

    @pytest.mark.parametrize("resource", CASE_KINDS)
    def test_auditor_has_no_action_on_case_content_on_any_basis(
        self, policy: Policy, resource: ResourceKind
    ) -> None:
        assert {
            action: policy.allowed_bases([Role.AUDITOR], resource, action) for action in Action
        } == {action: frozenset() for action in Action}

    def test_auditor_reads_only_audit_events_and_overrides(self, policy: Policy) -> None:
        readable = {
            resource
            for resource, bases in policy.compile_read_filter([Role.AUDITOR]).items()
            if bases
        }

        assert readable == {
            ResourceKind.AUDIT_EVENT.value, ResourceKind.OVERRIDE.value, ResourceKind.BREAK_GLASS.value,
            ResourceKind.MANAGEMENT_INFORMATION.value,
            ResourceKind.ERASURE.value, ResourceKind.ACCESS_REPLAY.value,
        }


class TestAdministratorNeverSeesCaseContent:
    def test_administrator_acts_only_on_policy_users_allocations_and_subject_access_packs(
        self, policy: Policy
    ) -> None:
        reachable = {
            resource
            for resource, action in itertools.product(ResourceKind, Action)
            if policy.allowed_bases([Role.ADMINISTRATOR], resource, action)
        }

        assert reachable == {
            ResourceKind.POLICY, ResourceKind.USER, ResourceKind.ALLOCATION, ResourceKind.SUBJECT_ACCESS,
        }

    def test_a_subject_access_pack_is_produced_by_the_administrator_alone(self, policy: Policy) -> None:
        # The one way an administrator holds case content: produced, audited, for the DPO.
        producers = {
            role for role in Role if policy.allowed_bases([role], ResourceKind.SUBJECT_ACCESS, Action.PRODUCE)
        }

        assert producers == {Role.ADMINISTRATOR}
        assert {
            action for action in Action
            if policy.allowed_bases([Role.ADMINISTRATOR], ResourceKind.SUBJECT_ACCESS, action)
        } == {Action.PRODUCE}

    def test_administrator_only_writes_allocations_never_reads_them(self, policy: Policy) -> None:
        assert {
            action for action in Action
            if policy.allowed_bases([Role.ADMINISTRATOR], ResourceKind.ALLOCATION, action)
        } == {Action.WRITE}


class TestThePolicyNamesEveryRole:
    def test_the_roles_the_directory_may_grant_are_every_role_of_the_graph_model(self, policy: Policy) -> None:
        assert policy.roles == {role.value for role in Role}


class TestOnlyFrontDoorManagersDecideOverrides:
    MANAGERS = frozenset({Role.CRS_MANAGER, Role.EDT_ON_CALL_SENIOR_MANAGER})

    @pytest.mark.parametrize("action", [Action.APPROVE_OVERRIDE, Action.REVOKE_OVERRIDE])
    def test_only_crs_manager_and_edt_on_call_senior_manager_approve_or_revoke(
        self, policy: Policy, action: Action
    ) -> None:
        deciders = {
            role for role in Role if policy.allowed_bases([role], ResourceKind.OVERRIDE, action)
        }

        assert deciders == self.MANAGERS


class TestPartnerOfficersOwnAgencyCoversOnlyTheirAgencyKind:
    OFFICERS = [
        (Role.POLICE_MASH_OFFICER, AgencyKind.POLICE),
        (Role.HEALTH_MASH_OFFICER, AgencyKind.HEALTH),
        (Role.EDUCATION_MASH_OFFICER, AgencyKind.EDUCATION),
        (Role.PROBATION_MASH_OFFICER, AgencyKind.PROBATION),
        (Role.HOUSING_MASH_OFFICER, AgencyKind.HOUSING),
        (Role.YOUTH_JUSTICE_MASH_OFFICER, AgencyKind.YOUTH_JUSTICE),
    ]

    @pytest.mark.parametrize(("role", "agency_kind"), OFFICERS)
    def test_own_agency_reads_only_the_officers_own_record_kind(
        self, policy: Policy, role: Role, agency_kind: AgencyKind
    ) -> None:
        own_agency_kinds = {
            kind
            for kind in RECORD_KINDS
            if Basis.OWN_AGENCY in policy.allowed_bases([role], kind, Action.READ)
        }

        assert own_agency_kinds == {record_kind_for(agency_kind)}

    @pytest.mark.parametrize(("role", "agency_kind"), OFFICERS)
    def test_every_other_record_kind_is_readable_on_consent_override_or_existence(
        self, policy: Policy, role: Role, agency_kind: AgencyKind
    ) -> None:
        for kind in RECORD_KINDS - {record_kind_for(agency_kind)}:
            assert policy.allowed_bases([role], kind, Action.READ) == {
                Basis.CONSENT,
                Basis.OVERRIDE,
                Basis.EXISTENCE,
            }


class TestPersonDetailsFollowContent:
    CONTENT_KINDS = RECORD_KINDS | {ResourceKind.WORKBOOK_ENTRY}

    @pytest.mark.parametrize("role", list(Role))
    def test_person_is_readable_on_every_content_basis_but_never_on_existence_alone(
        self, policy: Policy, role: Role
    ) -> None:
        content_bases: set[Basis] = set()
        for kind in self.CONTENT_KINDS:
            content_bases |= policy.allowed_bases([role], kind, Action.READ)

        person_bases = policy.allowed_bases([role], ResourceKind.PERSON, Action.READ)

        # People are children's services' own index: OWN_AGENCY on a person is the council's,
        # so a role whose own agency is a partner (an adult mental health practitioner's NHS
        # trust) reads its employer's records without thereby reading people on OWN_AGENCY.
        if Basis.OWN_AGENCY not in policy.allowed_bases([role], ResourceKind.CHILDRENS_SERVICES_RECORD, Action.READ):
            content_bases -= {Basis.OWN_AGENCY} - person_bases
        assert person_bases == content_bases - {Basis.EXISTENCE}


class TestUnknownRolesAreDenied:
    @pytest.mark.parametrize(
        "roles",
        [
            [],
            ["head_of_everything"],
            ["POLICE_MASH_OFFICER"],
            # Group names are not roles: a token naming one inherits nothing.
            ["mash_partner_officer"],
            ["front_door_manager"],
        ],
    )
    def test_unknown_role_gets_nothing(self, policy: Policy, roles: list[str]) -> None:
        everything = BasisFacts(own_agency=True, consent=True, override=True, allocated=True)

        assert policy.allowed_bases(roles, ResourceKind.POLICE_RECORD, Action.READ) == frozenset()
        assert policy.decide(
            roles, ResourceKind.OVERRIDE, Action.APPROVE_OVERRIDE, everything
        ) == Decision(allowed=False, basis=None, policy_line=None)
        assert not any(policy.compile_read_filter(roles).values())


class TestDecide:
    def test_reports_the_policy_line_that_allowed_the_read(self, policy: Policy) -> None:
        decision = policy.decide(
            [Role.POLICE_MASH_OFFICER],
            ResourceKind.POLICE_RECORD,
            Action.READ,
            BasisFacts(own_agency=True),
        )

        assert decision == Decision(
            allowed=True,
            basis=Basis.OWN_AGENCY,
            policy_line="p, police_mash_officer, police_record, read, OWN_AGENCY",
        )
        assert decision.discloses_content

    def test_reports_a_group_line_when_the_role_inherits_it(self, policy: Policy) -> None:
        decision = policy.decide(
            [Role.CRS_MANAGER],
            ResourceKind.OVERRIDE,
            Action.APPROVE_OVERRIDE,
            BasisFacts(own_agency=True),
        )

        assert (
            decision.policy_line == "p, front_door_manager, override, approve_override, OWN_AGENCY"
        )

    def test_prefers_own_agency_to_consent_when_both_hold(self, policy: Policy) -> None:
        decision = policy.decide(
            [Role.POLICE_MASH_OFFICER],
            ResourceKind.POLICE_RECORD,
            Action.READ,
            BasisFacts(own_agency=True, consent=True, override=True),
        )

        assert decision.basis is Basis.OWN_AGENCY

    def test_prefers_consent_to_override_when_both_hold(self, policy: Policy) -> None:
        decision = policy.decide(
            [Role.MASH_SOCIAL_WORKER],
            ResourceKind.HEALTH_RECORD,
            Action.READ,
            BasisFacts(consent=True, override=True),
        )

        assert decision.basis is Basis.CONSENT
        assert decision.policy_line == "p, front_door_practitioner, health_record, read, CONSENT"

    def test_uses_an_override_only_when_nothing_else_holds(self, policy: Policy) -> None:
        decision = policy.decide(
            [Role.MASH_SOCIAL_WORKER],
            ResourceKind.HEALTH_RECORD,
            Action.READ,
            BasisFacts(override=True),
        )

        assert decision.basis is Basis.OVERRIDE

    def test_a_fact_the_role_may_not_rely_on_falls_back_to_existence(self, policy: Policy) -> None:
        decision = policy.decide(
            [Role.POLICE_MASH_OFFICER],
            ResourceKind.HEALTH_RECORD,
            Action.READ,
            BasisFacts(own_agency=True),
        )

        assert decision == Decision(
            allowed=True,
            basis=Basis.EXISTENCE,
            policy_line="p, mash_partner_officer, health_record, read, EXISTENCE",
        )
        assert not decision.discloses_content

    def test_no_basis_and_no_existence_rule_is_denied(self, policy: Policy) -> None:
        decision = policy.decide(
            [Role.FAMILY_HUB_WORKER], ResourceKind.POLICE_RECORD, Action.READ, BasisFacts()
        )

        assert decision == Decision(allowed=False, basis=None, policy_line=None)

    def test_any_one_of_several_roles_suffices(self, policy: Policy) -> None:
        decision = policy.decide(
            [Role.AUDITOR, Role.HEALTH_MASH_OFFICER],
            ResourceKind.HEALTH_RECORD,
            Action.READ,
            BasisFacts(own_agency=True),
        )

        assert decision.basis is Basis.OWN_AGENCY
        assert decision.policy_line == "p, health_mash_officer, health_record, read, OWN_AGENCY"


ALL_FACTS = [
    BasisFacts(own_agency=own, consent=consent, override=override, allocated=allocated)
    for own, consent, override, allocated in itertools.product([False, True], repeat=4)
]


class TestCompiledReadFilterAgreesWithDecide:
    @pytest.mark.parametrize("role", list(Role))
    def test_filter_and_per_record_oracle_give_the_same_basis_for_every_fact_combination(
        self, policy: Policy, role: Role
    ) -> None:
        read_filter = policy.compile_read_filter([role])
        for resource, facts in itertools.product(ResourceKind, ALL_FACTS):
            allowed = read_filter[resource.value]
            expected = next(
                (basis for basis in PREFERENCE if facts.holds(basis) and basis.value in allowed),
                Basis.EXISTENCE if Basis.EXISTENCE.value in allowed else None,
            )

            decision = policy.decide([role], resource, Action.READ, facts)

            assert (decision.basis, decision.allowed) == (expected, expected is not None), (
                resource,
                facts,
            )


class TestCompileReadFilter:
    def test_names_every_resource_kind_with_the_bases_in_a_fixed_order(
        self, policy: Policy
    ) -> None:
        read_filter = policy.compile_read_filter([Role.POLICE_MASH_OFFICER])

        assert set(read_filter) == {kind.value for kind in ResourceKind}
        assert read_filter["police_record"] == ["OWN_AGENCY", "CONSENT", "OVERRIDE", "EXISTENCE"]
        assert read_filter["health_record"] == ["CONSENT", "OVERRIDE", "EXISTENCE"]
        assert read_filter["workbook_entry"] == ["EXISTENCE"]
        assert read_filter["consent"] == []

    def test_roles_combine_as_a_union_whatever_their_order(self, policy: Policy) -> None:
        combined = policy.compile_read_filter([Role.AUDITOR, Role.POLICE_MASH_OFFICER])

        assert combined == policy.compile_read_filter([Role.POLICE_MASH_OFFICER, Role.AUDITOR])
        assert combined["audit_event"] == ["OWN_AGENCY"]
        assert combined["police_record"] == ["OWN_AGENCY", "CONSENT", "OVERRIDE", "EXISTENCE"]

    def test_changing_a_returned_filter_does_not_change_the_next_answer(
        self, policy: Policy
    ) -> None:
        first = policy.compile_read_filter([Role.SOCIAL_WORKER])
        first["police_record"].append("OVERRIDE")
        first["policy"] = ["OWN_AGENCY"]

        assert policy.compile_read_filter([Role.SOCIAL_WORKER])["police_record"] == []


class TestRecordKinds:
    def test_every_agency_kind_has_its_own_record_kind(self) -> None:
        kinds = {record_kind_for(agency_kind) for agency_kind in AgencyKind}

        assert kinds == RECORD_KINDS
        assert len(kinds) == len(AgencyKind)

    def test_record_kind_is_named_after_the_holder_agency(self) -> None:
        assert record_kind_for(AgencyKind.POLICE) is ResourceKind.POLICE_RECORD
        assert (
            record_kind_for(AgencyKind.CHILDRENS_SERVICES) is ResourceKind.CHILDRENS_SERVICES_RECORD
        )


@pytest.fixture
def policy_copy(tmp_path: Path) -> tuple[Path, Path]:
    model = tmp_path / "model.conf"
    rules = tmp_path / "policy.csv"
    shutil.copyfile(MODEL_PATH, model)
    shutil.copyfile(POLICY_PATH, rules)
    return model, rules


POLICE_OWN_RECORDS = "p, police_mash_officer, police_record, read, OWN_AGENCY"


class TestRevision:
    def test_files_are_found_beside_the_package(self) -> None:
        assert Path(str(importlib.resources.files("policies"))).resolve() == MODEL_PATH.parent
        assert MODEL_PATH.is_file() and POLICY_PATH.is_file()

    def test_revision_is_a_sha256_over_both_files(self, policy: Policy) -> None:
        assert re.fullmatch(r"[0-9a-f]{64}", policy.revision)
        assert policy.revision == Policy().revision

    def test_revision_differs_from_a_hash_of_either_file_alone(self, policy: Policy) -> None:
        assert policy.revision not in {
            hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest(),
            hashlib.sha256(POLICY_PATH.read_bytes()).hexdigest(),
        }

    def test_reload_of_unchanged_files_keeps_the_revision(
        self, policy_copy: tuple[Path, Path]
    ) -> None:
        policy = Policy(*policy_copy)

        assert policy.reload() == policy.revision == Policy().revision

    def test_answers_hold_until_reload_then_follow_the_changed_file(
        self, policy_copy: tuple[Path, Path]
    ) -> None:
        model, rules = policy_copy
        policy = Policy(model, rules)
        before = policy.revision
        assert Basis.OWN_AGENCY in policy.allowed_bases(
            [Role.POLICE_MASH_OFFICER], ResourceKind.POLICE_RECORD, Action.READ
        )
        text = rules.read_text(encoding="utf-8")
        assert POLICE_OWN_RECORDS + "\n" in text
        rules.write_text(text.replace(POLICE_OWN_RECORDS + "\n", ""), encoding="utf-8")

        unchanged = policy.allowed_bases(
            [Role.POLICE_MASH_OFFICER], ResourceKind.POLICE_RECORD, Action.READ
        )
        after = policy.reload()
        changed = policy.allowed_bases(
            [Role.POLICE_MASH_OFFICER], ResourceKind.POLICE_RECORD, Action.READ
        )

        assert Basis.OWN_AGENCY in unchanged
        assert after != before and policy.revision == after
        assert Basis.OWN_AGENCY not in changed
        assert policy.compile_read_filter([Role.POLICE_MASH_OFFICER])["police_record"] == [
            "CONSENT",
            "OVERRIDE",
            "EXISTENCE",
        ]
        assert (
            policy.decide(
                [Role.POLICE_MASH_OFFICER],
                ResourceKind.POLICE_RECORD,
                Action.READ,
                BasisFacts(own_agency=True),
            ).basis
            is Basis.EXISTENCE
        )


    def test_policies_in_one_process_share_a_revision_and_never_each_others_changes(
        self, policy_copy: tuple[Path, Path]
    ) -> None:
        # A revision's answers are computed once per process, for every Policy that holds it.
        model, rules = policy_copy
        changing, steady = Policy(model, rules), Policy()
        asked = ([Role.POLICE_MASH_OFFICER], ResourceKind.POLICE_RECORD, Action.READ)
        assert changing.compile_read_filter([Role.POLICE_MASH_OFFICER]) == steady.compile_read_filter(
            [Role.POLICE_MASH_OFFICER]
        )
        text = rules.read_text(encoding="utf-8")
        rules.write_text(text.replace(POLICE_OWN_RECORDS + "\n", ""), encoding="utf-8")

        changing.reload()

        assert Basis.OWN_AGENCY not in changing.allowed_bases(*asked)
        assert Basis.OWN_AGENCY in steady.allowed_bases(*asked)
        assert "OWN_AGENCY" in steady.compile_read_filter([Role.POLICE_MASH_OFFICER])["police_record"]
        assert "OWN_AGENCY" not in changing.compile_read_filter([Role.POLICE_MASH_OFFICER])["police_record"]
        rules.write_text(text, encoding="utf-8")
        assert changing.reload() == steady.revision
        assert Basis.OWN_AGENCY in changing.allowed_bases(*asked)


class TestUnusablePolicyIsRefused:
    @pytest.mark.parametrize(
        "line",
        [
            "p, police_mash_oficer, police_record, read, OWN_AGENCY",
            "p, police_mash_officer, police_records, read, OWN_AGENCY",
            "p, police_mash_officer, police_record, view, OWN_AGENCY",
            "p, police_mash_officer, police_record, read, OWN",
            "g, auditor, crs_manager",
            "p, auditor, audit_event, read",
            "p, auditor, audit_event, read, OWN_AGENCY, extra",
            "g, auditor, front_door_manager, somewhere",
        ],
    )
    def test_a_misspelt_word_is_refused_and_the_policy_in_force_stays(
        self, policy_copy: tuple[Path, Path], line: str
    ) -> None:
        model, rules = policy_copy
        policy = Policy(model, rules)
        before = policy.revision
        with rules.open("a", encoding="utf-8") as file:
            file.write(line + "\n")

        with pytest.raises(PolicyError):
            policy.reload()
        with pytest.raises(PolicyError):
            load_enforcer(model, rules)

        assert policy.revision == before
        assert Basis.OWN_AGENCY in policy.allowed_bases(
            [Role.POLICE_MASH_OFFICER], ResourceKind.POLICE_RECORD, Action.READ
        )


class TestUnusableModelIsRefused:
    def test_a_model_asking_a_three_part_question_is_refused_at_load(
        self, policy_copy: tuple[Path, Path]
    ) -> None:
        model, rules = policy_copy
        model.write_text(
            model.read_text(encoding="utf-8").replace(
                "r = sub, obj, act, basis", "r = sub, obj, act"
            ),
            encoding="utf-8",
        )

        with pytest.raises(PolicyError):
            Policy(model, rules)


class TestLoadEnforcer:
    def test_loads_the_packaged_files_into_a_casbin_enforcer(self) -> None:
        enforcer = load_enforcer(MODEL_PATH, POLICY_PATH)

        assert enforcer.enforce("crs_manager", "override", "approve_override", "OWN_AGENCY")
        assert not enforcer.enforce(
            "mash_social_worker", "override", "approve_override", "OWN_AGENCY"
        )
