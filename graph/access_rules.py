"""The access semantics in Cypher, written once and composed by every query that decides access.

Each fragment is an expression over bound variables, so a query anchored on one child
(`$child_id`) and a query that judges many children row by row (people search) say the
same thing in the same words. The variables:

- `c`: a `:Child`;
- `me`: the caller's `:Professional` (null for an unknown caller, which makes every
  pattern below false);
- `$professional_id`, `$agency_id`, `$agency_kind`: who is asking.

Which of the facts a caller may rely on, for which kind of resource, is the policy's
(`policies/policy.csv`), compiled into `$read_bases`; the order in which bases are
preferred is `policies.engine.PREFERENCE`, which `CHOOSE_BASIS` follows (a test holds the
two together). `policies/README.md` states the rules in prose.
"""

from __future__ import annotations

from typing import LiteralString

# A restricted child (a member of staff's family, a high-profile case) is seen beyond
# existence only by the professionals named on its restriction: for everyone else no
# consent, override, allocation, break glass or own-agency fact holds.
SHUT_OUT: LiteralString = """(
    EXISTS { (:Restriction)-[:RESTRICTS]->(c) }
    AND NOT EXISTS { (me)-[:NAMED_ON]->(:Restriction)-[:RESTRICTS]->(c) }
)"""

# A legitimate relationship with the child: the caller is allocated to it, its case is held
# in the caller's team, or it lives in a household the caller's team works with (a child
# of that household is allocated in the team). This is the ALLOCATED basis.
RELATIONSHIP: LiteralString = """(
    EXISTS { (me)-[:ALLOCATED_TO]->(c) }
    OR EXISTS { (c)<-[:ALLOCATED_TO]-(:Professional)-[:MEMBER_OF]->(:Team)<-[:MEMBER_OF]-(me) }
    OR EXISTS {
        MATCH (c)-[home:LIVES_IN]->(:Household)<-[there:LIVES_IN]-(:Child)
              <-[:ALLOCATED_TO]-(:Professional)-[:MEMBER_OF]->(:Team)<-[:MEMBER_OF]-(me)
        WHERE home.until IS NULL AND there.until IS NULL
    }
)"""

# Consents in force for the child that cover the reader: FULL (every partner), or TARGETED
# at named agencies, children's services always included. Newest first.
CONSENTS: LiteralString = """COLLECT {
    MATCH (k:Consent)-[:COVERS]->(c)
    WHERE k.withdrawn_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > datetime())
      AND (k.scope = 'FULL' OR $agency_kind = 'CHILDRENS_SERVICES' OR $agency_id IN k.agencies)
    RETURN {id: k.id, full: k.scope = 'FULL', agencies: coalesce(k.agencies, [])} AS grant
    ORDER BY k.given_at DESC, k.id
}"""

# Approved, unexpired overrides for the child that cover the reader, as for consents.
OVERRIDES: LiteralString = """COLLECT {
    MATCH (o:ConsentOverride {status: 'APPROVED'})-[:FOR]->(c)
    WHERE o.expires_at > datetime()
      AND (o.scope = 'FULL' OR $agency_kind = 'CHILDRENS_SERVICES' OR $agency_id IN o.agencies)
    RETURN {id: o.id, full: o.scope = 'FULL', agencies: coalesce(o.agencies, [])} AS grant
    ORDER BY o.decided_at DESC, o.id
}"""

# The caller's own break-glass access to the child, newest first, while it lasts.
BREAK_GLASS: LiteralString = """COLLECT {
    MATCH (me)-[:OPENED]->(b:BreakGlass)-[:FOR]->(c)
    WHERE b.expires_at > datetime()
    RETURN b.id AS id ORDER BY b.opened_at DESC, id
}"""

# Whether a grant (a consent or override covering the reader) also covers a record held by
# `ag`. Children's services and the partners exchange through the front door: a grant lets
# a record pass between children's services and an agency it covers. One partner reads
# another partner's record only where the grant names both agencies: a FULL consent or
# override lets the police read children's services' records, never health's.
GRANT_COVERS_HOLDER: LiteralString = """(
    (g.full OR ag.kind = 'CHILDRENS_SERVICES' OR ag.id IN g.agencies)
    AND ($agency_kind = 'CHILDRENS_SERVICES' OR ag.kind = 'CHILDRENS_SERVICES' OR ag.id = $agency_id
         OR (ag.id IN g.agencies AND $agency_id IN g.agencies))
)"""


def first_covering(grants: LiteralString) -> LiteralString:
    """The id of the newest grant in `grants` that covers the record's holder `ag`, or null."""
    return "[g IN " + grants + " WHERE " + GRANT_COVERS_HOLDER + "][0].id"


# A child's standing towards the caller, computed once for `$child_id`: the facts behind
# the OWN_AGENCY (for the council's own records of the child), ALLOCATED, CONSENT, OVERRIDE
# and BREAK_GLASS bases. Leaves c, shut_out, allocated, consents, overrides, consent_id,
# override_id and break_glass_id bound.
STANDING: LiteralString = """
MATCH (c:Person:Child {id: $child_id})
OPTIONAL MATCH (me:Professional {id: $professional_id})
WITH c, me, """ + SHUT_OUT + """ AS shut_out
WITH c, shut_out,
     CASE WHEN shut_out THEN [] ELSE """ + CONSENTS + """ END AS consents,
     CASE WHEN shut_out THEN [] ELSE """ + OVERRIDES + """ END AS overrides,
     NOT shut_out AND """ + RELATIONSHIP + """ AS allocated,
     CASE WHEN shut_out THEN [] ELSE """ + BREAK_GLASS + """ END AS break_glass
WITH c, shut_out, allocated, consents, overrides,
     consents[0].id AS consent_id, overrides[0].id AS override_id, break_glass[0] AS break_glass_id
"""

# The first basis the facts support and the policy allows (`allowed`), in the policy's order
# of preference; EXISTENCE (known to an agency, no content) only when nothing else holds.
# Expects own, allocated, record_consent, record_override, break_glass_id and allowed bound.
CHOOSE_BASIS: LiteralString = """
CASE
    WHEN own AND 'OWN_AGENCY' IN allowed THEN 'OWN_AGENCY'
    WHEN allocated AND 'ALLOCATED' IN allowed THEN 'ALLOCATED'
    WHEN record_consent IS NOT NULL AND 'CONSENT' IN allowed THEN 'CONSENT'
    WHEN record_override IS NOT NULL AND 'OVERRIDE' IN allowed THEN 'OVERRIDE'
    WHEN break_glass_id IS NOT NULL AND 'BREAK_GLASS' IN allowed THEN 'BREAK_GLASS'
    WHEN 'EXISTENCE' IN allowed THEN 'EXISTENCE'
END
"""

# The bases that disclose content, in CHOOSE_BASIS's order; EXISTENCE discloses none.
CONTENT_BASES: tuple[str, ...] = ("OWN_AGENCY", "ALLOCATED", "CONSENT", "OVERRIDE", "BREAK_GLASS")
