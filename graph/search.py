"""Finding people by name: the `person_names` full-text index, each candidate with the caller's basis.

The caller's standing towards each candidate is computed in the same query, with the policy's
compiled read bases passed in, so a name the caller may not see never leaves the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import LiteralString

from neo4j import ManagedTransaction

from graph.access_rules import BREAK_GLASS, CHOOSE_BASIS, CONSENTS, OVERRIDES, RELATIONSHIP, SHUT_OUT
from graph.network import Viewer
from graph.values import to_python

MAX_TERMS = 6
MAX_TERM_LENGTH = 40
# How many index hits are ranked before the date-of-birth filter and paging apply.
CANDIDATE_LIMIT = 500

_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')
_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    kind: str
    score: float
    basis: str
    given_name: str | None
    family_name: str | None
    dob: date | None
    # The override the candidate is shown under, when its basis is OVERRIDE.
    override_id: str | None = None


@dataclass(frozen=True, slots=True)
class SearchKey:
    """Where a page of results ends: by score (highest first), then id."""

    score: float
    id: str


def lucene_query(name: str) -> str | None:
    """Each word matched exactly (boosted) or within two edits; Lucene syntax in input is escaped."""
    terms = [
        _LUCENE_SPECIAL.sub(r"\\\1", word[:MAX_TERM_LENGTH].lower())
        for word in _WORD.findall(name)[:MAX_TERMS]
    ]
    if not terms:
        return None
    return " OR ".join(f"({term}^2 OR {term}~2)" for term in terms)


# A candidate's standing is judged through the children it is about: itself if a child,
# or the children an adult is parent or carer to or lives with, as for a record. A person
# the caller has no basis for is dropped before paging, so whether they exist, and what
# their name and date of birth are, changes nothing in the answer.
SEARCH_PEOPLE: LiteralString = """
OPTIONAL MATCH (me:Professional {id: $professional_id})
CALL db.index.fulltext.queryNodes('person_names', $lucene, {limit: $candidate_limit})
YIELD node AS p, score
WITH me, p, score
WHERE ($dob IS NULL OR p.dob = $dob)
  AND ($after_score IS NULL OR score < $after_score OR (score = $after_score AND p.id > $after_id))
WITH me, p, score,
     COLLECT {
         WITH p AS c WHERE c:Child RETURN c
         UNION
         MATCH (p)-[:PARENT_OF|CARER_OF]->(c:Child) RETURN c
         UNION
         MATCH (p)-[:LIVES_IN]->(:Household)<-[:LIVES_IN]-(c:Child) RETURN c
     } AS children
WITH me, p, score,
     COLLECT { UNWIND children AS c WITH c WHERE NOT """ + SHUT_OUT + """ RETURN c } AS open_children
WITH me, p, score, open_children, p:Child AND NOT p IN open_children AS self_shut_out
WITH p, score, self_shut_out,
     NOT self_shut_out AND ($agency_kind = 'CHILDRENS_SERVICES'
       OR EXISTS { (p)<-[:ABOUT]-(:AgencyRecord)-[:HELD_BY]->(:Agency {id: $agency_id}) }) AS own,
     NOT self_shut_out AND EXISTS {
         UNWIND open_children AS c WITH c WHERE """ + RELATIONSHIP + """ RETURN c
     } AS allocated,
     // Anchored on the candidate's children: matching from Consent would scan every consent.
     CASE WHEN NOT self_shut_out AND EXISTS {
         UNWIND open_children AS c WITH c WHERE size(""" + CONSENTS + """) > 0 RETURN c
     } THEN 'consent' END AS record_consent,
     // The override itself, not just that one holds: a read under it is audited with its id.
     CASE WHEN NOT self_shut_out THEN head(COLLECT {
         UNWIND open_children AS c
         UNWIND """ + OVERRIDES + """ AS grant
         RETURN grant.id AS override_id
     }) END AS record_override,
     CASE WHEN NOT self_shut_out AND EXISTS {
         UNWIND open_children AS c WITH c WHERE size(""" + BREAK_GLASS + """) > 0 RETURN c
     } THEN 'break glass' END AS break_glass_id,
     coalesce($read_bases['person'], []) AS allowed
WITH p, score, record_override, """ + CHOOSE_BASIS + """ AS basis
WHERE basis IN $content_bases
RETURN p.id AS id, CASE WHEN p:Child THEN 'Child' ELSE 'Adult' END AS kind, score, basis,
       p.given_name AS given_name, p.family_name AS family_name, p.dob AS dob,
       CASE basis WHEN 'OVERRIDE' THEN record_override END AS override_id
ORDER BY score DESC, id
LIMIT $limit
"""


def search_people(
    tx: ManagedTransaction, *, lucene: str, dob: date | None, viewer: Viewer, after: SearchKey | None,
    limit: int,
) -> list[Candidate]:
    result = tx.run(
        SEARCH_PEOPLE, lucene=lucene, dob=dob, candidate_limit=CANDIDATE_LIMIT,
        after_score=after.score if after else None, after_id=after.id if after else None, limit=limit,
        professional_id=viewer.professional_id, agency_id=viewer.agency_id,
        agency_kind=viewer.agency_kind, read_bases=viewer.read_bases,
        content_bases=list(viewer.content_bases),
    )
    return [
        Candidate(
            id=record["id"], kind=record["kind"], score=float(record["score"]), basis=record["basis"],
            given_name=record["given_name"], family_name=record["family_name"],
            dob=to_python(record["dob"]), override_id=record["override_id"],
        )
        for record in result
    ]
