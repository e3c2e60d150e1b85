//! Snippets: the best passage of the body with the query's words in `<mark>`, everything else
//! HTML-escaped; the description (escaped) when the body has no match.
//!
//! The passage is chosen as tantivy's `SnippetGenerator` chooses it (the same fragments, the
//! same scores, the same tie-breaks and the same escaping), but cheaper: the generator runs
//! every word of the passage through the stemming analyzer, while here a word is stemmed only
//! when it could stem to one of the query's stems. English stemming keeps a word's first
//! letter, so a word whose (lower-case ASCII) first letter starts no query stem cannot match
//! and is never stemmed; words starting with another character are stemmed as before.

use foldhash::HashMap;
use std::ops::Range;

use tantivy::schema::Field;

use super::find::StemFinder;
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
/// At most this many matches of the query's stems are collected in a body, and looked at
/// for a window.
const SECTION_MATCHES: usize = 4096;
const WINDOW_MATCHES: usize = 256;

pub struct Snippets {
    /// Query stem -> its weight, `1 / (1 + document frequency in the body)`; stems no body
    /// has are left out. Empty: no highlighting.
    terms: HashMap<String, f32>,
    /// First bytes of the stems: a lower-case ASCII word starting with another byte cannot
    /// stem to one of them.
    first_bytes: [bool; 256],
    /// The query's stems, found case-insensitively, to choose a window before the fragment
    /// search runs.
    finder: StemFinder,
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
        let mut terms = HashMap::default();
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
        // only be searched for in vain.
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
        let finder = StemFinder::new(&found);
        Ok(Snippets {
            terms,
            first_bytes,
            finder,
            stems: found,
            weighed: Default::default(),
        })
    }

    /// The part of `text` worth highlighting: around the position where most distinct
    /// query stems occur within a window. `matches` are the stems found in `text`, as
    /// `(start, pattern)` in order.
    fn window<'a>(&self, text: &'a str, matches: &[(usize, usize)]) -> Option<&'a str> {
        let matches = &matches[..matches.len().min(WINDOW_MATCHES)];
        let mut best = (0, matches.first()?.0);
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
                best = (seen.len(), start);
            }
        }
        let from = floor_char_boundary(text, best.1.saturating_sub(WINDOW_BEFORE));
        let to = floor_char_boundary(text, best.1 + WINDOW_AFTER);
        Some(&text[from..to])
    }

    /// The stems found in `text`, as `(start, end, pattern)`, at most `limit`.
    fn find(&self, text: &str, limit: usize) -> Vec<(usize, usize, usize)> {
        self.finder
            .find_iter(text)
            .take(limit)
            .map(|m| (m.start, m.end, m.pattern))
            .collect()
    }

    /// The best section of a body for the query, as an index into `outline`: the one whose
    /// text (heading included) holds the most weight of distinct query stems, a stem in the
    /// heading itself counting twice. `matches` are the stems found in the body's first
    /// `scanned` bytes. `None` when no section has a match (or there are none).
    fn best_section(
        &self,
        matches: &[(usize, usize, usize)],
        scanned: usize,
        outline: &[Heading],
    ) -> Option<usize> {
        let weight = |pattern: usize| -> f32 {
            self.stems
                .get(pattern)
                .and_then(|s| self.terms.get(s))
                .copied()
                .unwrap_or(0.0)
        };
        let mut best: Option<(f32, usize)> = None;
        let mut matches = matches.iter().peekable();
        for (i, h) in outline.iter().enumerate() {
            let end = outline.get(i + 1).map_or(scanned, |n| n.offset);
            let mut seen: Vec<usize> = Vec::new();
            while let Some(&&(start, _, pattern)) = matches.peek() {
                if start >= end {
                    break;
                }
                if start >= h.offset && !seen.contains(&pattern) {
                    seen.push(pattern);
                }
                matches.next();
            }
            let in_heading: Vec<usize> =
                self.finder.find_iter(&h.text).map(|m| m.pattern).collect();
            let score: f32 = seen.iter().map(|&p| weight(p)).sum::<f32>()
                + in_heading.iter().map(|&p| weight(p)).sum::<f32>();
            if score > 0.0 && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, i));
            }
        }
        best.map(|(_, i)| i)
    }

    /// The snippet of a hit, from its best section when it has one (see
    /// [`Snippets::best_section`]), and that section's index in `outline`.
    ///
    /// The body is scanned for the query's stems once: the same matches choose the section
    /// and, within it, the window to highlight.
    pub fn passage(
        &self,
        body: &str,
        outline: &[Heading],
        description: &str,
    ) -> (String, Option<usize>) {
        if self.terms.is_empty() {
            return (self.fallback(body, description), None);
        }
        let scanned = floor_char_boundary(body, SECTION_SCAN_BYTES);
        let matches = self.find(&body[..scanned], SECTION_MATCHES);
        let section = if outline.is_empty() {
            None
        } else {
            self.best_section(&matches, scanned, outline)
        };
        let (from, to) = match section {
            Some(i) => {
                let from = outline[i].offset.min(body.len());
                let to = outline
                    .get(i + 1)
                    .map_or(body.len(), |n| n.offset.min(body.len()));
                (from, to.max(from))
            }
            None => (0, body.len()),
        };
        let Some(whole) = body.get(from..to) else {
            return (self.fallback(body, description), section);
        };
        let text = &whole[..floor_char_boundary(whole, SCAN_BYTES)];
        let end = from + text.len();
        // The body's matches serve unless they stopped short of this text's end (a body with
        // more matches than are collected, or longer than is scanned for sections).
        let covered = end <= scanned
            && (matches.len() < SECTION_MATCHES || matches.last().is_some_and(|m| m.0 >= end));
        let own: Vec<(usize, usize)> = if covered {
            matches
                .iter()
                .filter(|&&(start, stop, _)| start >= from && stop <= end)
                .map(|&(start, _, pattern)| (start - from, pattern))
                .take(WINDOW_MATCHES)
                .collect()
        } else {
            self.find(text, WINDOW_MATCHES)
                .into_iter()
                .map(|(start, _, pattern)| (start, pattern))
                .collect()
        };
        let html = self
            .window(text, &own)
            .and_then(|window| self.highlight(window));
        (
            html.unwrap_or_else(|| self.fallback(whole, description)),
            section,
        )
    }

    /// What a hit shows when no passage matches: its description, or the start of its
    /// text (the section's, when one was chosen).
    fn fallback(&self, body: &str, description: &str) -> String {
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
///
/// A passage's word is one run of letters and digits, whose first token the full-text
/// analyzer makes whole: the analyzer of identifiers whole makes the same token without
/// splitting the run into parts that would be thrown away.
struct Stemmer {
    analyzer: TextAnalyzer,
    stem: String,
}

impl Stemmer {
    fn new() -> Stemmer {
        Stemmer {
            analyzer: crate::index::codes_analyzer(),
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

    /// Every stem is in one document of ten.
    struct Rare;

    impl tantivy::query::Bm25StatisticsProvider for Rare {
        fn total_num_tokens(&self, _: Field) -> tantivy::Result<u64> {
            Ok(100)
        }
        fn total_num_docs(&self) -> tantivy::Result<u64> {
            Ok(10)
        }
        fn doc_freq(&self, _: &tantivy::Term) -> tantivy::Result<u64> {
            Ok(1)
        }
    }

    fn heading(text: &str, offset: usize) -> Heading {
        Heading {
            level: 2,
            text: text.to_owned(),
            anchor: text.to_lowercase(),
            offset,
        }
    }

    /// The section with most of the query wins, and its own words are marked: the matches
    /// found once in the whole body serve the window, whether they come before the section
    /// or after it.
    #[test]
    fn the_passage_comes_from_the_section_with_most_of_the_query() {
        let (_, fields) = crate::index::Fields::build();
        let stems: Vec<String> = ["disk", "full"].map(String::from).to_vec();
        let snippets = Snippets::new(&Rare, fields.body, &stems, &[]).expect("snippets");
        let intro = "Overview of disk care. ";
        let first = "Other things\nThe disk is slow here. ";
        let second = "Disk full\nWhen the disk is full, delete old files. ";
        let third = "Last\nA full stop.";
        let body = format!("{intro}{first}{second}{third}");
        let outline = [
            heading("Other things", intro.len()),
            heading("Disk full", intro.len() + first.len()),
            heading("Last", intro.len() + first.len() + second.len()),
        ];
        let (html, section) = snippets.passage(&body, &outline, "the description");
        assert_eq!(section, Some(1));
        assert_eq!(
            html,
            "<mark>Disk</mark> <mark>full</mark>\nWhen the <mark>disk</mark> is \
             <mark>full</mark>, delete old files"
        );
        // No section: the body's start, with its matches.
        let (html, section) = snippets.passage(intro, &[], "the description");
        assert_eq!(
            (html.as_str(), section),
            ("Overview of <mark>disk</mark> care", None)
        );
        // Nothing matches: the description.
        let (html, section) = snippets.passage("Nothing here.", &outline[..0], "the <b>");
        assert_eq!((html.as_str(), section), ("the &lt;b&gt;", None));
    }

    #[test]
    fn escaping_matches_encode_minimal() {
        let mut out = String::new();
        escape_into(&mut out, "a<b>&\"c'é");
        assert_eq!(out, "a&lt;b&gt;&amp;&quot;c&#x27;é");
    }

    /// A passage word's stem is the first token the full-text analyzer makes of it,
    /// identifiers included.
    #[test]
    fn a_words_stem_is_the_full_text_analyzers_first_token() {
        use tantivy::tokenizer::TokenStream;
        let mut stemmer = Stemmer::new();
        let mut full = crate::index::text_analyzer();
        let text = "Running UserErrorSkuNotAvailable AADSTS50076 0x80070005 Héllo vmSS2 disks";
        for word in words(text).map(|r| &text[r]) {
            let mut stream = full.token_stream(word);
            assert!(stream.advance());
            let expected = stream.token().text.clone();
            assert_eq!(stemmer.stem(word), Some(expected.as_str()), "{word}");
        }
        assert_eq!(
            stemmer.stem("UserErrorSkuNotAvailable"),
            Some("usererrorskunotavail")
        );
    }
}
