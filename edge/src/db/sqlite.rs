//! [`Sql`] on an in-memory SQLite database with every migration applied in
//! order (`migrations/*.sql`, as `wrangler d1 migrations apply` does): the
//! same SQL D1 runs, checked natively by `cargo test`.

use std::cell::RefCell;

use rusqlite::types::ValueRef;
use rusqlite::Connection;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value as Json};

use super::{Outcome, Sql, Stmt, Value};
use crate::AppError;

/// An in-memory database at the schema of the newest migration.
pub(crate) struct Sqlite(RefCell<Connection>);

/// Rows as JSON objects, as D1 returns them (BLOBs as arrays of bytes).
pub(crate) struct Rows {
    rows: Vec<Json>,
    changes: u64,
}

impl Sqlite {
    pub(crate) fn migrated() -> Sqlite {
        // At run time: the build directory is shared by every clone.
        let dir = format!(
            "{}/../migrations",
            std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo")
        );
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("migrations/")
            .map(|e| e.expect("migration").path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        files.sort();
        let conn = Connection::open_in_memory().expect("sqlite");
        for file in files {
            let sql = std::fs::read_to_string(&file).expect("migration text");
            conn.execute_batch(&sql)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        }
        Sqlite(RefCell::new(conn))
    }

    /// Runs `f` on the connection (for test set-up and checks).
    pub(crate) fn with<R>(&self, f: impl FnOnce(&Connection) -> R) -> R {
        f(&self.0.borrow())
    }
}

fn param(v: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        Value::Null => V::Null,
        Value::Int(n) => V::Integer(*n),
        Value::Text(s) => V::Text(s.clone()),
        Value::Blob(b) => V::Blob(b.clone()),
    }
}

fn json(v: ValueRef<'_>) -> Json {
    match v {
        ValueRef::Null => Json::Null,
        ValueRef::Integer(n) => Json::from(n),
        ValueRef::Real(x) => Number::from_f64(x).map_or(Json::Null, Json::Number),
        ValueRef::Text(t) => Json::from(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Json::from(b.to_vec()),
    }
}

fn exec(conn: &Connection, statement: &Stmt) -> Result<Rows, AppError> {
    let err = |e: rusqlite::Error| AppError::Internal(format!("sqlite: {e}: {}", statement.sql));
    let mut prepared = conn.prepare(&statement.sql).map_err(err)?;
    let names: Vec<String> = prepared
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let params: Vec<_> = statement.params.iter().map(param).collect();
    let before = conn.total_changes();
    let mut rows = Vec::new();
    let mut cursor = prepared
        .query(rusqlite::params_from_iter(params))
        .map_err(err)?;
    while let Some(row) = cursor.next().map_err(err)? {
        let mut object = Map::new();
        for (i, name) in names.iter().enumerate() {
            object.insert(name.clone(), json(row.get_ref(i).map_err(err)?));
        }
        rows.push(Json::Object(object));
    }
    drop(cursor);
    Ok(Rows {
        rows,
        changes: conn.total_changes() - before,
    })
}

impl Outcome for Rows {
    fn rows<T: DeserializeOwned>(&self) -> Result<Vec<T>, AppError> {
        self.rows.iter().map(|r| Ok(T::deserialize(r)?)).collect()
    }

    fn changes(&self) -> u64 {
        self.changes
    }
}

impl Sql for Sqlite {
    type Out = Rows;

    async fn run(&self, statement: Stmt) -> Result<Rows, AppError> {
        exec(&self.0.borrow(), &statement)
    }

    async fn batch(&self, statements: Vec<Stmt>) -> Result<Vec<Rows>, AppError> {
        let mut conn = self.0.borrow_mut();
        let tx = conn
            .transaction()
            .map_err(|e| AppError::Internal(format!("sqlite: {e}")))?;
        let results = statements
            .iter()
            .map(|s| exec(&tx, s))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit()
            .map_err(|e| AppError::Internal(format!("sqlite: {e}")))?;
        Ok(results)
    }
}

/// Runs a future to completion (the store's futures never wait on IO here).
pub(crate) fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}
