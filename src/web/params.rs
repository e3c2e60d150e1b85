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
use crate::search::{ByFacet, Facet, MAX_PER_PAGE, SearchRequest, Sort, UnknownSort};

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

    /// The value of `name`, which may be given once at most.
    pub fn single(&self, name: &str) -> Result<Option<&str>, WebError> {
        let mut values = self.0.iter().filter(|(n, _)| n == name);
        let first = values.next().map(|(_, v)| v.as_str());
        if values.next().is_some() {
            return Err(WebError::bad_request(format!(
                "`{name}` is given more than once; give it once"
            )));
        }
        Ok(first)
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

/// The query parameters of a search, as `/search`, `/api/search` and `/api/facets` read them
/// ([`SearchQuery::read`]); the OpenAPI document describes them from this type.
#[derive(Debug, Clone, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query, style = Form)]
pub struct SearchQuery {
    /// The query text: words (all required, else any), `"phrases"`, `-exclusions`,
    /// `field:value` filters. Empty browses everything.
    pub q: Option<String>,
    /// Only articles listing this support topic ID (digits or a GUID, spaces around it
    /// ignored); empty for none.
    #[param(pattern = r"^ *[A-Za-z0-9_-]{0,64} *$")]
    pub topic: Option<String>,
    /// Each facet's values (any of them); the document describes them from
    /// [`FacetParams`].
    #[param(ignore)]
    pub filters: ByFacet<Vec<String>>,
    /// 1-based; pages past 10,000 results are clamped. Empty for the first.
    #[param(schema_with = page_schema)]
    pub page: Option<i32>,
    /// Hits per page, 1 to 100 (10 on the API, 20 on the search page); empty for that.
    #[param(schema_with = per_page_schema)]
    pub per_page: Option<i32>,
    /// `auto` (relevance for a query, display order then title when browsing),
    /// `relevance`, `order` or `title`.
    #[param(value_type = Option<String>, pattern = "^(auto|relevance|order|title)?$")]
    pub sort: Option<Sort>,
}

impl SearchQuery {
    /// Reads and checks the parameters; a value out of range is a 400 that says what is
    /// allowed.
    pub fn read(p: &Params) -> Result<SearchQuery, WebError> {
        let page = count(p.single("page")?, "page", i32::MAX)?;
        let per_page = count(p.single("per_page")?, "per_page", MAX_PER_PAGE as i32)?;
        let sort = match p.single("sort")?.unwrap_or("") {
            "" => None,
            name => Some(
                name.parse::<Sort>()
                    .map_err(|_| WebError::bad_request(UnknownSort(clip(name)).to_string()))?,
            ),
        };
        // Spaces typed around an ID are dropped; anything else is checked as written, as
        // the document's pattern says.
        let topic = p
            .single("topic")?
            .map(|t| t.trim_matches(' '))
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if let Some(t) = &topic {
            check_topic_id(t)?;
        }
        let mut query = SearchQuery {
            q: p.single("q")?.map(str::to_owned),
            topic,
            page,
            per_page,
            sort,
            ..SearchQuery::default()
        };
        query.filters = ByFacet::from_fn(|facet| p.all(facet.name()));
        Ok(query)
    }

    /// The search it asks for, `default_per_page` hits a page unless it says otherwise.
    pub fn request(mut self, default_per_page: usize) -> SearchRequest {
        SearchRequest {
            q: self.q.take().unwrap_or_default(),
            topic: self.topic.take(),
            page: self.page.map_or(1, |n| n.unsigned_abs() as usize),
            per_page: self
                .per_page
                .map_or(default_per_page, |n| n.unsigned_abs() as usize),
            sort: self.sort.unwrap_or_default(),
            filters: self.filters,
        }
    }
}

/// The facet parameters of a search, one per [`Facet`], for the OpenAPI document (the
/// derive cannot loop over the facets).
pub struct FacetParams;

impl utoipa::IntoParams for FacetParams {
    fn into_params(
        parameter_in_provider: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn, ParameterStyle};
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
        Facet::ALL
            .into_iter()
            .map(|facet| {
                ParameterBuilder::new()
                    .name(facet.name())
                    .parameter_in(parameter_in_provider().unwrap_or(ParameterIn::Query))
                    .description(Some(facet.help()))
                    .style(Some(ParameterStyle::Form))
                    .explode(Some(true))
                    // One value is a plain string on the wire, several a repeated name:
                    // both are what a checker reading the URL back should find.
                    .schema(Some(
                        ArrayBuilder::new()
                            .schema_type(SchemaType::from_iter([Type::String, Type::Array]))
                            .items(ObjectBuilder::new().schema_type(Type::String)),
                    ))
                    .build()
            })
            .collect()
    }
}

