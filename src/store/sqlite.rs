//! The embedded engine: one SQLite file in the data folder, in WAL mode, with every write
//! committed to disk before it is acknowledged (`synchronous=FULL`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};

use super::StoreError;
use super::migrations::MIGRATIONS;
use super::sql::{Backend, BackendError, Row, Value};

/// The database file in a data folder.
pub const DB_FILE: &str = "kb.sqlite3";

/// SQLite in a data folder.
#[derive(Debug)]
pub struct Sqlite {
    file: PathBuf,
    conn: Mutex<Connection>,
}

impl Sqlite {
    /// Opens the database of `data` (creating the folder and the file), migrated.
    pub fn open(data: &Path) -> Result<Sqlite, StoreError> {
        std::fs::create_dir_all(data).map_err(|source| StoreError::Folder {
            dir: data.to_owned(),
            source,
        })?;
        let file = data.join(DB_FILE);
        let sqlite = |source: rusqlite::Error| StoreError::Engine {
            at: file.display().to_string(),
            message: source.to_string(),
        };
        let mut conn = Connection::open(&file).map_err(sqlite)?;
        // Another process (a second `kb serve`, `kb feedback`) may hold the write lock for a
        // moment; wait for it instead of failing.
        conn.busy_timeout(Duration::from_secs(5)).map_err(sqlite)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sqlite)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sqlite)?;
        migrate(&mut conn, &file).map_err(|e| match e {
            Migrate::Sqlite(source) => sqlite(source),
            Migrate::Newer(found) => StoreError::Newer {
                at: file.display().to_string(),
                found,
                known: MIGRATIONS.len() as i64,
            },
        })?;
        Ok(Sqlite {
            file,
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, BackendError> {
        // A panic while holding the lock leaves SQLite consistent (it rolls back an open
        // transaction), so poisoning is ignored.
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        f(&conn).map_err(|e| BackendError {
            message: format!("{}: {e}", self.file.display()),
        })
    }
}

enum Migrate {
    Sqlite(rusqlite::Error),
    Newer(i64),
}

impl From<rusqlite::Error> for Migrate {
    fn from(e: rusqlite::Error) -> Migrate {
        Migrate::Sqlite(e)
    }
}

fn migrate(conn: &mut Connection, file: &Path) -> Result<(), Migrate> {
    let known = MIGRATIONS.len() as i64;
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > known {
        return Err(Migrate::Newer(found));
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step.sqlite)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
        tracing::info!("{}: schema version {}", file.display(), i + 1);
    }
    Ok(())
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Int(v) => ToSqlOutput::from(*v),
            Value::Text(s) => ToSqlOutput::from(s.as_str()),
            Value::Null => ToSqlOutput::from(rusqlite::types::Null),
        })
    }
}

fn value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Int(f as i64),
        ValueRef::Text(t) | ValueRef::Blob(t) => Value::Text(String::from_utf8_lossy(t).into()),
    }
}

impl Backend for Sqlite {
    fn describe(&self) -> String {
        self.file.display().to_string()
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, BackendError> {
        self.with(|c| {
            let mut st = c.prepare_cached(sql)?;
            let columns = st.column_count();
            let mut rows = st.query(rusqlite::params_from_iter(params))?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let mut row = Vec::with_capacity(columns);
                for i in 0..columns {
                    row.push(value(r.get_ref(i)?));
                }
                out.push(Row(row));
            }
            Ok(out)
        })
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, BackendError> {
        self.with(|c| {
            let n = c
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(params))?;
            Ok(n as u64)
        })
    }
}
