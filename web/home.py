"""Home: what waits for this professional, by what their role may do, and a search box for everyone."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from services.paging import Page
from web import labels
from web.pages import Pages, Visit

HOME_LIST = 5


def routes(app: FastAPI, pages: Pages) -> None:
    async def home(request: Request, visit: Visit) -> Response:
        principal = visit.principal
        contacts = pages.services.contacts
        queue = await pages.call(contacts.contacts, principal, status=None, urgency=None, first=HOME_LIST, after=None)
        proposals = await pages.call(contacts.decisions_awaiting_agreement, principal, first=HOME_LIST, after=None)
        lists = pages.services.worklists
        overrides = await pages.call(
            lists.overrides_awaiting_decision, principal, first=HOME_LIST, after=None, request_id=visit.request_id,
        )
        inbox = await pages.call(
            lists.information_request_inbox, principal, status=None, first=HOME_LIST, after=None,
            request_id=visit.request_id,
        )
        return pages.render(
            visit, "home.html", title="Home", active="home", now=labels.now(),
            queue=queue if isinstance(queue, Page) else None,
            proposals=proposals if isinstance(proposals, Page) else None,
            time_left=labels.time_left,
            overrides=overrides if isinstance(overrides, Page) and overrides.items else None,
            inbox=inbox if isinstance(inbox, Page) else None,
        )

    app.add_api_route("/", pages.page(home), methods=["GET"], include_in_schema=False)
