-- Replies by e-mail (edge/src/email.rs). A conversation whose visitor gave
-- an address in the handoff form gets a thread the first time an agent's
-- reply is e-mailed: its reply token (128 random bits, lowercase base32)
-- makes the reply address reply+<token>@EMAIL_REPLY_DOMAIN that threads the
-- visitor's answer back, and names the thread in the unsubscribe link. The
-- address is the ticket's, copied so an answer's sender can be checked.
CREATE TABLE email_threads (
  conversation_id  TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
  token            TEXT NOT NULL UNIQUE,
  email            TEXT NOT NULL,
  lang             TEXT NOT NULL,
  unsubscribed_at  INTEGER,                 -- set: no more e-mails to this thread
  created_at       INTEGER NOT NULL
);

-- An agent's reply is delivered once the visitor's widget has shown it
-- (read by the long poll, the conversation view or a live connection), and
-- e-mailed once it was sent to the visitor's address instead. A reply that
-- is neither a few minutes after it was written is e-mailed.
ALTER TABLE messages ADD COLUMN delivered_at INTEGER;
ALTER TABLE messages ADD COLUMN emailed_at INTEGER;
