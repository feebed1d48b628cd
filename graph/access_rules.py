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

# The instant access is judged at. The live reads judge at the present (`LIVE`); the
# auditor's replay judges at a past instant (`AS_OF`, the `$as_of` parameter) with the same
# rules, rendered below from one text each. At the present every stored act has begun and
# only current relationships count, so the live rendering leaves out what always holds then.
LIVE: LiteralString = "datetime()"
AS_OF: LiteralString = "$as_of"


def _begun(moment: LiteralString, now: LiteralString) -> LiteralString:
    """` AND moment <= now`, for a past instant only: at the present it always holds."""
    return "" if now == LIVE else " AND " + moment + " <= " + now


def _still(ended: LiteralString, now: LiteralString) -> LiteralString:
    """Not yet ended: at the present, never ended at all."""
    return ended + " IS NULL" if now == LIVE else "(" + ended + " IS NULL OR " + ended + " > " + now + ")"


# When an allocation or a membership began and ended. Ended ones are kept as WAS_ALLOCATED_TO
# and WAS_MEMBER_OF (graph/workforce.py); those written before their times were kept to the
# second fall back to their dates, and one with no start on record counts as always held.
EVER: LiteralString = "datetime('0001-01-01T00:00:00Z')"


def midnight(day: LiteralString) -> LiteralString:
    """The start of a stored date, in UTC; null for none (a date of null cannot be built)."""
    return "CASE WHEN " + day + " IS NULL THEN null ELSE datetime({date: " + day + ", timezone: 'Z'}) END"


def held(rel: LiteralString, now: LiteralString) -> LiteralString:
    """The allocation `rel` (ALLOCATED_TO or WAS_ALLOCATED_TO) was in force at `now`."""
    started = "coalesce(" + rel + ".allocated_at, " + midnight(rel + ".since") + ", " + EVER + ")"
    return "(" + started + " <= " + now + " AND " + _still(rel + ".ended_at", now) + ")"


def member(rel: LiteralString, now: LiteralString) -> LiteralString:
    """The membership `rel` (MEMBER_OF or WAS_MEMBER_OF) was in force at `now`."""
    started = "coalesce(" + rel + ".joined_at, " + midnight(rel + ".since") + ", " + EVER + ")"
    ended = "coalesce(" + rel + ".ended_at, " + midnight(rel + ".until") + ")"
    return "(" + started + " <= " + now + " AND " + _still(ended, now) + ")"


def moved_in(home: LiteralString, there: LiteralString, now: LiteralString) -> LiteralString:
    """Both residences had begun by `now` (a past instant); a residence with no start always had."""
    return (
        "(" + home + ".since IS NULL OR " + home + ".since <= date(" + now + "))"
        " AND (" + there + ".since IS NULL OR " + there + ".since <= date(" + now + "))"
    )


def kin_asserted(path: LiteralString, now: LiteralString) -> LiteralString:
    """Every family relationship on `path` was in the hub by `now` (a past instant): loaded then,
    not merely asserted then by its source; one loaded before load times were kept counts from
    its assertion."""
    return (
        "all(rel IN relationships(" + path + ") WHERE coalesce(rel.loaded_at, rel.asserted_at) IS NULL"
        " OR coalesce(rel.loaded_at, rel.asserted_at) <= " + now + ")"
    )


def on_record(record: LiteralString, now: LiteralString) -> LiteralString:
    """The agency record was in the hub by `now` (a past instant): loaded then, not merely dated
    then by its agency; one loaded before its load time was kept counts from its own date."""
    return "coalesce(" + record + ".loaded_at, " + record + ".recorded_at) IS NULL OR coalesce(" + record + \
        ".loaded_at, " + record + ".recorded_at) <= " + now


def shut_out(now: LiteralString = LIVE) -> LiteralString:
    """A restricted child (a member of staff's family, a high-profile case) is seen beyond
    existence only by the professionals named on its restriction: for everyone else no
    consent, override, allocation, break glass or own-agency fact holds."""
    restricted = (
        "(:Restriction)-[:RESTRICTS]->(c)" if now == LIVE
        else "MATCH (r:Restriction)-[:RESTRICTS]->(c) WHERE r.restricted_at <= " + now
    )
    named = (
        "(me)-[:NAMED_ON]->(:Restriction)-[:RESTRICTS]->(c)" if now == LIVE
        else "MATCH (me)-[named:NAMED_ON]->(:Restriction)-[:RESTRICTS]->(c)"
        " WHERE named.named_at IS NULL OR named.named_at <= " + now
    )
    return """(
    EXISTS { """ + restricted + """ }
    AND NOT EXISTS { """ + named + """ }
)"""


