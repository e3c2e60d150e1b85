//! Errors of reading the history, each naming the folder or repository and what went wrong.

use std::path::PathBuf;

/// What gix reported, kept as the source of a [`HistoryError`]: gix's own error types differ
/// from call to call (lookups, decoding, tree diffs), and the caller only shows them.
pub type GitSource = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot use articles folder {path}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the git repository around {path} cannot be opened")]
    Open {
        path: PathBuf,
        #[source]
        source: GitSource,
    },
    #[error(
        "the articles folder {path} has a name git cannot store as it is (not UTF-8); \
         its history is not read"
    )]
    NotUtf8 { path: PathBuf },
    #[error("the git repository {repo} has no commit at HEAD any more")]
    NoHead { repo: PathBuf },
    #[error("cannot read the history of the git repository {repo} ({what})")]
    Read {
        repo: PathBuf,
        what: String,
        #[source]
        source: GitSource,
    },
    #[error(
        "{path:?} is not a file path inside the articles folder ('/'-separated, without \
         empty, '.' or '..' parts)"
    )]
    BadPath { path: String },
}
