//! A bound on how deeply elements nest, applied to HTML before ammonia parses it.
//!
//! html5ever, the parser under ammonia, takes time quadratic in the depth of the tree: many
//! steps of its tree builder walk the whole stack of open elements (is a `<p>` open in button
//! scope? which formatting elements must be reopened? is there a table to foster-parent
//! into?). An article of 20,000 nested `<div>`, Markdown quotes or list items, a few hundred
//! kilobytes, took seconds to sanitize (issue 7). Articles nest a dozen levels at most, so
//! [`bound`] keeps elements up to [`MAX_DEPTH`] levels deep and drops the start tags (and the
//! matching end tags) of elements that would open deeper. Their text stays, in the deepest
//! element kept, and the sanitizer still checks everything that is left.
//!
//! The depth is followed by a linear pass over the article grammar's HTML tokens
//! ([`crate::article::html`]) that models the parts of HTML's tree building that
//! decide depth: void and raw-text elements, comments, start tags that close an open `<p>`,
//! `<li>` or table cell, end tags that close what is inside them or are ignored, and
//! formatting elements that the parser reopens after an ancestor closed them
//! (`<div><b>x</div>y` makes `y` bold; [`MAX_FORMATTING`] bounds how many). Where the model
//! is unsure it counts deeper than the parser would, so the parser never builds a tree much
//! deeper than the bound, and the stack the model walks never exceeds it either, which keeps
//! the scan linear. HTML that stays within the bound is returned as it is: articles that
//! nest normally render exactly as before.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::article::html::{self, Tokens};

/// The deepest an element may open; the deepest article of the corpus nests 11 levels.
pub(crate) const MAX_DEPTH: usize = 100;

/// How many formatting elements may be open or waiting to be reopened at once. The parser
/// reopens every one that an ancestor closed in each new block that has text, so they cost
/// elements per block, not just depth: `<div><b id=1>x</div><div><b id=2>x</div>...` once
/// made a tree of n²/2 elements.
const MAX_FORMATTING: usize = 16;

/// `html` with every element that would open more than [`MAX_DEPTH`] levels deep removed
/// (its tags, not its text); borrowed when nothing was.
pub(crate) fn bound(html: &str) -> Cow<'_, str> {
    bound_to(html, MAX_DEPTH)
}

fn bound_to(html: &str, max: usize) -> Cow<'_, str> {
    if !html.contains('<') {
        return Cow::Borrowed(html);
    }
    let mut tree = Tree {
        html,
        max,
        stack: Vec::new(),
        reopen: Vec::new(),
        seq: 0,
        dropped: HashMap::new(),
        out: None,
        copied: 0,
    };
    tree.scan();
    match tree.out {
        None => Cow::Borrowed(html),
        Some(mut out) => {
            out.push_str(&html[tree.copied..]);
            Cow::Owned(out)
        }
    }
}

// What an element is, as far as depth goes (HTML's categories, by lower-case tag name).
/// Has no content and never opens (`<br>`, `<img>`).
const VOID: u16 = 1;
/// Its content is text up to its end tag (`<script>`, `<textarea>`).
const RAW: u16 = 1 << 1;
/// Everything after it is text.
const PLAINTEXT: u16 = 1 << 2;
/// Ignored in a fragment (`<html>`, `<body>`).
const IGNORED: u16 = 1 << 3;
/// HTML's "special" category: stops the search of some end tags for their element.
const SPECIAL: u16 = 1 << 4;
/// Bounds "has an element in scope".
const SCOPE: u16 = 1 << 5;
/// Formatting elements before it are not reopened inside it (cells, `<object>`...).
const MARKER: u16 = 1 << 6;
/// Its start tag closes an open `<p>`.
const CLOSES_P: u16 = 1 << 7;
/// `<b>`, `<a>`...: reopened when an ancestor closed it.
const FORMATTING: u16 = 1 << 8;
const HEADING: u16 = 1 << 9;
/// Its start tag leaves SVG or MathML for HTML.
const BREAKOUT: u16 = 1 << 10;
/// An SVG or MathML element whose content is HTML again.
const INTEGRATION: u16 = 1 << 11;

