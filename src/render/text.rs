//! Sanitized article HTML -> plain text, for copying a filled-in article into a case note.
//!
//! Working from the rendered HTML rather than the Markdown means the text shows what the
//! page shows: token values filled in, portal elements described, callouts labelled, an
//! image by its alt text (whether it loaded or not), a footnote as `[1]` where it is cited
//! and `[1] text` where it is defined. The input is ammonia's output, so it is well formed:
//! tags are balanced, attributes double-quoted, and text escaped with a handful of entities.

use super::escape::decode_entities;
use crate::article::html::{Kind, Tag, Tokens};

/// Elements that end a line.
const BREAK: &[&str] = &["br", "tr", "li", "dt", "dd"];
/// Elements that stand apart as blocks (a blank line around them).
const BLOCK: &[&str] = &[
    "p",
    "div",
    "section",
    "aside",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "table",
    "hr",
];

/// A superscript: a footnote's number where it is cited or defined (written in brackets),
/// or any other.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sup {
    Reference,
    Label,
    Other,
}

struct Writer {
    out: String,
    /// Newlines owed before the next text (1 = line break, 2 = blank line).
    pending: usize,
    /// A space owed before the next text.
    space: bool,
    /// Inside `<pre>`: whitespace is kept.
    pre: usize,
    /// One entry per open list: the next number of an `<ol>`, `None` for `<ul>`.
    lists: Vec<Option<usize>>,
    /// One entry per open `<sup>`: what it is.
    sups: Vec<Sup>,
    /// A footnote's number was just written where it is defined: its text follows on the
    /// same line rather than as a block of its own.
    after_label: bool,
    /// A list item's marker was just written: a paragraph that opens the item (a loose
    /// list's `<li><p>`) starts on the marker's line.
    after_marker: bool,
    /// One entry per open `<li>`: whether it holds blocks (a loose list's item), which a
    /// blank line then separates from the next item.
    items: Vec<bool>,
}

impl Writer {
    fn newline(&mut self, n: usize) {
        self.pending = self.pending.max(n);
        self.space = false;
    }

    fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if self.pre > 0 {
            self.flush();
            self.out.push_str(s);
            return;
        }
        let ws = |c: char| c.is_ascii_whitespace();
        if s.starts_with(ws) {
            self.space = true;
        }
        let mut words = 0;
        for word in s.split_ascii_whitespace() {
            if words > 0 {
                self.space = true;
            }
            words += 1;
            self.flush();
            self.out.push_str(word);
            self.after_marker = false;
        }
        if words > 0 && s.ends_with(ws) {
            self.space = true;
        }
    }

    /// Writes what is owed before text.
    fn flush(&mut self) {
        if self.out.is_empty() {
            self.pending = 0;
            self.space = false;
            return;
        }
        if self.pending > 0 {
            while self.out.ends_with(' ') {
                self.out.pop();
            }
            let have = self.out.len() - self.out.trim_end_matches('\n').len();
            for _ in have..self.pending {
                self.out.push('\n');
            }
            self.pending = 0;
            self.space = false;
        } else if self.space {
            if !self.out.ends_with([' ', '\n']) {
                self.out.push(' ');
            }
            self.space = false;
        }
    }

    fn open(&mut self, name: &str, tag: &Tag<'_>) {
        if BLOCK.contains(&name)
            && let Some(loose) = self.items.last_mut()
        {
            *loose = true;
        }
        if self.after_label && BLOCK.contains(&name) {
            self.after_label = false;
            self.space = true;
            return;
        }
        if self.after_marker && BLOCK.contains(&name) && !matches!(name, "ul" | "ol" | "pre") {
            return;
        }
        match name {
            // What a missing image shows in its place (`kb-image-missing`) too.
            "img" => {
                if let Some(alt) = attribute(tag, "alt") {
                    self.space = true;
                    self.text(&decode_entities(alt));
                    self.space = true;
                }
            }
            "sup" => {
                // pulldown-cmark's classes for the two ends of a footnote.
                let sup = match attribute(tag, "class") {
                    Some("footnote-reference") => Sup::Reference,
                    Some("footnote-definition-label") => Sup::Label,
                    _ => Sup::Other,
                };
                if sup != Sup::Other {
                    self.text("[");
                }
                self.sups.push(sup);
            }
            "li" => {
                self.newline(1);
                self.flush();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "- ".to_owned(),
                };
                self.out.push_str(&marker);
                self.after_marker = true;
                self.items.push(false);
            }
            "ul" | "ol" => {
                self.newline(if self.lists.is_empty() { 2 } else { 1 });
                self.lists.push((name == "ol").then_some(1));
            }
            // Cells after the first of a row.
            "td" | "th"
                if !self.out.ends_with('\n') && self.pending == 0 && !self.out.is_empty() =>
            {
                self.out.push_str(" | ");
                self.space = false;
            }
            "pre" => {
                self.newline(2);
                self.pre += 1;
            }
            _ if BREAK.contains(&name) => self.newline(1),
            _ if BLOCK.contains(&name) => self.newline(2),
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        match name {
            "li" => {
                let loose = self.items.pop().unwrap_or(false);
                self.newline(if loose { 2 } else { 1 });
            }
            "sup" => match self.sups.pop() {
                Some(Sup::Reference) => self.text("]"),
                Some(Sup::Label) => {
                    self.text("]");
                    self.after_label = true;
                }
                _ => {}
            },
            "ul" | "ol" => {
                self.lists.pop();
                self.newline(if self.lists.is_empty() { 2 } else { 1 });
            }
            "pre" => {
                self.pre = self.pre.saturating_sub(1);
                self.newline(2);
            }
            _ if BREAK.contains(&name) => self.newline(1),
            _ if BLOCK.contains(&name) => self.newline(2),
            _ => {}
        }
    }
}

