-- The retrieval index's segments and the passage vector matrices move to R2
-- (binding BLOBS, edge/src/blobs.rs): an isolate reads them as bytes, not as
-- base64 text in 1.5 MB parts. content_segments still names, per segment,
-- the update whose object (index/<writer>/<segment>) is live, now with its
-- size. The index stored in D1 is dropped: the first isolate to read the
-- content rebuilds it from the stored articles, and the next content update
-- stores it in R2 (edge/src/live.rs). The matrices are stored again from the
-- passage vectors (passage_vectors stays) by the first question after this.
DROP TABLE content_index;
DROP TABLE content_segments;
CREATE TABLE content_segments (
  segment  INTEGER PRIMARY KEY,
  writer   TEXT NOT NULL,   -- the update (content_version.writer) that stored it
  bytes    INTEGER NOT NULL
);
DROP TABLE passage_matrix;
