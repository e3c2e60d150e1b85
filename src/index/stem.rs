//! An English stemmer that remembers its answers.
//!
//! Snowball stemming was an eighth of a full build's CPU, all of it on tantivy's single
//! indexing thread (the build's critical path). Word frequencies follow Zipf's law, so a few
//! thousand distinct words make up most tokens: a lookup in a small map replaces almost every
//! run of the algorithm. The output is exactly tantivy's `Stemmer` output.

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Distinct words remembered per analyzer before the map starts over: bounds memory on
/// hostile input (every token new) at a few MB per indexing thread.
const MAX_WORDS: usize = 100_000;
/// Longer words are stemmed every time; they are rare and would bloat the map.
const MAX_CACHED_LEN: usize = 24;

/// Token filter: English Snowball stemming, memoized per analyzer instance.
#[derive(Clone, Default)]
pub struct CachedStemmer;

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner: tokenizer,
            cache: FxHashMap::default(),
        }
    }
}

/// The tokenizer [`CachedStemmer`] wraps around another; each clone has its own map (tantivy
/// clones an analyzer per indexing thread and field, so no lock is ever taken).
pub struct CachedStemmerFilter<T> {
    inner: T,
    cache: FxHashMap<Box<str>, Box<str>>,
}

impl<T: Clone> Clone for CachedStemmerFilter<T> {
    fn clone(&self) -> Self {
        // A fresh map: clones go to other threads, and copying a full map would cost more
        // than refilling it.
        CachedStemmerFilter {
            inner: self.inner.clone(),
            cache: FxHashMap::default(),
        }
    }
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            cache: &mut self.cache,
        }
    }
}

/// The token stream of [`CachedStemmerFilter`].
pub struct CachedStemmerStream<'a, T> {
    tail: T,
    stemmer: frostem::Stemmer,
    cache: &'a mut FxHashMap<Box<str>, Box<str>>,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if token.text.len() > MAX_CACHED_LEN {
            if let Cow::Owned(stem) = self.stemmer.stem(&token.text) {
                token.text = stem;
            }
            return true;
        }
        if let Some(stem) = self.cache.get(token.text.as_str()) {
            if **stem != *token.text {
                token.text.clear();
                token.text.push_str(stem);
            }
            return true;
        }
        let stem: Box<str> = self.stemmer.stem(&token.text).into();
        if self.cache.len() >= MAX_WORDS {
            self.cache.clear();
        }
        self.cache
            .insert(token.text.as_str().into(), Box::clone(&stem));
        token.text.clear();
        token.text.push_str(&stem);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer};

    use super::*;

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        analyzer
            .token_stream(text)
            .process(&mut |t: &Token| out.push(t.text.clone()));
        out
    }

    #[test]
    fn stems_exactly_as_tantivy_does_on_repeat_and_long_words() {
        let text = "Connections connecting connected connection; running runs ran \
                    antidisestablishmentarianisms internationalizations running Connections";
        let mut ours = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(CachedStemmer)
            .build();
        let mut theirs = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(Stemmer::default())
            .build();
        let expected = tokens(&mut theirs, text);
        assert_eq!(expected[0], "connect");
        // Twice: the second pass answers from the map.
        assert_eq!(tokens(&mut ours, text), expected);
        assert_eq!(tokens(&mut ours, text), expected);
    }

    #[test]
    fn the_map_starts_over_when_full() {
        let mut ours = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(CachedStemmer)
            .build();
        let mut theirs = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(Stemmer::default())
            .build();
        // Distinct letter-only words ending in "ings", which the stemmer shortens.
        let word = |mut i: usize| {
            let mut w = String::new();
            loop {
                w.push(char::from(b'a' + (i % 26) as u8));
                i /= 26;
                if i == 0 {
                    break;
                }
            }
            w + "ings"
        };
        let text: Vec<String> = (0..MAX_WORDS + 10).map(word).collect();
        let text = text.join(" ");
        let out = tokens(&mut ours, &text);
        assert_eq!(out.len(), MAX_WORDS + 10);
        assert_eq!(out, tokens(&mut theirs, &text));
    }
}
