//! The Markdown body: named sections, replacement tokens, the JSON payload after `---`, and
//! the plain text that search reads.
//!
//! Sections and tokens are HTML comments (`<!--name-->` … `<!--/name-->`,
//! `<!--$name-->default<!--/$name-->`), so they survive any Markdown renderer; the grammar
//! of [`super::markers`] finds and pairs them.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use super::html::{Kind, Tokens};
use super::markers::Scan;

/// A named section such as `issueDescription`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Section {
    pub name: String,
    /// The Markdown between the markers.
    pub markdown: String,
    /// 1-based line of the opening marker in the file.
    pub line: usize,
}

/// A replacement token the portal fills with the customer's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Token {
    pub name: String,
    /// What a reader sees outside the portal.
    pub default: String,
}

/// A section or token marker without its pair, reported by the parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpairedMarker {
    pub name: String,
    pub closing: bool,
    /// A marker of the other end exists, but pairing with it would cross another pair.
    pub crosses: bool,
    /// Byte offset in the body.
    pub offset: usize,
}

/// What the marker scan finds.
#[derive(Debug, Default)]
pub struct Markers {
    pub sections: Vec<Section>,
    pub tokens: Vec<Token>,
    pub unpaired: Vec<UnpairedMarker>,
}

/// The sections, tokens and unpaired markers of a body, paired by the one grammar of
/// [`super::markers`]. `line_of` maps a body offset to the file's 1-based line.
pub fn markers(body: &str, line_of: impl Fn(usize) -> usize) -> Markers {
    let scan = Scan::new(body);
    let mut result = Markers::default();
    for (i, j) in scan.pairs() {
        let (open, close) = (&scan.comments[i], &scan.comments[j]);
        let Some(m) = open.marker else { continue };
        let inner = &body[open.end..close.start];
        if m.token {
            if !result.tokens.iter().any(|t| t.name == m.name) {
                result.tokens.push(Token {
                    name: m.name.to_owned(),
                    default: strip_markup(inner),
                });
            }
        } else {
            result.sections.push(Section {
                name: m.name.to_owned(),
                markdown: inner.trim().to_owned(),
                line: line_of(open.start),
            });
        }
    }
    // For each name and kind: where its first opening and its last closing marker are.
    let mut ends: std::collections::HashMap<(String, bool), (usize, usize)> = Default::default();
    for c in &scan.comments {
        if let Some(m) = c.marker {
            let e = ends
                .entry((m.name.to_ascii_lowercase(), m.token))
                .or_insert((usize::MAX, 0));
            if m.closing {
                e.1 = e.1.max(c.start);
            } else {
                e.0 = e.0.min(c.start);
            }
        }
    }
    for (c, m) in scan.unpaired() {
        // A fenced token marker without its pair is code that shows.
        if c.fenced {
            continue;
        }
        let (first_open, last_close) = ends
            .get(&(m.name.to_ascii_lowercase(), m.token))
            .copied()
            .unwrap_or((usize::MAX, 0));
        result.unpaired.push(UnpairedMarker {
            name: m.name.to_owned(),
            closing: m.closing,
            crosses: if m.closing {
                first_open < c.start
            } else {
                last_close > c.start
            },
            offset: c.start,
        });
    }
    result
}

/// Splits the body at a `---` line followed by a JSON object: `(markdown, json text, json
/// offset)`. A `---` followed by anything else is a Markdown rule and stays in the body.
pub fn split_payload(body: &str) -> (&str, Option<(&str, usize)>) {
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let line_end = offset + line.len();
        if line.trim() == "---" && body[line_end..].trim_start().starts_with('{') {
            let mut json = &body[line_end..];
            // A closing `---` line after the document is part of the format, not of the JSON.
            let trimmed = json.trim_end();
            if let Some(before) = trimmed.strip_suffix("---")
                && before.ends_with('\n')
            {
                json = before;
            }
            return (&body[..offset], Some((json, line_end)));
        }
        offset = line_end;
    }
    (body, None)
}

/// Keys of the JSON payload whose string values are text a person reads: form labels,
/// dropdown options and hints, support topic names and their search tags.
const HUMAN_JSON_KEYS: &[&str] = &[
    "title",
    "displayLabel",
    "text",
    "shortDescription",
    "longDescription",
    "searchTags",
    "infoBalloonText",
    "description",
];

/// The human-readable strings of a JSON payload, in document order.
pub fn json_text(value: &serde_json::Value) -> Vec<String> {
    fn walk(value: &serde_json::Value, key: Option<&str>, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    walk(v, Some(k), out);
                }
            }
            serde_json::Value::Array(items) => {
                for v in items {
                    walk(v, key, out);
                }
            }
            serde_json::Value::String(s) if key.is_some_and(|k| HUMAN_JSON_KEYS.contains(&k)) => {
                let s = s.trim();
                if !s.is_empty() {
                    // searchTags are `;`-separated.
                    out.push(s.replace(';', ", "));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, None, &mut out);
    out
}

