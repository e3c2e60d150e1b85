//! ParsedQuery -> the words to look for, how much each weighs, and the [`TextQuery`] that
//! finds and scores them.
//!
//! A *unit* is what must match for the query to count as covered: a typed word, a quoted
//! phrase, or a run of words that a synonym replaces as a whole (`virtual network` or `VNet`).
//! Each unit has readings (the word as typed, an identifier's parts, its synonyms), looked for
//! in every text field, and for a plain word its typo and prefix expansions. A unit weighs its
//! inverse document frequency, so that the words that tell articles apart count most when not
//! every word matches.

use std::sync::Arc;

use tantivy::Term;
use tantivy::query::{Bm25StatisticsProvider, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::analyze::{Reading, readings};
use super::expand::{ExpansionCache, LooseTermQuery};
use super::score::{Extra, FieldSlot, Scoring, Target, TextQuery, UnitMeta};
use super::synonyms::{MAX_FORM_TERMS, Synonyms};
use super::syntax::{ParsedQuery, looks_like_identifier};
use crate::index::{Fields, title_key};

/// A reading's factor: the word as typed, an identifier's parts, a synonym.
const AS_TYPED: f32 = 1.0;
const AS_PARTS: f32 = 0.6;
const AS_SYNONYM: f32 = 0.9;

/// What must match.
#[derive(Debug, Clone)]
pub struct Unit {
    /// As typed.
    pub text: String,
    /// Readings and their factors, the typed one first.
    pub readings: Vec<(Reading, f32)>,
    /// A quoted phrase.
    pub required: bool,
    /// One typed word that may match with a typo or as a prefix.
    pub loose: bool,
    /// One typed word, looked for in the identifier fields too.
    pub id: Option<String>,
    /// An identifier: its typed reading counts the same in any field.
    pub identifier: bool,
}

/// The analyzed query.
#[derive(Debug, Default)]
pub struct Plan {
    pub units: Vec<Unit>,
    /// What the synonyms added, for the response: `VNet → virtual network`.
    pub expanded: Vec<String>,
}

impl Plan {
    /// Every term the plan looks for, for snippets and highlighting.
    pub fn terms(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for u in &self.units {
            for (r, _) in &u.readings {
                for t in r.terms() {
                    if !out.iter().any(|o| o == t) {
                        out.push(t.to_owned());
                    }
                }
            }
        }
        out
    }

    /// The terms that only function or conversation words bring (the lists below):
    /// they are marked where they fall in a passage, but are no reason to pick one, and
    /// finding every `a` or `not` of a long body costs more than the rest of the snippet.
    pub fn filler_terms(&self) -> Vec<String> {
        let of = |filler: bool| -> Vec<&str> {
            self.units
                .iter()
                .filter(|u| is_stopword(&u.text) == filler)
                .flat_map(|u| u.readings.iter().flat_map(|(r, _)| r.terms()))
                .collect()
        };
        let telling = of(false);
        let mut out: Vec<String> = Vec::new();
        for t in of(true) {
            if !telling.contains(&t) && !out.iter().any(|o| o == t) {
                out.push(t.to_owned());
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }
}

/// The readings of a word; a word longer than any indexed token (which the analyzer drops)
/// is kept as a term no article has, so that it finds nothing instead of being ignored.
fn readings_or_unmatchable(analyzer: &mut TextAnalyzer, word: &str) -> Vec<Reading> {
    let found = readings(analyzer, word);
    if !found.is_empty() {
        return found;
    }
    let too_long = word
        .split(|c: char| !c.is_alphanumeric())
        .find(|run| run.len() > crate::index::tokenize::MAX_TOKEN_BYTES);
    too_long.map_or_else(Vec::new, |run| vec![Reading(vec![(0, run.to_lowercase())])])
}

/// Words, phrases and synonyms -> units.
pub fn plan(analyzer: &mut TextAnalyzer, parsed: &ParsedQuery, synonyms: &Synonyms) -> Plan {
    let words: Vec<(String, Vec<Reading>)> = parsed
        .words
        .iter()
        .map(|w| (w.clone(), readings_or_unmatchable(analyzer, w)))
        .filter(|(_, r)| !r.is_empty())
        .collect();
    let mut out = Plan::default();
    let mut i = 0;
    while i < words.len() {
        // The longest run of words from here that a synonym stands for.
        let mut matched = None;
        for len in (1..=MAX_FORM_TERMS.min(words.len() - i)).rev() {
            let run = &words[i..i + len];
            let key = run
                .iter()
                .map(|(_, r)| r[0].key())
                .collect::<Vec<_>>()
                .join(" ");
            let alternatives = synonyms.lookup(&key);
            if !alternatives.is_empty() {
                matched = Some((len, alternatives));
                break;
            }
        }
        match matched {
            Some((len, alternatives)) => {
                let run = &words[i..i + len];
                let text = run
                    .iter()
                    .map(|(w, _)| w.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let mut unit = if len == 1 {
                    word_unit(&run[0].0, &run[0].1)
                } else {
                    Unit {
                        text: text.clone(),
                        readings: vec![(concat(run), AS_TYPED)],
                        required: false,
                        loose: false,
                        id: None,
                        identifier: false,
                    }
                };
                let mut added = Vec::new();
                for alt in alternatives {
                    if !unit.readings.iter().any(|(r, _)| *r == alt.reading) {
                        unit.readings.push((alt.reading.clone(), AS_SYNONYM));
                        added.push(alt.text.as_str());
                    }
                }
                if !added.is_empty() {
                    out.expanded.push(format!("{text} → {}", added.join(", ")));
                }
                out.units.push(unit);
                i += len;
            }
            None => {
                out.units.push(word_unit(&words[i].0, &words[i].1));
                i += 1;
            }
        }
    }
    for phrase in &parsed.phrases {
        let text = phrase.join(" ");
        if let Some(r) = readings(analyzer, &text).into_iter().next() {
            out.units.push(Unit {
                text,
                readings: vec![(r, AS_TYPED)],
                required: true,
                loose: false,
                id: None,
                identifier: false,
            });
        }
    }
    out
}

/// Whether a typed word is an identifier: an ID, an error code, a CamelCase name, anything
/// with a digit. Identifiers are matched exactly, never with a typo.
pub fn is_identifier_word(raw: &str) -> bool {
    looks_like_identifier(raw)
        || raw.chars().any(|c| c.is_ascii_digit())
        || raw
            .split(|c: char| !c.is_alphanumeric())
            .any(crate::index::tokenize::is_identifier)
}

fn word_unit(raw: &str, readings: &[Reading]) -> Unit {
    let identifier = is_identifier_word(raw);
    Unit {
        text: raw.to_owned(),
        identifier,
        readings: readings
            .iter()
            .enumerate()
            .map(|(i, r)| (r.clone(), if i == 0 { AS_TYPED } else { AS_PARTS }))
            .collect(),
        required: false,
        // Identifiers are matched exactly, never with a typo; nor is a word longer than any
        // indexed token (a typo automaton of it would be huge, and could match nothing).
        loose: readings.len() == 1
            && readings[0].len() == 1
            && !identifier
            && raw.len() <= crate::index::tokenize::MAX_TOKEN_BYTES,
        id: Some(raw.to_lowercase()),
    }
}

/// The typed readings of several words as one phrase.
fn concat(run: &[(String, Vec<Reading>)]) -> Reading {
    let mut terms = Vec::new();
    let mut at = 0;
    for (_, r) in run {
        let r = &r[0];
        let last = r.0.last().map_or(0, |(p, _)| *p);
        terms.extend(r.0.iter().map(|(p, t)| (at + p, t.clone())));
        at += last + 1;
    }
    Reading(terms)
}

fn term_query(field: Field, token: &str, record: IndexRecordOption) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, token), record))
}

