"""The Family Safeguarding workbook: a family's workbook by section, adding and amending entries
(with the conflict page that loses nothing typed), group supervision signed off, and the caseload."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response

from services.caseload import Caseload, HouseholdRow
from services.principal import Principal
from services.refusals import AmendConflict, EntryLocked, InvalidInput, Refusal
from services.vocabulary import WorkbookSection as Section
from services.vocabulary import WorkbookVisibility as Visibility
from services.workbook import EntryView, SignedOff, WorkbookKnown, WorkbookView
from web import labels
from web.pages import Errors, Form, Pages, Visit

NavigationLink = dict[str, str | bool]
NavigationProvider = Callable[[Principal, str | None], list[NavigationLink]]

WORKBOOK_PAGE = 25
# An entry is found for its amend page by reading its section a page at a time, this many at most.
_FIND_PAGES = 5
_FIND_PAGE_SIZE = 100
SECTIONS = tuple(Section)
_DONE = {
    "added": "Your entry was added.",
    "amended": "Your amendment was saved as a new version.",
    "signed-off": "The supervision was signed off: it and the entries it names are locked.",
}


def routes(app: FastAPI, pages: Pages) -> None:
    workbook = WorkbookPages(pages)
    pages.get(app, "/caseload", workbook.caseload)
    pages.get(app, "/workbooks/{household_id}", workbook.workbook)
    pages.get(app, "/workbooks/{household_id}/entries/new", workbook.new_entry)
    pages.post(app, "/workbooks/{household_id}/entries", workbook.add_entry)
    pages.get(app, "/workbooks/{household_id}/entries/{entry_id}/amend", workbook.amend_form)
    pages.post(app, "/workbooks/{household_id}/entries/{entry_id}/amend", workbook.amend)
    pages.post(app, "/workbooks/{household_id}/entries/{entry_id}/sign-off", workbook.sign_off)
    add_navigation(pages, workbook.navigation)


def add_navigation(pages: Pages, links_for: NavigationProvider) -> None:
    """A module's menu links, for the professionals its pages are for (base.html reads them)."""
    providers = pages.environment.globals.setdefault("navigation_providers", [])
    assert isinstance(providers, list)
    providers.append(links_for)


def _section(value: str | None) -> Section | None:
    return Section.__members__.get(value or "")


def workbook_href(household_id: str, section: Section | None = None, **extra: str) -> str:
    query = {"section": section.value} if section is not None else {}
    query.update(extra)
    return f"/workbooks/{household_id}" + (f"?{urlencode(query)}" if query else "")


