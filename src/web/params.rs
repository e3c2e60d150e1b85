//! Reading what a request asks for, leniently but never blindly.
//!
//! axum's `Query` would turn invalid UTF-8 into replacement characters and a bad number into
//! a plain-text rejection; here the query string is decoded by hand so that every problem
//! becomes a [`WebError`] that says what is allowed, and unknown parameters are ignored (a
//! token value on an article page is any name). Paths taken from the URL are decoded once
//! and checked segment by segment before they are used as index keys or file names.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use percent_encoding::percent_decode;

use super::error::WebError;
use crate::search::{MAX_PER_PAGE, SearchRequest, Sort};

/// More parameters than this is no request a person or a page makes.
const MAX_PARAMS: usize = 256;

/// The query string's `(name, value)` pairs, in order, decoded.
#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Params::parse(parts.uri.query().unwrap_or(""))
    }
}

impl Params {
    /// Decodes `application/x-www-form-urlencoded` pairs (`+` is a space).
    pub fn parse(query: &str) -> Result<Params, WebError> {
        let mut out = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            if out.len() == MAX_PARAMS {
                return Err(WebError::bad_request(format!(
                    "too many query parameters; at most {MAX_PARAMS} are read"
                )));
            }
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode_component(name, "a parameter name")?;
            let value = decode_component(value, &format!("parameter `{name}`"))?;
            out.push((name, value));
        }
        Ok(Params(out))
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every non-empty value of `name`, trimmed, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

fn decode_component(s: &str, what: &str) -> Result<String, WebError> {
    let plus_as_space = s.replace('+', " ");
    let bytes: Vec<u8> = percent_decode(plus_as_space.as_bytes()).collect();
    String::from_utf8(bytes).map_err(|_| {
        WebError::bad_request(format!(
            "{what} in the query string is not valid UTF-8 once percent-decoded; encode \
             text as UTF-8"
        ))
    })
}

/// The facet filters of a search, by parameter name.
pub const FACET_PARAMS: [&str; 6] = ["service", "resource", "tag", "type", "cloud", "scenario"];

/// Reads a [`SearchRequest`] from the parameters `/search` and `/api/search` share:
/// `q`, `topic`, the facet filters (repeatable), `page`, `per_page` and `sort`.
pub fn search_request(p: &Params, default_per_page: usize) -> Result<SearchRequest, WebError> {
    let page = match p.get("page").map(str::trim).filter(|s| !s.is_empty()) {
        None => 1,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => {
                return Err(WebError::bad_request(format!(
                    "`page` must be a whole number from 1 up; got `{}`",
                    clip(s)
                )));
            }
        },
    };
    let per_page = match p.get("per_page").map(str::trim).filter(|s| !s.is_empty()) {
        None => default_per_page,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=MAX_PER_PAGE).contains(&n) => n,
            _ => {
                return Err(WebError::bad_request(format!(
                    "`per_page` must be a whole number from 1 to {MAX_PER_PAGE}; got `{}`",
                    clip(s)
                )));
            }
        },
    };
    let sort = match p.get("sort").map(str::trim).unwrap_or("") {
        "" | "auto" => Sort::Auto,
        "relevance" => Sort::Relevance,
        "order" => Sort::Order,
        "title" => Sort::Title,
        other => {
            return Err(WebError::bad_request(format!(
                "`sort` must be one of auto, relevance, order, title; got `{}`",
                clip(other)
            )));
        }
    };
    let topic = p
        .get("topic")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    if let Some(t) = &topic {
        check_topic_id(t)?;
    }
    let [service, resource, tag, r#type, cloud, scenario] = FACET_PARAMS.map(|name| p.all(name));
    Ok(SearchRequest {
        q: p.get("q").unwrap_or("").to_owned(),
        topic,
        service,
        resource,
        tag,
        r#type,
        cloud,
        scenario,
        page,
        per_page,
        sort,
    })
}

/// A support topic ID is digits or a GUID: letters, digits and `-`, at most 64 characters.
pub fn check_topic_id(id: &str) -> Result<(), WebError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(WebError::bad_request(format!(
            "`{}` is not a support topic ID; IDs are digits (32750101) or a GUID",
            clip(id)
        )))
    }
}

/// Decodes the rest of a URL path (after a route's prefix) into a relative path, refusing
/// anything that could climb out of a folder or that no article path has: `..` and `.`
/// segments, empty segments, backslashes, control characters. Decoded once: `%252e` stays
/// the literal text `%2e`, which names no parent folder.
pub fn relative_path(raw: &str) -> Result<String, WebError> {
    let bytes: Vec<u8> = percent_decode(raw.as_bytes()).collect();
    let path = String::from_utf8(bytes)
        .map_err(|_| WebError::bad_request("the path is not valid UTF-8 once percent-decoded"))?;
    let allowed = "paths are folder names and a file name separated by `/`; `.`, `..`, empty \
                   parts, backslashes and control characters are not allowed";
    if path.is_empty() || path.len() > 1024 {
        return Err(WebError::bad_request(format!(
            "the path is empty or too long; {allowed}"
        )));
    }
    let bad = path.split('/').any(|seg| {
        seg.is_empty()
            || seg == "."
            || seg == ".."
            || seg.contains('\\')
            || seg.chars().any(char::is_control)
    });
    if bad {
        return Err(WebError::bad_request(format!(
            "`{}` is not a valid path: {allowed}",
            clip(&path)
        )));
    }
    Ok(path)
}

/// The raw (still encoded) rest of the request path after a route's `prefix`.
pub fn after<'a>(uri: &'a axum::http::Uri, prefix: &str) -> &'a str {
    uri.path().strip_prefix(prefix).unwrap_or("")
}

/// The start of a user-supplied value, for an error message.
pub fn clip(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_repeated_and_encoded_values() {
        let p = Params::parse("q=vm+boot&service=a&service=b%2Fc&empty=").unwrap();
        assert_eq!(p.get("q"), Some("vm boot"));
        assert_eq!(p.all("service"), vec!["a", "b/c"]);
        assert_eq!(p.all("empty"), Vec::<String>::new());
    }

    #[test]
    fn invalid_utf8_is_a_bad_request() {
        assert!(matches!(
            Params::parse("q=%ff"),
            Err(WebError::BadRequest(_))
        ));
    }

    #[test]
    fn page_and_per_page_are_checked() {
        let req = |q: &str| search_request(&Params::parse(q).unwrap(), 10);
        assert!(req("page=-1").is_err());
        assert!(req("page=0").is_err());
        assert!(req("per_page=100000").is_err());
        assert_eq!(req("page=&per_page=").unwrap().page, 1);
        assert_eq!(req("page=3&per_page=100").unwrap().per_page, 100);
    }

    #[test]
    fn paths_cannot_climb() {
        for bad in [
            "../etc/passwd",
            "%2e%2e/x",
            "..%2fx",
            "a/../../b",
            "a//b",
            "a\\..\\b",
            "%00",
        ] {
            assert!(relative_path(bad).is_err(), "{bad}");
        }
        assert_eq!(relative_path("%252e%252e/x").unwrap(), "%2e%2e/x");
        assert_eq!(relative_path("a%20b/c.md").unwrap(), "a b/c.md");
    }
}
