//! The live help content: the bundled articles (`content.rs`) with the
//! uploaded ones and deletions stored in D1 (migration 0010), and the
//! retrieval index built for them.
//!
//! The index is in segments of at most `SEGMENT_DOCS` articles (each
//! article row names its segment; segment 0 holds the bundled articles).
//! An update (`publish.rs`) validates everything first, rebuilds
//! only the segments it touches, one at a time, stores each (postcard) as
//! one R2 object under the update's writer id (`blobs.rs`), and then in one
//! D1 batch makes them live (`content_segments`) with the overrides it
//! changes (the other rows stay) and a new version; the objects it
//! replaced are deleted after that. Each isolate keeps `(version, index)`
//! and compares its version with D1's at most every [`CHECK_MS`]: a new
//! version is seen by every isolate within that time, and costs the first
//! request after it a read of the index, one R2 object per segment (no
//! rebuild). Version 0 (no row) is the bundled index compiled in;
//! `/healthz` reports the version an isolate answers from.

use std::cell::RefCell;
use std::rc::Rc;

use std::collections::{BTreeMap, BTreeSet};

use frontdesk_shared::retrieval::content::{live, Override};
use frontdesk_shared::retrieval::kb::{parse_article, Article};
use frontdesk_shared::retrieval::{Context, Index, Segment, Texts, Thresholds, Turn};
use worker::Env;

use crate::blobs::{self, Blobs};
use crate::db::content::{self as stored, Staged, StoredSegment};
use crate::db::Sql;
use crate::platform::now_ms;
use crate::ports::Ports;
use crate::{content, AppError};

/// Longest time an isolate answers from an older version after an update
/// (other isolates; the one that ran the update switches at once).
pub(crate) const CHECK_MS: i64 = 5_000;
/// Stored objects no live segment names (an update that stopped half-way)
/// are deleted by the scheduled run once this old: no update runs longer.
const ORPHAN_MS: i64 = 60 * 60 * 1000;

/// The content an isolate answers from.
#[derive(Clone)]
pub(crate) struct Live {
    pub version: i64,
    pub index: Rc<Index>,
    /// Where each of the index's segments keeps its articles' texts (R2
    /// keys, by segment position; the bundled index carries its own).
    texts: Rc<Vec<String>>,
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
        texts: Rc::new(vec![]),
    }
}

/// The content version this isolate knows of, its number of articles and
/// of their embedded passages (no D1 read).
pub(crate) fn known() -> (i64, usize, usize) {
    let live = CACHE
        .with(|c| c.borrow().as_ref().map(|c| c.live.clone()))
        .unwrap_or_else(bundled);
    (live.version, live.index.len(), live.index.passage_count())
}

/// Drops this isolate's content (an update is about to build segments: the
/// memory goes to them; the next request reads the index from D1).
pub(crate) fn forget() {
    CACHE.with(|c| *c.borrow_mut() = None);
}

/// Makes `live` this isolate's content (after an update it ran).
pub(crate) fn install(live: Live) {
    CACHE.with(|c| {
        *c.borrow_mut() = Some(Cached {
            live,
            checked_ms: now_ms(),
        });
    });
}

