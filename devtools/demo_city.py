"""Demo data: one city's children's services with ~50 families, or a county at scale.

Deterministic for a seed: every draw comes from a `random.Random` and every date counts
back from `REFERENCE_DATE`, so the same seed always writes the same graph. All people,
places and organisations are fictional.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum, auto

from neo4j import Driver

from graph import workbook
from graph.model import (
    Agency,
    AgencyKind,
    AgencyRecord,
    Allocation,
    AllocationRole,
    CarerOf,
    Classification,
    GraphBatch,
    Household,
    LivesIn,
    ParentOf,
    PartnerOf,
    Person,
    PersonKind,
    Professional,
    Provenance,
    RecordCategory,
    RelativeKind,
    RelativeOf,
    Role,
    Service,
    SiblingKind,
    SiblingOf,
    Team,
)
from graph.writes import SummarySealer, write_batch

REFERENCE_DATE = date(2026, 11, 1)
_REFERENCE_TIME = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

DEMO_CITY_FAMILIES = 50

COUNCIL_AGENCY_ID = "agency-council"
POLICE_AGENCY_ID = "agency-police"
HEALTH_AGENCY_ID = "agency-health"
EDUCATION_AGENCY_ID = "agency-education"
PROBATION_AGENCY_ID = "agency-probation"
HOUSING_AGENCY_ID = "agency-housing"
YOUTH_JUSTICE_AGENCY_ID = "agency-youth-justice"
VOLUNTARY_AGENCY_ID = "agency-voluntary"

MASH_TEAM_ID = "team-mash"
EDT_TEAM_ID = "team-edt"
FS_TEAM_ID = "team-fs-1"
QUALITY_ASSURANCE_TEAM_ID = "team-quality-assurance"
SYSTEMS_TEAM_ID = "team-systems"

MASH_SOCIAL_WORKER_ID = "pro-0001"
CRS_MANAGER_ID = "pro-0002"
SECOND_CRS_MANAGER_ID = "pro-0003"
EDT_PRACTITIONER_ID = "pro-0004"
EDT_SENIOR_MANAGER_ID = "pro-0005"
POLICE_OFFICER_ID = "pro-0006"
HEALTH_OFFICER_ID = "pro-0007"
EDUCATION_OFFICER_ID = "pro-0008"
PROBATION_OFFICER_ID = "pro-0009"
HOUSING_OFFICER_ID = "pro-0010"
YOUTH_JUSTICE_OFFICER_ID = "pro-0011"
VOLUNTARY_WORKER_ID = "pro-0012"
AUDITOR_ID = "pro-0013"
ADMINISTRATOR_ID = "pro-0014"
FS_TEAM_MANAGER_ID = "pro-0015"
FS_SOCIAL_WORKER_ID = "pro-0016"
FS_DOMESTIC_ABUSE_WORKER_ID = "pro-0017"
FS_MENTAL_HEALTH_PRACTITIONER_ID = "pro-0018"
FS_SUBSTANCE_MISUSE_WORKER_ID = "pro-0019"
SECOND_MASH_SOCIAL_WORKER_ID = "pro-0020"

# Person ids have fixed slots within a family, so the demo family's ids never shift.
_MOTHER, _FATHER, _SECOND_FATHER, _PARTNER, _FIRST_CHILD, _ADULT_SIBLING = 1, 2, 3, 4, 5, 9
# slot, female, chance, on the father's side: every family knows a maternal grandmother.
_GRANDPARENTS = ((10, True, 1.0, False), (11, False, 0.6, False), (12, True, 0.6, True),
                 (13, False, 0.4, True))
_FIRST_AUNT = 14

DEMO_FAMILY_HOUSEHOLD_ID = "household-001-a"
DEMO_FATHER_HOUSEHOLD_ID = "household-001-b"
DEMO_PAST_HOUSEHOLD_ID = "household-001-c"
DEMO_MOTHER_ID = "person-001-01"
DEMO_FATHER_ID = "person-001-02"  # father of the two older children, without PR
DEMO_PARTNER_ID = "person-001-04"  # mother's partner, father (with PR) of the youngest
DEMO_YOUNG_CARER_ID = "person-001-05"
DEMO_FAMILY_CHILD_ID = "person-001-06"
DEMO_YOUNGEST_CHILD_ID = "person-001-07"
DEMO_GRANDMOTHER_ID = "person-001-10"


@dataclass(frozen=True, slots=True)
class _Place:
    prefix: str  # keeps a county's ids apart from the city's
    width: int  # digits of a family number
    name: str
    council: str
    postcode_area: str
    districts: tuple[str, ...]


_CITY = _Place(
    "", 3, "Fenbridge", "City Council", "FB",
    ("Millfield", "Eastgate", "Westwood", "Northfield", "Orton Green", "Riverside", "Castle Hill"),
)
_COUNTY = _Place(
    "c-", 6, "Brackenshire", "County Council", "BQ",
    ("Brackenby", "Calderholt", "Dunmere", "Elswick Green", "Farrowby", "Galtham",
     "Hollin Cross", "Kelderby", "Lowthorpe", "Merrowdene", "Nethercott", "Oakhurst Magna"),
)

_AGENCIES: tuple[tuple[str, AgencyKind, str], ...] = (
    ("council", AgencyKind.CHILDRENS_SERVICES, "{place} {council} Children's Services"),
    ("police", AgencyKind.POLICE, "{place} Police"),
    ("health", AgencyKind.HEALTH, "NHS {place} Integrated Care Board"),
    ("education", AgencyKind.EDUCATION, "{place} Education and Schools Service"),
    ("probation", AgencyKind.PROBATION, "Probation Service, {place} Delivery Unit"),
    ("housing", AgencyKind.HOUSING, "{place} Housing Services"),
    ("youth-justice", AgencyKind.YOUTH_JUSTICE, "{place} Youth Justice Service"),
    ("voluntary", AgencyKind.VOLUNTARY, "Safer Futures {place} (domestic abuse charity)"),
)

_COUNCIL_TEAMS: tuple[tuple[str, str, Service], ...] = (
    ("mash", "Children's Resource Service: MASH", Service.CRS_MASH),
    ("edt", "Emergency Duty Team", Service.EDT),
    ("lado", "Local Authority Designated Officer", Service.LADO),
    ("family-help", "Family Help", Service.FAMILY_HELP),
    ("jigsaw", "Jigsaw (children with disabilities)", Service.JIGSAW),
    ("yps", "Young People's Service", Service.YOUNG_PEOPLES_SERVICE),
    ("building-bridges", "Building Bridges", Service.BUILDING_BRIDGES),
    ("fostering", "Fostering", Service.FOSTERING),
    ("pathways", "Pathways Through Care", Service.PATHWAYS_THROUGH_CARE),
    ("fgc", "Family Group Conferences", Service.FAMILY_GROUP_CONFERENCE),
    ("quality-assurance", "Quality Assurance and Audit", Service.QUALITY_ASSURANCE),
    ("systems", "Systems and Information", Service.SYSTEMS),
)

# agency key, MASH officer role, discipline, MASH team name, service team name, officers per unit
_PARTNERS: tuple[tuple[str, Role, str, str, str, float], ...] = (
    ("police", Role.POLICE_MASH_OFFICER, "police", "Police Safeguarding Hub",
     "Domestic Abuse Investigation Unit", 0.2),
    ("health", Role.HEALTH_MASH_OFFICER, "health", "Health Safeguarding in the MASH",
     "Health Visiting and School Nursing", 0.1),
    ("education", Role.EDUCATION_MASH_OFFICER, "education", "Education Safeguarding in the MASH",
     "Attendance and Inclusion", 0.1),
    ("probation", Role.PROBATION_MASH_OFFICER, "probation", "Probation in the MASH",
     "Probation Delivery Unit", 0.05),
    ("housing", Role.HOUSING_MASH_OFFICER, "housing", "Housing in the MASH",
     "Tenancy Sustainment", 0.05),
    ("youth-justice", Role.YOUTH_JUSTICE_MASH_OFFICER, "youth_justice", "Youth Justice in the MASH",
     "Youth Justice Case Team", 0.05),
    ("voluntary", Role.VOLUNTARY_SECTOR_WORKER, "domestic_abuse", "IDVA Service in the MASH",
     "Community Outreach", 0.05),
)

# team key ("fs" is each Family Safeguarding team, "hub" each family hub), role, discipline,
# minimum per team, and how many per unit of scale (one Family Safeguarding team), shared
# out among the teams the key stands for.
_STAFFING: tuple[tuple[str, Role, str, int, float], ...] = (
    ("mash", Role.MASH_SOCIAL_WORKER, "social_work", 4, 0.5),
    ("mash", Role.CRS_MANAGER, "management", 2, 0.1),
    ("edt", Role.EDT_PRACTITIONER, "social_work", 2, 0.1),
    ("edt", Role.EDT_ON_CALL_SENIOR_MANAGER, "management", 1, 0.02),
    ("lado", Role.SOCIAL_WORKER, "social_work", 1, 0.02),
    ("family-help", Role.SOCIAL_WORKER, "social_work", 3, 1.0),
    ("jigsaw", Role.SOCIAL_WORKER, "social_work", 2, 0.5),
    ("yps", Role.SOCIAL_WORKER, "social_work", 2, 0.5),
    ("building-bridges", Role.SOCIAL_WORKER, "social_work", 1, 0.1),
    ("fostering", Role.SOCIAL_WORKER, "social_work", 1, 0.1),
    ("pathways", Role.SOCIAL_WORKER, "social_work", 1, 0.1),
    ("fgc", Role.SOCIAL_WORKER, "social_work", 1, 0.1),
    ("quality-assurance", Role.AUDITOR, "audit", 1, 0.01),
    ("systems", Role.ADMINISTRATOR, "systems", 1, 0.005),
    ("voluntary-service", Role.VOLUNTARY_SECTOR_WORKER, "domestic_abuse", 1, 0.05),
    ("fs", Role.FAMILY_SAFEGUARDING_TEAM_MANAGER, "management", 1, 0.0),
    ("fs", Role.FAMILY_SAFEGUARDING_SOCIAL_WORKER, "social_work", 3, 0.0),
    ("fs", Role.DOMESTIC_ABUSE_WORKER, "domestic_abuse", 1, 0.0),
    ("fs", Role.ADULT_MENTAL_HEALTH_PRACTITIONER, "adult_mental_health", 1, 0.0),
    ("fs", Role.SUBSTANCE_MISUSE_WORKER, "substance_misuse", 1, 0.0),
    ("hub", Role.FAMILY_HUB_WORKER, "early_help", 2, 1.0),
    *((f"{key}-mash", role, discipline, 1, per_unit)
      for key, role, discipline, _, _, per_unit in _PARTNERS),
)

# Demo logins keep their names whatever the seed; everyone else is drawn.
_KeyStaff = tuple[str, str, str, Role, str]  # id, name, team key, role, discipline
_KEY_STAFF: tuple[_KeyStaff, ...] = (
    (MASH_SOCIAL_WORKER_ID, "Sarah Okafor", "mash", Role.MASH_SOCIAL_WORKER, "social_work"),
    (CRS_MANAGER_ID, "David Hollins", "mash", Role.CRS_MANAGER, "management"),
    (SECOND_CRS_MANAGER_ID, "Priya Sharma", "mash", Role.CRS_MANAGER, "management"),
    (EDT_PRACTITIONER_ID, "Tom Ashworth", "edt", Role.EDT_PRACTITIONER, "social_work"),
    (EDT_SENIOR_MANAGER_ID, "Angela Brookes", "edt", Role.EDT_ON_CALL_SENIOR_MANAGER,
     "management"),
    (POLICE_OFFICER_ID, "DC Rob Whitfield", "police-mash", Role.POLICE_MASH_OFFICER, "police"),
    (HEALTH_OFFICER_ID, "Fiona Grantham", "health-mash", Role.HEALTH_MASH_OFFICER, "health"),
    (EDUCATION_OFFICER_ID, "Rachel Adeyemi", "education-mash", Role.EDUCATION_MASH_OFFICER,
     "education"),
    (PROBATION_OFFICER_ID, "Gareth Pryce", "probation-mash", Role.PROBATION_MASH_OFFICER,
     "probation"),
    (HOUSING_OFFICER_ID, "Nadia Rahman", "housing-mash", Role.HOUSING_MASH_OFFICER, "housing"),
    (YOUTH_JUSTICE_OFFICER_ID, "Kwame Mensah", "youth-justice-mash",
     Role.YOUTH_JUSTICE_MASH_OFFICER, "youth_justice"),
    (VOLUNTARY_WORKER_ID, "Helen Ashby", "voluntary-mash", Role.VOLUNTARY_SECTOR_WORKER,
     "domestic_abuse"),
    (AUDITOR_ID, "Janet Colborne", "quality-assurance", Role.AUDITOR, "audit"),
    (ADMINISTRATOR_ID, "Ben Okoro", "systems", Role.ADMINISTRATOR, "systems"),
    (FS_TEAM_MANAGER_ID, "Claire Bennett", "fs-1", Role.FAMILY_SAFEGUARDING_TEAM_MANAGER,
     "management"),
    (FS_SOCIAL_WORKER_ID, "Emma Walsh", "fs-1", Role.FAMILY_SAFEGUARDING_SOCIAL_WORKER,
     "social_work"),
    (FS_DOMESTIC_ABUSE_WORKER_ID, "Lorraine Hayes", "fs-1", Role.DOMESTIC_ABUSE_WORKER,
     "domestic_abuse"),
    (FS_MENTAL_HEALTH_PRACTITIONER_ID, "Simon Patel", "fs-1",
     Role.ADULT_MENTAL_HEALTH_PRACTITIONER, "adult_mental_health"),
    (FS_SUBSTANCE_MISUSE_WORKER_ID, "Jo Reid", "fs-1", Role.SUBSTANCE_MISUSE_WORKER,
     "substance_misuse"),
    (SECOND_MASH_SOCIAL_WORKER_ID, "Marcus Grant", "mash", Role.MASH_SOCIAL_WORKER,
     "social_work"),
)


@dataclass(frozen=True, slots=True)
class _Culture:
    ethnicity: str
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]
    # Where first names follow fashion, children's differ from their parents'.
    girls: tuple[str, ...] = ()
    boys: tuple[str, ...] = ()

    def given_names(self, *, female: bool, child: bool) -> tuple[str, ...]:
        if child and self.girls:
            return self.girls if female else self.boys
        return self.female if female else self.male


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_CULTURES = (
    _Culture(
        "White British",
        _names("Jessica Megan Holly Leah Kayleigh Chantelle Stacey Gemma Rebecca Laura Danielle "
               "Kirsty Nicola Lisa Karen Tracey Julie Susan Linda Maureen Emma Sarah Hayley Jodie"),
        _names("Kyle Liam Connor Callum Jamie Dean Lee Craig Darren Wayne Gary Paul Steven Mark "
               "Kevin Brian Alan Keith Ryan Shaun Jason Martin"),
        _names("Smith Jones Taylor Brown Wilson Evans Walker Wright Robinson Thompson White "
               "Hughes Edwards Green Hall Wood Harris Clarke Jackson Turner Hill Moore Cooper "
               "Ward Carter Parker Bennett Shaw Marsh Fletcher Dawson Pickering"),
        _names("Olivia Amelia Isla Ava Emily Sophie Grace Ruby Chloe Lily Poppy Freya Evie Mia "
               "Ella Millie"),
        _names("Oliver Harry Jack George Noah Charlie Jacob Alfie Freddie Riley Tyler Leo Archie "
               "Theo Oscar Mason"),
    ),
    _Culture(
        "Asian British - Pakistani",
        _names("Aisha Fatima Zainab Maryam Amina Hafsa Noor Sana Ayesha Nadia Shabana Rubina"),
        _names("Mohammed Ibrahim Yusuf Ali Hamza Zain Bilal Imran Tariq Asif Adam Usman"),
        _names("Khan Hussain Ahmed Ali Akhtar Iqbal Mahmood Rashid Aslam Shah"),
    ),
    _Culture(
        "Asian British - Indian",
        _names("Priya Anjali Simran Kiran Meera Aarohi Neha Pooja Harleen Divya"),
        _names("Arjun Rahul Aarav Rohan Vikram Harpreet Sanjay Dev Kabir Manpreet"),
        _names("Patel Sharma Singh Gill Mistry Chauhan Sandhu Bains Joshi Parmar"),
    ),
    _Culture(
        "Black African",
        _names("Blessing Chioma Adaeze Esther Mercy Abena Amara Favour Precious Ifeoma"),
        _names("Emmanuel Samuel Tobi Kwame Chinedu Daniel Joshua Kofi Tunde Femi"),
        _names("Okafor Adeyemi Mensah Owusu Nwosu Boateng Okoro Mwangi Asante Eze"),
    ),
    _Culture(
        "Black Caribbean",
        _names("Shanice Tanisha Jada Keisha Aaliyah Naomi Jasmine Monique Simone Latoya"),
        _names("Marcus Jermaine Tyrone Andre Malachi Isaiah Nathaniel Leon Dwayne Kareem"),
        _names("Campbell Francis Richards Grant Douglas Bailey Henry Lewis Brown Samuels"),
    ),
    _Culture(
        "White Other - Eastern European",
        _names("Zuzanna Julia Maja Natalia Agnieszka Ioana Andreea Gabija Oliwia Elena"),
        _names("Jakub Kacper Szymon Piotr Tomasz Andrei Mihai Lukas Mateusz Bogdan"),
        _names("Nowak Kaczmarek Wojcik Popescu Ionescu Stan Mazur Krawczyk Petrauskas Dumitru"),
    ),
)
_CULTURE_CUM_WEIGHTS = tuple(
    sum((0.64, 0.08, 0.06, 0.07, 0.05, 0.10)[: i + 1]) for i in range(len(_CULTURES))
)

_STREETS = _names(
    "Station_Road Church_Lane Victoria_Street Mill_Road Park_Avenue Queens_Road Elm_Grove "
    "Chapel_Street Orchard_Close Windsor_Court Cromwell_Road Newark_Way Willow_Walk "
    "Beech_Crescent Granby_Street Albert_Terrace Foundry_Lane Hawthorn_Drive Kingsley_Road "
    "Priory_View"
)


class _Need(Enum):
    MENTAL_HEALTH = auto()
    YOUNG_CARER = auto()
    DOMESTIC_ABUSE = auto()
    SUBSTANCE_MISUSE = auto()
    DISABILITY = auto()
    CHILD_PROTECTION = auto()
    FINANCIAL_HARDSHIP = auto()
    YOUTH_OFFENDING = auto()


_NEEDS = tuple(_Need)
_NEED_WEIGHTS = (0.50, 0.20, 0.50, 0.35, 0.25, 0.20, 0.55, 0.12)
# Needs that bring Family Safeguarding in, rather than Family Help.
_FAMILY_SAFEGUARDING_NEEDS = frozenset(
    {_Need.CHILD_PROTECTION, _Need.DOMESTIC_ABUSE, _Need.SUBSTANCE_MISUSE, _Need.MENTAL_HEALTH}
)


class _Subject(Enum):
    MOTHER = auto()
    PERPETRATOR = auto()
    SUBSTANCE_USER = auto()
    CARER = auto()
    DISABLED = auto()
    CHILDREN = auto()
    SCHOOL_CHILD = auto()
    UNDER_FIVE = auto()
    TEENAGER = auto()


@dataclass(frozen=True, slots=True)
class _RecordTemplate:
    agency: str
    category: RecordCategory
    subject: _Subject
    chance: float
    summaries: tuple[str, ...]
    classification: Classification = Classification.OFFICIAL_SENSITIVE


_R = _RecordTemplate
_C = RecordCategory
_S = _Subject

# The first template of each need always applies, so a need is always evidenced by an agency.
_RECORDS: dict[_Need, tuple[_RecordTemplate, ...]] = {
    _Need.DOMESTIC_ABUSE: (
        _R("police", _C.DOMESTIC_ABUSE_INCIDENT, _S.MOTHER, 1.0, (
            "Officers attended after a 999 call from a neighbour; {name} had a cut lip and said "
            "{perp} pushed her. Children present in the home. DASH risk: {risk}.",
            "Verbal argument escalating to assault at the family home; {name} declined to "
            "support a prosecution. Children asleep upstairs. DASH risk: {risk}.",
            "Third domestic incident in six months; {perp} left before officers arrived. "
            "{name} frightened and tearful. DASH risk: {risk}.",
        )),
        _R("police", _C.CRIMINAL_RECORD, _S.PERPETRATOR, 0.5, (
            "Arrested for assault on a partner; released under investigation with conditions "
            "not to contact {mother}.",
            "Previous conviction for common assault (domestic) in 2021; breached a "
            "non-molestation order in 2023.",
        )),
        _R("voluntary", _C.DOMESTIC_ABUSE_INCIDENT, _S.MOTHER, 0.4, (
            "IDVA support after MARAC referral; safety plan agreed and target hardening "
            "requested for the property.",
            "{name} attending the Freedom Programme; 6 of 11 sessions so far.",
        )),
        _R("probation", _C.PROBATION_SUPERVISION, _S.PERPETRATOR, 0.3, (
            "Community order with a Building Better Relationships requirement; {sessions} of "
            "24 sessions attended.",
            "On licence after a custodial sentence for assault; exclusion zone around "
            "{mother}'s address.",
        )),
        _R("education", _C.SCHOOL_CONCERN, _S.SCHOOL_CHILD, 0.4, (
            "{name} told a teaching assistant there was shouting at home and they could not "
            "sleep; {school} DSL informed.",
            "{name} withdrawn and tearful in class after the weekend; {school} logged a "
            "safeguarding concern.",
        )),
    ),
    _Need.MENTAL_HEALTH: (
        _R("health", _C.MENTAL_HEALTH, _S.MOTHER, 1.0, (
            "Known to the community mental health team with recurrent depression; care "
            "coordinator allocated.",
            "Attended A&E after an overdose of prescribed medication; referred to the crisis "
            "resolution team.",
            "Perinatal mental health team involvement after the birth of her youngest; anxiety "
            "and low mood.",
            "Diagnosis of bipolar affective disorder; stopped medication in the spring and "
            "relapsed.",
        )),
        _R("health", _C.GP_RECORD, _S.MOTHER, 0.5, (
            "GP reviewed antidepressant medication; two missed appointments since.",
            "Seen by GP for low mood and poor sleep; referred to talking therapies.",
        )),
    ),
    _Need.YOUNG_CARER: (
        _R("education", _C.SCHOOL_ATTENDANCE, _S.CARER, 1.0, (
            "Attendance {pct}% this term at {school}; late most mornings. School aware "
            "{name} helps care for mum.",
            "{name}'s attendance at {school} down to {pct}%; often tired and homework not "
            "done.",
        ), Classification.OFFICIAL),
        _R("council", _C.YOUNG_CARER, _S.CARER, 0.7, (
            "Young carer's assessment: {name} helps {mother} with medication and meals and "
            "gets siblings ready for school.",
            "{name} referred to the young carers group by the family hub; caring for {mother} "
            "most evenings.",
        )),
    ),
    _Need.SUBSTANCE_MISUSE: (
        _R("health", _C.SUBSTANCE_MISUSE, _S.SUBSTANCE_USER, 1.0, (
            "Engaged with the drug and alcohol service for alcohol dependence; attendance "
            "intermittent.",
            "Opiate substitute prescription; a recent test was positive for cocaine.",
            "Referred to the alcohol service after a hospital admission with pancreatitis.",
        )),
        _R("police", _C.CRIMINAL_RECORD, _S.SUBSTANCE_USER, 0.3, (
            "Caution for possession of a class B drug.",
            "Arrested for drink driving; disqualified for 18 months.",
        )),
    ),
    _Need.DISABILITY: (
        _R("health", _C.DISABILITY, _S.DISABLED, 1.0, (
            "{name}: autism spectrum condition; sleep difficulties and distressed behaviour "
            "at home.",
            "{name}: cerebral palsy, uses a wheelchair; under the community paediatrician.",
            "{name}: global developmental delay; awaiting speech and language therapy.",
        )),
        _R("education", _C.SCHOOL_CONCERN, _S.DISABLED, 0.5, (
            "EHC plan reviewed at {school}; {name} needs one-to-one support at lunchtimes.",
            "{name} on a reduced timetable at {school} while the EHC plan is reviewed.",
        ), Classification.OFFICIAL),
        _R("council", _C.DISABILITY, _S.DISABLED, 0.4, (
            "Short breaks package agreed by Jigsaw: one overnight stay a month.",
        )),
    ),
    _Need.CHILD_PROTECTION: (
        _R("council", _C.CHILD_PROTECTION_PLAN, _S.CHILDREN, 1.0, (
            "{name} subject to a child protection plan under the category of {category} "
            "since the initial child protection conference.",
        )),
        _R("health", _C.HEALTH_VISITING, _S.UNDER_FIVE, 0.8, (
            "Health visitor visits increased to fortnightly under the child protection plan; "
            "{name}'s weight on the 9th centile.",
            "{name} missed the 2-year development review twice; home conditions poor.",
        )),
    ),
    _Need.FINANCIAL_HARDSHIP: (
        _R("housing", _C.RENT_ARREARS, _S.MOTHER, 1.0, (
            "Rent arrears of £{amount}; notice seeking possession served; referred to tenancy "
            "sustainment.",
            "Rent arrears of £{amount} since Universal Credit changes; repayment plan agreed.",
        ), Classification.OFFICIAL),
        _R("council", _C.FINANCIAL_HARDSHIP, _S.MOTHER, 0.5, (
            "Family hub gave food bank vouchers and a Household Support Fund payment.",
            "Referred for debt advice; electricity on an emergency prepayment credit.",
        ), Classification.OFFICIAL),
    ),
    _Need.YOUTH_OFFENDING: (
        _R("youth-justice", _C.YOUTH_OFFENDING, _S.TEENAGER, 1.0, (
            "{name} subject to a referral order for criminal damage; 3 months remaining.",
            "{name} on a youth conditional caution for shoplifting; engaging with the "
            "case worker.",
        )),
        _R("police", _C.MISSING_EPISODE, _S.TEENAGER, 0.5, (
            "{name} reported missing overnight; found in a neighbouring town with older "
            "youths. Return interview offered.",
        )),
    ),
}

# Families known to no particular need still have ordinary agency contact.
_ROUTINE: tuple[_RecordTemplate, ...] = (
    _R("education", _C.SCHOOL_ATTENDANCE, _S.SCHOOL_CHILD, 0.25, (
        "Attendance {pct}% at {school}; persistent absence letter sent.",
    ), Classification.OFFICIAL),
    _R("health", _C.HEALTH_VISITING, _S.UNDER_FIVE, 0.3, (
        "Universal health visiting: {name} meeting milestones; parents engaged.",
    ), Classification.OFFICIAL),
)


class _Father(Enum):
    AT_HOME = auto()
    AWAY_WITH_PR = auto()
    AWAY_WITHOUT_PR = auto()


class _YoungerFather(Enum):
    SAME = auto()
    AWAY = auto()
    PARTNER = auto()


@dataclass(frozen=True, slots=True)
class _Plan:
    """A family's shape, drawn first so the demo family can be stated rather than drawn."""

    needs: frozenset[_Need]
    mother_age: int
    ages: tuple[int, ...]  # children, oldest first
    father: _Father
    younger_father: _YoungerFather
    half_from: int  # index of the first child of the younger father
    partner: bool  # the mother has a new partner living with her
    past_household: bool
    case_holder: str | None = None