fn html_flags(name: &str) -> u16 {
    match name {
        "area" | "base" | "basefont" | "bgsound" | "col" | "frame" | "input" | "keygen"
        | "link" | "param" | "source" | "track" | "wbr" => VOID | SPECIAL,
        "br" | "embed" | "img" | "meta" => VOID | SPECIAL | BREAKOUT,
        "image" => VOID,
        "hr" => VOID | SPECIAL | CLOSES_P | BREAKOUT,
        "script" | "style" | "iframe" | "noembed" | "noframes" | "noscript" | "textarea"
        | "title" => RAW | SPECIAL,
        "xmp" => RAW | SPECIAL | CLOSES_P,
        "plaintext" => PLAINTEXT | SPECIAL | CLOSES_P,
        "html" | "frameset" => IGNORED | SPECIAL,
        "head" | "body" => IGNORED | SPECIAL | BREAKOUT,
        "applet" | "caption" | "marquee" | "object" | "td" | "th" | "template" => {
            SPECIAL | SCOPE | MARKER
        }
        "table" => SPECIAL | SCOPE | CLOSES_P | BREAKOUT,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => SPECIAL | CLOSES_P | HEADING | BREAKOUT,
        "blockquote" | "center" | "dd" | "div" | "dl" | "dt" | "li" | "listing" | "menu" | "ol"
        | "p" | "pre" | "ul" => SPECIAL | CLOSES_P | BREAKOUT,
        "address" | "article" | "aside" | "details" | "dir" | "fieldset" | "figcaption"
        | "figure" | "footer" | "form" | "header" | "hgroup" | "main" | "nav" | "search"
        | "section" | "summary" => SPECIAL | CLOSES_P,
        "dialog" => CLOSES_P,
        "button" | "colgroup" | "select" | "tbody" | "tfoot" | "thead" | "tr" => SPECIAL,
        "b" | "big" | "code" | "em" | "i" | "nobr" | "s" | "small" | "strike" | "strong" | "tt"
        | "u" => FORMATTING | BREAKOUT,
        "a" | "font" => FORMATTING,
        "ruby" | "span" | "sub" | "sup" | "var" => BREAKOUT,
        _ => 0,
    }
}

fn foreign_flags(name: &str) -> u16 {
    match name {
        "mi" | "mo" | "mn" | "ms" | "mtext" | "annotation-xml" | "foreignobject" | "desc"
        | "title" => SPECIAL | SCOPE | INTEGRATION,
        _ => 0,
    }
}

/// Which elements end the search for an element "in scope".
#[derive(Clone, Copy)]
enum Scope {
    Default,
    ListItem,
    Button,
    Table,
}

/// An element the parser has open.
struct Open<'a> {
    name: &'a str,
    attrs: &'a str,
    flags: u16,
    /// SVG or MathML.
    foreign: bool,
    /// For formatting elements: when it opened, to find the latest of several.
    seq: usize,
    /// For markers: the length of `reopen` when it opened.
    mark: usize,
}

impl Open<'_> {
    fn is(&self, name: &str) -> bool {
        !self.foreign && self.name.eq_ignore_ascii_case(name)
    }

    fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
}

/// A formatting element that an ancestor closed, which the parser reopens before the next
/// text.
struct Reopen<'a> {
    name: &'a str,
    attrs: &'a str,
    seq: usize,
}

/// A tag as the HTML tokenizer reads it, and where it stands.
struct Tag<'a> {
    start: usize,
    end: usize,
    name: &'a str,
    /// Everything between the name and the `>`.
    attrs: &'a str,
    self_closing: bool,
}

impl<'a> Tag<'a> {
    fn of(tag: html::Tag<'a>, start: usize, end: usize) -> Tag<'a> {
        Tag {
            start,
            end,
            name: tag.name,
            attrs: tag.attrs_raw,
            self_closing: tag.self_closing,
        }
    }
}

/// How the tokenizer goes on after a start tag.
enum Next {
    Go,
    /// The element holds raw text up to its end tag (`<script>`, `<textarea>`).
    RawText,
    /// Everything after is text (`<plaintext>`).
    Stop,
}

struct Tree<'a> {
    html: &'a str,
    max: usize,
    /// Never more than `max` (and two implied table elements) long.
    stack: Vec<Open<'a>>,
    /// Never longer than `max` with `stack`.
    reopen: Vec<Reopen<'a>>,
    seq: usize,
    /// Start tags dropped whose end tag has not come yet, by lower-case name.
    dropped: HashMap<String, usize>,
    /// The output, from the first tag dropped on.
    out: Option<String>,
    /// How much of `html` is in `out`.
    copied: usize,
}

