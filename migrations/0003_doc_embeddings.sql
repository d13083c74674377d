-- Article embeddings for semantic retrieval (optional; see edge/src/embed.rs),
-- computed once per model and article content (hash), reused by every isolate.
CREATE TABLE doc_embeddings (
  model   TEXT NOT NULL,
  slug    TEXT NOT NULL,
  hash    TEXT NOT NULL,     -- FNV-1a of the embedded text: a changed article is re-embedded
  vector  TEXT NOT NULL,     -- JSON array of floats
  PRIMARY KEY (model, slug)
);
