//! Hybrid retrieval's dense half: embeddings of the help centre's passages
//! and of each question, from Workers AI (`@cf/baai/bge-m3`, multilingual)
//! or any OpenAI-compatible `/embeddings` API (locally, the bundled
//! multilingual-e5-small server `scripts/embedder.sh` starts). The engine
//! fuses the question's similarity to every passage with its lexical
//! views for every question (`shared/src/retrieval/`). Passage vectors are
//! computed once per model and passage text, kept int8-packed in D1
//! (`passage_vectors`, one row per passage), as one matrix per model and
//! content in R2 (`blobs.rs`: what an isolate reads) and in memory per
//! isolate and content version; a
//! question costs one embedding call, bounded by a timeout. Vectors not
//! ready yet are filled after the response (`waitUntil`), and the turn is
//! decided lexically. Any failure just means a turn without the dense
//! signal, and a line in the log.
//!
//! Configuration (wrangler vars): `AI_EMBEDDINGS` = `workers-ai` | `openai`
//! (off when unset); `AI_EMBEDDING_MODEL` (default `@cf/baai/bge-m3`);
//! `AI_EMBEDDING_BASE_URL` (default `AI_BASE_URL`) and, if the API needs
//! one, `AI_EMBEDDING_API_KEY` (default `AI_API_KEY`) for `openai`; `AI_EMBEDDING_INPUT_TYPE` = `on` sends `input_type`
//! query/passage (E5-style servers); `AI_EMBED_TIMEOUT_MS` (default 1500):
//! longest wait for a question's vector.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use frontdesk_shared::llm::{
    self, EmbeddingOutput, EmbeddingRequest, OpenAiEmbeddingRequest, Packed,
};
use frontdesk_shared::retrieval::Index;

use crate::live::Live;
use frontdesk_shared::llm::redact::redact;
use futures_util::future::{select, Either};
use worker::{Context, Delay, Env};

use crate::blobs;
use crate::db::{self, D1};
use crate::settings::{Settings, Target};
use crate::vars::{bearer, post_json};

/// Texts per embedding call when filling the passage cache.
const BATCH: usize = 16;

#[derive(Clone)]
pub(crate) struct Embedder {
    target: Target,
    model: String,
    timeout: Duration,
    input_type: bool,
}

/// Passage vectors, in [`Index::embedding_texts`] order.
type Vectors = Rc<Vec<Packed>>;

thread_local! {
    /// Passage vectors of this isolate, by model and content version.
    static PASSAGES: RefCell<HashMap<(String, i64), Vectors>> = RefCell::new(HashMap::new());
    /// Model and content versions whose vectors a `waitUntil` is filling.
    static FILLING: RefCell<Vec<(String, i64)>> = const { RefCell::new(Vec::new()) };
}

/// The R2 keys of the passage matrices start with this.
pub(crate) const MATRIX_PREFIX: &str = "vectors/";

/// What [`Embedder::passages`] found.
enum Loaded {
    /// Every vector, from memory or the stored matrix.
    Ready(Vectors),
    /// Every vector, read passage by passage (the matrix is to be stored),
    /// with the content's fingerprint.
    Unpacked(Vectors, String),
    /// Some are not embedded yet.
    Missing,
}

