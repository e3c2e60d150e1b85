//! Raw HTML inside an article: `<a href>` and `<img src>` get the same link rules as Markdown
//! links and images, headings go a level down like Markdown ones, and token placeholders
//! become chips (or plain text inside a tag).
//!
//! Tags are read by the article grammar's HTML tokenizer ([`crate::article::html`]), which
//! reads them as ammonia's parser will, so that what is rewritten here is what the
//! sanitizer sees. Everything but the two tags that carry URLs and the headings passes
//! through to ammonia, which builds the tree and removes what is not allowed.

use std::borrow::Cow;

use super::doc::{Doc, State};
use super::escape;
use super::links::{self, Href};
use super::slots::{self, has_slot};
use crate::article::html::{Kind, Tag, Tokens, end_tag_at};

/// Appends `value` (raw, as written in a tag) decoded, placeholders expanded, escaped.
fn push_attr_value(out: &mut String, doc: &Doc<'_>, value: &str) {
    escape::attr(
        out,
        &escape::decode_entities(&slots::plain_string(&doc.tokens, value)),
    );
}

/// The decoded value of an attribute, placeholders expanded.
fn attr_text(doc: &Doc<'_>, value: &str) -> String {
    escape::decode_entities(&slots::plain_string(&doc.tokens, value))
}

/// Rewrites one chunk of raw HTML into `out`.
pub(crate) fn rewrite(html: &str, doc: &Doc<'_>, state: &mut State, out: &mut String) {
    let mut tokens = Tokens::new(html);
    while let Some(token) = tokens.next() {
        let raw = &html[token.start..token.end];
        let (tag, closing) = match token.kind {
            Kind::Text(t) => {
                text(t, doc, state, out);
                continue;
            }
            // The sanitizer removes comments; they pass as they are.
            Kind::Comment { .. } | Kind::Cdata(_) if raw.starts_with("<!--") => {
                out.push_str(raw);
                continue;
            }
            // HTML hides `<?xml ...?>`, `<!DOCTYPE>` and `</ x>` as bogus comments, but an
            // author who writes one in an article means it to be read (an XML declaration
            // in a log line): its `<` is text.
            Kind::Comment { .. } | Kind::Doctype | Kind::Cdata(_) => {
                out.push_str("&lt;");
                tokens.resume_at(token.start + 1);
                continue;
            }
            // A tag the chunk ends in would swallow what follows it in the page: its `<` is
            // text.
            Kind::EofInTag => {
                out.push_str("&lt;");
                tokens.resume_at(token.start + 1);
                continue;
            }
            Kind::StartTag(tag) => (tag, false),
            Kind::EndTag(tag) => (tag, true),
        };
        let name = tag.name.to_ascii_lowercase();
        match (name.as_str(), closing) {
            ("a", false) => anchor(&tag, doc, state, out),
            ("a", true) => {
                if let Some(close) = state.raw_anchors.pop() {
                    out.push_str(close);
                }
            }
            ("img", false) => img(&tag, doc, out),
            ("h1" | "h2" | "h3" | "h4" | "h5" | "h6", _) => {
                let level = usize::from(name.as_bytes()[1] - b'0');
                let name = format!("h{}", super::heading_level(level));
                rebuild(&tag, closing, &name, doc, out);
            }
            _ if has_slot(raw) => rebuild(&tag, closing, tag.name, doc, out),
            _ => out.push_str(raw),
        }
    }
}

/// Text between tags: already HTML, so only placeholders change.
fn text(s: &str, doc: &Doc<'_>, state: &mut State, out: &mut String) {
    if has_slot(s) {
        doc.expand(s, false, state, out);
    } else {
        out.push_str(s);
    }
}

fn anchor(tag: &Tag<'_>, doc: &Doc<'_>, state: &mut State, out: &mut String) {
    let href = match tag.attr("href").filter(|v| !v.is_empty()) {
        Some(v) => links::link(&attr_text(doc, v), doc.ctx),
        None => Href::Drop,
    };
    let title = tag.attr("title").map(|t| attr_text(doc, t));
    let (open, close) = links::open_tag(&href, title.as_deref());
    out.push_str(&open);
    state.raw_anchors.push(close);
}

fn img(tag: &Tag<'_>, doc: &Doc<'_>, out: &mut String) {
    let alt = tag
        .attr("alt")
        .map(|a| attr_text(doc, a))
        .unwrap_or_default();
    let Some(src) = tag
        .attr("src")
        .and_then(|s| links::image(&attr_text(doc, s), doc.ctx))
    else {
        missing_image(out, &alt);
        return;
    };
    out.push_str("<img src=\"");
    escape::attr(out, &src);
    out.push_str("\" alt=\"");
    escape::attr(out, &alt);
    out.push('"');
    for name in ["width", "height"] {
        if let Some(v) = tag
            .attr(name)
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        {
            out.push_str(&format!(" {name}=\"{v}\""));
        }
    }
    if let Some(t) = tag.attr("title") {
        out.push_str(" title=\"");
        push_attr_value(out, doc, t);
        out.push('"');
    }
    out.push('>');
}