/// `name` in lower case in `buf`, or `""` when it is too long to be an element we know.
fn lower<'b>(name: &str, buf: &'b mut [u8; 16]) -> &'b str {
    let Some(slot) = buf.get_mut(..name.len()) else {
        return "";
    };
    slot.copy_from_slice(name.as_bytes());
    slot.make_ascii_lowercase();
    std::str::from_utf8(slot).unwrap_or("")
}

impl<'a> Tree<'a> {
    fn depth(&self) -> usize {
        self.stack.len() + self.reopen.len()
    }

    /// Formatting elements open.
    fn formatting(&self) -> usize {
        self.stack
            .iter()
            .filter(|e| !e.foreign && e.has(FORMATTING))
            .count()
    }

    /// Whether start tags are read as SVG or MathML.
    fn in_foreign(&self) -> bool {
        self.stack
            .last()
            .is_some_and(|e| e.foreign && !e.has(INTEGRATION))
    }

    fn scan(&mut self) {
        let mut tokens = Tokens::new(self.html);
        loop {
            tokens.cdata(self.in_foreign());
            let Some(token) = tokens.next() else { return };
            let (start, end) = (token.start, token.end);
            match token.kind {
                html::Kind::StartTag(t) => {
                    let tag = Tag::of(t, start, end);
                    match self.start_tag(&tag) {
                        Next::Go => {}
                        Next::Stop => return,
                        Next::RawText => {
                            // Up to the end tag, which only closes the raw text.
                            if tokens.skip_raw_text(tag.name).is_none() {
                                return;
                            }
                            if !matches!(tokens.next().map(|t| t.kind), Some(html::Kind::EndTag(_)))
                            {
                                return;
                            }
                        }
                    }
                }
                html::Kind::EndTag(t) => self.end_tag(&Tag::of(t, start, end)),
                // The tokenizer drops the tag and everything after it.
                html::Kind::EofInTag => return,
                html::Kind::Text(_)
                | html::Kind::Comment { .. }
                | html::Kind::Doctype
                | html::Kind::Cdata(_) => {}
            }
        }
    }

    /// Handles a start tag; says how the tokenizer goes on.
    fn start_tag(&mut self, tag: &Tag<'a>) -> Next {
        let mut buf = [0; 16];
        let name = lower(tag.name, &mut buf);
        let in_foreign = self.in_foreign();
        let breakout = in_foreign && html_flags(name) & BREAKOUT != 0;
        let foreign = (in_foreign && !breakout) || name == "svg" || name == "math";
        let flags = if foreign {
            foreign_flags(name)
        } else {
            html_flags(name)
        };
        let opens = if foreign {
            !tag.self_closing
        } else {
            flags & (VOID | RAW | PLAINTEXT | IGNORED) == 0
        };
        let too_many = || {
            !foreign
                && flags & FORMATTING != 0
                && self.formatting() + self.reopen.len() >= MAX_FORMATTING
        };
        if opens && (self.depth() >= self.max || too_many()) {
            self.drop_start(tag);
            return Next::Go;
        }
        if breakout {
            while self.in_foreign() {
                self.pop_to(self.stack.len() - 1, false);
            }
        }
        if !opens {
            // Nothing opens, or what opens holds only text: no depth to bound.
            if !foreign && flags & CLOSES_P != 0 {
                self.close_p();
            }
            if flags & PLAINTEXT != 0 {
                return Next::Stop;
            }
            if flags & RAW != 0 {
                return Next::RawText;
            }
            return Next::Go;
        }
        if !foreign {
            self.close_for(name, flags);
        }
        let mark = self.reopen.len();
        self.seq += 1;
        self.stack.push(Open {
            name: tag.name,
            attrs: tag.attrs,
            flags,
            foreign,
            seq: self.seq,
            mark,
        });
        Next::Go
    }

