//! The database schema, as numbered steps. SQLite's `user_version` says how many have run;
//! opening a database runs the rest, each in its own transaction, so a database of any
//! earlier version (or a new, empty file) ends at [`MIGRATIONS`]' length. A database from a
//! newer kb is refused rather than misread.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// Each step's SQL, in order. Never edit a step that has shipped: add one.
pub const MIGRATIONS: &[&str] = &[
    // 1: feedback and the search log.
    "CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        path TEXT NOT NULL,
        article_id TEXT NOT NULL,
        title TEXT NOT NULL,
        ownership_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('helpful', 'outdated', 'wrong', 'missing')),
        comment TEXT NOT NULL
    );
    CREATE INDEX feedback_ts ON feedback (ts);
    CREATE TABLE searches (
        id INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        q TEXT NOT NULL,
        q_norm TEXT NOT NULL,
        filters TEXT NOT NULL,
        total INTEGER NOT NULL,
        relaxed INTEGER NOT NULL,
        opened TEXT
    );
    CREATE INDEX searches_ts ON searches (ts);
    CREATE INDEX searches_intent ON searches (q, filters, ts);",
];

/// Brings the database in `file` to the last version.
pub fn migrate(conn: &mut Connection, file: &Path) -> Result<(), StoreError> {
    let sqlite = |source| StoreError::Sqlite {
        file: file.to_owned(),
        source,
    };
    let known = MIGRATIONS.len() as i64;
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(sqlite)?;
    if found > known {
        return Err(StoreError::Newer {
            file: file.to_owned(),
            found,
            known,
        });
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction().map_err(sqlite)?;
        tx.execute_batch(step).map_err(sqlite)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(sqlite)?;
        tx.commit().map_err(sqlite)?;
        tracing::info!("{}: schema version {}", file.display(), i + 1);
    }
    Ok(())
}
