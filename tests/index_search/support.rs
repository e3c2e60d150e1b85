//! Helpers of the index and search tests: the counts `kb index` reports, pages of results,
//! facet lists and snippets.

use std::collections::BTreeMap;
use std::path::Path;

use selfhelp_kb::search::{FacetCount, SearchRequest, SearchResponse, Searcher};

use crate::common::index::{paths, search};
use crate::common::run::kb_index;

/// The counts of one `kb index` run, read from its summary line or its JSON report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct Counts {
    pub articles: usize,
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
    pub warnings: usize,
}

/// Expected counts of a run over articles without problems (no warnings).
pub fn counts(
    articles: usize,
    added: usize,
    updated: usize,
    removed: usize,
    unchanged: usize,
) -> Counts {
    Counts {
        articles,
        added,
        updated,
        removed,
        unchanged,
        warnings: 0,
    }
}

/// Parses `kb index`'s summary line, checking its exact format:
/// `indexed N articles: added A, updated U, removed R, unchanged K; W warnings; T s`, with the
/// time in seconds to two decimals.
pub fn parse_summary(line: &str) -> Counts {
    let fail = || -> ! { panic!("not a summary line: {line:?}") };
    let number = |s: &str| -> usize {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            fail();
        }
        s.parse().unwrap_or_else(|_| fail())
    };
    let rest = line.strip_prefix("indexed ").unwrap_or_else(|| fail());
    let mut parts = Vec::new();
    let mut rest = rest;
    for separator in [
        " articles: added ",
        ", updated ",
        ", removed ",
        ", unchanged ",
        "; ",
        " warnings; ",
    ] {
        let (part, tail) = rest.split_once(separator).unwrap_or_else(|| fail());
        parts.push(number(part));
        rest = tail;
    }
    let seconds = rest.strip_suffix(" s").unwrap_or_else(|| fail());
    let (whole, fraction) = seconds.split_once('.').unwrap_or_else(|| fail());
    number(whole);
    if fraction.len() != 2 {
        fail();
    }
    number(fraction);
    Counts {
        articles: parts[0],
        added: parts[1],
        updated: parts[2],
        removed: parts[3],
        unchanged: parts[4],
        warnings: parts[5],
    }
}

/// Runs `kb index` and returns the counts of its summary line, which must be all it prints on
/// standard output.
pub fn kb_index_counts(articles: &Path, index: &Path, extra: &[&str]) -> Counts {
    let out = kb_index(articles, index, extra);
    out.assert_success("kb index");
    let text = &out.stdout;
    let line = text
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("no line end after the summary: {text:?}"));
    assert!(!line.contains('\n'), "more than the summary line: {text:?}");
    parse_summary(line)
}

/// The hits' paths, sorted.
pub fn path_set(resp: &SearchResponse) -> Vec<String> {
    let mut out = paths(resp);
    out.sort();
    out
}

/// Every page of `req` at `per_page`, concatenated; checks along the way that each page but
/// the last is full, that the page after the last is empty and that `total` never changes.
pub fn all_pages(searcher: &Searcher, req: &SearchRequest, per_page: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut total = None;
    for page in 1.. {
        let resp = search(
            searcher,
            &SearchRequest {
                page,
                per_page,
                ..req.clone()
            },
        );
        assert_eq!(*total.get_or_insert(resp.total), resp.total, "page {page}");
        assert_eq!(resp.page, page);
        if resp.hits.is_empty() {
            assert_eq!(
                out.len(),
                resp.total,
                "results before the empty page {page}"
            );
            return out;
        }
        let expected = per_page.min(resp.total - out.len());
        assert_eq!(resp.hits.len(), expected, "hits on page {page}");
        out.extend(paths(&resp));
    }
    unreachable!("pages run out")
}

/// A facet list as a map from value to count.
pub fn facet_map(list: &[FacetCount]) -> BTreeMap<String, u64> {
    list.iter().map(|f| (f.value.clone(), f.count)).collect()
}

/// Asserts that every facet list of a response is sorted by count (descending), then value.
pub fn assert_facets_sorted(resp: &SearchResponse) {
    for (name, list) in resp.facets.iter() {
        for pair in list.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(
                a.count > b.count || (a.count == b.count && a.value < b.value),
                "facet {name} is not sorted by count then value: {list:?}"
            );
        }
    }
}

/// Asserts that a snippet has no markup but `<mark>` pairs around words.
pub fn assert_snippet_clean(snippet: &str) {
    let opened = snippet.matches("<mark>").count();
    assert_eq!(
        opened,
        snippet.matches("</mark>").count(),
        "unbalanced marks: {snippet}"
    );
    let bare = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !bare.contains('<') && !bare.contains('>'),
        "a tag other than <mark>, or an unescaped `<`/`>`: {snippet}"
    );
}
