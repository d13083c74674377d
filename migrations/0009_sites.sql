-- The site (`[[site]]` key of frontdesk.toml) a conversation belongs to:
-- a visitor request acting for another site cannot read or write it.
-- Conversations from before sites have '' and belong to the default site.
ALTER TABLE conversations ADD COLUMN site TEXT NOT NULL DEFAULT '';
