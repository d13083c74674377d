-- The client's key for a visitor message (ChatRequest.idempotency_key): the
-- widget's outbox sends a message again when it never saw the answer, and
-- the worker answers a repeat with the reply it stored instead of storing
-- the message twice. Bot and agent messages have none.
ALTER TABLE messages ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX messages_by_idempotency_key ON messages(idempotency_key)
  WHERE idempotency_key IS NOT NULL;
