-- Small talk becomes a decision of its own, and bot turns keep why they
-- escalated and which language the visitor wrote in (for tickets and
-- insights). SQLite cannot change a CHECK constraint in place, so the table
-- is rebuilt; ids are kept.
PRAGMA defer_foreign_keys = on;

CREATE TABLE messages_new (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  role             TEXT NOT NULL CHECK (role IN ('visitor', 'bot', 'agent')),
  body             TEXT NOT NULL,
  decision         TEXT CHECK (decision IN ('answer', 'suggest', 'escalate', 'small_talk')),
  reason           TEXT CHECK (reason IN ('requested', 'no_match', 'always_human', 'frustrated', 'unresolved')),
  lang             TEXT,                   -- ISO 639-1 of the visitor's language (bot turns)
  sources          TEXT,                   -- JSON array of {title, url}
  created_at       INTEGER NOT NULL
);

INSERT INTO messages_new (id, conversation_id, role, body, decision, sources, created_at)
  SELECT id, conversation_id, role, body, decision, sources, created_at FROM messages;

DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
