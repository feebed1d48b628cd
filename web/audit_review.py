"""The auditor's review: consent overrides and what was read under them, break-glass uses, and the
audit chain with its verification and exports. Auditors see no case content here but override
justifications and break-glass explanations, as in the API."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import iterate_in_threadpool
from starlette.datastructures import QueryParams

from services.audit_review import ChainStatus, EventQuery, OverrideReview
from services.grants import MAX_PAGE as BREAK_GLASS_SHOWN
from services.paging import Page
from services.principal import Principal
from services.refusals import InvalidInput, NotPermitted
from services.vocabulary import OverrideStatus
from web import labels
from web.pages import Errors, Form, Pages, Visit
from web.workbook import NavigationLink, add_navigation

OVERRIDES_PAGE = 25
ERASURES_PAGE = 25
# What the retention schedule erased, and how, in the auditor's words.
ERASED_KINDS = {
    "contact": "A contact", "agency_record": "An agency record", "workbook": "A family's workbook",
    "child": "Everything sealed for a child",
}
ERASURE_METHODS = {"SCOPE_SHREDDED": "Data key destroyed", "FIELDS_REMOVED": "Content removed"}
_CSV_PAGE = 100
_READ_KINDS = {
    "network.read": "Family network and records",
    "information.read": "Partner information shared",
    "person.listed": "A name in a list",
    "person.searched": "A name in search results",
    "workbook.read": "Workbook entries",
}
_REFUSALS = {
    "SelfApprovalForbidden": "They had requested it themselves",
    "NotAManager": "Not a manager who decides overrides",
    "OutsideOfficeHours": "Outside office hours, when the on-call managers decide",
    "AlreadyDecided": "It had already been decided",
}
_STATUSES = ("REQUESTED", "APPROVED", "REJECTED", "EXPIRED", "REVOKED")
CSV_COLUMNS = (
    "seq", "at", "actor", "actor_name", "agency", "role", "action", "targets", "basis", "override_id",
    "request_id", "prev_hash", "hash",
)


def routes(app: FastAPI, pages: Pages) -> None:
    review = AuditReview(pages)
    pages.get(app, "/audit/overrides", review.overrides)
    pages.get(app, "/audit/overrides/{override_id}", review.override)
    pages.get(app, "/audit/break-glass", review.break_glass)
    pages.get(app, "/audit/erasures", review.erasures)
    pages.get(app, "/audit/chain", review.chain)
    pages.post(app, "/audit/chain/verify", review.verify)
    pages.post(app, "/audit/chain/export", review.export)
    add_navigation(pages, review.navigation)


@dataclass(frozen=True, slots=True)
class Period:
    from_at: datetime | None
    to_at: datetime | None


def read_period(values: Callable[[str], str], errors: Errors) -> Period:
    """A period as two GOV.UK date inputs (`from-day`..., `to-day`...), the end day included."""
    start = _day(values, "from", errors, "start")
    end = _day(values, "to", errors, "end")
    # London midnights, as instants in UTC: what every service and query takes.
    from_at = datetime.combine(start, time(0), tzinfo=labels.LONDON).astimezone(UTC) if start else None
    to_at = datetime.combine(end + timedelta(days=1), time(0), tzinfo=labels.LONDON).astimezone(UTC) if end else None
    if from_at is not None and to_at is not None and to_at <= from_at:
        errors.add("to-day", "The end of the period must be on or after its start")
        return Period(from_at, None)
    return Period(from_at, to_at)


def _day(values: Callable[[str], str], name: str, errors: Errors, said: str) -> date | None:
    parts = [values(f"{name}-{part}").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None
    try:
        day, month, year = (int(part) for part in parts)
        if not 1900 <= year <= 2999:
            raise ValueError(year)
        return date(year, month, day)
    except (ValueError, OverflowError):
        errors.add(f"{name}-day", f"The {said} of the period must be a real date, like 1 4 2026")
        return None


def _query_values(query: QueryParams) -> Callable[[str], str]:
    return lambda name: query.get(name, "")


def span(length: timedelta | None) -> str:
    """A length of time in words: '3 hours 5 min', '2 days 4 hours', 'under a minute'."""
    if length is None:
        return ""
    seconds = max(0, int(length.total_seconds()))
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} hour{'s' if hours != 1 else ''}" if hours else "")
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min" if minutes else "under a minute"


def in_force(review: OverrideReview, now: datetime) -> timedelta | None:
    """How long an approved override was (or has so far been) in force."""
    record = review.record
    if record.decided_at is None or record.status not in {"APPROVED", "EXPIRED", "REVOKED"}:
        return None
    ends = [moment for moment in (record.revoked_at, record.expires_at, now) if moment is not None]
    return min(ends) - record.decided_at


def event_time(at: str) -> datetime:
    return datetime.fromisoformat(at)


def read_kind(action: str) -> str:
    return _READ_KINDS.get(action, labels.words(action.replace(".", "_")))


class AuditReview:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.auditor = pages.services.auditor

    def navigation(self, principal: Principal, active: str | None) -> list[NavigationLink]:
        if not self.auditor.may_review_overrides(principal):
            return []
        return [{"href": "/audit/overrides", "text": "Audit review", "active": active == "audit"}]

    async def overrides(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        query = request.query_params
        errors = Errors()
        period = read_period(_query_values(query), errors)
        status = query.get("status", "")
        requested_by, decided_by = query.get("requested_by") or None, query.get("decided_by") or None
        after = query.get("after") or None
        found = await pages.call(
            self.auditor.overrides, visit.principal,
            status=OverrideStatus(status) if status in _STATUSES else None, from_at=period.from_at,
            to_at=period.to_at, first=OVERRIDES_PAGE, after=after, request_id=visit.request_id,
            requested_by=requested_by, decided_by=decided_by,
        )
        if isinstance(found, NotPermitted):
            return pages.not_found(visit)
        if isinstance(found, InvalidInput):
            errors.add("from-day", found.message[:1].upper() + found.message[1:])
            found = Page.empty()
        filters = {key: value for key, value in query.items() if key != "after" and value}
        people = [r.record.requested_by for r in found.items] + [r.record.decided_by or "" for r in found.items]
        names = await pages.call(pages.directory.professional_names, [*people, requested_by or "", decided_by or ""])
        now = labels.now()
        return pages.render(
            visit, "audit_overrides.html", title="Consent overrides", active="audit", section="overrides",
            page=found, errors=errors, status_filter=status, statuses=_STATUSES, names=names, query=query,
            requested_by=requested_by, decided_by=decided_by, now=now, span=span, in_force=in_force,
            filter_href=lambda **change: "/audit/overrides?" + urlencode({**filters, **change}),
            unfilter_href=lambda key: "/audit/overrides?" + urlencode({k: v for k, v in filters.items() if k != key}),
            next_href="/audit/overrides?" + urlencode({**filters, "after": found.end_cursor})
            if found.has_next_page and found.end_cursor else None,
            first_href="/audit/overrides?" + urlencode(filters) if after else None,
            status=400 if errors else 200,
        )

    async def override(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        found = await pages.call(
            self.auditor.override, visit.principal, override_id=request.path_params["override_id"],
            request_id=visit.request_id,
        )
        if not isinstance(found, OverrideReview):
            return pages.not_found(visit)
        record = found.record
        people = [record.requested_by, record.decided_by or "", record.revoked_by or ""]
        people += [read.actor for read in found.reads] + [refused.actor for refused in found.refused_decisions]
        names = await pages.call(pages.directory.professional_names, people)
        agencies = await pages.call(pages.directory.agency_names)
        now = labels.now()
        return pages.render(
            visit, "audit_override.html", title="A consent override", active="audit", section="overrides",
            review=found, names=names, agencies=agencies, timeline=_timeline(found, now), span=span,
            in_force=in_force(found, now), now=now,
            back={"href": "/audit/overrides", "text": "Back to the overrides"},
        )

    async def break_glass(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        errors = Errors()
        period = read_period(_query_values(request.query_params), errors)
        found = await pages.call(
            pages.services.grants.review, visit.principal, start=period.from_at, end=period.to_at,
            first=BREAK_GLASS_SHOWN, after=None, request_id=visit.request_id,
        )
        if not isinstance(found, Page):
            return pages.not_found(visit)
        agencies = await pages.call(pages.directory.agency_names)
        return pages.render(
            visit, "audit_break_glass.html", title="Break-glass uses", active="audit", section="break-glass",
            uses=found.items, agencies=agencies, errors=errors, query=request.query_params, span=span,
            status=400 if errors else 200,
        )

    async def erasures(self, request: Request, visit: Visit) -> Response:
        """What the retention schedule erased in a period: ids, rules and dates, never content."""
        pages = self.pages
        query = request.query_params
        errors = Errors()
        period = read_period(_query_values(query), errors)
        after = query.get("after") or None
        found = await pages.call(
            pages.services.retention.erasures, visit.principal, from_at=period.from_at, to_at=period.to_at,
            first=ERASURES_PAGE, after=after,
        )
        if isinstance(found, NotPermitted):
            return pages.not_found(visit)
        if isinstance(found, InvalidInput):
            errors.add("from-day", found.message[:1].upper() + found.message[1:])
            found = Page.empty()
        filters = {key: value for key, value in query.items() if key != "after" and value}
        return pages.render(
            visit, "audit_erasures.html", title="Erasures", active="audit", section="erasures", page=found,
            errors=errors, query=query, kinds=ERASED_KINDS, methods=ERASURE_METHODS,
            next_href="/audit/erasures?" + urlencode({**filters, "after": found.end_cursor})
            if found.has_next_page and found.end_cursor else None,
            first_href="/audit/erasures?" + urlencode(filters) if after else None,
            status=400 if errors else 200,
        )

    async def chain(self, request: Request, visit: Visit) -> Response:
        return await self._chain_page(visit, report=None, form=Form(), errors=Errors())

    async def _chain_page(
        self, visit: Visit, *, report: object | None, form: Form, errors: Errors, status: int = 200,
    ) -> Response:
        pages = self.pages
        found = await pages.call(self.auditor.chain_status, visit.principal)
        if not isinstance(found, ChainStatus):
            return pages.not_found(visit)
        verifier = found.last_verification.actor if found.last_verification else ""
        names = await pages.call(pages.directory.professional_names, [verifier])
        return pages.render(
            visit, "audit_chain.html", title="The audit chain", active="audit", section="chain", chain=found,
            report=report, names=names, form=form, errors=errors, event_time=event_time,
            may_export=self.auditor.may_export(visit.principal), status=status,
        )

    async def verify(self, request: Request, visit: Visit, form: Form) -> Response:
        report = await self.pages.call(self.auditor.verify_now, visit.principal, request_id=visit.request_id)
        if isinstance(report, NotPermitted):
            return self.pages.not_found(visit)
        return await self._chain_page(visit, report=report, form=Form(), errors=Errors())

    async def export(self, request: Request, visit: Visit, form: Form) -> Response:
        pages = self.pages
        errors = Errors()
        kind = form.get("format")
        period = read_period(form.get, errors)
        if kind not in {"jsonl", "csv"}:
            errors.add("format", "Select the kind of file")
        if errors:
            return await self._chain_page(visit, report=None, form=form, errors=errors, status=400)
        sealed = await pages.call(self.auditor.record_export, visit.principal, request_id=visit.request_id)
        if isinstance(sealed, NotPermitted):
            return pages.not_found(visit)
        if kind == "jsonl":
            # From the first event to the checkpoint just signed over this export's own record:
            # each event's hash rests on the one before, so only the whole chain verifies offline.
            return StreamingResponse(
                iterate_in_threadpool(self.auditor.export_lines(through=sealed)),
                media_type="application/x-ndjson",
                headers={"content-disposition": 'attachment; filename="hub-audit-export.jsonl"'},
            )
        lines = self._csv_lines(visit.principal, period, last_seq=sealed.seq)
        return StreamingResponse(
            iterate_in_threadpool(lines), media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="hub-audit-events.csv"'},
        )

    def _csv_lines(self, principal: Principal, period: Period, *, last_seq: int) -> Iterator[str]:
        """The period's events, page by page as the download is read, none after the export's own."""
        yield _csv_row(CSV_COLUMNS)
        after: str | None = None
        names: dict[str, str] = {}
        while True:
            page = self.auditor.audit_events(
                principal, query=EventQuery(from_at=period.from_at, to_at=period.to_at), first=_CSV_PAGE,
                after=after,
            )
            if not isinstance(page, Page):
                return
            unnamed = {event.actor for event in page.items} - names.keys()
            if unnamed:
                names.update(self.pages.directory.professional_names(unnamed))
            for event in page.items:
                if event.seq > last_seq:
                    return
                yield _csv_row((
                    str(event.seq), event.at, event.actor, names.get(event.actor, ""), event.agency, event.role,
                    event.action, " ".join(event.targets), event.basis or "", event.override_id or "",
                    event.request_id, event.prev_hash, event.hash,
                ))
            if not page.has_next_page:
                return
            after = page.end_cursor


def _csv_row(values: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([spreadsheet_safe(value) for value in values])
    return buffer.getvalue()


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: never a formula (a leading =, +, - or @)."""
    return "'" + value if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


@dataclass(frozen=True, slots=True)
class Moment:
    at: datetime
    what: str
    who: str
    detail: str = ""
    agency: str = ""


def _timeline(review: OverrideReview, now: datetime) -> list[Moment]:
    record = review.record
    moments = [Moment(record.requested_at, "Requested", record.requested_by)]
    moments += [
        Moment(event_time(refused.at), "A decision refused", refused.actor,
               detail=_REFUSALS.get(refused.refusal, labels.words(refused.refusal)))
        for refused in review.refused_decisions
    ]
    if record.decided_at is not None and record.decided_by is not None:
        decided = "Rejected" if record.status == "REJECTED" else "Approved"
        moments.append(Moment(record.decided_at, decided, record.decided_by, detail=record.decision_note or ""))
    moments += [
        Moment(event_time(read.at), "Read under the override", read.actor, detail=read_kind(read.action),
               agency=read.agency)
        for read in review.reads
    ]
    if record.revoked_at is not None:
        moments.append(Moment(record.revoked_at, "Revoked", record.revoked_by or ""))
    elif record.status == "EXPIRED" and record.expires_at is not None and record.expires_at <= now:
        moments.append(Moment(record.expires_at, "Expired", ""))
    return sorted(moments, key=lambda moment: moment.at)
