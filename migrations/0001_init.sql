-- Conversations, their messages, and tickets for humans.
CREATE TABLE conversations (
  id          TEXT PRIMARY KEY,            -- lowercase UUID minted by the worker
  created_at  INTEGER NOT NULL,            -- ms since epoch
  updated_at  INTEGER NOT NULL,
  page_url    TEXT
);

CREATE TABLE messages (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  role             TEXT NOT NULL CHECK (role IN ('visitor', 'bot', 'agent')),
  body             TEXT NOT NULL,
  decision         TEXT CHECK (decision IN ('answer', 'suggest', 'escalate')),
  sources          TEXT,                   -- JSON array of {title, url}
  created_at       INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);

CREATE TABLE tickets (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  reference        TEXT NOT NULL UNIQUE,   -- FD-XXXXXXXX, shown to the visitor
  conversation_id  TEXT NOT NULL REFERENCES conversations(id),
  email            TEXT NOT NULL,
  note             TEXT,
  transcript       TEXT NOT NULL,          -- JSON array of TranscriptEntry
  status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  created_at       INTEGER NOT NULL
);
CREATE INDEX tickets_by_conversation ON tickets(conversation_id);
