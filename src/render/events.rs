//! One stretch of Markdown -> HTML (not yet sanitized), rewriting pulldown-cmark's events on
//! the way: heading levels and anchors, links and images through the link rules, callouts,
//! task-list boxes, placeholders expanded, raw HTML rewritten.
//!
//! Events are collected first because some decisions look ahead: a heading's anchor needs its
//! text, an image's `alt` its content, and a paragraph holding nothing but an element
//! placeholder is replaced by the element's block.

use pulldown_cmark::{
    BlockQuoteKind, CowStr, Event, HeadingLevel, LinkType, Parser, Tag, TagEnd, html,
};

use super::doc::{Doc, State};
use super::slots::{self, Piece, Plain, Slot, has_slot, pieces};
use super::{escape, heading_level, links, options, rawhtml};

/// Renders `markdown` into `out`.
pub(crate) fn render(markdown: &str, doc: &Doc<'_>, state: &mut State, out: &mut String) {
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options()).collect();
    let mut r = Rewriter {
        html: Vec::with_capacity(events.len()),
        events,
        i: 0,
        closers: Vec::new(),
        doc,
        state,
    };
    while r.i < r.events.len() {
        let event = std::mem::replace(&mut r.events[r.i], Event::SoftBreak);
        r.i += 1;
        r.event(event);
    }
    html::push_html(out, r.html.into_iter());
}

/// pulldown-cmark's events of one stretch, read in order (`events[i]` is next) and rewritten
/// into `html`.
struct Rewriter<'e, 'd, 's> {
    events: Vec<Event<'e>>,
    i: usize,
    html: Vec<Event<'e>>,
    /// What each open Markdown link's end becomes.
    closers: Vec<&'static str>,
    doc: &'d Doc<'d>,
    state: &'s mut State,
}

impl<'e> Rewriter<'e, '_, '_> {
    fn event(&mut self, event: Event<'e>) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => self.heading(level),
            Event::End(TagEnd::Heading(level)) => {
                self.html
                    .push(Event::End(TagEnd::Heading(body_level(level))));
            }
            Event::Start(Tag::Paragraph) => self.paragraph(),
            Event::Text(t) if has_slot(&t) => {
                let mut s = String::with_capacity(t.len() + 64);
                self.doc.expand(&t, true, self.state, &mut s);
                self.html.push(Event::InlineHtml(s.into()));
            }
            Event::Code(t) if has_slot(&t) => {
                let mut s = String::from("<code>");
                self.doc.expand(&t, true, self.state, &mut s);
                s.push_str("</code>");
                self.html.push(Event::InlineHtml(s.into()));
            }
            Event::Html(first) => self.html_block(first),
            Event::InlineHtml(raw) => {
                let s = self.raw_html(&raw);
                self.html.push(Event::InlineHtml(s.into()));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            }) => self.link(link_type, &dest_url, &title),
            Event::End(TagEnd::Link) => {
                if let Some(close) = self.closers.pop().filter(|c| !c.is_empty()) {
                    self.html.push(Event::InlineHtml(CowStr::Borrowed(close)));
                }
            }
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => self.image(&dest_url, &title),
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                self.html.push(Event::Html(callout_open(kind).into()));
            }
            Event::End(TagEnd::BlockQuote(Some(_))) => {
                self.html.push(Event::Html(CowStr::Borrowed("</div>\n")));
            }
            Event::TaskListMarker(done) => {
                self.html.push(Event::InlineHtml(CowStr::Borrowed(if done {
                    "<span class=\"kb-task kb-task-done\">☑</span> "
                } else {
                    "<span class=\"kb-task\">☐</span> "
                })));
            }
            other => self.html.push(other),
        }
    }

    /// A heading goes a level down and gets an anchor made from its text.
    fn heading(&mut self, level: HeadingLevel) {
        let end = matching_end(&self.events, self.i);
        let text = plain_text(&self.events[self.i..end], self.doc, Plain::Slug);
        let id = self.state.slugs.next(&text);
        self.html.push(Event::Start(Tag::Heading {
            level: body_level(level),
            id: Some(id.into()),
            classes: Vec::new(),
            attrs: Vec::new(),
        }));
    }

    /// A paragraph that holds nothing but an element placeholder becomes the element.
    fn paragraph(&mut self) {
        match lone_element(&self.events, self.i) {
            Some(el) => {
                let html = self.doc.element_html(el, self.state);
                self.html.push(Event::Html(html.into()));
                self.i += 2;
            }
            None => self.html.push(Event::Start(Tag::Paragraph)),
        }
    }

    /// An HTML block arrives line by line, and a tag may span lines: it is rewritten whole.
    fn html_block(&mut self, first: CowStr<'e>) {
        let mut raw = first.into_string();
        while let Some(Event::Html(next)) = self.events.get(self.i) {
            raw.push_str(next);
            self.i += 1;
        }
        let s = self.raw_html(&raw);
        self.html.push(Event::Html(s.into()));
    }

    fn raw_html(&mut self, raw: &str) -> String {
        let mut s = String::with_capacity(raw.len());
        rawhtml::rewrite(raw, self.doc, self.state, &mut s);
        s
    }

    /// A Markdown link through the link rules; its end is pushed when it comes.
    fn link(&mut self, link_type: LinkType, dest_url: &str, title: &str) {
        let mut dest = slots::plain_string(&self.doc.tokens, dest_url);
        if link_type == LinkType::Email {
            dest.insert_str(0, "mailto:");
        }
        let title = slots::plain_string(&self.doc.tokens, title);
        let (open, close) = links::open_tag(&links::link(&dest, self.doc.ctx), Some(&title));
        if !open.is_empty() {
            self.html.push(Event::InlineHtml(open.into()));
        }
        self.closers.push(close);
    }

    /// An image takes its content as its `alt` text, up to its end.
    fn image(&mut self, dest_url: &str, title: &str) {
        let end = matching_end(&self.events, self.i);
        let alt = plain_text(&self.events[self.i..end], self.doc, Plain::Reader);
        let src = links::image(
            &slots::plain_string(&self.doc.tokens, dest_url),
            self.doc.ctx,
        );
        self.html
            .push(Event::InlineHtml(image(src, &alt, title, self.doc).into()));
        self.i = end + 1;
    }
}

