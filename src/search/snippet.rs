//! Snippets: the best passage of the body with the query's words in `<mark>`, everything else
//! HTML-escaped; the description (escaped) when the body has no match.
//!
//! The passage is chosen as tantivy's `SnippetGenerator` chooses it (the same fragments, the
//! same scores, the same tie-breaks and the same escaping), but cheaper: the generator runs
//! every word of the passage through the stemming analyzer, while here a word is stemmed only
//! when it could stem to one of the query's stems. English stemming keeps a word's first
//! letter, so a word whose (lower-case ASCII) first letter starts no query stem cannot match
//! and is never stemmed; words starting with another character are stemmed as before.

use std::collections::HashMap;
use std::ops::Range;

use tantivy::schema::Field;

use crate::article::Heading;
use tantivy::tokenizer::TextAnalyzer;

/// Longest snippet, in bytes of the passage (tantivy's `max_num_chars` counts bytes).
const SNIPPET_CHARS: usize = 220;
/// Only the start of a long body is scanned for the best passage: that bounds the cost of a
/// result page whatever the articles' length.
const SCAN_BYTES: usize = 32 * 1024;

/// Bytes of body around the densest cluster of matches handed to the fragment search.
const WINDOW_BEFORE: usize = 200;
const WINDOW_AFTER: usize = 800;
/// Words longer than this are dropped by the analyzer, so never highlighted.
use crate::index::tokenize::MAX_TOKEN_BYTES;
/// How much of a long body is looked at for its best section.
const SECTION_SCAN_BYTES: usize = 256 * 1024;

pub struct Snippets {
    /// Query stem -> its weight, `1 / (1 + document frequency in the body)`; stems no body
    /// has are left out. Empty: no highlighting.
    terms: HashMap<String, f32>,
    /// First bytes of the stems: a lower-case ASCII word starting with another byte cannot
    /// stem to one of them.
    first_bytes: [bool; 256],
    /// The query's stems, found case-insensitively, to choose a window before the fragment
    /// search runs.
    finder: Option<aho_corasick::AhoCorasick>,
    /// The stems, by the finder's pattern number.
    stems: Vec<String>,
    /// Words of this search's passages already weighed: the hits of one query share most
    /// of their words, and running the analyzer over a word is most of a snippet's cost.
    weighed: std::cell::RefCell<HashMap<String, Option<f32>>>,
}

