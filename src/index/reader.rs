//! The read side: one `IndexReader` per process, a fresh `Searcher` per request.

use std::path::{Path, PathBuf};

use tantivy::{Index, IndexReader, ReloadPolicy, Searcher};

use super::directory::ReadDirectory;
use super::error::IndexError;
use super::schema::{Fields, register_analyzers};
use super::{CommitPayload, SCHEMA_VERSION};

/// An opened index.
#[derive(Clone)]
pub struct KbIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    dir: PathBuf,
}

impl std::fmt::Debug for KbIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KbIndex").field("dir", &self.dir).finish()
    }
}

impl KbIndex {
    /// Opens the index in `dir` for reading. New commits (by `kb index` in another process)
    /// become visible shortly after they land.
    pub fn open(dir: &Path) -> Result<KbIndex, IndexError> {
        if !dir.join("meta.json").is_file() {
            return Err(IndexError::Missing {
                dir: dir.to_owned(),
            });
        }
        let directory = ReadDirectory::open(dir).map_err(|e| IndexError::Io {
            dir: dir.to_owned(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let index = Index::open(directory).map_err(IndexError::tantivy(dir))?;
        KbIndex::from_index(index, dir)
    }

    /// Wraps an index already open (by an [`super::Indexer`] in the same process).
    pub fn from_index(index: Index, dir: &Path) -> Result<KbIndex, IndexError> {
        let fields = check_version(&index, dir)?;
        register_analyzers(&index);
        let reader = open_reader(&index, dir, ReloadPolicy::OnCommitWithDelay)?;
        Ok(KbIndex {
            index,
            reader,
            fields,
            dir: dir.to_owned(),
        })
    }

    /// A consistent view of the last commit seen.
    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Makes the latest commit visible now rather than after the reload delay.
    pub fn reload(&self) -> Result<(), IndexError> {
        self.reader.reload().map_err(IndexError::tantivy(&self.dir))
    }

    /// The articles folder the index was last brought in line with (from its last commit).
    pub fn articles(&self) -> Option<PathBuf> {
        let metas = self.index.load_metas().ok()?;
        let payload: CommitPayload = serde_json::from_str(metas.payload.as_deref()?).ok()?;
        Some(PathBuf::from(payload.articles))
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// A reader of `index` (in `dir`, for the error) that reloads by `policy`.
pub(crate) fn open_reader(
    index: &Index,
    dir: &Path,
    policy: ReloadPolicy,
) -> Result<tantivy::IndexReader, IndexError> {
    index
        .reader_builder()
        .reload_policy(policy)
        .try_into()
        .map_err(IndexError::tantivy(dir))
}

/// Checks the commit payload's schema version and that every field is there.
pub(crate) fn check_version(index: &Index, dir: &Path) -> Result<Fields, IndexError> {
    let metas = index.load_metas().map_err(IndexError::tantivy(dir))?;
    let payload: Option<CommitPayload> = metas
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok());
    let found = match &payload {
        Some(p) if p.schema_version == SCHEMA_VERSION => None,
        Some(p) => Some(p.schema_version.to_string()),
        // An index with no commit yet: nothing to misread.
        None if metas.segments.is_empty() && metas.payload.is_none() => None,
        None => Some("unknown".to_owned()),
    };
    let fields = Fields::from_schema(&index.schema());
    match (found, fields) {
        (None, Some(fields)) => Ok(fields),
        (found, _) => Err(IndexError::SchemaVersion {
            dir: dir.to_owned(),
            found: found.unwrap_or_else(|| "unknown".to_owned()),
            expected: SCHEMA_VERSION,
        }),
    }
}
