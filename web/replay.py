"""The auditor's replay page: what a professional could see of a child at a past instant, and why.

The same service as the API's `networkAsOf`: ids, bases, consents, overrides and the policy
revision, never content. The instant is asked in London time, as the people who review a
case speak of it, and sent to the service as UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from services import refusals
from services.replay import NetworkAsOf
from web import labels
from web.pages import Errors, Pages, Visit

BASES = {
    "OWN_AGENCY": "Their agency's own record", "ALLOCATED": "Allocated, or their team works with the family",
    "CONSENT": "Consent", "OVERRIDE": "A consent override", "BREAK_GLASS": "Break glass",
    "EXISTENCE": "Only that the agency knows the person",
}
_FIELDS = ("professional", "child", "at-day", "at-month", "at-year", "at-time")


def routes(app: FastAPI, pages: Pages) -> None:
    pages.get(app, "/audit/replay", Replay(pages).replay)


def read_instant(query: QueryParams, errors: Errors) -> datetime | None:
    """A London date and a 24-hour time (`02:10`) as one instant in UTC."""
    parts = [query.get(f"at-{part}", "").strip() for part in ("day", "month", "year")]
    clock = query.get("at-time", "").strip()
    day: date | None = None
    try:
        day = date(int(parts[2]), int(parts[1]), int(parts[0]))
        if not 1900 <= day.year <= 2999:
            raise ValueError(day.year)
    except (ValueError, OverflowError):
        errors.add("at-day", "The date must be a real date, like 14 3 2026")
    moment: time | None = None
    try:
        hours, _, minutes = clock.partition(":")
        moment = time(int(hours), int(minutes))
    except (ValueError, OverflowError):
        errors.add("at-time", "The time must be a 24-hour time, like 02:10")
    if day is None or moment is None:
        return None
    return datetime.combine(day, moment, tzinfo=labels.LONDON).astimezone(UTC)


class Replay:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages

    async def replay(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        query = request.query_params
        errors = Errors()
        if not pages.services.replay.may_replay(visit.principal):
            return pages.not_found(visit)
        asked = any(query.get(name) for name in _FIELDS)
        found: NetworkAsOf | None = None
        if asked:
            professional_id, child_id = query.get("professional", "").strip(), query.get("child", "").strip()
            if not professional_id:
                errors.add("professional", "Enter the professional's staff id")
            if not child_id:
                errors.add("child", "Enter the child's id")
            instant = read_instant(query, errors)
            if not errors and instant is not None:
                answer = await pages.call(
                    pages.services.replay.network_as_of, visit.principal, professional_id=professional_id,
                    child_id=child_id, as_of=instant, request_id=visit.request_id,
                )
                match answer:
                    case NetworkAsOf():
                        found = answer
                    case refusals.NotPermitted():
                        return pages.not_found(visit)
                    case refusals.ProfessionalNotFound():
                        errors.add("professional", "No professional with this id was in a team at that time")
                    case refusals.ChildNotFound():
                        errors.add("child", "There is no child with this id")
                    case refusals.InvalidInput():
                        errors.add("at-day", "The date and time must be in the past")
                    case refusals.NoPolicyOnRecord():
                        errors.add("at-day", "No access policy had been loaded by then: choose a later time")
        agencies = await pages.call(pages.directory.agency_names)
        names = await pages.call(pages.directory.professional_names, [found.professional.id] if found else [])
        return pages.render(
            visit, "audit_replay.html", title="Who could see what", active="audit", section="replay",
            query=query, errors=errors, found=found, bases=BASES, agencies=agencies, names=names,
            status=400 if errors else 200,
        )
