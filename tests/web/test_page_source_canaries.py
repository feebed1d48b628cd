"""Nothing hidden reaches the browser, for each role: every page a demo professional can reach
holds in its source (the HTML as served and the page as the browser then holds it, data
attributes and embedded JSON included) exactly the planted canaries the hub's rules let that
professional see, and a real id they have no basis for reads exactly like an invented one.

Planted once for the module, each thing carrying a text found nowhere else:

- a family new to the demo city (not the demo family, whose state other tests describe): a child
  and the mother with parental responsibility, both of a canary family name, the mother's
  partner (a second canary name) and their home (a canary street);
- a children's services record about the child, a police record about the partner (so the
  partner is known to the police alone) and a health record about the child;
- a contact about the child (canary concern); the mother's consent TARGETED at the police alone
  (canary purpose); a request to the police on it, answered by the police (canary share); and
  an override request for the child awaiting a manager (canary justification).

Who sees what follows the README's "Who may see what" and policies/README.md: the front door
reads any child's people and children's services records on OWN_AGENCY, and a partner's records
where a consent covers that partner; the police, covered by the consent, read the people, the
council's records and their own; a partner reads another partner's records only where a grant
names both, so nobody here reads health's record; the other partner officers may learn only
which agencies know the child; the voluntary sector, the Family Safeguarding team without a
relationship, the auditor and the administrator learn nothing. Contacts and consents are the
front door's; an override's justification is read by its requester and the managers who decide
overrides; an answer is read by the agency that gave it and, on the basis it rests on, the
front door.
"""

from __future__ import annotations

import random
import re
import string
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum, StrEnum, auto

import pytest
from neo4j import Driver

from config.settings import Settings
from devtools import demo_city
from graph.model import (
    AgencyRecord,
    GraphBatch,
    Household,
    LivesIn,
    ParentOf,
    PartnerOf,
    Person,
    PersonKind,
    Provenance,
    RecordCategory,
)
from graph.writes import write_batch
from policies import Policy
from services.composition import assemble
from services.consent import is_office_hours
from services.contacts import ContactDetail, ContactInput, Referrer, RequestView, ShareView
from services.key_material import keyring
from services.policy import load_policy
from services.principal import Principal, PrincipalLookup
from services.vocabulary import (
    Channel,
    ConsentPosition,
    ConsentRecord,
    ConsentScope,
    OverrideGround,
    OverrideRecord,
    ReferrerKind,
    RequestBasis,
    RequestScope,
    Urgency,
)
from tests.conftest import SeededGraphs
from tests.web.browser import Served, Visitor
from web import labels


class Canary(StrEnum):
    CHILD_NAME = "the family name of the child and the mother"
    PARTNER_NAME = "the family name of the mother's partner, known to the police alone"
    ADDRESS = "the street the family lives in"
    COUNCIL_RECORD = "children's services' record about the child"
    POLICE_RECORD = "the police record about the partner"
    HEALTH_RECORD = "health's record about the child"
    CONCERN = "the contact's concern"
    PURPOSE = "the consent's purpose"
    SHARE = "what the police shared"
    JUSTIFICATION = "the override's justification"


def _word(rng: random.Random) -> str:
    return "Q" + "".join(rng.choices(string.ascii_lowercase, k=9))


def _misspelt(word: str) -> str:
    """One letter changed in the middle: still found by the spelling-tolerant search, but the
    canary itself is not in the page that echoes what was typed."""
    middle = len(word) // 2
    return word[:middle] + ("x" if word[middle] != "x" else "y") + word[middle + 1:]


@dataclass(frozen=True, slots=True)
class Planted:
    child_id: str
    contact_id: str
    request_id: str
    override_id: str
    child_name: str
    child_search: str
    partner_search: str
    unknown_search: str
    texts: dict[Canary, str]

    def found_in(self, source: str) -> frozenset[Canary]:
        """The canaries in a page, in any case (a name shown in capitals is shown all the same)."""
        folded = source.casefold()
        return frozenset(canary for canary, text in self.texts.items() if text.casefold() in folded)


def _principal(lookup: PrincipalLookup, professional_id: str) -> Principal:
    found = lookup.principal(professional_id)
    assert found is not None, professional_id
    return found


