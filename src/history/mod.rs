//! Per-file git history of the articles folder, read in-process with gix (no `git` program).
//!
//! [`Repo::discover`] finds the git work tree an articles folder lies in (if any);
//! [`Repo::summaries`] gives every file under the folder at HEAD its last change and its
//! number of changes, incrementally from a previous [`Summaries`]; [`Repo::log`] lists the
//! commits that changed one file, newest first, each with the diff of that file.
//!
//! # What "changed a file" means
//!
//! The history is the commits reachable from HEAD. A file is a blob or symbolic link (not a
//! submodule); a file's entry is its blob id and mode at its path.
//!
//! - A commit with one parent changed a path when the path's entry differs from the parent's:
//!   the file was added, modified (content or mode) or deleted. A root commit added all of its
//!   files.
//! - A merge commit changed a path only when the entry differs from **every** parent's (a
//!   conflict resolution, or an "evil" merge that edits what neither side had). A path that
//!   the merge took unchanged from one side is not counted again: its changes are counted in
//!   the commits of that side, which are in the history too.
//! - A path's history is every commit that changed that path, including an earlier life: a
//!   file deleted and added again later counts the commits before the deletion, the deletion
//!   and the re-adding (as `git log -- PATH` lists them).
//! - Renames are not followed: the new path's history starts at the rename commit, which
//!   counts as a change of the new path (its addition) and of the old one (its deletion).
//!   Following renames across all files would need the history in topological order and
//!   breaks down where a rename on one branch meets edits of the old path on another; what is
//!   cheap is telling that one commit renamed a file, so [`Repo::log`] marks the commit that
//!   added a path with [`Entry::renamed_from`] when gix's rename tracking (exact or 50 %
//!   similar content, within the articles folder) finds its source.
//! - [`FileHistory::last`] is the change with the latest committer time; between equal times
//!   the one met first in a newest-first walk wins, and a commit read by an incremental
//!   [`Repo::summaries`] wins over one read before. (Committer time orders changes as
//!   `git log` does; [`Change::time`] shows the author time, when the change was written.)
//! - Only files present at HEAD under the articles folder are in [`Summaries::files`]; paths
//!   are relative to the folder, '/'-separated, and paths that are not UTF-8 are left out.
//!
//! In a shallow clone the history stops at the shallow boundary, whose commits count as root
//! commits.
//!
//! # Speed
//!
//! A summary diffs each commit's tree against its parents' with gix's tree diff, which skips
//! subtrees whose ids are equal, and first compares the articles folder's own tree id so that
//! a commit that changed nothing in it costs a lookup or two. Commits are diffed in parallel (rayon), in chunks of
//! the newest-first walk so that a thread's object cache sees parents right after children.
//! An incremental summary walks only the commits reachable from HEAD and not from the
//! previous head, and none at all when HEAD has not moved.

mod diff;
mod error;
mod kept;
mod log;
mod summary;
mod tree;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use diff::DIFF_CAP;
pub use error::{GitSource, HistoryError};
pub use kept::{History, date, unix_secs};

/// One commit as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The commit id, full hex.
    pub id: String,
    /// The first 7 hex digits of the id.
    pub short: String,
    /// Author time, unix seconds: when the change was written.
    pub time: i64,
    /// Committer time, unix seconds: what orders changes (see the module doc).
    pub committed: i64,
    /// The author's name.
    pub author: String,
    /// The first non-empty line of the message.
    pub subject: String,
}

/// What the history says about one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHistory {
    /// The latest commit that changed the file.
    pub last: Change,
    /// How many commits changed the file.
    pub commits: usize,
}

/// Bumped whenever the rules or the stored shape change: a stored [`Summaries`] of another
/// format is not reused.
const FORMAT: u32 = 1;

/// Every file's history summary at one HEAD. Store it and pass it back to
/// [`Repo::summaries`] to read only what is new.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summaries {
    /// The HEAD commit (full hex) the summaries were computed at.
    pub head: String,
    /// Every file under the articles folder at HEAD, keyed by its path relative to the folder
    /// ('/'-separated, e.g. "compute/vm.md").
    pub files: BTreeMap<String, FileHistory>,
    /// The articles folder relative to the work tree ("" for the work tree itself); summaries
    /// of another folder are not reused.
    folder: String,
    /// Paths changed in the history but absent at HEAD: a file added again later takes its
    /// earlier changes from here, so an incremental summary counts what a full one does.
    gone: BTreeMap<String, FileHistory>,
    format: u32,
}

/// What one [`Repo::summaries`] call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Commits whose changes were read (0 when HEAD had not moved).
    pub commits_read: usize,
    /// Wall time of the call.
    pub elapsed: Duration,
}

/// One commit of a file's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The commit.
    pub change: Change,
    /// The change to the file as a unified diff (against the first parent for a merge), cut
    /// after [`DIFF_CAP`] bytes with a note saying so.
    pub diff: String,
    /// For the commit that added the path: the path (relative to the articles folder) that it
    /// renamed, when rename tracking finds one.
    pub renamed_from: Option<String>,
}