/// A Markdown heading of an article's body: where a section starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Heading {
    /// 1 for `#`, 2 for `##`, ...
    pub level: u8,
    /// The heading as a reader sees it: markup stripped, token defaults kept.
    pub text: String,
    /// Its anchor on the article page, unique within the page (`fix-the-boot-error`).
    pub anchor: String,
    /// Byte offset in the plain text where the heading's line starts; its section runs to
    /// the next heading's offset.
    pub offset: usize,
}

/// Headings compare with their text, so that a test can say which headings an article has.
impl PartialEq<&str> for Heading {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

/// What the Markdown part of the body yields for search and display.
#[derive(Debug, Default)]
pub struct Outline {
    /// The first H1's text.
    pub h1: Option<String>,
    /// Every heading, in order.
    pub headings: Vec<Heading>,
    /// The readable text: markup stripped, token defaults kept, one block per line.
    pub text: String,
}

/// Markdown options used for reading articles; rendering sets its own in the render module.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// Walks the Markdown once for headings and plain text.
pub fn outline(markdown: &str) -> Outline {
    let mut out = Outline::default();
    let mut heading: Option<(HeadingLevel, String)> = None;
    let mut slugs = super::slug::Slugger::default();
    let mut text = String::with_capacity(markdown.len());
    let mut stripper = HtmlStripper::default();
    for event in Parser::new_ext(markdown, markdown_options()) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => heading = Some((level, String::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, h)) = heading.take() {
                    let h = collapse_ws(&h);
                    if level == HeadingLevel::H1 && out.h1.is_none() && !h.is_empty() {
                        out.h1 = Some(h.clone());
                    }
                    if !h.is_empty() {
                        out.headings.push(Heading {
                            level: level as u8,
                            anchor: slugs.next(&h),
                            text: h,
                            offset: 0,
                        });
                    }
                }
                text.push('\n');
            }
            Event::Text(t) | Event::Code(t) => {
                push_text(&mut text, &mut heading, &t);
            }
            Event::InlineHtml(html) | Event::Html(html) => {
                // A tag separates words (`a<br>b`); script and style bodies are no text.
                let stripped = stripper.strip(&html);
                if separates_words(&html) {
                    push_text(&mut text, &mut heading, " ");
                }
                if !stripped.is_empty() {
                    push_text(&mut text, &mut heading, &stripped);
                    push_text(&mut text, &mut heading, " ");
                }
            }
            Event::SoftBreak | Event::HardBreak => push_text(&mut text, &mut heading, " "),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::HtmlBlock,
            ) => text.push('\n'),
            Event::End(TagEnd::TableCell) => text.push_str(" | "),
            _ => {}
        }
    }
    out.text = tidy_lines(&text);
    locate_headings(&out.text, &mut out.headings);
    out
}

/// Sets each heading's offset: the start of the next line of `text` that reads as the
/// heading. A heading is a block of its own, so after tidying it is a line of its own; one
/// that cannot be found (text glued to it by raw HTML) starts where the previous one did.
fn locate_headings(text: &str, headings: &mut [Heading]) {
    let mut lines = text.split_inclusive('\n').scan(0, |at, line| {
        let start = *at;
        *at += line.len();
        Some((start, line.trim_end_matches('\n')))
    });
    let mut last = 0;
    for h in headings {
        let mut ahead = lines.clone();
        if let Some((start, _)) = ahead.find(|(_, line)| *line == h.text) {
            last = start;
            lines = ahead;
        }
        h.offset = last;
    }
}

/// Whether an inline HTML tag stands between words (`<br>`, `<td>`) rather than inside
/// running text (`<a>`, `<b>`, comments such as token markers).
fn separates_words(html: &str) -> bool {
    const INLINE: &[&str] = &[
        "a", "abbr", "b", "code", "em", "font", "i", "kbd", "mark", "s", "small", "span", "strike",
        "strong", "sub", "sup", "u",
    ];
    let Some(rest) = html.strip_prefix('<') else {
        return false;
    };
    if rest.starts_with('!') {
        return false;
    }
    let name: String = rest
        .trim_start_matches('/')
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    !INLINE.contains(&name.as_str())
}

fn push_text(text: &mut String, heading: &mut Option<(HeadingLevel, String)>, t: &str) {
    text.push_str(t);
    if let Some((_, h)) = heading {
        h.push_str(t);
    }
}

/// Strips HTML that may come in pieces (the Markdown parser hands an HTML block over line by
/// line), remembering whether it is inside a `<script>` or `<style>` element, whose content
/// is code, not text.
#[derive(Debug, Default)]
pub struct HtmlStripper {
    skipping_until: Option<&'static str>,
}

