"""The front door: its queue, recording a contact, and a contact with its requests and decision."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response

from services.contacts import (
    ContactDetail,
    ContactInput,
    NewChild,
    ProposalView,
    Referrer,
    RequestView,
)
from services.paging import Page
from services.vocabulary import (
    Channel,
    ConsentPosition,
    ContactStatus,
    Outcome,
    ProposalStatus,
    ReferrerKind,
    RequestBasis,
    RequestScope,
    Urgency,
)
from web import labels
from web.pages import Errors, Form, Pages, Visit

QUEUE_PAGE = 20
CHANNELS = tuple(Channel)
_STATUSES = {"OPEN": ContactStatus.OPEN, "DECIDED": ContactStatus.DECIDED, "ALL": None}


def routes(app: FastAPI, pages: Pages) -> None:
    front = FrontDoor(pages)
    pages.get(app, "/queue", front.queue)
    pages.get(app, "/contacts/new", front.new_contact)
    pages.post(app, "/contacts", front.record)
    pages.get(app, "/contacts/{contact_id}", front.contact)
    pages.post(app, "/contacts/{contact_id}/requests", front.request_information)
    pages.post(app, "/contacts/{contact_id}/decision", front.decide)
    pages.post(app, "/proposals/{proposal_id}/agree", front.agree)
    pages.post(app, "/proposals/{proposal_id}/send-back", front.send_back)


class FrontDoor:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.contacts = pages.services.contacts

    async def queue(self, request: Request, visit: Visit) -> Response:
        pages, contacts = self.pages, self.contacts
        query = request.query_params
        status_key = query.get("status", "OPEN") if query.get("status", "OPEN") in _STATUSES else "OPEN"
        urgency_key = query.get("urgency", "ALL")
        urgency = Urgency(urgency_key) if urgency_key in Urgency.__members__ else None
        after = query.get("after") or None
        found = await pages.call(
            contacts.contacts, visit.principal, status=_STATUSES[status_key], urgency=urgency, first=QUEUE_PAGE,
            after=after,
        )
        if not isinstance(found, Page):
            return pages.problem(visit, status=403 if after is None else 400, title="The front door queue",
                                 message=found.message)
        next_href = None
        if found.has_next_page and found.end_cursor:
            next_href = "/queue?" + urlencode({"status": status_key, "urgency": urgency_key, "after": found.end_cursor})
        return pages.render(
            visit, "queue.html", title="The front door queue", page=found, now=contacts.now(),
            time_left=labels.time_left, status_filter=status_key, urgency_filter=urgency.value if urgency else "ALL",
            next_href=next_href, first_href=("/queue?" + urlencode({"status": status_key, "urgency": urgency_key}))
            if after else None,
        )

    async def new_contact(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        form = Form({"child_id": [request.query_params.get("child_id", "")]})
        return await _record_form(pages, visit, form, Errors())

    async def record(self, request: Request, visit: Visit, form: Form) -> Response:
        pages, contacts = self.pages, self.contacts
        errors = Errors()
        contact = _contact_input(form, errors)
        if contact is None:
            return await _record_form(pages, visit, form, errors, status=400)
        recorded = await pages.call(contacts.record_contact, visit.principal, contact, request_id=visit.request_id)
        if not isinstance(recorded, ContactDetail):
            errors.add(_field_for(recorded.message), _sentence(recorded.message))
            return await _record_form(pages, visit, form, errors, status=400)
        return pages.redirect(visit, f"/contacts/{recorded.row.id}?recorded=1")

    async def contact(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        banner = "The contact was recorded." if request.query_params.get("recorded") else None
        if request.query_params.get("done"):
            banner = _DONE.get(request.query_params["done"])
        return await _contact_page(pages, visit, request.path_params["contact_id"], banner=banner)

    async def request_information(self, request: Request, visit: Visit, form: Form) -> Response:
        pages, contacts = self.pages, self.contacts
        contact_id = request.path_params["contact_id"]
        errors = Errors()
        scope = RequestScope.__members__.get(form.get("scope"))
        basis = RequestBasis.__members__.get(form.get("basis"))
        agencies = form.all("agencies")
        if scope is None:
            errors.add("scope", "Select whether the request goes to named agencies or all partners")
        if basis is None:
            errors.add("basis", "Select the basis the request rests on")
        if scope is RequestScope.TARGETED and not agencies:
            errors.add("agencies", "Select at least one agency to ask")
        if errors or scope is None or basis is None:
            return await _contact_page(pages, visit, contact_id, errors=errors, form=form, status=400)
        made = await pages.call(
            contacts.request_information, visit.principal, contact_id=contact_id, scope=scope, agencies=agencies,
            basis=basis, request_id=visit.request_id,
        )
        if not isinstance(made, RequestView):
            errors.add("basis", _sentence(made.message))
            return await _contact_page(pages, visit, contact_id, errors=errors, form=form, status=400)
        return pages.redirect(visit, f"/contacts/{contact_id}?done=requested")

    async def decide(self, request: Request, visit: Visit, form: Form) -> Response:
        pages, contacts = self.pages, self.contacts
        contact_id = request.path_params["contact_id"]
        errors = Errors()
        outcome = Outcome.__members__.get(form.get("outcome"))
        if outcome is None:
            errors.add("outcome", "Select the outcome")
        if not form.get("rationale").strip():
            errors.add("rationale", "Enter the rationale for the decision")
        if not form.get("response_to_referrer").strip():
            errors.add("response_to_referrer", "Enter what the referrer is told")
        if errors or outcome is None:
            return await _contact_page(pages, visit, contact_id, errors=errors, form=form, status=400)
        arguments = {
            "contact_id": contact_id, "outcome": outcome, "rationale": form.get("rationale"),
            "response_to_referrer": form.get("response_to_referrer"), "request_id": visit.request_id,
        }
        if form.get("alone") == "yes":
            done = await pages.call(contacts.decide_contact, visit.principal, agreed_by=None, **arguments)
            succeeded, key = isinstance(done, ContactDetail), "decided"
        else:
            done = await pages.call(contacts.propose_decision, visit.principal, **arguments)
            succeeded, key = isinstance(done, ProposalView), "proposed"
        if not succeeded:
            errors.add("outcome", _sentence(done.message))
            return await _contact_page(pages, visit, contact_id, errors=errors, form=form, status=400)
        return pages.redirect(visit, f"/contacts/{contact_id}?done={key}")

    async def agree(self, request: Request, visit: Visit, form: Form) -> Response:
        pages, contacts = self.pages, self.contacts
        contact_id = form.get("contact_id")
        agreed = await pages.call(
            contacts.agree_decision, visit.principal, proposal_id=request.path_params["proposal_id"],
            request_id=visit.request_id,
        )
        if not isinstance(agreed, ContactDetail):
            errors = Errors()
            errors.add("agree", _sentence(agreed.message))
            return await _contact_page(pages, visit, contact_id, errors=errors, form=form, status=400)
        return pages.redirect(visit, f"/contacts/{agreed.row.id}?done=agreed")

    async def send_back(self, request: Request, visit: Visit, form: Form) -> Response:
        pages, contacts = self.pages, self.contacts
        contact_id = form.get("contact_id")
        errors = Errors()
        if not form.get("note").strip():
            errors.add("note", "Say why the decision is sent back")
            return await _contact_page(pages, visit, contact_id, errors=errors, form=form, status=400)
        sent = await pages.call(
            contacts.send_back_decision, visit.principal, proposal_id=request.path_params["proposal_id"],
            note=form.get("note"), request_id=visit.request_id,
        )
        if not isinstance(sent, ProposalView):
            errors.add("note", _sentence(sent.message))
            return await _contact_page(pages, visit, contact_id, errors=errors, form=form, status=400)
        return pages.redirect(visit, f"/contacts/{sent.row.contact_id}?done=sent-back")


_DONE = {
    "requested": "The information request was sent.",
    "proposed": "Your decision was proposed: a front door manager agrees it or sends it back.",
    "decided": "The contact was decided.",
    "agreed": "You agreed the decision: the contact is decided.",
    "sent-back": "The decision was sent back to the social worker.",
}


async def _record_form(pages: Pages, visit: Visit, form: Form, errors: Errors, *, status: int = 200) -> Response:
    child = None
    child_id = form.get("child_id")
    if child_id:
        found = await pages.call(pages.services.network.child, visit.principal, child_id, request_id=visit.request_id)
        child = found[0] if found is not None else None
        if child is None:
            errors.add("child_id", "The child was not found: record a new child, or search again")
    return pages.render(
        visit, "record_contact.html", title="Record a contact", form=form, errors=errors, child=child,
        channels=CHANNELS, status=status,
    )


async def _contact_page(
    pages: Pages, visit: Visit, contact_id: str, *, errors: Errors | None = None, form: Form | None = None,
    banner: str | None = None, status: int = 200,
) -> Response:
    contacts = pages.services.contacts
    found = await pages.call(contacts.contact, visit.principal, contact_id, request_id=visit.request_id)
    if not isinstance(found, ContactDetail):
        return pages.not_found(visit)
    requests: list[RequestView] = []
    for request_id in found.row.request_ids:
        read = await pages.call(contacts.information_request, visit.principal, request_id, request_id=visit.request_id)
        if isinstance(read, RequestView):
            requests.append(read)
    probe = await pages.call(contacts.decisions_awaiting_agreement, visit.principal, first=1, after=None)
    agencies = await pages.call(pages.directory.partner_agencies)
    row = found.row
    people = [row.recorded_by, row.decided_by or "", row.agreed_by or ""]
    people += [p.row.proposed_by for p in found.proposals] + [r.row.requested_by for r in requests]
    people += [s.shared_by for r in requests for s in r.shares]
    names = await pages.call(pages.directory.professional_names, people)
    awaiting = next((p for p in found.proposals if p.row.status is ProposalStatus.PROPOSED), None)
    return pages.render(
        visit, "contact.html", title="Contact", contact=found, requests=requests, errors=errors or Errors(),
        form=form or Form(), banner=banner, is_manager=isinstance(probe, Page), awaiting=awaiting,
        agencies=agencies, agency_names={a.id: a.name for a in agencies}, names=names, now=contacts.now(),
        time_left=labels.time_left, outcomes=list(Outcome), status=status,
        is_open=row.status is ContactStatus.OPEN,
    )


def _contact_input(form: Form, errors: Errors) -> ContactInput | None:
    """The contact as typed, or None with an error for each field that needs one."""
    child_id, new_child = _child(form, errors)
    referrer_kind = ReferrerKind.__members__.get(form.get("referrer_kind"))
    if referrer_kind is None:
        errors.add("referrer_kind", "Select who made the contact")
    elif not form.get("referrer_name").strip():
        errors.add("referrer_name", "Enter the referrer's name (or 'anonymous')")
    channel = Channel.__members__.get(form.get("channel"))
    if channel is None:
        errors.add("channel", "Select how the contact came in")
    if not form.get("concern").strip():
        errors.add("concern", "Enter the concern")
    urgency = Urgency.__members__.get(form.get("urgency"))
    if urgency is None:
        errors.add("urgency", "Select the urgency")
    position = ConsentPosition.__members__.get(form.get("consent_position"))
    if position is None:
        errors.add("consent_position", "Select whether consent was given")
    elif position is ConsentPosition.NOT_SOUGHT and not form.get("consent_not_sought_reason").strip():
        errors.add("consent_not_sought_reason", "Say why consent was not sought")
    if errors or referrer_kind is None or channel is None or urgency is None or position is None:
        return None
    return ContactInput(
        child_id=child_id, new_child=new_child,
        referrer=Referrer(
            kind=referrer_kind, name=form.get("referrer_name").strip() or None,
            relationship=form.get("referrer_relationship").strip() or None,
        ),
        channel=channel, concern=form.get("concern"), urgency=urgency, consent_position=position,
        consent_not_sought_reason=form.get("consent_not_sought_reason").strip() or None
        if position is ConsentPosition.NOT_SOUGHT else None,
        received_at=None,
    )


def _child(form: Form, errors: Errors) -> tuple[str | None, NewChild | None]:
    child_kind = form.get("child")
    if child_kind == "known" and form.get("child_id"):
        return form.get("child_id"), None
    if child_kind == "new":
        if not form.get("given_name").strip():
            errors.add("given_name", "Enter the child's given name")
        if not form.get("family_name").strip():
            errors.add("family_name", "Enter the child's family name")
        dob = _date(form, "dob", errors, "date of birth")
        return None, NewChild(form.get("given_name"), form.get("family_name"), dob)
    errors.add("child", "Select whether the contact is about a known child or a new one")
    return None, None


def _date(form: Form, name: str, errors: Errors, said: str) -> date | None:
    parts = [form.get(f"{name}-{part}").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None
    try:
        day, month, year = (int(part) for part in parts)
        found = date(year, month, day)
    except ValueError:
        errors.add(f"{name}-day", f"The {said} must be a real date, like 27 3 2019")
        return None
    if found > date.today():
        errors.add(f"{name}-day", f"The {said} must be in the past")
        return None
    return found


_FIELDS = (
    ("given name", "given_name"), ("family name", "family_name"), ("referrer", "referrer_name"),
    ("concern", "concern"), ("channel", "channel"), ("consent", "consent_not_sought_reason"), ("child", "child"),
)


def _field_for(message: str) -> str:
    """The field a service's refusal is about, for the error summary's link."""
    return next((name for words, name in _FIELDS if words in message), "concern")


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] if message else "This could not be done"
