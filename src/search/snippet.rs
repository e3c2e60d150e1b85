//! Snippets: the best passage of the body with the query's words in `<mark>`, everything else
//! HTML-escaped; the description (escaped) when the body has no match.

use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 220;
/// Only the start of a long body is scanned for the best passage: that bounds the cost of a
/// result page whatever the articles' length.
const SCAN_BYTES: usize = 24 * 1024;

pub struct Snippets {
    generator: Option<SnippetGenerator>,
}

impl Snippets {
    pub fn new(
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        field: Field,
        enabled: bool,
    ) -> tantivy::Result<Snippets> {
        let generator = if enabled {
            let mut g = SnippetGenerator::create(searcher, query, field)?;
            g.set_max_num_chars(SNIPPET_CHARS);
            Some(g)
        } else {
            None
        };
        Ok(Snippets { generator })
    }

    pub fn snippet(&self, body: &str, description: &str) -> String {
        let scanned = &body[..floor_char_boundary(body, SCAN_BYTES)];
        if let Some(g) = &self.generator {
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