_DEMO_PLAN = _Plan(
    needs=frozenset({_Need.DOMESTIC_ABUSE, _Need.MENTAL_HEALTH, _Need.YOUNG_CARER,
                     _Need.CHILD_PROTECTION}),
    mother_age=33, ages=(14, 9, 2), father=_Father.AWAY_WITHOUT_PR,
    younger_father=_YoungerFather.PARTNER, half_from=2, partner=True, past_household=True,
    case_holder=FS_SOCIAL_WORKER_ID,
)
# The demo family is drawn from its own stream, so it is the same whatever the seed.
_DEMO_FAMILY_SEED = 1


@dataclass(frozen=True, slots=True)
class _Profile:
    need_counts: tuple[int, ...]
    need_count_weights: tuple[float, ...]
    allocation_rate: float


_CITY_PROFILE = _Profile((2, 3, 4), (0.4, 0.4, 0.2), 0.85)
_COUNTY_PROFILE = _Profile((1, 2, 3), (0.45, 0.4, 0.15), 0.35)


@dataclass(frozen=True, slots=True)
class _Org:
    place: _Place
    agency_ids: dict[str, str]
    members: dict[tuple[str, Role], list[str]]  # (team key, role) -> professional ids
    fs_teams: int


def _organisation(
    rng: random.Random, place: _Place, scale: int, key_staff: tuple[_KeyStaff, ...]
) -> tuple[_Org, GraphBatch]:
    batch = GraphBatch()
    p = place.prefix
    agency_ids = {key: f"{p}agency-{key}" for key, _, _ in _AGENCIES}
    batch.agencies = [
        Agency(agency_ids[k], name.format(place=place.name, council=place.council), kind)
        for k, kind, name in _AGENCIES
    ]
    team_names: list[tuple[str, str, Service, str]] = [
        (key, name, service, "council") for key, name, service in _COUNCIL_TEAMS
    ]
    team_names += [(f"fs-{i}", f"Family Safeguarding Team {i}", Service.FAMILY_SAFEGUARDING,
                    "council") for i in range(1, scale + 1)]
    team_names += [(f"hub-{_slug(d)}", f"{d} Family Hub", Service.FAMILY_HUB, "council")
                   for d in place.districts]
    for key, _, _, mash_name, service_name, _ in _PARTNERS:
        team_names.append((f"{key}-mash", mash_name, Service.PARTNER_MASH, key))
        team_names.append((f"{key}-service", service_name, Service.PARTNER_SERVICE, key))
    batch.teams = [Team(f"{p}team-{key}", name, service, agency_ids[agency])
                   for key, name, service, agency in team_names]

    members: dict[tuple[str, Role], list[str]] = {}
    for pro_id, name, team, role, discipline in key_staff:
        batch.professionals.append(
            Professional(pro_id, name, (role,), f"{p}team-{team}", discipline))
        members.setdefault((team, role), []).append(pro_id)
    expand = {
        "fs": [f"fs-{i}" for i in range(1, scale + 1)],
        "hub": [f"hub-{_slug(d)}" for d in place.districts],
    }
    for team_key, role, discipline, minimum, per_unit in _STAFFING:
        teams = expand.get(team_key, [team_key])
        wanted = max(minimum, round(scale * per_unit / len(teams)))
        for team in teams:
            present = members.setdefault((team, role), [])
            while len(present) < wanted:
                pro_id = f"{p}pro-{len(batch.professionals) + 1:0{place.width + 1}d}"
                culture = _culture(rng)
                female = rng.random() < 0.75  # most of the children's workforce are women
                given = rng.choice(culture.given_names(female=female, child=False))
                batch.professionals.append(Professional(
                    pro_id, f"{given} {rng.choice(culture.surnames)}", (role,),
                    f"{p}team-{team}", discipline,
                ))
                present.append(pro_id)
    return _Org(place, agency_ids, members, scale), batch


