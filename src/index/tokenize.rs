//! Words, and identifiers as words: the tokenizer of every full-text field.
//!
//! It splits text as tantivy's `SimpleTokenizer` does (maximal runs of alphanumeric
//! characters), with one departure. Agents search for error codes and CamelCase names
//! (`UserErrorSkuNotAvailable`, `AADSTS50076`) whole, and also by a part they remember
//! (`SkuNotAvailable`). So a run that mixes case or letters and digits is an identifier: it is
//! emitted whole, and then its parts (`user`, `error`, `sku`, `not`, `available`), the whole
//! at the position of the first part and the parts at positions of their own. A phrase of the
//! parts then finds the identifier, and the whole finds it exactly. `0x80070005` (an HRESULT)
//! is one word and has no parts.
//!
//! Text without identifiers gets exactly `SimpleTokenizer`'s tokens (a test holds that), so the
//! departure costs ordinary words nothing.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Longest token kept, in bytes: long enough for any identifier the corpus has (the longest
/// CamelCase name is 75 bytes), short enough that a pasted base64 blob is not a word.
pub const MAX_TOKEN_BYTES: usize = 128;

/// The full-text tokenizer; see the module documentation.
#[derive(Clone)]
pub struct WordTokenizer {
    token: Token,
    /// Emit identifiers' parts after them.
    parts: bool,
}

impl Default for WordTokenizer {
    fn default() -> WordTokenizer {
        WordTokenizer {
            token: Token::default(),
            parts: true,
        }
    }
}

impl WordTokenizer {
    /// Identifiers whole only, for a field that holds nothing but identifiers.
    pub fn whole_only() -> WordTokenizer {
        WordTokenizer {
            parts: false,
            ..WordTokenizer::default()
        }
    }
}

/// Its stream over one text.
pub struct WordStream<'a> {
    text: &'a str,
    /// Byte offset where the next run is looked for.
    at: usize,
    /// Parts of the current identifier still to emit: byte ranges into `text`.
    parts: Vec<(usize, usize)>,
    next_part: usize,
    position: usize,
    with_parts: bool,
    token: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            at: 0,
            parts: Vec::new(),
            next_part: 0,
            // The first token gets position 0: `position` is the next one to hand out.
            position: 0,
            with_parts: self.parts,
            token: &mut self.token,
        }
    }
}

