"""People: the spelling-tolerant search, a child's family network drawn with its table, and why
the viewer may see each thing."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response

from services.paging import Page
from services.vocabulary import FamilyNetwork
from web import labels, network_layout
from web.pages import Errors, Pages, Visit

SEARCH_PAGE = 20
NETWORK_DEPTH = 2
_WITHHELD = "no consent, approved override or allocation covers your agency"


def routes(app: FastAPI, pages: Pages) -> None:
    people = People(pages)
    pages.get(app, "/search", people.search)
    pages.get(app, "/children/{child_id}/network", people.network)
    pages.get(app, "/explain", people.explain)


class People:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages

    async def search(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        name = request.query_params.get("name", "")
        after = request.query_params.get("after") or None
        errors = Errors()
        found = None
        if "name" in request.query_params:
            if not name.strip():
                errors.add("search-name", "Enter a name to search for")
            else:
                result = await pages.call(
                    pages.services.search.search_people, visit.principal, name=name, dob=None, first=SEARCH_PAGE,
                    after=after, request_id=visit.request_id,
                )
                if isinstance(result, Page):
                    found = result
                else:
                    errors.add("search-name", result.message[:1].upper() + result.message[1:])
        next_href = None
        if found is not None and found.has_next_page and found.end_cursor:
            next_href = "/search?" + urlencode({"name": name, "after": found.end_cursor})
        return pages.render(
            visit, "search.html", title="Find a person", active="search", name=name, found=found, errors=errors,
            next_href=next_href, status=400 if errors else 200,
        )

    async def network(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        child_id = request.path_params["child_id"]
        found = await pages.call(
            pages.services.network.family_network, visit.principal, child_id, depth=NETWORK_DEPTH,
            request_id=visit.request_id,
        )
        if found is None:
            return pages.not_found(visit)
        view = network_view(found)
        return pages.render(
            visit, "network.html", title="Family network", network=found, view=view,
            drawing=embedded_json(view["drawing"]), withheld=_WITHHELD,
        )

    async def explain(self, request: Request, visit: Visit) -> Response:
        pages = self.pages
        resource_id = request.query_params.get("resource", "")
        child_id = request.query_params.get("child") or None
        if not resource_id:
            return pages.not_found(visit)
        found = await pages.call(pages.services.network.explain, visit.principal, resource_id, child_id=child_id)
        back = {"href": f"/children/{child_id}/network", "text": "Back to the family network"} if child_id else None
        return pages.render(visit, "explain.html", title="Why can I see this?", explanation=found, back=back)


def network_view(found: FamilyNetwork) -> dict[str, Any]:
    """What the page shows, people first: each with their households, relationships and records,
    and the drawing's elements built from exactly the same."""
    people = {p.id: p for p in found.people}
    current_home: dict[str, str] = {}
    households: dict[str, dict[str, Any]] = {}
    for residence in found.residences:
        household = households.setdefault(
            residence.household_id, {"id": residence.household_id, "address": residence.address,
                                     "postcode": residence.postcode, "members": []},
        )
        household["members"].append({"person_id": residence.person_id, "current": residence.until is None,
                                     "since": residence.since, "until": residence.until})
        if residence.until is None:
            current_home.setdefault(residence.person_id, residence.household_id)
    records: dict[str, list[Any]] = {}
    for record in found.records:
        records.setdefault(record.person_id, []).append(record)
    known: dict[str, list[str]] = {}
    for entry in found.known_to:
        seen = {r.agency_id for r in records.get(entry.person_id, [])}
        if entry.agency_id not in seen:
            known.setdefault(entry.person_id, []).append(entry.agency_name)
    rows = []
    for person in found.people:
        rows.append({
            "person": person, "name": _name(person.given_name, person.family_name),
            "records": records.get(person.id, []), "known_to": known.get(person.id, []),
            "home": households.get(current_home.get(person.id, "")),
        })
    placed = network_layout.positions(
        [p.id for p in found.people],
        [network_layout.Tie(r.from_id, r.to_id, r.type, r.kind) for r in found.relationships
         if r.from_id in people and r.to_id in people],
        found.child_id, current_home,
    )
    drawing: list[dict[str, Any]] = [
        {"data": {"id": h["id"], "label": h["address"]}, "classes": "household"}
        for h in households.values() if any(m["current"] for m in h["members"])
    ]
    for person in found.people:
        element: dict[str, Any] = {
            "data": {"id": person.id, "label": _name(person.given_name, person.family_name) or "Withheld",
                     "kind": person.kind},
            "classes": "child" + (" subject" if person.id == found.child_id else "")
            if person.kind == "Child" else "adult",
        }
        if person.id in current_home:
            element["data"]["parent"] = current_home[person.id]
        element["position"] = placed[person.id]
        drawing.append(element)
    for relationship in found.relationships:
        if relationship.from_id in people and relationship.to_id in people:
            label = labels.words(relationship.type)
            if relationship.type == "PARENT_OF" and relationship.parental_responsibility:
                label += " (PR)"
            drawing.append({"data": {
                "id": f"{relationship.from_id}-{relationship.type}-{relationship.to_id}",
                "source": relationship.from_id, "target": relationship.to_id, "label": label,
            }, "classes": "wider" if relationship.type == "RELATIVE_OF" else "close"})
    relationship_rows = [
        {"from": _name_of(people, r.from_id), "to": _name_of(people, r.to_id), "type": r.type,
         "parental_responsibility": r.parental_responsibility, "kind": r.kind, "verified": r.verified}
        for r in found.relationships
    ]
    return {"people": rows, "relationships": relationship_rows, "households": list(households.values()),
            "drawing": drawing}


def embedded_json(value: Any) -> str:
    """JSON safe inside a <script> element: no '<' (so no '</script>' a name could carry) nor '&'."""
    return json.dumps(value, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e").replace(
        "&", "\\u0026"
    )


def _name(given: str | None, family: str | None) -> str:
    return " ".join(part for part in (given, family) if part)


def _name_of(people: dict[str, Any], person_id: str) -> str:
    person = people.get(person_id)
    return _name(person.given_name, person.family_name) if person is not None else ""