def _slug(text: str) -> str:
    return text.lower().replace(" ", "-")


def _culture(rng: random.Random) -> _Culture:
    return rng.choices(_CULTURES, cum_weights=_CULTURE_CUM_WEIGHTS)[0]


def _draw_plan(rng: random.Random, profile: _Profile) -> _Plan:
    count = rng.choices((1, 2, 3, 4), (0.32, 0.35, 0.23, 0.10))[0]
    mother_age = rng.randint(19, 46)
    oldest = min(17, mother_age - 17)
    ages = tuple(sorted((rng.randint(0, oldest) for _ in range(count)), reverse=True))
    needs: set[_Need] = set()
    wanted = rng.choices(profile.need_counts, profile.need_count_weights)[0]
    while len(needs) < wanted:
        needs.add(rng.choices(_NEEDS, _NEED_WEIGHTS)[0])
    if ages[0] < 8:
        needs.discard(_Need.YOUNG_CARER)
    if ages[0] < 12:
        needs.discard(_Need.YOUTH_OFFENDING)
    father = rng.choices(tuple(_Father), (0.35, 0.45, 0.20))[0]
    partner = father is not _Father.AT_HOME and rng.random() < 0.4
    younger, half_from = _YoungerFather.SAME, count
    if father is not _Father.AT_HOME and count > 1 and rng.random() < 0.3:
        half_from = rng.randint(1, count - 1)
        younger = _YoungerFather.PARTNER if partner and rng.random() < 0.6 else _YoungerFather.AWAY
    past = rng.random() < (0.25 if father is _Father.AT_HOME else 0.5)
    return _Plan(frozenset(needs), mother_age, ages, father, younger, half_from, partner, past)


