// The retention schedule's erasures (graph/retention.py): one tombstone per thing erased,
// listed for the auditor newest first within a period, and the schedule revisions they cite.
CREATE CONSTRAINT retention_erasure_id IF NOT EXISTS FOR (n:RetentionErasure) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT retention_schedule_revision IF NOT EXISTS FOR (n:RetentionSchedule) REQUIRE n.revision IS UNIQUE;
CREATE INDEX retention_erasure_erased_at IF NOT EXISTS FOR (n:RetentionErasure) ON (n.erased_at);
