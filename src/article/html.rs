//! The HTML tokenizer every pass that reads raw HTML shares: the parser's plain text, the
//! comment markers, the renderer's rewriting of raw tags, its bound on nesting, and the text
//! taken back out of rendered pages.
//!
//! It follows the tokenizer of the HTML standard (§13.2.5) in its data state, which is what
//! decides where a tag or a comment ends and so what text a reader sees: a comment ends at
//! `-->` or at `--!>`, `<!-->` and `<!--->` are empty comments, a `>` inside a quoted
//! attribute value does not end its tag, `</>` is nothing, `<!x>`, `<?x>` and `</ x>` are
//! bogus comments, and a `<` that starts no tag is text. A browser and ammonia's parser
//! (html5ever) read the same input the same way, which a property test holds it to
//! (`tests/grammar.rs`). The states that depend on the tree (the raw text of `<script>` or
//! `<textarea>`, CDATA in SVG) are switched by the caller, as the tree builder switches
//! them: [`Tokens::skip_raw_text`] and [`Tokens::cdata`].
//!
//! Names and values come back as written (not lower-cased, character references not
//! decoded), as slices of the input: callers compare names without regard to case and
//! decode what they use.

/// One token and where it stands in the input (`start..end`, bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: Kind<'a>,
    pub start: usize,
    pub end: usize,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind<'a> {
    /// Text, as written (a `<` that opens nothing included).
    Text(&'a str),
    /// `<name ...>`.
    StartTag(Tag<'a>),
    /// `</name ...>` (attributes on an end tag are read and mean nothing).
    EndTag(Tag<'a>),
    /// `<!--...-->`, or a bogus comment (`<!x>`, `<?x>`, `</ x>`): what it holds. An
    /// unterminated comment runs to the end of the input.
    Comment { text: &'a str, terminated: bool },
    /// `<!DOCTYPE ...>`.
    Doctype,
    /// `<![CDATA[...]]>`, read as such only where [`Tokens::cdata`] allows it (in SVG and
    /// MathML): its text.
    Cdata(&'a str),
    /// A tag the input ends inside of (`<a href="x`): the tokenizer drops it and everything
    /// after it. The token covers the rest of the input.
    EofInTag,
}

/// A start or end tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag<'a> {
    /// As written.
    pub name: &'a str,
    /// Everything between the name and the closing `>` (or `/>`).
    pub attrs_raw: &'a str,
    /// Ends in `/>`.
    pub self_closing: bool,
}

impl<'a> Tag<'a> {
    /// The attributes, in order, as written (repeats included; HTML keeps the first).
    pub fn attrs(&self) -> Attrs<'a> {
        Attrs {
            s: self.attrs_raw,
            i: 0,
            complete: true,
        }
    }

    /// The raw value of the first attribute named `name` (any case); `Some("")` for an
    /// attribute without a value.
    pub fn attr(&self, name: &str) -> Option<&'a str> {
        self.attrs()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .map(|a| a.value.unwrap_or(""))
    }

    /// Whether the name is `name`, in any case.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// An attribute as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    pub name: &'a str,
    /// `None` when no `=` follows the name; quotes removed, references not decoded.
    pub value: Option<&'a str>,
}

/// HTML's whitespace (CR included: the standard turns it into LF before tokenizing).
pub const fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// How a tag's attributes end.
enum TagEnd {
    /// At the `>` at this offset; `true` when it is `/>`.
    Close(usize, bool),
    /// The input ends inside the tag.
    Eof,
}

/// The attributes of a tag's raw attribute text, read by the standard's attribute states.
#[derive(Debug, Clone)]
pub struct Attrs<'a> {
    s: &'a str,
    i: usize,
    /// The text is a whole tag's attributes: its end is the tag's `>`, not the input's.
    complete: bool,
}

