//! Large derived bytes in R2 (binding `BLOBS`; local in `wrangler dev`):
//! the retrieval index's segments (`live.rs`) and the passage vector
//! matrices (`embed.rs`). D1 names which objects are live; an object is
//! written before D1 names it and deleted only once nothing live names it.
//!
//! Why R2 and not D1: an isolate reads a whole help centre's index when a
//! new content version goes live (58 MB at 10,000 articles). R2 hands it
//! over as bytes; D1 holds text (base64, a third more, decoded in wasm) or
//! returns a BLOB as an array of numbers. In `wrangler dev`, reading 58 MB
//! took 60–95 ms from R2, 250 ms as base64 text from D1 before decoding it
//! and 3.2–3.6 s as D1 BLOBs (BENCHMARKS.md).
//!
//! [`Blobs`] is what the use cases see of it (`Ports::blobs`): [`R2`] in
//! the worker, a map in memory in the native tests (`ports/world.rs`).

use worker::{Bucket, Env, Range};

use crate::AppError;

/// A store of named bytes: what the content update (`publish.rs`), the
/// index's loading and the scheduled sweep (`live.rs`) need of R2.
pub(crate) trait Blobs {
    /// The bytes stored under `key`, or `None` if there are none.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, AppError>;
    /// Stores `bytes` under `key` (replacing any object of that key).
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), AppError>;
    /// Every object whose key starts with `prefix`, in key order.
    async fn list(&self, prefix: &str) -> Result<Vec<Stored>, AppError>;
    /// Deletes `keys` (missing ones are no error).
    async fn delete(&self, keys: Vec<String>) -> Result<(), AppError>;
}

/// [`Blobs`] on the worker's bucket, looked up at each call (a deployment
/// without it fails only where an object is needed, with [`bucket`]'s
/// error).
pub(crate) struct R2<'a>(pub(crate) &'a Env);

impl Blobs for R2<'_> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, AppError> {
        get(&bucket(self.0)?, key).await
    }

    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), AppError> {
        put(&bucket(self.0)?, key, bytes).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<Stored>, AppError> {
        list(&bucket(self.0)?, prefix).await
    }

    async fn delete(&self, keys: Vec<String>) -> Result<(), AppError> {
        delete(&bucket(self.0)?, keys).await
    }
}

/// The R2 binding (wrangler.toml).
const BINDING: &str = "BLOBS";
/// Keys per R2 `delete` call (its limit).
const DELETE_KEYS: usize = 1_000;
/// Most objects one [`list`] returns: far above what is ever stored under
/// one prefix (a segment per 2,000 articles, one matrix per model).
const LIST_MAX: usize = 10_000;

/// The bucket, or a clear error naming the missing binding.
pub(crate) fn bucket(env: &Env) -> Result<Bucket, AppError> {
    env.bucket(BINDING).map_err(|e| {
        AppError::Internal(format!(
            "no R2 bucket bound as {BINDING} ({e}): see README, Deploy (`wrangler r2 bucket create frontdesk`)"
        ))
    })
}

/// Stores `bytes` under `key` (replacing any object of that key).
pub(crate) async fn put(bucket: &Bucket, key: &str, bytes: Vec<u8>) -> Result<(), AppError> {
    bucket.put(key, bytes).execute().await?;
    Ok(())
}

/// The bytes stored under `key`, or `None` if there are none.
pub(crate) async fn get(bucket: &Bucket, key: &str) -> Result<Option<Vec<u8>>, AppError> {
    let Some(object) = bucket.get(key).execute().await? else {
        return Ok(None);
    };
    match object.body() {
        Some(body) => Ok(Some(body.bytes().await?)),
        None => Ok(None),
    }
}

/// `len` bytes from `start` of the object stored under `key`, or `None`
/// if there is no such object.
pub(crate) async fn get_range(
    bucket: &Bucket,
    key: &str,
    start: u64,
    len: u64,
) -> Result<Option<Vec<u8>>, AppError> {
    if len == 0 {
        return Ok(Some(vec![]));
    }
    let range = Range::OffsetWithLength {
        offset: start,
        length: len,
    };
    let Some(object) = bucket.get(key).range(range).execute().await? else {
        return Ok(None);
    };
    match object.body() {
        Some(body) => Ok(Some(body.bytes().await?)),
        None => Ok(None),
    }
}

/// One stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stored {
    pub key: String,
    pub bytes: u64,
    /// When it was written, in ms since the epoch.
    pub uploaded: i64,
}

/// Every object whose key starts with `prefix`, in key order.
pub(crate) async fn list(bucket: &Bucket, prefix: &str) -> Result<Vec<Stored>, AppError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = bucket.list().prefix(prefix);
        if let Some(c) = cursor.take() {
            query = query.cursor(c);
        }
        let page = query.execute().await?;
        out.extend(page.objects().into_iter().map(|o| Stored {
            key: o.key(),
            bytes: o.size(),
            uploaded: o.uploaded().as_millis() as i64,
        }));
        match page.cursor() {
            Some(c) if page.truncated() && out.len() < LIST_MAX => cursor = Some(c),
            _ => return Ok(out),
        }
    }
}

/// Deletes `keys` (missing ones are no error).
pub(crate) async fn delete(bucket: &Bucket, keys: Vec<String>) -> Result<(), AppError> {
    for chunk in keys.chunks(DELETE_KEYS) {
        bucket.delete_multiple(chunk.to_vec()).await?;
    }
    Ok(())
}