    /// What the start tag of an HTML element `name` closes first, and the table elements
    /// it implies.
    fn close_for(&mut self, name: &str, flags: u16) {
        match name {
            "li" => self.close_list_item(&["li"]),
            "dd" | "dt" => self.close_list_item(&["dd", "dt"]),
            "a" => self.end_formatting("a"),
            "button" => {
                if let Some(i) = self.in_scope(&["button"], Scope::Default) {
                    self.pop_to(i, false);
                }
            }
            "option" | "optgroup" if self.stack.last().is_some_and(|e| e.is("option")) => {
                self.pop_to(self.stack.len() - 1, false);
            }
            "td" | "th" | "tr" => {
                if let Some(i) = self.in_scope(&["td", "th"], Scope::Table) {
                    self.pop_to(i, false);
                }
                if name == "tr"
                    && let Some(i) = self.in_scope(&["tr"], Scope::Table)
                {
                    self.pop_to(i, false);
                }
                self.imply_table_parents(name);
            }
            "tbody" | "thead" | "tfoot" | "caption" | "colgroup" => {
                // Back to the table: whatever section, row or cell is open closes.
                if let Some(i) = self.in_scope(&["table"], Scope::Table)
                    && i + 1 < self.stack.len()
                {
                    self.pop_to(i + 1, false);
                }
            }
            _ => {}
        }
        if flags & CLOSES_P != 0 {
            self.close_p();
        }
        if flags & HEADING != 0
            && self
                .stack
                .last()
                .is_some_and(|e| !e.foreign && e.has(HEADING))
        {
            self.pop_to(self.stack.len() - 1, false);
        }
    }

    /// A row or cell directly in a table gets the `<tbody>` and `<tr>` the parser inserts.
    fn imply_table_parents(&mut self, name: &str) {
        let Some(current) = self.stack.last().filter(|e| !e.foreign) else {
            return;
        };
        let needs: &[&'static str] = if current.is("table") {
            if name == "tr" {
                &["tbody"]
            } else {
                &["tbody", "tr"]
            }
        } else if ["tbody", "thead", "tfoot"].iter().any(|s| current.is(s)) && name != "tr" {
            &["tr"]
        } else {
            &[]
        };
        for &implied in needs {
            self.stack.push(Open {
                name: implied,
                attrs: "",
                flags: html_flags(implied),
                foreign: false,
                seq: 0,
                mark: self.reopen.len(),
            });
        }
    }

    fn close_p(&mut self) {
        if let Some(i) = self.in_scope(&["p"], Scope::Button) {
            self.pop_to(i, false);
        }
    }

    /// A new `<li>` (or `<dd>`, `<dt>`) closes the open one, unless a block other than a
    /// `<div>`, `<p>` or `<address>` is in between.
    fn close_list_item(&mut self, names: &[&str]) {
        for i in (0..self.stack.len()).rev() {
            let e = &self.stack[i];
            if names.iter().any(|n| e.is(n)) {
                self.pop_to(i, false);
                return;
            }
            if e.has(SPECIAL) && !["address", "div", "p"].iter().any(|n| e.is(n)) {
                return;
            }
        }
    }