def relationship(now: LiteralString = LIVE) -> LiteralString:
    """A legitimate relationship with the child: the caller is allocated to it, its case is
    held in the caller's team, or it lives in a household the caller's team works with (a
    child of that household is allocated in the team). This is the ALLOCATED basis."""
    if now == LIVE:
        return """(
    EXISTS { (me)-[:ALLOCATED_TO]->(c) }
    OR EXISTS { (c)<-[:ALLOCATED_TO]-(:Professional)-[:MEMBER_OF]->(:Team)<-[:MEMBER_OF]-(me) }
    OR EXISTS {
        MATCH (c)-[home:LIVES_IN]->(:Household)<-[there:LIVES_IN]-(:Child)
              <-[:ALLOCATED_TO]-(:Professional)-[:MEMBER_OF]->(:Team)<-[:MEMBER_OF]-(me)
        WHERE home.until IS NULL AND there.until IS NULL
    }
)"""
    lived = (
        "(home.until IS NULL OR home.until > date(" + now + "))"
        " AND (there.until IS NULL OR there.until > date(" + now + ")) AND " + moved_in("home", "there", now)
    )
    return """(
    EXISTS { MATCH (me)-[a:ALLOCATED_TO|WAS_ALLOCATED_TO]->(c) WHERE """ + held("a", now) + """ }
    OR EXISTS {
        MATCH (c)<-[a:ALLOCATED_TO|WAS_ALLOCATED_TO]-(:Professional)-[m:MEMBER_OF|WAS_MEMBER_OF]->(:Team)
              <-[mine:MEMBER_OF|WAS_MEMBER_OF]-(me)
        WHERE """ + held("a", now) + " AND " + member("m", now) + " AND " + member("mine", now) + """
    }
    OR EXISTS {
        MATCH (c)-[home:LIVES_IN]->(:Household)<-[there:LIVES_IN]-(:Child)
              <-[a:ALLOCATED_TO|WAS_ALLOCATED_TO]-(:Professional)-[m:MEMBER_OF|WAS_MEMBER_OF]->(:Team)
              <-[mine:MEMBER_OF|WAS_MEMBER_OF]-(me)
        WHERE """ + lived + " AND " + held("a", now) + " AND " + member("m", now) + " AND " + member("mine", now) + """
    }
)"""


def consents(now: LiteralString = LIVE) -> LiteralString:
    """Consents in force for the child that cover the reader: FULL (every partner), or
    TARGETED at named agencies, children's services always included. Newest first."""
    in_force = (
        _still("k.withdrawn_at", now) + " AND (k.expires_at IS NULL OR k.expires_at > " + now + ")"
        # Judged from when the hub held it: a consent given yesterday but recorded today was no
        # basis for any read before today.
        + _begun("coalesce(k.recorded_at, k.given_at)", now)
    )
    return """COLLECT {
    MATCH (k:Consent)-[:COVERS]->(c)
    WHERE """ + in_force + """
      AND (k.scope = 'FULL' OR $agency_kind = 'CHILDRENS_SERVICES' OR $agency_id IN k.agencies)
    RETURN {id: k.id, full: k.scope = 'FULL', agencies: coalesce(k.agencies, [])} AS grant
    ORDER BY k.given_at DESC, k.id
}"""


def overrides(now: LiteralString = LIVE) -> LiteralString:
    """Approved, unexpired overrides for the child that cover the reader, as for consents.
    One revoked since was approved until then."""
    if now == LIVE:
        matched = "MATCH (o:ConsentOverride {status: 'APPROVED'})-[:FOR]->(c)\n    WHERE o.expires_at > datetime()"
    else:
        matched = (
            "MATCH (o:ConsentOverride)-[:FOR]->(c)\n    WHERE o.status IN ['APPROVED', 'REVOKED'] AND o.decided_at <= "
            + now + " AND o.expires_at > " + now + " AND " + _still("o.revoked_at", now)
        )
    return """COLLECT {
    """ + matched + """
      AND (o.scope = 'FULL' OR $agency_kind = 'CHILDRENS_SERVICES' OR $agency_id IN o.agencies)
    RETURN {id: o.id, full: o.scope = 'FULL', agencies: coalesce(o.agencies, [])} AS grant
    ORDER BY o.decided_at DESC, o.id
}"""


def break_glass(now: LiteralString = LIVE) -> LiteralString:
    """The caller's own break-glass access to the child, newest first, while it lasts."""
    return """COLLECT {
    MATCH (me)-[:OPENED]->(b:BreakGlass)-[:FOR]->(c)
    WHERE b.expires_at > """ + now + _begun("b.opened_at", now) + """
    RETURN b.id AS id ORDER BY b.opened_at DESC, id
}"""


SHUT_OUT: LiteralString = shut_out()
RELATIONSHIP: LiteralString = relationship()
CONSENTS: LiteralString = consents()
OVERRIDES: LiteralString = overrides()
BREAK_GLASS: LiteralString = break_glass()

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


def standing(now: LiteralString = LIVE) -> LiteralString:
    """A child's standing towards the caller, computed once for `$child_id`: the facts behind
    the OWN_AGENCY (for the council's own records of the child), ALLOCATED, CONSENT, OVERRIDE
    and BREAK_GLASS bases. Leaves c, shut_out, allocated, consents, overrides, consent_id,
    override_id and break_glass_id bound."""
    return """
MATCH (c:Person:Child {id: $child_id})
OPTIONAL MATCH (me:Professional {id: $professional_id})
WITH c, me, """ + shut_out(now) + """ AS shut_out
WITH c, shut_out,
     CASE WHEN shut_out THEN [] ELSE """ + consents(now) + """ END AS consents,
     CASE WHEN shut_out THEN [] ELSE """ + overrides(now) + """ END AS overrides,
     NOT shut_out AND """ + relationship(now) + """ AS allocated,
     CASE WHEN shut_out THEN [] ELSE """ + break_glass(now) + """ END AS break_glass
WITH c, shut_out, allocated, consents, overrides,
     consents[0].id AS consent_id, overrides[0].id AS override_id, break_glass[0] AS break_glass_id
"""


STANDING: LiteralString = standing()

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