def plant(settings: Settings, driver: Driver) -> Planted:
    rng = random.Random()
    family, partner_family, street = _word(rng), _word(rng), _word(rng)
    marks = {canary: f"CANARY-{canary.name}-{uuid.uuid4().hex[:10]}" for canary in Canary}
    texts = {**marks, Canary.CHILD_NAME: family, Canary.PARTNER_NAME: partner_family, Canary.ADDRESS: street}
    child_id, mother_id, partner_id = (f"person-{uuid.uuid4().hex}" for _ in range(3))
    household_id = f"household-{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    vouched = Provenance(demo_city.MASH_SOCIAL_WORKER_ID, now - timedelta(days=40), True)
    by_police = Provenance(demo_city.POLICE_AGENCY_ID, now - timedelta(days=40), False)
    since = date.today() - timedelta(days=400)

    def record(agency_id: str, person_id: str, category: RecordCategory, canary: Canary) -> AgencyRecord:
        return AgencyRecord(f"record-{uuid.uuid4().hex}", agency_id, person_id, category,
                            f"Recorded for the canary test: {marks[canary]}.", now - timedelta(days=20))

    batch = GraphBatch(
        people=[
            Person(child_id, PersonKind.CHILD, "Ruby", family, date(2017, 3, 14), "female", "White British"),
            Person(mother_id, PersonKind.ADULT, "Kirsty", family, date(1991, 8, 2), "female", "White British"),
            Person(partner_id, PersonKind.ADULT, "Dean", partner_family, date(1988, 1, 23), "male", "White British"),
        ],
        households=[Household(household_id, f"14 {street} Road, Millfield, Fenbridge", "FB1 4QZ")],
        lives_in=[LivesIn(person, household_id, since, vouched) for person in (child_id, mother_id, partner_id)],
        parent_of=[ParentOf(mother_id, child_id, True, vouched)],
        partner_of=[PartnerOf(mother_id, partner_id, by_police, True)],
        records=[
            record(demo_city.COUNCIL_AGENCY_ID, child_id, RecordCategory.EARLY_HELP, Canary.COUNCIL_RECORD),
            record(demo_city.POLICE_AGENCY_ID, partner_id, RecordCategory.DOMESTIC_ABUSE_INCIDENT,
                   Canary.POLICE_RECORD),
            record(demo_city.HEALTH_AGENCY_ID, child_id, RecordCategory.HEALTH_VISITING, Canary.HEALTH_RECORD),
        ],
    )
    write_batch(driver, batch, database=settings.neo4j_database, sealer=keyring(settings))

    # The rest as the professionals would do it, through the services.
    hub = assemble(settings, driver=driver)
    services = hub.services
    lookup = PrincipalLookup(driver, database=settings.neo4j_database, policy_sync=hub.policy_sync)
    mash = _principal(lookup, demo_city.MASH_SOCIAL_WORKER_ID)
    police = _principal(lookup, demo_city.POLICE_OFFICER_ID)
    police_only = [demo_city.POLICE_AGENCY_ID]
    contact = services.contacts.record_contact(mash, ContactInput(
        child_id=child_id, new_child=None,
        referrer=Referrer(kind=ReferrerKind.PROFESSIONAL, name="Ms J Head", relationship="head teacher"),
        channel=Channel.TELEPHONE, concern=f"Bruising seen on the child's arm at school: {marks[Canary.CONCERN]}.",
        # Received long ago, so it heads the queue whatever else other tests have recorded.
        urgency=Urgency.RED, consent_position=ConsentPosition.GIVEN, consent_not_sought_reason=None,
        received_at=now - timedelta(days=30),
    ), request_id="canary-contact")
    assert isinstance(contact, ContactDetail), contact
    consent = services.consent.record_consent(
        mash, child_id=child_id, giver_id=mother_id, scope=ConsentScope.TARGETED, agencies=police_only,
        purpose=f"MASH enquiry: {marks[Canary.PURPOSE]}", method="In person at the family home",
        expires_at=None, request_id="canary-consent",
    )
    assert isinstance(consent, ConsentRecord), consent
    request = services.contacts.request_information(
        mash, contact_id=contact.row.id, scope=RequestScope.TARGETED, agencies=police_only,
        basis=RequestBasis.CONSENT, request_id="canary-request",
    )
    assert isinstance(request, RequestView), request
    share = services.contacts.share_information(
        police, request_to_answer=request.row.id, content=f"One call-out to the address: {marks[Canary.SHARE]}.",
        fact_or_opinion="FACT", historic=False, request_id="canary-share",
    )
    assert isinstance(share, ShareView), share
    override = services.consent.request_override(
        mash, child_id=child_id, ground=OverrideGround.SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION,
        justification=f"The partner would learn who called and the child is at risk: {marks[Canary.JUSTIFICATION]}",
        scope=ConsentScope.TARGETED, agencies=police_only, request_id="canary-override",
    )
    assert isinstance(override, OverrideRecord), override
    return Planted(
        child_id=child_id, contact_id=contact.row.id, request_id=request.row.id, override_id=override.id,
        child_name=f"Ruby {family}", child_search=_misspelt(family), partner_search=_misspelt(partner_family),
        unknown_search=_misspelt(_word(rng)), texts=texts,
    )