    fn end_tag(&mut self, tag: &Tag<'a>) {
        if !self.dropped.is_empty() {
            let key = tag.name.to_ascii_lowercase();
            if let Some(n) = self.dropped.get_mut(&key).filter(|n| **n > 0) {
                *n -= 1;
                self.cut(tag.start, tag.end);
                return;
            }
        }
        // Inside SVG or MathML an end tag closes the nearest such element of its name.
        if self.stack.last().is_some_and(|e| e.foreign) {
            for i in (0..self.stack.len()).rev() {
                let e = &self.stack[i];
                if !e.foreign {
                    break;
                }
                if e.name.eq_ignore_ascii_case(tag.name) {
                    self.pop_to(i, false);
                    return;
                }
            }
        }
        let mut buf = [0; 16];
        let name = lower(tag.name, &mut buf);
        let flags = html_flags(name);
        let found = match name {
            "p" => self.in_scope(&["p"], Scope::Button),
            "li" => self.in_scope(&["li"], Scope::ListItem),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.in_scope(&["h1", "h2", "h3", "h4", "h5", "h6"], Scope::Default)
            }
            "br" | "body" | "html" => None,
            "form" => {
                // Only the form closes; what is open inside it stays open.
                if let Some(i) = self.in_scope(&["form"], Scope::Default) {
                    self.stack.remove(i);
                    self.dropped.clear();
                }
                None
            }
            "table" | "tbody" | "thead" | "tfoot" | "tr" | "td" | "th" | "caption" | "colgroup" => {
                self.in_scope(&[name], Scope::Table)
            }
            "template" => self.stack.iter().rposition(|e| e.is("template")),
            _ if flags & FORMATTING != 0 => {
                self.end_formatting(name);
                None
            }
            _ if flags & SPECIAL != 0 => self.in_scope(&[name], Scope::Default),
            _ => {
                // Any other end tag closes the nearest element of its name, unless a special
                // element is in the way.
                let mut found = None;
                for i in (0..self.stack.len()).rev() {
                    let e = &self.stack[i];
                    if e.name.eq_ignore_ascii_case(tag.name) && !e.foreign {
                        found = Some(i);
                        break;
                    }
                    if e.has(SPECIAL) {
                        break;
                    }
                }
                found
            }
        };
        if let Some(i) = found {
            self.pop_to(i, false);
        }
    }

    /// `</b>` and the like (HTML's adoption agency, in the cases that change depth).
    fn end_formatting(&mut self, name: &str) {
        let open = self
            .stack
            .iter()
            .rposition(|e| e.is(name) && e.has(FORMATTING));
        let reopen = self
            .reopen
            .iter()
            .rposition(|r| r.name.eq_ignore_ascii_case(name));
        // The latest of the name is the one that closes.
        let open = open.filter(|&i| reopen.is_none_or(|r| self.reopen[r].seq < self.stack[i].seq));
        if let Some(i) = open {
            // With a block inside it, the parser rearranges the tree without making it
            // shallower; count it as still open.
            if !self.stack[i + 1..].iter().any(|e| e.has(SPECIAL)) {
                self.pop_to(i, true);
            }
        } else if let Some(r) = reopen {
            self.reopen.remove(r);
        }
    }

    /// The nearest open element named one of `names` (HTML ones), unless a boundary of
    /// `scope` comes first.
    fn in_scope(&self, names: &[&str], scope: Scope) -> Option<usize> {
        for i in (0..self.stack.len()).rev() {
            let e = &self.stack[i];
            if names.iter().any(|n| e.is(n)) {
                return Some(i);
            }
            let boundary = match scope {
                Scope::Table => ["html", "table", "template"].iter().any(|n| e.is(n)),
                Scope::Default => e.has(SCOPE),
                Scope::ListItem => e.has(SCOPE) || e.is("ol") || e.is("ul"),
                Scope::Button => e.has(SCOPE) || e.is("button"),
            };
            if boundary {
                return None;
            }
        }
        None
    }

    /// Closes the element at `i` and everything opened inside it; `own` when by its own end
    /// tag. Formatting elements closed by an ancestor will be reopened: they still count.
    fn pop_to(&mut self, i: usize, own: bool) {
        while self.stack.len() > i {
            let Some(e) = self.stack.pop() else { break };
            let target = self.stack.len() == i;
            if e.has(FORMATTING) && !e.foreign && !(target && own) {
                self.keep_for_reopening(e);
            } else if e.has(MARKER) && !e.foreign {
                self.reopen.truncate(e.mark);
            }
        }
        // Any element dropped inside what closed is closed with it.
        self.dropped.clear();
    }

    fn keep_for_reopening(&mut self, e: Open<'a>) {
        // The parser keeps at most three alike (same name and attributes).
        let alike = |r: &Reopen<'_>| r.name.eq_ignore_ascii_case(e.name) && r.attrs == e.attrs;
        if self.reopen.iter().filter(|r| alike(r)).count() >= 3
            && let Some(first) = self.reopen.iter().position(alike)
        {
            self.reopen.remove(first);
        }
        self.reopen.push(Reopen {
            name: e.name,
            attrs: e.attrs,
            seq: e.seq,
        });
    }

    fn drop_start(&mut self, tag: &Tag<'a>) {
        *self
            .dropped
            .entry(tag.name.to_ascii_lowercase())
            .or_default() += 1;
        self.cut(tag.start, tag.end);
    }

    /// Leaves `html[start..end]` out of the output.
    fn cut(&mut self, start: usize, end: usize) {
        let out = self
            .out
            .get_or_insert_with(|| String::with_capacity(self.html.len()));
        out.push_str(&self.html[self.copied..start]);
        self.copied = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The deepest nesting of well-formed HTML (as ammonia writes it).
    fn depth(html: &str) -> usize {
        const VOID: &[&str] = &["br", "img", "hr", "input", "wbr", "col"];
        let (mut d, mut max) = (0usize, 0usize);
        let mut rest = html;
        while let Some(lt) = rest.find('<') {
            rest = &rest[lt + 1..];
            if rest.starts_with('/') {
                d = d.saturating_sub(1);
            } else {
                let name: String = rest
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                if !name.is_empty() && !VOID.contains(&name.as_str()) {
                    d += 1;
                    max = max.max(d);
                }
            }
        }
        max
    }

    fn borrowed(html: &str) -> bool {
        matches!(bound_to(html, 8), Cow::Borrowed(_))
    }

    /// `html` bounded at 8 levels, sanitized: its depth.
    fn bounded_depth(html: &str) -> usize {
        depth(&crate::render::sanitize(&bound_to(html, 8)))
    }

    #[test]
    fn html_within_the_bound_is_borrowed() {
        for html in [
            "plain text",
            "<div><div><p>a<b>b</b></p></div></div>",
            // Unclosed paragraphs, items and cells close each other.
            &"<p>para".repeat(50),
            &format!("<ul>{}</ul>", "<li>item".repeat(50)),
            &format!("<table>{}</table>", "<tr><td>a<td>b".repeat(50)),
            &"<dl><dt>a<dd>b</dl>".repeat(50),
            &"<h2>x<h3>y</h3>".repeat(50),
            // Void, raw-text and self-closing foreign elements open nothing.
            &"<br><img src=x><hr/>".repeat(50),
            &format!("<textarea>{}</textarea>", "<div>".repeat(50)),
            &format!("<svg>{}</svg>", "<path d='M0'/>".repeat(50)),
            &format!("<!-- {} -->", "<div>".repeat(50)),
            // Formatting closed by its block is reopened, but alike ones only three times.
            &"<div><b>x</div>".repeat(50),
            &"<p><a href=x>link<p>".repeat(50),
        ] {
            assert!(borrowed(html), "{html}");
            assert!(bounded_depth(html) <= 8, "{html}");
        }
    }

    #[test]
    fn deep_nesting_is_cut_and_its_text_kept() {
        for (open, close) in [
            ("<div>", "</div>"),
            ("<span>", "</span>"),
            ("<b id=x>", "</b>"),
            ("<blockquote>\n<p>a</p>\n", "</blockquote>\n"),
            ("<ul>\n<li>\n", "</li>\n</ul>\n"),
            ("<table><tr><td>", "</td></tr></table>"),
            ("<svg><g>", "</g></svg>"),
            ("<custom-element>", "</custom-element>"),
        ] {
            let html = format!("{}deep{}after", open.repeat(5_000), close.repeat(5_000));
            let out = bound_to(&html, 8);
            let clean = crate::render::sanitize(&out);
            assert!(depth(&clean) <= 10, "{open}: {clean}");
            // (ammonia removes SVG with its text.)
            assert!(out.contains("deep"), "{open}: {out}");
            assert!(
                clean.contains("deep") || open == "<svg><g>",
                "{open}: {clean}"
            );
            // The end tags of what was dropped are dropped, so `after` is outside again.
            assert!(clean.trim_end().ends_with("after"), "{open}: {clean}");
        }
    }

    #[test]
    fn elements_the_parser_reopens_count() {
        // `<b>` closed by its `<div>` is reopened inside the next one: distinct attributes
        // made html5ever build a tree as deep as the input is long.
        let html: String = (0..2_000)
            .map(|i| format!("<div><b id=\"b{i}\">x</div>"))
            .collect();
        assert!(bounded_depth(&html) <= 10);
        // Nor as many elements: each block reopens a bounded number.
        let clean = crate::render::sanitize(&html);
        assert!(depth(&clean) <= MAX_FORMATTING + 2, "{clean}");
        assert!(clean.matches("<b>").count() <= 2_000 * MAX_FORMATTING);
        // End tags a table ignores do not close what they name.
        assert!(bounded_depth(&"<div><table></div>".repeat(2_000)) <= 12);
        // Nor do end tags that a block stands in the way of.
        assert!(bounded_depth(&"<i><div></i>".repeat(2_000)) <= 10);
    }

    #[test]
    fn tags_are_read_as_the_tokenizer_reads_them() {
        // A `>` inside a quoted value does not end the tag; a `<div>` inside a comment, a
        // script or a quoted value opens nothing.
        let html = format!(
            "<p title='<div>>'>{}<script>{}</script><!--{}--!>",
            "<br>".repeat(20),
            "<div>".repeat(20),
            "<div>".repeat(20)
        );
        assert!(borrowed(&html));
        // An end tag with attributes still closes.
        assert!(borrowed(&"<div class=a>x</div class=b>".repeat(20)));
        // An unterminated tag ends the input.
        assert!(borrowed(&format!("<div><div x=\"{}", "<div>".repeat(20))));
    }
}
