//! The statistics one search scores with, each looked up once.
//!
//! A word is looked for in every text field with several readings, and its document
//! frequency is wanted three times: to weigh the word, by each term query's BM25 weight, and
//! by the snippets. Each lookup walks the term dictionary of every segment; for a search
//! those answers cannot change, so they are remembered for its length and no longer.

use std::cell::RefCell;

use foldhash::HashMap;
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

/// The index's statistics as one search sees them.
pub struct Stats<'a> {
    searcher: &'a Searcher,
    doc_freqs: RefCell<HashMap<Term, u64>>,
    tokens: RefCell<HashMap<Field, u64>>,
}

impl<'a> Stats<'a> {
    pub fn new(searcher: &'a Searcher) -> Stats<'a> {
        Stats {
            searcher,
            doc_freqs: Default::default(),
            tokens: Default::default(),
        }
    }
}

impl Bm25StatisticsProvider for Stats<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        if let Some(&n) = self.tokens.borrow().get(&field) {
            return Ok(n);
        }
        let n = Bm25StatisticsProvider::total_num_tokens(self.searcher, field)?;
        self.tokens.borrow_mut().insert(field, n);
        Ok(n)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Bm25StatisticsProvider::total_num_docs(self.searcher)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(&n) = self.doc_freqs.borrow().get(term) {
            return Ok(n);
        }
        let n = self.searcher.doc_freq(term)?;
        self.doc_freqs.borrow_mut().insert(term.clone(), n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::{STRING, Schema};
    use tantivy::{Index, TantivyDocument};

    /// The remembered answers are the searcher's, asked again or not.
    #[test]
    fn answers_are_the_searchers_own() {
        let mut schema = Schema::builder();
        let f = schema.add_text_field("f", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut w = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        for v in ["a", "a", "b"] {
            let mut d = TantivyDocument::new();
            d.add_text(f, v);
            w.add_document(d).expect("add");
        }
        w.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        let stats = Stats::new(&searcher);
        for _ in 0..2 {
            for (v, n) in [("a", 2), ("b", 1), ("c", 0)] {
                assert_eq!(stats.doc_freq(&Term::from_field_text(f, v)).ok(), Some(n));
            }
            assert_eq!(stats.total_num_docs().ok(), Some(3));
            assert_eq!(
                stats.total_num_tokens(f).ok(),
                Bm25StatisticsProvider::total_num_tokens(&searcher, f).ok()
            );
        }
    }
}
