"""A period in London's calendar counts exactly the contacts received inside it, in winter and in summer."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from neo4j import Driver

from config.settings import Settings
from devtools import demo_city
from graph.values import utc
from services.composition import assemble
from services.management_information import ManagementInformation
from services.principal import PrincipalLookup

LONDON = ZoneInfo("Europe/London")
# Each contact a few minutes either side of a London midnight that ends the period.
CONTACTS = (
    ("inside-winter", "2026-11-30T23:50:00Z"),  # 23:50 GMT on the last day of November
    ("after-winter", "2026-12-01T00:10:00Z"),
    ("inside-summer", "2026-07-31T22:50:00Z"),  # 23:50 BST on the last day of July
    ("after-summer", "2026-07-31T23:10:00Z"),  # 00:10 BST on 1 August
)
PUT_CONTACT = """
UNWIND $contacts AS contact
CREATE (:Contact {id: contact.id, urgency: 'RED', received_at: datetime(contact.at),
                  due_by: datetime(contact.at) + duration({hours: 4})})
"""


@pytest.mark.parametrize(("month_start", "month_end", "inside"), [
    (datetime(2026, 11, 1, tzinfo=LONDON), datetime(2026, 12, 1, tzinfo=LONDON), "inside-winter"),
    (datetime(2026, 7, 1, tzinfo=LONDON), datetime(2026, 8, 1, tzinfo=LONDON), "inside-summer"),
], ids=["November", "July"])
def test_a_london_month_counts_the_contact_before_its_last_midnight_and_not_the_one_after(
    demo_city_db: Driver, test_settings: Settings, month_start: datetime, month_end: datetime, inside: str,
) -> None:
    demo_city_db.execute_query(PUT_CONTACT, contacts=[{"id": i, "at": at} for i, at in CONTACTS])
    hub = assemble(test_settings, driver=demo_city_db)
    lookup = PrincipalLookup(demo_city_db, database=test_settings.neo4j_database, policy_sync=hub.policy_sync)
    auditor = lookup.principal(demo_city.AUDITOR_ID)
    assert auditor is not None

    # As a caller in London would pass it (a named zone), and as the pages pass it (UTC).
    for start, end in ((month_start, month_end), (month_start.astimezone(UTC), month_end.astimezone(UTC))):
        found = hub.services.management_information.figures(auditor, from_at=start, to_at=end)

        assert isinstance(found, ManagementInformation)
        assert [(row.urgency, row.contacts) for row in found.contacts_by_urgency] == [("RED", 1)], inside


@pytest.mark.parametrize(("moment", "instant"), [
    (datetime(2026, 12, 1, tzinfo=LONDON), "2026-12-01T00:00:00+00:00"),
    (datetime(2026, 7, 1, 0, 30, tzinfo=LONDON), "2026-06-30T23:30:00+00:00"),
    (datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=1), "2026-10-25T01:30:00+00:00"),
    (datetime(2026, 10, 25, 1, 30, tzinfo=LONDON), "2026-10-25T00:30:00+00:00"),
    (datetime(2026, 3, 1, 12, 0), "2026-03-01T12:00:00+00:00"),
], ids=["winter", "summer", "the repeated hour, second time", "the repeated hour, first time", "naive, taken as UTC"])
def test_a_time_goes_to_neo4j_as_the_same_instant(session_driver: Driver, moment: datetime, instant: str) -> None:
    records, _, _ = session_driver.execute_query("RETURN $moment AS moment", moment=utc(moment))

    assert records[0]["moment"].to_native() == datetime.fromisoformat(instant)