/// A git repository whose work tree holds the articles folder.
#[derive(Clone)]
pub struct Repo {
    repo: gix::ThreadSafeRepository,
    /// The articles folder relative to the work tree, one name per part.
    folder: Vec<String>,
    work_tree: PathBuf,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("work_tree", &self.work_tree)
            .field("folder", &self.folder.join("/"))
            .finish()
    }
}

impl Repo {
    /// The repository whose work tree holds `articles`. None when `articles` is not inside a
    /// git work tree (or inside a bare repository's folder), or the repository has no commit
    /// yet; an error for a repository that is there but cannot be read.
    pub fn discover(articles: &Path) -> Result<Option<Repo>, HistoryError> {
        let folder_error = |source| HistoryError::Folder {
            path: articles.to_owned(),
            source,
        };
        let articles = articles.canonicalize().map_err(folder_error)?;
        let repo = match gix::ThreadSafeRepository::discover(&articles) {
            Ok(repo) => repo,
            Err(err) if is_no_repository(&err) => return Ok(None),
            Err(err) => {
                return Err(HistoryError::Open {
                    path: articles,
                    source: Box::new(err),
                });
            }
        };
        let Some(work_tree) = repo.work_dir() else {
            return Ok(None);
        };
        let work_tree = work_tree.canonicalize().map_err(folder_error)?;
        let Ok(relative) = articles.strip_prefix(&work_tree) else {
            return Ok(None);
        };
        let mut folder = Vec::new();
        for part in relative.components() {
            match part {
                Component::Normal(name) => match name.to_str() {
                    Some(name) => folder.push(name.to_owned()),
                    None => return Err(HistoryError::NotUtf8 { path: articles }),
                },
                _ => return Ok(None),
            }
        }
        // A folder inside the repository's own database is in no work tree.
        if folder.first().is_some_and(|name| name == ".git") {
            return Ok(None);
        }
        let local = repo.to_thread_local();
        let head = local.head().map_err(|source| HistoryError::Open {
            path: work_tree.clone(),
            source: Box::new(source),
        })?;
        if head.is_unborn() {
            return Ok(None);
        }
        Ok(Some(Repo {
            repo,
            folder,
            work_tree,
        }))
    }

    /// The work tree the articles folder is in.
    pub fn work_tree(&self) -> &Path {
        &self.work_tree
    }

    /// The articles folder relative to the work tree, '/'-separated ("" for the work tree).
    pub fn folder(&self) -> String {
        self.folder.join("/")
    }

    /// Summaries of every file under the articles folder at HEAD. Given the `previous`
    /// summaries (of this folder), reads only the commits reachable from HEAD and not from
    /// `previous.head`, and none when HEAD is unchanged; when the old head is gone or no
    /// longer an ancestor of HEAD (a force push), reads the whole history again.
    pub fn summaries(
        &self,
        previous: Option<&Summaries>,
    ) -> Result<(Summaries, Stats), HistoryError> {
        summary::summaries(self, previous)
    }

    /// The commits that changed the file at `path` (relative to the articles folder), newest
    /// first, at most `limit`, each with its diff of the file. A path that never held a file
    /// has an empty log.
    pub fn log(&self, path: &str, limit: usize) -> Result<Vec<Entry>, HistoryError> {
        let parts: Vec<&str> = path.split('/').collect();
        if parts
            .iter()
            .any(|part| part.is_empty() || *part == "." || *part == "..")
        {
            return Err(HistoryError::BadPath {
                path: path.to_owned(),
            });
        }
        let repo = self.local();
        let head = summary::head_id(self, &repo)?;
        log::log(self, &repo, head, path, limit)
            .map_err(self.read_error(format!("the log of {path}")))
    }

    /// A thread-local handle with caches fit for walking and tree diffs: decoded objects (a
    /// parent's trees are its child's old side), and delta bases by memory rather than gix's
    /// default 64 entries, since packed trees are deltas of their earlier versions and a walk
    /// decodes those chains again and again (about 10 % less CPU on the bench).
    fn local(&self) -> gix::Repository {
        let mut repo = self.repo.to_thread_local();
        repo.object_cache_size_if_unset(8 * 1024 * 1024);
        repo.objects.set_pack_cache(|| {
            Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
                32 * 1024 * 1024,
            ))
        });
        repo
    }

    fn read_error(&self, what: impl Into<String>) -> impl FnOnce(GitSource) -> HistoryError {
        let repo = self.work_tree.clone();
        let what = what.into();
        move |source| HistoryError::Read { repo, what, source }
    }
}

// A web server shares one Repo between its threads.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Repo>();
};

/// Whether discovery found no repository at all (rather than one it could not open).
fn is_no_repository(err: &gix::Error) -> bool {
    use gix::discover::upwards::Error;
    err.downcast_any_ref::<Error>().is_some_and(|err| {
        matches!(
            err,
            Error::NoGitRepository { .. }
                | Error::NoGitRepositoryWithinCeiling { .. }
                | Error::NoGitRepositoryWithinFs { .. }
        )
    })
}
