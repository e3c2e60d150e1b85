//! "Did you mean": a corrected query made of the index's own words.
//!
//! Offered when a query finds nothing or falls back to any word. Each word that no article has
//! as typed (an identifier aside: those are never corrected) is replaced by the closest word
//! of the titles (one edit before two, the most common first), the way the title's typo
//! matching reads them: lower-case, unstemmed, accents folded. Titles are the vocabulary
//! agents search in, and a title word is a word, never a stem.

use tantivy::Term;
use tantivy::query::FuzzyTermQuery;

use super::build::tokenize;
use super::plan::is_identifier_word;
use super::score::FieldSlot;
use super::syntax::ParsedQuery;
use crate::index::{Fields, text_analyzer, words_analyzer};

/// The longest word a correction is looked for: longer ones are not misspelt words.
const MAX_WORD_CHARS: usize = 40;

/// The corrected query text, or `None` when no word needs (or has) a correction.
pub fn correction(
    searcher: &tantivy::Searcher,
    f: &Fields,
    parsed: &ParsedQuery,
) -> Option<String> {
    let mut text = parsed.text.clone();
    let mut from = 0;
    let mut changed = false;
    for word in &parsed.words {
        let Some(at) = text.get(from..).and_then(|t| t.find(word.as_str())) else {
            continue;
        };
        let at = from + at;
        from = at + word.len();
        if is_identifier_word(word) || known(searcher, f, word) {
            continue;
        }
        let written = tokenize(&mut words_analyzer(), word).concat();
        // Too short to correct with confidence; too long to be a word (its typo automaton
        // would be huge).
        let letters = written.chars().count();
        if !(3..=MAX_WORD_CHARS).contains(&letters) {
            continue;
        }
        if let Some(better) = closest_title_word(searcher, f, &written) {
            text.replace_range(at..at + word.len(), &better);
            from = at + better.len();
            changed = true;
        }
    }
    changed.then_some(text)
}

/// Whether some text field has the word as typed (stemmed as the index stems it).
fn known(searcher: &tantivy::Searcher, f: &Fields, word: &str) -> bool {
    let stems = tokenize(&mut text_analyzer(), word);
    !stems.is_empty()
        && stems.iter().all(|stem| {
            FieldSlot::ALL.iter().any(|s| {
                searcher
                    .doc_freq(&Term::from_field_text(s.field(f), stem))
                    .is_ok_and(|n| n > 0)
            })
        })
}

/// The title word closest to `written`: fewest edits (at most two, one for short words),
/// then most titles.
fn closest_title_word(searcher: &tantivy::Searcher, f: &Fields, written: &str) -> Option<String> {
    let max = if written.chars().count() >= 8 { 2 } else { 1 };
    for distance in 1..=max {
        let query = FuzzyTermQuery::new(
            Term::from_field_text(f.title_words, written),
            distance,
            true,
        );
        let Ok(dfa) = query.automaton() else {
            return None;
        };
        let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
        for segment in searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(f.title_words) else {
                continue;
            };
            let Ok(mut stream) = inverted.terms().search(&dfa).into_stream() else {
                continue;
            };
            while stream.advance() {
                let key = String::from_utf8_lossy(stream.key()).into_owned();
                *counts.entry(key).or_default() += u64::from(stream.value().doc_freq);
            }
        }
        if let Some((word, _)) = counts
            .into_iter()
            .filter(|(w, _)| w != written)
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        {
            return Some(word);
        }
    }
    None
}
