// A social worker's proposed contact decision awaits a front-door manager's agreement
// (graph/contacts.py): each proposal is its own node, agreed or sent back, and kept.
CREATE CONSTRAINT contact_decision_id IF NOT EXISTS FOR (n:ContactDecision) REQUIRE n.id IS UNIQUE;
// The managers' list of proposals awaiting agreement, one agency at a time.
CREATE INDEX contact_decision_awaiting IF NOT EXISTS FOR (n:ContactDecision) ON (n.agency_id, n.status);
