//! ParsedQuery -> tantivy query. Scores are built in tiers so that the order people expect
//! holds whatever BM25 says:
//!
//! 1. an identifier match (support topic ID, productPesId, articleId) ranks first;
//! 2. then documents with more words matched exactly, then matched with a typo or as a prefix;
//! 3. then an exact title match, then more words found in the title;
//! 4. then BM25 with field weights (title > description > headings > body) and a proximity
//!    bonus for the words together;
//! 5. then path, in the collector.

use std::sync::Arc;

use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::expand::{ExpansionCache, LooseTermQuery};
use super::syntax::{ParsedQuery, looks_like_identifier};
use crate::index::{Fields, title_key};

const ID_MATCH: f32 = 100_000.0;
const EXACT_WORD: f32 = 10_000.0;
const FUZZY_WORD: f32 = 4_000.0;
const TITLE_EXACT: f32 = 5_000.0;
const TITLE_WORD: f32 = 1_000.0;
const TITLE_VERBATIM: f32 = 500.0;

/// Field weights for BM25.
fn weighted(f: &Fields) -> [(Field, f32); 4] {
    [
        (f.title, 4.0),
        (f.description, 2.0),
        (f.headings, 1.5),
        (f.body, 1.0),
    ]
}

/// The analyzed form of the query's words, shared by the query and the snippets.
pub struct Analyzed {
    /// Per free word: its raw text and its tokens.
    pub words: Vec<(String, Vec<String>)>,
    pub phrases: Vec<Vec<String>>,
}

/// The tokens `analyzer` makes of `text`.
pub fn tokenize(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

pub fn analyze(analyzer: &mut TextAnalyzer, parsed: &ParsedQuery) -> Analyzed {
    let mut tokens = |s: &str| tokenize(analyzer, s);
    Analyzed {
        words: parsed
            .words
            .iter()
            .map(|w| (w.clone(), tokens(w)))
            .collect(),
        phrases: parsed
            .phrases
            .iter()
            .map(|p| tokens(&p.join(" ")))
            .filter(|t| !t.is_empty())
            .collect(),
    }
}

fn term_query(field: Field, token: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, token),
        IndexRecordOption::WithFreqs,
    ))
}

/// `tokens` in `field`: a term, or a phrase when the word analyzed to several tokens.
fn tokens_query(field: Field, tokens: &[String], slop: u32) -> Box<dyn Query> {
    if tokens.len() == 1 {
        return term_query(field, &tokens[0]);
    }
    let terms = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| (i, Term::from_field_text(field, t)))
        .collect();
    Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop))
}

fn union(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        queries.into_iter().map(|q| (Occur::Should, q)).collect(),
    ))
}

fn konst(q: Box<dyn Query>, score: f32) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(q, score))
}

fn boost(q: Box<dyn Query>, b: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(q, b))
}

fn fuzzy(field: Field, token: &str, distance: u8, cache: &Arc<ExpansionCache>) -> Box<dyn Query> {
    Box::new(LooseTermQuery::fuzzy(field, token, distance, cache))
}

fn prefix_of(field: Field, written: &str, cache: &Arc<ExpansionCache>) -> Box<dyn Query> {
    Box::new(LooseTermQuery::prefix(field, written, cache))
}

/// A word as the unstemmed analyzer indexes it: lower-case, accents folded.
fn written_form(raw: &str) -> String {
    tokenize(&mut crate::index::words_analyzer(), raw).concat()
}

