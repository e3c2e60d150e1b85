//! What one render knows (the tokens and elements the placeholders point at, the link
//! context) and what it accumulates as it goes (anchors handed out, raw `<a>` tags open).

use super::LinkContext;
use super::elements::{Element, marker_html};
use super::escape;
use super::slots::{Piece, Slot, TokenUse, chip_open, pieces};
use crate::article::slug::Slugger;

/// The tables placeholders index into, and where links resolve from.
pub(crate) struct Doc<'a> {
    pub tokens: Vec<TokenUse>,
    pub elements: Vec<Element>,
    pub ctx: &'a LinkContext,
    pub target: Target,
}

/// What the HTML is for: the article page, or the text of a reply to a customer, which
/// words the portal's own elements differently ([`Element::reply_html`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Target {
    #[default]
    Page,
    Reply,
}

/// Mutable state across the Markdown runs of one article.
#[derive(Default)]
pub(crate) struct State {
    pub slugs: Slugger,
    /// For each raw `<a>` still open, what its `</a>` becomes (`</a>`, `</span>` or nothing).
    pub raw_anchors: Vec<&'static str>,
}

impl Doc<'_> {
    /// Appends `s` with its placeholders as HTML: token chips, values escaped, elements.
    /// `escape_text` says whether the text around them is plain text (escaped here) or
    /// already HTML.
    pub(crate) fn expand(&self, s: &str, escape_text: bool, state: &mut State, out: &mut String) {
        for piece in pieces(s) {
            match piece {
                Piece::Text(t) if escape_text => escape::text(out, t),
                Piece::Text(t) => out.push_str(t),
                Piece::Slot(Slot::Open(i)) => {
                    if let Some(token) = self.tokens.get(i) {
                        chip_open(out, token);
                    }
                }
                Piece::Slot(Slot::Close(_)) => out.push_str("</span>"),
                Piece::Slot(Slot::Value(i)) => {
                    if let Some(v) = self.tokens.get(i).and_then(|t| t.value.as_deref()) {
                        escape::text(out, v);
                    }
                }
                Piece::Slot(Slot::Element(i)) => out.push_str(&self.element_html(i, state)),
            }
        }
    }

    /// Element `i` as HTML for the [`Target`]; a `:::Section:::` heading takes the next free
    /// anchor, the same for both.
    pub(crate) fn element_html(&self, i: usize, state: &mut State) -> String {
        match self.elements.get(i) {
            Some(Element::Marker { title }) => {
                let id = state.slugs.next(title);
                marker_html(title, &id)
            }
            Some(el) if self.target == Target::Reply => el.reply_html(),
            Some(el) => el.html(),
            None => String::new(),
        }
    }
}
