-- All passage vectors of one content (edge/src/embed.rs), in index order, as
-- one int8 matrix (shared::ai::pack_matrix, base64) in parts of 1.5 MB: an
-- isolate loads a help centre's vectors in a few reads instead of one read
-- per 90 passages. `content` fingerprints the passages' texts (a new
-- content version or a new deploy of the bundled articles gets its own);
-- only the latest content per model is kept.
CREATE TABLE passage_matrix (
  model    TEXT NOT NULL,
  content  TEXT NOT NULL,
  part     INTEGER NOT NULL,
  data     TEXT NOT NULL,
  PRIMARY KEY (model, content, part)
);
