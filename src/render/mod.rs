//! Article -> sanitized HTML for the article page, and the other views of an article a page
//! shows (a preview of its JSON form, its text with tokens filled).
//!
//! Article bodies are untrusted HTML-in-Markdown written for the Azure portal, so rendering
//! them is more than running a Markdown renderer. Comment markers carry meaning (named
//! sections, replacement tokens), links point at portal blades, and the portal's own
//! elements (`<Insight>`, `<video>`, ...) need a stand-in outside it. The work runs as passes,
//! each in its own file:
//!
//! 1. `markers.rs`: comment markers -> a tree of sections; tokens -> placeholders
//!    (`slots.rs`) that survive Markdown parsing anywhere (bold, tables, link targets).
//! 2. `blocks.rs` and `elements.rs`: `:::Section:::` lines, callouts and custom elements ->
//!    placeholders or normalized Markdown.
//! 3. `events.rs`: pulldown-cmark, with its events rewritten (anchors, `links.rs`, callouts,
//!    `rawhtml.rs`).
//! 4. [`sanitize`]: ammonia, with an allow-list of exactly what the passes emit, after
//!    `nesting.rs` has bounded how deeply elements nest (the parser is quadratic in depth).
//!
//! This module is the one place that sets pulldown-cmark's options ([`options`]) and the
//! only place HTML for pages comes from. Headings render a level below what the article
//! says (`heading_level`): the page's title is the page's `<h1>`. `form.rs` previews JSON
//! payloads ([`payload_html`]) and `text.rs` turns the rendered page back into text
//! ([`filled_text`]).

mod blocks;
mod doc;
mod elements;
mod escape;
mod events;
mod form;
pub mod highlight;
pub(crate) mod links;
mod markers;
mod nesting;
mod rawhtml;
pub mod reply;
mod sanitize;
mod slots;
mod text;

use std::collections::BTreeMap;

use pulldown_cmark::Options;

use crate::article::Article;
use doc::{Doc, State, Target};
use markers::Node;

pub use form::payload_html;
pub use sanitize::sanitize;

/// Where an article's relative links point from.
#[derive(Debug, Clone, Default)]
pub struct LinkContext {
    /// The article's path relative to the articles root, `/`-separated, with `.md`. Empty
    /// for text that belongs to no article: relative links then resolve from the root.
    pub article_path: String,
}

/// The level a heading of an article body renders at: one below what its Markdown or HTML
/// says, `<h6>` at most. The article page shows the article's title as its one `<h1>`, and
/// nearly every body starts with a `# Heading` of its own (half of them the title again);
/// moving every heading down one level keeps the body's outline whole beneath the page's,
/// and its anchors as they were. `:::Section:::` markers rank with `##`: `<h3>`.
pub(crate) fn heading_level(level: usize) -> usize {
    (level + 1).min(6)
}

/// The Markdown extensions articles use: tables, footnotes, strikethrough, task lists, and
/// GitHub's `> [!NOTE]` callouts.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM
}

/// Renders article-flavoured Markdown to HTML that is safe to embed in a page. Tokens show
/// their default text; sections, custom elements and links are handled as in
/// [`article_html`].
pub fn render_markdown(markdown: &str, ctx: &LinkContext) -> String {
    sanitize(&render(markdown, ctx, &BTreeMap::new(), Target::Page))
}

/// The article's body as sanitized HTML for its page. Replacement tokens show the value
/// given in `values` (by token name, any case; a blank value counts as none), else their
/// default text.
pub fn article_html(article: &Article, values: &BTreeMap<String, String>) -> String {
    let ctx = LinkContext {
        article_path: article.path.clone(),
    };
    sanitize(&render(&article.body(), &ctx, values, Target::Page))
}

/// The body as sanitized HTML for a reply ([`reply`]): as [`article_html`], but with the
/// portal's elements as a reader outside the portal can use them.
pub(crate) fn reply_html(article: &Article, values: &BTreeMap<String, String>) -> String {
    let ctx = LinkContext {
        article_path: article.path.clone(),
    };
    sanitize(&render(&article.body(), &ctx, values, Target::Reply))
}

