-- Actions (frontdesk.toml [[site.action]]): every attempt the bot makes to
-- look something up or change something through a site's own API, and a
-- decision of their own for the bot's messages about them.
--
-- A conversation has at most one open attempt (asking for values, or
-- waiting for the Confirm button). A confirmation runs an attempt only by
-- moving it from 'confirming' to 'running' (one UPDATE: a second press, or a
-- replayed token, changes no row).
CREATE TABLE action_attempts (
  id               TEXT PRIMARY KEY,        -- act_<uuid>: also the request's webhook-id and idempotency key
  conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  site             TEXT NOT NULL,
  action           TEXT NOT NULL,           -- the action's name
  user_id          TEXT,                    -- the verified user it runs for
  progress         TEXT NOT NULL,           -- JSON: values so far, what was asked
  status           TEXT NOT NULL CHECK (status IN ('open', 'confirming', 'running',
                     'succeeded', 'not_found', 'failed', 'unknown', 'cancelled', 'gave_up', 'dropped')),
  http_status      INTEGER,                 -- the API's answer, if any
  latency_ms       INTEGER,                 -- how long the API took
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX action_attempts_open ON action_attempts(conversation_id)
  WHERE status IN ('open', 'confirming', 'running');
CREATE INDEX action_attempts_by_site ON action_attempts(site, created_at);

-- The bot's messages about an action are decision 'action'. SQLite cannot
-- change a CHECK constraint in place, so the table is rebuilt with every
-- column and index it has (0001, 0002, 0008, 0012, 0013), ids kept. The
-- rows are put back *after* the old table is dropped: feedback points at
-- messages, and a deferred foreign key is only satisfied again by a parent
-- row inserted after its child lost it (a rename would not count).
PRAGMA defer_foreign_keys = on;

CREATE TABLE messages_copy AS SELECT * FROM messages;
DROP TABLE messages;

CREATE TABLE messages (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  role             TEXT NOT NULL CHECK (role IN ('visitor', 'bot', 'agent')),
  body             TEXT NOT NULL,
  decision         TEXT CHECK (decision IN ('answer', 'suggest', 'escalate', 'small_talk', 'action')),
  reason           TEXT CHECK (reason IN ('requested', 'no_match', 'always_human', 'frustrated', 'unresolved')),
  lang             TEXT,
  sources          TEXT,
  created_at       INTEGER NOT NULL,
  idempotency_key  TEXT,
  reply_to         INTEGER,
  answering_until  INTEGER
);

INSERT INTO messages (id, conversation_id, role, body, decision, reason, lang, sources,
                      created_at, idempotency_key, reply_to, answering_until)
  SELECT id, conversation_id, role, body, decision, reason, lang, sources,
         created_at, idempotency_key, reply_to, answering_until FROM messages_copy;
DROP TABLE messages_copy;

CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE UNIQUE INDEX messages_by_idempotency_key ON messages(idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX messages_by_conversation_role ON messages(conversation_id, role, id);
CREATE UNIQUE INDEX messages_by_reply_to ON messages(reply_to) WHERE reply_to IS NOT NULL;
