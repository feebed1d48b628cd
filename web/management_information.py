"""Management information for MASH boards and inspections: each figure a chart (Chart.js, drawn
in the browser) with its data table beside it, which is the page without JavaScript, and a CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response

from services.management_information import ManagementInformation
from services.principal import Principal
from services.refusals import InvalidInput
from web import labels
from web.audit_review import read_period, spreadsheet_safe
from web.pages import Errors, Pages, Visit
from web.people import embedded_json
from web.workbook import NavigationLink, add_navigation

_URGENCIES = ("RED", "AMBER", "GREEN")


@dataclass(frozen=True, slots=True)
class Figure:
    key: str
    title: str
    headings: tuple[str, ...]
    rows: list[tuple[str, ...]]
    # What Chart.js draws: its type, labels and datasets (each a label and values).
    chart: dict[str, Any]
    summary: str


def routes(app: FastAPI, pages: Pages) -> None:
    figures = FigurePages(pages)
    pages.get(app, "/management-information", figures.page)
    pages.get(app, "/management-information/{key}.csv", figures.download)
    add_navigation(pages, figures.navigation)


def month(value: date) -> str:
    return f"{value:%b %Y}"


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "minutes" and value >= 120:
        return f"{value / 60:.1f} hours"
    return f"{value:.0f} {unit}" if unit == "minutes" else f"{value:.1f} {unit}"


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else ""


def figures_of(found: ManagementInformation) -> list[Figure]:
    """Every figure's table and chart, from the same numbers."""
    months = sorted({row.month for row in found.overrides_by_manager})
    managers = sorted(
        {(row.manager_name or "Not on the staff list", row.manager_id) for row in found.overrides_by_manager}
    )
    decided = {(row.month, row.manager_id): row for row in found.overrides_by_manager}
    by_manager = Figure(
        key="overrides-by-manager", title="Override decisions per month, by the deciding manager",
        headings=("Month", "Manager", "Approved", "Rejected"),
        rows=[(month(r.month), r.manager_name or "Not on the staff list", str(r.approved), str(r.rejected))
              for r in found.overrides_by_manager],
        chart={"type": "bar", "stacked": True, "labels": [month(m) for m in months], "datasets": [
            {"label": name, "data": [
                (decided[(m, manager_id)].approved + decided[(m, manager_id)].rejected)
                if (m, manager_id) in decided else 0 for m in months
            ]} for name, manager_id in managers
        ], "y": "Decisions"},
        summary="Bars per month, one colour per manager; the table gives approved and rejected.",
    )
    times = found.override_decision_times
    decision_times = Figure(
        key="override-decision-times", title="Time from an override request to its decision",
        headings=("Month requested", "Requested", "Decided", "Decided within an hour", "Median", "90th percentile",
                  "Longest"),
        rows=[(month(r.month), str(r.requested), str(r.decided),
               f"{r.within_hour} ({_share(r.within_hour, r.decided)})" if r.decided else "0",
               _number(r.median_minutes, "minutes"), _number(r.p90_minutes, "minutes"),
               _number(r.longest_minutes, "minutes")) for r in times],
        chart={"type": "bar", "labels": [month(r.month) for r in times], "datasets": [
            {"label": "Median (minutes)", "data": [round(r.median_minutes or 0, 1) for r in times]},
            {"label": "90th percentile (minutes)", "data": [round(r.p90_minutes or 0, 1) for r in times]},
        ], "y": "Minutes"},
        summary="The median and the 90th percentile of the minutes to a decision, by month of request.",
    )
    urgency = sorted(found.contacts_by_urgency, key=lambda r: _URGENCIES.index(r.urgency)
                     if r.urgency in _URGENCIES else len(_URGENCIES))
    contacts = Figure(
        key="contacts-by-urgency", title="Contacts by urgency, and the share decided within their due time",
        headings=("Urgency", "Contacts", "Decided in time", "Decided late", "Still open", "Share decided in time"),
        rows=[(labels.words(r.urgency), str(r.contacts), str(r.in_time), str(r.late), str(r.open),
               _share(r.in_time, r.contacts)) for r in urgency],
        chart={"type": "bar", "stacked": True, "horizontal": True,
               "labels": [labels.words(r.urgency) for r in urgency], "datasets": [
                   {"label": "Decided in time", "data": [r.in_time for r in urgency]},
                   {"label": "Decided late", "data": [r.late for r in urgency]},
                   {"label": "Still open", "data": [r.open for r in urgency]},
               ], "y": "Contacts"},
        summary="One bar per urgency: decided in time, decided late, still open.",
    )
    partners = found.partner_responses
    responses = Figure(
        key="partner-responses", title="Partner agencies' answers to information requests",
        headings=("Agency", "Asked", "Shared", "Declined", "Not answered", "Answered in time",
                  "Median time to answer", "90th percentile"),
        rows=[(r.agency_name, str(r.asked), str(r.shared), str(r.declined), str(r.asked - r.answered),
               f"{r.in_time} ({_share(r.in_time, r.asked)})", _number(r.median_hours, "hours"),
               _number(r.p90_hours, "hours")) for r in partners],
        chart={"type": "bar", "stacked": True, "horizontal": True, "labels": [r.agency_name for r in partners],
               "datasets": [
                   {"label": "Shared", "data": [r.shared for r in partners]},
                   {"label": "Declined", "data": [r.declined for r in partners]},
                   {"label": "Not answered", "data": [r.asked - r.answered for r in partners]},
               ], "y": "Requests"},
        summary="One bar per agency: shared, declined, not answered; the table gives the times.",
    )
    return [by_manager, decision_times, contacts, responses]


class FigurePages:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.figures = pages.services.management_information

    def navigation(self, principal: Principal, active: str | None) -> list[NavigationLink]:
        if not self.figures.may_read(principal):
            return []
        return [{"href": "/management-information", "text": "Management information", "active": active == "mi"}]

    async def _read(self, request: Request, visit: Visit, errors: Errors) -> ManagementInformation | None:
        period = read_period(lambda name: request.query_params.get(name, ""), errors)
        found = await self.pages.call(
            self.figures.figures, visit.principal, from_at=period.from_at, to_at=period.to_at,
        )
        if isinstance(found, InvalidInput):
            errors.add("from-day", found.message[:1].upper() + found.message[1:])
            return None
        return found if isinstance(found, ManagementInformation) else None

    async def page(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        if not self.figures.may_read(visit.principal):
            return pages.not_found(visit)
        errors = Errors()
        found = await self._read(request, visit, errors)
        figures = figures_of(found) if found is not None else []
        period = {key: value for key, value in request.query_params.items() if value}
        return pages.render(
            visit, "audit_mi.html", title="Management information", active="mi", section="mi", errors=errors,
            found=found, figures=figures, charts=embedded_json({f.key: f.chart for f in figures}),
            query=request.query_params, csv_query=("?" + urlencode(period)) if period else "",
            is_auditor=pages.services.auditor.may_review_overrides(visit.principal), status=400 if errors else 200,
        )

    async def download(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        errors = Errors()
        found = await self._read(request, visit, errors) if self.figures.may_read(visit.principal) else None
        figure = next((f for f in figures_of(found) if f.key == request.path_params["key"]), None) if found else None
        if figure is None:
            return pages.not_found(visit) if not errors else pages.problem(
                visit, status=400, title="This download cannot be made",
                message=next(iter(errors.by_field.values())),
            )
        return Response(
            _csv(figure.headings, figure.rows), media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{figure.key}.csv"'},
        )


def _csv(headings: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings)
    writer.writerows([spreadsheet_safe(value) for value in row] for row in rows)
    return buffer.getvalue()

