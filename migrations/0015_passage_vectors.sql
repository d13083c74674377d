-- Passage embeddings for hybrid retrieval (edge/src/embed.rs): one vector per
-- embedded passage of an article (title, heading and a window of its text),
-- keyed by model and a hash of that text, so an unchanged passage is never
-- embedded twice, whatever article or content version it belongs to.
-- The vector is int8-quantized: "<scale>:<base64 of the signed bytes>",
-- value = byte × scale (384 dimensions: ~530 characters).
CREATE TABLE passage_vectors (
  model   TEXT NOT NULL,
  hash    TEXT NOT NULL,
  vector  TEXT NOT NULL,
  PRIMARY KEY (model, hash)
);
-- Article-level vectors (one per article) are superseded by passages.
DROP TABLE doc_embeddings;
