-- A ticket's transcript was stored twice in its row: in this column and in
-- the document. It is kept once, in the document (tickets.document), which
-- carries at most the conversation's 100 most recent messages, each clipped,
-- so a row stays far below D1's 2 MB however long the conversation.
ALTER TABLE tickets DROP COLUMN transcript;
