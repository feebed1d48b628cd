// Break glass and restricted children (graph/grants.py): each use and each restriction is
// its own node, so a review lists them without scanning audit events.
CREATE CONSTRAINT break_glass_id IF NOT EXISTS FOR (n:BreakGlass) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT restriction_id IF NOT EXISTS FOR (n:Restriction) REQUIRE n.id IS UNIQUE;
CREATE INDEX break_glass_opened_at IF NOT EXISTS FOR (n:BreakGlass) ON (n.opened_at);