/// Typo budget by word length, as Meilisearch and Algolia do it.
fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The clause one free word contributes: matches the word in any text field (exactly, with a
/// typo, or as a prefix when it is the last word being typed) or an identifier field.
fn word_clause(
    f: &Fields,
    searcher: &tantivy::Searcher,
    raw: &str,
    tokens: &[String],
    prefix: bool,
    cache: &Arc<ExpansionCache>,
) -> Option<Box<dyn Query>> {
    let lower = raw.to_lowercase();
    let mut should: Vec<Box<dyn Query>> = vec![konst(
        union(vec![
            term_query(f.topic, &lower),
            term_query(f.pes, &lower),
            term_query(f.article_id, &lower),
        ]),
        ID_MATCH,
    )];
    if tokens.is_empty() {
        return Some(union(should));
    }
    let fields = weighted(f);
    let exact: Vec<Box<dyn Query>> = fields
        .iter()
        .map(|&(field, _)| tokens_query(field, tokens, 0))
        .collect();
    should.push(konst(union(exact), EXACT_WORD));
    for &(field, weight) in &fields {
        should.push(boost(tokens_query(field, tokens, 0), weight));
    }
    should.push(konst(tokens_query(f.title, tokens, 0), TITLE_WORD));
    if tokens.len() == 1 && !looks_like_identifier(raw) {
        let token = &tokens[0];
        let distance = typo_distance(raw);
        // In the title a word may be matched with a typo or, when it is the last word being
        // typed, as a prefix, both against the words as written; such a match counts as a
        // title word too.
        let written = written_form(raw);
        let mut title_loose: Vec<Box<dyn Query>> = Vec::new();
        if distance > 0 {
            title_loose.push(fuzzy(f.title_words, &written, distance, cache));
        }
        if prefix && written.chars().count() >= 3 {
            title_loose.push(prefix_of(f.title_words, &written, cache));
        }
        if !title_loose.is_empty() {
            should.push(konst(union(title_loose), FUZZY_WORD + TITLE_WORD));
        }
        // Walking a field's dictionary with a Levenshtein automaton is most of a query's
        // cost. A word found as typed somewhere is taken as no typo outside the title; an
        // unknown word is looked for with a typo in every field.
        let known = fields.iter().any(|&(field, _)| {
            searcher
                .doc_freq(&Term::from_field_text(field, token))
                .is_ok_and(|n| n > 0)
        });
        if !known {
            let mut others: Vec<Box<dyn Query>> = Vec::new();
            // One automaton per word, shared by the three fields.
            let typo = LooseTermQuery::fuzzy(f.description, token, distance, cache);
            let start = LooseTermQuery::prefix(f.description, &written, cache);
            for field in [f.description, f.headings, f.body] {
                if distance > 0 {
                    others.push(Box::new(typo.in_field(field)));
                }
                // A word being typed that is no word yet (`netw`) may start one anywhere.
                if prefix && written.chars().count() >= 3 {
                    others.push(Box::new(start.in_field(field)));
                }
            }
            if !others.is_empty() {
                should.push(konst(union(others), FUZZY_WORD));
            }
        }
    }
    Some(union(should))
}

/// Builds the text part of a search: `None` when the text asks for nothing (browse).
/// `require_all`: every word must match; otherwise any word.
pub fn text_query(
    f: &Fields,
    searcher: &tantivy::Searcher,
    parsed: &ParsedQuery,
    analyzed: &Analyzed,
    require_all: bool,
    cache: &Arc<ExpansionCache>,
) -> Option<Box<dyn Query>> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let word_occur = if require_all {
        Occur::Must
    } else {
        Occur::Should
    };
    let last = analyzed.words.len().saturating_sub(1);
    for (i, (raw, tokens)) in analyzed.words.iter().enumerate() {
        let prefix = parsed.last_word_is_prefix && i == last;
        if let Some(q) = word_clause(f, searcher, raw, tokens, prefix, cache) {
            clauses.push((word_occur, q));
        }
    }
    for tokens in &analyzed.phrases {
        let per_field: Vec<Box<dyn Query>> = weighted(f)
            .iter()
            .map(|&(field, w)| boost(tokens_query(field, tokens, 0), w))
            .collect();
        let all = union(
            weighted(f)
                .iter()
                .map(|&(field, _)| tokens_query(field, tokens, 0))
                .collect(),
        );
        clauses.push((
            Occur::Must,
            union(vec![
                konst(all, EXACT_WORD * tokens.len() as f32),
                union(per_field),
            ]),
        ));
    }
    if clauses.is_empty() {
        return None;
    }
    // Bonuses: the whole title typed exactly, the words close together.
    let typed: Vec<&str> = parsed
        .words
        .iter()
        .map(String::as_str)
        .chain(parsed.phrases.iter().flatten().map(String::as_str))
        .collect();
    let key = title_key(&typed.join(" "));
    if !key.is_empty() {
        clauses.push((
            Occur::Should,
            konst(term_query(f.title_exact, &key), TITLE_EXACT),
        ));
    }
    // Among titles that agree but for case and punctuation, the one typed to the letter.
    let verbatim = crate::article::body::collapse_ws(&parsed.text);
    if !verbatim.is_empty() {
        clauses.push((
            Occur::Should,
            konst(
                Box::new(TermQuery::new(
                    Term::from_field_text(f.title_verbatim, &verbatim),
                    IndexRecordOption::Basic,
                )),
                TITLE_VERBATIM,
            ),
        ));
    }
    let all_tokens: Vec<String> = analyzed
        .words
        .iter()
        .flat_map(|(_, t)| t.iter().cloned())
        .collect();
    if all_tokens.len() > 1 {
        clauses.push((
            Occur::Should,
            boost(tokens_query(f.title, &all_tokens, 2), 4.0),
        ));
        clauses.push((
            Occur::Should,
            boost(tokens_query(f.body, &all_tokens, 3), 1.0),
        ));
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// Exclusions (`-word`, `-"a phrase"`) as clauses that must not match.
pub fn exclusions(
    f: &Fields,
    analyzer: &mut TextAnalyzer,
    parsed: &ParsedQuery,
) -> Vec<Box<dyn Query>> {
    let mut tokens = |s: &str| tokenize(analyzer, s);
    let mut out = Vec::new();
    let texts = parsed
        .excluded_words
        .iter()
        .cloned()
        .chain(parsed.excluded_phrases.iter().map(|p| p.join(" ")));
    for text in texts {
        let t = tokens(&text);
        if t.is_empty() {
            continue;
        }
        out.push(union(
            weighted(f)
                .iter()
                .map(|&(field, _)| tokens_query(field, &t, 0))
                .collect(),
        ));
    }
    out
}

/// An exact-field filter (topic ID, articleId).
pub fn exact_filter(field: Field, value: &str) -> Box<dyn Query> {
    term_query(field, &value.trim().to_lowercase())
}
