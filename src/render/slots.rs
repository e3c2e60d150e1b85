//! Placeholders that stand in for tokens and custom elements while pulldown-cmark parses.
//!
//! Token markers are HTML comments: left in place, a comment at the start of a line turns the
//! whole line into a raw HTML block (so `**bold**` after it is not Markdown), and ammonia
//! drops comments anyway. So the markers are swapped for a few private-use characters, which
//! Markdown treats as ordinary letters: they work inside `**...**`, table cells, link
//! destinations and code. After parsing, each placeholder is expanded into the chip's HTML,
//! or into plain text where HTML cannot go (an `alt` text, a URL, a heading's slug).
//!
//! A placeholder is `START kind index END` with `kind` one of `o`, `c`, `v`, `e`. The
//! article's own text never contains `START` or `END`: [`scrub`] replaces them first.

use std::borrow::Cow;

use super::escape;

/// Opens a placeholder. Private use, so no article means anything by it.
pub(crate) const START: char = '\u{E000}';
/// Closes a placeholder.
pub(crate) const END: char = '\u{E001}';

/// What a placeholder stands for; the index is into [`Slots`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Where token `i`'s default text begins.
    Open(usize),
    /// Where token `i`'s default text ends.
    Close(usize),
    /// Token `i`'s value from the caller, in place of the default text.
    Value(usize),
    /// Custom element `i`.
    Element(usize),
}

impl Slot {
    /// Appends the placeholder's text.
    pub(crate) fn write(self, out: &mut String) {
        let (kind, i) = match self {
            Slot::Open(i) => ('o', i),
            Slot::Close(i) => ('c', i),
            Slot::Value(i) => ('v', i),
            Slot::Element(i) => ('e', i),
        };
        out.push(START);
        out.push(kind);
        out.push_str(&i.to_string());
        out.push(END);
    }

    /// Reads the placeholder at the start of `s`: the slot and its length in bytes.
    fn read(s: &str) -> Option<(Slot, usize)> {
        let rest = s.strip_prefix(START)?;
        let mut chars = rest.chars();
        let kind = chars.next()?;
        let digits = chars.as_str();
        let end = digits.find(END)?;
        let i: usize = digits[..end].parse().ok()?;
        let slot = match kind {
            'o' => Slot::Open(i),
            'c' => Slot::Close(i),
            'v' => Slot::Value(i),
            'e' => Slot::Element(i),
            _ => return None,
        };
        Some((slot, START.len_utf8() + 1 + end + END.len_utf8()))
    }
}

/// A piece of text between placeholders, or a placeholder.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    Text(&'a str),
    Slot(Slot),
}

/// Splits `s` into text and placeholders. A malformed placeholder is text.
pub(crate) fn pieces(s: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut rest = s;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        if let Some((slot, len)) = Slot::read(rest) {
            rest = &rest[len..];
            return Some(Piece::Slot(slot));
        }
        // Text up to the next START after the first character.
        let first = rest.chars().next().map_or(0, char::len_utf8);
        let next = rest[first..].find(START).map_or(rest.len(), |i| i + first);
        let (text, tail) = rest.split_at(next);
        rest = tail;
        Some(Piece::Text(text))
    })
}

/// Whether `s` holds a placeholder.
pub(crate) fn has_slot(s: &str) -> bool {
    s.contains(START)
}

/// Replaces `START` and `END` in the article's own text, so that only our placeholders use
/// them.
pub(crate) fn scrub(s: &str) -> Cow<'_, str> {
    if s.contains([START, END]) {
        Cow::Owned(s.replace([START, END], "\u{FFFD}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// One use of a replacement token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenUse {
    /// As written in the marker.
    pub name: String,
    /// The caller's value, when one was given and is not blank.
    pub value: Option<String>,
    /// The default text with markup stripped, for slugs (stable whatever the values).
    pub default_plain: String,
}

/// How a token's value shows in plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plain {
    /// What a reader sees: the value.
    Reader,
    /// What an anchor is made of: the default, whatever the value.
    Slug,
}

/// Expands the token placeholders of `s` as plain, unescaped text: markers vanish, values
/// are inserted, elements contribute nothing.
pub(crate) fn plain(tokens: &[TokenUse], s: &str, mode: Plain, out: &mut String) {
    for piece in pieces(s) {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Slot(Slot::Value(i)) => {
                if let Some(token) = tokens.get(i) {
                    match mode {
                        Plain::Reader => out.push_str(token.value.as_deref().unwrap_or_default()),
                        Plain::Slug => out.push_str(&token.default_plain),
                    }
                }
            }
            Piece::Slot(_) => {}
        }
    }
}

/// [`plain`] into a new string, for the reader.
pub(crate) fn plain_string(tokens: &[TokenUse], s: &str) -> String {
    if !has_slot(s) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    plain(tokens, s, Plain::Reader, &mut out);
    out
}

/// Appends the opening tag of token `token`'s chip.
pub(crate) fn chip_open(out: &mut String, token: &TokenUse) {
    out.push_str("<span class=\"kb-token\" data-token=\"");
    escape::attr(out, &token.name);
    out.push_str("\" title=\"");
    escape::attr(out, &token.name);
    out.push_str("\">");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_round_trip_between_text() {
        let mut s = String::from("a");
        Slot::Open(3).write(&mut s);
        s.push_str("bé");
        Slot::Element(12).write(&mut s);
        s.push(START);
        s.push('x');
        let got: Vec<_> = pieces(&s).collect();
        assert_eq!(
            got,
            [
                Piece::Text("a"),
                Piece::Slot(Slot::Open(3)),
                Piece::Text("bé"),
                Piece::Slot(Slot::Element(12)),
                Piece::Text("\u{E000}x"),
            ]
        );
    }

    #[test]
    fn scrub_removes_our_characters_only() {
        assert_eq!(scrub("a\u{E000}b\u{E001}c"), "a\u{FFFD}b\u{FFFD}c");
        assert!(matches!(scrub("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn plain_uses_values_for_readers_and_defaults_for_slugs() {
        let tokens = [TokenUse {
            name: "vm".into(),
            value: Some("web01".into()),
            default_plain: "Virtual machine".into(),
        }];
        let mut s = String::from("VM ");
        Slot::Open(0).write(&mut s);
        Slot::Value(0).write(&mut s);
        Slot::Close(0).write(&mut s);
        assert_eq!(plain_string(&tokens, &s), "VM web01");
        let mut slug = String::new();
        plain(&tokens, &s, Plain::Slug, &mut slug);
        assert_eq!(slug, "VM Virtual machine");
    }
}
