"""searchPeople: spelling-tolerant name search, each candidate limited to what the caller may see."""

from __future__ import annotations

import math
from datetime import date
from typing import TypeAlias

from neo4j import Driver, ManagedTransaction

from graph import search
from graph.network import Viewer
from policies import Basis, Policy
from services import audit_events
from services.paging import Cursor, Page
from services.principal import Principal
from services.refusals import InvalidInput, NotPermitted

MAX_PAGE = 50
_AUDITED_BASES = frozenset({Basis.CONSENT.value, Basis.OVERRIDE.value, Basis.BREAK_GLASS.value})


SearchResult: TypeAlias = Page[search.Candidate] | InvalidInput | NotPermitted


def _score(text: str) -> float:
    score = float(text)
    if not math.isfinite(score):
        raise ValueError("a search score is a finite number")
    return score


# A score is written as repr writes it, which float reads back exactly.
_CURSOR = Cursor(
    "search_people", write=lambda key: (repr(key.score), key.id),
    read=lambda parts: search.SearchKey(score=_score(parts[0]), id=parts[1]), parts=2,
)


class SearchService:
    def __init__(self, driver: Driver, *, database: str, policy: Policy, audit_sink: audit_events.AuditSink) -> None:
        self._driver = driver
        self._database = database
        self._policy = policy
        self._audit = audit_sink

    def search_people(
        self, principal: Principal, *, name: str, dob: date | None, first: int, after: str | None,
        request_id: str,
    ) -> SearchResult:
        read_bases = self._policy.compile_read_filter(principal.roles)
        if not read_bases.get("person"):
            return NotPermitted("your role may not search for people")
        key = _CURSOR.start(first, after, maximum=MAX_PAGE)
        if isinstance(key, InvalidInput):
            return key
        lucene = search.lucene_query(name)
        if lucene is None:
            return InvalidInput("give a name to search for")
        viewer = Viewer(
            professional_id=principal.professional_id, agency_id=principal.agency_id,
            agency_kind=principal.agency_kind, read_bases=read_bases,
        )

        def work(tx: ManagedTransaction) -> list[search.Candidate]:
            found = search.search_people(tx, lucene=lucene, dob=dob, viewer=viewer, after=key, limit=first + 1)
            shown = found[:first]
            # One event per basis, and under OVERRIDE one per override, so that each override's
            # review lists the people a search showed under it.
            groups = sorted({(c.basis, c.override_id or "") for c in shown if c.basis in _AUDITED_BASES})
            for basis, override_id in groups:
                audit_events.record(
                    self._audit, tx, principal, action="person.searched",
                    targets=[c.id for c in shown if (c.basis, c.override_id or "") == (basis, override_id)],
                    request_id=request_id, basis=basis, override_id=override_id or None,
                )
            return found

        with self._driver.session(database=self._database) as session:
            found = session.execute_write(work)
        return _CURSOR.page(found, first, lambda candidate: search.SearchKey(candidate.score, candidate.id))