impl<'a> Attrs<'a> {
    /// The next attribute, or how the tag ends.
    fn step(&mut self) -> Result<Attr<'a>, TagEnd> {
        let s = self.s;
        let b = s.as_bytes();
        loop {
            // Before an attribute name: spaces, and `/` that is not `/>`.
            match b.get(self.i) {
                None => return Err(TagEnd::Eof),
                Some(&c) if is_space(c) => self.i += 1,
                Some(b'/') => {
                    if b.get(self.i + 1) == Some(&b'>') {
                        return Err(TagEnd::Close(self.i + 1, true));
                    }
                    self.i += 1;
                }
                Some(b'>') => return Err(TagEnd::Close(self.i, false)),
                Some(_) => break,
            }
        }
        // The name; its first character may be anything, `=` included.
        let name_start = self.i;
        self.i += utf8_len(b[self.i]);
        while let Some(&c) = b.get(self.i) {
            if is_space(c) || matches!(c, b'/' | b'>' | b'=') {
                break;
            }
            self.i += 1;
        }
        let name = &s[name_start..self.i];
        // After the name: spaces, then `=` or the next attribute.
        let mut j = self.i;
        while b.get(j).is_some_and(|&c| is_space(c)) {
            j += 1;
        }
        if b.get(j) != Some(&b'=') {
            return Ok(Attr { name, value: None });
        }
        j += 1;
        while b.get(j).is_some_and(|&c| is_space(c)) {
            j += 1;
        }
        let value = match b.get(j) {
            // `a=>` in a whole tag: an empty value.
            None if self.complete => {
                self.i = j;
                ""
            }
            // The input ends in the attribute: `a=` then nothing.
            None => {
                self.i = j;
                return Err(TagEnd::Eof);
            }
            Some(&q @ (b'"' | b'\'')) => {
                let Some(len) = s[j + 1..].find(q as char) else {
                    self.i = s.len();
                    return Err(TagEnd::Eof);
                };
                self.i = j + 1 + len + 1;
                &s[j + 1..j + 1 + len]
            }
            // `a=>`: an empty value, and the tag ends.
            Some(b'>') => {
                self.i = j;
                ""
            }
            Some(_) => {
                let start = j;
                while b.get(j).is_some_and(|&c| !is_space(c) && c != b'>') {
                    j += 1;
                }
                self.i = j;
                &s[start..j]
            }
        };
        Ok(Attr {
            name,
            value: Some(value),
        })
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Attr<'a>;

    fn next(&mut self) -> Option<Attr<'a>> {
        self.step().ok()
    }
}

