//! Errors of building and opening an index, each naming the directory and what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("no index in {dir}; run `kb index --index {dir}` to build one")]
    Missing { dir: PathBuf },
    #[error(
        "the index in {dir} was written with schema version {found}, this kb uses {expected}; \
         run `kb index --index {dir}` to rebuild it"
    )]
    SchemaVersion {
        dir: PathBuf,
        found: String,
        expected: u32,
    },
    #[error(
        "another writer holds the index in {dir} (a running `kb index` or `kb serve --watch`); \
         wait for it to finish or stop it"
    )]
    Locked { dir: PathBuf },
    #[error(
        "the index in {dir} cannot be written, only searched (`kb serve` without --watch \
         serves it as it is)"
    )]
    ReadOnly {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot use index directory {dir}")]
    Io {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("index in {dir}")]
    Tantivy {
        dir: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },
    #[error(transparent)]
    Corpus(#[from] crate::corpus::CorpusError),
}

impl IndexError {
    pub(crate) fn tantivy(dir: &std::path::Path) -> impl FnOnce(tantivy::TantivyError) -> Self {
        let dir = dir.to_owned();
        move |source| match source {
            tantivy::TantivyError::LockFailure(
                tantivy::directory::error::LockError::LockBusy,
                _,
            ) => IndexError::Locked { dir },
            source => IndexError::Tantivy { dir, source },
        }
    }

    pub(crate) fn io(dir: &std::path::Path) -> impl FnOnce(std::io::Error) -> Self {
        let dir = dir.to_owned();
        move |source| IndexError::Io { dir, source }
    }
}
