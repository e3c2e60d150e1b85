//! The search request and response: the contract the CLI, the web pages and the JSON API share.

use serde::{Deserialize, Serialize};

use crate::index::ByFacet;

/// Most hits one page may hold.
pub const MAX_PER_PAGE: usize = 100;
/// Default hits per page.
pub const DEFAULT_PER_PAGE: usize = 10;
/// Deepest result a request may reach (page x per_page); deeper paging is clamped.
pub const MAX_DEPTH: usize = 10_000;

/// How results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Relevance for a query, displayOrder then title when browsing.
    #[default]
    Auto,
    Relevance,
    /// displayOrder where set, then title.
    Order,
    Title,
    /// Last change, newest first.
    Updated,
}

impl Sort {
    /// Every order, the default first.
    pub const ALL: [Sort; 5] = [
        Sort::Auto,
        Sort::Relevance,
        Sort::Order,
        Sort::Title,
        Sort::Updated,
    ];

    /// Its name: the `sort` parameter's value and its JSON spelling (a test holds serde to
    /// it).
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Auto => "auto",
            Sort::Relevance => "relevance",
            Sort::Order => "order",
            Sort::Title => "title",
            Sort::Updated => "updated",
        }
    }
}

/// A `sort` value that names no order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`sort` must be one of auto, relevance, order, title, updated; got `{0}`")]
pub struct UnknownSort(pub String);

impl std::str::FromStr for Sort {
    type Err = UnknownSort;

    fn from_str(name: &str) -> Result<Sort, UnknownSort> {
        Sort::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| UnknownSort(name.to_owned()))
    }
}

/// A search: free text plus filters. Several values of one facet are OR, facets are AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchRequest {
    pub q: String,
    /// A support topic ID: every article listing it.
    pub topic: Option<String>,
    /// The values each facet is filtered by (any of them); none is no filter. In JSON, one
    /// key per facet (`"service": [...]`).
    #[serde(flatten)]
    pub filters: ByFacet<Vec<String>>,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
    pub sort: Sort,
}

impl SearchRequest {
    /// A request for free text with default paging.
    pub fn text(q: &str) -> SearchRequest {
        SearchRequest {
            q: q.to_owned(),
            ..SearchRequest::default()
        }
    }

    /// Page and page size within bounds: page at least 1, per_page 1..=100 (10 when 0),
    /// and no deeper than [`MAX_DEPTH`].
    pub fn paging(&self) -> (usize, usize) {
        let per_page = match self.per_page {
            0 => DEFAULT_PER_PAGE,
            n => n.min(MAX_PER_PAGE),
        };
        let max_page = (MAX_DEPTH / per_page).max(1);
        (self.page.clamp(1, max_page), per_page)
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Relative to the articles root, with `.md`, as `kb export` writes it.
    pub path: String,
    pub article_id: String,
    pub title: String,
    pub description: String,
    pub service: String,
    pub resource: String,
    pub self_help_type: String,
    pub support_topic_ids: Vec<String>,
    /// HTML: the best passage, matched words in `<mark>`, everything else escaped. It comes
    /// from `section` when there is one.
    pub snippet: String,
    pub score: f32,
    /// The section of the article that matched best: `/articles/{path}#{anchor}` opens there.
    /// `null` when no heading's section holds a match (or the article has no headings).
    #[serde(default)]
    pub section: Option<HitSection>,
    /// When the article last changed (`2024-05-01`, UTC): its last commit when the articles
    /// are in git, else its file's modification time.
    #[serde(default)]
    pub updated: Option<String>,
}

/// A heading of an article and its anchor on the article page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HitSection {
    pub heading: String,
    pub anchor: String,
}

/// A facet value and how many results it has (or would have, when ticked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// Counts per facet, each sorted by count (descending), then value; in JSON, one key per
/// facet.
pub type Facets = ByFacet<Vec<FacetCount>>;

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub took_ms: f64,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// True when no article had every word and the results match any word instead.
    pub relaxed: bool,
    /// What synonyms added to the query, one entry per expanded word or words:
    /// `VNet → virtual network`.
    #[serde(default)]
    pub expanded: Vec<String>,
    /// "Did you mean": the query with its unknown words corrected from the index's own
    /// words, when it found nothing or fell back to any word and a correction exists.
    #[serde(default)]
    pub suggestion: Option<String>,
}

#[cfg(test)]
mod sort_tests {
    use super::Sort;

    /// Each order's name parses back to it and is what its JSON says; other names do not
    /// parse, and the error lists the names.
    #[test]
    fn sort_names_go_both_ways_and_match_serde() {
        for sort in Sort::ALL {
            assert_eq!(sort.as_str().parse::<Sort>(), Ok(sort));
            let json = serde_json::to_value(sort).expect("json");
            assert_eq!(json.as_str(), Some(sort.as_str()));
        }
        let names: Vec<&str> = Sort::ALL.iter().map(|s| s.as_str()).collect();
        let err = "newest".parse::<Sort>().expect_err("no such order");
        assert_eq!(
            err.to_string(),
            format!("`sort` must be one of {}; got `newest`", names.join(", "))
        );
        assert_eq!(
            "Title".parse::<Sort>().map_err(|e| e.0),
            Err("Title".to_owned())
        );
    }
}