/// The length of the UTF-8 sequence that starts with `b` (1 for a continuation byte, which
/// never starts one in a `&str` sliced at boundaries).
const fn utf8_len(b: u8) -> usize {
    match b {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// Where the comment whose `<!--` is at `start` ends (just past its `-->`, `--!>`, or the
/// `>` of `<!-->` and `<!--->`), and the range of its text; `None` when the input ends
/// first (an HTML comment then runs to the end).
pub fn comment_end(s: &str, start: usize) -> Option<(usize, std::ops::Range<usize>)> {
    let body = start + 4;
    let rest = s.get(body..)?;
    if rest.starts_with('>') {
        return Some((body + 1, body..body));
    }
    if rest.starts_with("->") {
        return Some((body + 2, body..body));
    }
    let mut at = 0;
    while let Some(i) = rest[at..].find("--") {
        let dash = at + i;
        let after = &rest[dash + 2..];
        if after.starts_with('>') {
            return Some((body + dash + 3, body..body + dash));
        }
        if after.starts_with("!>") {
            return Some((body + dash + 4, body..body + dash));
        }
        at = dash + 1;
    }
    None
}

/// The text of a comment the input ends in: all of it but the start of an end (`-`, `--`,
/// `--!`) the tokenizer was still in.
fn unterminated_text(rest: &str) -> &str {
    ["--!", "--", "-"]
        .into_iter()
        .find_map(|end| rest.strip_suffix(end))
        .unwrap_or(rest)
}

/// The tokens of some HTML; see the [module](self).
#[derive(Debug, Clone)]
pub struct Tokens<'a> {
    s: &'a str,
    pos: usize,
    /// Whether `<![CDATA[` opens a CDATA section (in foreign content) or a bogus comment.
    cdata: bool,
}

impl<'a> Tokens<'a> {
    pub fn new(s: &'a str) -> Tokens<'a> {
        Tokens {
            s,
            pos: 0,
            cdata: false,
        }
    }

    /// Where the next token starts.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Goes on from byte `pos` (a char boundary): a caller that takes a character back as
    /// text, say.
    pub fn resume_at(&mut self, pos: usize) {
        self.pos = pos.min(self.s.len());
    }

    /// Says whether `<![CDATA[` opens a CDATA section from here on, as it does in SVG and
    /// MathML.
    pub fn cdata(&mut self, allowed: bool) {
        self.cdata = allowed;
    }

    /// Skips the raw text of the element `name` just opened (`<script>`, `<textarea>`, ...):
    /// everything up to its end tag, which comes next. Returns the text, or `None` when no
    /// end tag follows, in which case all the rest is that text.
    pub fn skip_raw_text(&mut self, name: &str) -> Option<&'a str> {
        let from = self.pos;
        match end_tag_at(self.s, from, name) {
            Some(at) => {
                self.pos = at;
                Some(&self.s[from..at])
            }
            None => {
                self.pos = self.s.len();
                None
            }
        }
    }

    fn token(&mut self, kind: Kind<'a>, start: usize, end: usize) -> Token<'a> {
        self.pos = end;
        Token { kind, start, end }
    }

    /// The markup at `lt`, a `<` that [`opens_markup`]; `None` for `</>`, which is nothing.
    fn markup(&mut self, lt: usize) -> Option<Token<'a>> {
        let s = self.s;
        let b = s.as_bytes();
        match b.get(lt + 1) {
            Some(c) if c.is_ascii_alphabetic() => Some(self.tag(lt, false)),
            Some(b'/') => match b.get(lt + 2) {
                Some(c) if c.is_ascii_alphabetic() => Some(self.tag(lt, true)),
                Some(b'>') => None,
                _ => Some(self.bogus(lt, lt + 2)),
            },
            Some(b'!') => {
                let rest = &s[lt + 2..];
                if rest.starts_with("--") {
                    return Some(match comment_end(s, lt) {
                        Some((end, text)) => self.token(
                            Kind::Comment {
                                text: &s[text],
                                terminated: true,
                            },
                            lt,
                            end,
                        ),
                        None => self.token(
                            Kind::Comment {
                                text: unterminated_text(&s[lt + 4..]),
                                terminated: false,
                            },
                            lt,
                            s.len(),
                        ),
                    });
                }
                if rest
                    .get(..7)
                    .is_some_and(|d| d.eq_ignore_ascii_case("doctype"))
                {
                    let end = s[lt..].find('>').map_or(s.len(), |i| lt + i + 1);
                    return Some(self.token(Kind::Doctype, lt, end));
                }
                if self.cdata && rest.starts_with("[CDATA[") {
                    let body = lt + 9;
                    return Some(match s[body..].find("]]>") {
                        Some(i) => self.token(Kind::Cdata(&s[body..body + i]), lt, body + i + 3),
                        None => self.token(Kind::Cdata(&s[body..]), lt, s.len()),
                    });
                }
                Some(self.bogus(lt, lt + 2))
            }
            // `<?`: the `?` is part of the bogus comment's text.
            _ => Some(self.bogus(lt, lt + 1)),
        }
    }

    /// A bogus comment whose text starts at `from`: up to the next `>`, or the end.
    fn bogus(&mut self, lt: usize, from: usize) -> Token<'a> {
        let s = self.s;
        let (text, end) = match s[from..].find('>') {
            Some(i) => (&s[from..from + i], from + i + 1),
            None => (&s[from..], s.len()),
        };
        self.token(
            Kind::Comment {
                text,
                terminated: true,
            },
            lt,
            end,
        )
    }

    fn tag(&mut self, lt: usize, closing: bool) -> Token<'a> {
        let s = self.s;
        let b = s.as_bytes();
        let name_start = lt + 1 + usize::from(closing);
        let mut i = name_start;
        while b
            .get(i)
            .is_some_and(|&c| !is_space(c) && c != b'/' && c != b'>')
        {
            i += 1;
        }
        let name = &s[name_start..i];
        let mut attrs = Attrs {
            s: &s[i..],
            i: 0,
            complete: false,
        };
        let end = loop {
            match attrs.step() {
                Ok(_) => {}
                Err(end) => break end,
            }
        };
        let TagEnd::Close(gt, self_closing) = end else {
            return self.token(Kind::EofInTag, lt, s.len());
        };
        let attrs_end = if self_closing { gt - 1 } else { gt };
        let tag = Tag {
            name,
            attrs_raw: &s[i..i + attrs_end],
            self_closing,
        };
        let kind = if closing {
            Kind::EndTag(tag)
        } else {
            Kind::StartTag(tag)
        };
        self.token(kind, lt, i + gt + 1)
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let s = self.s;
        let b = s.as_bytes();
        loop {
            let start = self.pos;
            if start >= s.len() {
                return None;
            }
            // Text runs to the next `<` that opens markup.
            let mut from = start;
            let lt = loop {
                match s[from..].find('<') {
                    Some(i) if opens_markup(b, from + i) => break Some(from + i),
                    Some(i) => from += i + 1,
                    None => break None,
                }
            };
            match lt {
                None => return Some(self.token(Kind::Text(&s[start..]), start, s.len())),
                Some(lt) if lt > start => {
                    return Some(self.token(Kind::Text(&s[start..lt]), start, lt));
                }
                Some(lt) => match self.markup(lt) {
                    Some(token) => return Some(token),
                    // `</>` is nothing at all.
                    None => self.pos = lt + 3,
                },
            }
        }
    }
}

/// Whether the `<` at `lt` opens markup (a tag, a comment, a bogus comment, `</>`) rather
/// than standing for itself.
fn opens_markup(b: &[u8], lt: usize) -> bool {
    match b.get(lt + 1) {
        Some(c) if c.is_ascii_alphabetic() => true,
        Some(b'!' | b'?') => true,
        Some(b'/') => b.get(lt + 2).is_some(),
        _ => false,
    }
}

