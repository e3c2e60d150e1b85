//! The query language of the search box, read leniently: whatever a person types becomes a
//! query, never a syntax error.
//!
//! - words: all required (with a fall back to any word when that finds nothing);
//! - `"a phrase"`: the words in that order; an unbalanced quote runs to the end;
//! - `-word`, `-"a phrase"`: exclusion; a lone `-` is ignored;
//! - `field:value` or `field:"two words"` for `topic`, `id` and each [`Facet`] (by its name
//!   or its property's, `type:rca` or `selfHelpType:rca`); `field:` without a value is
//!   ignored; an unknown field is read as a plain word (`error:0x80070005` stays searchable).

use crate::index::Facet;

/// A filter written inside the query text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldFilter {
    Topic(String),
    /// A facet's value (`service:microsoft.compute`, `tags:windows`).
    Facet(Facet, String),
    /// An articleId.
    Id(String),
}

/// The parts of a query text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Free words, in order, as typed (not yet analyzed).
    pub words: Vec<String>,
    pub phrases: Vec<Vec<String>>,
    pub excluded_words: Vec<String>,
    pub excluded_phrases: Vec<Vec<String>>,
    pub filters: Vec<FieldFilter>,
    /// The last free word was still being typed (no space after it): match it as a prefix.
    pub last_word_is_prefix: bool,
    /// The text as searched (entities decoded), for whole-title comparisons.
    pub text: String,
}

impl ParsedQuery {
    /// True when nothing in the text asks for matching documents by content.
    pub fn is_empty_text(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty()
    }
}

fn filter_for(field: &str, value: String) -> Option<FieldFilter> {
    if let Some(facet) = Facet::of_field(field) {
        return Some(FieldFilter::Facet(facet, value));
    }
    Some(match field.to_ascii_lowercase().as_str() {
        "topic" | "topics" | "supporttopicid" | "supporttopicids" => FieldFilter::Topic(value),
        "id" | "articleid" => FieldFilter::Id(value),
        _ => return None,
    })
}

/// Splits a text into words the way a person reads it; punctuation stays attached (the
/// analyzer deals with it), quotes delimit phrases.
///
/// HTML entities are decoded first: titles copied from article sources carry `&amp;` or
/// `&#xD;`.
pub fn parse(text: &str) -> ParsedQuery {
    let decoded = crate::article::properties::unescape_lenient(text);
    let text = decoded.as_str();
    let mut q = ParsedQuery {
        text: text.to_owned(),
        ..ParsedQuery::default()
    };
    let mut chars = text.char_indices().peekable();
    let mut last_free_word_end = None;
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        let Some(&(token_start, c)) = chars.peek() else {
            break;
        };
        if c.is_whitespace() {
            continue; // a lone `-`
        }
        if c == '"' {
            chars.next();
            let phrase = read_quoted(&mut chars, text);
            let words = split_words(&phrase);
            if !words.is_empty() {
                if negated {
                    q.excluded_phrases.push(words);
                } else if words.len() == 1 {
                    q.words.extend(words);
                } else {
                    q.phrases.push(words);
                }
            }
            continue;
        }
        // A bare token runs to whitespace; `field:"..."` takes a quoted value.
        let mut end = token_start;
        let mut value_quoted = None;
        while let Some(&(i, ch)) = chars.peek() {
            if ch.is_whitespace() {
                break;
            }
            chars.next();
            end = i + ch.len_utf8();
            if ch == ':' && chars.peek().is_some_and(|&(_, n)| n == '"') {
                chars.next();
                value_quoted = Some((
                    text[token_start..i].to_owned(),
                    read_quoted(&mut chars, text),
                ));
                break;
            }
        }
        if let Some((field, value)) = value_quoted {
            if let Some(f) = filter_for(&field, value.trim().to_owned()) {
                if !value.trim().is_empty() && !negated {
                    q.filters.push(f);
                }
            } else {
                q.words.extend(split_words(&value));
            }
            continue;
        }
        let token = &text[token_start..end];
        if let Some((field, value)) = token.split_once(':')
            && let Some(f) = filter_for(field, value.to_owned())
        {
            if !value.is_empty() && !negated {
                q.filters.push(f);
            }
            continue;
        }
        let token = token.trim_matches(|c: char| c == '"');
        if token.is_empty() || !token.chars().any(char::is_alphanumeric) {
            continue;
        }
        if negated {
            q.excluded_words.push(token.to_owned());
        } else {
            q.words.push(token.to_owned());
            last_free_word_end = Some(end);
        }
        let _ = start;
    }
    q.last_word_is_prefix = last_free_word_end.is_some_and(|end| end == text.len());
    q
}

