//! What the application itself stores: agents' feedback on articles and the search log.
//! By default in an embedded SQLite database in the data folder (`--data`, default `data/`,
//! beside the index and never inside it, so `kb index --full` leaves it alone); with
//! `--database postgres://…`, in PostgreSQL, so that several servers share one store.
//!
//! [`Store`] is the one write path: it clips what it is given, replaces the personal data
//! in queries, filters and comments with placeholders ([`redact()`]), and hands the engine
//! statements written once for both ([`sql::Backend`]). Nothing stored identifies an
//! agent: no names, addresses, cookies or session IDs, only what was asked and about which
//! article. Losing the data loses the history, never the ability to start: the web layer
//! serves search and articles without it and says why feedback is off.
//!
//! Writes are acknowledged only once the engine has committed them (SQLite with
//! `synchronous=FULL`, PostgreSQL's commit), so a server killed mid-load keeps every write
//! it answered.

mod insights;
mod migrations;
pub mod postgres;
pub mod redact;
pub mod sql;
pub mod sqlite;

use std::path::Path;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

pub use insights::{DayCount, FlaggedArticle, Insights, OpenedArticle, OwnerFlags, QueryCount};
pub use migrations::{MIGRATIONS, Migration};
pub use redact::redact;
pub use sqlite::DB_FILE;

use sql::{Backend, BackendError, Row, Value};

/// Longest feedback comment kept, in characters; longer ones are refused.
pub const MAX_COMMENT_CHARS: usize = 2000;
/// Longest query logged, in characters (the search core reads 32 words at most).
const MAX_LOGGED_QUERY_CHARS: usize = 500;
/// Search log rows older than this many days are deleted, unless told otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;
/// Feedback older than this many days is deleted, unless told otherwise.
pub const DEFAULT_FEEDBACK_RETENTION_DAYS: u32 = 730;
/// The same search (query and filters) logged again within this window is one intent: a
/// reload, the back button, another sort order.
pub const SAME_INTENT: Duration = Duration::from_secs(30);

/// A store failed: the database cannot be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data folder {dir}: {source}")]
    Folder {
        dir: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("the database {at}: {message}")]
    Engine { at: String, message: String },
    #[error(
        "the database {at} was written by a newer kb (schema version {found}, this kb knows {known})"
    )]
    Newer { at: String, found: i64, known: i64 },
}

/// Where the store is: SQLite in a data folder, or a PostgreSQL URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Folder(std::path::PathBuf),
    Postgres(String),
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

/// The feedback and search log. Cheap to share behind an `Arc`; every call blocks on the
/// engine, so async callers run it on a worker thread.
#[derive(Debug)]
pub struct Store {
    engine: Box<dyn Backend>,
}