/// A whole number from 1 to `max`, written plainly (digits, no sign, no leading zero), or
/// nothing: what an empty form field sends.
fn count(value: Option<&str>, name: &str, max: i32) -> Result<Option<i32>, WebError> {
    let Some(s) = value.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let plain = s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0');
    match s.parse::<i32>() {
        Ok(n) if plain && n <= max => Ok(Some(n)),
        _ => Err(WebError::bad_request(format!(
            "`{name}` must be a whole number from 1 to {max}, or empty; got `{}`",
            clip(s)
        ))),
    }
}

/// A [`count`] parameter in the document, described as the text it is on the wire: digits
/// for a number from 1 to `max`, or nothing. A query string carries only text, so a
/// schema of `integer` would leave a checker guessing how `null` or `"7"` reach the server.
fn count_schema(max: i32) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(count_pattern(max)))
        .into()
}

/// A regular expression matching exactly what [`count`] accepts: empty, or the numbers 1 to
/// `max` written plainly. Built digit by digit from `max`, so that the two cannot disagree.
fn count_pattern(max: i32) -> String {
    let max = max.max(1).to_string();
    let digits: Vec<u32> = max.chars().filter_map(|c| c.to_digit(10)).collect();
    let n = digits.len();
    let mut arms = Vec::new();
    if n > 1 {
        // Every number with fewer digits than `max`.
        arms.push(format!("[1-9][0-9]{{0,{}}}", n - 2));
    }
    // Numbers of `max`'s length: the same first `i` digits, a smaller digit at `i`, then any.
    for (i, &d) in digits.iter().enumerate() {
        let low = u32::from(i == 0);
        if d > low {
            let prefix: String = max.chars().take(i).collect();
            let rest = n - i - 1;
            let digit = if d - 1 == low {
                low.to_string()
            } else {
                format!("[{low}-{}]", d - 1)
            };
            let tail = match rest {
                0 => String::new(),
                1 => "[0-9]".to_owned(),
                _ => format!("[0-9]{{{rest}}}"),
            };
            arms.push(format!("{prefix}{digit}{tail}"));
        }
    }
    arms.push(max);
    format!("^(?:{})?$", arms.join("|"))
}

fn page_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    count_schema(i32::MAX)
}

fn per_page_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    count_schema(MAX_PER_PAGE as i32)
}

/// Reads a [`SearchRequest`] from the parameters `/search` and `/api/search` share:
/// `q`, `topic`, the facet filters (repeatable), `page`, `per_page` and `sort`.
pub fn search_request(p: &Params, default_per_page: usize) -> Result<SearchRequest, WebError> {
    Ok(SearchQuery::read(p)?.request(default_per_page))
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

    /// The document's pattern for a count accepts exactly what the server does, at every
    /// digit boundary of the limit and around it.
    #[test]
    fn the_count_pattern_matches_what_is_accepted() {
        for max in [
            1,
            9,
            10,
            100,
            101,
            250,
            999,
            1000,
            MAX_PER_PAGE as i32,
            i32::MAX,
        ] {
            let pattern = regex::Regex::new(&count_pattern(max)).expect("a valid pattern");
            let mut values: Vec<String> = ["", "0", "00", "01", "+1", "-1", " 1", "1 ", "1.0", "x"]
                .map(str::to_owned)
                .to_vec();
            for n in (0..=1100).chain([max - 1, max]) {
                values.push(n.to_string());
            }
            values.push((i64::from(max) + 1).to_string());
            values.push((i64::from(max) * 10).to_string());
            for v in values {
                assert_eq!(
                    pattern.is_match(&v),
                    count(Some(&v), "n", max).is_ok(),
                    "max {max}, value `{v}`: {}",
                    count_pattern(max)
                );
            }
        }
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