impl WordStream<'_> {
    fn emit(&mut self, from: usize, to: usize, position: usize) {
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = position;
        self.token.position_length = 1;
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next_part < self.parts.len() {
            let (from, to) = self.parts[self.next_part];
            // The first part shares the whole's position, the others follow it.
            let position = self.position + self.next_part;
            self.next_part += 1;
            if self.next_part == self.parts.len() {
                self.position += self.parts.len();
            }
            self.emit(from, to, position);
            return true;
        }
        let rest = &self.text[self.at..];
        let Some(start) = rest.find(char::is_alphanumeric) else {
            self.at = self.text.len();
            return false;
        };
        let from = self.at + start;
        let len = self.text[from..]
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(self.text.len() - from);
        let to = from + len;
        self.at = to;
        self.parts.clear();
        self.next_part = 0;
        let run = &self.text[from..to];
        if self.with_parts {
            for (a, b) in identifier_parts(run) {
                self.parts.push((from + a, from + b));
            }
        }
        let position = self.position;
        if self.parts.is_empty() {
            self.position += 1;
        }
        self.emit(from, to, position);
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// The parts of an identifier as byte ranges of `run` (an alphanumeric run), or nothing when
/// `run` is a plain word. Parts break where lower case meets upper case (`Sku|Not`), where an
/// acronym meets a word (`VM|Agent`) and where letters meet digits (`AADSTS|50076`).
pub fn identifier_parts(run: &str) -> Vec<(usize, usize)> {
    // Every cut below needs a capital after the first character or an ASCII digit; most
    // runs are plain words with neither, and tokenizing them was a tenth of a full build.
    if !could_have_parts(run) {
        return Vec::new();
    }
    split_identifier(run)
}

/// [`identifier_parts`] without the shortcut for plain words.
fn split_identifier(run: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = run.char_indices().collect();
    if chars.len() < 3 || is_hex_literal(run) {
        return Vec::new();
    }
    let mut cuts = vec![0];
    for i in 1..chars.len() {
        let (prev, c) = (chars[i - 1].1, chars[i].1);
        let next = chars.get(i + 1).map(|&(_, c)| c);
        let case_cut = (prev.is_lowercase() && c.is_uppercase())
            || (prev.is_uppercase() && c.is_uppercase() && next.is_some_and(char::is_lowercase));
        let digit_cut = prev.is_alphabetic() != c.is_alphabetic()
            && (prev.is_ascii_digit() || c.is_ascii_digit());
        if case_cut || digit_cut {
            cuts.push(chars[i].0);
        }
    }
    if cuts.len() < 2 {
        return Vec::new();
    }
    cuts.push(run.len());
    let parts: Vec<(usize, usize)> = cuts.windows(2).map(|w| (w[0], w[1])).collect();
    // A one-letter part (`VNet`, `iPhone`, `x64`) is no word to search for: such a run stays
    // one word.
    let one_letter = |&(a, b): &(usize, usize)| {
        let mut c = run[a..b].chars();
        c.next().is_some_and(char::is_alphabetic) && c.next().is_none()
    };
    if parts.iter().any(one_letter) {
        return Vec::new();
    }
    parts
}

/// Whether `run` has what any cut of [`identifier_parts`] needs: a capital after its first
/// character, or an ASCII digit. Every identifier has one (a hex literal's `0`, too).
pub fn could_have_parts(run: &str) -> bool {
    run.bytes().any(|b| b.is_ascii_digit()) || run.chars().skip(1).any(char::is_uppercase)
}

/// Whether an alphanumeric run is an identifier: it has parts, or it is a hex literal.
pub fn is_identifier(run: &str) -> bool {
    is_hex_literal(run) || !identifier_parts(run).is_empty()
}

/// `0x` and hexadecimal digits: an HRESULT or an address, one word.
fn is_hex_literal(run: &str) -> bool {
    let Some(hex) = run.strip_prefix("0x").or_else(|| run.strip_prefix("0X")) else {
        return false;
    };
    !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::SimpleTokenizer;

    fn tokens<T: Tokenizer>(mut t: T, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut out = Vec::new();
        let mut s = t.token_stream(text);
        while s.advance() {
            let tok = s.token();
            out.push((
                tok.text.clone(),
                tok.position,
                tok.offset_from,
                tok.offset_to,
            ));
        }
        out
    }

    #[test]
    fn plain_words_are_simple_tokenizer_tokens() {
        let text = "Héllo, wörld! a-b  c_d 42 VM boot fails 0x80070005 UTC ünïcode 日本語 end";
        assert_eq!(
            tokens(WordTokenizer::default(), text),
            tokens(SimpleTokenizer::default(), text)
        );
    }

    #[test]
    fn identifiers_are_whole_then_parts() {
        let got: Vec<(String, usize)> =
            tokens(WordTokenizer::default(), "see UserErrorSkuNotAvailable now")
                .into_iter()
                .map(|(t, p, _, _)| (t, p))
                .collect();
        let want: Vec<(String, usize)> = [
            ("see", 0),
            ("UserErrorSkuNotAvailable", 1),
            ("User", 1),
            ("Error", 2),
            ("Sku", 3),
            ("Not", 4),
            ("Available", 5),
            ("now", 6),
        ]
        .iter()
        .map(|&(t, p)| (t.to_owned(), p))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn parts_break_at_case_acronym_and_digit_boundaries() {
        fn parts(run: &str) -> Vec<&str> {
            identifier_parts(run)
                .into_iter()
                .map(|(a, b)| &run[a..b])
                .collect()
        }
        assert_eq!(parts("AADSTS50076"), ["AADSTS", "50076"]);
        assert_eq!(parts("VMAgentStatus"), ["VM", "Agent", "Status"]);
        assert!(parts("VNet").is_empty());
        assert!(parts("x64").is_empty());
        assert_eq!(parts("Office365"), ["Office", "365"]);
        assert!(parts("0x80070005").is_empty());
        assert!(parts("storage").is_empty());
        assert!(parts("NSG").is_empty());
        assert!(parts("Storage").is_empty());
        assert!(parts("50076").is_empty());
    }

    proptest::proptest! {
        /// The shortcut for plain words changes nothing: a run without a capital after its
        /// first character or a digit has no parts, and every identifier passes the gate.
        #[test]
        fn the_plain_word_shortcut_keeps_every_identifier(run in "[a-zA-Z0-9xÉéß٣]{0,12}") {
            proptest::prop_assert_eq!(identifier_parts(&run), split_identifier(&run));
            if is_identifier(&run) {
                proptest::prop_assert!(could_have_parts(&run));
            }
        }
    }
}
