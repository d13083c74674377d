-- A visitor message is answered once, however often it is sent.
-- reply_to: a bot reply's visitor message (when that message has an
-- idempotency key); the unique index makes a second reply to one message
-- fail in the database, whatever the worker does.
-- answering_until: while a keyed visitor message's reply is being written
-- (the model streaming it), until when (ms) that request holds it; a repeat
-- of the message waits for the reply instead of calling the model again,
-- and takes it over only once the hold has lapsed (the writer died).
ALTER TABLE messages ADD COLUMN reply_to INTEGER;
CREATE UNIQUE INDEX messages_by_reply_to ON messages(reply_to) WHERE reply_to IS NOT NULL;
ALTER TABLE messages ADD COLUMN answering_until INTEGER;
