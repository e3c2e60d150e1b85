//! A typed word -> what to look for in the index.
//!
//! The full-text analyzer emits an identifier whole and then its parts
//! ([`crate::index::tokenize`]), so one word can be read two ways: `UserErrorSkuNotAvailable`
//! as the whole term, or as the phrase `user error sku not avail`. A [`Reading`] is one of
//! them: its terms with their positions as the index has them, so that a reading spanning an
//! identifier and the word after it still lines up as a phrase.

use tantivy::tokenizer::TextAnalyzer;

/// Terms and their positions (relative to the first) in one reading of a text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reading(pub Vec<(usize, String)>);

impl Reading {
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(_, t)| t.as_str())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The terms joined by spaces: the key a synonym is looked up by.
    pub fn key(&self) -> String {
        self.terms().collect::<Vec<_>>().join(" ")
    }
}

/// The readings of `text`: identifiers whole (first), then identifiers as their parts when
/// that differs. Empty when the text has no word.
pub fn readings(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Reading> {
    // (position, offsets, term) of every token.
    let mut tokens: Vec<(usize, usize, usize, String)> = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        tokens.push((t.position, t.offset_from, t.offset_to, t.text.clone()));
    }
    // A whole identifier is a token whose span holds the next tokens' spans (its parts).
    let mut whole = vec![false; tokens.len()];
    let mut part = vec![false; tokens.len()];
    let mut i = 0;
    while i < tokens.len() {
        let (_, from, to, _) = tokens[i];
        let mut j = i + 1;
        while j < tokens.len() && tokens[j].1 >= from && tokens[j].2 <= to {
            part[j] = true;
            j += 1;
        }
        if j > i + 1 {
            whole[i] = true;
        }
        i = j;
    }
    let reading = |skip: &[bool]| -> Reading {
        let kept: Vec<&(usize, usize, usize, String)> = tokens
            .iter()
            .zip(skip)
            .filter(|(_, s)| !**s)
            .map(|(t, _)| t)
            .collect();
        let base = kept.first().map_or(0, |t| t.0);
        Reading(kept.iter().map(|t| (t.0 - base, t.3.clone())).collect())
    };
    let coarse = reading(&part);
    if coarse.is_empty() {
        return Vec::new();
    }
    let mut out = vec![coarse];
    if whole.iter().any(|w| *w) {
        out.push(reading(&whole));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(text: &str) -> Vec<Vec<(usize, String)>> {
        readings(&mut crate::index::text_analyzer(), text)
            .into_iter()
            .map(|r| r.0)
            .collect()
    }

    fn r(items: &[(usize, &str)]) -> Vec<(usize, String)> {
        items.iter().map(|&(p, t)| (p, t.to_owned())).collect()
    }

    #[test]
    fn identifiers_read_whole_and_as_parts() {
        assert_eq!(
            show("SkuNotAvailable"),
            [
                r(&[(0, "skunotavail")]),
                r(&[(0, "sku"), (1, "not"), (2, "avail")])
            ]
        );
        assert_eq!(
            show("error:UserErrorQuota now"),
            [
                r(&[(0, "error"), (1, "usererrorquota"), (4, "now")]),
                r(&[
                    (0, "error"),
                    (1, "user"),
                    (2, "error"),
                    (3, "quota"),
                    (4, "now")
                ])
            ]
        );
        assert_eq!(show("storage"), [r(&[(0, "storag")])]);
        assert_eq!(show("0x80070005"), [r(&[(0, "0x80070005")])]);
        assert!(show("--").is_empty());
    }
}
