"""The graph's node and relationship kinds, declared once.

Each kind is a frozen dataclass whose fields are the properties stored in Neo4j; the
Cypher that writes a batch of them lives beside it in `graph.writes`. Dates and times are
kept as Python `date`/`datetime` values and travel to Neo4j as native temporal types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class AgencyKind(StrEnum):
    CHILDRENS_SERVICES = "CHILDRENS_SERVICES"
    POLICE = "POLICE"
    HEALTH = "HEALTH"
    EDUCATION = "EDUCATION"
    PROBATION = "PROBATION"
    HOUSING = "HOUSING"
    YOUTH_JUSTICE = "YOUTH_JUSTICE"
    VOLUNTARY = "VOLUNTARY"


class Service(StrEnum):
    """The service a team belongs to, in the front door's world and its partners'."""

    CRS_MASH = "CRS_MASH"
    EDT = "EDT"
    LADO = "LADO"
    FAMILY_HELP = "FAMILY_HELP"
    FAMILY_SAFEGUARDING = "FAMILY_SAFEGUARDING"
    JIGSAW = "JIGSAW"
    YOUNG_PEOPLES_SERVICE = "YOUNG_PEOPLES_SERVICE"
    BUILDING_BRIDGES = "BUILDING_BRIDGES"
    FOSTERING = "FOSTERING"
    PATHWAYS_THROUGH_CARE = "PATHWAYS_THROUGH_CARE"
    FAMILY_GROUP_CONFERENCE = "FAMILY_GROUP_CONFERENCE"
    FAMILY_HUB = "FAMILY_HUB"
    PARTNER_MASH = "PARTNER_MASH"
    PARTNER_SERVICE = "PARTNER_SERVICE"
    QUALITY_ASSURANCE = "QUALITY_ASSURANCE"
    SYSTEMS = "SYSTEMS"


class Role(StrEnum):
    """A professional's role: what the access policy is written in terms of."""

    MASH_SOCIAL_WORKER = "mash_social_worker"
    CRS_MANAGER = "crs_manager"
    EDT_PRACTITIONER = "edt_practitioner"
    EDT_ON_CALL_SENIOR_MANAGER = "edt_on_call_senior_manager"
    # The named deputy on call above the EDT senior manager: decides out of hours when the
    # senior manager on call is the one who asked.
    HEAD_OF_SERVICE = "head_of_service"
    POLICE_MASH_OFFICER = "police_mash_officer"
    HEALTH_MASH_OFFICER = "health_mash_officer"
    EDUCATION_MASH_OFFICER = "education_mash_officer"
    PROBATION_MASH_OFFICER = "probation_mash_officer"
    HOUSING_MASH_OFFICER = "housing_mash_officer"
    YOUTH_JUSTICE_MASH_OFFICER = "youth_justice_mash_officer"
    VOLUNTARY_SECTOR_WORKER = "voluntary_sector_worker"
    FAMILY_SAFEGUARDING_SOCIAL_WORKER = "family_safeguarding_social_worker"
    DOMESTIC_ABUSE_WORKER = "domestic_abuse_worker"
    ADULT_MENTAL_HEALTH_PRACTITIONER = "adult_mental_health_practitioner"
    SUBSTANCE_MISUSE_WORKER = "substance_misuse_worker"
    FAMILY_SAFEGUARDING_TEAM_MANAGER = "family_safeguarding_team_manager"
    SOCIAL_WORKER = "social_worker"
    FAMILY_HUB_WORKER = "family_hub_worker"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"


class PersonKind(StrEnum):
    CHILD = "Child"
    ADULT = "Adult"


class AllocationRole(StrEnum):
    CASE_HOLDER = "case_holder"
    CO_ALLOCATED = "co_allocated"


class RelativeKind(StrEnum):
    GRANDPARENT = "grandparent"
    AUNT_OR_UNCLE = "aunt_or_uncle"
    COUSIN = "cousin"
    STEP_PARENT = "step_parent"
    FAMILY_FRIEND = "family_friend"


