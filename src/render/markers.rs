//! Comment markers -> a tree of named sections whose text holds token placeholders.
//!
//! The markers and their pairs are the article grammar's ([`crate::article::markers`]), so
//! the sections a page shows are exactly [`Article::sections`](crate::Article::sections):
//! pairs always nest, and a section wins over a token that straddles its edge. Unpaired
//! markers and other comments are removed and their text kept; comments inside fenced code
//! stay, as code.
//!
//! Sections are cut at line boundaries when nothing else is on the marker's line, so that
//! `# <!--issueDescription-->Title<!--/issueDescription-->` keeps its heading inside the
//! section instead of splitting it.

use std::collections::BTreeMap;

use super::slots::{Slot, TokenUse};
use crate::article::body::strip_markup;
use crate::article::markers::{Comment, Scan};

/// Part of an article: text to render as Markdown, or a named section of more parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Text(String),
    Section { name: String, children: Vec<Node> },
}

/// The marker pass's result.
#[derive(Debug, Default)]
pub(crate) struct Marked {
    pub nodes: Vec<Node>,
    /// Indexed by the token placeholders in the text.
    pub tokens: Vec<TokenUse>,
}

/// What to do with a comment.
#[derive(Clone, Copy)]
enum Role {
    /// Leave it in the text (inside fenced code).
    Keep,
    Remove,
    SectionOpen,
    SectionClose,
    TokenOpen {
        token: usize,
        close: usize,
    },
    TokenClose {
        token: usize,
    },
}

fn value_for<'v>(values: &'v BTreeMap<String, String>, name: &str) -> Option<&'v str> {
    values
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, pos: usize) -> usize {
    text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1)
}

/// Builds the node tree.
struct Builder<'a> {
    text: &'a str,
    /// How far the text has been consumed.
    pos: usize,
    /// Text not yet made a node.
    current: String,
    /// The parts of the innermost open section (or of the top level).
    level: Vec<Node>,
    /// Open sections: name, and the enclosing level's parts so far.
    stack: Vec<(String, Vec<Node>)>,
}

impl Builder<'_> {
    /// Copies the text up to `to`.
    fn copy_to(&mut self, to: usize) {
        if to > self.pos {
            self.current.push_str(&self.text[self.pos..to]);
            self.pos = to;
        }
    }

    fn flush(&mut self) {
        let text = std::mem::take(&mut self.current);
        if !text.trim().is_empty() {
            self.level.push(Node::Text(text));
        }
    }

    fn open_section(&mut self, c: &Comment<'_>, name: &str) {
        let ls = line_start(self.text, c.start);
        let boundary = if ls >= self.pos && !self.text[ls..c.start].contains("<!--") {
            ls
        } else {
            c.start
        };
        self.copy_to(boundary);
        self.flush();
        let parent = std::mem::take(&mut self.level);
        self.stack.push((name.to_owned(), parent));
        self.copy_to(c.start);
        self.pos = c.end;
    }

    fn close_section(&mut self, c: &Comment<'_>) {
        self.copy_to(c.start);
        let le = line_end(self.text, c.end);
        self.pos = c.end;
        if !self.text[c.end..le].contains("<!--") {
            self.copy_to(le);
        }
        self.pop_section();
    }

    fn pop_section(&mut self) {
        self.flush();
        if let Some((name, parent)) = self.stack.pop() {
            let children = std::mem::replace(&mut self.level, parent);
            self.level.push(Node::Section { name, children });
        }
    }

    fn finish(mut self) -> Vec<Node> {
        self.copy_to(self.text.len());
        self.flush();
        // Paired markers always close; this only guards the invariant.
        while !self.stack.is_empty() {
            self.pop_section();
        }
        self.level
    }
}

