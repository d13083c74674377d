-- Tickets keep the full agent-facing document (frontdesk.ticket.v1 JSON) and
-- its triage columns for filtering, and the widget's idempotency key, so a
-- retried handoff returns the ticket it already made instead of a second one.
ALTER TABLE tickets ADD COLUMN idempotency_key TEXT;
ALTER TABLE tickets ADD COLUMN document TEXT;   -- frontdesk.ticket.v1 JSON
ALTER TABLE tickets ADD COLUMN priority TEXT;
ALTER TABLE tickets ADD COLUMN topic TEXT;
ALTER TABLE tickets ADD COLUMN language TEXT;
CREATE UNIQUE INDEX tickets_by_idempotency_key ON tickets(idempotency_key)
  WHERE idempotency_key IS NOT NULL;
