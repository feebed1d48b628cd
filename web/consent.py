"""Consent and its override: a child's consents with their history, recording and withdrawing
one; requesting an override, its status, and a manager's approval, rejection or revocation."""

from __future__ import annotations

from datetime import UTC, datetime, time

from fastapi import FastAPI, Request
from fastapi.responses import Response

from services.consent import MAX_PAGE as CONSENTS_SHOWN
from services.consent import OverrideRead
from services.paging import Page
from services.vocabulary import ConsentRecord, ConsentScope, FamilyNetwork, OverrideGround, OverrideRecord
from web.front_door import _date, _sentence
from web.labels import LONDON
from web.pages import Errors, Form, Pages, Visit
from web.people import network_view

_YOUNG_PERSON_CONSENTS_AT = 16


def routes(app: FastAPI, pages: Pages) -> None:
    consent = ConsentPages(pages)
    pages.get(app, "/children/{child_id}/consent", consent.consents)
    pages.post(app, "/children/{child_id}/consent", consent.record)
    pages.post(app, "/consents/{consent_id}/withdraw", consent.withdraw)
    pages.get(app, "/children/{child_id}/overrides/new", consent.new_override)
    pages.post(app, "/children/{child_id}/overrides", consent.request_override)
    pages.get(app, "/overrides/{override_id}", consent.override)
    pages.post(app, "/overrides/{override_id}/decision", consent.decide)
    pages.post(app, "/overrides/{override_id}/revoke", consent.revoke)


