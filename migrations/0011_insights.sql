-- Insights (/admin) read the conversations started in a period, optionally
-- of one site: without these, every report scans the whole table.
CREATE INDEX conversations_by_created ON conversations(created_at);
CREATE INDEX conversations_by_site_created ON conversations(site, created_at);
