"""The worklists: override requests awaiting the signed-in manager's decision, and a partner
agency's inbox of information requests with the page to share or decline."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response

from services.contacts import RequestView, ShareView
from services.paging import Page
from web.front_door import _sentence
from web.pages import Errors, Form, Pages, Visit

LIST_PAGE = 20
_FACT_OR_OPINION = ("FACT", "OPINION")


def routes(app: FastAPI, pages: Pages) -> None:
    lists = Worklists(pages)
    pages.get(app, "/overrides", lists.awaiting_overrides)
    pages.get(app, "/inbox", lists.inbox)
    pages.get(app, "/requests/{request_id}", lists.request)
    pages.post(app, "/requests/{request_id}/answer", lists.answer)


class Worklists:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages

    async def awaiting_overrides(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        after = request.query_params.get("after") or None
        found = await pages.call(
            pages.services.worklists.overrides_awaiting_decision, visit.principal, first=LIST_PAGE, after=after,
            request_id=visit.request_id,
        )
        if not isinstance(found, Page):
            return pages.problem(visit, status=400, title="Overrides awaiting your decision", message=found.message)
        next_href = _next("/overrides", found.end_cursor if found.has_next_page else None)
        return pages.render(visit, "overrides_awaiting.html", title="Overrides awaiting your decision", page=found,
                            next_href=next_href)

    async def inbox(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        after = request.query_params.get("after") or None
        found = await pages.call(
            pages.services.worklists.information_request_inbox, visit.principal, status=None, first=LIST_PAGE,
            after=after, request_id=visit.request_id,
        )
        if not isinstance(found, Page):
            return pages.problem(visit, status=403, title="Your agency's inbox", message=found.message)
        next_href = _next("/inbox", found.end_cursor if found.has_next_page else None)
        return pages.render(visit, "inbox.html", title="Your agency's inbox", page=found, next_href=next_href,
                            agency_names=await self._agency_names())

    async def request(self, request: Request, visit: Visit) -> Response:
        return await self._request_page(
            visit, request.path_params["request_id"], banner=_ANSWERED.get(request.query_params.get("done", "")),
        )

    async def answer(self, request: Request, visit: Visit, form: Form) -> Response:
        request_id = request.path_params["request_id"]
        contacts = self.pages.services.contacts
        errors = Errors()
        answer = form.get("answer")
        if answer not in ("share", "decline"):
            errors.add("answer", "Select whether your agency shares or declines")
        elif answer == "share":
            if not form.get("content").strip():
                errors.add("content", "Enter what your agency shares")
            if form.get("fact_or_opinion") not in _FACT_OR_OPINION:
                errors.add("fact_or_opinion", "Select whether it is fact or opinion")
        elif not form.get("reason").strip():
            errors.add("reason", "Enter why your agency declines to share")
        if errors:
            return await self._request_page(visit, request_id, errors=errors, form=form, status=400)
        if answer == "share":
            done = await self.pages.call(
                contacts.share_information, visit.principal, request_to_answer=request_id, content=form.get("content"),
                fact_or_opinion=form.get("fact_or_opinion"), historic=form.get("historic") == "yes",
                request_id=visit.request_id,
            )
        else:
            done = await self.pages.call(
                contacts.decline_to_share, visit.principal, request_to_answer=request_id, reason=form.get("reason"),
                request_id=visit.request_id,
            )
        if not isinstance(done, ShareView):
            errors.add("answer", _sentence(done.message))
            return await self._request_page(visit, request_id, errors=errors, form=form, status=400)
        outcome = "shared" if answer == "share" else "declined"
        return self.pages.redirect(visit, f"/requests/{request_id}?done={outcome}")

    async def _agency_names(self) -> dict[str, str]:
        return {a.id: a.name for a in await self.pages.call(self.pages.directory.partner_agencies)}

    async def _request_page(
        self, visit: Visit, request_id: str, *, errors: Errors | None = None, form: Form | None = None,
        banner: str | None = None, status: int = 200,
    ) -> Response:
        pages = self.pages
        found = await pages.call(pages.services.contacts.information_request, visit.principal, request_id,
                                 request_id=visit.request_id)
        if not isinstance(found, RequestView):
            return pages.not_found(visit)
        ours = next((s for s in found.shares if s.agency_id == visit.principal.agency_id), None)
        names = await pages.call(pages.directory.professional_names, [found.row.requested_by])
        return pages.render(
            visit, "information_request.html", title="Information request", request=found, ours=ours,
            agency_names=await self._agency_names(), names=names, errors=errors or Errors(), form=form or Form(),
            banner=banner, status=status,
            takes_answers=found.status[0] == "OPEN" and ours is None and found.row.addressed,
        )


_ANSWERED = {
    "shared": "Your agency's answer was shared.",
    "declined": "Your agency's decision not to share was recorded.",
}


def _next(path: str, cursor: str | None) -> str | None:
    return f"{path}?{urlencode({'after': cursor})}" if cursor else None
