//! Optional semantic retrieval: embeddings of the articles and of each
//! question, from Workers AI (`@cf/baai/bge-m3`, multilingual) or any
//! OpenAI-compatible `/embeddings` API. Used only where words fail: when the
//! engine finds no article sharing enough words with a question (another
//! language, other words), the articles nearest it in embedding space are
//! suggested — never answered from. Article vectors are computed
//! once per model and content, kept in D1 (`doc_embeddings`) and in memory
//! per isolate; a question costs one embedding call, bounded by a timeout.
//! Any failure just means a turn without the semantic signal.
//!
//! Configuration (wrangler vars): `AI_EMBEDDINGS` = `workers-ai` | `openai`
//! (off when unset); `AI_EMBEDDING_MODEL` (default `@cf/baai/bge-m3`);
//! `AI_BASE_URL` / `AI_API_KEY` as for the generator; `AI_EMBED_TIMEOUT_MS`
//! (default 1500): longest wait for a question's vector.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use frontdesk_shared::ai::{self, EmbeddingOutput, EmbeddingRequest, OpenAiEmbeddingRequest};
use frontdesk_shared::engine::Index;
use frontdesk_shared::redact::redact;
use futures_util::future::{select, Either};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, Delay, Env};

use crate::vars::{bearer, millis, pii_kinds, post_json, setting};

const DEFAULT_TIMEOUT_MS: u64 = 1500;
/// Texts per embedding call when filling the article cache.
const BATCH: usize = 32;

pub struct Embedder {
    target: Target,
    model: String,
    timeout: Duration,
}

enum Target {
    OpenAi { url: String, key: String },
    WorkersAi,
}

/// Article vectors, in index order.
type Vectors = Rc<Vec<Vec<f32>>>;

thread_local! {
    /// Article vectors of this isolate, by model and content version (an
    /// update changes the articles and their order).
    static DOCS: RefCell<HashMap<(String, i64), Vectors>> = RefCell::new(HashMap::new());
}

#[derive(Deserialize)]
struct CachedRow {
    slug: String,
    hash: String,
    vector: String,
}

impl Embedder {
    /// The configured embedder, or `None` (the default: lexical retrieval only).
    pub fn from_env(env: &Env) -> Option<Embedder> {
        let kind = setting(env, "AI_EMBEDDINGS")?;
        let target = match kind.as_str() {
            "workers-ai" => Target::WorkersAi,
            "openai" => {
                let (Some(base), Some(key)) =
                    (setting(env, "AI_BASE_URL"), setting(env, "AI_API_KEY"))
                else {
                    worker::console_error!(
                        "AI_EMBEDDINGS=openai needs AI_BASE_URL and AI_API_KEY; semantic retrieval off"
                    );
                    return None;
                };
                Target::OpenAi {
                    url: ai::embeddings_url(&base),
                    key,
                }
            }
            other => {
                worker::console_error!(
                    "unknown AI_EMBEDDINGS {other:?} (workers-ai, openai); semantic retrieval off"
                );
                return None;
            }
        };
        Some(Embedder {
            target,
            model: setting(env, "AI_EMBEDDING_MODEL").unwrap_or_else(|| ai::EMBEDDING_MODEL.into()),
            timeout: millis(env, "AI_EMBED_TIMEOUT_MS", DEFAULT_TIMEOUT_MS),
        })
    }

    /// Cosine similarity of `question` to every article (index order), or
    /// `None` if the vectors are not available within the timeout.
    pub async fn similarities(
        &self,
        env: &Env,
        db: &D1Database,
        index: &Index,
        version: i64,
        question: &str,
    ) -> Option<Vec<f32>> {
        let work = Box::pin(async {
            let docs = self.doc_vectors(env, db, index, version).await?;
            // Personal data stays here: the model embeds placeholders.
            let question = redact(question, pii_kinds(env));
            let query = self
                .embed(env, &[&question])
                .await?
                .pop()
                .ok_or("no vector")?;
            Ok::<_, String>(docs.iter().map(|d| ai::cosine(&query, d)).collect())
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

    /// Article vectors for content `version`: from memory, else from D1
    /// (where a vector is reused only for the same text: slug and hash),
    /// else embedded now (and stored, batch by batch, so an interrupted
    /// fill resumes).
    async fn doc_vectors(
        &self,
        env: &Env,
        db: &D1Database,
        index: &Index,
        version: i64,
    ) -> Result<Rc<Vec<Vec<f32>>>, String> {
        let key = (self.model.clone(), version);
        if let Some(v) = DOCS.with(|d| d.borrow().get(&key).cloned()) {
            return Ok(v);
        }
        let texts = index.embedding_texts();
        let rows = db
            .prepare("SELECT slug, hash, vector FROM doc_embeddings WHERE model = ?1")
            .bind(&[JsValue::from_str(&self.model)])
            .map_err(|e| e.to_string())?
            .all()
            .await
            .map_err(|e| e.to_string())?
            .results::<CachedRow>()
            .map_err(|e| e.to_string())?;
        let cached: HashMap<(String, String), Vec<f32>> = rows
            .into_iter()
            .filter_map(|r| Some(((r.slug, r.hash), serde_json::from_str(&r.vector).ok()?)))
            .collect();
        let mut vectors: Vec<Option<Vec<f32>>> = texts
            .iter()
            .map(|t| cached.get(&(t.slug.clone(), t.hash.clone())).cloned())
            .collect();
        let missing: Vec<usize> = (0..texts.len()).filter(|&i| vectors[i].is_none()).collect();
        for batch in missing.chunks(BATCH) {
            let inputs: Vec<&str> = batch.iter().map(|&i| texts[i].text.as_str()).collect();
            let got = self.embed(env, &inputs).await?;
            let mut inserts = Vec::with_capacity(batch.len());
            for (&i, v) in batch.iter().zip(got) {
                let json = serde_json::to_string(&v).map_err(|e| e.to_string())?;
                inserts.push(
                    db.prepare(
                        "INSERT OR REPLACE INTO doc_embeddings (model, slug, hash, vector) VALUES (?1, ?2, ?3, ?4)",
                    )
                    .bind(&[
                        JsValue::from_str(&self.model),
                        JsValue::from_str(&texts[i].slug),
                        JsValue::from_str(&texts[i].hash),
                        JsValue::from_str(&json),
                    ])
                    .map_err(|e| e.to_string())?,
                );
                vectors[i] = Some(v);
            }
            db.batch(inserts).await.map_err(|e| e.to_string())?;
        }
        let vectors: Rc<Vec<Vec<f32>>> = Rc::new(vectors.into_iter().flatten().collect());
        DOCS.with(|d| {
            let mut d = d.borrow_mut();
            // Older versions' vectors are never asked for again.
            d.retain(|(model, v), _| *model != key.0 || *v > version);
            d.insert(key, vectors.clone());
        });
        Ok(vectors)
    }

    async fn embed(&self, env: &Env, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        match &self.target {
            Target::OpenAi { url, key } => {
                let body = serde_json::to_string(&OpenAiEmbeddingRequest {
                    model: &self.model,
                    input: texts.to_vec(),
                })
                .map_err(|e| e.to_string())?;
                let mut response = post_json(
                    url,
                    body,
                    &[("accept", "application/json".into()), bearer(key)],
                    None,
                )
                .await?;
                let text = response.text().await.map_err(|e| e.to_string())?;
                ai::parse_openai_embeddings(&text, texts.len()).map_err(|e| e.to_string())
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
