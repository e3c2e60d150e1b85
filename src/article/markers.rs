//! The comment markers of the format, found and paired once for the parser and the renderer:
//! `<!--name-->`…`<!--/name-->` marks a named section, `<!--$name-->default<!--/$name-->` a
//! replacement token.
//!
//! The scan runs over the Markdown text, not through the Markdown parser (which would split
//! a marker's pair across events). A comment ends where HTML says it does
//! ([`html::comment_end`]): at `-->` or `--!>`. Pairing: an opening marker pairs with the next
//! unused closing marker of the same name (any case) and kind; sections pair first, then
//! tokens; a pair that would cross one already made (a section closing inside a token, two
//! sections overlapping) is not made, so that sections and tokens always nest. A section
//! marker inside fenced code is code, not a marker; a token marker there still fills in, as
//! the portal fills it.
//!
//! [`Article::sections`](super::Article::sections) and the sections an article page renders
//! are both made from this pairing, so the two always agree.

use super::fences::Fences;
use super::html;

/// A `<!--...-->` comment found in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment<'a> {
    /// Byte offset of its `<!--`.
    pub start: usize,
    /// Byte offset just past its end.
    pub end: usize,
    /// What it marks, when its text is a marker.
    pub marker: Option<Marker<'a>>,
    /// Inside a fenced code block.
    pub fenced: bool,
}

/// A section or token marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker<'a> {
    /// As written.
    pub name: &'a str,
    /// A `$token` marker rather than a section.
    pub token: bool,
    /// `<!--/name-->`.
    pub closing: bool,
}

/// The comments of a text and how their markers pair.
#[derive(Debug, Default)]
pub struct Scan<'a> {
    /// In order.
    pub comments: Vec<Comment<'a>>,
    /// Each comment's partner: the index of the other marker of its pair.
    pub partner: Vec<Option<usize>>,
    /// Where an unterminated `<!--` outside code starts: the rest of the text would be a
    /// comment.
    pub unterminated: Option<usize>,
}

/// Section and token names are identifiers; any other comment is prose.
fn parse_marker(comment: &str) -> Option<Marker<'_>> {
    let (closing, rest) = match comment.strip_prefix('/') {
        Some(r) => (true, r),
        None => (false, comment),
    };
    // `<!--$ Scenario-->` is a token too: authors slip a space in.
    let (token, name) = match rest.strip_prefix('$') {
        Some(r) => (true, r.trim_start()),
        None => (false, rest),
    };
    let mut chars = name.chars();
    let first = chars.next()?;
    let ident = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    ident.then_some(Marker {
        name,
        token,
        closing,
    })
}

impl<'a> Scan<'a> {
    /// Finds the comments of `text` and pairs their markers.
    pub fn new(text: &'a str) -> Scan<'a> {
        let mut scan = Scan::default();
        if !text.contains("<!--") {
            return scan;
        }
        let fences = Fences::find(text);
        let mut from = 0;
        while let Some(open) = text[from..].find("<!--").map(|i| i + from) {
            let fenced = fences.contains(open);
            let Some((end, inner)) = html::comment_end(text, open) else {
                scan.unterminated = (!fenced).then_some(open);
                break;
            };
            let marker = parse_marker(text[inner].trim()).filter(|m| m.token || !fenced);
            scan.comments.push(Comment {
                start: open,
                end,
                marker,
                fenced,
            });
            from = end;
        }
        scan.pair();
        scan
    }

    fn pair(&mut self) {
        let comments = &self.comments;
        let mut partner: Vec<Option<usize>> = vec![None; comments.len()];
        let mut accepted: Vec<(usize, usize)> = Vec::new();
        for tokens in [false, true] {
            for (i, c) in comments.iter().enumerate() {
                let Some(m) = c.marker else { continue };
                if m.closing || m.token != tokens || partner[i].is_some() {
                    continue;
                }
                let close = comments.iter().enumerate().skip(i + 1).find(|(j, d)| {
                    partner[*j].is_none()
                        && d.marker.is_some_and(|n| {
                            n.closing && n.token == m.token && n.name.eq_ignore_ascii_case(m.name)
                        })
                });
                let Some((j, _)) = close else { continue };
                let crosses = accepted
                    .iter()
                    .any(|&(a, b)| (a < i && i < b) != (a < j && j < b));
                if !crosses {
                    partner[i] = Some(j);
                    partner[j] = Some(i);
                    accepted.push((i, j));
                }
            }
        }
        self.partner = partner;
    }

    /// The pairs, in the order their opening markers come: `(opening, closing)` indices
    /// into [`Scan::comments`].
    pub fn pairs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.partner
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.filter(|&j| j > i).map(|j| (i, j)))
    }

    /// The markers left without a pair, in order.
    pub fn unpaired(&self) -> impl Iterator<Item = (&Comment<'a>, Marker<'a>)> + '_ {
        self.comments
            .iter()
            .zip(&self.partner)
            .filter(|(_, p)| p.is_none())
            .filter_map(|(c, _)| c.marker.map(|m| (c, m)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        let scan = Scan::new(text);
        scan.pairs()
            .map(|(i, j)| {
                let (a, b) = (&scan.comments[i], &scan.comments[j]);
                (
                    text[a.start..a.end].to_owned(),
                    text[a.end..b.start].to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn sections_in_code_are_code_and_tokens_there_still_pair() {
        let text =
            "```\n<!--fake-->x<!--/fake--> <!--$t-->v<!--/$t-->\n```\n<!--real-->y<!--/real-->";
        assert_eq!(
            pairs(text),
            [
                ("<!--$t-->".to_owned(), "v".to_owned()),
                ("<!--real-->".to_owned(), "y".to_owned())
            ]
        );
    }

    #[test]
    fn a_comment_ends_at_the_first_end_html_knows() {
        let text = "<!-- x --!><!--a-->A<!--/a--><!-->b<!--/b-->";
        assert_eq!(pairs(text), [("<!--a-->".to_owned(), "A".to_owned())]);
        assert_eq!(Scan::new(text).comments.len(), 5);
    }

    #[test]
    fn crossing_pairs_are_not_made_and_sections_win() {
        let scan = Scan::new("<!--s-->a<!--$t-->b<!--/s-->c<!--/$t-->");
        let unpaired: Vec<_> = scan.unpaired().map(|(_, m)| (m.name, m.closing)).collect();
        assert_eq!(unpaired, [("t", false), ("t", true)]);
    }

    #[test]
    fn an_unterminated_comment_is_reported_outside_code_only() {
        assert_eq!(Scan::new("a <!-- open").unterminated, Some(2));
        assert_eq!(Scan::new("```\n<!-- open").unterminated, None);
    }
}