fn now_secs() -> i64 {
    crate::history::unix_secs(SystemTime::now()).unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a unix time.
fn rfc3339(secs: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        t.date(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The first `max` characters of `s`, cut at a character boundary.
fn clip(s: &str, max: usize) -> &str {
    s.char_indices()
        .nth(max)
        .and_then(|(i, _)| s.get(..i))
        .unwrap_or(s)
}

/// One logged search, as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedSearch {
    pub id: i64,
    /// UTC, RFC 3339.
    pub time: String,
    pub q: String,
    pub filters: String,
    pub total: u64,
    pub relaxed: bool,
    /// The article a hit of this search led to, if any.
    pub opened: Option<String>,
}

/// Everything the store holds, for a data-protection request (`kb data export`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    pub feedback: Vec<Feedback>,
    pub searches: Vec<LoggedSearch>,
}

impl Store {
    /// Opens the SQLite store of `data` (creating the folder and the database), migrated to
    /// this version's schema.
    pub fn open(data: &Path) -> Result<Store, StoreError> {
        Ok(Store {
            engine: Box::new(sqlite::Sqlite::open(data)?),
        })
    }

    /// The PostgreSQL store at `url`; see [`postgres::Postgres::connect`].
    pub fn connect(url: &str) -> Result<Store, StoreError> {
        Ok(Store {
            engine: Box::new(postgres::Postgres::connect(url)?),
        })
    }

    /// The store at `place`.
    pub fn at(place: &Place) -> Result<Store, StoreError> {
        match place {
            Place::Folder(dir) => Store::open(dir),
            Place::Postgres(url) => Store::connect(url),
        }
    }

    /// Where the data is: the SQLite file, or the PostgreSQL server and database.
    pub fn describe(&self) -> String {
        self.engine.describe()
    }

    /// Whether the store can be written now, without waiting: `Err` says why not (a
    /// PostgreSQL server that does not answer).
    pub fn available(&self) -> Result<(), String> {
        self.engine.available()
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.engine.query(sql, params).map_err(|e| self.error(e))
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        self.engine.execute(sql, params).map_err(|e| self.error(e))
    }

    fn error(&self, e: BackendError) -> StoreError {
        StoreError::Engine {
            at: self.engine.describe(),
            message: e.message,
        }
    }

    /// Stores one piece of feedback, its comment redacted; returns its id once committed.
    pub fn add_feedback(&self, f: &NewFeedback) -> Result<i64, StoreError> {
        let comment = redact(clip(f.comment.trim(), MAX_COMMENT_CHARS)).into_owned();
        let rows = self.query(
            "INSERT INTO feedback (ts, path, article_id, title, ownership_id, kind, comment)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            &[
                now_secs().into(),
                f.path.as_str().into(),
                f.article_id.as_str().into(),
                f.title.as_str().into(),
                f.ownership_id.as_str().into(),
                f.kind.as_str().into(),
                comment.into(),
            ],
        )?;
        Ok(rows.first().map_or(0, |r| r.int(0)))
    }

    /// Every piece of feedback, grouped by owning team (teams in name order, no team last),
    /// then by article, oldest first.
    pub fn feedback(&self) -> Result<Vec<Feedback>, StoreError> {
        let rows = self.query(
            "SELECT id, ts, ownership_id, path, article_id, title, kind, comment
             FROM feedback
             ORDER BY CASE WHEN ownership_id = '' THEN 1 ELSE 0 END, ownership_id, path, ts, id",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| Feedback {
                id: r.int(0),
                time: rfc3339(r.int(1)),
                ownership_id: r.text(2),
                path: r.text(3),
                article_id: r.text(4),
                title: r.text(5),
                // The column only ever holds names this type wrote (a CHECK holds it so).
                kind: FeedbackKind::of_name(&r.text(6)).unwrap_or(FeedbackKind::Missing),
                comment: r.text(7),
            })
            .collect())
    }

    /// Logs a search (its query and filters redacted), unless the same query and filters
    /// were logged within [`SAME_INTENT`]; returns the id of the search it counts as (to tie
    /// an opened article to it).
    pub fn log_search(&self, s: &SearchEntry) -> Result<i64, StoreError> {
        let q = redact(clip(s.q.trim(), MAX_LOGGED_QUERY_CHARS)).into_owned();
        let filters = redact(&s.filters).into_owned();
        let now = now_secs();
        let recent = now - SAME_INTENT.as_secs() as i64;
        let same = [q.as_str().into(), filters.as_str().into(), recent.into()];
        let find = "SELECT id FROM searches WHERE q = ?1 AND filters = ?2 AND ts >= ?3
                    ORDER BY id DESC LIMIT 1";
        if let Some(r) = self.query(find, &same)?.first() {
            return Ok(r.int(0));
        }
        let rows = self.query(
            "INSERT INTO searches (ts, q, q_norm, filters, total, relaxed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            &[
                now.into(),
                q.as_str().into(),
                normalize_query(&q).into(),
                filters.into(),
                (s.total as i64).into(),
                s.relaxed.into(),
            ],
        )?;
        Ok(rows.first().map_or(0, |r| r.int(0)))
    }

    /// Records that the article at `path` was opened from the results of search `id`. The
    /// first article opened is the one a search led to; later ones are not recorded.
    pub fn log_open(&self, id: i64, path: &str) -> Result<(), StoreError> {
        self.execute(
            "UPDATE searches SET opened = ?2 WHERE id = ?1 AND opened IS NULL",
            &[id.into(), path.into()],
        )?;
        Ok(())
    }

    /// Deletes search log rows and feedback older than `before` (unix seconds); returns how
    /// many rows of each went.
    pub fn purge_before(&self, before: i64) -> Result<(u64, u64), StoreError> {
        Ok((
            self.delete_before("searches", before)?,
            self.delete_before("feedback", before)?,
        ))
    }

    /// Deletes search log rows older than `search_days` days and feedback older than
    /// `feedback_days` (0: kept); returns how many rows of each went.
    pub fn enforce_retention(
        &self,
        search_days: u32,
        feedback_days: u32,
    ) -> Result<(u64, u64), StoreError> {
        let before = |days: u32| now_secs() - i64::from(days) * 86_400;
        let searches = self.delete_before("searches", before(search_days))?;
        let feedback = match feedback_days {
            0 => 0,
            days => self.delete_before("feedback", before(days))?,
        };
        Ok((searches, feedback))
    }

    /// Deletes the rows of `table` (one of the store's own, never input) older than
    /// `before`.
    fn delete_before(&self, table: &'static str, before: i64) -> Result<u64, StoreError> {
        self.execute(
            &format!("DELETE FROM {table} WHERE ts < ?1"),
            &[before.into()],
        )
    }

    /// Everything stored, oldest first.
    pub fn export(&self) -> Result<Export, StoreError> {
        let mut feedback = self.feedback()?;
        feedback.sort_by_key(|f| f.id);
        let searches = self
            .query(
                "SELECT id, ts, q, filters, total, relaxed, opened FROM searches ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| LoggedSearch {
                id: r.int(0),
                time: rfc3339(r.int(1)),
                q: r.text(2),
                filters: r.text(3),
                total: r.int(4).max(0) as u64,
                relaxed: r.int(5) != 0,
                opened: r.opt_text(6),
            })
            .collect();
        Ok(Export { feedback, searches })
    }

    /// What the content team reads on `/insights`, over the last `days` days.
    pub fn insights(&self, days: u32, limit: usize) -> Result<Insights, StoreError> {
        insights::read(self, now_secs(), days, limit)
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
