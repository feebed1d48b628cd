"""The Family Safeguarding workbook in a browser: two workers amending one entry (the conflict
shown, nothing typed lost), a DISCIPLINE entry seen only by those it is for, a supervision signed
off and then locked, and the caseload; axe on every page, canaries never in a page's source."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect

from devtools.demo_city import DEMO_FAMILY_HOUSEHOLD_ID
from tests.web.browser import Served, Visitor, visitor

CASE_HOLDER = "Emma Walsh"
TEAM_MANAGER = "Claire Bennett"
DOMESTIC_ABUSE_WORKER = "Lorraine Hayes"
MENTAL_HEALTH_PRACTITIONER = "Simon Patel"
POLICE_OFFICER = "DC Rob Whitfield"
MASH_SOCIAL_WORKER = "Sarah Okafor"
AUDITOR = "Janet Colborne"
WORKBOOK = f"/workbooks/{DEMO_FAMILY_HOUSEHOLD_ID}"


def unique(words: str) -> str:
    return f"{words} [{uuid.uuid4().hex[:10]}]"


def add_entry(
    page: Page, *, section: str, body: str, discipline_only: bool = False, refers_to: str | None = None
) -> None:
    page.goto(WORKBOOK + "/entries/new")
    page.get_by_label("Section").select_option(label=section)
    page.get_by_label("What you are recording").fill(body)
    if discipline_only:
        page.get_by_label("Only my discipline, the case holder and the team manager").check()
    if refers_to is not None:
        page.get_by_role("group", name="Entries it refers to (optional)").get_by_label(refers_to).check()
    page.get_by_role("button", name="Add the entry").click()
    expect(page.get_by_text("Your entry was added.")).to_be_visible()


def entry_card(page: Page, text: str):  # type: ignore[no-untyped-def]
    return page.locator(".govuk-summary-card").filter(has_text=text)


class TestAFamilysWorkbook:
    def test_the_workbook_shows_the_household_its_sections_as_tabs_and_an_entry_with_its_author(
        self, visit: Visitor
    ) -> None:
        page = visit.sign_in_as(CASE_HOLDER)
        body = unique("Home visit: the children were settled and the kitchen well stocked.")

        add_entry(page, section="Assessment", body=body)

        expect(page.get_by_role("table", name="Who lives here")).to_be_visible()
        tabs = page.get_by_role("navigation", name="Workbook sections")
        expect(tabs.get_by_role("link", name="Assessment")).to_have_attribute("aria-current", "page")
        expect(tabs.get_by_role("link", name="Group supervision")).to_be_visible()
        card = entry_card(page, body)
        expect(card).to_contain_text(f"{CASE_HOLDER},")
        expect(card).to_contain_text("Social work")
        expect(card.get_by_text("Version", exact=True)).to_be_visible()
        visit.assert_accessible()
        visit.screenshot("workbook")

    def test_a_missing_section_and_text_are_in_the_error_summary_and_nothing_chosen_is_lost(
        self, visit: Visitor
    ) -> None:
        page = visit.sign_in_as(CASE_HOLDER)
        page.goto(WORKBOOK + "/entries/new")
        page.get_by_label("Only my discipline, the case holder and the team manager").check()

        page.get_by_role("button", name="Add the entry").click()

        summary = page.get_by_role("alert")
        expect(summary.get_by_role("link", name="Select the section the entry belongs in")).to_be_visible()
        expect(summary.get_by_role("link", name="Enter what you are recording")).to_be_visible()
        expect(page.get_by_label("Only my discipline, the case holder and the team manager")).to_be_checked()
        visit.assert_accessible()


class TestTwoWorkersAmendingOneEntry:
    def test_the_second_to_save_sees_the_first_ones_version_beside_their_own_text_and_saves_on_top(
        self, browser: Browser, served_hub: Served
    ) -> None:
        emma, lorraine = visitor(browser, served_hub.base_url), visitor(browser, served_hub.base_url)
        try:
            original = unique("Mother described the evening routine.")
            emma_page = emma.sign_in_as(CASE_HOLDER)
            add_entry(emma_page, section="Analysis", body=original)
            entry_card(emma_page, original).get_by_role("link", name="Amend").click()
            lorraine_page = lorraine.sign_in_as(DOMESTIC_ABUSE_WORKER)
            lorraine_page.goto(emma_page.url)
            theirs = original + " Lorraine: she also spoke of the partner's temper."
            lorraine_page.get_by_label("The entry's text").fill(theirs)
            lorraine_page.get_by_role("button", name="Save as version 2").click()
            expect(lorraine_page.get_by_text("Your amendment was saved as a new version.")).to_be_visible()

            mine = original + " Emma: the youngest was asleep by seven."
            emma_page.get_by_label("The entry's text").fill(mine)
            emma_page.get_by_role("button", name="Save as version 2").click()

            expect(emma_page.get_by_role("heading", name="Someone amended this entry first")).to_be_visible()
            expect(emma_page.get_by_role("region", name="Their version (2)")).to_contain_text("partner's temper")
            expect(emma_page.get_by_label("The entry's text")).to_have_value(mine)
            emma.assert_accessible()
            emma.screenshot("workbook-amend-conflict")
            emma_page.get_by_role("button", name="Save as version 3").click()

            expect(emma_page.get_by_text("Your amendment was saved as a new version.")).to_be_visible()
            card = entry_card(emma_page, "the youngest was asleep by seven")
            expect(card.get_by_text("Version", exact=True).locator("xpath=..")).to_contain_text("3")
            card.get_by_text("Earlier versions (2)").click()
            expect(card).to_contain_text("partner's temper")
            emma.assert_accessible()
        finally:
            emma.context.close()
            lorraine.context.close()
        assert emma.problems == [] and lorraine.problems == []


class TestADisciplineEntry:
    def test_it_is_read_by_its_discipline_the_case_holder_and_the_manager_and_withheld_from_the_rest(
        self, browser: Browser, served_hub: Served
    ) -> None:
        canary = unique("CANARY adult mental health: a new prescription after a crisis team visit.")
        author = visitor(browser, served_hub.base_url)
        try:
            add_entry(author.sign_in_as(MENTAL_HEALTH_PRACTITIONER), section="Assessment", body=canary,
                      discipline_only=True)
            expect(entry_card(author.page, canary)).to_contain_text("Adult mental health only")
        finally:
            author.context.close()

        for reader in (CASE_HOLDER, TEAM_MANAGER):
            seen = visitor(browser, served_hub.base_url)
            try:
                seen.sign_in_as(reader).goto(WORKBOOK + "?section=ASSESSMENT")
                expect(entry_card(seen.page, canary)).to_be_visible()
            finally:
                seen.context.close()

        colleague = visitor(browser, served_hub.base_url)
        try:
            colleague.sign_in_as(DOMESTIC_ABUSE_WORKER).goto(WORKBOOK + "?section=ASSESSMENT")
            withheld = colleague.page.locator(".govuk-summary-card").filter(has_text="Adult mental health only")
            expect(withheld.first).to_contain_text("Withheld")
            expect(withheld.first).to_contain_text("readable by that discipline, the case-holding social worker")
            assert canary not in colleague.source()
            colleague.assert_accessible()
        finally:
            colleague.context.close()

        for outsider in (POLICE_OFFICER, MASH_SOCIAL_WORKER):
            partner = visitor(browser, served_hub.base_url)
            try:
                partner.sign_in_as(outsider).goto(WORKBOOK)
                holds = partner.page.get_by_role("heading", name="A Family Safeguarding team holds this family")
                expect(holds).to_be_visible()
                assert canary not in partner.source()
                partner.assert_accessible()
            finally:
                partner.context.close()


class TestGroupSupervision:
    def test_a_signed_off_supervision_locks_itself_and_the_entries_it_names(
        self, browser: Browser, served_hub: Served
    ) -> None:
        plan = unique("Plan: weekly sessions with both parents on the programme.")
        worker = visitor(browser, served_hub.base_url)
        manager = visitor(browser, served_hub.base_url)
        try:
            worker_page = worker.sign_in_as(CASE_HOLDER)
            add_entry(worker_page, section="Plan", body=plan)
            written = entry_card(worker_page, plan).get_by_role("heading").inner_text().split(":", 1)[1].strip()

            manager_page = manager.sign_in_as(TEAM_MANAGER)
            supervision = unique("Group supervision: the team agreed the plan and its hypothesis.")
            add_entry(manager_page, section="Group supervision", body=supervision,
                      refers_to=f"Plan, {written}, by {CASE_HOLDER}")
            card = entry_card(manager_page, supervision)
            manager.assert_accessible()
            card.get_by_role("button", name="Sign off this supervision").click()

            expect(manager_page.get_by_text("The supervision was signed off")).to_be_visible()
            signed = entry_card(manager_page, supervision)
            expect(signed).to_contain_text("Locked")
            expect(signed).to_contain_text(f"In group supervision by {TEAM_MANAGER}")
            manager.assert_accessible()

            worker_page.goto(WORKBOOK + "?section=PLAN")
            locked = entry_card(worker_page, plan)
            expect(locked).to_contain_text("Locked")
            expect(locked.get_by_role("link", name="Amend")).to_have_count(0)
            entry_id = (locked.get_attribute("id") or "").removeprefix("entry-")
            worker_page.goto(f"{WORKBOOK}/entries/{entry_id}/amend?section=PLAN")
            expect(worker_page.get_by_text("it is locked and cannot be amended")).to_be_visible()
            later = "Record your later thinking as a new entry referring to this one"
            worker_page.get_by_role("link", name=later).click()
            expect(worker_page.get_by_role("heading", name="Add an entry")).to_be_visible()
            expect(worker_page.get_by_label("Section")).to_have_value("PLAN")
            worker.assert_accessible()

            worker_page.goto("/caseload")
            expect(worker_page.get_by_role("link", name="Your families", exact=True)).to_be_visible()
            row = worker_page.get_by_role("row").filter(has_text="Yours")
            expect(row.first).to_be_visible()
            worker.assert_accessible()
            worker.screenshot("caseload")
        finally:
            worker.context.close()
            manager.context.close()
        assert worker.problems == [] and manager.problems == []


class TestHiddenReadsAsMissing:
    def test_a_workbook_the_auditor_may_not_open_reads_exactly_like_no_workbook(self, visit: Visitor) -> None:
        page = visit.sign_in_as(AUDITOR)

        real = page.goto(WORKBOOK)
        real_text = page.locator("main").inner_text()
        unknown = page.goto("/workbooks/household-that-never-was")

        assert real is not None and unknown is not None
        assert real.status == unknown.status == 404
        assert page.locator("main").inner_text() == real_text
        expect(page.get_by_role("link", name="Your families")).to_have_count(0)