/// The value of the attribute `name` of a start tag, as the sanitizer writes attributes:
/// `name="value"` (a bare `name` has none).
fn attribute<'t>(tag: &Tag<'t>, name: &str) -> Option<&'t str> {
    tag.attrs()
        .find(|a| a.name.eq_ignore_ascii_case(name))
        .and_then(|a| a.value)
}

/// The text of sanitized HTML.
pub(crate) fn from_html(html: &str) -> String {
    let mut w = Writer {
        out: String::with_capacity(html.len() / 2),
        pending: 0,
        space: false,
        pre: 0,
        lists: Vec::new(),
        sups: Vec::new(),
        after_label: false,
        after_marker: false,
        items: Vec::new(),
    };
    for token in Tokens::new(html) {
        match token.kind {
            Kind::Text(t) => w.text(&decode_entities(t)),
            Kind::StartTag(tag) => w.open(&tag.name.to_ascii_lowercase(), &tag),
            Kind::EndTag(tag) => w.close(&tag.name.to_ascii_lowercase()),
            _ => {}
        }
    }
    let mut out = w.out;
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out.replace('\u{a0}', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_lists_and_tables_become_lines() {
        let html = "<h1 id=\"t\">Title</h1>\n<p>The VM <strong><span class=\"kb-token\">web&amp;01</span></strong> stopped.</p>\n\
                    <ol><li>One</li><li>Two <code>x</code></li></ol>\n<ul><li>a</li></ul>\
                    <table><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>\
                    <pre><code>line 1\n  line 2\n</code></pre><p>end&nbsp;here</p>";
        assert_eq!(
            from_html(html),
            "Title\n\nThe VM web&01 stopped.\n\n1. One\n2. Two x\n\n- a\n\nA | B\n1 | 2\n\nline 1\n  line 2\n\nend here\n"
        );
    }

    #[test]
    fn a_loose_list_item_starts_on_its_marker_line() {
        let html = "<ol>\n<li>\n<p>One</p>\n</li>\n<li>\n<p>Two</p>\n<p>More</p>\n</li>\n</ol>\n\
                    <ul><li><p>a</p><ul><li>b</li><li>c</li></ul></li><li>d</li></ul>";
        assert_eq!(
            from_html(html),
            "1. One\n\n2. Two\n\nMore\n\n- a\n\n- b\n- c\n\n- d\n"
        );
    }

    #[test]
    fn images_read_as_their_alt_text_loaded_or_not() {
        let html = "<p>See<img src=\"/files/a.png\" alt=\"The &amp; diagram\" title=\"t\">\
                    <span class=\"kb-image-missing\">Missing one</span> <img src=\"x\">end</p>";
        assert_eq!(from_html(html), "See The & diagram Missing one end\n");
    }

    #[test]
    fn footnotes_read_as_bracketed_numbers() {
        let html = "<p>A claim.<sup class=\"footnote-reference\"><a href=\"#s\">1</a></sup> More.</p>\n\
                    <p>x<sup>2</sup></p>\n\
                    <div class=\"footnote-definition\" id=\"s\"><sup class=\"footnote-definition-label\">1</sup>\n\
                    <p>The source.</p>\n</div>";
        assert_eq!(
            from_html(html),
            "A claim.[1] More.\n\nx2\n\n[1] The source.\n"
        );
    }
}