impl HtmlStripper {
    /// The readable text of the next piece of HTML.
    pub fn strip(&mut self, html: &str) -> String {
        let mut visible = String::with_capacity(html.len());
        let mut rest = html;
        loop {
            if let Some(close) = self.skipping_until {
                match find_ascii_ci(rest, close) {
                    Some(i) => {
                        rest = &rest[i + close.len()..];
                        self.skipping_until = None;
                    }
                    None => break,
                }
            }
            let opens = [("<script", "</script>"), ("<style", "</style>")];
            let next = opens
                .iter()
                .filter_map(|(open, close)| find_ascii_ci(rest, open).map(|i| (i, *close)))
                .min_by_key(|(i, _)| *i);
            match next {
                Some((i, close)) => {
                    visible.push_str(&rest[..i]);
                    visible.push(' ');
                    rest = &rest[i..];
                    self.skipping_until = Some(close);
                }
                None => {
                    visible.push_str(rest);
                    break;
                }
            }
        }
        strip_markup(&visible)
    }
}

fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Removes tags and comments from an HTML fragment and decodes common entities, keeping the
/// text a reader would see.
pub fn strip_markup(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    for token in Tokens::new(html) {
        match token.kind {
            Kind::Text(t) | Kind::Cdata(t) => out.push_str(t),
            // Block-level tags separate words.
            Kind::StartTag(_) | Kind::EndTag(_) | Kind::Doctype => out.push(' '),
            Kind::Comment { .. } | Kind::EofInTag => {}
        }
    }
    let decoded = super::properties::unescape_lenient(&out.replace("&nbsp;", " "));
    collapse_ws(&decoded)
}

/// Collapses runs of whitespace into one space and trims.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn tidy_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = collapse_ws(line);
        let line = line.trim_end_matches(" |").trim();
        if !line.is_empty() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_tokens_are_paired() {
        let body = "# T\n<!--issueDescription-->\nVM **<!--$vmname-->Virtual machine<!--/$vmname-->** \
                    at <!--$StartTime-->StartTime<!--/$StartTime-->.\n<!--/issueDescription-->\n\
                    <!-- a comment -->\n<!--$vmname-->other<!--/$vmname-->";
        let m = markers(body, |off| body[..off].matches('\n').count() + 1);
        assert_eq!(m.sections.len(), 1);
        assert_eq!(m.sections[0].name, "issueDescription");
        assert_eq!(m.sections[0].line, 2);
        assert!(m.sections[0].markdown.starts_with("VM **"));
        let tokens: Vec<_> = m
            .tokens
            .iter()
            .map(|t| (t.name.as_str(), t.default.as_str()))
            .collect();
        assert_eq!(
            tokens,
            [("vmname", "Virtual machine"), ("StartTime", "StartTime")]
        );
        assert!(m.unpaired.is_empty());
    }

    #[test]
    fn unpaired_markers_are_reported_in_order() {
        let body = "<!--/recommendedActions-->\ntext\n<!--issueDescription-->\n";
        let m = markers(body, |_| 1);
        let names: Vec<_> = m
            .unpaired
            .iter()
            .map(|u| (u.name.as_str(), u.closing))
            .collect();
        assert_eq!(
            names,
            [("recommendedActions", true), ("issueDescription", false)]
        );
    }

    #[test]
    fn payload_follows_a_rule_line_only_when_json_starts() {
        let body = "# T\n---\n{\"a\": 1}\n---\n";
        let (md, json) = split_payload(body);
        assert_eq!(md, "# T\n");
        let (json, at) = json.expect("json");
        assert_eq!(json.trim(), "{\"a\": 1}");
        assert_eq!(&body[at..at + 1], "{");
        let rule = "# T\ntext\n---\nmore text\n";
        assert_eq!(split_payload(rule), (rule, None));
    }

    #[test]
    fn json_text_keeps_labels_options_and_topic_names() {
        let v: serde_json::Value = serde_json::from_str(
            r#"{"title":"Form","formElements":[{"id":"x","displayLabel":"When did it start?",
            "watermarkText":"Choose","dropdownOptions":[{"value":"a","text":"Option A"}]}],
            "supportTopics":[{"id":"1","shortDescription":"Boot fails","searchTags":"boot;rdp"}]}"#,
        )
        .expect("json");
        assert_eq!(
            json_text(&v),
            [
                "Form",
                "When did it start?",
                "Option A",
                "Boot fails",
                "boot, rdp"
            ]
        );
    }

    #[test]
    fn outline_strips_markup_and_keeps_token_defaults() {
        let md = "# Boot <em>fails</em>\n\nThe VM **<!--$vmname-->web01<!--/$vmname-->** stopped.<br>\n\n\
                  ## Fix it\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<table><tr><td>cell &amp; more</td></tr></table>\n";
        let o = outline(md);
        assert_eq!(o.h1.as_deref(), Some("Boot fails"));
        assert_eq!(o.headings, ["Boot fails", "Fix it"]);
        assert!(o.text.contains("The VM web01 stopped."), "{}", o.text);
        assert!(o.text.contains("cell & more"), "{}", o.text);
        assert!(!o.text.contains('<'), "{}", o.text);
    }
}
