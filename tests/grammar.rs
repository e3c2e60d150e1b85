//! The HTML tokenizer of the article grammar (`selfhelp_kb::article::html`) agrees with
//! html5ever's, the parser under ammonia (and a browser's), on generated input: tags (names,
//! attributes, self-closing), comments, doctypes and text.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use proptest::prelude::*;
use selfhelp_kb::article::html::{Kind, Tokens};

/// What a tokenizer reads, in a form both can be compared in: names lower-cased (HTML
/// is case-insensitive there), repeated attributes dropped, text runs joined.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Read {
    Text(String),
    Start(String, Vec<(String, String)>, bool),
    End(String),
    Comment(String),
    Doctype,
}

fn push(out: &mut Vec<Read>, read: Read) {
    if let (Some(Read::Text(a)), Read::Text(b)) = (out.last_mut(), &read) {
        a.push_str(b);
        return;
    }
    if read != Read::Text(String::new()) {
        out.push(read);
    }
}

fn first_of_each(attrs: impl Iterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in attrs {
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, value));
        }
    }
    out
}

fn ours(html: &str) -> Vec<Read> {
    let mut out = Vec::new();
    for token in Tokens::new(html) {
        let read = match token.kind {
            Kind::Text(t) => Read::Text(t.to_owned()),
            Kind::StartTag(tag) => Read::Start(
                tag.name.to_ascii_lowercase(),
                first_of_each(tag.attrs().map(|a| {
                    (
                        a.name.to_ascii_lowercase(),
                        a.value.unwrap_or("").to_owned(),
                    )
                })),
                tag.self_closing,
            ),
            Kind::EndTag(tag) => Read::End(tag.name.to_ascii_lowercase()),
            Kind::Comment { text, .. } => Read::Comment(text.to_owned()),
            Kind::Doctype => Read::Doctype,
            Kind::Cdata(t) => Read::Text(t.to_owned()),
            Kind::EofInTag => continue,
        };
        push(&mut out, read);
    }
    out
}

#[derive(Default)]
struct Sink(RefCell<Vec<Read>>);

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let read = match token {
            Token::CharacterTokens(t) => Read::Text(t.to_string()),
            Token::NullCharacterToken => Read::Text("\0".to_owned()),
            Token::TagToken(tag) => match tag.kind {
                TagKind::StartTag => Read::Start(
                    tag.name.to_string(),
                    first_of_each(
                        tag.attrs
                            .iter()
                            .map(|a| (a.name.local.to_string(), a.value.to_string())),
                    ),
                    tag.self_closing,
                ),
                TagKind::EndTag => Read::End(tag.name.to_string()),
            },
            Token::CommentToken(t) => Read::Comment(t.to_string()),
            Token::DoctypeToken(_) => Read::Doctype,
            Token::EOFToken | Token::ParseError(_) => return TokenSinkResult::Continue,
        };
        push(&mut self.0.borrow_mut(), read);
        TokenSinkResult::Continue
    }
}

fn html5ever(html: &str) -> Vec<Read> {
    let tokenizer = Tokenizer::new(Sink::default(), TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from(html));
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    tokenizer.sink.0.take()
}

/// The pieces tags, comments and text are made of, the odd ones included. No `&`
/// (html5ever decodes references, ours are decoded by whoever reads a value), no NUL, CR
/// or byte-order mark (the HTML input stream's preprocessing, which articles have been
/// through already).
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<".to_owned()),
        Just(">".to_owned()),
        Just("</".to_owned()),
        Just("<!--".to_owned()),
        Just("-->".to_owned()),
        Just("--!>".to_owned()),
        Just("--!".to_owned()),
        Just("--".to_owned()),
        Just("-".to_owned()),
        Just("!".to_owned()),
        Just("<!".to_owned()),
        Just("<!DOCTYPE html".to_owned()),
        Just("<![CDATA[".to_owned()),
        Just("]]>".to_owned()),
        Just("<?".to_owned()),
        Just("/".to_owned()),
        Just("/>".to_owned()),
        Just("=".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just(" ".to_owned()),
        Just("\t".to_owned()),
        Just("\n".to_owned()),
        Just("\u{c}".to_owned()),
        Just("a".to_owned()),
        Just("div".to_owned()),
        Just("B".to_owned()),
        Just("x-y".to_owned()),
        Just("href".to_owned()),
        Just("é".to_owned()),
        Just("`".to_owned()),
        "[a-zA-Z]{1,6}",
        "[ -%'-~]{0,8}",
        "[^&\u{0}\r\u{feff}]{0,4}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Tags (names, attributes, self-closing), comments, doctypes and text come out of our
    /// tokenizer as they come out of html5ever's, in its data state (the states the tree
    /// builder switches to are the caller's: see `Tokens::skip_raw_text`).
    #[test]
    fn tokens_match_html5ever(parts in prop::collection::vec(piece(), 0..40)) {
        let html = parts.concat();
        prop_assert_eq!(ours(&html), html5ever(&html), "{:?}", html);
    }
}
