-- A visitor's thumbs up or down on a bot answer: one row per rated bot
-- message, replaced when the visitor changes their mind.
-- No ON DELETE CASCADE: the rows are deleted explicitly with their
-- conversation (store::delete_conversations, the visitor's delete and the
-- retention purge), and a cascade from messages would also fire on the
-- implicit DELETE of a `DROP TABLE messages` when a later migration rebuilds
-- that table (as 0002 did), wiping every rating.
CREATE TABLE feedback (
  message_id       INTEGER PRIMARY KEY REFERENCES messages(id),   -- a bot message
  conversation_id  TEXT NOT NULL REFERENCES conversations(id),
  rating           TEXT NOT NULL CHECK (rating IN ('up', 'down')),
  created_at       INTEGER NOT NULL,    -- ms since epoch: first rated
  updated_at       INTEGER NOT NULL     -- last changed
);
CREATE INDEX feedback_by_conversation ON feedback(conversation_id);
