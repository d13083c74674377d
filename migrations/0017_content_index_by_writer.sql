-- The stored retrieval index keyed by the update that wrote it (its
-- `writer`, as in content_version) instead of by version: an update writes
-- its parts in several batches before one batch makes its version live, so
-- it never holds the whole index's text in one batch. Parts of a writer that
-- is not (or no longer) the live one are deleted by the next update that
-- lands. A stored index of the old layout is dropped: the first isolate to
-- read the content rebuilds it from the stored articles, and the next update
-- stores it anew (edge/src/live.rs).
DROP TABLE content_index;
CREATE TABLE content_index (
  writer   TEXT NOT NULL,
  part     INTEGER NOT NULL,
  data     TEXT NOT NULL,
  PRIMARY KEY (writer, part)
);
