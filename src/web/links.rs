//! Every URL the pages link to, built in one place so that paths with spaces or odd
//! characters are encoded the same way everywhere, and so that a search page's links (a
//! facet ticked, a chip removed, another page) each change exactly one thing of the state
//! the URL holds.

use std::collections::BTreeMap;

use crate::article::name::md_stem;
// One path segment or query value percent-encoded, and a path segment by segment: as the
// renderer's links encode them.
pub(crate) use crate::render::links::encode as enc;
use crate::render::links::encode_path as enc_path;
use crate::render::reply::ReplyFormat;
use crate::search::Facet;
use crate::search::{SearchRequest, Sort};

/// `a/b.md` -> `a/b`: article page URLs leave out the extension (any case).
pub fn strip_md(path: &str) -> &str {
    md_stem(path).unwrap_or(path)
}

/// The page of the article stored under `path` (with `.md`).
pub fn article(path: &str) -> String {
    format!("/articles/{}", enc_path(strip_md(path)))
}

/// The query parameter of an article page naming the logged search that led to it.
pub const SEARCH_PARAM: &str = "sid";

/// `url` with `?name=value&...` of `pairs` appended, each part encoded; nothing when there
/// are none.
fn with_query<'a>(mut url: String, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut sep = '?';
    for (name, value) in pairs {
        url.push(sep);
        url.push_str(&enc(name));
        url.push('=');
        url.push_str(&enc(value));
        sep = '&';
    }
    url
}

/// A search hit's article page: the query's words highlighted (`?q=`), the logged search it
/// belongs to (opening it tells the log which hit the search led to), opened at the section
/// that matched (`#anchor`).
pub fn article_hit(path: &str, q: &str, search: Option<i64>, anchor: Option<&str>) -> String {
    let sid = search.map(|id| id.to_string());
    let q = Some(q).filter(|q| !q.trim().is_empty());
    let mut url = with_query(
        article(path),
        q.map(|q| ("q", q))
            .into_iter()
            .chain(sid.as_deref().map(|id| (SEARCH_PARAM, id))),
    );
    if let Some(anchor) = anchor {
        url.push('#');
        url.push_str(&enc(anchor));
    }
    url
}

/// The history of the article stored under `path`: its page's URL and `/history`.
pub fn history(path: &str) -> String {
    format!("{}/history", article(path))
}

/// The search for `q` (a suggestion to follow).
pub fn search(q: &str) -> String {
    format!("/search?q={}", enc(q))
}

/// The raw Markdown of the article stored under `path`.
pub fn raw(path: &str) -> String {
    format!("/articles/{}", enc_path(path))
}

/// The JSON of the article stored under `path`.
pub fn api_article(path: &str) -> String {
    format!("/api/articles/{}", enc_path(path))
}

/// The reply text of the article stored under `path` ([`crate::render::reply`]): the whole
/// article, or the section with the anchor `section`, in `format`, with the token values
/// `values` (by token name).
pub fn api_reply(
    path: &str,
    section: Option<&str>,
    format: ReplyFormat,
    values: &BTreeMap<String, String>,
) -> String {
    let pairs = section
        .map(|anchor| ("section", anchor))
        .into_iter()
        .chain([("format", format.as_str())])
        .chain(values.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    with_query(format!("{}/reply", api_article(path)), pairs)
}

pub fn topic(id: &str) -> String {
    format!("/topics/{}", enc(id))
}

pub fn service(service: &str) -> String {
    format!("/services/{}", enc(service))
}

pub fn article_id(id: &str) -> String {
    format!("/id/{}", enc(id))
}

/// A search for one facet value: `/search?service=microsoft.compute`.
pub fn filtered(facet: Facet, value: &str) -> String {
    format!("/search?{}={}", facet.name(), enc(value))
}

/// A search for a resource of a service.
pub fn resource(service: &str, resource: &str) -> String {
    if service.is_empty() {
        return filtered(Facet::Resource, resource);
    }
    format!(
        "/search?service={}&resource={}",
        enc(service),
        enc(resource)
    )
}

/// The state of a search page, as its URL holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchState {
    pub q: String,
    pub topic: String,
    /// `(facet parameter, value)` in the order given.
    pub filters: Vec<(String, String)>,
    pub sort: Sort,
    pub page: usize,
    /// Kept only when the request gave one.
    pub per_page: Option<usize>,
}

