//! The uploaded help content: `content_version` (the live version and the
//! update that wrote it), `content_articles` (uploaded articles and
//! deletions of bundled ones, each in an index segment) and
//! `content_segments` (the live segments of the stored index, named by the
//! update that stored their R2 objects).

use frontdesk_shared::retrieval::kb::Article;
use serde::{Deserialize, Serialize};

use super::{outcomes, stmt, Outcome, Sql, Stmt};
use crate::AppError;

/// Most JSON bytes of article rows written per statement.
const ROWS_JSON_BYTES: usize = 1_500_000;

#[derive(Deserialize)]
struct VersionRow {
    version: i64,
}

fn version_row() -> Stmt {
    stmt!("SELECT version FROM content_version WHERE id = 1")
}

fn segment_rows() -> Stmt {
    stmt!("SELECT segment, writer, bytes FROM content_segments ORDER BY segment")
}

/// The live version number (0: the bundled content).
pub(crate) async fn version(db: &impl Sql) -> Result<i64, AppError> {
    Ok(db
        .first::<VersionRow>(version_row())
        .await?
        .map_or(0, |r| r.version))
}

/// A live segment of the stored index: the update that stored it, and
/// its size.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub(crate) struct StoredSegment {
    pub segment: i64,
    pub writer: String,
    pub bytes: i64,
}

/// The live version and its stored segments, read together (one
/// transaction); `None` when no version was ever stored (the bundled
/// content is live).
pub(crate) async fn live_segments(
    db: &impl Sql,
) -> Result<Option<(i64, Vec<StoredSegment>)>, AppError> {
    let results = db.batch(vec![version_row(), segment_rows()]).await?;
    let [version, rows] = outcomes(results)?;
    let Some(version) = version.first::<VersionRow>()?.map(|r| r.version) else {
        return Ok(None);
    };
    Ok(Some((version, rows.rows::<StoredSegment>()?)))
}

/// The segments some stored article row is in, in no particular order.
pub(crate) async fn article_segments(db: &impl Sql) -> Result<Vec<i64>, AppError> {
    #[derive(Deserialize)]
    struct Row {
        segment: i64,
    }
    Ok(db
        .all::<Row>(stmt!("SELECT DISTINCT segment FROM content_articles"))
        .await?
        .into_iter()
        .map(|r| r.segment)
        .collect())
}

/// A stored article row with its source (`None`: it deletes the bundled
/// article of its slug).
#[derive(Debug, Deserialize)]
pub(crate) struct Stored {
    pub slug: String,
    pub source: Option<String>,
    pub updated: i64,
}

/// The stored article rows of segment `segment`, by slug.
pub(crate) async fn segment_articles(db: &impl Sql, segment: i64) -> Result<Vec<Stored>, AppError> {
    db.all::<Stored>(stmt!(
        "SELECT slug, source, updated FROM content_articles WHERE segment = ?1 ORDER BY slug",
        segment
    ))
    .await
}

/// One stored override, without its source: what an update needs to know
/// of the rows it does not change.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Entry {
    pub slug: String,
    pub title: String,
    pub lang: String,
    pub url: String,
    pub updated: i64,
    pub segment: i64,
    /// The row deletes the bundled article of its slug (no source).
    pub deleted: i64,
}

/// What is stored: the version and every override's [`Entry`], read in one
/// transaction (no article's text: a help centre of 10,000 articles has
/// some 40 MB of it).
pub(crate) struct Catalog {
    pub version: i64,
    pub entries: Vec<Entry>,
    /// The live segments of the stored index.
    pub segments: Vec<StoredSegment>,
}

/// Reads the stored version and overrides.
pub(crate) async fn catalog(db: &impl Sql) -> Result<Catalog, AppError> {
    let results = db
        .batch(vec![
            version_row(),
            stmt!(
                "SELECT slug, title, lang, url, updated, segment, source IS NULL AS deleted \
                 FROM content_articles ORDER BY slug"
            ),
            segment_rows(),
        ])
        .await?;
    let [version, rows, segments] = outcomes(results)?;
    Ok(Catalog {
        version: version.first::<VersionRow>()?.map_or(0, |r| r.version),
        entries: rows.rows::<Entry>()?,
        segments: segments.rows::<StoredSegment>()?,
    })
}

/// The source of live article `slug`: `Some(Some(src))` uploaded,
/// `Some(None)` deleted, `None` no override (the bundled one, if any).
pub(crate) async fn override_source(
    db: &impl Sql,
    slug: &str,
) -> Result<Option<Option<String>>, AppError> {
    #[derive(Deserialize)]
    struct Row {
        source: Option<String>,
    }
    Ok(db
        .first::<Row>(stmt!(
            "SELECT source FROM content_articles WHERE slug = ?1",
            slug
        ))
        .await?
        .map(|r| r.source))
}