/// A reading in a field: a term, or a phrase at the reading's positions.
pub(crate) fn reading_query(field: Field, reading: &Reading, slop: u32) -> Box<dyn Query> {
    if reading.len() == 1 {
        return term_query(field, &reading.0[0].1, IndexRecordOption::WithFreqs);
    }
    let terms = reading
        .0
        .iter()
        .map(|(p, t)| (*p, Term::from_field_text(field, t)))
        .collect();
    Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop))
}

/// Typo budget by word length, as Meilisearch and Algolia do it.
fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Inverse document frequency, BM25's.
fn idf(docs: u64, df: u64) -> f32 {
    let (n, df) = (docs as f32, df as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// What the text query is made from, besides the plan.
pub struct Context<'a> {
    pub fields: &'a Fields,
    pub searcher: &'a tantivy::Searcher,
    /// Document frequencies, shared with the scorers' weights and the snippets.
    pub stats: &'a super::stats::Stats<'a>,
    pub cache: &'a Arc<ExpansionCache>,
    /// The last typed word is still being typed: match it as a prefix.
    pub last_is_prefix: bool,
    /// The text as typed, for the whole-field matches.
    pub text: &'a str,
}

/// How many documents have a reading somewhere: its rarest term's largest count over the
/// text fields (an upper bound that is cheap and good enough to weigh words by).
fn doc_freq(cx: &Context<'_>, reading: &Reading) -> u64 {
    reading
        .terms()
        .map(|t| {
            FieldSlot::ALL
                .iter()
                .map(|s| {
                    cx.stats
                        .doc_freq(&Term::from_field_text(s.field(cx.fields), t))
                        .unwrap_or(0)
                })
                .max()
                .unwrap_or(0)
        })
        .min()
        .unwrap_or(0)
}

/// The [`TextQuery`] of a plan; `None` when the plan is empty.
pub fn text_query(plan: &Plan, cx: &Context<'_>, require_all: bool) -> Option<TextQuery> {
    if plan.is_empty() {
        return None;
    }
    let f = cx.fields;
    let docs = cx.searcher.num_docs();
    let mut matchers: Vec<(Box<dyn Query>, Target)> = Vec::new();
    let mut idfs: Vec<Option<f32>> = Vec::new();
    let mut unit_terms = Vec::new();
    let last = plan.units.len().saturating_sub(1);
    for (u, unit) in plan.units.iter().enumerate() {
        let mut df_max = 0u64;
        for (r, (reading, factor)) in unit.readings.iter().enumerate() {
            df_max = df_max.max(doc_freq(cx, reading));
            for slot in FieldSlot::ALL {
                matchers.push((
                    reading_query(slot.field(f), reading, 0),
                    Target::Text {
                        unit: u,
                        field: slot,
                        factor: *factor,
                        anywhere: unit.identifier && r == 0,
                    },
                ));
            }
        }
        idfs.push((df_max > 0).then(|| idf(docs, df_max)));
        unit_terms.push(unit.readings.first().map_or(1, |(r, _)| r.len()));
        if let Some(id) = &unit.id {
            for field in [f.topic, f.pes, f.article_id] {
                matchers.push((
                    term_query(field, id, IndexRecordOption::Basic),
                    Target::Id { unit: u },
                ));
            }
        }
        // A function word with a typo, or half typed, says nothing: only its exact form
        // counts, and the automata over the title words stay for the words that matter.
        if unit.loose && !is_stopword(&unit.text) {
            loose_matchers(
                cx,
                unit,
                u,
                u == last && cx.last_is_prefix,
                df_max == 0,
                &mut matchers,
            );
        }
    }
    // Words no article has as typed weigh as much as the average known word.
    let known: Vec<f32> = idfs.iter().flatten().copied().collect();
    let fallback = if known.is_empty() {
        1.0
    } else {
        known.iter().sum::<f32>() / known.len() as f32
    };
    let raw: Vec<f32> = idfs
        .iter()
        .zip(&plan.units)
        .map(|(i, unit)| {
            let w = i.unwrap_or(fallback).max(0.01);
            if is_stopword(&unit.text) {
                w * STOPWORD_WEIGHT
            } else {
                w
            }
        })
        .collect();
    let mean = raw.iter().sum::<f32>() / raw.len() as f32;
    let units: Vec<UnitMeta> = plan
        .units
        .iter()
        .zip(&raw)
        .map(|(unit, w)| UnitMeta {
            weight: w / mean,
            required: unit.required,
        })
        .collect();
    whole_field_matchers(plan, cx, &mut matchers);
    Some(TextQuery {
        matchers,
        units,
        unit_terms,
        require_all,
        scoring: Scoring::default(),
        title: f.title,
    })
}

/// Typo and prefix matches of a one-word unit: in the title always (against the words as
/// written), elsewhere only when no field has the word as typed (walking a field's dictionary
/// with an automaton is most of a query's cost).
fn loose_matchers(
    cx: &Context<'_>,
    unit: &Unit,
    u: usize,
    prefix: bool,
    unknown: bool,
    out: &mut Vec<(Box<dyn Query>, Target)>,
) {
    let f = cx.fields;
    let distance = typo_distance(&unit.text);
    let written =
        crate::search::build::tokenize(&mut crate::index::words_analyzer(), &unit.text).concat();
    let prefix = prefix && written.chars().count() >= 3;
    if distance > 0 {
        out.push((
            Box::new(LooseTermQuery::fuzzy(
                f.title_words,
                &written,
                distance,
                cx.cache,
            )),
            Target::Loose {
                unit: u,
                title: true,
            },
        ));
    }
    if prefix {
        out.push((
            Box::new(LooseTermQuery::prefix(f.title_words, &written, cx.cache)),
            Target::Loose {
                unit: u,
                title: true,
            },
        ));
    }
    if !unknown {
        return;
    }
    let Some(stem) = unit.readings.first().and_then(|(r, _)| r.terms().next()) else {
        return;
    };
    // One automaton per word, shared by the fields.
    let typo = LooseTermQuery::fuzzy(f.description, stem, distance, cx.cache);
    let start = LooseTermQuery::prefix(f.description, &written, cx.cache);
    for field in [f.description, f.headings, f.body] {
        if distance > 0 {
            out.push((
                Box::new(typo.in_field(field)),
                Target::Loose {
                    unit: u,
                    title: false,
                },
            ));
        }
        // A word being typed that is no word yet (`netw`) may start one anywhere.
        if prefix {
            out.push((
                Box::new(start.in_field(field)),
                Target::Loose {
                    unit: u,
                    title: false,
                },
            ));
        }
    }
}

/// The whole query as a title, heading or description, and its words close together.
fn whole_field_matchers(plan: &Plan, cx: &Context<'_>, out: &mut Vec<(Box<dyn Query>, Target)>) {
    let f = cx.fields;
    let key = title_key(cx.text);
    if !key.is_empty() {
        for (field, extra) in [
            (f.title_exact, Extra::TitleExact),
            (f.heading_exact, Extra::HeadingExact),
            (f.description_exact, Extra::DescriptionExact),
        ] {
            out.push((
                term_query(field, &key, IndexRecordOption::Basic),
                Target::Extra(extra),
            ));
        }
    }
    // Among titles that agree but for case and punctuation, the one typed to the letter.
    let verbatim = crate::article::body::collapse_ws(cx.text);
    if !verbatim.is_empty() {
        out.push((
            term_query(f.title_verbatim, &verbatim, IndexRecordOption::Basic),
            Target::Extra(Extra::TitleVerbatim),
        ));
    }
    let typed: Vec<(String, Vec<Reading>)> = plan
        .units
        .iter()
        .filter_map(|u| Some((u.text.clone(), vec![u.readings.first()?.0.clone()])))
        .collect();
    let all = concat(&typed);
    if all.len() > 1 {
        out.push((
            reading_query(f.title, &all, 2),
            Target::Extra(Extra::NearInTitle),
        ));
        out.push((
            reading_query(f.body, &all, 3),
            Target::Extra(Extra::NearInBody),
        ));
    }
}

/// What a function word weighs against its IDF (tuned with the other constants of the score).
const STOPWORD_WEIGHT: f32 = 0.1;

/// English function words (the NLTK list): they say little about which article is meant, so
/// they weigh little when not every word matches. They are still matched and scored.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Words of a support conversation rather than of its subject: who is asking, how urgently,
/// since when ("customer says … since yesterday, please help", "hi team, urgent"). An agent
/// pastes them with the customer's symptom; like function words they weigh little, and are
/// still matched, so a title made of them ("Customer needs advisory help") is found by its own
/// words.
const CONVERSATION: &[&str] = &[
    "advice",
    "afternoon",
    "again",
    "anymore",
    "anyone",
    "asap",
    "assist",
    "assistance",
    "client",
    "clients",
    "complained",
    "complaining",
    "complains",
    "customer",
    "customers",
    "dear",
    "evening",
    "experiencing",
    "faced",
    "facing",
    "folks",
    "getting",
    "guys",
    "happened",
    "happening",
    "hello",
    "help",
    "helping",
    "helps",
    "hey",
    "hi",
    "idea",
    "ideas",
    "keeps",
    "kept",
    "kindly",
    "morning",
    "need",
    "needed",
    "needs",
    "night",
    "please",
    "pls",
    "plz",
    "recently",
    "reported",
    "reporting",
    "reports",
    "said",
    "saying",
    "says",
    "seeing",
    "since",
    "somebody",
    "someone",
    "started",
    "starting",
    "still",
    "suddenly",
    "suggest",
    "suggestions",
    "team",
    "teams",
    "thank",
    "thanks",
    "today",
    "tonight",
    "urgent",
    "urgently",
    "user",
    "users",
    "wait",
    "waiting",
    "week",
    "weekend",
    "yesterday",
];

fn is_stopword(word: &str) -> bool {
    let w = word
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    STOPWORDS.binary_search(&w.as_str()).is_ok() || CONVERSATION.binary_search(&w.as_str()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_stopword` binary-searches both lists.
    #[test]
    fn the_word_lists_are_sorted_and_found_in_any_case() {
        for list in [STOPWORDS, CONVERSATION] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
        assert!(is_stopword("The"));
        assert!(is_stopword("customer,"));
        assert!(is_stopword("ASAP"));
        assert!(!is_stopword("RDP"));
        assert!(!is_stopword("blocked"));
    }
}
