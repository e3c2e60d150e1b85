//! Raw HTML inside an article: `<a href>` and `<img src>` get the same link rules as Markdown
//! links and images, headings go a level down like Markdown ones, and token placeholders
//! become chips (or plain text inside a tag).
//!
//! This is a tag-level scan, not a parser: it only has to find tags well enough to rewrite
//! the two that carry URLs and the headings. Everything else passes through to ammonia,
//! which parses properly and removes what is not allowed.

use super::doc::{Doc, State};
use super::escape;
use super::links::{self, Href};
use super::slots::{self, has_slot};

/// A tag found in the raw HTML.
struct Tag<'a> {
    name: &'a str,
    closing: bool,
    /// Attributes as written: name and raw value.
    attrs: Vec<(&'a str, Option<&'a str>)>,
    /// Length of the whole tag in bytes.
    len: usize,
}

impl Tag<'_> {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| *v)
    }
}

/// Reads the tag at the start of `s` (which starts with `<`), or `None` when it is not one.
fn parse_tag(s: &str) -> Option<Tag<'_>> {
    let b = s.as_bytes();
    let mut i = 1;
    let closing = b.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    if !b.get(i)?.is_ascii_alphabetic() {
        return None;
    }
    while b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b':'))
    {
        i += 1;
    }
    let name = &s[name_start..i];
    let mut attrs = Vec::new();
    loop {
        while b
            .get(i)
            .is_some_and(|c| c.is_ascii_whitespace() || *c == b'/')
        {
            i += 1;
        }
        match b.get(i)? {
            b'>' => {
                return Some(Tag {
                    name,
                    closing,
                    attrs,
                    len: i + 1,
                });
            }
            _ => {
                let n_start = i;
                i += 1;
                while b
                    .get(i)
                    .is_some_and(|c| !c.is_ascii_whitespace() && !matches!(c, b'/' | b'>' | b'='))
                {
                    i += 1;
                }
                let attr_name = &s[n_start..i];
                while b.get(i).is_some_and(u8::is_ascii_whitespace) {
                    i += 1;
                }
                if b.get(i) != Some(&b'=') {
                    attrs.push((attr_name, None));
                    continue;
                }
                i += 1;
                while b.get(i).is_some_and(u8::is_ascii_whitespace) {
                    i += 1;
                }
                let value = match b.get(i)? {
                    &q @ (b'"' | b'\'') => {
                        let end = i + 1 + s[i + 1..].find(q as char)?;
                        let v = &s[i + 1..end];
                        i = end + 1;
                        v
                    }
                    _ => {
                        let v_start = i;
                        while b
                            .get(i)
                            .is_some_and(|c| !c.is_ascii_whitespace() && *c != b'>')
                        {
                            i += 1;
                        }
                        &s[v_start..i]
                    }
                };
                attrs.push((attr_name, Some(value)));
            }
        }
    }
}

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
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        text(&rest[..lt], doc, state, out);
        rest = &rest[lt..];
        if rest.starts_with("<!--") {
            let end = rest.find("-->").map_or(rest.len(), |i| i + 3);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        let Some(tag) = parse_tag(rest) else {
            out.push_str("&lt;");
            rest = &rest[1..];
            continue;
        };
        let raw = &rest[..tag.len];
        let name = tag.name.to_ascii_lowercase();
        match (name.as_str(), tag.closing) {
            ("a", false) => anchor(&tag, doc, state, out),
            ("a", true) => {
                if let Some(close) = state.raw_anchors.pop() {
                    out.push_str(close);
                }
            }
            ("img", false) => img(&tag, doc, out),
            ("h1" | "h2" | "h3" | "h4" | "h5" | "h6", _) => {
                let level = usize::from(name.as_bytes()[1] - b'0');
                rebuild(&tag, &format!("h{}", super::heading_level(level)), doc, out);
            }
            _ if has_slot(raw) => rebuild(&tag, tag.name, doc, out),
            _ => out.push_str(raw),
        }
        rest = &rest[tag.len..];
    }
    text(rest, doc, state, out);
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
    let href = match tag.attr("href") {
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
            .filter(|v| v.bytes().all(|b| b.is_ascii_digit()))
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
fn rebuild(tag: &Tag<'_>, name: &str, doc: &Doc<'_>, out: &mut String) {
    out.push('<');
    if tag.closing {
        out.push('/');
    }
    out.push_str(name);
    for (attr, value) in &tag.attrs {
        if has_slot(attr) {
            continue;
        }
        out.push(' ');
        out.push_str(attr);
        if let Some(v) = value {
            out.push_str("=\"");
            push_attr_value(out, doc, v);
            out.push('"');
        }
    }
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_read_with_quoted_unquoted_and_bare_attributes() {
        let t = parse_tag("<A HREF='x y' title=\"a>b\" data-x=1 hidden/>rest").unwrap();
        assert_eq!(t.name, "A");
        assert_eq!(t.attr("href"), Some("x y"));
        assert_eq!(t.attr("title"), Some("a>b"));
        assert_eq!(t.attr("data-x"), Some("1"));
        assert_eq!(t.attrs.last(), Some(&("hidden", None)));
        assert_eq!(
            &"<A HREF='x y' title=\"a>b\" data-x=1 hidden/>rest"[t.len..],
            "rest"
        );
        assert!(parse_tag("< a>").is_none());
        assert!(parse_tag("<a href=\"open").is_none());
        assert!(parse_tag("<3").is_none());
    }
}
