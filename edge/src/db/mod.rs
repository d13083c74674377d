//! Every SQL statement the worker runs, by table, written once against the
//! [`Sql`] trait: D1 in the worker ([`D1`]), real SQLite with the same
//! migrations in native tests (`sqlite.rs`), so `cargo test` checks the
//! statements the worker sends.
//!
//! Invariants: no SQL outside this module; a write that acknowledges
//! something to a visitor is one [`Sql::batch`] (a transaction), so it is
//! stored whole or not at all; parameters are always bound, never
//! formatted into the statement.

use std::borrow::Cow;

use serde::de::DeserializeOwned;

use crate::AppError;

pub(crate) mod actions;
pub(crate) mod attachments;
pub(crate) mod content;
pub(crate) mod conversations;
pub(crate) mod d1;
pub(crate) mod deliveries;
pub(crate) mod emails;
pub(crate) mod feedback;
pub(crate) mod insights;
pub(crate) mod messages;
#[cfg(test)]
pub(crate) mod sqlite;
#[cfg(test)]
mod tests;
pub(crate) mod tickets;
pub(crate) mod vectors;

pub(crate) use d1::D1;

/// A bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Text(s.clone())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Int(i64::from(n))
    }
}

impl From<usize> for Value {
    fn from(n: usize) -> Self {
        Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// SQLite has no booleans: 1 or 0.
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Int(i64::from(b))
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Value::Blob(b)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One statement and its parameters (`?1`, `?2`, … in order).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stmt {
    pub(crate) sql: Cow<'static, str>,
    pub(crate) params: Vec<Value>,
}

impl Stmt {
    pub(crate) fn new(sql: impl Into<Cow<'static, str>>, params: Vec<Value>) -> Stmt {
        Stmt {
            sql: sql.into(),
            params,
        }
    }
}

/// `Stmt::new(sql, vec![a.into(), b.into(), …])`.
macro_rules! stmt {
    ($sql:expr $(, $p:expr)* $(,)?) => {
        $crate::db::Stmt::new($sql, vec![$($crate::db::Value::from($p)),*])
    };
}
pub(crate) use stmt;

/// What one statement returned: its rows and how many rows it changed.
pub(crate) trait Outcome {
    fn rows<T: DeserializeOwned>(&self) -> Result<Vec<T>, AppError>;
    fn changes(&self) -> u64;

    fn first<T: DeserializeOwned>(&self) -> Result<Option<T>, AppError> {
        Ok(self.rows::<T>()?.into_iter().next())
    }
}

/// A SQLite database: D1 in the worker, rusqlite in tests.
pub(crate) trait Sql {
    type Out: Outcome;

    /// Runs one statement.
    async fn run(&self, statement: Stmt) -> Result<Self::Out, AppError>;

    /// Runs statements in order as one transaction: all or nothing.
    async fn batch(&self, statements: Vec<Stmt>) -> Result<Vec<Self::Out>, AppError>;

    async fn all<T: DeserializeOwned>(&self, statement: Stmt) -> Result<Vec<T>, AppError> {
        self.run(statement).await?.rows()
    }

    async fn first<T: DeserializeOwned>(&self, statement: Stmt) -> Result<Option<T>, AppError> {
        self.run(statement).await?.first()
    }

    /// Whether a write changed any row.
    async fn changed(&self, statement: Stmt) -> Result<bool, AppError> {
        Ok(self.run(statement).await?.changes() > 0)
    }
}

/// A batch's results as `N` outcomes, or an internal error.
pub(crate) fn outcomes<O, const N: usize>(results: Vec<O>) -> Result<[O; N], AppError> {
    results
        .try_into()
        .map_err(|_| AppError::Internal("batch returned the wrong count".into()))
}
