-- A conversation's agent replies after message N (the widget's long poll,
-- the loader's unread check: `WHERE conversation_id = ? AND role = 'agent'
-- AND id > ? ORDER BY id LIMIT 50`). With only messages_by_conversation
-- (conversation_id, id), each look walks every message of the conversation
-- after N, visitor and bot ones too; this index reads just the replies.
CREATE INDEX messages_by_conversation_role ON messages(conversation_id, role, id);
