//! The live help content: the bundled articles (`content.rs`) with the
//! uploaded ones and deletions stored in D1 (migration 0010), and the
//! retrieval index built for them.
//!
//! The index is in segments of at most `SEGMENT_DOCS` articles (each
//! article row names its segment; segment 0 holds the bundled articles).
//! An update (`admin_content.rs`) validates everything first, rebuilds
//! only the segments it touches, one at a time, stores each (postcard,
//! base64, in parts of [`PART_CHARS`]) under the update's writer id, and
//! then in one D1 batch makes them live with the overrides it changes (the
//! other rows stay) and a new version. Each
//! isolate keeps `(version, index)` and compares its version with D1's at
//! most every [`CHECK_MS`]: a new version is seen by every isolate within
//! that time, and costs the first request after it a read of the index, a
//! few parts per query (no rebuild). Version 0 (no row) is the bundled
//! index compiled in; `/healthz` reports the version an isolate answers
//! from.

use std::cell::RefCell;
use std::rc::Rc;

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;

use frontdesk_shared::content::{live, Override};
use frontdesk_shared::engine::{Index, Segment};
use frontdesk_shared::kb::{parse_article, Article};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::platform::{now_ms, random_uuid};
use crate::{content, AppError};

/// Longest time an isolate answers from an older version after an update
/// (other isolates; the one that ran the update switches at once).
pub const CHECK_MS: i64 = 5_000;
/// Characters of base64 per stored index part (D1 values are limited to
/// 2 MB).
const PART_CHARS: usize = 1_500_000;
/// Most JSON bytes of article rows written per statement.
const ROWS_JSON_BYTES: usize = 1_500_000;

/// The content an isolate answers from.
#[derive(Clone)]
pub struct Live {
    pub version: i64,
    pub index: Rc<Index>,
}

struct Cached {
    live: Live,
    checked_ms: i64,
}

thread_local! {
    static CACHE: RefCell<Option<Cached>> = const { RefCell::new(None) };
    static BUNDLED: Rc<Index> =
        Rc::new(postcard::from_bytes(content::INDEX_BYTES).expect("index built by build.rs"));
}

/// The bundled index (version 0), deserialized once per isolate.
fn bundled() -> Live {
    Live {
        version: 0,
        index: BUNDLED.with(Rc::clone),
    }
}

/// The content version this isolate knows of, its number of articles and
/// of their embedded passages (no D1 read).
pub fn known() -> (i64, usize, usize) {
    let live = CACHE
        .with(|c| c.borrow().as_ref().map(|c| c.live.clone()))
        .unwrap_or_else(bundled);
    (live.version, live.index.len(), live.index.passage_count())
}

/// Drops this isolate's content (an update is about to build segments: the
/// memory goes to them; the next request reads the index from D1).
pub fn forget() {
    CACHE.with(|c| *c.borrow_mut() = None);
}

/// Makes `live` this isolate's content (after an update it ran).
pub fn install(live: Live) {
    CACHE.with(|c| {
        *c.borrow_mut() = Some(Cached {
            live,
            checked_ms: now_ms(),
        })
    });
}

#[derive(Deserialize)]
struct VersionRow {
    version: i64,
}

#[derive(Deserialize)]
struct PartRow {
    data: String,
}

/// The live content: this isolate's, re-checked against D1 at most every
/// [`CHECK_MS`]. If D1 cannot be read, the content this isolate has (a
/// visitor is answered from slightly older articles rather than not at all).
pub async fn current(db: &D1Database) -> Live {
    let now = now_ms();
    let cached = CACHE.with(|c| {
        c.borrow()
            .as_ref()
            .map(|c| (c.live.clone(), now - c.checked_ms < CHECK_MS))
    });
    if let Some((live, true)) = cached {
        return live;
    }
    let have = cached.map_or_else(bundled, |(live, _)| live);
    match refresh(db, have.clone()).await {
        Ok(live) => {
            install(live.clone());
            live
        }
        Err(e) => {
            worker::console_error!(
                "content version check failed: {e:?}; answering from version {}",
                have.version
            );
            have
        }
    }
}