impl Snippets {
    /// Snippets marking `stems`; the `filler` among them (function words) are marked but
    /// not looked for, unless the query has nothing else.
    pub fn new(
        stats: &dyn tantivy::query::Bm25StatisticsProvider,
        field: Field,
        stems: &[String],
        filler: &[String],
    ) -> tantivy::Result<Snippets> {
        let mut terms = HashMap::new();
        let mut first_bytes = [false; 256];
        for stem in stems {
            if terms.contains_key(stem) {
                continue;
            }
            let doc_freq = stats.doc_freq(&tantivy::Term::from_field_text(field, stem))?;
            if doc_freq > 0 {
                if let Some(&b) = stem.as_bytes().first() {
                    first_bytes[b as usize] = true;
                }
                terms.insert(stem.clone(), 1.0 / (1.0 + doc_freq as f32));
            }
        }
        // Only stems some document has can be marked: the others (a 5,000-letter word) would
        // only make the automaton large.
        let found = |skip_filler: bool| -> Vec<String> {
            stems
                .iter()
                .filter(|s| terms.contains_key(*s) && !(skip_filler && filler.contains(s)))
                .cloned()
                .collect()
        };
        let telling = found(true);
        let found = if telling.is_empty() {
            found(false)
        } else {
            telling
        };
        let finder = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&found)
            .ok();
        Ok(Snippets {
            terms,
            first_bytes,
            finder,
            stems: found,
            weighed: Default::default(),
        })
    }

    /// The part of the body worth highlighting: around the position where most distinct
    /// query stems occur within a window.
    fn window<'a>(&self, body: &'a str) -> Option<&'a str> {
        let finder = self.finder.as_ref()?;
        let matches: Vec<(usize, usize)> = finder
            .find_iter(body)
            .map(|m| (m.start(), m.pattern().as_usize()))
            .take(256)
            .collect();
        let mut best = (0, *matches.first()?);
        for (i, &(start, _)) in matches.iter().enumerate() {
            let mut seen = Vec::new();
            for &(pos, pattern) in &matches[i..] {
                if pos > start + WINDOW_AFTER - WINDOW_BEFORE {
                    break;
                }
                if !seen.contains(&pattern) {
                    seen.push(pattern);
                }
            }
            if seen.len() > best.0 {
                best = (seen.len(), (start, 0));
            }
        }
        let from = floor_char_boundary(body, best.1.0.saturating_sub(WINDOW_BEFORE));
        let to = floor_char_boundary(body, best.1.0 + WINDOW_AFTER);
        Some(&body[from..to])
    }

    /// The best section of a body for the query, as an index into `outline`: the one whose
    /// text (heading included) holds the most weight of distinct query stems, a stem in the
    /// heading itself counting twice. `None` when no section has a match (or there are none).
    pub fn best_section(&self, body: &str, outline: &[Heading]) -> Option<usize> {
        let finder = self.finder.as_ref()?;
        if outline.is_empty() || self.terms.is_empty() {
            return None;
        }
        let scanned = &body[..floor_char_boundary(body, SECTION_SCAN_BYTES)];
        let weight = |pattern: usize| -> f32 {
            self.stems
                .get(pattern)
                .and_then(|s| self.terms.get(s))
                .copied()
                .unwrap_or(0.0)
        };
        let mut best: Option<(f32, usize)> = None;
        let mut matches = finder.find_iter(scanned).take(4096).peekable();
        for (i, h) in outline.iter().enumerate() {
            let end = outline.get(i + 1).map_or(scanned.len(), |n| n.offset);
            let mut seen: Vec<usize> = Vec::new();
            while let Some(m) = matches.peek() {
                if m.start() >= end {
                    break;
                }
                if m.start() >= h.offset && !seen.contains(&m.pattern().as_usize()) {
                    seen.push(m.pattern().as_usize());
                }
                matches.next();
            }
            let in_heading: Vec<usize> = finder
                .find_iter(&h.text)
                .map(|m| m.pattern().as_usize())
                .collect();
            let score: f32 = seen.iter().map(|&p| weight(p)).sum::<f32>()
                + in_heading.iter().map(|&p| weight(p)).sum::<f32>();
            if score > 0.0 && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, i));
            }
        }
        best.map(|(_, i)| i)
    }

    /// The snippet of a hit, from its best section when it has one (see
    /// [`Snippets::best_section`]).
    pub fn passage(
        &self,
        body: &str,
        outline: &[Heading],
        description: &str,
    ) -> (String, Option<usize>) {
        let Some(i) = self.best_section(body, outline) else {
            return (self.snippet(body, description), None);
        };
        let start = outline[i].offset.min(body.len());
        let end = outline
            .get(i + 1)
            .map_or(body.len(), |n| n.offset.min(body.len()));
        let section = body.get(start..end.max(start)).unwrap_or(body);
        (self.snippet(section, description), Some(i))
    }

    pub fn snippet(&self, body: &str, description: &str) -> String {
        let scanned = &body[..floor_char_boundary(body, SCAN_BYTES)];
        if !self.terms.is_empty()
            && let Some(window) = self.window(scanned)
            && let Some(html) = self.highlight(window)
        {
            return html;
        }
        let fallback = if description.trim().is_empty() {
            let end = floor_char_boundary(body, SNIPPET_CHARS);
            body[..end].replace('\n', " ")
        } else {
            description.to_owned()
        };
        escape_html(&fallback)
    }

    /// The best fragment of `text` as HTML, `None` when no word of it matches.
    fn highlight(&self, text: &str) -> Option<String> {
        STEMMER.with_borrow_mut(|stemmer| self.highlight_with(stemmer, text))
    }

    fn highlight_with(&self, stemmer: &mut Stemmer, text: &str) -> Option<String> {
        let mut fragment = Fragment::new(0);
        let mut best: Option<Fragment> = None;
        let mut keep = |f: Fragment| {
            // The first of the best-scoring fragments wins, as in tantivy.
            if f.score > 0.0 && best.as_ref().is_none_or(|b| f.score > b.score) {
                best = Some(f);
            }
        };
        for word in words(text) {
            if word.len() > MAX_TOKEN_BYTES {
                continue;
            }
            if word.end - fragment.start > SNIPPET_CHARS {
                keep(std::mem::replace(&mut fragment, Fragment::new(word.start)));
            }
            fragment.stop = word.end;
            if let Some(score) = self.score(stemmer, &text[word.clone()]) {
                fragment.score += score;
                fragment.highlighted.push(word);
            }
        }
        keep(fragment);
        let best = best?;
        let mut html = String::with_capacity(best.stop - best.start + 64);
        let mut from = best.start;
        for range in &best.highlighted {
            escape_into(&mut html, &text[from..range.start]);
            html.push_str("<mark>");
            escape_into(&mut html, &text[range.clone()]);
            html.push_str("</mark>");
            from = range.end;
        }
        escape_into(&mut html, &text[from..best.stop]);
        Some(html)
    }

    /// The weight of `word` when its stem is a query stem.
    fn score(&self, stemmer: &mut Stemmer, word: &str) -> Option<f32> {
        let first = word.as_bytes()[0];
        if first.is_ascii() && !self.first_bytes[first.to_ascii_lowercase() as usize] {
            return None;
        }
        if let Some(&known) = self.weighed.borrow().get(word) {
            return known;
        }
        let weight = stemmer
            .stem(word)
            .and_then(|stem| self.terms.get(stem).copied());
        self.weighed.borrow_mut().insert(word.to_owned(), weight);
        weight
    }
}