class SiblingKind(StrEnum):
    FULL = "full"
    HALF = "half"
    STEP = "step"


class RecordCategory(StrEnum):
    """What an agency record is about; the policy's resource kinds follow the holder agency."""

    DOMESTIC_ABUSE_INCIDENT = "domestic_abuse_incident"
    CRIMINAL_RECORD = "criminal_record"
    MISSING_EPISODE = "missing_episode"
    MENTAL_HEALTH = "mental_health"
    SUBSTANCE_MISUSE = "substance_misuse"
    HEALTH_VISITING = "health_visiting"
    GP_RECORD = "gp_record"
    DISABILITY = "disability"
    SCHOOL_ATTENDANCE = "school_attendance"
    SCHOOL_CONCERN = "school_concern"
    EXCLUSION = "exclusion"
    PROBATION_SUPERVISION = "probation_supervision"
    TENANCY = "tenancy"
    RENT_ARREARS = "rent_arrears"
    YOUTH_OFFENDING = "youth_offending"
    YOUNG_CARER = "young_carer"
    FINANCIAL_HARDSHIP = "financial_hardship"
    CHILD_PROTECTION_PLAN = "child_protection_plan"
    EARLY_HELP = "early_help"


class Classification(StrEnum):
    OFFICIAL = "OFFICIAL"
    OFFICIAL_SENSITIVE = "OFFICIAL_SENSITIVE"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who said a relationship exists, when, and whether it has been checked."""

    asserted_by: str
    asserted_at: datetime
    verified: bool


@dataclass(frozen=True, slots=True)
class Agency:
    id: str
    name: str
    kind: AgencyKind


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str
    service: Service
    agency_id: str


@dataclass(frozen=True, slots=True)
class Professional:
    id: str
    name: str
    roles: tuple[Role, ...]
    team_id: str
    # Disciplines separate what a multi-agency team member may see of colleagues' entries.
    discipline: str = ""
    # How the council's identity provider names them, when its tokens name professionals by
    # another claim than `sub` (HUB_JWT_SUBJECT_CLAIM); unique among professionals.
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    kind: PersonKind
    given_name: str
    family_name: str
    dob: date
    gender: str = ""
    ethnicity: str = ""


@dataclass(frozen=True, slots=True)
class Household:
    id: str
    address: str
    postcode: str


@dataclass(frozen=True, slots=True)
class LivesIn:
    person_id: str
    household_id: str
    since: date
    provenance: Provenance
    until: date | None = None


@dataclass(frozen=True, slots=True)
class ParentOf:
    adult_id: str
    child_id: str
    parental_responsibility: bool
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class SiblingOf:
    child_id: str
    sibling_id: str
    kind: SiblingKind
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class PartnerOf:
    adult_id: str
    partner_id: str
    provenance: Provenance
    current: bool = True


@dataclass(frozen=True, slots=True)
class CarerOf:
    carer_id: str
    cared_for_id: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class RelativeOf:
    person_id: str
    relative_id: str
    kind: RelativeKind
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Allocation:
    professional_id: str
    child_id: str
    role: AllocationRole
    since: date


@dataclass(frozen=True, slots=True)
class AgencyRecord:
    id: str
    agency_id: str
    person_id: str
    category: RecordCategory
    summary: str
    recorded_at: datetime
    classification: Classification = Classification.OFFICIAL_SENSITIVE


@dataclass(slots=True)
class GraphBatch:
    """Everything one load writes, in dependency order of the fields."""

    agencies: list[Agency] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    professionals: list[Professional] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    lives_in: list[LivesIn] = field(default_factory=list)
    parent_of: list[ParentOf] = field(default_factory=list)
    sibling_of: list[SiblingOf] = field(default_factory=list)
    partner_of: list[PartnerOf] = field(default_factory=list)
    carer_of: list[CarerOf] = field(default_factory=list)
    relative_of: list[RelativeOf] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    records: list[AgencyRecord] = field(default_factory=list)

    def extend(self, other: GraphBatch) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))

    def size(self) -> int:
        return sum(len(getattr(self, name)) for name in self.__dataclass_fields__)