def _days_ago(days: int) -> date:
    return REFERENCE_DATE - timedelta(days=days)


def _dob(rng: random.Random, age: int) -> date:
    return _days_ago(age * 365 + rng.randint(1, 364))


_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


class _Family:
    """One family written into a batch: people, homes, ties, allocations and records."""

    def __init__(
        self, out: GraphBatch, rng: random.Random, org: _Org, *, number: int, plan: _Plan,
        allocation_rate: float,
    ) -> None:
        self.out, self.rng, self.org, self.plan = out, rng, org, plan
        self.key = f"{number:0{org.place.width}d}"
        self.district = rng.randrange(len(org.place.districts))
        self.names: dict[str, str] = {}
        self.cultures: dict[str, _Culture] = {}
        self.children: list[tuple[str, int, str]] = []  # (id, age, father id)
        self.moved_days = rng.randint(90, 1800)  # since the family moved to its current home
        self.case_holder, self.co_worker = _allocate(rng, org, plan, self.district,
                                                     allocation_rate)
        # Who is working with the family decides who vouches for what is known about it.
        worker = self.case_holder or rng.choice(org.members[("mash", Role.MASH_SOCIAL_WORKER)])
        self.checked = self.said(worker, verified=True)
        self.reported = self.said(worker, verified=False)
        self.by_health = self.said(org.agency_ids["health"], verified=True)
        self.by_police = self.said(org.agency_ids["police"], verified=False)

    def pid(self, slot: int) -> str:
        return f"{self.org.place.prefix}person-{self.key}-{slot:02d}"

    def said(self, by: str, *, verified: bool) -> Provenance:
        days = self.rng.randint(1, 900)
        return Provenance(by, _REFERENCE_TIME - timedelta(days=days), verified)

    def person(
        self, slot: int, culture: _Culture, *, female: bool, age: int, surname: str,
        kind: PersonKind = PersonKind.ADULT, ethnicity: str = "",
    ) -> str:
        person_id, rng = self.pid(slot), self.rng
        given = rng.choice(culture.given_names(female=female, child=kind is PersonKind.CHILD))
        self.names[person_id], self.cultures[person_id] = given, culture
        self.out.people.append(Person(
            person_id, kind, given, surname, _dob(rng, age), "female" if female else "male",
            ethnicity or culture.ethnicity,
        ))
        return person_id

    def household(self, letter: str, where: int) -> str:
        place, rng = self.org.place, self.rng
        household_id = f"{place.prefix}household-{self.key}-{letter}"
        street = rng.choice(_STREETS).replace("_", " ")
        self.out.households.append(Household(
            household_id,
            f"{rng.randint(1, 180)} {street}, {place.districts[where]}, {place.name}",
            f"{place.postcode_area}{where + 1} {rng.randint(1, 9)}"
            f"{rng.choice(_LETTERS)}{rng.choice(_LETTERS)}",
        ))
        return household_id

    def lives(self, who: str, where: str, since_days: int, until_days: int | None = None) -> None:
        until = None if until_days is None else _days_ago(until_days)
        self.out.lives_in.append(LivesIn(who, where, _days_ago(since_days), self.checked, until))

    def build(self) -> None:
        self.parents()
        self.homes()
        self.ties()
        self.relatives()
        self.allocations()
        self.records()

    def parents(self) -> None:
        plan, rng = self.plan, self.rng
        self.mum_culture = mum = _culture(rng)
        self.dad_culture = dad = mum if rng.random() < 0.8 else _culture(rng)
        self.mum_surname, self.dad_surname = rng.choice(mum.surnames), rng.choice(dad.surnames)
        self.mother = self.person(_MOTHER, mum, female=True, age=plan.mother_age,
                                  surname=self.mum_surname)
        self.father = self.person(_FATHER, dad, female=False, surname=self.dad_surname,
                                  age=plan.mother_age + rng.randint(-2, 8))
        self.partner = self.second = ""
        if plan.partner:
            self.partner = self.stranger(_PARTNER)
        if plan.younger_father is _YoungerFather.AWAY:
            self.second = self.stranger(_SECOND_FATHER)
        younger = {_YoungerFather.SAME: self.father, _YoungerFather.AWAY: self.second,
                   _YoungerFather.PARTNER: self.partner}[plan.younger_father]
        with_father_name = plan.father is _Father.AT_HOME or rng.random() < 0.4
        for index, age in enumerate(plan.ages):
            dad_id = self.father if index < plan.half_from else younger
            surname = self.dad_surname if dad_id == self.father and with_father_name else (
                self.mum_surname)
            mixed = self.cultures[dad_id] is not mum
            child = self.person(_FIRST_CHILD + index, mum, female=rng.random() < 0.5, age=age,
                                surname=surname, kind=PersonKind.CHILD,
                                ethnicity="Mixed" if mixed else "")
            self.children.append((child, age, dad_id))

    def stranger(self, slot: int) -> str:
        culture = _culture(self.rng)
        return self.person(slot, culture, female=False, surname=self.rng.choice(culture.surnames),
                           age=self.plan.mother_age + self.rng.randint(-3, 9))

    def homes(self) -> None:
        plan, rng, moved = self.plan, self.rng, self.moved_days
        districts = len(self.org.place.districts)
        self.home = home = self.household("a", self.district)
        self.lives(self.mother, home, moved)
        if plan.father is _Father.AT_HOME:
            self.lives(self.father, home, moved)
        else:
            self.lives(self.father, self.household("b", rng.randrange(districts)),
                       rng.randint(30, moved))
        if self.partner:
            # A partner who fathered the youngest moved in with the mother.
            fathered = plan.younger_father is _YoungerFather.PARTNER
            self.lives(self.partner, home, moved if fathered else rng.randint(30, moved))
        for child, age, _ in self.children:
            self.lives(child, home, min(moved, age * 365))
        if plan.past_household:
            former = self.household("c", rng.randrange(districts))
            since = moved + rng.randint(400, 3000)
            for adult in (self.mother, self.father):
                self.lives(adult, former, since, moved)
            for child, age, dad_id in self.children:
                if age * 365 > moved and dad_id == self.father:
                    self.lives(child, former, min(since, age * 365), moved)

    def ties(self) -> None:
        out, plan = self.out, self.plan
        for child, _, dad_id in self.children:
            out.parent_of.append(ParentOf(self.mother, child, True, self.by_health))
            if dad_id == self.father:
                has_pr = plan.father is not _Father.AWAY_WITHOUT_PR
            else:
                has_pr = dad_id == self.partner or self.rng.random() < 0.6
            out.parent_of.append(ParentOf(dad_id, child, has_pr, self.by_health))
            if self.partner and dad_id != self.partner:
                out.relative_of.append(
                    RelativeOf(child, self.partner, RelativeKind.STEP_PARENT, self.reported))
        for i, (child, _, dad_i) in enumerate(self.children):
            for other, _, dad_j in self.children[i + 1:]:
                kind = SiblingKind.FULL if dad_i == dad_j else SiblingKind.HALF
                out.sibling_of.append(SiblingOf(child, other, kind, self.checked))
        abuse = _Need.DOMESTIC_ABUSE in plan.needs
        out.partner_of.append(PartnerOf(self.mother, self.father,
                                        self.by_police if abuse else self.reported,
                                        plan.father is _Father.AT_HOME))
        if self.partner:
            out.partner_of.append(PartnerOf(self.mother, self.partner, self.reported, True))
        if self.second:
            out.partner_of.append(PartnerOf(self.mother, self.second, self.reported, False))
        if _Need.YOUNG_CARER in plan.needs:
            out.carer_of.append(CarerOf(self.children[0][0], self.mother, self.checked))

    def relatives(self) -> None:
        """Grandparents, the mother's brothers and sisters, sometimes a half-sibling who left."""
        rng, plan, mum = self.rng, self.plan, self.mum_culture
        kin: list[tuple[str, RelativeKind, bool]] = []  # (id, kind, only the father's children)
        for slot, female, chance, paternal in _GRANDPARENTS:
            if chance == 1.0 or rng.random() < chance:
                culture, surname = ((self.dad_culture, self.dad_surname) if paternal
                                    else (mum, self.mum_surname))
                relative = self.person(slot, culture, female=female, surname=surname,
                                       age=plan.mother_age + rng.randint(20, 30))
                kin.append((relative, RelativeKind.GRANDPARENT, paternal))
        if rng.random() < 0.1:
            self.lives(self.pid(_GRANDPARENTS[0][0]), self.home, self.moved_days)
        for n in range(rng.choices((0, 1, 2, 3), (0.25, 0.4, 0.25, 0.1))[0]):
            relative = self.person(_FIRST_AUNT + n, mum, female=rng.random() < 0.5,
                                   age=max(18, plan.mother_age + rng.randint(-8, 8)),
                                   surname=self.mum_surname)
            kin.append((relative, RelativeKind.AUNT_OR_UNCLE, False))
        for relative, kind, paternal in kin:
            for child, _, dad_id in self.children:
                if not paternal or dad_id == self.father:
                    self.out.relative_of.append(RelativeOf(child, relative, kind, self.reported))
        if plan.mother_age >= 36 and rng.random() < 0.25:
            adult = self.person(_ADULT_SIBLING, mum, female=rng.random() < 0.5,
                                age=rng.randint(18, plan.mother_age - 17), surname=self.mum_surname)
            for child, _, _ in self.children:
                self.out.sibling_of.append(SiblingOf(child, adult, SiblingKind.HALF, self.reported))

    def allocations(self) -> None:
        self.disabled = self.rng.choice(self.children)[0]
        if not self.case_holder:
            return
        since = _days_ago(self.rng.randint(14, 500))
        for child, _, _ in self.children:
            self.out.allocations.append(
                Allocation(self.case_holder, child, AllocationRole.CASE_HOLDER, since))
        if self.co_worker:
            target = self.disabled if _Need.DISABILITY in self.plan.needs else self.children[-1][0]
            self.out.allocations.append(
                Allocation(self.co_worker, target, AllocationRole.CO_ALLOCATED, since))

    def records(self) -> None:
        rng, plan, children = self.rng, self.plan, self.children
        oldest, oldest_age = children[0][0], children[0][1]
        school_age = [c for c, a, _ in children if 5 <= a <= 16]
        perpetrator = self.partner or self.father
        at_home = plan.father is _Father.AT_HOME
        user = self.partner or (self.father if at_home or rng.random() < 0.5 else self.mother)
        subjects: dict[_Subject, list[str]] = {
            _S.MOTHER: [self.mother],
            _S.PERPETRATOR: [perpetrator],
            _S.SUBSTANCE_USER: [user],
            _S.CARER: [oldest],
            _S.DISABLED: [self.disabled],
            _S.CHILDREN: [c for c, _, _ in children],
            _S.SCHOOL_CHILD: [rng.choice(school_age)] if school_age else [],
            _S.UNDER_FIVE: [c for c, a, _ in children[-1:] if a < 5],
            _S.TEENAGER: [oldest] if oldest_age >= 12 else [],
        }
        words = {
            "mother": self.names[self.mother], "perp": self.names[perpetrator],
            "risk": rng.choice(("standard", "medium", "high")), "pct": rng.randint(62, 89),
            "amount": rng.randrange(400, 4000, 25), "sessions": rng.randint(3, 20),
            "category": rng.choice(("neglect", "emotional abuse", "physical abuse")),
        }
        ages = {c: a for c, a, _ in children}
        district = self.org.place.districts[self.district]
        templates = [t for need in _NEEDS if need in plan.needs for t in _RECORDS[need]]
        written = 0
        for template in (*templates, *_ROUTINE):
            if template.chance < 1.0 and rng.random() >= template.chance:
                continue
            for subject in subjects[template.subject]:
                written += 1
                school = district + (" Primary School" if ages.get(subject, 18) < 11
                                     else " Academy")
                summary = rng.choice(template.summaries).format(
                    name=self.names[subject], school=school, **words)
                at = _REFERENCE_TIME - timedelta(days=rng.randint(3, 720),
                                                 minutes=rng.randint(0, 600))
                self.out.records.append(AgencyRecord(
                    f"{self.org.place.prefix}record-{self.key}-{written:03d}",
                    self.org.agency_ids[template.agency], subject, template.category, summary,
                    at, template.classification,
                ))