fn read_quoted(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>, text: &str) -> String {
    let start = chars.peek().map_or(text.len(), |&(i, _)| i);
    let mut end = text.len();
    for (i, c) in chars.by_ref() {
        if c == '"' {
            end = i;
            break;
        }
    }
    text[start..end.max(start)].to_owned()
}

fn split_words(s: &str) -> Vec<String> {
    s.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(str::to_owned)
        .collect()
}

/// A support topic ID or productPesId as written: digits, or a GUID.
pub fn looks_like_identifier(word: &str) -> bool {
    (word.len() >= 4 && word.bytes().all(|b| b.is_ascii_digit())) || is_guid(word)
}

/// `8-4-4-4-12` hexadecimal digits, any case.
pub fn is_guid(word: &str) -> bool {
    let parts: Vec<&str> = word.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &ParsedQuery) -> Vec<&str> {
        q.words.iter().map(String::as_str).collect()
    }

    #[test]
    fn words_phrases_exclusions_and_filters() {
        let q = parse(
            r#"vm "boot loop" -linux -"blue screen" topic:32411844 service:microsoft.compute rdp"#,
        );
        assert_eq!(words(&q), ["vm", "rdp"]);
        assert_eq!(q.phrases, [vec!["boot".to_owned(), "loop".to_owned()]]);
        assert_eq!(q.excluded_words, ["linux"]);
        assert_eq!(
            q.excluded_phrases,
            [vec!["blue".to_owned(), "screen".to_owned()]]
        );
        assert_eq!(
            q.filters,
            [
                FieldFilter::Topic("32411844".into()),
                FieldFilter::Facet(Facet::Service, "microsoft.compute".into())
            ]
        );
        assert!(q.last_word_is_prefix);
    }

    #[test]
    fn lenient_syntax_never_fails() {
        let q = parse(r#"boot "unbalanced quote"#);
        assert_eq!(words(&q), ["boot"]);
        assert_eq!(
            q.phrases,
            [vec!["unbalanced".to_owned(), "quote".to_owned()]]
        );
        let q = parse("- lone dash topic: service:  -");
        assert_eq!(words(&q), ["lone", "dash"]);
        assert!(q.filters.is_empty());
        assert!(!q.last_word_is_prefix);
        let q = parse("error:0x80070005 \"\" ::: \"");
        assert_eq!(words(&q), ["error:0x80070005"]);
        let q = parse(r#"type:"tsg_content" tag:"windows""#);
        assert_eq!(
            q.filters,
            [
                FieldFilter::Facet(Facet::Type, "tsg_content".into()),
                FieldFilter::Facet(Facet::Tag, "windows".into())
            ]
        );
    }

    #[test]
    fn trailing_space_ends_the_prefix() {
        assert!(parse("netw").last_word_is_prefix);
        assert!(!parse("netw ").last_word_is_prefix);
        assert!(!parse("netw \"a b\"").last_word_is_prefix);
    }

    #[test]
    fn identifiers() {
        assert!(looks_like_identifier("32411844"));
        assert!(looks_like_identifier(
            "024D5027-ea18-7615-29e4-9b1de0b8ae7b"
        ));
        assert!(!looks_like_identifier("429"));
        assert!(!looks_like_identifier("vm-01"));
        assert!(!is_guid("024d5027-ea18-7615-29e4-9b1de0b8ae7"));
    }
}