/// The text of the article body with tokens filled (values by token name, any case; default
/// text otherwise) and markup stripped, for a "copy filled text" button, followed by the
/// text of its JSON form's preview ([`payload_html`]) when it has one: a scoping article's
/// questions are what it says. Blocks are separated by blank lines, list items start with
/// `- ` or their number, table cells are separated by ` | `.
pub fn filled_text(article: &Article, values: &BTreeMap<String, String>) -> String {
    let mut html = article_html(article, values);
    if let Some(form) = article.payload.as_ref().and_then(payload_html) {
        html.push_str(&form);
    }
    text::from_html(&html)
}

/// The whole pipeline but the sanitizer, for the page or for a reply.
fn render(
    markdown: &str,
    ctx: &LinkContext,
    values: &BTreeMap<String, String>,
    target: Target,
) -> String {
    let markdown = slots::scrub(markdown);
    let marked = markers::mark(&markdown, values);
    let mut elements = Vec::new();
    let nodes = rewrite_nodes(marked.nodes, &marked.tokens, &mut elements);
    let doc = Doc {
        tokens: marked.tokens,
        elements,
        ctx,
        target,
    };
    // Each section renders on its own; link definitions must reach all of them.
    let definitions = if nodes.len() == 1 && matches!(nodes[0], Node::Text(_)) {
        String::new()
    } else {
        link_definitions(&nodes)
    };
    let mut state = State::default();
    let mut out = String::with_capacity(markdown.len() * 3 / 2 + 256);
    render_nodes(&nodes, &doc, &definitions, &mut state, &mut out);
    out
}

/// Runs the line and element passes over every text node.
fn rewrite_nodes(
    nodes: Vec<Node>,
    tokens: &[slots::TokenUse],
    elements: &mut Vec<elements::Element>,
) -> Vec<Node> {
    nodes
        .into_iter()
        .map(|node| match node {
            Node::Text(t) => {
                let t = blocks::rewrite(&t, elements);
                Node::Text(elements::extract(&t, tokens, elements))
            }
            Node::Section { name, children } => Node::Section {
                name,
                children: rewrite_nodes(children, tokens, elements),
            },
        })
        .collect()
}

fn render_nodes(
    nodes: &[Node],
    doc: &Doc<'_>,
    definitions: &str,
    state: &mut State,
    out: &mut String,
) {
    for node in nodes {
        match node {
            Node::Text(t) => {
                let mut html = String::new();
                if definitions.is_empty() {
                    events::render(t, doc, state, &mut html);
                } else {
                    events::render(&format!("{t}\n\n{definitions}"), doc, state, &mut html);
                }
                // A section's raw HTML stays in the section.
                out.push_str(&rawhtml::unswallow(&html));
            }
            Node::Section { name, children } => {
                out.push_str("<section class=\"kb-section kb-section-");
                escape::attr(out, name);
                if name.eq_ignore_ascii_case("issueDescription") {
                    out.push_str(" kb-issue");
                }
                out.push_str("\" data-section=\"");
                escape::attr(out, name);
                out.push_str("\">\n");
                render_nodes(children, doc, definitions, state, out);
                out.push_str("</section>\n");
            }
        }
    }
}

/// Every `[label]: destination` line of the text nodes.
fn link_definitions(nodes: &[Node]) -> String {
    let mut out = String::new();
    for node in nodes {
        match node {
            Node::Text(t) => {
                for line in t.lines() {
                    let indent = line.len() - line.trim_start_matches(' ').len();
                    let rest = &line[indent..];
                    let is_definition = indent <= 3
                        && rest.starts_with('[')
                        && !rest.starts_with("[^")
                        && rest.find("]:").is_some_and(|i| i > 1);
                    if is_definition {
                        out.push_str(line);
                        out.push('\n');
                    }
                }
            }
            Node::Section { children, .. } => out.push_str(&link_definitions(children)),
        }
    }
    out
}