def _allocate(
    rng: random.Random, org: _Org, plan: _Plan, district: int, rate: float
) -> tuple[str, str]:
    """The family's case holder and a co-allocated worker; empty strings where there is none."""
    needs = plan.needs
    if plan.case_holder:
        return plan.case_holder, ""
    # A child on a protection plan always has a social worker.
    if _Need.CHILD_PROTECTION not in needs and rng.random() >= rate:
        return "", ""
    m = org.members
    if needs & _FAMILY_SAFEGUARDING_NEEDS:
        team = f"fs-{rng.randint(1, org.fs_teams)}"
        holder = rng.choice(m[(team, Role.FAMILY_SAFEGUARDING_SOCIAL_WORKER)])
    elif _Need.DISABILITY in needs:
        holder = rng.choice(m[("jigsaw", Role.SOCIAL_WORKER)])
    elif _Need.YOUTH_OFFENDING in needs:
        holder = rng.choice(m[("yps", Role.SOCIAL_WORKER)])
    else:
        holder = rng.choice(m[("family-help", Role.SOCIAL_WORKER)])
    co_worker = ""
    if _Need.DISABILITY in needs and holder not in m[("jigsaw", Role.SOCIAL_WORKER)]:
        co_worker = rng.choice(m[("jigsaw", Role.SOCIAL_WORKER)])
    elif rng.random() < 0.15:
        hub = f"hub-{_slug(org.place.districts[district])}"
        co_worker = rng.choice(m[(hub, Role.FAMILY_HUB_WORKER)])
    return holder, co_worker


