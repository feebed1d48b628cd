// An agency is told who read its records (services/disclosures.py): the reads of one kind
// (network.read) in a period are sought by action and time, not by scanning the chain.
CREATE INDEX audit_event_action_at IF NOT EXISTS FOR (n:AuditEvent) ON (n.action, n.at);