@pytest.fixture(scope="module")
def planted(
    served_hub: Served, session_driver: Driver, web_settings: Settings, seeded_graphs: SeededGraphs
) -> Iterator[Planted]:
    # A policy revision on record ten minutes back, so the auditor's replay of this minute has
    # one to judge by whichever test loaded one first.
    load_policy(session_driver, Policy(), database="neo4j", loaded_by="canaries")
    session_driver.execute_query(
        "MATCH (:PolicyState {id: 'current'})-[l:LOADED {by: 'canaries'}]->() SET l.at = l.at - duration({minutes: 10})"
    )
    yield plant(web_settings, session_driver)
    # The canaries leave with the module: the graph is the sealed demo city again.
    seeded_graphs.start_from(SeededGraphs.SEALED_CITY)


class Standing(Enum):
    FRONT_DOOR = auto()  # MASH and EDT practitioners: any child, the contacts, the consents
    MANAGER = auto()  # front-door managers: all that, and they decide overrides
    POLICE = auto()  # the partner the consent names, and the only agency knowing the partner
    PARTNER = auto()  # the other MASH partner officers: which agencies know the child, no more
    NONE = auto()  # no basis for anything about this family


@dataclass(frozen=True, slots=True)
class Viewer:
    professional_id: str
    name: str
    standing: Standing
    # The EDT on-call senior manager decides out of hours as well; the CRS managers in them only.
    decides_out_of_hours: bool = False
    requested_the_override: bool = False
    # The auditor reads override records (not their reasons), never case content.
    reads_overrides: bool = False
    # The auditor and the administrator read no person at all: the search refuses them.
    may_search: bool = True
    # Partner officers and the voluntary sector have an inbox of requests to their agency.
    has_inbox: bool = False
    # Health holds a record about the child: a person's details are read on each basis held for
    # content about them, so the search names the child to health on OWN_AGENCY.
    holds_record_about_child: bool = False


VIEWERS = (
    Viewer(demo_city.MASH_SOCIAL_WORKER_ID, "Sarah Okafor", Standing.FRONT_DOOR, requested_the_override=True,
           has_inbox=True),
    Viewer(demo_city.CRS_MANAGER_ID, "David Hollins", Standing.MANAGER, has_inbox=True),
    Viewer(demo_city.SECOND_CRS_MANAGER_ID, "Priya Sharma", Standing.MANAGER, has_inbox=True),
    Viewer(demo_city.EDT_PRACTITIONER_ID, "Tom Ashworth", Standing.FRONT_DOOR, has_inbox=True),
    Viewer(demo_city.EDT_SENIOR_MANAGER_ID, "Angela Brookes", Standing.MANAGER, decides_out_of_hours=True,
           has_inbox=True),
    Viewer(demo_city.POLICE_OFFICER_ID, "DC Rob Whitfield", Standing.POLICE, has_inbox=True),
    Viewer(demo_city.HEALTH_OFFICER_ID, "Fiona Grantham", Standing.PARTNER, has_inbox=True,
           holds_record_about_child=True),
    Viewer(demo_city.EDUCATION_OFFICER_ID, "Rachel Adeyemi", Standing.PARTNER, has_inbox=True),
    Viewer(demo_city.PROBATION_OFFICER_ID, "Gareth Pryce", Standing.PARTNER, has_inbox=True),
    Viewer(demo_city.HOUSING_OFFICER_ID, "Nadia Rahman", Standing.PARTNER, has_inbox=True),
    Viewer(demo_city.YOUTH_JUSTICE_OFFICER_ID, "Kwame Mensah", Standing.PARTNER, has_inbox=True),
    # Not a statutory partner: no existence-only disclosure, and no consent names it.
    Viewer(demo_city.VOLUNTARY_WORKER_ID, "Helen Ashby", Standing.NONE, has_inbox=True),
    Viewer(demo_city.AUDITOR_ID, "Janet Colborne", Standing.NONE, reads_overrides=True, may_search=False),
    Viewer(demo_city.ADMINISTRATOR_ID, "Ben Okoro", Standing.NONE, may_search=False),
    # The Family Safeguarding team, with no relationship to this family.
    Viewer(demo_city.FS_TEAM_MANAGER_ID, "Claire Bennett", Standing.NONE),
    Viewer(demo_city.FS_SOCIAL_WORKER_ID, "Emma Walsh", Standing.NONE),
    Viewer(demo_city.FS_DOMESTIC_ABUSE_WORKER_ID, "Lorraine Hayes", Standing.NONE),
    Viewer(demo_city.FS_MENTAL_HEALTH_PRACTITIONER_ID, "Simon Patel", Standing.NONE),
    Viewer(demo_city.FS_SUBSTANCE_MISUSE_WORKER_ID, "Jo Reid", Standing.NONE),
    Viewer(demo_city.SECOND_MASH_SOCIAL_WORKER_ID, "Marcus Grant", Standing.FRONT_DOOR, has_inbox=True),
)


