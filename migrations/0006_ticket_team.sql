-- The team a ticket was routed to (frontdesk.toml `[[route]]`), for the
-- agent API's `?team=` filter; NULL when no route matched.
ALTER TABLE tickets ADD COLUMN team TEXT;
CREATE INDEX tickets_by_team ON tickets(team, created_at);