class ConsentPages:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.service = pages.services.consent

    async def consents(self, request: Request, visit: Visit) -> Response:
        banner = {"recorded": "The consent was recorded.", "withdrawn": "The consent was withdrawn."}.get(
            request.query_params.get("done", ""))
        return await self._consent_page(visit, request.path_params["child_id"], banner=banner)

    async def record(self, request: Request, visit: Visit, form: Form) -> Response:
        child_id = request.path_params["child_id"]
        errors = Errors()
        scope = ConsentScope.__members__.get(form.get("scope"))
        if not form.get("giver"):
            errors.add("giver", "Select who gave consent")
        if scope is None:
            errors.add("scope", "Select whether consent covers named agencies or all partners")
        elif scope is ConsentScope.TARGETED and not form.all("agencies"):
            errors.add("agencies", "Select at least one agency the consent covers")
        if not form.get("purpose").strip():
            errors.add("purpose", "Enter what the information is shared for")
        if not form.get("method").strip():
            errors.add("method", "Enter how consent was given")
        expires = _date(form, "expires", errors, "expiry date") if any(
            form.get(f"expires-{p}") for p in ("day", "month", "year")) else None
        if errors or scope is None:
            return await self._consent_page(visit, child_id, errors=errors, form=form, status=400)
        recorded = await self.pages.call(
            self.service.record_consent, visit.principal, child_id=child_id, giver_id=form.get("giver"), scope=scope,
            agencies=form.all("agencies") if scope is ConsentScope.TARGETED else [], purpose=form.get("purpose"),
            method=form.get("method"),
            expires_at=datetime.combine(expires, time(23, 59), LONDON).astimezone(UTC) if expires else None,
            request_id=visit.request_id,
        )
        if not isinstance(recorded, ConsentRecord):
            errors.add("giver", _sentence(recorded.message))
            return await self._consent_page(visit, child_id, errors=errors, form=form, status=400)
        return self.pages.redirect(visit, f"/children/{child_id}/consent?done=recorded")

    async def withdraw(self, request: Request, visit: Visit, form: Form) -> Response:
        withdrawn = await self.pages.call(
            self.service.withdraw_consent, visit.principal, consent_id=request.path_params["consent_id"],
            request_id=visit.request_id,
        )
        if not isinstance(withdrawn, ConsentRecord):
            errors = Errors()
            errors.add("consents", _sentence(withdrawn.message))
            return await self._consent_page(visit, form.get("child_id"), errors=errors, status=400)
        return self.pages.redirect(visit, f"/children/{withdrawn.child_id}/consent?done=withdrawn")

    async def new_override(self, request: Request, visit: Visit) -> Response:
        return await self._override_form(visit, request.path_params["child_id"], Form(), Errors())

    async def request_override(self, request: Request, visit: Visit, form: Form) -> Response:
        child_id = request.path_params["child_id"]
        errors = Errors()
        ground = OverrideGround.__members__.get(form.get("ground"))
        scope = ConsentScope.__members__.get(form.get("scope"))
        if ground is None:
            errors.add("ground", "Select the ground for overriding consent")
        if not form.get("justification").strip():
            errors.add("justification", "Explain the risk that seeking consent would bring")
        if scope is None:
            errors.add("scope", "Select whether the override covers named agencies or all partners")
        elif scope is ConsentScope.TARGETED and not form.all("agencies"):
            errors.add("agencies", "Select at least one agency the override covers")
        if errors or ground is None or scope is None:
            return await self._override_form(visit, child_id, form, errors, status=400)
        requested = await self.pages.call(
            self.service.request_override, visit.principal, child_id=child_id, ground=ground,
            justification=form.get("justification"), scope=scope,
            agencies=form.all("agencies") if scope is ConsentScope.TARGETED else [], request_id=visit.request_id,
        )
        if not isinstance(requested, OverrideRecord):
            errors.add("justification", _sentence(requested.message))
            return await self._override_form(visit, child_id, form, errors, status=400)
        return self.pages.redirect(visit, f"/overrides/{requested.id}?done=requested")

    async def override(self, request: Request, visit: Visit) -> Response:
        banner = _OVERRIDE_DONE.get(request.query_params.get("done", ""))
        return await self._override_page(visit, request.path_params["override_id"], banner=banner)

    async def decide(self, request: Request, visit: Visit, form: Form) -> Response:
        override_id = request.path_params["override_id"]
        if form.get("decision") not in ("approve", "reject"):
            errors = Errors()
            errors.add("decision", "Select whether you approve or reject the override")
            return await self._override_page(visit, override_id, errors=errors, form=form, status=400)
        decided = await self.pages.call(
            self.service.decide_override, visit.principal, override_id=override_id,
            approve=form.get("decision") == "approve", note=form.get("note"), request_id=visit.request_id,
        )
        if not isinstance(decided, OverrideRecord):
            errors = Errors()
            errors.add("decision", _sentence(decided.message))
            return await self._override_page(visit, override_id, errors=errors, form=form, status=400)
        return self.pages.redirect(visit, f"/overrides/{override_id}?done={form.get('decision')}d")

    async def revoke(self, request: Request, visit: Visit, form: Form) -> Response:
        override_id = request.path_params["override_id"]
        revoked = await self.pages.call(
            self.service.revoke_override, visit.principal, override_id=override_id, request_id=visit.request_id,
        )
        if not isinstance(revoked, OverrideRecord):
            errors = Errors()
            errors.add("revoke", _sentence(revoked.message))
            return await self._override_page(visit, override_id, errors=errors, status=400)
        return self.pages.redirect(visit, f"/overrides/{override_id}?done=revoked")

    async def _network(self, visit: Visit, child_id: str) -> FamilyNetwork | None:
        network = self.pages.services.network
        found: FamilyNetwork | None = await self.pages.call(
            network.family_network, visit.principal, child_id, depth=1, request_id=visit.request_id,
            audit_records=False,
        )
        return found if found is not None and found.basis not in (None, "EXISTENCE") else None

    async def _consent_page(
        self, visit: Visit, child_id: str, *, errors: Errors | None = None, form: Form | None = None,
        banner: str | None = None, status: int = 200,
    ) -> Response:
        pages = self.pages
        network = await self._network(visit, child_id)
        found = await pages.call(
            self.service.consents, visit.principal, child_id=child_id, first=CONSENTS_SHOWN, after=None
        )
        if network is None or not isinstance(found, Page):
            return pages.not_found(visit)
        view = network_view(network)
        names = {row["person"].id: row["name"] for row in view["people"]}
        givers = _givers(network)
        agencies = await pages.call(pages.directory.partner_agencies)
        return pages.render(
            visit, "consent.html", title="Consent", network=network, child_name=names.get(child_id) or "the child",
            consents=found.items, names=names, givers=givers,
            agencies=agencies, agency_names={a.id: a.name for a in agencies}, errors=errors or Errors(),
            form=form or Form(), banner=banner, status=status,
        )

    async def _override_form(
        self, visit: Visit, child_id: str, form: Form, errors: Errors, *, status: int = 200
    ) -> Response:
        network = await self._network(visit, child_id)
        if network is None:
            return self.pages.not_found(visit)
        names = {row["person"].id: row["name"] for row in network_view(network)["people"]}
        agencies = await self.pages.call(self.pages.directory.partner_agencies)
        return self.pages.render(
            visit, "override_request.html", title="Request a consent override", child_id=child_id,
            child_name=names.get(child_id) or "the child", grounds=list(OverrideGround), agencies=agencies,
            form=form, errors=errors, status=status,
        )

    async def _override_page(
        self, visit: Visit, override_id: str, *, errors: Errors | None = None, form: Form | None = None,
        banner: str | None = None, status: int = 200,
    ) -> Response:
        pages = self.pages
        found = await pages.call(self.service.override, visit.principal, override_id=override_id,
                                 request_id=visit.request_id)
        if not isinstance(found, OverrideRead):
            return pages.not_found(visit)
        record = found.record
        names = await pages.call(
            pages.directory.professional_names, [record.requested_by, record.decided_by or "", record.revoked_by or ""]
        )
        agencies = await pages.call(pages.directory.partner_agencies)
        requester = record.requested_by == visit.principal.professional_id
        return pages.render(
            visit, "override.html", title="Consent override", override=found, record=record, names=names,
            agency_names={a.id: a.name for a in agencies}, errors=errors or Errors(), form=form or Form(),
            banner=banner, status=status,
            # The reasons are opened only for the requester and the managers who decide overrides.
            may_decide=record.status == "REQUESTED" and not requester and found.justification is not None,
            may_revoke=record.status == "APPROVED" and found.justification is not None,
        )


_OVERRIDE_DONE = {
    "requested": "The override was requested: a manager decides it.",
    "approved": "You approved the override.",
    "rejected": "You rejected the override.",
    "revoked": "The override was revoked: nothing more is read under it.",
}


def _givers(network: FamilyNetwork) -> list[tuple[str, str]]:
    """Who may give consent: adults with parental responsibility, and the young person from 16."""
    people = {p.id: p for p in network.people}
    givers = []
    for relationship in network.relationships:
        if relationship.type == "PARENT_OF" and relationship.to_id == network.child_id and (
            relationship.parental_responsibility
        ):
            parent = people.get(relationship.from_id)
            if parent is not None:
                givers.append((parent.id, " ".join(filter(None, (parent.given_name, parent.family_name)))))
    child = people.get(network.child_id)
    if child is not None and child.dob is not None:
        today = datetime.now(LONDON).date()
        age = today.year - child.dob.year - ((today.month, today.day) < (child.dob.month, child.dob.day))
        if age >= _YOUNG_PERSON_CONSENTS_AT:
            name = " ".join(filter(None, (child.given_name, child.family_name)))
            givers.append((child.id, f"{name} (the young person)"))
    return givers
