// The Family Safeguarding workbook (graph/workbook.py): one per household.
CREATE CONSTRAINT workbook_id IF NOT EXISTS FOR (n:Workbook) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT workbook_household IF NOT EXISTS FOR (n:Workbook) REQUIRE n.household_id IS UNIQUE;
CREATE CONSTRAINT workbook_entry_id IF NOT EXISTS FOR (n:WorkbookEntry) REQUIRE n.id IS UNIQUE;
// A version's id is its entry's id and its number: two writers can never both create
// version n + 1 of one entry, so a version chain cannot fork.
CREATE CONSTRAINT workbook_entry_version_id IF NOT EXISTS FOR (n:WorkbookEntryVersion) REQUIRE n.id IS UNIQUE;