/// Splits `text` (already [scrubbed](super::slots::scrub)) into sections and replaces token
/// markers with placeholders, filling values from `values` (by name, any case).
pub(crate) fn mark(text: &str, values: &BTreeMap<String, String>) -> Marked {
    if !text.contains("<!--") {
        return Marked {
            nodes: vec![Node::Text(text.to_owned())],
            tokens: Vec::new(),
        };
    }
    let scan = Scan::new(text);
    let (comments, partner, unterminated) = (&scan.comments, &scan.partner, scan.unterminated);
    let mut tokens = Vec::new();
    let roles: Vec<Role> = comments
        .iter()
        .enumerate()
        .map(|(i, c)| match (c.marker, partner[i]) {
            (Some(m), Some(j)) if m.token && !m.closing => {
                let default = &text[c.end..comments[j].start];
                tokens.push(TokenUse {
                    name: m.name.to_owned(),
                    value: value_for(values, m.name).map(str::to_owned),
                    default_plain: strip_markup(default),
                });
                Role::TokenOpen {
                    token: tokens.len() - 1,
                    close: j,
                }
            }
            // Numbered below, from its opener.
            (Some(m), Some(_)) if m.token => Role::Remove,
            (Some(m), Some(_)) if m.closing => Role::SectionClose,
            (Some(_), Some(_)) => Role::SectionOpen,
            _ if c.fenced => Role::Keep,
            _ => Role::Remove,
        })
        .collect();
    let mut roles = roles;
    let closers: Vec<(usize, usize)> = roles
        .iter()
        .filter_map(|r| match *r {
            Role::TokenOpen { token, close } => Some((close, token)),
            _ => None,
        })
        .collect();
    for (close, token) in closers {
        roles[close] = Role::TokenClose { token };
    }

    let mut b = Builder {
        text,
        pos: 0,
        current: String::with_capacity(text.len() + 64),
        level: Vec::new(),
        stack: Vec::new(),
    };
    for (c, role) in comments.iter().zip(&roles) {
        // Inside a token whose default was replaced by a value.
        if c.start < b.pos {
            continue;
        }
        match *role {
            Role::Keep => {}
            Role::Remove => {
                b.copy_to(c.start);
                b.pos = c.end;
                // `a <!-- x --> b` reads `a b`, not `a  b`.
                if b.current.ends_with(' ') && text[b.pos..].starts_with(' ') {
                    b.pos += 1;
                }
            }
            Role::SectionOpen => {
                let name = c.marker.map_or("", |m| m.name);
                b.open_section(c, name);
            }
            Role::SectionClose => b.close_section(c),
            Role::TokenOpen { token, close } => {
                b.copy_to(c.start);
                Slot::Open(token).write(&mut b.current);
                b.pos = c.end;
                if tokens[token].value.is_some() {
                    Slot::Value(token).write(&mut b.current);
                    b.pos = comments[close].start;
                }
            }
            Role::TokenClose { token } => {
                b.copy_to(c.start);
                Slot::Close(token).write(&mut b.current);
                b.pos = c.end;
            }
        }
    }
    // An unterminated `<!--` would swallow the rest of the article: show it as text.
    if let Some(at) = unterminated
        && at >= b.pos
    {
        b.copy_to(at);
        b.current.push_str("&lt;");
        b.pos = at + 1;
    }
    Marked {
        nodes: b.finish(),
        tokens,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::slots::{Piece, pieces};

    fn no_values() -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    /// The shape of `text` marked without token values.
    fn shape_of(text: &str) -> String {
        shape(&mark(text, &no_values()).nodes)
    }

    fn shape(nodes: &[Node]) -> String {
        nodes
            .iter()
            .map(|n| match n {
                Node::Text(t) => format!("T({})", t.replace('\n', "/")),
                Node::Section { name, children } => format!("S:{name}[{}]", shape(children)),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// What marking leaves of a text, case by case (the case's name says the rule).
    #[test]
    fn marked_text_keeps_its_shape() {
        let cases = [
            (
                "sections nest and keep the text around them",
                "# T\n<!--issueDescription-->\nA\n<!--a-->B<!--/a-->\n<!--/issueDescription-->\nC\n",
                "T(# T/) S:issueDescription[T(/A/) S:a[T(B/)]] T(C/)",
            ),
            (
                "a section inside a heading takes the whole line",
                "# <!--issueDescription-->Recover<!--/issueDescription-->\nnext\n",
                "S:issueDescription[T(# Recover/)] T(next/)",
            ),
            (
                "a removed comment between spaces leaves one",
                "And <!--/resolutionDetails--> this, <!-- note -->that\tand <!--x-->\n",
                "T(And this, that\tand /)",
            ),
        ];
        for (rule, text, want) in cases {
            assert_eq!(shape_of(text), want, "{rule}");
        }
    }

    #[test]
    fn unpaired_and_crossing_markers_are_dropped_text_kept() {
        let text = "<!--/x-->a<!--y-->b<!-- note -->c<!--s-->d<!--$t-->e<!--/s-->f<!--/$t-->";
        let m = mark(text, &no_values());
        assert_eq!(shape(&m.nodes), "T(abc) S:s[T(de)] T(f)");
        assert!(m.tokens.is_empty());
    }

    #[test]
    fn tokens_become_placeholders_and_values_replace_defaults() {
        let text =
            "**<!--$vmname-->Virtual **machine**<!--/$vmname-->** <!--$Other-->o<!--/$other-->";
        let values = BTreeMap::from([("VMNAME".to_owned(), "web01".to_owned())]);
        let m = mark(text, &values);
        let [Node::Text(t)] = m.nodes.as_slice() else {
            panic!("{:?}", m.nodes)
        };
        let got: Vec<_> = pieces(t).collect();
        assert_eq!(
            got,
            [
                Piece::Text("**"),
                Piece::Slot(Slot::Open(0)),
                Piece::Slot(Slot::Value(0)),
                Piece::Slot(Slot::Close(0)),
                Piece::Text("** "),
                Piece::Slot(Slot::Open(1)),
                Piece::Text("o"),
                Piece::Slot(Slot::Close(1)),
            ]
        );
        assert_eq!(m.tokens[0].value.as_deref(), Some("web01"));
        assert_eq!(m.tokens[0].default_plain, "Virtual **machine**");
        assert_eq!(m.tokens[1].value, None);
    }

    #[test]
    fn comments_in_code_stay_and_unterminated_ones_show() {
        let text = "```\n<!-- keep -->\n```\n<!-- open";
        assert_eq!(shape_of(text), "T(```/<!-- keep -->/```/&lt;!-- open)");
    }
}