/// The level a heading renders at: one down ([`heading_level`]).
fn body_level(level: HeadingLevel) -> HeadingLevel {
    HeadingLevel::try_from(heading_level(level as usize)).unwrap_or(HeadingLevel::H6)
}

/// The index of the `End` matching the `Start` just before `from`.
fn matching_end(events: &[Event<'_>], from: usize) -> usize {
    let mut depth = 0usize;
    for (j, e) in events.iter().enumerate().skip(from) {
        match e {
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => return j,
            Event::End(_) => depth -= 1,
            _ => {}
        }
    }
    events.len()
}

/// The element, when the paragraph starting before `from` holds nothing but its placeholder.
fn lone_element(events: &[Event<'_>], from: usize) -> Option<usize> {
    let (Some(Event::Text(t)), Some(Event::End(TagEnd::Paragraph))) =
        (events.get(from), events.get(from + 1))
    else {
        return None;
    };
    let mut it = pieces(t.trim());
    match (it.next(), it.next()) {
        (Some(Piece::Slot(Slot::Element(i))), None) => Some(i),
        _ => None,
    }
}

/// The text of some events, as a reader sees it or as an anchor is made from it.
fn plain_text(events: &[Event<'_>], doc: &Doc<'_>, mode: Plain) -> String {
    let mut out = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => slots::plain(&doc.tokens, t, mode, &mut out),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    out
}

fn image(src: Option<String>, alt: &str, title: &str, doc: &Doc<'_>) -> String {
    let mut out = String::new();
    let Some(src) = src else {
        rawhtml::missing_image(&mut out, alt);
        return out;
    };
    out.push_str("<img src=\"");
    escape::attr(&mut out, &src);
    out.push_str("\" alt=\"");
    escape::attr(&mut out, alt);
    out.push('"');
    let title = slots::plain_string(&doc.tokens, title);
    if !title.trim().is_empty() {
        out.push_str(" title=\"");
        escape::attr(&mut out, &title);
        out.push('"');
    }
    out.push('>');
    out
}

fn callout_open(kind: BlockQuoteKind) -> String {
    let (class, label) = match kind {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
    };
    format!(
        "<div class=\"kb-callout kb-callout-{class}\"><p class=\"kb-callout-label\">{label}</p>\n"
    )
}