/// What a reader sees for an image that cannot be shown: its alt text, if any.
pub(crate) fn missing_image(out: &mut String, alt: &str) {
    if !alt.trim().is_empty() {
        out.push_str("<span class=\"kb-image-missing\">");
        escape::text(out, alt.trim());
        out.push_str("</span>");
    }
}

/// Writes a tag again as `name`, with placeholders in its attributes expanded as text.
fn rebuild(tag: &Tag<'_>, closing: bool, name: &str, doc: &Doc<'_>, out: &mut String) {
    out.push('<');
    if closing {
        out.push('/');
    }
    out.push_str(name);
    for attr in tag.attrs() {
        if has_slot(attr.name) {
            continue;
        }
        out.push(' ');
        out.push_str(attr.name);
        if let Some(v) = attr.value {
            out.push_str("=\"");
            push_attr_value(out, doc, v);
            out.push('"');
        }
    }
    out.push('>');
}

/// Elements whose content HTML reads as text up to their end tag (`<plaintext>`: to the end
/// of the page), by lower-case name.
const RAW_TEXT: [&str; 10] = [
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

/// `html` (what one text node of the render tree became) with the `<` of every raw-text start
/// tag that no end tag in it closes written as text; borrowed when there is none. Such a tag
/// would swallow the rest of the page as its text: the sections after it, and the words the
/// sanitizer then drops with an element it does not allow (an article that writes
/// `<textarea>` in a sentence means the word).
pub(crate) fn unswallow(html: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    // Names already found without an end tag after some point: none follows later either.
    let mut open_to_end: Vec<&str> = Vec::new();
    let mut tokens = Tokens::new(html);
    while let Some(token) = tokens.next() {
        let Kind::StartTag(tag) = token.kind else {
            continue;
        };
        let Some(name) = RAW_TEXT
            .into_iter()
            .find(|n| tag.name.eq_ignore_ascii_case(n))
        else {
            continue;
        };
        let closed = name != "plaintext"
            && !open_to_end.contains(&name)
            && end_tag_at(html, token.end, name).is_some();
        if closed {
            tokens.skip_raw_text(name);
            continue;
        }
        open_to_end.push(name);
        let out = out.get_or_insert_with(|| String::with_capacity(html.len() + 8));
        out.push_str(&html[copied..token.start]);
        out.push_str("&lt;");
        copied = token.start + 1;
        tokens.resume_at(copied);
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut out) => {
            out.push_str(&html[copied..]);
            Cow::Owned(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::LinkContext;

    fn rewritten(html: &str) -> String {
        let ctx = LinkContext::default();
        let doc = Doc {
            tokens: Vec::new(),
            elements: Vec::new(),
            ctx: &ctx,
            target: Default::default(),
        };
        let mut out = String::new();
        rewrite(html, &doc, &mut State::default(), &mut out);
        out
    }

    #[test]
    fn links_are_rewritten_and_other_markup_passes() {
        assert_eq!(
            rewritten("<A HREF='https://x.test/a b' title=\"a>b\">x</a><h2 id=1>T</h2 >"),
            "<a href=\"https://x.test/a b\" title=\"a&gt;b\" rel=\"noopener noreferrer\" \
             target=\"_blank\">x</a><h3 id=\"1\">T</h3>"
        );
        assert_eq!(
            rewritten("<b>1 < 2</b><!-- c --!>"),
            "<b>1 < 2</b><!-- c --!>"
        );
    }

    #[test]
    fn a_tag_the_chunk_ends_in_is_text() {
        assert_eq!(rewritten("a <a href=\"open"), "a &lt;a href=\"open");
        assert_eq!(rewritten("<br/><3"), "<br/><3");
        assert_eq!(rewritten("<?xml v?><b>"), "&lt;?xml v?><b>");
    }

    #[test]
    fn a_raw_text_element_left_open_is_text() {
        assert_eq!(
            unswallow("<p>in <textarea>a box</p>\n<p>more</p>"),
            "<p>in &lt;textarea>a box</p>\n<p>more</p>"
        );
        assert_eq!(
            unswallow("<TITLE>x</title><textarea>y</TextArea >"),
            "<TITLE>x</title><textarea>y</TextArea >"
        );
        // Only what follows the start tag can close it; `<plaintext>` never closes.
        assert_eq!(
            unswallow("</xmp><xmp>a<xmp>b<plaintext>c</plaintext>"),
            "</xmp>&lt;xmp>a&lt;xmp>b&lt;plaintext>c</plaintext>"
        );
        assert!(matches!(unswallow("<b>x</b>"), Cow::Borrowed(_)));
    }
}