/// The live content: this isolate's, re-checked against D1 at most every
/// [`CHECK_MS`]. If D1 cannot be read, the content this isolate has (a
/// visitor is answered from slightly older articles rather than not at all).
pub(crate) async fn current(ports: &impl Ports) -> Live {
    let now = ports.now();
    let cached = CACHE.with(|c| {
        c.borrow()
            .as_ref()
            .map(|c| (c.live.clone(), now - c.checked_ms < CHECK_MS))
    });
    if let Some((live, true)) = cached {
        return live;
    }
    let have = cached.map_or_else(bundled, |(live, _)| live);
    match refresh(ports, have.clone()).await {
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
async fn refresh(ports: &impl Ports, have: Live) -> Result<Live, AppError> {
    let version = stored::version(ports.db()).await?;
    if version == have.version {
        return Ok(have);
    }
    if version == 0 {
        return Ok(bundled());
    }
    load(ports).await
}

/// The live version and its index, read segment by segment
/// (`content_segments` names each segment's stored object), each decoded
/// and its bytes dropped before the next is read. A segment's object is
/// written before the version that names it goes live and deleted only
/// after the update that replaces that segment has landed, so a missing
/// one means that happened meanwhile: read again, from the new version.
pub(crate) async fn load(ports: &impl Ports) -> Result<Live, AppError> {
    let db = ports.db();
    for _ in 0..LOAD_ATTEMPTS {
        let Some((version, rows)) = stored::live_segments(db).await? else {
            return Ok(bundled());
        };
        if rows.is_empty() {
            // Stored by a worker that kept the index in D1 (before
            // migration 0019): rebuilt here from the stored articles,
            // segment by segment; the next content update stores it.
            ports.log(&format!(
                "content version {version} has no stored index; rebuilding it"
            ));
            let mut segments = Vec::new();
            let mut numbers = stored::article_segments(db).await?;
            numbers.push(0);
            numbers.sort_unstable();
            numbers.dedup();
            for s in numbers {
                segments.push(Segment::build(
                    &segment_articles(db, s, &[], &BTreeSet::new()).await?,
                ));
            }
            return Ok(assembled(version, segments, vec![]));
        }
        let started = ports.now();
        let (mut reading, mut bytes_read) = (0, 0);
        let mut segments = Vec::with_capacity(rows.len());
        for row in &rows {
            let read = ports.now();
            let Some(bytes) = ports.blobs().get(&row.key()).await? else {
                break;
            };
            reading += ports.now() - read;
            bytes_read += bytes.len();
            segments.push(match postcard::from_bytes::<Segment>(&bytes) {
                Ok(segment) => segment,
                // Stored by a worker with another index format (postcard is
                // not self-describing): rebuilt from its stored articles.
                Err(e) => {
                    ports.log(&format!(
                        "stored index {version}, segment {}: {e}; rebuilding it from the articles",
                        row.segment
                    ));
                    Segment::build(&segment_articles(db, row.segment, &[], &BTreeSet::new()).await?)
                }
            });
        }
        if segments.len() == rows.len() {
            let texts = rows.iter().map(StoredSegment::text_key).collect();
            let live = assembled(version, segments, texts);
            ports.log(&format!(
                "content version {version} loaded: {} articles in {} segments, {} ms ({reading} ms reading {bytes_read} bytes)",
                live.index.len(),
                rows.len(),
                ports.now() - started
            ));
            return Ok(live);
        }
    }
    Err(AppError::Internal(format!(
        "the stored index was replaced while it was read, {LOAD_ATTEMPTS} times"
    )))
}

/// `segments` as one index; `texts[i]` is where segment `i` keeps its
/// texts (a segment is never stored empty, so none is dropped and the
/// positions stay).
fn assembled(version: i64, segments: Vec<Segment>, texts: Vec<String>) -> Live {
    Live {
        version,
        index: Rc::new(Index::assemble(segments, content::policy())),
        texts: Rc::new(texts),
    }
}

impl Live {
    /// A visitor's turn ([`Index::turn`]): decided on the loaded index
    /// ([`Index::decide`]), then put into words ([`Index::word`]) with the
    /// texts of its articles stored apart (one ranged R2 read each, at
    /// once). If they cannot be read, the turn goes
    /// on without them: no answer without its passage (suggestions).
    pub(crate) async fn turn(
        &self,
        env: &Env,
        message: &str,
        ctx: &Context<'_>,
        th: &Thresholds,
        topics: Option<&[String]>,
    ) -> Turn {
        let decided = self.index.decide(message, ctx, th, topics);
        let texts = match self.texts_of(env, &decided.verdict.docs).await {
            Ok(texts) => texts,
            Err(e) => {
                worker::console_error!(
                    "content version {}: article texts unread: {e:?}",
                    self.version
                );
                Texts::new()
            }
        };
        self.index.word(decided, ctx, &texts)
    }

    /// The texts of those of `docs` stored apart: from this isolate's
    /// recently quoted ones, else read from R2 (and kept).
    pub(crate) async fn texts_of(&self, env: &Env, docs: &[usize]) -> Result<Texts, AppError> {
        let mut texts = Texts::new();
        let mut refs = self.index.texts_apart(docs);
        QUOTED.with(|q| {
            let q = q.borrow();
            refs.retain(|r| match q.get(self.version, r.doc) {
                Some(t) => {
                    texts.insert(r.doc, t.to_vec());
                    false
                }
                None => true,
            });
        });
        if refs.is_empty() {
            return Ok(texts);
        }
        let bucket = blobs::bucket(env)?;
        let reads = refs.iter().map(|r| {
            let bucket = &bucket;
            async move {
                let key = self.texts.get(r.segment).ok_or_else(|| {
                    AppError::Internal(format!("no texts stored for segment {}", r.segment))
                })?;
                let bytes = blobs::get_range(bucket, key, r.start, r.len)
                    .await?
                    .ok_or_else(|| AppError::Internal(format!("{key} is gone")))?;
                Ok::<_, AppError>((r.doc, bytes))
            }
        });
        for read in futures_util::future::join_all(reads).await {
            let (doc, bytes) = read?;
            QUOTED.with(|q| q.borrow_mut().put(self.version, doc, bytes.clone()));
            texts.insert(doc, bytes);
        }
        Ok(texts)
    }
}

/// Most bytes of article texts an isolate keeps ([`Quoted`]).
const QUOTED_BYTES: usize = 4 << 20;

thread_local! {
    static QUOTED: RefCell<Quoted> = RefCell::new(Quoted::new(QUOTED_BYTES));
}

/// Recently quoted articles' texts (deflated, as stored) of one content
/// version: visitors ask about the same few articles again and again, and
/// each is then read from R2 once per isolate. The oldest go first past
/// `cap` bytes; a new version starts afresh.
struct Quoted {
    cap: usize,
    version: i64,
    bytes: usize,
    texts: BTreeMap<usize, Vec<u8>>,
    order: std::collections::VecDeque<usize>,
}

impl Quoted {
    fn new(cap: usize) -> Quoted {
        Quoted {
            cap,
            version: -1,
            bytes: 0,
            texts: BTreeMap::new(),
            order: std::collections::VecDeque::new(),
        }
    }

    fn get(&self, version: i64, doc: usize) -> Option<&[u8]> {
        (version == self.version)
            .then(|| self.texts.get(&doc).map(Vec::as_slice))
            .flatten()
    }

    fn put(&mut self, version: i64, doc: usize, text: Vec<u8>) {
        if version != self.version {
            *self = Quoted::new(self.cap);
            self.version = version;
        }
        if text.len() > self.cap || self.texts.contains_key(&doc) {
            return;
        }
        self.bytes += text.len();
        self.texts.insert(doc, text);
        self.order.push_back(doc);
        while self.bytes > self.cap {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(t) = self.texts.remove(&old) {
                self.bytes -= t.len();
            }
        }
    }
}

impl StoredSegment {
    /// Its R2 object's key.
    pub(crate) fn key(&self) -> String {
        index_key(&self.writer, self.segment)
    }

    /// Its articles' texts' R2 object.
    pub(crate) fn text_key(&self) -> String {
        text_key(&self.writer, self.segment)
    }
}

/// Where writer `writer` stores segment `segment`'s articles' texts.
fn text_key(writer: &str, segment: i64) -> String {
    format!("{}.text", index_key(writer, segment))
}

/// Where writer `writer` stores segment `segment` (R2).
fn index_key(writer: &str, segment: i64) -> String {
    format!("{INDEX_PREFIX}{writer}/{segment}")
}

/// The R2 keys of the index's segments start with this.
pub(crate) const INDEX_PREFIX: &str = "index/";

/// Reads to load the live index before giving up (each read only fails if
/// an update lands during it).
const LOAD_ATTEMPTS: usize = 3;

/// The live articles of segment `segment`, in index order: for segment 0
/// the bundled ones with their overrides, then its uploaded ones; each
/// stored override's source read and parsed. `fresh` holds overrides of
/// this segment an update is about to store (they win over stored rows of
/// their slug).
/// `gone` slugs are left out (overrides the update removes).
pub(crate) async fn segment_articles(
    db: &impl Sql,
    segment: i64,
    fresh: &[Override],
    gone: &BTreeSet<&str>,
) -> Result<Vec<Article>, AppError> {
    let rows = stored::segment_articles(db, segment).await?;
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

/// Stores `segment`'s index as segment number `number` under `writer`: its
/// articles' texts as one R2 object (read an article at a time, for
/// replies) and the rest as another (what an isolate loads); not read by
/// anyone until [`stored::commit`] names them. On an error, whatever of it
/// was stored goes.
pub(crate) async fn stage(
    ports: &impl Ports,
    writer: &str,
    number: i64,
    mut segment: Segment,
) -> Result<Staged, AppError> {
    let texts = segment.take_texts();
    let bytes = postcard::to_allocvec(&segment).map_err(|e| AppError::Internal(e.to_string()))?;
    drop(segment);
    let staged = Staged {
        segment: number,
        bytes: bytes.len() + texts.len(),
    };
    let blobs = ports.blobs();
    let stored = async {
        blobs.put(&text_key(writer, number), texts).await?;
        blobs.put(&index_key(writer, number), bytes).await
    }
    .await;
    if let Err(e) = stored {
        discard(ports, writer, std::slice::from_ref(&staged)).await;
        return Err(e);
    }
    Ok(staged)
}

/// Deletes what `writer` staged (an update that will not land). If this
/// fails too, the scheduled run deletes them later ([`sweep`]).
pub(crate) async fn discard(ports: &impl Ports, writer: &str, staged: &[Staged]) {
    let keys = staged
        .iter()
        .flat_map(|s| [index_key(writer, s.segment), text_key(writer, s.segment)])
        .collect();
    if let Err(e) = ports.blobs().delete(keys).await {
        ports.log(&format!(
            "content update {writer}: its staged segments stay for now: {e:?}"
        ));
    }
}

/// Deletes the objects of `replaced` segments, once an update that
/// replaced or emptied them has landed: no live version names them any
/// more, and no later one can (writer ids are never reused). An isolate
/// that was still reading them reads again, from the new version.
pub(crate) async fn retire(ports: &impl Ports, replaced: &[&StoredSegment]) {
    let keys = replaced
        .iter()
        .flat_map(|s| [s.key(), s.text_key()])
        .collect();
    if let Err(e) = ports.blobs().delete(keys).await {
        ports.log(&format!(
            "content update: replaced segments stay for now: {e:?}"
        ));
    }
}

/// Deletes stored index objects that no live segment names and that are
/// older than [`ORPHAN_MS`] (left by an update that stopped between
/// staging and landing). Returns how many.
pub(crate) async fn sweep(ports: &impl Ports) -> Result<usize, AppError> {
    // Listed first: an object staged after the live rows were read is
    // younger than ORPHAN_MS, and one made live after that was listed
    // before it was named, which is no different.
    let stored = ports.blobs().list(INDEX_PREFIX).await?;
    let live: BTreeSet<String> = stored::catalog(ports.db())
        .await?
        .segments
        .iter()
        .flat_map(|s| [s.key(), s.text_key()])
        .collect();
    let orphans = orphans(stored, &live, ports.now());
    let n = orphans.len();
    ports.blobs().delete(orphans).await?;
    Ok(n)
}

/// The keys of `stored` objects no live segment names, older than
/// [`ORPHAN_MS`] at `now` (a younger one may be an update's, staged but
/// not landed yet).
fn orphans(stored: Vec<blobs::Stored>, live: &BTreeSet<String>, now: i64) -> Vec<String> {
    stored
        .into_iter()
        .filter(|o| now - o.uploaded > ORPHAN_MS && !live.contains(&o.key))
        .map(|o| o.key)
        .collect()
}

#[cfg(test)]
mod tests;
