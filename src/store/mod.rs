//! What the application itself stores: agents' feedback on articles and the search log,
//! in an embedded SQLite database (WAL mode) in the data folder (`--data`, default `data/`,
//! beside the index and never inside it, so `kb index --full` leaves it alone).
//!
//! The database is created on first use and migrated by version (`migrations.rs`). It holds
//! nothing that identifies an agent: no names, addresses, cookies or session IDs, only what
//! was asked and about which article. Losing the file loses the history, never the ability
//! to start: the web layer serves search and articles without it and says why feedback is
//! off.
//!
//! Writes are acknowledged only after SQLite has committed them (`synchronous=FULL`), so a
//! server killed mid-load keeps every write it answered.

mod insights;
mod migrations;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

pub use insights::{DayCount, FlaggedArticle, Insights, OpenedArticle, OwnerFlags, QueryCount};

/// The database file in a data folder.
pub const DB_FILE: &str = "kb.sqlite3";
/// Longest feedback comment kept, in characters; longer ones are refused.
pub const MAX_COMMENT_CHARS: usize = 2000;
/// Longest query logged, in characters (the search core reads 32 words at most).
const MAX_LOGGED_QUERY_CHARS: usize = 500;
/// Search log rows older than this many days are deleted, unless told otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;
/// The same search (query and filters) logged again within this window is one intent: a
/// reload, the back button, another sort order.
pub const SAME_INTENT: Duration = Duration::from_secs(30);

/// A store failed: the database cannot be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data folder {dir}: {source}")]
    Folder {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("the database {file}: {source}")]
    Sqlite {
        file: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "the database {file} was written by a newer kb (schema version {found}, this kb knows {known})"
    )]
    Newer {
        file: PathBuf,
        found: i64,
        known: i64,
    },
}

/// What an agent says about an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedbackKind {
    Helpful,
    Outdated,
    Wrong,
    Missing,
}

impl FeedbackKind {
    /// Every kind, in the order the buttons show them.
    pub const ALL: [FeedbackKind; 4] = [
        FeedbackKind::Helpful,
        FeedbackKind::Outdated,
        FeedbackKind::Wrong,
        FeedbackKind::Missing,
    ];

    /// Its name in forms, the database and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackKind::Helpful => "helpful",
            FeedbackKind::Outdated => "outdated",
            FeedbackKind::Wrong => "wrong",
            FeedbackKind::Missing => "missing",
        }
    }

    /// How a button names it.
    pub fn label(self) -> &'static str {
        match self {
            FeedbackKind::Helpful => "Helpful",
            FeedbackKind::Outdated => "Outdated",
            FeedbackKind::Wrong => "Wrong",
            FeedbackKind::Missing => "Missing something",
        }
    }

    /// The kind a form names.
    pub fn of_name(name: &str) -> Option<FeedbackKind> {
        FeedbackKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether it says the article needs its owners' attention.
    pub fn is_flag(self) -> bool {
        self != FeedbackKind::Helpful
    }
}

/// Feedback to store: the article it is about, as the index knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedback {
    pub path: String,
    pub article_id: String,
    pub title: String,
    /// The team that owns the article (its `ownershipId`); empty when it names none.
    pub ownership_id: String,
    pub kind: FeedbackKind,
    /// Plain text, at most [`MAX_COMMENT_CHARS`]; empty for none.
    pub comment: String,
}

/// One stored piece of feedback, as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub id: i64,
    /// UTC, RFC 3339 (`2026-12-02T10:00:00Z`).
    pub time: String,
    pub ownership_id: String,
    pub path: String,
    pub article_id: String,
    pub title: String,
    pub kind: FeedbackKind,
    pub comment: String,
}

/// A search to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchEntry {
    pub q: String,
    /// The filters, as `name=value` pairs joined by `&` (`service=microsoft.compute`).
    pub filters: String,
    pub total: u64,
    /// No article had every word; the results match any word.
    pub relaxed: bool,
}