/// `have`, or the live version read from D1 if it differs.
async fn refresh(db: &D1Database, have: Live) -> Result<Live, AppError> {
    let version = version(db).await?;
    if version == have.version {
        return Ok(have);
    }
    if version == 0 {
        return Ok(bundled());
    }
    load(db).await
}

/// The live version number (0: the bundled content).
pub async fn version(db: &D1Database) -> Result<i64, AppError> {
    Ok(db
        .prepare("SELECT version FROM content_version WHERE id = 1")
        .first::<VersionRow>(None)
        .await?
        .map_or(0, |r| r.version))
}

/// The live version and its index, read segment by segment
/// (`content_segments` names each segment's stored parts). The parts are
/// read [`PARTS_PER_READ`] at a time, each group decoded and dropped before
/// the next is read: an isolate holds a few MB of base64 at once rather
/// than all of it. A segment's parts are written before the version that
/// names them goes live and deleted only by the update that replaces that
/// segment, so a group that comes back short means that happened
/// meanwhile: read again, from the new version.
pub async fn load(db: &D1Database) -> Result<Live, AppError> {
    for _ in 0..LOAD_ATTEMPTS {
        let results = db
            .batch(vec![
                db.prepare("SELECT version FROM content_version WHERE id = 1"),
                db.prepare("SELECT segment, writer, parts FROM content_segments ORDER BY segment"),
            ])
            .await?;
        let [version, rows] = results.as_slice() else {
            return Err(AppError::Internal("batch returned the wrong count".into()));
        };
        let Some(version) = version.results::<VersionRow>()?.first().map(|r| r.version) else {
            return Ok(bundled());
        };
        let rows = rows.results::<SegmentRow>()?;
        if rows.is_empty() {
            // Stored by a worker before segments (migration 0018): rebuilt
            // here from the stored articles, segment by segment; the next
            // content update stores it anew.
            worker::console_warn!("content version {version} has no stored index; rebuilding it");
            let mut segments = Vec::new();
            for s in article_segments(db).await? {
                segments.push(Segment::build(
                    &segment_articles(db, s, &[], &BTreeSet::new()).await?,
                ));
            }
            return Ok(assembled(version, segments));
        }
        let started = now_ms();
        let mut reading = 0;
        let mut segments = Vec::with_capacity(rows.len());
        for row in &rows {
            let read = now_ms();
            let Some(bytes) = read_parts(db, version, row).await? else {
                break;
            };
            reading += now_ms() - read;
            segments.push(match postcard::from_bytes::<Segment>(&bytes) {
                Ok(segment) => segment,
                // Stored by a worker with another index format (postcard is
                // not self-describing): rebuilt from its stored articles.
                Err(e) => {
                    worker::console_warn!(
                        "stored index {version}, segment {}: {e}; rebuilding it from the articles",
                        row.segment
                    );
                    Segment::build(&segment_articles(db, row.segment, &[], &BTreeSet::new()).await?)
                }
            });
        }
        if segments.len() == rows.len() {
            let live = assembled(version, segments);
            worker::console_log!(
                "content version {version} loaded: {} articles in {} segments, {} ms ({reading} ms reading and decoding the parts)",
                live.index.len(),
                rows.len(),
                now_ms() - started
            );
            return Ok(live);
        }
    }
    Err(AppError::Internal(format!(
        "the stored index was replaced while it was read, {LOAD_ATTEMPTS} times"
    )))
}

fn assembled(version: i64, segments: Vec<Segment>) -> Live {
    Live {
        version,
        index: Rc::new(Index::assemble(segments, content::policy())),
    }
}

#[derive(Deserialize)]
struct SegmentRow {
    segment: i64,
    writer: String,
    parts: i64,
}

/// Reads to load the live index before giving up (each read only fails if
/// an update lands during it).
const LOAD_ATTEMPTS: usize = 3;
/// Stored index parts read per query (of [`PART_CHARS`] each).
const PARTS_PER_READ: i64 = 2;
/// Index parts written per batch when publishing.
const PARTS_PER_WRITE: usize = 2;

