//! How fresh an article is, for its page: its last change from git when the articles folder
//! lies in a git work tree (date, author, subject, how many commits changed it), else the
//! file's modification time, labelled as such; and the stale badge past `--stale-after`.
//!
//! The summaries of every file are read once at start (incrementally from the copy kept in
//! the data folder, so a restart reads only the commits new since) and again after each
//! change the watcher brings in.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::history::{Repo, Summaries};

/// Days after which an article is marked stale, unless told otherwise.
pub const DEFAULT_STALE_DAYS: u32 = 365;
/// The copy of the summaries kept in the data folder.
const CACHE_FILE: &str = "history.json";

/// The git history of the articles folder, if it has one.
#[derive(Debug, Default)]
pub struct History {
    repo: Option<Repo>,
    summaries: RwLock<Option<Arc<Summaries>>>,
    /// Where the summaries are kept between runs; `None`: not kept.
    cache: Option<PathBuf>,
}

impl History {
    /// The history of `articles` (none when it is not in a git work tree), its summaries
    /// read now, from the copy in `data` when there is one.
    pub fn open(articles: &Path, data: Option<&Path>) -> History {
        let repo = match Repo::discover(articles) {
            Ok(repo) => repo,
            Err(e) => {
                tracing::warn!("reading the git history of {}: {e}", articles.display());
                None
            }
        };
        let history = History {
            repo,
            summaries: RwLock::new(None),
            cache: data.map(|d| d.join(CACHE_FILE)),
        };
        history.refresh();
        history
    }

    /// Reads the commits new since the last summaries (all of them the first time).
    pub fn refresh(&self) {
        let Some(repo) = &self.repo else { return };
        let previous = self.current().or_else(|| {
            let text = std::fs::read(self.cache.as_ref()?).ok()?;
            serde_json::from_slice::<Summaries>(&text)
                .ok()
                .map(Arc::new)
        });
        match repo.summaries(previous.as_deref()) {
            Ok((summaries, stats)) => {
                tracing::info!(
                    "git history: {} files, {} commits read in {:?}",
                    summaries.files.len(),
                    stats.commits_read,
                    stats.elapsed
                );
                if stats.commits_read > 0
                    && let Some(file) = &self.cache
                {
                    match serde_json::to_vec(&summaries) {
                        Ok(bytes) => {
                            if let Err(e) = std::fs::write(file, bytes) {
                                tracing::warn!("keeping the history in {}: {e}", file.display());
                            }
                        }
                        Err(e) => tracing::warn!("writing the history: {e}"),
                    }
                }
                *self.summaries.write().unwrap_or_else(|e| e.into_inner()) =
                    Some(Arc::new(summaries));
            }
            Err(e) => tracing::warn!("reading the git history: {e}"),
        }
    }

    fn current(&self) -> Option<Arc<Summaries>> {
        self.summaries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The repository, when the articles are in one.
    pub fn repo(&self) -> Option<&Repo> {
        self.repo.as_ref()
    }

    /// The freshness of the article at `path` (relative to `articles`, with `.md`).
    pub fn of(&self, articles: &Path, path: &str, stale_days: u32) -> Freshness {
        let now = now_secs();
        let summaries = self.current();
        if let Some(h) = summaries.as_ref().and_then(|s| s.files.get(path)) {
            return Freshness::new(
                h.last.committed,
                now,
                stale_days,
                Some(GitChange {
                    short: h.last.short.clone(),
                    author: h.last.author.clone(),
                    subject: h.last.subject.clone(),
                    commits: h.commits,
                }),
            );
        }
        let modified = std::fs::metadata(articles.join(path))
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(now, |d| d.as_secs() as i64);
        Freshness::new(modified, now, stale_days, None)
    }
}

/// What git says of an article's last change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitChange {
    pub short: String,
    pub author: String,
    pub subject: String,
    /// How many commits changed the file.
    pub commits: usize,
}

/// An article's age as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freshness {
    /// `2023-05-01` (UTC).
    pub date: String,
    /// `3 years ago`.
    pub ago: String,
    pub stale: bool,
    /// `None`: the file's modification time stands in.
    pub git: Option<GitChange>,
}

impl Freshness {
    fn new(at: i64, now: i64, stale_days: u32, git: Option<GitChange>) -> Freshness {
        let days = (now - at).max(0) / 86_400;
        Freshness {
            date: date(at),
            ago: ago(days),
            stale: days > i64::from(stale_days),
            git,
        }
    }
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The UTC date of a Unix time, `YYYY-MM-DD`.
pub fn date(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

/// How long ago, in words, a span of `days` is.
pub fn ago(days: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" });
    match days {
        0 => "today".to_owned(),
        1 => "yesterday".to_owned(),
        2..=30 => plural(days, "day"),
        31..=364 => plural((days / 30).max(1), "month"),
        _ => plural(days / 365, "year"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_people_say_them() {
        let cases = [
            (0, "today"),
            (1, "yesterday"),
            (2, "2 days ago"),
            (30, "30 days ago"),
            (31, "1 month ago"),
            (95, "3 months ago"),
            (364, "12 months ago"),
            (365, "1 year ago"),
            (3 * 365 + 10, "3 years ago"),
        ];
        for (days, words) in cases {
            assert_eq!(ago(days), words, "{days} days");
        }
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_700_000_000), "2023-11-14");
    }

    #[test]
    fn past_the_threshold_an_article_is_stale() {
        let now = 1_800_000_000;
        let f = Freshness::new(now - 366 * 86_400, now, 365, None);
        assert!(f.stale);
        assert_eq!(f.ago, "1 year ago");
        let g = Freshness::new(now - 364 * 86_400, now, 365, None);
        assert!(!g.stale);
    }
}