/// A candidate passage: `start..stop` of the text, its score and its matched words.
struct Fragment {
    start: usize,
    stop: usize,
    score: f32,
    highlighted: Vec<Range<usize>>,
}

impl Fragment {
    fn new(start: usize) -> Fragment {
        Fragment {
            start,
            stop: start,
            score: 0.0,
            highlighted: Vec::new(),
        }
    }
}

/// Byte ranges of the words of `text` as tantivy's `SimpleTokenizer` splits it: maximal runs
/// of alphanumeric characters.
fn words(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let start = loop {
            let (i, c) = chars.next()?;
            if c.is_alphanumeric() {
                break i;
            }
        };
        let end = loop {
            match chars.next() {
                Some((i, c)) if !c.is_alphanumeric() => break i,
                Some(_) => {}
                None => break text.len(),
            }
        };
        Some(start..end)
    })
}

thread_local! {
    /// One per thread, kept: the analyzer remembers the stems it made (a bounded map), and
    /// the words of result passages repeat from query to query.
    static STEMMER: std::cell::RefCell<Stemmer> = std::cell::RefCell::new(Stemmer::new());
}

/// The full-text analyzer applied to one word at a time: the stem the index has for it.
struct Stemmer {
    analyzer: TextAnalyzer,
    stem: String,
}

impl Stemmer {
    fn new() -> Stemmer {
        Stemmer {
            analyzer: crate::index::text_analyzer(),
            stem: String::new(),
        }
    }

    fn stem(&mut self, word: &str) -> Option<&str> {
        let mut stream = self.analyzer.token_stream(word);
        if !stream.advance() {
            return None;
        }
        self.stem.clear();
        self.stem.push_str(&stream.token().text);
        Some(&self.stem)
    }
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    if s.len() <= max {
        return s.len();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Escapes the five HTML-special characters as the highlighted passage has them (tantivy's
/// `htmlescape::encode_minimal`).
fn escape_into(out: &mut String, s: &str) {
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'"' => "&quot;",
            b'&' => "&amp;",
            b'\'' => "&#x27;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => continue,
        };
        out.push_str(&s[from..i]);
        out.push_str(entity);
        from = i + 1;
    }
    out.push_str(&s[from..]);
}

/// Escapes the five HTML-special characters, as the highlighted passages do.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_like_the_simple_tokenizer() {
        let text = "Héllo, wörld! a-b  c_d 42x ";
        let ours: Vec<&str> = words(text).map(|r| &text[r]).collect();
        let mut theirs = Vec::new();
        use tantivy::tokenizer::TokenStream;
        let mut tok = tantivy::tokenizer::SimpleTokenizer::default();
        let mut stream = tantivy::tokenizer::Tokenizer::token_stream(&mut tok, text);
        while stream.advance() {
            theirs.push(text[stream.token().offset_from..stream.token().offset_to].to_owned());
        }
        assert_eq!(ours, theirs);
    }

    #[test]
    fn escaping_matches_encode_minimal() {
        let mut out = String::new();
        escape_into(&mut out, "a<b>&\"c'é");
        assert_eq!(out, "a&lt;b&gt;&amp;&quot;c&#x27;é");
    }
}
