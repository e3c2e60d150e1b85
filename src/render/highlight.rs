//! The words of a search, marked in an article page: `/articles/{path}?q=…` shows where the
//! query matched, without JavaScript.
//!
//! It runs on the sanitized HTML, after [`super::sanitize`]: it only wraps runs of text in a
//! fixed `<mark class="kb-hit">`, never touches a tag, an attribute or an entity, and so can
//! add nothing active. A word is marked when the full-text analyzer stems it to one of the
//! query's terms, the way the index matched it (so `restarting` is marked for `restart`).

use std::collections::HashSet;

use tantivy::tokenizer::TextAnalyzer;

use crate::article::html::{Kind, Tokens};

/// The opening tag of a marked word.
pub const MARK_OPEN: &str = "<mark class=\"kb-hit\">";
const MARK_CLOSE: &str = "</mark>";

/// Elements whose text is not prose to mark.
const SKIPPED: &[&str] = &["code", "pre", "script", "style", "textarea", "title"];

/// `html` with every word that stems to one of `terms` in a mark. Text inside `<code>` and
/// `<pre>` is left as it is: a command is copied, and a mark inside it would be copied too.
pub fn highlight(html: &str, terms: &HashSet<String>) -> String {
    if terms.is_empty() {
        return html.to_owned();
    }
    let mut analyzer = crate::index::text_analyzer();
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    // The open skipped elements, innermost last.
    let mut skipping: Vec<&'static str> = Vec::new();
    // The grammar's one HTML tokenizer, so that a comment or an odd tag reads here as it
    // does everywhere else; every token but text is copied as written.
    for token in Tokens::new(html) {
        let written = html.get(token.start..token.end).unwrap_or_default();
        match token.kind {
            Kind::Text(text) if skipping.is_empty() => {
                mark_text(text, terms, &mut analyzer, &mut out);
                continue;
            }
            Kind::StartTag(tag) if !tag.self_closing => {
                if let Some(&name) = SKIPPED.iter().find(|s| tag.is(s)) {
                    skipping.push(name);
                }
            }
            Kind::EndTag(tag) => {
                if let Some(i) = skipping.iter().rposition(|s| tag.is(s)) {
                    skipping.truncate(i);
                }
            }
            _ => {}
        }
        out.push_str(written);
    }
    out
}

/// One text node: words matching `terms` marked, the rest (entities included) as it was.
fn mark_text(text: &str, terms: &HashSet<String>, analyzer: &mut TextAnalyzer, out: &mut String) {
    let mut from = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c == '&' {
            // An entity is not a word (`&amp;` is no `amp`).
            while let Some(&(_, n)) = chars.peek() {
                chars.next();
                if n == ';' || !n.is_ascii_alphanumeric() && n != '#' {
                    break;
                }
            }
            continue;
        }
        if !c.is_alphanumeric() {
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, n)) = chars.peek() {
            if !n.is_alphanumeric() {
                break;
            }
            end = i + n.len_utf8();
            chars.next();
        }
        let word = &text[start..end];
        if matches(word, terms, analyzer) {
            out.push_str(&text[from..start]);
            out.push_str(MARK_OPEN);
            out.push_str(word);
            out.push_str(MARK_CLOSE);
            from = end;
        }
    }
    out.push_str(&text[from..]);
}

/// Whether the analyzer makes one of `terms` of `word` (the whole word, or one of its parts
/// when it is an identifier).
fn matches(word: &str, terms: &HashSet<String>, analyzer: &mut TextAnalyzer) -> bool {
    let mut stream = analyzer.token_stream(word);
    let mut found = false;
    stream.process(&mut |t| found |= terms.contains(&t.text));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(words: &[&str]) -> HashSet<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn marks_stemmed_words_in_text_only() {
        let html = "<h2 id=\"restart-vm\">Restart the VM</h2>\n<p>Restarting <a href=\"/restart\">restarts</a> \
                    it &amp; more.</p><pre><code>restart now</code></pre><p title=\"restart\">ok</p>";
        assert_eq!(
            highlight(html, &terms(&["restart", "amp"])),
            "<h2 id=\"restart-vm\"><mark class=\"kb-hit\">Restart</mark> the VM</h2>\n<p>\
             <mark class=\"kb-hit\">Restarting</mark> <a href=\"/restart\"><mark class=\"kb-hit\">restarts</mark></a> \
             it &amp; more.</p><pre><code>restart now</code></pre><p title=\"restart\">ok</p>"
        );
    }

    #[test]
    fn a_tag_or_comment_holding_a_greater_than_sign_is_left_whole() {
        let html = "<p>restart <!-- x > restart --> <a title=\"a > restart\">restart</a></p>";
        assert_eq!(
            highlight(html, &terms(&["restart"])),
            "<p><mark class=\"kb-hit\">restart</mark> <!-- x > restart --> \
             <a title=\"a > restart\"><mark class=\"kb-hit\">restart</mark></a></p>"
        );
    }

    #[test]
    fn nothing_to_mark_leaves_the_page_as_it_was() {
        let html = "<p>a &lt;b&gt; c</p>";
        assert_eq!(highlight(html, &terms(&[])), html);
        assert_eq!(highlight(html, &terms(&["zzz"])), html);
    }
}