/// `s` with each character reference that `one` reads replaced by its character. `one` is
/// given the text from an `&` on and returns the character and how many bytes it took, or
/// `None` to leave that `&` as it is. HTML and the properties block's XML know different
/// references; the walk over them is this one.
pub fn decode_references(s: &str, one: impl Fn(&str) -> Option<(char, usize)>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match one(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = rest.get(len..).unwrap_or_default();
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where the end tag `</name` (any case, then a space, `/` or `>`) starts, from `from` on.
pub fn end_tag_at(s: &str, from: usize, name: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut at = from;
    loop {
        let i = at + s.get(at..)?.find("</")?;
        let after = i + 2 + name.len();
        if b.get(i + 2..after)
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
            && b.get(after)
                .is_some_and(|&c| is_space(c) || c == b'/' || c == b'>')
        {
            return Some(i);
        }
        at = i + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<String> {
        Tokens::new(s)
            .map(|t| match t.kind {
                Kind::Text(x) => format!("T({x})"),
                Kind::StartTag(tag) => {
                    let attrs: Vec<String> = tag
                        .attrs()
                        .map(|a| format!("{}={}", a.name, a.value.unwrap_or("-")))
                        .collect();
                    let close = if tag.self_closing { "/" } else { "" };
                    format!("<{} {}{close}>", tag.name, attrs.join(" "))
                }
                Kind::EndTag(tag) => format!("</{}>", tag.name),
                Kind::Comment { text, terminated } => {
                    format!("C({text}{})", if terminated { "" } else { "…" })
                }
                Kind::Doctype => "D".to_owned(),
                Kind::Cdata(x) => format!("CD({x})"),
                Kind::EofInTag => "EOF".to_owned(),
            })
            .collect()
    }

    #[test]
    fn comments_end_as_the_standard_says() {
        assert_eq!(
            kinds("a<!-- x --!>b<!-->c<!--->d<!-- y -- z --->e"),
            [
                "T(a)",
                "C( x )",
                "T(b)",
                "C()",
                "T(c)",
                "C()",
                "T(d)",
                "C( y -- z -)",
                "T(e)"
            ]
        );
        assert_eq!(kinds("a<!-- open"), ["T(a)", "C( open…)"]);
    }

    #[test]
    fn tags_read_quoted_unquoted_bare_and_odd_attributes() {
        assert_eq!(
            kinds("<A HREF='x y' title=\"a>b\" data-x=1 hidden/>rest"),
            ["<A HREF=x y title=a>b data-x=1 hidden=-/>", "T(rest)"]
        );
        assert_eq!(kinds("<p =x a=\"1\"b c = d>"), ["<p =x=- a=1 b=- c=d>"]);
        assert_eq!(kinds("<br/ x/>"), ["<br x=-/>"]);
        assert_eq!(kinds("</div class=a >"), ["</div>"]);
    }

    #[test]
    fn what_opens_no_tag_is_text_or_a_bogus_comment() {
        assert_eq!(kinds("1 < 2 <3 a</>b"), ["T(1 < 2 <3 a)", "T(b)"]);
        assert_eq!(
            kinds("<!x><?xml v?></ y><!DOCTYPE html>"),
            ["C(x)", "C(?xml v?)", "C( y)", "D"]
        );
        assert_eq!(kinds("a<a href=\"open"), ["T(a)", "EOF"]);
        assert_eq!(kinds("a<"), ["T(a<)"]);
        assert_eq!(kinds("</"), ["T(</)"]);
    }

    #[test]
    fn raw_text_and_cdata_are_switched_by_the_caller() {
        let s = "<script>a<b></script ><svg><![CDATA[x<y]]></svg>";
        let mut t = Tokens::new(s);
        assert!(matches!(t.next().map(|t| t.kind), Some(Kind::StartTag(_))));
        assert_eq!(t.skip_raw_text("script"), Some("a<b>"));
        assert!(matches!(t.next().map(|t| t.kind), Some(Kind::EndTag(_))));
        t.next();
        t.cdata(true);
        assert_eq!(t.next().map(|t| t.kind), Some(Kind::Cdata("x<y")));
        let mut t = Tokens::new("<![CDATA[x]]>");
        assert_eq!(
            t.next().map(|t| t.kind),
            Some(Kind::Comment {
                text: "[CDATA[x]]",
                terminated: true
            })
        );
    }

    #[test]
    fn attribute_lookup_keeps_the_first_of_a_name() {
        let Some(Kind::StartTag(tag)) = Tokens::new("<img SRC=a src=b alt>").next().map(|t| t.kind)
        else {
            panic!("a tag")
        };
        assert_eq!(tag.attr("src"), Some("a"));
        assert_eq!(tag.attr("alt"), Some(""));
        assert_eq!(tag.attr("title"), None);
    }
}
