"""Reads of our records in a browser: the police MASH officer sees who in the council read the
police's records under an override, filters by period (a wrong date shown in the error summary,
nothing typed lost) and pages back; anyone else finds no such page. axe on every page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import LiteralString

import pytest
from neo4j import Driver
from playwright.sync_api import expect

from config.settings import Settings
from devtools import demo_city
from graph.consent import ConsentScope, OverrideGround
from graph.network import FamilyNetwork
from services.composition import Hub, assemble
from services.principal import Principal, PrincipalLookup
from services.vocabulary import OverrideRecord
from tests.web.browser import Served, Visitor

POLICE_OFFICER = "DC Rob Whitfield"
READER = "Sarah Okafor"
# Overrides are decided in office hours by a CRS manager: a Tuesday morning in London.
OFFICE_HOURS = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
# More reads than one page shows, so the list pages.
READS = 27
# A child of the demo city whose family the police know, and that no other browser test works with.
A_CHILD_THE_POLICE_KNOW: LiteralString = """
MATCH (c:Child)<-[:PARENT_OF]-(:Adult)<-[:ABOUT]-(:AgencyRecord)-[:HELD_BY]->(:Agency {id: $police})
WHERE c.id STARTS WITH 'person-04'
RETURN c.id AS id ORDER BY id LIMIT 1
"""


@dataclass(frozen=True)
class Read:
    child_id: str
    override_id: str
    police_record_ids: tuple[str, ...]


def _principal(hub: Hub, professional_id: str) -> Principal:
    found = PrincipalLookup(hub.driver, database="neo4j", policy_sync=hub.policy_sync).principal(professional_id)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def read(served_hub: Served, session_driver: Driver, web_settings: Settings) -> Iterator[Read]:
    """An approved override for a child, and the MASH social worker reading its family network
    under it again and again, through the services, as the pages would."""
    hub = assemble(web_settings, driver=session_driver, consent_clock=lambda: OFFICE_HOURS)
    services = hub.services
    marker = uuid.uuid4().hex[:10]
    records, _, _ = session_driver.execute_query(A_CHILD_THE_POLICE_KNOW, police=demo_city.POLICE_AGENCY_ID)
    child_id = str(records[0]["id"])
    requester = _principal(hub, demo_city.MASH_SOCIAL_WORKER_ID)
    requested = services.consent.request_override(
        requester, child_id=child_id, ground=OverrideGround.SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION,
        justification=f"Asking would alert the adult who is the risk [{marker}].", scope=ConsentScope.FULL,
        agencies=[], request_id=f"test-{marker}",
    )
    assert isinstance(requested, OverrideRecord)
    decided = services.consent.decide_override(
        _principal(hub, demo_city.CRS_MANAGER_ID), override_id=requested.id, approve=True,
        note="Agreed.", request_id=f"test-{marker}",
    )
    assert isinstance(decided, OverrideRecord)
    police_records: tuple[str, ...] = ()
    for number in range(READS):
        network = services.network.family_network(requester, child_id, depth=1, request_id=f"test-{marker}-{number}")
        assert isinstance(network, FamilyNetwork)
        police_records = tuple(sorted(
            r.id for r in network.records if r.agency_id == demo_city.POLICE_AGENCY_ID and r.basis == "OVERRIDE"
        ))
    assert police_records
    yield Read(child_id, requested.id, police_records)
    hub.close()


def open_the_list(visit: Visitor) -> None:
    page = visit.sign_in_as(POLICE_OFFICER)
    page.get_by_role("link", name="Reads of our records").click()
    expect(page.get_by_role("heading", name="Reads of your agency's records")).to_be_visible()


class TestThePoliceOfficerIsTold:
    def test_the_read_under_the_override_shows_who_read_on_what_basis_and_which_records(
        self, visit: Visitor, read: Read
    ) -> None:
        open_the_list(visit)
        page = visit.page

        row = page.get_by_role("row").filter(has_text=read.child_id).first
        expect(row).to_contain_text(READER)
        expect(row).to_contain_text(f"Override {read.override_id}")
        for record_id in read.police_record_ids:
            expect(row).to_contain_text(record_id)
        visit.assert_accessible()
        visit.screenshot("reads-of-our-records")

    def test_older_reads_are_a_page_away_and_the_newest_one_more(self, visit: Visitor, read: Read) -> None:
        open_the_list(visit)
        page = visit.page

        page.get_by_role("link", name="Older reads").click()
        expect(page.get_by_role("row").filter(has_text=read.child_id).first).to_be_visible()
        visit.assert_accessible()
        page.get_by_role("link", name="Newest reads").click()

        expect(page.get_by_role("link", name="Older reads")).to_be_visible()


class TestThePeriod:
    def test_a_date_that_is_not_real_is_shown_in_the_error_summary_and_what_was_typed_stays(
        self, visit: Visitor, read: Read
    ) -> None:
        open_the_list(visit)
        page = visit.page
        start = page.get_by_role("group", name="Read from")
        start.get_by_label("Day").fill("31")
        start.get_by_label("Month").fill("2")
        start.get_by_label("Year").fill("2026")

        page.get_by_role("button", name="Show this period").click()

        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("There is a problem")
        expect(summary.get_by_role("link", name="The start of the period must be a real date")).to_be_visible()
        expect(start.get_by_label("Day")).to_have_value("31")
        expect(start.get_by_label("Month")).to_have_value("2")
        expect(start.get_by_label("Year")).to_have_value("2026")
        visit.assert_accessible()
        visit.screenshot("reads-of-our-records-error")

    def test_a_period_before_the_reads_lists_none_of_them(self, visit: Visitor, read: Read) -> None:
        open_the_list(visit)
        page = visit.page
        for legend, (day, month, year) in (("Read from", ("1", "1", "2020")), ("Read to", ("31", "12", "2020"))):
            group = page.get_by_role("group", name=legend)
            group.get_by_label("Day").fill(day)
            group.get_by_label("Month").fill(month)
            group.get_by_label("Year").fill(year)

        page.get_by_role("button", name="Show this period").click()

        expect(page.get_by_text("No other agency read your agency's records in this period.")).to_be_visible()
        expect(page.get_by_role("row").filter(has_text=read.child_id)).to_have_count(0)


class TestNobodyElse:
    def test_the_mash_social_worker_has_no_link_and_the_page_is_not_found(self, visit: Visitor, read: Read) -> None:
        page = visit.sign_in_as(READER)

        expect(page.get_by_role("link", name="Reads of our records")).to_have_count(0)
        response = page.goto(visit.base_url + "/reads-of-our-records")

        assert response is not None and response.status == 404
        expect(page.get_by_text(read.child_id)).to_have_count(0)