/// A fingerprint of the passages' texts, from their hashes, in order.
fn fingerprint(hashes: &[String]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for t in hashes {
        for &b in t.as_bytes().iter().chain(b"|") {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}-{}", hashes.len())
}

#[derive(Clone, Copy)]
enum Kind {
    Query,
    Passage,
}

impl Embedder {
    /// The configured embedder, or `None` (lexical retrieval only).
    pub(crate) fn from_env(env: &Env) -> Option<Embedder> {
        let e = Settings::of(env).embedder.clone()?;
        Some(Embedder {
            target: e.target,
            model: e.model,
            timeout: e.timeout,
            input_type: e.input_type,
        })
    }

    /// Cosine similarity of `question` to every passage
    /// ([`Index::embedding_texts`] order), or `None`: the model did not
    /// answer within the timeout, or the passage vectors of this content
    /// version are not all there yet (they are then filled after the
    /// response, in `ctx.wait_until`).
    pub(crate) async fn similarities(
        &self,
        env: &Env,
        ctx: &Context,
        db: &D1,
        live: &Live,
        question: &str,
    ) -> Option<Vec<f32>> {
        let work = Box::pin(async {
            let passages = match self.passages(env, db, &live.index, live.version).await? {
                Loaded::Ready(v) => v,
                // Complete, but read passage by passage: store them as one
                // matrix for the next isolates.
                Loaded::Unpacked(v, content) => {
                    let (this, env, vectors) = (self.clone(), env.clone(), v.clone());
                    ctx.wait_until(async move {
                        if let Err(e) = this.store_matrix(&env, &content, &vectors).await {
                            worker::console_warn!("embeddings: storing the passage matrix: {e}");
                        }
                    });
                    v
                }
                Loaded::Missing => {
                    self.fill_later(env, ctx, live.clone());
                    return Err("passage vectors are being computed".to_owned());
                }
            };
            // Personal data stays here: the model embeds placeholders.
            let question = redact(question, Settings::of(env).pii);
            let query = self
                .embed(env, Kind::Query, &[&question])
                .await?
                .pop()
                .ok_or("no vector")?;
            let norm = llm::norm(&query);
            Ok::<_, String>(passages.iter().map(|p| p.cosine(&query, norm)).collect())
        });
        match select(work, Delay::from(self.timeout)).await {
            Either::Left((Ok(scores), _)) => Some(scores),
            Either::Left((Err(e), _)) => {
                worker::console_warn!("embeddings: {e}; lexical retrieval only");
                None
            }
            Either::Right(_) => {
                worker::console_warn!(
                    "embeddings: none within {} ms; lexical retrieval only",
                    self.timeout.as_millis()
                );
                None
            }
        }
    }

    /// Passage vectors for content `version`: from memory, else from the
    /// stored matrix of this content, else passage by passage from D1.
    async fn passages(
        &self,
        env: &Env,
        db: &D1,
        index: &Index,
        version: i64,
    ) -> Result<Loaded, String> {
        let key = (self.model.clone(), version);
        if let Some(v) = PASSAGES.with(|d| d.borrow().get(&key).cloned()) {
            return Ok(Loaded::Ready(v));
        }
        let hashes = index.passage_hashes();
        let content = fingerprint(&hashes);
        // Without the matrix (not stored yet, or R2 unreachable), the
        // vectors are read passage by passage from D1.
        match self.matrix(env, &content, hashes.len()).await {
            Ok(Some(v)) => {
                let v = Rc::new(v);
                remember(key, v.clone());
                return Ok(Loaded::Ready(v));
            }
            Ok(None) => {}
            Err(e) => worker::console_warn!("embeddings: reading the passage matrix: {e}"),
        }
        let cached = self.cached(db, &hashes).await?;
        let vectors: Option<Vec<Packed>> = hashes.iter().map(|h| cached.get(h).cloned()).collect();
        let Some(vectors) = vectors else {
            return Ok(Loaded::Missing);
        };
        let vectors = Rc::new(vectors);
        remember(key, vectors.clone());
        Ok(Loaded::Unpacked(vectors, content))
    }

    /// Where this model's matrices are stored (R2): the model's name in
    /// hex, so that no model's prefix is another's.
    fn matrix_prefix(&self) -> String {
        let hex: String = self.model.bytes().map(|b| format!("{b:02x}")).collect();
        format!("{MATRIX_PREFIX}{hex}/")
    }

    /// The stored matrix of `content`, if whole: `count` vectors.
    async fn matrix(
        &self,
        env: &Env,
        content: &str,
        count: usize,
    ) -> Result<Option<Vec<Packed>>, String> {
        let bucket = blobs::bucket(env).map_err(|e| format!("{e:?}"))?;
        let key = format!("{}{content}", self.matrix_prefix());
        let Some(bytes) = blobs::get(&bucket, &key)
            .await
            .map_err(|e| format!("{e:?}"))?
        else {
            return Ok(None);
        };
        let vectors = llm::unpack_matrix(&bytes).filter(|v| v.len() == count);
        if vectors.is_none() {
            worker::console_warn!(
                "embeddings: the stored passage matrix is damaged; reading passages one by one"
            );
        }
        Ok(vectors)
    }

    /// Stores `vectors` (of `content`, in index order) as one matrix, and
    /// drops this model's matrices of other content.
    async fn store_matrix(
        &self,
        env: &Env,
        content: &str,
        vectors: &[Packed],
    ) -> Result<(), String> {
        let bucket = blobs::bucket(env).map_err(|e| format!("{e:?}"))?;
        let prefix = self.matrix_prefix();
        let key = format!("{prefix}{content}");
        blobs::put(&bucket, &key, llm::pack_matrix(vectors))
            .await
            .map_err(|e| format!("{e:?}"))?;
        let others = blobs::list(&bucket, &prefix)
            .await
            .map_err(|e| format!("{e:?}"))?
            .into_iter()
            .map(|o| o.key)
            .filter(|k| *k != key)
            .collect();
        blobs::delete(&bucket, others)
            .await
            .map_err(|e| format!("{e:?}"))
    }

    /// The stored vectors of these passages, by hash.
    async fn cached(&self, db: &D1, hashes: &[String]) -> Result<HashMap<String, Packed>, String> {
        let hashes: Vec<&str> = hashes.iter().map(String::as_str).collect();
        let rows = db::vectors::get(db, &self.model, &hashes)
            .await
            .map_err(|e| format!("{e:?}"))?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in rows {
            if let Some(p) = Packed::decode(&r.vector) {
                out.insert(r.hash, p);
            }
        }
        Ok(out)
    }

    /// Embeds the passages of content `version` that D1 lacks, after the
    /// response; one fill per isolate and version at a time. Each batch is
    /// stored as it comes, so an interrupted fill resumes.
    fn fill_later(&self, env: &Env, ctx: &Context, live: Live) {
        let key = (self.model.clone(), live.version);
        let busy = FILLING.with(|f| {
            let mut f = f.borrow_mut();
            let busy = f.contains(&key);
            if !busy {
                f.push(key.clone());
            }
            busy
        });
        if busy {
            return;
        }
        let (this, env) = (self.clone(), env.clone());
        ctx.wait_until(async move {
            if let Err(e) = this.fill(&env, &live).await {
                worker::console_warn!("embeddings: filling passage vectors: {e}");
            }
            FILLING.with(|f| f.borrow_mut().retain(|k| *k != key));
        });
    }

    async fn fill(&self, env: &Env, live: &Live) -> Result<(), String> {
        let (index, version) = (&*live.index, live.version);
        let db = D1::of(env).map_err(|e| format!("{e:?}"))?;
        let hashes = index.passage_hashes();
        let mut have = self.cached(&db, &hashes).await?;
        // Each missing text once (passages of the same text share a hash).
        let mut seen = std::collections::HashSet::new();
        let missing: Vec<usize> = (0..hashes.len())
            .filter(|&i| !have.contains_key(&hashes[i]) && seen.insert(&hashes[i]))
            .collect();
        let started = crate::platform::now_ms();
        for batch in missing.chunks(BATCH) {
            // Only these passages' articles are read (their texts stored
            // apart, from R2).
            let apart = live
                .texts_of(env, &index.passage_docs(batch))
                .await
                .map_err(|e| format!("{e:?}"))?;
            let texts = index.embedding_texts_of(batch.iter().copied(), &apart);
            let inputs: Vec<&str> = texts.iter().map(|t| t.text.as_str()).collect();
            let got = self.embed(env, Kind::Passage, &inputs).await?;
            let mut rows = Vec::with_capacity(batch.len());
            for (t, v) in texts.iter().zip(got) {
                let packed = Packed::new(&v).ok_or("a vector with a non-number")?;
                rows.push((t.hash.clone(), packed.encode()));
                have.insert(t.hash.clone(), packed);
            }
            db::vectors::put(&db, &self.model, &rows)
                .await
                .map_err(|e| format!("{e:?}"))?;
        }
        let vectors: Option<Vec<Packed>> = hashes.iter().map(|h| have.get(h).cloned()).collect();
        if let Some(v) = vectors {
            self.store_matrix(env, &fingerprint(&hashes), &v).await?;
            remember((self.model.clone(), version), Rc::new(v));
        }
        worker::console_log!(
            "embeddings: {} passages ({} embedded now) in {} ms",
            hashes.len(),
            missing.len(),
            crate::platform::now_ms() - started
        );
        Ok(())
    }

    async fn embed(&self, env: &Env, kind: Kind, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        match &self.target {
            Target::OpenAi { url, key } => {
                let body = serde_json::to_string(&OpenAiEmbeddingRequest {
                    model: &self.model,
                    input: texts.to_vec(),
                    input_type: self.input_type.then_some(match kind {
                        Kind::Query => "query",
                        Kind::Passage => "passage",
                    }),
                })
                .map_err(|e| e.to_string())?;
                let mut headers = vec![("accept", "application/json".to_owned())];
                headers.extend(key.as_deref().map(bearer));
                let mut response = post_json(url, body, &headers, None).await?;
                let text = response.text().await.map_err(|e| e.to_string())?;
                llm::parse_openai_embeddings(&text, texts.len()).map_err(|e| e.to_string())
            }
            Target::WorkersAi => {
                let out: EmbeddingOutput = env
                    .ai("AI")
                    .map_err(|e| format!("no AI binding: {e}"))?
                    .run(
                        &self.model,
                        EmbeddingRequest {
                            text: texts.to_vec(),
                        },
                    )
                    .await
                    .map_err(|e| format!("Workers AI: {e}"))?;
                out.into_vectors(texts.len()).map_err(|e| e.to_string())
            }
        }
    }
}

/// Keeps `vectors` for this isolate; older versions' are dropped (they are
/// never asked for again).
fn remember(key: (String, i64), vectors: Vectors) {
    PASSAGES.with(|d| {
        let mut d = d.borrow_mut();
        d.retain(|(model, v), _| *model != key.0 || *v > key.1);
        d.insert(key, vectors);
    });
}
