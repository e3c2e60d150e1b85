//! The summaries of an articles folder's history, kept up to date for a process that runs
//! long: read once at start (incrementally from the copy kept in the data folder, so that a
//! restart reads only the commits new since), and again on [`History::refresh`].
//!
//! The index takes each article's last change from here ([`History::changed`]); the article
//! pages take its author, subject and number of commits.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{FileHistory, Repo, Summaries};

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
                if stats.commits_read > 0 {
                    self.keep(&summaries);
                }
                *self.summaries.write().unwrap_or_else(|e| e.into_inner()) =
                    Some(Arc::new(summaries));
            }
            Err(e) => tracing::warn!("reading the git history: {e}"),
        }
    }

    /// Writes the summaries to the data folder, when there is one (a data folder that
    /// cannot be written costs the next start a full read, nothing else).
    fn keep(&self, summaries: &Summaries) {
        let Some(file) = &self.cache else { return };
        let written = serde_json::to_vec(summaries)
            .map_err(std::io::Error::other)
            .and_then(|bytes| {
                if let Some(dir) = file.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::write(file, bytes)
            });
        if let Err(e) = written {
            tracing::warn!("keeping the history in {}: {e}", file.display());
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

    /// What the history says of the file at `path` (relative to the articles folder, with
    /// `.md`); `None` outside git, or for a file that no commit has.
    pub fn of_file(&self, path: &str) -> Option<FileHistory> {
        self.current()?.files.get(path).cloned()
    }

    /// When the file at `path` last changed (unix seconds): its last commit (committer
    /// time) when git has it, else `modified`, the file's modification time, which stands in
    /// outside git and for a file not committed yet. `None` when neither is known.
    pub fn changed(&self, path: &str, modified: Option<SystemTime>) -> Option<i64> {
        self.current()
            .and_then(|s| Some(s.files.get(path)?.last.committed))
            .or_else(|| unix_secs(modified?))
    }
}

/// A time as unix seconds (`None` before 1970).
pub fn unix_secs(t: SystemTime) -> Option<i64> {
    let secs = t.duration_since(UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

/// The UTC date of a Unix time, `YYYY-MM-DD`.
pub fn date(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}