def demo_city(seed: int = 7) -> GraphBatch:
    """Fenbridge: its children's services, partner agencies and 50 families with complex needs."""
    rng = random.Random(seed)
    org, batch = _organisation(rng, _CITY, 3, _KEY_STAFF)
    _Family(batch, random.Random(_DEMO_FAMILY_SEED), org, number=1, plan=_DEMO_PLAN,
            allocation_rate=_CITY_PROFILE.allocation_rate).build()
    for number in range(2, DEMO_CITY_FAMILIES + 1):
        plan = _draw_plan(rng, _CITY_PROFILE)
        _Family(batch, rng, org, number=number, plan=plan,
                allocation_rate=_CITY_PROFILE.allocation_rate).build()
    return batch


def county(families: int, seed: int = 11, chunk_families: int = 2_000) -> Iterator[GraphBatch]:
    """Brackenshire at scale, `chunk_families` families per batch; the organisation comes first."""
    rng = random.Random(seed)
    # One Family Safeguarding team per 200 families gives about one case holder per 40.
    org, batch = _organisation(rng, _COUNTY, max(3, math.ceil(families / 200)), ())
    for number in range(1, families + 1):
        plan = _draw_plan(rng, _COUNTY_PROFILE)
        _Family(batch, rng, org, number=number, plan=plan,
                allocation_rate=_COUNTY_PROFILE.allocation_rate).build()
        if number % chunk_families == 0:
            yield batch
            batch = GraphBatch()
    if batch.size():
        yield batch


def count_items(batches: Iterable[GraphBatch]) -> int:
    """The total a progress bar needs; generation is deterministic, so a second pass matches."""
    return sum(batch.size() for batch in batches)


def load(
    driver: Driver,
    batches: Iterable[GraphBatch],
    *,
    database: str = "neo4j",
    batch_size: int = 5_000,
    on_progress: Callable[[int], None] | None = None,
    sealer: SummarySealer | None = None,
) -> int:
    """Writes every batch in order (so the organisation precedes allocations); returns items.

    Record summaries are stored encrypted by `sealer`; without one they are not stored.
    Then every family allocated to a Family Safeguarding team gets its workbook.
    """
    written = sum(
        write_batch(driver, batch, database=database, batch_size=batch_size,
                    on_progress=on_progress, sealer=sealer)
        for batch in batches
    )
    workbook.open_workbooks(driver, database=database)
    return written
