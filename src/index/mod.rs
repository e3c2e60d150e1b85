//! Article -> tantivy index, and the read side every searcher uses.
//!
//! [`Indexer`] owns the one writer of an index directory and brings it in line with an
//! articles folder (incrementally, by content hash, in one commit); [`KbIndex`] opens it for
//! reading and follows new commits without a restart. A commit carries the schema version as
//! its payload, so an index from another version is detected instead of misread.

mod columns;
mod directory;
mod document;
mod error;
mod facet;
mod failpoint;
mod progress;
mod reader;
mod schema;
mod seen;
mod stem;
pub mod tokenize;
mod writer;

pub use columns::all_terms;
pub use document::{
    DEFINITION_SEPARATOR, HitMeta, HitProperties, Stored, StoredMeta, StoredValues,
    definition_term, hit_meta_of, meta_of, outline_of, stamp, text_of, to_document,
};
pub use error::IndexError;
pub use facet::{AGE_BUCKETS, ByFacet, Facet, age_bucket, age_path};
pub use progress::Progress;
pub use reader::KbIndex;
pub use schema::{
    Fields, codes_analyzer, exact_analyzer, names, text_analyzer, title_key, words_analyzer,
};
pub use writer::{IndexOptions, IndexReport, Indexer};

/// Bumped whenever the schema or the way articles are turned into documents changes; an index
/// with another version is rebuilt by `kb index` and refused by readers.
pub const SCHEMA_VERSION: u32 = 9;

/// What a commit records besides the documents.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CommitPayload {
    pub schema_version: u32,
    /// The articles folder the index was last brought in line with.
    pub articles: String,
}