impl SearchState {
    /// The state of a request; `per_page` is kept when it differs from the page default.
    pub fn of(req: &SearchRequest, default_per_page: usize) -> SearchState {
        let mut filters = Vec::new();
        for facet in Facet::ALL {
            for v in &req.filters[facet] {
                let pair = (facet.name().to_owned(), v.clone());
                if !filters.contains(&pair) {
                    filters.push(pair);
                }
            }
        }
        SearchState {
            q: req.q.clone(),
            topic: req.topic.clone().unwrap_or_default(),
            filters,
            sort: req.sort,
            page: req.page.max(1),
            per_page: (req.per_page != default_per_page).then_some(req.per_page),
        }
    }

    pub fn has(&self, facet: &str, value: &str) -> bool {
        self.filters
            .iter()
            .any(|(f, v)| f == facet && v.eq_ignore_ascii_case(value))
    }

    /// The URL of this state.
    pub fn url(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("q={}", enc(&self.q)));
        }
        if !self.topic.is_empty() {
            parts.push(format!("topic={}", enc(&self.topic)));
        }
        for (f, v) in &self.filters {
            parts.push(format!("{f}={}", enc(v)));
        }
        if self.sort != Sort::default() {
            parts.push(format!("sort={}", self.sort.as_str()));
        }
        if let Some(n) = self.per_page {
            parts.push(format!("per_page={n}"));
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        if parts.is_empty() {
            "/search".to_owned()
        } else {
            format!("/search?{}", parts.join("&"))
        }
    }

    /// This state on another page.
    pub fn page_url(&self, page: usize) -> String {
        SearchState {
            page,
            ..self.clone()
        }
        .url()
    }

    /// This state with one facet value ticked or unticked, back on page 1.
    pub fn toggled(&self, facet: &str, value: &str) -> String {
        let mut next = SearchState {
            page: 1,
            ..self.clone()
        };
        if self.has(facet, value) {
            next.filters
                .retain(|(f, v)| !(f == facet && v.eq_ignore_ascii_case(value)));
        } else {
            next.filters.push((facet.to_owned(), value.to_owned()));
        }
        next.url()
    }

    /// This state without its topic filter.
    pub fn without_topic(&self) -> String {
        SearchState {
            topic: String::new(),
            page: 1,
            ..self.clone()
        }
        .url()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_urls_encode_segments_and_drop_the_extension() {
        assert_eq!(article("a b/c.md"), "/articles/a%20b/c");
        assert_eq!(article("x/Y.MD"), "/articles/x/Y");
        assert_eq!(raw("a b/c.md"), "/articles/a%20b/c.md");
    }

    #[test]
    fn reply_urls_carry_the_section_the_format_and_the_values() {
        let values = BTreeMap::from([("vm name".to_owned(), "web 01&x".to_owned())]);
        assert_eq!(
            api_reply("a b/c.md", Some("fix-it"), ReplyFormat::Markdown, &values),
            "/api/articles/a%20b/c.md/reply?section=fix-it&format=markdown&vm%20name=web%2001%26x"
        );
        assert_eq!(
            api_reply("a/c.md", None, ReplyFormat::Text, &BTreeMap::new()),
            "/api/articles/a/c.md/reply?format=text"
        );
    }

    #[test]
    fn toggling_changes_one_filter_and_resets_the_page() {
        let s = SearchState {
            q: "vm boot".into(),
            filters: vec![("service".into(), "microsoft.compute".into())],
            page: 3,
            ..SearchState::default()
        };
        assert_eq!(
            s.toggled("service", "microsoft.compute"),
            "/search?q=vm%20boot"
        );
        assert_eq!(
            s.toggled("type", "rca"),
            "/search?q=vm%20boot&service=microsoft.compute&type=rca"
        );
        assert_eq!(
            s.page_url(2),
            "/search?q=vm%20boot&service=microsoft.compute&page=2"
        );
    }
}
