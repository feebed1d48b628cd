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

from graph.network import Viewer, to_python

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
    basis: str | None
    given_name: str | None
    family_name: str | None
    dob: date | None


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


SEARCH_PEOPLE: LiteralString = """
CALL db.index.fulltext.queryNodes('person_names', $lucene, {limit: $candidate_limit})
YIELD node AS p, score
WHERE ($dob IS NULL OR p.dob = $dob)
  AND ($after_score IS NULL OR score < $after_score OR (score = $after_score AND p.id > $after_id))
WITH p, score
ORDER BY score DESC, p.id
LIMIT $limit
WITH p, score,
     $agency_kind = 'CHILDRENS_SERVICES'
       OR EXISTS { (p)<-[:ABOUT]-(:AgencyRecord)-[:HELD_BY]->(:Agency {id: $agency_id}) } AS own,
     COLLECT {
         WITH p AS c WHERE c:Child RETURN c
         UNION
         MATCH (p)-[:PARENT_OF|CARER_OF]->(c:Child) RETURN c
         UNION
         MATCH (p)-[:LIVES_IN]->(:Household)<-[:LIVES_IN]-(c:Child) RETURN c
     } AS children
WITH p, score, own,
     EXISTS {
         MATCH (:Professional {id: $professional_id})-[:ALLOCATED_TO]->(c:Child) WHERE c IN children
     } AS allocated,
     // Anchored on the candidate's children: matching from Consent would scan every consent.
     EXISTS {
         UNWIND children AS c
         MATCH (k:Consent)-[:COVERS]->(c)
         WHERE k.withdrawn_at IS NULL
           AND (k.expires_at IS NULL OR k.expires_at > datetime())
           AND (k.scope = 'FULL' OR $agency_kind = 'CHILDRENS_SERVICES' OR $agency_id IN k.agencies)
     } AS consented,
     EXISTS {
         UNWIND children AS c
         MATCH (o:ConsentOverride {status: 'APPROVED'})-[:FOR]->(c)
         WHERE o.expires_at > datetime()
           AND (o.scope = 'FULL' OR $agency_kind = 'CHILDRENS_SERVICES' OR $agency_id IN o.agencies)
     } AS overridden,
     coalesce($read_bases['person'], []) AS allowed
WITH p, score,
     CASE
         WHEN own AND 'OWN_AGENCY' IN allowed THEN 'OWN_AGENCY'
         WHEN allocated AND 'ALLOCATED' IN allowed THEN 'ALLOCATED'
         WHEN consented AND 'CONSENT' IN allowed THEN 'CONSENT'
         WHEN overridden AND 'OVERRIDE' IN allowed THEN 'OVERRIDE'
     END AS basis
RETURN p.id AS id, CASE WHEN p:Child THEN 'Child' ELSE 'Adult' END AS kind, score, basis,
       CASE WHEN basis IS NOT NULL THEN p.given_name END AS given_name,
       CASE WHEN basis IS NOT NULL THEN p.family_name END AS family_name,
       CASE WHEN basis IS NOT NULL THEN p.dob END AS dob
ORDER BY score DESC, id
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
    )
    return [
        Candidate(
            id=record["id"], kind=record["kind"], score=float(record["score"]), basis=record["basis"],
            given_name=record["given_name"], family_name=record["family_name"],
            dob=to_python(record["dob"]),
        )
        for record in result
    ]
