"""The caseload lists exactly the workbooks its professional stands in: a member of the holding
team, or the case holder of a child who lives in the household, for every professional."""

from __future__ import annotations

from typing import LiteralString

from neo4j import Driver

from graph import caseload

# The rule as the workbook states it, tested against every workbook in the graph.
STANDS_IN_EVERY_WORKBOOK: LiteralString = """
MATCH (me:Professional {id: $professional_id})
MATCH (w:Workbook)-[:FOR]->(h:Household)
WHERE """ + caseload._STANDS_IN + """
RETURN collect(w.id) AS workbooks
"""
PROFESSIONALS: LiteralString = "MATCH (p:Professional) RETURN collect(p.id) AS ids"
# A case holder outside the holding team: the other path into a workbook.
CASE_HOLDER_ELSEWHERE: LiteralString = """
MATCH (w:Workbook)-[:FOR]->(h:Household)<-[l:LIVES_IN]-(c:Child) WHERE l.until IS NULL
MATCH (p:Professional) WHERE NOT (p)-[:MEMBER_OF]->(:Team)<-[:HELD_BY]-(w)
WITH p, c ORDER BY p.id, c.id LIMIT 1
CREATE (p)-[:ALLOCATED_TO {role: 'case_holder'}]->(c)
RETURN p.id AS id
"""


def test_each_professionals_caseload_is_every_workbook_they_stand_in_and_no_other(demo_city_db: Driver) -> None:
    demo_city_db.execute_query(CASE_HOLDER_ELSEWHERE)
    professionals = demo_city_db.execute_query(PROFESSIONALS)[0][0]["ids"]
    standing_somewhere = 0
    for professional_id in professionals:
        expected = set(demo_city_db.execute_query(STANDS_IN_EVERY_WORKBOOK, professional_id=professional_id)[0][0]
                       ["workbooks"])
        with demo_city_db.session(database="neo4j") as session:
            found = session.execute_read(caseload.caseload, professional_id=professional_id)

        assert {row.household.workbook_id for row in found} == expected, professional_id
        standing_somewhere += bool(expected)
    assert standing_somewhere >= 2  # the team, and the case holder from elsewhere
