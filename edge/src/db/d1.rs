//! [`Sql`] on a D1 binding.

use std::sync::atomic::{AtomicU64, Ordering};

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result, Env};

use super::{Outcome, Sql, Stmt, Value};
use crate::AppError;

/// Statements this isolate has sent to D1 since it started (`/healthz`
/// shows it: the load test's check that idle live connections cost none).
static STATEMENTS: AtomicU64 = AtomicU64::new(0);

/// [`STATEMENTS`] now.
pub(crate) fn statements() -> u64 {
    STATEMENTS.load(Ordering::Relaxed)
}

/// The worker's D1 database (binding `DB`).
pub(crate) struct D1(D1Database);

impl D1 {
    /// The binding's name in `wrangler.toml`.
    pub(crate) const BINDING: &'static str = "DB";

    pub(crate) fn of(env: &worker::Env) -> Result<D1, AppError> {
        Ok(D1(Env::d1(env, Self::BINDING)?))
    }

    fn prepare(&self, statement: Stmt) -> Result<D1PreparedStatement, AppError> {
        let params: Vec<JsValue> = statement.params.into_iter().map(js).collect();
        Ok(self.0.prepare(statement.sql).bind(&params)?)
    }
}

fn js(value: Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Int(n) => JsValue::from_f64(n as f64),
        Value::Text(s) => JsValue::from_str(&s),
        Value::Blob(b) => js_sys::Uint8Array::from(b.as_slice()).into(),
    }
}

impl Outcome for D1Result {
    fn rows<T: serde::de::DeserializeOwned>(&self) -> Result<Vec<T>, AppError> {
        Ok(self.results::<T>()?)
    }

    fn changes(&self) -> u64 {
        self.meta()
            .ok()
            .flatten()
            .and_then(|m| m.changes)
            .map_or(0, |n| n as u64)
    }
}

impl Sql for D1 {
    type Out = D1Result;

    async fn run(&self, statement: Stmt) -> Result<D1Result, AppError> {
        STATEMENTS.fetch_add(1, Ordering::Relaxed);
        Ok(self.prepare(statement)?.all().await?)
    }

    async fn batch(&self, statements: Vec<Stmt>) -> Result<Vec<D1Result>, AppError> {
        let prepared = statements
            .into_iter()
            .map(|s| self.prepare(s))
            .collect::<Result<Vec<_>, _>>()?;
        STATEMENTS.fetch_add(prepared.len() as u64, Ordering::Relaxed);
        Ok(self.0.batch(prepared).await?)
    }
}
