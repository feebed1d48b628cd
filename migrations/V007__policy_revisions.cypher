// The access policy's revisions and the one in force (graph/policy_store.py).
CREATE CONSTRAINT policy_revision IF NOT EXISTS FOR (n:PolicyRevision) REQUIRE n.revision IS UNIQUE;
CREATE CONSTRAINT policy_state_id IF NOT EXISTS FOR (n:PolicyState) REQUIRE n.id IS UNIQUE;
