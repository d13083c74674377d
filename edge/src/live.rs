//! The live help content: the bundled articles (`content.rs`) with the
//! uploaded ones and deletions stored in D1 (migration 0010), and the
//! retrieval index built for them.
//!
//! An update (`admin_content.rs`) validates everything first, rebuilds the
//! index once, and stores the overrides it changes (the other rows stay),
//! the index (postcard, base64, in parts of [`PART_CHARS`]) and a new
//! version in one D1 batch. Each
//! isolate keeps `(version, index)` and compares its version with D1's at
//! most every [`CHECK_MS`]: a new version is seen by every isolate within
//! that time, and costs the first request after it a read of the index, a
//! few parts per query (no rebuild). Version 0 (no row) is the bundled
//! index compiled in; `/healthz` reports the version an isolate answers
//! from.

use std::cell::RefCell;
use std::rc::Rc;

use base64::Engine as _;
use frontdesk_shared::content::{live, Origin, Override};
use frontdesk_shared::engine::Index;
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
struct HeadRow {
    version: i64,
    writer: String,
    parts: i64,
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

/// The live version and its index. The parts are read [`PARTS_PER_READ`]
/// at a time, each group decoded and dropped before the next is read: an
/// isolate holds a few MB of base64 at once rather than all of it (some
/// 15 MB at 2,000 articles, beside the bytes and the decoded index). The
/// live version's parts are all written before it goes live and deleted
/// only by the update that replaces it, so a group that comes back short
/// means that happened meanwhile: read again, from the new one.
async fn load(db: &D1Database) -> Result<Live, AppError> {
    for _ in 0..LOAD_ATTEMPTS {
        let head = db
            .prepare(
                "SELECT v.version AS version, v.writer AS writer, \
                 (SELECT COUNT(*) FROM content_index i WHERE i.writer = v.writer) AS parts \
                 FROM content_version v WHERE v.id = 1",
            )
            .first::<HeadRow>(None)
            .await?;
        let Some(HeadRow {
            version,
            writer,
            parts,
        }) = head
        else {
            return Ok(bundled());
        };
        if let Some(bytes) = read_parts(db, version, &writer, parts).await? {
            return Ok(Live {
                version,
                index: Rc::new(decode_index(db, version, &bytes).await?),
            });
        }
    }
    Err(AppError::Internal(format!(
        "the stored index was replaced while it was read, {LOAD_ATTEMPTS} times"
    )))
}

/// Reads to load the live index before giving up (each read only fails if
/// an update lands during it).
const LOAD_ATTEMPTS: usize = 3;
/// Stored index parts read per query (of [`PART_CHARS`] each).
const PARTS_PER_READ: i64 = 2;
/// Index parts written per batch when publishing.
const PARTS_PER_WRITE: usize = 2;

/// The `parts` index parts `writer` stored for `version`, decoded; `None`
/// if some are gone (the version was replaced while they were read).
async fn read_parts(
    db: &D1Database,
    version: i64,
    writer: &str,
    parts: i64,
) -> Result<Option<Vec<u8>>, AppError> {
    let int = |n: i64| JsValue::from_f64(n as f64);
    let mut bytes = Vec::new();
    let mut from = 0;
    while from < parts {
        let to = (from + PARTS_PER_READ).min(parts);
        let rows = db
            .prepare(
                "SELECT data FROM content_index WHERE writer = ?1 AND part >= ?2 AND part < ?3 \
                 ORDER BY part",
            )
            .bind(&[JsValue::from_str(writer), int(from), int(to)])?
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

/// The index stored as `bytes` for `version`.
async fn decode_index(db: &D1Database, version: i64, bytes: &[u8]) -> Result<Index, AppError> {
    Ok(match postcard::from_bytes(bytes) {
        Ok(index) => index,
        // Stored by a worker with another index format (postcard is not
        // self-describing): rebuilt here from the stored articles, the
        // same content; the next content update stores it anew.
        Err(e) => {
            worker::console_warn!("stored index {version}: {e}; rebuilding it from the articles");
            let stored = stored(db).await?;
            let articles: Vec<Article> = articles(stored.overrides)
                .into_iter()
                .map(|l| l.article)
                .collect();
            Index::build_with(&articles, content::policy())
        }
    })
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

/// One live article, for the admin list.
pub struct Listed {
    pub article: Article,
    pub origin: Origin,
    pub updated: Option<i64>,
}

/// What is stored: the version and the overrides of the bundled articles,
/// read in one transaction.
pub struct Stored {
    pub version: i64,
    pub overrides: Vec<Override>,
}

/// Reads the stored version and overrides (their sources parsed, and not
/// kept: an update writes only the rows it changes).
pub async fn stored(db: &D1Database) -> Result<Stored, AppError> {
    let results = db
        .batch(vec![
            db.prepare("SELECT version FROM content_version WHERE id = 1"),
            db.prepare("SELECT slug, source, updated FROM content_articles ORDER BY slug"),
        ])
        .await?;
    let [version, rows] = results.as_slice() else {
        return Err(AppError::Internal("batch returned the wrong count".into()));
    };
    let version = version
        .results::<VersionRow>()?
        .first()
        .map_or(0, |r| r.version);
    let mut overrides = Vec::new();
    for r in rows.results::<OverrideRow>()? {
        let article = match r.source {
            None => None,
            Some(src) => {
                let article = parse_article(&r.slug, &src)
                    .map_err(|e| AppError::Internal(format!("stored article {}: {e}", r.slug)))?;
                Some(article)
            }
        };
        overrides.push(Override {
            slug: r.slug,
            article,
            updated: r.updated,
        });
    }
    Ok(Stored { version, overrides })
}

/// The live articles for these overrides.
pub fn articles(overrides: Vec<Override>) -> Vec<Listed> {
    live(content::bundled_articles(), overrides)
        .into_iter()
        .map(|(article, origin, updated)| Listed {
            article,
            origin,
            updated,
        })
        .collect()
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
}

/// A stored override with its source, for [`publish`].
pub struct Write<'a> {
    pub slug: &'a str,
    /// `None`: a deletion of the bundled article of this slug.
    pub source: Option<(&'a str, &'a Article)>,
    pub updated: i64,
}

/// Stores a new version: the index built for the whole content, then the
/// overrides it changes (`changed`, written anew) and removes (`removed`,
/// slugs whose rows go) with the version row; the other rows stay as they
/// are. The index goes first, [`PARTS_PER_WRITE`] parts per batch under
/// this update's writer id, so no batch holds all of its text; it is not
/// live until the last batch names the writer in the version row. That
/// batch runs only if this update is still the last writer: a concurrent
/// update that wrote first makes this one change nothing (its parts are
/// deleted) and return `Ok(None)`.
pub async fn publish(
    db: &D1Database,
    previous: i64,
    changed: &[Write<'_>],
    removed: &[&str],
    index: &Index,
) -> Result<Option<(i64, usize)>, AppError> {
    let version = previous + 1;
    let writer = random_uuid()?;
    let me = JsValue::from_str(&writer);
    let bytes = postcard::to_allocvec(index).map_err(|e| AppError::Internal(e.to_string()))?;
    let int = |n: i64| JsValue::from_f64(n as f64);
    let mut parts = encoded_parts(&bytes).enumerate().peekable();
    while parts.peek().is_some() {
        let mut batch = Vec::with_capacity(PARTS_PER_WRITE);
        for (part, chunk) in parts.by_ref().take(PARTS_PER_WRITE) {
            batch.push(
                db.prepare("INSERT INTO content_index (writer, part, data) VALUES (?1, ?2, ?3)")
                    .bind(&[me.clone(), int(part as i64), JsValue::from_str(&chunk)])?,
            );
        }
        if let Err(e) = db.batch(batch).await {
            // Never live: whatever of it was written goes (or the next
            // update that lands deletes it).
            let _ = db
                .prepare("DELETE FROM content_index WHERE writer = ?1")
                .bind(std::slice::from_ref(&me))?
                .run()
                .await;
            return Err(e.into());
        }
    }
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
        // The replaced version's parts, and any an update that did not land
        // left behind.
        db.prepare(format!(
            "DELETE FROM content_index WHERE writer <> ?1 AND {guard}"
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
                "INSERT INTO content_articles (slug, source, title, lang, url, updated) \
                 SELECT value->>'slug', value->>'source', value->>'title', value->>'lang', \
                 value->>'url', value->>'updated' FROM json_each(?2) WHERE {guard}"
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
    Ok(won.then_some((version, bytes.len())))
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
