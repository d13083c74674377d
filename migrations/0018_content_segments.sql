-- The retrieval index in segments of at most 2,000 articles
-- (shared/src/engine: SEGMENT_DOCS), so a content update rebuilds and stores
-- only the segments it touches (edge/src/admin_content.rs). Each uploaded
-- article or deletion names its segment (the bundled articles are in 0);
-- content_segments names, per segment, the update whose stored parts are
-- live. A stored index of the old layout is dropped: the first isolate to
-- read the content rebuilds it from the stored articles, and the next update
-- stores it anew (edge/src/live.rs).
ALTER TABLE content_articles ADD COLUMN segment INTEGER NOT NULL DEFAULT 0;
CREATE INDEX content_articles_by_segment ON content_articles (segment);
DROP TABLE content_index;
CREATE TABLE content_index (
  writer   TEXT NOT NULL,
  segment  INTEGER NOT NULL,
  part     INTEGER NOT NULL,
  data     TEXT NOT NULL,
  PRIMARY KEY (writer, segment, part)
);
CREATE TABLE content_segments (
  segment  INTEGER PRIMARY KEY,
  writer   TEXT NOT NULL,   -- the update (content_version.writer) that stored it
  parts    INTEGER NOT NULL
);
