"""The words the access policy is written in: bases, resource kinds and actions.

policy.csv uses exactly these values; the loader refuses a file that uses any other.
"""

from __future__ import annotations

from enum import StrEnum

from graph.model import AgencyKind


class Basis(StrEnum):
    """Why a caller may see or do something; which bases hold for a record is a graph fact."""

    OWN_AGENCY = "OWN_AGENCY"
    CONSENT = "CONSENT"
    OVERRIDE = "OVERRIDE"
    # A legitimate relationship: allocated to the child, its case held in the caller's team,
    # or it lives in a household the caller's team works with.
    ALLOCATED = "ALLOCATED"
    # The caller gave a reason and took time-boxed access to this one child.
    BREAK_GLASS = "BREAK_GLASS"
    # May learn that an agency knows the person, never what it knows.
    EXISTENCE = "EXISTENCE"


class ResourceKind(StrEnum):
    CHILDRENS_SERVICES_RECORD = "childrens_services_record"
    POLICE_RECORD = "police_record"
    HEALTH_RECORD = "health_record"
    EDUCATION_RECORD = "education_record"
    PROBATION_RECORD = "probation_record"
    HOUSING_RECORD = "housing_record"
    YOUTH_JUSTICE_RECORD = "youth_justice_record"
    VOLUNTARY_RECORD = "voluntary_record"
    PERSON = "person"
    CONTACT = "contact"
    INFORMATION_REQUEST = "information_request"
    INFORMATION_SHARE = "information_share"
    CONSENT = "consent"
    OVERRIDE = "override"
    WORKBOOK_ENTRY = "workbook_entry"
    # A use of break glass: who took access to which child, when and why.
    BREAK_GLASS = "break_glass"
    AUDIT_EVENT = "audit_event"
    # What the retention schedule erased: ids, rules and dates, never what was erased.
    ERASURE = "erasure"
    # Counts and times over a period (overrides, contacts, partner answers): no child, no content.
    MANAGEMENT_INFORMATION = "management_information"
    # Who in another agency read one's own agency's records, under which basis, and when: the
    # owning agency told of each disclosure (ids, the reader and the basis; no content).
    RECORD_DISCLOSURE = "record_disclosure"
    # Who is allocated to which child, in which role: ids, never case content.
    ALLOCATION = "allocation"
    # Everything the hub holds about one person and every disclosure of it (UK GDPR Art. 15).
    SUBJECT_ACCESS = "subject_access"
    # What a professional could see of a child at a past instant, replayed: ids and bases only.
    ACCESS_REPLAY = "access_replay"
    POLICY = "policy"
    USER = "user"


class Action(StrEnum):
    READ = "read"
    WRITE = "write"
    RECORD_CONSENT = "record_consent"
    WITHDRAW_CONSENT = "withdraw_consent"
    REQUEST_OVERRIDE = "request_override"
    APPROVE_OVERRIDE = "approve_override"
    # Approve or reject an override outside office hours, when no CRS manager is on duty.
    DECIDE_OUT_OF_HOURS = "decide_out_of_hours"
    REVOKE_OVERRIDE = "revoke_override"
    REQUEST_INFORMATION = "request_information"
    SHARE_INFORMATION = "share_information"
    DECIDE_CONTACT = "decide_contact"
    # Agree a contact decision another practitioner proposed, or send it back, as oneself.
    AGREE_CONTACT_DECISION = "agree_decision"
    READ_ACROSS_DISCIPLINES = "read_across_disciplines"
    SIGN_OFF_SUPERVISION = "sign_off_supervision"
    EXPORT_AUDIT = "export_audit"
    VERIFY_AUDIT = "verify_audit"
    MANAGE = "manage"
    # Take time-boxed access to a child one has no legitimate relationship with.
    BREAK_GLASS = "break_glass"
    # Mark a child restricted: only named professionals see anything beyond existence.
    RESTRICT = "restrict"
    # Produce a subject access pack: decrypted content and its disclosures, for the DPO's review.
    PRODUCE = "produce"


_RECORD_KIND_BY_AGENCY: dict[AgencyKind, ResourceKind] = {
    AgencyKind.CHILDRENS_SERVICES: ResourceKind.CHILDRENS_SERVICES_RECORD,
    AgencyKind.POLICE: ResourceKind.POLICE_RECORD,
    AgencyKind.HEALTH: ResourceKind.HEALTH_RECORD,
    AgencyKind.EDUCATION: ResourceKind.EDUCATION_RECORD,
    AgencyKind.PROBATION: ResourceKind.PROBATION_RECORD,
    AgencyKind.HOUSING: ResourceKind.HOUSING_RECORD,
    AgencyKind.YOUTH_JUSTICE: ResourceKind.YOUTH_JUSTICE_RECORD,
    AgencyKind.VOLUNTARY: ResourceKind.VOLUNTARY_RECORD,
}

RECORD_KINDS: frozenset[ResourceKind] = frozenset(_RECORD_KIND_BY_AGENCY.values())


def record_kind_for(agency_kind: AgencyKind) -> ResourceKind:
    """The resource kind of an agency record follows the kind of agency that holds it."""
    return _RECORD_KIND_BY_AGENCY[agency_kind]
