-- Attachments (edge/src/attachments.rs): screenshots and PDFs a visitor adds
-- to a conversation. The bytes are in R2 under attachments/<conversation>/<id>
-- (written before this row; deleted with the conversation, by the visitor's
-- delete and the retention purge); the row says what they are (the type
-- read from the bytes, never the name) and which message shows them.
CREATE TABLE attachments (
  id               TEXT PRIMARY KEY,        -- att_<uuid>
  conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  message_id       INTEGER,                 -- the "📎 name" message
  name             TEXT NOT NULL,
  content_type     TEXT NOT NULL,
  size             INTEGER NOT NULL,
  created_at       INTEGER NOT NULL
);
CREATE INDEX attachments_by_conversation ON attachments(conversation_id, created_at);
