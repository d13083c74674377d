//! The eval's embedding client: an OpenAI-compatible `/embeddings` API, as
//! the worker calls it, with the vectors of every text it has seen kept in
//! a cache file per model, so re-running the eval embeds only new text.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use frontdesk_shared::llm::{self, OpenAiEmbeddingRequest};
use serde::{Deserialize, Serialize};

/// Texts per request when embedding articles.
const BATCH: usize = 16;

pub(crate) struct Embedder {
    url: String,
    model: String,
    key: Option<String>,
    input_type: bool,
    cache: HashMap<String, Vec<f32>>,
    cache_file: File,
    agent: ureq::Agent,
    /// Texts sent to the API this run (not from the cache).
    pub embedded: usize,
}

#[derive(Serialize, Deserialize)]
struct CacheRow {
    key: String,
    vector: Vec<f32>,
}

#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Query,
    Passage,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Query => "query",
            Kind::Passage => "passage",
        }
    }
}

impl Embedder {
    /// `base` is the API's base URL (`<base>/embeddings` is called);
    /// `cache_dir` holds one file per model and input-type setting.
    pub(crate) fn new(
        base: &str,
        model: String,
        key: Option<String>,
        input_type: bool,
        cache_dir: &Path,
    ) -> Result<Embedder, String> {
        std::fs::create_dir_all(cache_dir).map_err(|e| format!("{}: {e}", cache_dir.display()))?;
        let name: String = model
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let path: PathBuf = cache_dir.join(format!(
            "{name}{}.jsonl",
            if input_type { "-typed" } else { "" }
        ));
        let mut cache = HashMap::new();
        if let Ok(f) = File::open(&path) {
            for line in BufReader::new(f).lines().map_while(Result::ok) {
                // A line cut short by an interrupted run is skipped.
                if let Ok(row) = serde_json::from_str::<CacheRow>(&line) {
                    cache.insert(row.key, row.vector);
                }
            }
        }
        let cache_file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(600)))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Embedder {
            url: llm::embeddings_url(base),
            model,
            key,
            input_type,
            cache,
            cache_file,
            agent,
            embedded: 0,
        })
    }

    fn cache_key(kind: Kind, text: &str) -> String {
        format!("{}:{text}", kind.name())
    }

    /// One vector per text, in order.
    pub(crate) fn embed(&mut self, kind: Kind, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        let missing: Vec<&str> = texts
            .iter()
            .copied()
            .filter(|t| !self.cache.contains_key(&Self::cache_key(kind, t)))
            .collect();
        for batch in missing.chunks(BATCH) {
            let vectors = self.call(kind, batch)?;
            for (t, v) in batch.iter().zip(vectors) {
                let key = Self::cache_key(kind, t);
                let row = serde_json::to_string(&CacheRow {
                    key: key.clone(),
                    vector: v.clone(),
                })
                .map_err(|e| e.to_string())?;
                writeln!(self.cache_file, "{row}").map_err(|e| e.to_string())?;
                self.cache.insert(key, v);
            }
            self.embedded += batch.len();
        }
        Ok(texts
            .iter()
            .map(|t| self.cache[&Self::cache_key(kind, t)].clone())
            .collect())
    }

    fn call(&self, kind: Kind, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        let body = serde_json::to_string(&OpenAiEmbeddingRequest {
            model: &self.model,
            input: texts.to_vec(),
            input_type: self.input_type.then_some(kind.name()),
        })
        .map_err(|e| e.to_string())?;
        let mut req = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json");
        if let Some(key) = &self.key {
            req = req.header("authorization", &format!("Bearer {key}"));
        }
        let mut response = req
            .send(body.as_bytes())
            .map_err(|e| format!("{}: {e}", self.url))?;
        let status = response.status();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("{}: {e}", self.url))?;
        if !status.is_success() {
            return Err(format!(
                "{}: HTTP {status}: {}",
                self.url,
                text.chars().take(200).collect::<String>()
            ));
        }
        llm::parse_openai_embeddings(&text, texts.len()).map_err(|e| e.to_string())
    }
}
