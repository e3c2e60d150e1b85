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
    let mut events: Vec<Event<'_>> = Parser::new_ext(markdown, options()).collect();
    let mut html_events: Vec<Event<'_>> = Vec::with_capacity(events.len());
    // What each open Markdown link's end becomes.
    let mut closers: Vec<&'static str> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let event = std::mem::replace(&mut events[i], Event::SoftBreak);
        i += 1;
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let end = matching_end(&events, i);
                let id = state
                    .slugs
                    .next(&plain_text(&events[i..end], doc, Plain::Slug));
                html_events.push(Event::Start(Tag::Heading {
                    level: body_level(level),
                    id: Some(id.into()),
                    classes: Vec::new(),
                    attrs: Vec::new(),
                }));
            }
            Event::End(TagEnd::Heading(level)) => {
                html_events.push(Event::End(TagEnd::Heading(body_level(level))));
            }
            Event::Start(Tag::Paragraph) => match lone_element(&events, i) {
                Some(el) => {
                    html_events.push(Event::Html(doc.element_html(el, state).into()));
                    i += 2;
                }
                None => html_events.push(Event::Start(Tag::Paragraph)),
            },
            Event::Text(t) if has_slot(&t) => {
                let mut s = String::with_capacity(t.len() + 64);
                doc.expand(&t, true, state, &mut s);
                html_events.push(Event::InlineHtml(s.into()));
            }
            Event::Code(t) if has_slot(&t) => {
                let mut s = String::from("<code>");
                doc.expand(&t, true, state, &mut s);
                s.push_str("</code>");
                html_events.push(Event::InlineHtml(s.into()));
            }
            Event::Html(first) => {
                // An HTML block arrives line by line; a tag may span lines.
                let mut raw = first.into_string();
                while let Some(Event::Html(next)) = events.get(i) {
                    raw.push_str(next);
                    i += 1;
                }
                let mut s = String::with_capacity(raw.len());
                rawhtml::rewrite(&raw, doc, state, &mut s);
                html_events.push(Event::Html(s.into()));
            }
            Event::InlineHtml(raw) => {
                let mut s = String::with_capacity(raw.len());
                rawhtml::rewrite(&raw, doc, state, &mut s);
                html_events.push(Event::InlineHtml(s.into()));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                let mut dest = slots::plain_string(&doc.tokens, &dest_url);
                if link_type == LinkType::Email {
                    dest.insert_str(0, "mailto:");
                }
                let title = slots::plain_string(&doc.tokens, &title);
                let (open, close) = links::open_tag(&links::link(&dest, doc.ctx), Some(&title));
                if !open.is_empty() {
                    html_events.push(Event::InlineHtml(open.into()));
                }
                closers.push(close);
            }
            Event::End(TagEnd::Link) => {
                if let Some(close) = closers.pop().filter(|c| !c.is_empty()) {
                    html_events.push(Event::InlineHtml(CowStr::Borrowed(close)));
                }
            }
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                let end = matching_end(&events, i);
                let alt = plain_text(&events[i..end], doc, Plain::Reader);
                let src = links::image(&slots::plain_string(&doc.tokens, &dest_url), doc.ctx);
                html_events.push(Event::InlineHtml(image(src, &alt, &title, doc).into()));
                i = end + 1;
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                html_events.push(Event::Html(callout_open(kind).into()));
            }
            Event::End(TagEnd::BlockQuote(Some(_))) => {
                html_events.push(Event::Html(CowStr::Borrowed("</div>\n")));
            }
            Event::TaskListMarker(done) => {
                html_events.push(Event::InlineHtml(CowStr::Borrowed(if done {
                    "<span class=\"kb-task kb-task-done\">☑</span> "
                } else {
                    "<span class=\"kb-task\">☐</span> "
                })));
            }
            other => html_events.push(other),
        }
    }
    html::push_html(out, html_events.into_iter());
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