/// An uploaded article or deletion as written (`json_each` rows).
#[derive(Serialize)]
struct RowOut<'a> {
    slug: &'a str,
    source: Option<&'a str>,
    title: &'a str,
    lang: &'a str,
    url: &'a str,
    updated: i64,
    segment: i64,
}

/// A stored override with its source, for [`commit`].
pub(crate) struct Write<'a> {
    pub slug: &'a str,
    /// `None`: a deletion of the bundled article of this slug.
    pub source: Option<(&'a str, &'a Article)>,
    pub updated: i64,
    pub segment: i64,
}

/// A new segment an update stored: not live until [`commit`] names it.
pub(crate) struct Staged {
    pub segment: i64,
    pub bytes: usize,
}

/// Makes version `previous + 1` live in one batch: the segments `writer`
/// staged replace those of their numbers, the `emptied` segments go, and
/// the overrides it changes (`changed`, written anew) and removes
/// (`removed`) are stored. It runs only if this update is still the last
/// writer: a concurrent update that landed first makes this one change
/// nothing and return `Ok(None)` (the caller then discards what it staged).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn commit(
    db: &impl Sql,
    writer: &str,
    previous: i64,
    staged: &[Staged],
    emptied: &[i64],
    changed: &[Write<'_>],
    removed: &[&str],
    now: i64,
) -> Result<Option<i64>, AppError> {
    let version = previous + 1;
    let guard = "(SELECT writer FROM content_version WHERE id = 1) = ?1";
    // The rows to delete: the removed ones, and the changed ones (inserted
    // again below).
    let gone = serde_json::to_string(
        &removed
            .iter()
            .copied()
            .chain(changed.iter().map(|w| w.slug))
            .collect::<Vec<&str>>(),
    )?;
    let segments = serde_json::to_string(
        &staged
            .iter()
            .map(|s| serde_json::json!({"segment": s.segment, "bytes": s.bytes}))
            .collect::<Vec<_>>(),
    )?;
    let mut statements = vec![
        stmt!(
            "INSERT INTO content_version (id, version, updated, writer) VALUES (1, ?1, ?2, ?3) \
             ON CONFLICT(id) DO UPDATE SET version = excluded.version, \
             updated = excluded.updated, writer = excluded.writer \
             WHERE content_version.version = ?4",
            version,
            now,
            writer,
            previous
        ),
        stmt!(
            format!(
                "DELETE FROM content_articles \
                 WHERE slug IN (SELECT value FROM json_each(?2)) AND {guard}"
            ),
            writer,
            gone
        ),
        stmt!(
            format!(
                "DELETE FROM content_segments \
                 WHERE segment IN (SELECT value FROM json_each(?2)) AND {guard}"
            ),
            writer,
            serde_json::to_string(emptied)?
        ),
        stmt!(
            format!(
                "INSERT INTO content_segments (segment, writer, bytes) \
                 SELECT value->>'segment', ?1, value->>'bytes' FROM json_each(?2) WHERE {guard} \
                 ON CONFLICT(segment) DO UPDATE SET writer = excluded.writer, bytes = excluded.bytes"
            ),
            writer,
            segments
        ),
    ];
    for rows in packs(changed)? {
        statements.push(stmt!(
            format!(
                "INSERT INTO content_articles (slug, source, title, lang, url, updated, segment) \
                 SELECT value->>'slug', value->>'source', value->>'title', value->>'lang', \
                 value->>'url', value->>'updated', value->>'segment' FROM json_each(?2) \
                 WHERE {guard}"
            ),
            writer,
            rows
        ));
    }
    let results = db.batch(statements).await?;
    let won = results.first().is_some_and(|r| r.changes() > 0);
    Ok(won.then_some(version))
}
/// The overrides as JSON arrays of at most [`ROWS_JSON_BYTES`] each (one
/// statement each: D1 limits a value to 2 MB and a statement to 100
/// bound parameters).
fn packs(overrides: &[Write<'_>]) -> Result<Vec<String>, AppError> {
    let mut packs = Vec::new();
    let mut pack: Vec<String> = Vec::new();
    let mut size = 0;
    for o in overrides {
        let (source, article) = match o.source {
            Some((src, a)) => (Some(src), Some(a)),
            None => (None, None),
        };
        let row = serde_json::to_string(&RowOut {
            slug: o.slug,
            source,
            title: article.map_or("", |a| a.title.as_str()),
            lang: article.map_or("", |a| a.lang.as_str()),
            url: article.map_or("", |a| a.url.as_str()),
            updated: o.updated,
            segment: o.segment,
        })?;
        if size + row.len() > ROWS_JSON_BYTES && !pack.is_empty() {
            packs.push(format!("[{}]", pack.join(",")));
            pack.clear();
            size = 0;
        }
        size += row.len() + 1;
        pack.push(row);
    }
    if !pack.is_empty() {
        packs.push(format!("[{}]", pack.join(",")));
    }
    Ok(packs)
}
