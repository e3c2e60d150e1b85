//! Typo and prefix matching of one word in one field, with the expansion remembered.
//!
//! Matching a word with a typo means building a Levenshtein automaton for it and walking the
//! field's term dictionary with it; that was a quarter of a free-text query's time. What the
//! walk finds (the terms within the distance, as their postings addresses) depends only on
//! the word and the segment, and a segment never changes once written, so the expansion is
//! kept per `(segment, field, word, distance, prefix)` in a small bounded cache: a new commit
//! brings new segments (and new keys), so a changed article is found by its new words at
//! once. Only the expansion is kept, never a result: the documents are read from the
//! postings on every query, and deleted documents are left out by the collector as always.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use foldhash::HashMap;
use tantivy::index::SegmentId;
use tantivy::postings::TermInfo;
use tantivy::query::{
    AutomatonWeight, BitSetDocSet, ConstScorer, DfaWrapper, EnableScoring, Explanation,
    FuzzyTermQuery, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

/// Term infos remembered at most over all entries (about 40 bytes each): a few MB.
const CACHE_TERMS: usize = 100_000;
/// Entries remembered at most.
const CACHE_ENTRIES: usize = 8_192;

/// How a word is matched loosely.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    segment: SegmentId,
    field: Field,
    text: String,
    distance: u8,
    prefix: bool,
}

/// Hit and miss counts of an `ExpansionCache`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpansionStats {
    pub hits: u64,
    pub misses: u64,
}

impl ExpansionStats {
    /// Hits over look-ups, 0 when there was none.
    pub fn hit_rate(&self) -> f64 {
        let total = self.hits + self.misses;
        if total == 0 {
            0.0
        } else {
            self.hits as f64 / total as f64
        }
    }
}

/// Expansions per segment, bounded; see the module documentation.
#[derive(Debug)]
pub struct ExpansionCache {
    enabled: bool,
    map: Mutex<Map>,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Debug, Default)]
struct Map {
    entries: HashMap<Key, Arc<[TermInfo]>>,
    terms: usize,
}

impl Default for ExpansionCache {
    fn default() -> Self {
        ExpansionCache::new(true)
    }
}

impl ExpansionCache {
    /// A cache; a disabled one expands every time (and counts every look-up as a miss).
    pub fn new(enabled: bool) -> ExpansionCache {
        ExpansionCache {
            enabled,
            map: Mutex::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub fn stats(&self) -> ExpansionStats {
        ExpansionStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Map> {
        // The map holds plain data; a panic elsewhere cannot leave it half-written.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn expand(
        &self,
        reader: &SegmentReader,
        q: &LooseTermQuery,
    ) -> tantivy::Result<Arc<[TermInfo]>> {
        let key = Key {
            segment: reader.segment_id(),
            field: q.field,
            text: q.text.clone(),
            distance: q.distance,
            prefix: q.prefix,
        };
        if self.enabled
            && let Some(found) = self.lock().entries.get(&key)
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(found.clone());
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let weight: AutomatonWeight<DfaWrapper> = AutomatonWeight::new(q.field, q.automaton()?);
        let infos: Arc<[TermInfo]> = weight.get_match_term_infos(reader)?.into();
        if self.enabled {
            let mut map = self.lock();
            if map.entries.len() >= CACHE_ENTRIES || map.terms + infos.len() > CACHE_TERMS {
                map.entries.clear();
                map.terms = 0;
            }
            map.terms += infos.len();
            map.entries.insert(key, infos.clone());
        }
        Ok(infos)
    }
}

/// Documents with a term within `distance` edits of `text` in `field` (or starting with
/// such a term when `prefix`), all scored alike: what `FuzzyTermQuery` matches, with the
/// dictionary walk remembered in `cache`.
#[derive(Clone)]
pub struct LooseTermQuery {
    field: Field,
    text: String,
    distance: u8,
    prefix: bool,
    cache: Arc<ExpansionCache>,
    /// The automaton, built on first use and shared by the clones [`LooseTermQuery::in_field`]
    /// makes for other fields: building it costs as much as a dictionary walk.
    dfa: Arc<OnceLock<Arc<DfaWrapper>>>,
}

impl std::fmt::Debug for LooseTermQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LooseTermQuery")
            .field("field", &self.field)
            .field("text", &self.text)
            .field("distance", &self.distance)
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl LooseTermQuery {
    /// The same match in another field, sharing the automaton.
    pub fn in_field(&self, field: Field) -> Self {
        LooseTermQuery {
            field,
            ..self.clone()
        }
    }

    fn automaton(&self) -> tantivy::Result<Arc<DfaWrapper>> {
        if let Some(dfa) = self.dfa.get() {
            return Ok(dfa.clone());
        }
        let term = Term::from_field_text(self.field, &self.text);
        let fuzzy = if self.prefix {
            FuzzyTermQuery::new_prefix(term, self.distance, true)
        } else {
            FuzzyTermQuery::new(term, self.distance, true)
        };
        let dfa = Arc::new(fuzzy.automaton()?);
        Ok(self.dfa.get_or_init(|| dfa).clone())
    }

    /// `text` within `distance` edits (a transposition counts as one).
    pub fn fuzzy(field: Field, text: &str, distance: u8, cache: &Arc<ExpansionCache>) -> Self {
        LooseTermQuery {
            field,
            text: text.to_owned(),
            distance,
            prefix: false,
            cache: cache.clone(),
            dfa: Arc::default(),
        }
    }

    /// Terms starting with `text`.
    pub fn prefix(field: Field, text: &str, cache: &Arc<ExpansionCache>) -> Self {
        LooseTermQuery {
            field,
            text: text.to_owned(),
            distance: 0,
            prefix: true,
            cache: cache.clone(),
            dfa: Arc::default(),
        }
    }
}

impl Query for LooseTermQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(LooseWeight(self.clone())))
    }
}

struct LooseWeight(LooseTermQuery);

impl Weight for LooseWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let infos = self.0.cache.expand(reader, &self.0)?;
        let mut docs = BitSet::with_max_value(reader.max_doc());
        let inverted = reader.inverted_index(self.0.field)?;
        for info in infos.iter() {
            let mut postings =
                inverted.read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?;
            loop {
                let block = postings.docs();
                if block.is_empty() {
                    break;
                }
                for &doc in block {
                    docs.insert(doc);
                }
                postings.advance();
            }
        }
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.doc() != TERMINATED && scorer.seek(doc) == doc {
            Ok(Explanation::new("LooseTermQuery", 1.0))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )))
        }
    }
}
