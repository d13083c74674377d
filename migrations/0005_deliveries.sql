-- One row per ticket and sink: the delivery's state, kept even when it keeps
-- failing (a dead letter agents can see). The ticket never depends on it.
CREATE TABLE deliveries (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  ticket_reference  TEXT NOT NULL REFERENCES tickets(reference),
  sink              TEXT NOT NULL CHECK (sink IN ('webhook', 'slack', 'zendesk', 'github')),
  webhook_id        TEXT NOT NULL,       -- stable across retries (Standard Webhooks webhook-id)
  status            TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts          INTEGER NOT NULL,
  last_error        TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  UNIQUE (ticket_reference, sink)
);
CREATE INDEX deliveries_by_status ON deliveries(status, updated_at);