class WorkbookPages:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.workbooks = pages.services.workbook
        self.families = pages.services.caseload

    def navigation(self, principal: Principal, active: str | None) -> list[NavigationLink]:
        if not self.families.may_have_caseload(principal):
            return []
        return [{"href": "/caseload", "text": "Your families", "active": active == "caseload"}]

    async def caseload(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        found = await pages.call(self.families.caseload, visit.principal, request_id=visit.request_id)
        if not isinstance(found, Caseload):
            return pages.problem(visit, status=403, title="Your caseload", message=_sentence(found.message))
        return pages.render(visit, "workbook_caseload.html", title="Your families", active="caseload", caseload=found)

    async def workbook(self, request: Request, visit: Visit) -> Response:
        household_id = request.path_params["household_id"]
        query = request.query_params
        section = _section(query.get("section"))
        banner = _DONE.get(query.get("done", ""))
        return await self._workbook_page(visit, household_id, section, after=query.get("after") or None, banner=banner)

    async def _workbook_page(
        self, visit: Visit, household_id: str, section: Section | None, *, after: str | None = None,
        banner: str | None = None, errors: Errors | None = None, status: int = 200,
    ) -> Response:
        pages = self.pages
        found = await pages.call(
            self.workbooks.workbook, visit.principal, household_id, section=section, first=WORKBOOK_PAGE, after=after,
            request_id=visit.request_id,
        )
        if isinstance(found, WorkbookKnown):
            return pages.render(visit, "workbook_known.html", title="Family Safeguarding workbook", known=found)
        if isinstance(found, InvalidInput):
            return pages.problem(visit, status=400, title="This page of the workbook cannot be shown",
                                 message="The link was not one the hub gave out. Go back to the workbook's first page.")
        if not isinstance(found, WorkbookView):
            return pages.not_found(visit)
        household = await pages.call(
            self.families.household, visit.principal, household_id, request_id=visit.request_id
        )
        next_href = (
            workbook_href(household_id, section, after=found.end_cursor)
            if found.has_next_page and found.end_cursor else None
        )
        return pages.render(
            visit, "workbook.html", title="Family Safeguarding workbook", active="caseload", workbook=found,
            household=household if isinstance(household, HouseholdRow) else None, section=section,
            sections=SECTIONS, href=workbook_href, next_href=next_href, first_href=workbook_href(household_id, section)
            if after else None, banner=banner, errors=errors or Errors(), status=status,
            may_sign_off=self.families.may_sign_off_supervision(visit.principal),
            entry_labels={entry.id: _entry_label(entry) for entry in found.entries},
        )

    # Adding

    async def new_entry(self, request: Request, visit: Visit) -> Response:
        household_id = request.path_params["household_id"]
        query = request.query_params
        form = Form({
            "section": [query.get("section", "")], "visibility": [Visibility.TEAM.value],
            "refers_to": request.query_params.getlist("refers_to"),
        })
        return await self._entry_form(visit, household_id, form, Errors())

    async def _entry_form(
        self, visit: Visit, household_id: str, form: Form, errors: Errors, *, status: int = 200,
    ) -> Response:
        pages = self.pages
        found = await pages.call(
            self.workbooks.workbook, visit.principal, household_id, section=None, first=_FIND_PAGE_SIZE, after=None,
            request_id=visit.request_id,
        )
        if not isinstance(found, WorkbookView):
            return pages.not_found(visit)
        return pages.render(
            visit, "workbook_entry_form.html", title="Add an entry", active="caseload", workbook=found, form=form,
            errors=errors, sections=SECTIONS, status=status,
            candidates=[(entry.id, _entry_label(entry)) for entry in found.entries],
            back={"href": workbook_href(household_id), "text": "Back to the workbook"},
        )

    async def add_entry(self, request: Request, visit: Visit, form: Form) -> Response:
        pages = self.pages
        household_id = request.path_params["household_id"]
        errors = Errors()
        section = _section(form.get("section"))
        visibility = Visibility.__members__.get(form.get("visibility"))
        if section is None:
            errors.add("section", "Select the section the entry belongs in")
        if not form.get("body").strip():
            errors.add("body", "Enter what you are recording")
        if visibility is None:
            errors.add("visibility", "Select who may read the entry")
        if errors or section is None or visibility is None:
            return await self._entry_form(visit, household_id, form, errors, status=400)
        added = await pages.call(
            self.workbooks.add_entry, visit.principal, household_id=household_id, section=section,
            body=form.get("body"), visibility=visibility, refers_to=form.all("refers_to"), request_id=visit.request_id,
        )
        if isinstance(added, InvalidInput):
            errors.add("refers_to" if "refersTo" in added.message else "body", _sentence(added.message))
            return await self._entry_form(visit, household_id, form, errors, status=400)
        if not isinstance(added, EntryView):
            return pages.not_found(visit)
        return pages.redirect(visit, workbook_href(household_id, section, done="added") + f"#entry-{added.id}")

    # Amending

    async def amend_form(self, request: Request, visit: Visit) -> Response:
        household_id, entry_id = request.path_params["household_id"], request.path_params["entry_id"]
        section = _section(request.query_params.get("section"))
        entry = await self._find(visit, household_id, entry_id, section)
        if entry is None or entry.current.body is None:
            return self.pages.not_found(visit)
        form = Form({"body": [entry.current.body], "expected_version": [str(entry.version)]})
        locked = None
        if entry.locked_at is not None:
            signed_off_by = entry.signed_off_by
            locked = EntryLocked.of(
                entry_id=entry.id, supervision_entry_id=entry.locked_by_supervision,
                signed_off_by_id=signed_off_by.id if signed_off_by else None,
                signed_off_by_name=signed_off_by.name if signed_off_by else None, signed_off_at=entry.locked_at,
            )
        return self._amend_page(visit, household_id, entry, form, Errors(), locked=locked)

    def _amend_page(
        self, visit: Visit, household_id: str, entry: EntryView, form: Form, errors: Errors, *,
        conflict: AmendConflict | None = None, locked: EntryLocked | None = None, status: int = 200,
    ) -> Response:
        title = "Amend an entry" if conflict is None else "Someone amended this entry first"
        return self.pages.render(
            visit, "workbook_amend.html", title=title,
            active="caseload", household_id=household_id, entry=entry, form=form, errors=errors, conflict=conflict,
            locked=locked, status=status, label=_entry_label(entry),
            back={"href": workbook_href(household_id, entry.section) + f"#entry-{entry.id}",
                  "text": "Back to the workbook"},
            new_entry_href=f"/workbooks/{household_id}/entries/new?" + urlencode(
                {"section": entry.section.value, "refers_to": entry.id}
            ),
        )

    async def amend(self, request: Request, visit: Visit, form: Form) -> Response:
        pages = self.pages
        household_id, entry_id = request.path_params["household_id"], request.path_params["entry_id"]
        section = _section(form.get("section"))
        errors = Errors()
        expected = int(form.get("expected_version")) if form.get("expected_version").isdigit() else 0
        if not form.get("body").strip():
            errors.add("body", "Enter the entry's text: an amendment cannot be empty")
        entry = await self._find(visit, household_id, entry_id, section)
        if entry is None:
            return pages.not_found(visit)
        if errors:
            return self._amend_page(visit, household_id, entry, form, errors, status=400)
        amended = await pages.call(
            self.workbooks.amend_entry, visit.principal, entry_id=entry_id, expected_version=expected,
            body=form.get("body"), request_id=visit.request_id,
        )
        if isinstance(amended, EntryView):
            return pages.redirect(visit, workbook_href(household_id, amended.section, done="amended")
                                  + f"#entry-{amended.id}")
        if isinstance(amended, AmendConflict):
            # Their version is shown beside what this user typed; the form now amends on top of it.
            entry = await self._find(visit, household_id, entry_id, section) or entry
            kept = Form({"body": [form.get("body")], "expected_version": [str(entry.version)]})
            errors.add("body", "Someone amended this entry after you opened it: read their version, then "
                               "save your text again, changed as you see fit")
            return self._amend_page(visit, household_id, entry, kept, errors, conflict=amended, status=409)
        if isinstance(amended, EntryLocked):
            errors.add("body", "This entry was signed off in group supervision and is locked: "
                               "record your later thinking as a new entry that refers to it")
            return self._amend_page(visit, household_id, entry, form, errors, locked=amended, status=409)
        if isinstance(amended, InvalidInput):
            errors.add("body", _sentence(amended.message))
            return self._amend_page(visit, household_id, entry, form, errors, status=400)
        return pages.not_found(visit)

    async def _find(
        self, visit: Visit, household_id: str, entry_id: str, section: Section | None,
    ) -> EntryView | None:
        """The entry as this professional reads it now, found in its section's pages."""
        after = None
        for _ in range(_FIND_PAGES):
            found = await self.pages.call(
                self.workbooks.workbook, visit.principal, household_id, section=section, first=_FIND_PAGE_SIZE,
                after=after, request_id=visit.request_id,
            )
            if not isinstance(found, WorkbookView):
                return None
            entry = next((e for e in found.entries if e.id == entry_id), None)
            if entry is not None or not found.has_next_page:
                return entry
            after = found.end_cursor
        return None

    # Group supervision

    async def sign_off(self, request: Request, visit: Visit, form: Form) -> Response:
        pages = self.pages
        household_id, entry_id = request.path_params["household_id"], request.path_params["entry_id"]
        signed = await pages.call(
            self.workbooks.sign_off_supervision, visit.principal, entry_id=entry_id, request_id=visit.request_id,
        )
        if isinstance(signed, SignedOff):
            return pages.redirect(visit, workbook_href(household_id, Section.GROUP_SUPERVISION, done="signed-off")
                                  + f"#entry-{entry_id}")
        if isinstance(signed, EntryLocked | InvalidInput):
            errors = Errors()
            errors.add(f"sign-off-{entry_id}", _sentence(_refusal_text(signed)))
            return await self._workbook_page(visit, household_id, Section.GROUP_SUPERVISION, errors=errors,
                                             status=409 if isinstance(signed, EntryLocked) else 400)
        return pages.not_found(visit)


def _refusal_text(refusal: Refusal) -> str:
    if isinstance(refusal, EntryLocked):
        return "this supervision was already signed off"
    return refusal.message


def _entry_label(entry: EntryView) -> str:
    author = entry.current.author.name or "a former member of staff"
    return f"{labels.words(entry.section.value)}, {labels.when(entry.created_at)}, by {author}"


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] if message else "This could not be done"
