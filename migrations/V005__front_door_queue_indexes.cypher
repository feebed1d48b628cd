// The front door queue: one agency's contacts by status, oldest due first.
CREATE INDEX contact_queue IF NOT EXISTS FOR (n:Contact) ON (n.agency_id, n.status, n.due_by);
CREATE INDEX contact_due_by IF NOT EXISTS FOR (n:Contact) ON (n.due_by);
// Which agency has answered a request.
CREATE INDEX information_share_agency IF NOT EXISTS FOR (n:InformationShare) ON (n.agency);