/// The stored parts of one segment, decoded; `None` if some are gone (the
/// segment was replaced while they were read).
async fn read_parts(
    db: &D1Database,
    version: i64,
    row: &SegmentRow,
) -> Result<Option<Vec<u8>>, AppError> {
    let int = |n: i64| JsValue::from_f64(n as f64);
    let mut bytes = Vec::new();
    let mut from = 0;
    while from < row.parts {
        let to = (from + PARTS_PER_READ).min(row.parts);
        let rows = db
            .prepare(
                "SELECT data FROM content_index WHERE writer = ?1 AND segment = ?2 \
                 AND part >= ?3 AND part < ?4 ORDER BY part",
            )
            .bind(&[
                JsValue::from_str(&row.writer),
                int(row.segment),
                int(from),
                int(to),
            ])?
            .all()
            .await?
            .results::<PartRow>()?;
        if rows.len() as i64 != to - from {
            return Ok(None);
        }
        decode_parts(&mut bytes, rows.into_iter().map(|r| r.data))
            .map_err(|e| AppError::Internal(format!("stored index {version}: {e}")))?;
        from = to;
    }
    Ok(Some(bytes))
}

/// The segments some stored article row is in, and segment 0 (the bundled
/// articles'), in order.
async fn article_segments(db: &D1Database) -> Result<Vec<i64>, AppError> {
    #[derive(Deserialize)]
    struct Row {
        segment: i64,
    }
    let mut segments: Vec<i64> = db
        .prepare("SELECT DISTINCT segment FROM content_articles")
        .all()
        .await?
        .results::<Row>()?
        .into_iter()
        .map(|r| r.segment)
        .collect();
    segments.push(0);
    segments.sort_unstable();
    segments.dedup();
    Ok(segments)
}

/// The live articles of segment `segment`, in index order: for segment 0
/// the bundled ones with their overrides, then its uploaded ones; each
/// stored override's source read and parsed. `fresh` holds overrides of
/// this segment an update is about to store (they win over stored rows of
/// their slug).
/// `gone` slugs are left out (overrides the update removes).
pub async fn segment_articles(
    db: &D1Database,
    segment: i64,
    fresh: &[Override],
    gone: &BTreeSet<&str>,
) -> Result<Vec<Article>, AppError> {
    let rows = db
        .prepare(
            "SELECT slug, source, updated FROM content_articles WHERE segment = ?1 ORDER BY slug",
        )
        .bind(&[JsValue::from_f64(segment as f64)])?
        .all()
        .await?
        .results::<OverrideRow>()?;
    let mut overrides: BTreeMap<String, Override> = BTreeMap::new();
    for r in rows {
        if gone.contains(&r.slug.as_str()) {
            continue;
        }
        let article = match r.source {
            None => None,
            Some(src) => Some(
                parse_article(&r.slug, &src)
                    .map_err(|e| AppError::Internal(format!("stored article {}: {e}", r.slug)))?,
            ),
        };
        overrides.insert(
            r.slug.clone(),
            Override {
                slug: r.slug,
                article,
                updated: r.updated,
            },
        );
    }
    for o in fresh {
        overrides.insert(o.slug.clone(), o.clone());
    }
    let bundled = if segment == 0 {
        content::bundled_articles()
    } else {
        vec![]
    };
    Ok(live(bundled, overrides.into_values().collect())
        .into_iter()
        .map(|(article, _, _)| article)
        .collect())
}

/// `bytes` as base64 parts of [`PART_CHARS`], each encoded when it is
/// taken: the whole text is never held at once (a third more than the
/// bytes).
fn encoded_parts(bytes: &[u8]) -> impl Iterator<Item = String> + '_ {
    bytes
        .chunks(PART_CHARS / 4 * 3)
        .map(|c| base64::engine::general_purpose::STANDARD.encode(c))
}

/// Appends the bytes of base64 `parts`, in order, to `bytes`: each part
/// decoded on its own and dropped once decoded, rather than all joined
/// first.
fn decode_parts(
    bytes: &mut Vec<u8>,
    parts: impl Iterator<Item = String>,
) -> Result<(), base64::DecodeError> {
    for part in parts {
        base64::engine::general_purpose::STANDARD.decode_vec(part, bytes)?;
    }
    Ok(())
}

/// A part is a whole number of base64 quads, so it decodes on its own.
const _: () = assert!(PART_CHARS.is_multiple_of(4));

#[derive(Deserialize)]
struct OverrideRow {
    slug: String,
    source: Option<String>,
    updated: i64,
}

