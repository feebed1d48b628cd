// One AuditHead names the end of the chain; appends lock it, so its name must be unique.
CREATE CONSTRAINT audit_head_name IF NOT EXISTS FOR (n:AuditHead) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT audit_checkpoint_seq IF NOT EXISTS FOR (n:AuditCheckpoint) REQUIRE n.seq IS UNIQUE;
// Auditors filter the chain by time (auditEvents(filter)).
CREATE INDEX audit_event_at IF NOT EXISTS FOR (n:AuditEvent) ON (n.at);
// Auditors ask what was read under one consent override.
CREATE INDEX audit_event_override_id IF NOT EXISTS FOR (n:AuditEvent) ON (n.override_id);
// One data key per child or household; a second for the same scope would split its content.
CREATE CONSTRAINT data_key_scope_id IF NOT EXISTS FOR (n:DataKey) REQUIRE n.scope_id IS UNIQUE;
// The genesis head: sequence 0 and the all-zero hash that the first event links to.
MERGE (h:AuditHead {name: 'main'})
ON CREATE SET h.seq = 0, h.hash = '0000000000000000000000000000000000000000000000000000000000000000';
