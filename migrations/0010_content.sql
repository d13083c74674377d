-- Help content updated on a running deployment (PUT /api/v1/admin/content;
-- see edge/src/live.rs). The bundled articles (kb/, compiled in) are the
-- base; these rows override them by slug.
CREATE TABLE content_articles (
  slug     TEXT PRIMARY KEY,
  source   TEXT,              -- canonical kb Markdown; NULL: the bundled article of this slug is deleted
  title    TEXT NOT NULL,
  lang     TEXT NOT NULL,
  url      TEXT NOT NULL,
  updated  INTEGER NOT NULL   -- ms since the epoch
);
-- The live content version (one row, id 1): 0 or no row is the bundled
-- help centre; every update adds one. Isolates compare it with theirs.
CREATE TABLE content_version (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  version  INTEGER NOT NULL,
  updated  INTEGER NOT NULL,
  writer   TEXT NOT NULL      -- random id of the update that wrote it: that update's other
                              -- statements run only while it is still the last writer
);
-- The retrieval index built for a version (postcard, base64), in parts of
-- at most 1.5 MB (D1 values are limited to 2 MB); only the live version's
-- parts are kept.
CREATE TABLE content_index (
  version  INTEGER NOT NULL,
  part     INTEGER NOT NULL,
  data     TEXT NOT NULL,
  PRIMARY KEY (version, part)
);