/// The feedback and search log of one data folder. Cheap to share behind an `Arc`; every
/// call blocks on SQLite, so async callers run it on a worker thread.
#[derive(Debug)]
pub struct Store {
    file: PathBuf,
    conn: Mutex<Connection>,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The first `max` characters of `s`, cut at a character boundary.
fn clip(s: &str, max: usize) -> &str {
    s.char_indices().nth(max).map_or(s, |(i, _)| &s[..i])
}

impl Store {
    /// Opens the store of `data` (creating the folder and the database), migrated to this
    /// version's schema.
    pub fn open(data: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data).map_err(|source| StoreError::Folder {
            dir: data.to_owned(),
            source,
        })?;
        let file = data.join(DB_FILE);
        let sqlite = |source| StoreError::Sqlite {
            file: file.clone(),
            source,
        };
        let mut conn = Connection::open(&file).map_err(sqlite)?;
        // Another process (a second `kb serve`, `kb feedback`) may hold the write lock for a
        // moment; wait for it instead of failing.
        conn.busy_timeout(Duration::from_secs(5)).map_err(sqlite)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sqlite)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sqlite)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sqlite)?;
        migrations::migrate(&mut conn, &file)?;
        Ok(Store {
            file,
            conn: Mutex::new(conn),
        })
    }

    /// The database file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        // A panic while holding the lock leaves SQLite consistent (it rolls back an open
        // transaction), so poisoning is ignored.
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut conn).map_err(|source| StoreError::Sqlite {
            file: self.file.clone(),
            source,
        })
    }

    /// Stores one piece of feedback; returns its id once it is committed.
    pub fn add_feedback(&self, f: &NewFeedback) -> Result<i64, StoreError> {
        let comment = clip(f.comment.trim(), MAX_COMMENT_CHARS);
        self.with(|c| {
            c.execute(
                "INSERT INTO feedback (ts, path, article_id, title, ownership_id, kind, comment)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    now_secs(),
                    f.path,
                    f.article_id,
                    f.title,
                    f.ownership_id,
                    f.kind.as_str(),
                    comment
                ],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// Every piece of feedback, grouped by owning team (teams in name order, no team last),
    /// then by article, oldest first.
    pub fn feedback(&self) -> Result<Vec<Feedback>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare(
                "SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', ts, 'unixepoch'), ownership_id,
                        path, article_id, title, kind, comment
                 FROM feedback
                 ORDER BY ownership_id = '', ownership_id, path, ts, id",
            )?;
            let rows = st.query_map([], |r| {
                let kind: String = r.get(6)?;
                Ok(Feedback {
                    id: r.get(0)?,
                    time: r.get(1)?,
                    ownership_id: r.get(2)?,
                    path: r.get(3)?,
                    article_id: r.get(4)?,
                    title: r.get(5)?,
                    // The column only ever holds names this type wrote.
                    kind: FeedbackKind::of_name(&kind).unwrap_or(FeedbackKind::Missing),
                    comment: r.get(7)?,
                })
            })?;
            rows.collect()
        })
    }

    /// Logs a search, unless the same query and filters were logged within
    /// [`SAME_INTENT`]; returns the id of the search it counts as (to tie an opened article
    /// to it).
    pub fn log_search(&self, s: &SearchEntry) -> Result<i64, StoreError> {
        let q = clip(s.q.trim(), MAX_LOGGED_QUERY_CHARS);
        let now = now_secs();
        self.with(|c| {
            let tx = c.transaction()?;
            let recent: Option<i64> = tx
                .query_row(
                    "SELECT id FROM searches WHERE q = ?1 AND filters = ?2 AND ts >= ?3
                     ORDER BY id DESC LIMIT 1",
                    params![q, s.filters, now - SAME_INTENT.as_secs() as i64],
                    |r| r.get(0),
                )
                .optional()?;
            let id = match recent {
                Some(id) => id,
                None => {
                    tx.execute(
                        "INSERT INTO searches (ts, q, q_norm, filters, total, relaxed)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![
                            now,
                            q,
                            normalize_query(q),
                            s.filters,
                            s.total as i64,
                            s.relaxed
                        ],
                    )?;
                    tx.last_insert_rowid()
                }
            };
            tx.commit()?;
            Ok(id)
        })
    }

    /// Records that the article at `path` was opened from the results of search `id`. The
    /// first article opened is the one a search led to; later ones are not recorded.
    pub fn log_open(&self, id: i64, path: &str) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "UPDATE searches SET opened = ?2 WHERE id = ?1 AND opened IS NULL",
                params![id, path],
            )?;
            Ok(())
        })
    }

    /// Deletes search log rows and feedback older than `before` (Unix seconds); returns
    /// how many rows of each went.
    pub fn purge_before(&self, before: i64) -> Result<(usize, usize), StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let searches = tx.execute("DELETE FROM searches WHERE ts < ?1", [before])?;
            let feedback = tx.execute("DELETE FROM feedback WHERE ts < ?1", [before])?;
            tx.commit()?;
            Ok((searches, feedback))
        })
    }

    /// Deletes search log rows older than `days` days; returns how many went.
    pub fn enforce_retention(&self, days: u32) -> Result<usize, StoreError> {
        let before = now_secs() - i64::from(days) * 86_400;
        self.with(|c| c.execute("DELETE FROM searches WHERE ts < ?1", [before]))
    }

    /// What the content team reads on `/insights`, over the last `days` days.
    pub fn insights(&self, days: u32, limit: usize) -> Result<Insights, StoreError> {
        let since = now_secs() - i64::from(days) * 86_400;
        self.with(|c| insights::read(c, since, days, limit))
    }
}

/// How queries are grouped in insights: lower-cased, white space collapsed.
pub fn normalize_query(q: &str) -> String {
    q.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests;
