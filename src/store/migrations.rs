//! The database schema, as numbered steps, each in the SQL of both engines. A database
//! records how many steps have run (SQLite in its `user_version`, PostgreSQL in the table
//! `kb_schema`); opening it runs the rest, each in its own transaction, so a database of any
//! earlier version (or a new, empty one) ends at [`MIGRATIONS`]' length. A database from a
//! newer kb is refused rather than misread.

/// One step of the schema, as each engine writes it.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// Each step, in order. Never edit a step that has shipped: add one. Times are unix seconds;
/// flags are 0 or 1, so that one statement reads both engines.
pub const MIGRATIONS: &[Migration] = &[
    // 1: feedback and the search log.
    Migration {
        sqlite: "CREATE TABLE feedback (
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
        postgres: "CREATE TABLE feedback (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            ts BIGINT NOT NULL,
            path TEXT NOT NULL,
            article_id TEXT NOT NULL,
            title TEXT NOT NULL,
            ownership_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('helpful', 'outdated', 'wrong', 'missing')),
            comment TEXT NOT NULL
        );
        CREATE INDEX feedback_ts ON feedback (ts);
        CREATE TABLE searches (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            ts BIGINT NOT NULL,
            q TEXT NOT NULL,
            q_norm TEXT NOT NULL,
            filters TEXT NOT NULL,
            total BIGINT NOT NULL,
            relaxed BIGINT NOT NULL,
            opened TEXT
        );
        CREATE INDEX searches_ts ON searches (ts);
        CREATE INDEX searches_intent ON searches (q, filters, ts);",
    },
];
