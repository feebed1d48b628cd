"""Who read our records: for a MASH partner officer (and children's services' front door managers),
each read of their own agency's records by another agency on a consent, an override or break
glass, with a period filter and paging; the same list, decisions and audit events as the API's
readsOfOurRecords."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response

from services.disclosures import ReadsOfRecords
from services.principal import Principal
from services.refusals import InvalidInput
from web.audit_review import read_period
from web.pages import Errors, Pages, Visit
from web.workbook import NavigationLink, add_navigation

READS_PAGE = 25
PATH = "/reads-of-our-records"


def routes(app: FastAPI, pages: Pages) -> None:
    reads = RecordReads(pages)
    pages.get(app, PATH, reads.page)
    add_navigation(pages, reads.navigation)


class RecordReads:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.disclosures = pages.services.disclosures

    def navigation(self, principal: Principal, active: str | None) -> list[NavigationLink]:
        if not self.disclosures.may_read(principal):
            return []
        return [{"href": PATH, "text": "Reads of our records", "active": active == "disclosures"}]

    async def page(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        if not self.disclosures.may_read(visit.principal):
            return pages.not_found(visit)
        query = request.query_params
        errors = Errors()
        period = read_period(lambda name: query.get(name, ""), errors)
        after = query.get("after") or None
        found = None
        if not errors:
            answer = await pages.call(
                self.disclosures.reads_of_our_records, visit.principal, from_at=period.from_at,
                to_at=period.to_at, first=READS_PAGE, after=after, request_id=visit.request_id,
            )
            if isinstance(answer, InvalidInput):
                errors.add("from-day", answer.message[:1].upper() + answer.message[1:])
            elif isinstance(answer, ReadsOfRecords):
                found = answer
        # Every filter the professional typed is kept, on the page and in its links.
        filters = {key: value for key, value in query.items() if key != "after" and value}
        return pages.render(
            visit, "reads_of_our_records.html", title="Reads of your agency's records", active="disclosures",
            found=found, errors=errors, query=query,
            next_href=f"{PATH}?" + urlencode({**filters, "after": found.page.end_cursor})
            if found is not None and found.page.has_next_page and found.page.end_cursor else None,
            first_href=f"{PATH}?" + urlencode(filters) if after else None,
            status=400 if errors else 200,
        )