@dataclass(frozen=True, slots=True)
class Expected:
    status: int
    heading: str
    canaries: frozenset[Canary] = frozenset()
    # For a page that must read exactly like another: the page of an invented id (or name).
    same_as: str | None = None
    # What the viewer may see on a page whose content depends on what others did first (who
    # read the agency's records so far), shown or not: never required, never a leak.
    may_show: frozenset[Canary] = frozenset()


NOT_FOUND = "Page not found"


def _hidden(unknown_path: str) -> Expected:
    return Expected(404, NOT_FOUND, same_as=unknown_path)


def expectations(viewer: Viewer, planted: Planted, *, in_office: bool) -> dict[str, Expected]:
    """Each page the viewer opens, with what it must show them and nothing more."""
    standing = viewer.standing
    front_door = standing in (Standing.FRONT_DOOR, Standing.MANAGER)
    sees_family = front_door or standing is Standing.POLICE
    finds_child = sees_family or viewer.holds_record_about_child
    child = planted.child_name
    c = Canary
    decides_now = standing is Standing.MANAGER and (in_office or viewer.decides_out_of_hours)
    reads_reasons = standing is Standing.MANAGER or viewer.requested_the_override
    never = f"person-{uuid.uuid4().hex}"
    searched = 200 if viewer.may_search else 400
    reads_disclosures = standing in (Standing.MANAGER, Standing.POLICE, Standing.PARTNER)
    moment = (datetime.now(UTC) - timedelta(minutes=1)).astimezone(labels.LONDON)
    replay = (f"/audit/replay?professional={demo_city.POLICE_OFFICER_ID}&child={planted.child_id}"
              f"&at-day={moment.day}&at-month={moment.month}&at-year={moment.year}&at-time={moment:%H:%M}")
    pages: dict[str, Expected] = {
        # The front door's queue names the child; the police's inbox names it on the consent.
        "/": Expected(200, viewer.name, frozenset({c.CHILD_NAME}) if sees_family else frozenset()),
        "/queue": Expected(200 if front_door else 403, "The front door queue",
                           frozenset({c.CHILD_NAME}) if front_door else frozenset()),
        f"/search?name={planted.child_search}": Expected(
            searched, "Find a person", frozenset({c.CHILD_NAME}) if finds_child else frozenset(),
            same_as=None if finds_child else f"/search?name={planted.unknown_search}"),
        # The front door reads the council's own index; the police hold a record about him.
        f"/search?name={planted.partner_search}": Expected(
            searched, "Find a person", frozenset({c.PARTNER_NAME}) if sees_family else frozenset(),
            same_as=None if sees_family else f"/search?name={planted.unknown_search}"),
        f"/children/{planted.child_id}/network": (
            # Health's record is withheld from both: the consent names the police alone.
            Expected(200, child, frozenset({c.CHILD_NAME, c.PARTNER_NAME, c.ADDRESS, c.COUNCIL_RECORD,
                                            c.POLICE_RECORD}))
            if sees_family else Expected(200, "This child") if standing is Standing.PARTNER
            else _hidden(f"/children/{never}/network")),
        f"/children/{planted.child_id}/consent": (
            Expected(200, child, frozenset({c.CHILD_NAME, c.PURPOSE})) if front_door
            else _hidden(f"/children/{never}/consent")),
        f"/contacts/{planted.contact_id}": (
            Expected(200, f"Contact about {child}", frozenset({c.CHILD_NAME, c.CONCERN, c.SHARE})) if front_door
            else _hidden(f"/contacts/contact-{uuid.uuid4().hex}")),
        "/inbox": Expected(200 if viewer.has_inbox else 403, "Your agency's inbox",
                           frozenset({c.CHILD_NAME}) if standing is Standing.POLICE else frozenset()),
        "/overrides": Expected(200, "Overrides awaiting your decision",
                               frozenset({c.CHILD_NAME, c.JUSTIFICATION}) if decides_now else frozenset()),
        f"/overrides/{planted.override_id}": (
            Expected(200, "Override: Requested", frozenset({c.JUSTIFICATION}) if reads_reasons else frozenset())
            if front_door or viewer.reads_overrides else _hidden(f"/overrides/override-{uuid.uuid4().hex}")),
        f"/requests/{planted.request_id}": (
            Expected(200, "Information request", frozenset({c.SHARE})) if standing is Standing.POLICE
            else Expected(200, "Information request") if front_door
            else _hidden(f"/requests/request-{uuid.uuid4().hex}")),
        # Who read the agency's records so far: the child's name where the viewer has a basis.
        "/reads-of-our-records": (
            Expected(200, "Reads of your agency's records",
                     may_show=frozenset({c.CHILD_NAME}) if sees_family else frozenset())
            if reads_disclosures else Expected(404, NOT_FOUND)),
        # The auditor's replay of what the police could see of the child: ids and bases, no content.
        replay: Expected(200, "Who could see what") if viewer.reads_overrides else Expected(404, NOT_FOUND),
    }
    return pages


