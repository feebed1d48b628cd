// Every node kind of the graph is addressed by a unique, application-assigned id.
CREATE CONSTRAINT agency_id IF NOT EXISTS FOR (n:Agency) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT team_id IF NOT EXISTS FOR (n:Team) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT professional_id IF NOT EXISTS FOR (n:Professional) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT person_id IF NOT EXISTS FOR (n:Person) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT household_id IF NOT EXISTS FOR (n:Household) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT agency_record_id IF NOT EXISTS FOR (n:AgencyRecord) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT contact_id IF NOT EXISTS FOR (n:Contact) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT consent_id IF NOT EXISTS FOR (n:Consent) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT consent_override_id IF NOT EXISTS FOR (n:ConsentOverride) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT information_request_id IF NOT EXISTS FOR (n:InformationRequest) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT information_share_id IF NOT EXISTS FOR (n:InformationShare) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT workbook_id IF NOT EXISTS FOR (n:Workbook) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT workbook_entry_id IF NOT EXISTS FOR (n:WorkbookEntry) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT audit_event_seq IF NOT EXISTS FOR (n:AuditEvent) REQUIRE n.seq IS UNIQUE;
