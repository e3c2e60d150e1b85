//! Snippets: the best passage of the body with the query's words in `<mark>`, everything else
//! HTML-escaped; the description (escaped) when the body has no match.

use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 220;
/// Only the start of a long body is scanned for the best passage: that bounds the cost of a
/// result page whatever the articles' length.
const SCAN_BYTES: usize = 32 * 1024;

/// Bytes of body around the densest cluster of matches handed to the snippet generator.
const WINDOW_BEFORE: usize = 200;
const WINDOW_AFTER: usize = 800;

pub struct Snippets {
    generator: Option<SnippetGenerator>,
    /// The query's stems, found case-insensitively, to choose a window before the (costly,
    /// stemming) snippet generator runs.
    finder: Option<aho_corasick::AhoCorasick>,
}

impl Snippets {
    pub fn new(
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        field: Field,
        stems: &[String],
    ) -> tantivy::Result<Snippets> {
        let enabled = !stems.is_empty();
        let generator = if enabled {
            let mut g = SnippetGenerator::create(searcher, query, field)?;
            g.set_max_num_chars(SNIPPET_CHARS);
            Some(g)
        } else {
            None
        };
        let finder = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(stems)
            .ok();
        Ok(Snippets { generator, finder })
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

    pub fn snippet(&self, body: &str, description: &str) -> String {
        let scanned = &body[..floor_char_boundary(body, SCAN_BYTES)];
        if let (Some(g), Some(window)) = (&self.generator, self.window(scanned)) {
            let scanned = window;
            let mut s = g.snippet(scanned);
            if !s.highlighted().is_empty() {
                s.set_snippet_prefix_postfix("<mark>", "</mark>");
                return s.to_html();
            }
        }
        let fallback = if description.trim().is_empty() {
            let end = floor_char_boundary(body, SNIPPET_CHARS);
            body[..end].replace('\n', " ")
        } else {
            description.to_owned()
        };
        escape_html(&fallback)
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

/// Escapes the five HTML-special characters.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
