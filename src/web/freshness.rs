//! How fresh an article is, for its page: its last change from git when the articles folder
//! lies in a git work tree (date, author, subject, how many commits changed it), else the
//! file's modification time, labelled as such; and the stale badge past `--stale-after`.
//!
//! The summaries of every file are read once at start (incrementally from the copy kept in
//! the data folder, so a restart reads only the commits new since) and again after each
//! change the watcher brings in.

use std::path::Path;
use std::time::SystemTime;

pub use crate::history::{History, date};

/// Days after which an article is marked stale, unless told otherwise.
pub const DEFAULT_STALE_DAYS: u32 = 365;

/// The freshness of articles, from the articles' git history or their files.
impl History {
    /// The freshness of the article at `path` (relative to `articles`, with `.md`).
    pub fn of(&self, articles: &Path, path: &str, stale_days: u32) -> Freshness {
        let now = now_secs();
        if let Some(h) = self.of_file(path) {
            return Freshness::new(
                h.last.committed,
                now,
                stale_days,
                Some(GitChange {
                    short: h.last.short,
                    author: h.last.author,
                    subject: h.last.subject,
                    commits: h.commits,
                }),
            );
        }
        let modified = std::fs::metadata(articles.join(path))
            .and_then(|m| m.modified())
            .ok();
        let at = self.changed(path, modified).unwrap_or(now);
        Freshness::new(at, now, stale_days, None)
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
    crate::history::unix_secs(SystemTime::now()).unwrap_or(0)
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