/// One stored override, without its source: what an update needs to know
/// of the rows it does not change.
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
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
pub struct Catalog {
    pub version: i64,
    pub entries: Vec<Entry>,
    /// The segments of the stored index.
    pub segments: Vec<i64>,
}

/// Reads the stored version and overrides.
pub async fn catalog(db: &D1Database) -> Result<Catalog, AppError> {
    let results = db
        .batch(vec![
            db.prepare("SELECT version FROM content_version WHERE id = 1"),
            db.prepare(
                "SELECT slug, title, lang, url, updated, segment, source IS NULL AS deleted \
                 FROM content_articles ORDER BY slug",
            ),
            db.prepare("SELECT segment FROM content_segments ORDER BY segment"),
        ])
        .await?;
    let [version, rows, segments] = results.as_slice() else {
        return Err(AppError::Internal("batch returned the wrong count".into()));
    };
    #[derive(Deserialize)]
    struct SegmentNumber {
        segment: i64,
    }
    let version = version
        .results::<VersionRow>()?
        .first()
        .map_or(0, |r| r.version);
    Ok(Catalog {
        version,
        entries: rows.results::<Entry>()?,
        segments: segments
            .results::<SegmentNumber>()?
            .into_iter()
            .map(|r| r.segment)
            .collect(),
    })
}

/// The source of live article `slug`: `Some(Some(src))` uploaded,
/// `Some(None)` deleted, `None` no override (the bundled one, if any).
pub async fn override_source(
    db: &D1Database,
    slug: &str,
) -> Result<Option<Option<String>>, AppError> {
    #[derive(Deserialize)]
    struct Row {
        source: Option<String>,
    }
    Ok(db
        .prepare("SELECT source FROM content_articles WHERE slug = ?1")
        .bind(&[JsValue::from_str(slug)])?
        .first::<Row>(None)
        .await?
        .map(|r| r.source))
}

/// An uploaded article or deletion as written to D1 (`json_each` rows).
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
pub struct Write<'a> {
    pub slug: &'a str,
    /// `None`: a deletion of the bundled article of this slug.
    pub source: Option<(&'a str, &'a Article)>,
    pub updated: i64,
    pub segment: i64,
}

/// A new segment stored by [`stage`]: not live until [`commit`] names it.
pub struct Staged {
    pub segment: i64,
    pub parts: usize,
    pub bytes: usize,
}

/// A random id for an update: its staged segments are stored under it.
pub fn writer() -> Result<String, AppError> {
    random_uuid()
}

/// Stores `segment`'s index as segment number `number` under `writer`,
/// [`PARTS_PER_WRITE`] parts per batch, so no batch holds all of its
/// text. On an error, whatever this writer staged goes.
pub async fn stage(
    db: &D1Database,
    writer: &str,
    number: i64,
    segment: &Segment,
) -> Result<Staged, AppError> {
    let me = JsValue::from_str(writer);
    let bytes = postcard::to_allocvec(segment).map_err(|e| AppError::Internal(e.to_string()))?;
    let int = |n: i64| JsValue::from_f64(n as f64);
    let mut parts = encoded_parts(&bytes).enumerate().peekable();
    let mut count = 0;
    while parts.peek().is_some() {
        let mut batch = Vec::with_capacity(PARTS_PER_WRITE);
        for (part, chunk) in parts.by_ref().take(PARTS_PER_WRITE) {
            batch.push(
                db.prepare(
                    "INSERT INTO content_index (writer, segment, part, data) VALUES (?1, ?2, ?3, ?4)",
                )
                .bind(&[me.clone(), int(number), int(part as i64), JsValue::from_str(&chunk)])?,
            );
            count += 1;
        }
        if let Err(e) = db.batch(batch).await {
            discard(db, writer).await;
            return Err(e.into());
        }
    }
    Ok(Staged {
        segment: number,
        parts: count,
        bytes: bytes.len(),
    })
}

/// Deletes what `writer` staged (an update that will not land; the next
/// update that lands deletes it too).
pub async fn discard(db: &D1Database, writer: &str) {
    if let Ok(statement) = db
        .prepare("DELETE FROM content_index WHERE writer = ?1")
        .bind(&[JsValue::from_str(writer)])
    {
        let _ = statement.run().await;
    }
}

