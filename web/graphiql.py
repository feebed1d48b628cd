"""GraphiQL in development, from the hub's own copy of its scripts and run with the browser session.

Its queries carry the session cookie and the session's CSRF token in the header /graphql
takes from the hub's own pages (web/face.py), so a signed-in professional explores the API
as themselves; a bearer token typed into GraphiQL's headers is used instead when given.
Production serves no IDE.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response

from web.pages import Pages, Visit


def routes(app: FastAPI, pages: Pages, *, csrf_header: str) -> None:
    if pages.settings.is_production:
        return

    async def ide(request: Request, visit: Visit) -> Response:
        return pages.render(
            visit, "graphiql.html", title="GraphiQL", csrf_header=csrf_header,
            sign_in_href="/sign-in?" + urlencode({"next": "/graphql"}),
        )

    # Registered before the GraphQL router, so a browser's GET of /graphql is this page;
    # operations are POSTed, and the router never answers a query sent by GET.
    pages.get(app, "/graphql", ide, signed_in=False)