@dataclass(frozen=True, slots=True)
class Opened:
    status: int
    heading: str
    served: str  # the HTML as the hub sent it
    source: str  # the page as the browser holds it once its scripts ran


def open_page(visit: Visitor, path: str) -> Opened:
    response = visit.page.goto(visit.base_url + path)
    assert response is not None, path
    headings = visit.page.locator("h1")
    return Opened(
        status=response.status, heading=headings.first.inner_text().strip() if headings.count() else "",
        served=response.text(), source=visit.source(),
    )


def differences(viewer: Viewer, planted: Planted, visit: Visitor) -> list[str]:
    """Every page of the viewer against its expectation. Which managers decide overrides now is
    the clock's (office hours or not): should it change during the walk, the walk is made again."""
    while True:
        in_office = is_office_hours(datetime.now(UTC))
        found = walk(viewer, planted, visit, in_office=in_office)
        if is_office_hours(datetime.now(UTC)) == in_office:
            return found


def walk(viewer: Viewer, planted: Planted, visit: Visitor, *, in_office: bool) -> list[str]:
    found: list[str] = []
    for path, expected in expectations(viewer, planted, in_office=in_office).items():
        opened = open_page(visit, path)
        where = f"{viewer.name} on {path}"
        if (opened.status, opened.heading) != (expected.status, expected.heading):
            found.append(f"{where}: {opened.status} {opened.heading!r}, expected {expected.status} "
                         f"{expected.heading!r}")
        for said, text in (("served", opened.served), ("in the browser", opened.source)):
            seen = planted.found_in(text)
            if leaked := seen - expected.canaries - expected.may_show:
                found.append(f"{where}: LEAK ({said}) of {sorted(canary.value for canary in leaked)}")
            if missing := expected.canaries - seen:
                found.append(f"{where}: not shown ({said}): {sorted(canary.value for canary in missing)}")
        if expected.same_as is not None:
            unknown = open_page(visit, expected.same_as)
            typed = (planted.child_search, planted.partner_search, planted.unknown_search)
            if (opened.status, _as_compared(opened.served, typed)) != (
                unknown.status, _as_compared(unknown.served, typed)
            ):
                found.append(f"{where}: reads differently from {expected.same_as} "
                             f"({opened.status} against {unknown.status})")
    return found


_NONCE = re.compile(r'nonce="[^"]*"')
_CSRF = re.compile(r'name="csrf_token" value="[^"]*"')


def _as_compared(html: str, typed: tuple[str, ...]) -> str:
    """A page as served, without what differs on every response (the script nonce, the form
    token) and what a search page echoes of the name typed: the viewer's own input."""
    html = _CSRF.sub('name="csrf_token" value=""', _NONCE.sub('nonce=""', html))
    for text in typed:
        html = html.replace(text, "<typed>")
    return html


class TestNothingHiddenReachesTheBrowser:
    @pytest.mark.parametrize("viewer", VIEWERS, ids=[viewer.name for viewer in VIEWERS])
    def test_each_page_holds_exactly_the_canaries_the_viewer_may_see(
        self, visit: Visitor, planted: Planted, viewer: Viewer
    ) -> None:
        visit.sign_in_as(viewer.name)

        found = differences(viewer, planted, visit)

        assert not found, "\n".join(found)


class TestTheViewers:
    def test_are_every_demo_professional_who_signs_in(self) -> None:
        demo_logins = {
            value for name, value in vars(demo_city).items()
            if name.endswith("_ID") and isinstance(value, str) and value.startswith("pro-")
        }

        assert sorted(viewer.professional_id for viewer in VIEWERS) == sorted(demo_logins)
