"""Signing in and out: the development picker, and (in web/oidc.py) the identity provider."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response

from web.pages import Form, Pages, Visit, safe_next


def routes(app: FastAPI, pages: Pages) -> None:
    development = not pages.settings.is_production
    oidc = pages.settings.oidc_client_id is not None

    async def sign_in(request: Request, visit: Visit) -> Response:
        target = safe_next(request.query_params.get("next", "/"))
        if visit.signed_in is not None:
            return pages.redirect(visit, target)
        choices = await pages.call(pages.directory.sign_in_choices) if development else None
        return pages.render(
            visit, "sign_in.html", title="Sign in", choices=choices, oidc=oidc, next=target,
            next_query=urlencode({"next": target}), message=request.query_params.get("message") and _message(
                request.query_params["message"]),
        )

    async def sign_in_as(request: Request, visit: Visit, form: Form) -> Response:
        if not development:
            # Production has no picker: the identity provider says who someone is.
            return pages.not_found(visit)
        found = await pages.call(pages.principals.principal, form.get("professional_id"))
        if found is None:
            return pages.redirect(visit, "/sign-in?" + urlencode({"message": "unknown"}))
        session = pages.sealer.signed_in(found.professional_id)
        return pages.redirect(visit, safe_next(form.get("next") or "/"), session=session)

    async def sign_out(request: Request, visit: Visit, form: Form) -> Response:
        response = pages.redirect(None, "/sign-in?" + urlencode({"message": "signed-out"}))
        pages.sealer.clear(response)
        return response

    app.add_api_route("/sign-in", pages.page(sign_in, signed_in=False), methods=["GET"], include_in_schema=False)
    app.add_api_route(
        "/sign-in/development", pages.form(sign_in_as, signed_in=False), methods=["POST"], include_in_schema=False
    )
    app.add_api_route("/sign-out", pages.form(sign_out, signed_in=False), methods=["POST"], include_in_schema=False)


_MESSAGES = {
    "signed-out": "You have signed out.",
    "unknown": "That professional is not known to the hub.",
    "failed": "Sign-in did not complete. Try again.",
}


def _message(code: str) -> str | None:
    return _MESSAGES.get(code)
