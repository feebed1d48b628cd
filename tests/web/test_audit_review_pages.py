"""The auditor's review in a browser: one override followed from the list to the reads made under
it, the chain verified and exported for a period that then verifies offline, break-glass uses,
and management information as charts with their tables and CSV; axe on every page, and no case
content but the override's justification in any page's source."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from neo4j import Driver
from playwright.sync_api import expect

from config.settings import PROJECT_ROOT, Settings
from devtools import demo_city
from graph.consent import ConsentScope, OverrideGround
from graph.contacts import Channel, ConsentPosition, ReferrerKind, Urgency
from graph.grants import BreakGlassReason, BreakGlassRecord
from graph.network import FamilyNetwork
from services.composition import Hub, assemble
from services.contacts import ContactDetail, ContactInput, Referrer
from services.principal import Principal, PrincipalLookup
from services.vocabulary import OverrideRecord
from tests.web.browser import Served, Visitor

AUDITOR = "Janet Colborne"
REQUESTER = "Sarah Okafor"
MANAGER = "David Hollins"
READER = "DC Rob Whitfield"
# A child of the demo city that no other browser test works with.
CHILD_ID = "person-037-05"
# Overrides are decided in office hours by a CRS manager: a Tuesday morning in London.
OFFICE_HOURS = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Reviewed:
    override_id: str
    justification: str
    canaries: tuple[str, ...]
    break_glass_explanation: str


def _principal(hub: Hub, professional_id: str) -> Principal:
    found = PrincipalLookup(hub.driver, database="neo4j", policy_sync=hub.policy_sync).principal(professional_id)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def reviewed(served_hub: Served, session_driver: Driver, web_settings: Settings) -> Iterator[Reviewed]:
    """An override requested, approved and read under, a contact about its child and a break
    glass, all made through the services, as the pages of part one would make them."""
    hub = assemble(web_settings, driver=session_driver, consent_clock=lambda: OFFICE_HOURS)
    services = hub.services
    marker = uuid.uuid4().hex[:10]
    requester = _principal(hub, demo_city.MASH_SOCIAL_WORKER_ID)
    justification = f"Seeking consent would alert the father, who is the alleged risk [{marker}]."
    requested = services.consent.request_override(
        requester, child_id=CHILD_ID, ground=OverrideGround.SEEKING_CONSENT_WOULD_PREJUDICE_PROTECTION,
        justification=justification, scope=ConsentScope.FULL, agencies=[], request_id=f"test-{marker}",
    )
    assert isinstance(requested, OverrideRecord)
    decided = services.consent.decide_override(
        _principal(hub, demo_city.CRS_MANAGER_ID), override_id=requested.id, approve=True,
        note="Agreed: the risk outweighs seeking consent now.", request_id=f"test-{marker}",
    )
    assert isinstance(decided, OverrideRecord)
    network = services.network.family_network(
        _principal(hub, demo_city.POLICE_OFFICER_ID), CHILD_ID, depth=1, request_id=f"test-{marker}",
    )
    assert isinstance(network, FamilyNetwork)
    concern = f"CANARY concern: a neighbour heard shouting late at night [{marker}]."
    contact = services.contacts.record_contact(requester, ContactInput(
        child_id=CHILD_ID, new_child=None,
        referrer=Referrer(kind=ReferrerKind.PUBLIC, name="A neighbour", relationship=None),
        channel=Channel.TELEPHONE, concern=concern, urgency=Urgency.AMBER, consent_position=ConsentPosition.NOT_SOUGHT,
        consent_not_sought_reason="Seeking it would alert the father", received_at=None,
    ), request_id=f"test-{marker}")
    assert isinstance(contact, ContactDetail)
    explanation = f"Covering the duty desk: the allocated worker is off sick today [{marker}]."
    glass = services.grants.break_glass(
        _principal(hub, demo_city.FS_SUBSTANCE_MISUSE_WORKER_ID), child_id=CHILD_ID,
        reason=BreakGlassReason.COVERING_FOR_ABSENT_COLLEAGUE, explanation=explanation, request_id=f"test-{marker}",
    )
    assert isinstance(glass, BreakGlassRecord)
    records, _, _ = session_driver.execute_query(
        "MATCH (c:Child {id: $id}) RETURN c.given_name + ' ' + c.family_name AS name", id=CHILD_ID,
    )
    yield Reviewed(requested.id, justification, (records[0]["name"], concern), explanation)
    hub.close()


def assert_no_case_content(visit: Visitor, reviewed: Reviewed) -> None:
    source = visit.source()
    for canary in reviewed.canaries:
        assert canary not in source, f"{visit.page.url} shows case content"


class TestFollowingOneOverride:
    def test_the_auditor_goes_from_the_list_filtered_by_requester_to_the_reads_under_the_override(
        self, visit: Visitor, reviewed: Reviewed
    ) -> None:
        page = visit.sign_in_as(AUDITOR)
        page.get_by_role("link", name="Audit review").click()
        expect(page.get_by_role("heading", name="Consent overrides")).to_be_visible()
        visit.assert_accessible()

        page.get_by_role("link").filter(has_text=f"{REQUESTER}: only their requests").first.click()
        expect(page.get_by_text(f"Requested by {REQUESTER}: show every requester")).to_be_visible()
        row = page.get_by_role("row").filter(has=page.locator(f'a[href="/audit/overrides/{reviewed.override_id}"]'))
        expect(row).to_contain_text("Seeking consent would prejudice the child's protection")
        expect(row).to_contain_text(MANAGER)
        expect(row.get_by_role("cell").last).to_have_text("1")
        assert_no_case_content(visit, reviewed)
        visit.assert_accessible()
        visit.screenshot("audit-overrides")

        row.get_by_role("link", name="the override's timeline").click()

        expect(page.locator("#justification")).to_have_text(reviewed.justification)
        timeline = page.get_by_role("table", name="What happened, in order")
        expect(timeline.get_by_role("row").filter(has_text="Requested")).to_contain_text(REQUESTER)
        expect(timeline.get_by_role("row").filter(has_text="Approved")).to_contain_text(
            "Manager's note: Agreed: the risk outweighs seeking consent now."
        )
        read = timeline.get_by_role("row").filter(has_text="Read under the override")
        expect(read).to_contain_text(READER)
        expect(read).to_contain_text("Fenbridge Police")
        expect(read).to_contain_text("Family network and records")
        assert_no_case_content(visit, reviewed)
        visit.assert_accessible()
        visit.screenshot("audit-override")

    def test_an_override_reads_like_an_unknown_one_to_a_professional_who_may_not_review(
        self, visit: Visitor, reviewed: Reviewed
    ) -> None:
        page = visit.sign_in_as(REQUESTER)

        real = page.goto(f"/audit/overrides/{reviewed.override_id}")
        real_text = page.locator("main").inner_text()
        unknown = page.goto("/audit/overrides/override-that-never-was")

        assert real is not None and unknown is not None
        assert real.status == unknown.status == 404
        assert page.locator("main").inner_text() == real_text
        assert reviewed.justification not in visit.source()


class TestBreakGlassUses:
    def test_each_use_is_listed_with_who_why_and_their_explanation(self, visit: Visitor, reviewed: Reviewed) -> None:
        page = visit.sign_in_as(AUDITOR)
        page.goto("/audit/break-glass")

        row = page.get_by_role("row").filter(has_text=reviewed.break_glass_explanation)
        expect(row).to_contain_text("Jo Reid")
        expect(row).to_contain_text("Covering for absent colleague")
        assert_no_case_content(visit, reviewed)
        visit.assert_accessible()


class TestTheAuditChain:
    def test_verify_now_is_recorded_and_an_export_for_a_period_verifies_offline(
        self, visit: Visitor, reviewed: Reviewed, served_hub: Served, tmp_path: Path
    ) -> None:
        page = visit.sign_in_as(AUDITOR)
        page.goto("/audit/chain")
        visit.assert_accessible()

        page.get_by_role("button", name="Verify now").click()

        expect(page.get_by_text("The chain verifies")).to_be_visible()
        expect(page.get_by_text(f"by {AUDITOR}: it verified")).to_be_visible()
        visit.assert_accessible()
        visit.screenshot("audit-chain")

        today = datetime.now(UTC)
        for name in ("from", "to"):
            group = page.get_by_role("group", name="From" if name == "from" else "To (the day included)")
            group.get_by_label("Day").fill(str(today.day))
            group.get_by_label("Month").fill(str(today.month))
            group.get_by_label("Year").fill(str(today.year))
        page.get_by_label("JSON Lines, verifiable offline").check()
        with page.expect_download() as jsonl:
            page.get_by_role("button", name="Download the export").click()
        export = tmp_path / "hub-audit-export.jsonl"
        jsonl.value.save_as(export)
        key = tmp_path / "hub-audit.pem"
        key.write_bytes(httpx.get(served_hub.base_url + "/audit/public-key", timeout=10).content)

        verified = subprocess.run(
            [str(PROJECT_ROOT / ".venv" / "bin" / "hub"), "audit", "verify", str(export), "--public-key", str(key)],
            capture_output=True, text=True, timeout=120, check=False,
        )

        assert verified.returncode == 0, verified.stdout + verified.stderr
        page.get_by_label("CSV, for a spreadsheet").check()
        with page.expect_download() as spreadsheet:
            page.get_by_role("button", name="Download the export").click()
        rows = Path(spreadsheet.value.path()).read_text().splitlines()
        assert rows[0].startswith("seq,at,actor,actor_name")
        assert any(reviewed.override_id in row and "override.approved" in row for row in rows)
        assert_no_case_content(visit, reviewed)


class TestManagementInformation:
    def test_a_manager_reads_each_figure_as_a_chart_beside_its_table_and_downloads_it(
        self, visit: Visitor, reviewed: Reviewed
    ) -> None:
        page = visit.sign_in_as(MANAGER)
        page.get_by_role("link", name="Management information").click()

        table = page.get_by_role("table", name="Override decisions per month, by the deciding manager")
        expect(table.get_by_role("row").filter(has_text=MANAGER).first).to_be_visible()
        expect(page.get_by_role("img", name="Chart: Override decisions per month, by the deciding manager",
                                exact=False)).to_be_visible()
        expect(page.get_by_role("table", name="Contacts by urgency, and the share decided within their due time")
               .get_by_role("row").filter(has_text="Amber")).to_be_visible()
        assert_no_case_content(visit, reviewed)
        visit.assert_accessible()
        visit.screenshot("management-information")

        with page.expect_download() as download:
            page.get_by_role("link").filter(
                has_text="Download the table as CSV: Override decisions per month, by the deciding manager"
            ).click()
        lines = Path(download.value.path()).read_text().splitlines()
        assert lines[0] == "Month,Manager,Approved,Rejected"
        assert any(MANAGER in line for line in lines[1:])

    def test_a_practitioner_has_no_such_page(self, visit: Visitor) -> None:
        page = visit.sign_in_as(REQUESTER)

        answered = page.goto("/management-information")

        assert answered is not None and answered.status == 404
        expect(page.get_by_role("link", name="Management information")).to_have_count(0)
