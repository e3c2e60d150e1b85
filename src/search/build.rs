//! The parts of a search that are filters rather than scored text: exclusions (`-word`,
//! `-"a phrase"`) and exact-field filters (topic ID, articleId). The scored text is built in
//! [`super::plan`].

use tantivy::Term;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::analyze::readings;
use super::plan::reading_query;
use super::score::FieldSlot;
use super::syntax::ParsedQuery;
use crate::index::Fields;

/// The tokens `analyzer` makes of `text`.
pub fn tokenize(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

fn term_query(field: Field, token: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, token),
        IndexRecordOption::WithFreqs,
    ))
}

/// Exclusions (`-word`, `-"a phrase"`) as clauses that must not match.
pub fn exclusions(
    f: &Fields,
    analyzer: &mut TextAnalyzer,
    parsed: &ParsedQuery,
) -> Vec<Box<dyn Query>> {
    let mut out = Vec::new();
    let texts = parsed
        .excluded_words
        .iter()
        .cloned()
        .chain(parsed.excluded_phrases.iter().map(|p| p.join(" ")));
    for text in texts {
        let Some(reading) = readings(analyzer, &text).into_iter().next() else {
            continue;
        };
        let any_field = FieldSlot::ALL
            .iter()
            .map(|s| (Occur::Should, reading_query(s.field(f), &reading, 0)))
            .collect();
        out.push(Box::new(BooleanQuery::new(any_field)) as Box<dyn Query>);
    }
    out
}

/// An exact-field filter (topic ID, articleId).
pub fn exact_filter(field: Field, value: &str) -> Box<dyn Query> {
    term_query(field, &value.trim().to_lowercase())
}