/// Makes version `previous + 1` live in one batch: the segments `writer`
/// staged replace those of their numbers, the `emptied` segments go, the
/// overrides it changes (`changed`, written anew) and removes (`removed`)
/// are stored, and every stored part no live segment names is deleted.
/// It runs only if this update is still the last writer: a concurrent
/// update that landed first makes this one change nothing (its parts are
/// deleted) and return `Ok(None)`.
pub async fn commit(
    db: &D1Database,
    writer: &str,
    previous: i64,
    staged: &[Staged],
    emptied: &[i64],
    changed: &[Write<'_>],
    removed: &[&str],
) -> Result<Option<i64>, AppError> {
    let version = previous + 1;
    let me = JsValue::from_str(writer);
    let int = |n: i64| JsValue::from_f64(n as f64);
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
            .map(|s| serde_json::json!({"segment": s.segment, "parts": s.parts}))
            .collect::<Vec<_>>(),
    )?;
    let mut statements: Vec<D1PreparedStatement> = vec![
        db.prepare(
            "INSERT INTO content_version (id, version, updated, writer) VALUES (1, ?1, ?2, ?3) \
             ON CONFLICT(id) DO UPDATE SET version = excluded.version, updated = excluded.updated, \
             writer = excluded.writer WHERE content_version.version = ?4",
        )
        .bind(&[int(version), int(now_ms()), me.clone(), int(previous)])?,
        db.prepare(format!(
            "DELETE FROM content_articles WHERE slug IN (SELECT value FROM json_each(?2)) AND {guard}"
        ))
        .bind(&[me.clone(), JsValue::from_str(&gone)])?,
        db.prepare(format!(
            "DELETE FROM content_segments WHERE segment IN (SELECT value FROM json_each(?2)) AND {guard}"
        ))
        .bind(&[me.clone(), JsValue::from_str(&serde_json::to_string(emptied)?)])?,
        db.prepare(format!(
            "INSERT INTO content_segments (segment, writer, parts) \
             SELECT value->>'segment', ?1, value->>'parts' FROM json_each(?2) WHERE {guard} \
             ON CONFLICT(segment) DO UPDATE SET writer = excluded.writer, parts = excluded.parts"
        ))
        .bind(&[me.clone(), JsValue::from_str(&segments)])?,
        // The replaced segments' parts, and any an update that did not land
        // left behind.
        db.prepare(format!(
            "DELETE FROM content_index WHERE NOT EXISTS (SELECT 1 FROM content_segments s \
             WHERE s.segment = content_index.segment AND s.writer = content_index.writer) AND {guard}"
        ))
        .bind(std::slice::from_ref(&me))?,
        // This update's own, if another landed first.
        db.prepare(
            "DELETE FROM content_index WHERE writer = ?1 \
             AND (SELECT writer FROM content_version WHERE id = 1) IS NOT ?1",
        )
        .bind(std::slice::from_ref(&me))?,
    ];
    for rows in packs(changed)? {
        statements.push(
            db.prepare(format!(
                "INSERT INTO content_articles (slug, source, title, lang, url, updated, segment) \
                 SELECT value->>'slug', value->>'source', value->>'title', value->>'lang', \
                 value->>'url', value->>'updated', value->>'segment' FROM json_each(?2) WHERE {guard}"
            ))
            .bind(&[me.clone(), JsValue::from_str(&rows)])?,
        );
    }
    let results = db.batch(statements).await?;
    let won = results
        .first()
        .and_then(|r| r.meta().ok().flatten())
        .and_then(|m| m.changes)
        .is_some_and(|n| n > 0);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_parts_decode_one_by_one() {
        let bytes: Vec<u8> = (0..4_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let parts = encoded
            .as_bytes()
            .chunks(PART_CHARS)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect::<Vec<_>>();
        assert_eq!(parts, encoded_parts(&bytes).collect::<Vec<_>>());
        // Read in groups, appended in order.
        let mut back = Vec::new();
        for group in parts.chunks(2) {
            decode_parts(&mut back, group.iter().cloned()).unwrap();
        }
        assert_eq!(back, bytes);
    }
}
