//! `passage_vectors`: an embedding model's vector of a passage, by model and
//! the passage text's hash, int8-packed as text (migration 0015). Once a
//! content version's are all there, the worker also stores them as one
//! matrix in R2.

use serde::Deserialize;

use super::{Sql, Stmt, Value};
use crate::AppError;

/// Hashes per read: bound parameters per statement stay under D1's 100.
const READ_CHUNK: usize = 90;

/// One stored vector, packed.
#[derive(Debug, Deserialize, PartialEq)]
pub(crate) struct Row {
    pub hash: String,
    pub vector: String,
}

/// The stored vectors of `model` for these passage hashes (each distinct
/// hash once), read in chunks.
pub(crate) async fn get(db: &impl Sql, model: &str, hashes: &[&str]) -> Result<Vec<Row>, AppError> {
    let mut hashes = hashes.to_vec();
    hashes.sort_unstable();
    hashes.dedup();
    let mut out = Vec::with_capacity(hashes.len());
    for chunk in hashes.chunks(READ_CHUNK) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("?{}", i + 2)).collect();
        let mut params = vec![Value::from(model)];
        params.extend(chunk.iter().map(|h| Value::from(*h)));
        let sql = format!(
            "SELECT hash, vector FROM passage_vectors WHERE model = ?1 AND hash IN ({})",
            marks.join(",")
        );
        out.extend(db.all::<Row>(Stmt::new(sql, params)).await?);
    }
    Ok(out)
}

/// Stores vectors (`(hash, packed)`) of `model` in one batch, replacing
/// any of the same hash.
pub(crate) async fn put(
    db: &impl Sql,
    model: &str,
    rows: &[(String, String)],
) -> Result<(), AppError> {
    if rows.is_empty() {
        return Ok(());
    }
    let statements = rows
        .iter()
        .map(|(hash, vector)| {
            super::stmt!(
                "INSERT OR REPLACE INTO passage_vectors (model, hash, vector) VALUES (?1, ?2, ?3)",
                model,
                hash,
                vector
            )
        })
        .collect();
    db.batch(statements).await?;
    Ok(())
}
