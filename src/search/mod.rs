//! SearchRequest -> tantivy query + one collector -> SearchResponse. The one search core
//! behind `kb search`, the web pages and the JSON API.

pub mod analyze;
mod build;
mod collector;
mod correct;
mod expand;
mod find;
pub mod lookup;
pub mod plan;
mod request;
pub mod score;
mod snippet;
mod stats;
pub mod synonyms;
pub mod syntax;

use std::time::Instant;

use tantivy::query::{AllQuery, BooleanQuery, Occur, Query};
use tantivy::tokenizer::TextAnalyzer;

pub use crate::index::{ByFacet, Facet};
pub use collector::Order;
pub use expand::ExpansionStats;
pub use request::{
    DEFAULT_PER_PAGE, FacetCount, Facets, Hit, HitSection, MAX_DEPTH, MAX_PER_PAGE, SearchRequest,
    SearchResponse, Sort, UnknownSort,
};

use crate::index::{KbIndex, hit_meta_of, outline_of, text_analyzer, text_of};
use collector::{FacetTopCollector, Fruit};
use syntax::FieldFilter;

/// Words of a query beyond this many are ignored: a pasted log line must not cost seconds.
pub const MAX_QUERY_WORDS: usize = 32;

/// A search failed inside the index (I/O, a corrupt segment); user input never causes one.
#[derive(Debug, thiserror::Error)]
#[error("search failed: {0}")]
pub struct SearchError(#[from] tantivy::TantivyError);

/// Searches an index. Cheap to clone; share one per process.
#[derive(Clone, Debug)]
pub struct Searcher {
    index: KbIndex,
    columns: std::sync::Arc<collector::SegmentColumnCache>,
    expansions: std::sync::Arc<expand::ExpansionCache>,
    synonyms: std::sync::Arc<synonyms::SynonymCache>,
}

impl Searcher {
    pub fn new(index: KbIndex) -> Searcher {
        Searcher {
            index,
            columns: Default::default(),
            expansions: Default::default(),
            synonyms: Default::default(),
        }
    }

    /// The same searcher, also reading synonyms from `file` (see [`synonyms`]); the file
    /// need not exist, and is read again whenever it changes.
    pub fn with_synonyms_file(mut self, file: std::path::PathBuf) -> Searcher {
        self.synonyms = std::sync::Arc::new(synonyms::SynonymCache::with_file(file));
        self
    }

    /// The user's synonyms file, if one was given.
    pub fn synonyms_file(&self) -> Option<std::path::PathBuf> {
        self.synonyms.file()
    }

    /// A searcher that expands typo and prefix matches anew on every query instead of
    /// remembering them per segment (same results; for measuring what the cache saves).
    pub fn without_expansion_cache(index: KbIndex) -> Searcher {
        Searcher {
            index,
            columns: Default::default(),
            expansions: std::sync::Arc::new(expand::ExpansionCache::new(false)),
            synonyms: Default::default(),
        }
    }

    /// How often a typo or prefix expansion was found remembered since this searcher (or
    /// the one it was cloned from) was made.
    pub fn expansion_stats(&self) -> ExpansionStats {
        self.expansions.stats()
    }

    pub fn index(&self) -> &KbIndex {
        &self.index
    }

    /// The terms a search for `q` looks for (synonyms and identifier parts included), as
    /// the index has them: what an article page marks for the search that led to it.
    pub fn highlight_terms(&self, q: &str) -> std::collections::HashSet<String> {
        let fields = *self.index.fields();
        let searcher = self.index.searcher();
        let mut parsed = syntax::parse(q);
        parsed.words.truncate(MAX_QUERY_WORDS);
        let synonyms = self.synonyms.get(&searcher, &fields);
        let plan = plan::plan(&mut text_analyzer(), &parsed, &synonyms);
        plan.terms().into_iter().collect()
    }

    /// Runs a search: the query text read and planned, the filters gathered, one pass of
    /// the collector (a second, on any word, when every word finds nothing), then the page's
    /// hits with their snippets.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResponse, SearchError> {
        let started = Instant::now();
        let fields = *self.index.fields();
        let searcher = self.index.searcher();
        let mut analyzer: TextAnalyzer = text_analyzer();

        let mut parsed = syntax::parse(&req.q);
        parsed.words.truncate(MAX_QUERY_WORDS);
        parsed.phrases.truncate(MAX_QUERY_WORDS);
        let synonyms = self.synonyms.get(&searcher, &fields);
        let plan = plan::plan(&mut analyzer, &parsed, &synonyms);
        let (selected, filters) = gather_filters(req, &parsed, &fields);
        let exclusions = build::exclusions(&fields, &mut analyzer, &parsed);

        let (page, per_page) = req.paging();
        let collector = FacetTopCollector {
            request: collector::Request {
                selected,
                top: page * per_page,
                order: order(req.sort, !plan.is_empty()),
                excluded: excluded(&searcher, &exclusions)?,
                now: crate::history::unix_secs(std::time::SystemTime::now()).unwrap_or(0),
            },
            cache: &self.columns,
            segments: searcher.segment_readers(),
        };
        let stats = stats::Stats::new(&searcher);
        let context = plan::Context {
            fields: &fields,
            searcher: &searcher,
            stats: &stats,
            cache: &self.expansions,
            last_is_prefix: parsed.last_word_is_prefix,
            text: &parsed.text,
        };
        let compose = |require_all: bool| -> Box<dyn Query> {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            if let Some(text) = plan::text_query(&plan, &context, require_all) {
                clauses.push((Occur::Must, Box::new(text)));
            }
            for f in &filters {
                clauses.push((Occur::Must, f.box_clone()));
            }
            if clauses.is_empty() {
                clauses.push((Occur::Must, Box::new(AllQuery)));
            }
            Box::new(BooleanQuery::new(clauses))
        };

        let mut fruit: Fruit =
            searcher.search_with_statistics_provider(&*compose(true), &collector, &stats)?;
        let mut relaxed = false;
        if fruit.total == 0 && plan.units.len() > 1 {
            fruit =
                searcher.search_with_statistics_provider(&*compose(false), &collector, &stats)?;
            relaxed = fruit.total > 0;
        }

        let suggestion = if fruit.total == 0 || relaxed {
            correct::correction(&searcher, &fields, &parsed)
        } else {
            None
        };
        let snippets =
            snippet::Snippets::new(&stats, fields.body, &plan.terms(), &plan.filler_terms())?;
        let hits = fruit
            .top
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|top| hit(&searcher, &fields, &snippets, top))
            .collect::<Result<Vec<Hit>, SearchError>>()?;
        Ok(SearchResponse {
            total: fruit.total,
            page,
            per_page,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
            hits,
            facets: fruit.facets.map(|_, counts| sorted_counts(counts)),
            relaxed,
            expanded: plan.expanded,
            suggestion,
        })
    }
}

/// The facet values a search filters by (the request's and the query text's `field:value`,
/// normalized), and the queries every hit must also match (topic and article ID).
fn gather_filters(
    req: &SearchRequest,
    parsed: &syntax::ParsedQuery,
    fields: &crate::index::Fields,
) -> (ByFacet<Vec<String>>, Vec<Box<dyn Query>>) {
    let mut selected = req.filters.clone();
    let mut filters: Vec<Box<dyn Query>> = Vec::new();
    if let Some(topic) = req.topic.as_deref().filter(|t| !t.trim().is_empty()) {
        filters.push(build::exact_filter(fields.topic, topic));
    }
    for f in &parsed.filters {
        match f {
            FieldFilter::Topic(v) => filters.push(build::exact_filter(fields.topic, v)),
            FieldFilter::Id(v) => filters.push(build::exact_filter(fields.article_id, v)),
            FieldFilter::Facet(facet, v) => selected[*facet].push(v.clone()),
        }
    }
    for (_, values) in selected.iter_mut() {
        normalize_values(values);
    }
    (selected, filters)
}

/// How the hits are ordered: `auto` is relevance for a text query, display order when
/// browsing.
fn order(sort: Sort, has_text: bool) -> Order {
    match sort {
        Sort::Auto if has_text => Order::Relevance,
        Sort::Auto | Sort::Order => Order::DisplayOrder,
        Sort::Relevance => Order::Relevance,
        Sort::Title => Order::Title,
        Sort::Updated => Order::Updated,
    }
}

/// The documents that `-word` and `-"a phrase"` exclude.
///
/// Exclusions are applied in the collector rather than as MustNot clauses: tantivy 0.27's
/// phrase scorer breaks a debug assertion when an exclusion seeks it backwards
/// (quickwit-oss/tantivy#2811), and a separate pass costs only queries that exclude.
fn excluded(
    searcher: &tantivy::Searcher,
    exclusions: &[Box<dyn Query>],
) -> Result<std::collections::HashSet<tantivy::DocAddress>, SearchError> {
    if exclusions.is_empty() {
        return Ok(Default::default());
    }
    let any = BooleanQuery::new(
        exclusions
            .iter()
            .map(|e| (Occur::Should, e.box_clone()))
            .collect(),
    );
    Ok(searcher.search(&any, &tantivy::collector::DocSetCollector)?)
}

/// One hit of the page: its stored properties, and the passage and section that matched.
fn hit(
    searcher: &tantivy::Searcher,
    fields: &crate::index::Fields,
    snippets: &snippet::Snippets,
    top: &collector::TopHit,
) -> Result<Hit, SearchError> {
    let doc: crate::index::StoredValues = searcher.doc(top.address)?;
    let meta = hit_meta_of(fields, &doc);
    let outline = outline_of(fields, &doc);
    let (snippet, section) = snippets.passage(
        text_of(&doc, fields.body),
        &outline,
        &meta.properties.description,
    );
    let section = section
        .and_then(|i| outline.into_iter().nth(i))
        .map(|h| HitSection {
            heading: h.text,
            anchor: h.anchor,
        });
    let p = meta.properties;
    Ok(Hit {
        path: meta.path,
        article_id: p.article_id,
        title: meta.title,
        description: p.description,
        service: p.service,
        resource: p.resource,
        self_help_type: p.self_help_type,
        support_topic_ids: p.support_topic_ids,
        snippet,
        score: top.score,
        section,
        updated: top.updated.map(crate::history::date),
    })
}

/// Lower-cased, trimmed, empties and repeats dropped.
fn normalize_values(values: &mut Vec<String>) {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for v in values.drain(..) {
        let v = v.trim().to_lowercase();
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    *values = out;
}

fn sorted_counts(values: Vec<(String, u64)>) -> Vec<FacetCount> {
    let mut out: Vec<FacetCount> = values
        .into_iter()
        .map(|(value, count)| FacetCount { value, count })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{IndexOptions, Indexer};

    fn write(dir: &std::path::Path, name: &str, service: &str) {
        let text = format!(
            "<properties pageTitle=\"Disk {name}\" description=\"d\" service=\"{service}\" \
             resource=\"r\" supportTopicIds=\"1\" articleId=\"{name}\" />\n# Disk {name}\n\n\
             Disks that fail to attach.\n"
        );
        std::fs::write(dir.join(format!("{name}.md")), text).expect("write an article");
    }

    fn services(searcher: &Searcher) -> Vec<(String, u64)> {
        let resp = searcher
            .search(&SearchRequest {
                q: "disk".into(),
                page: 1,
                per_page: 10,
                ..Default::default()
            })
            .expect("search");
        resp.facets[Facet::Service]
            .iter()
            .map(|c| (c.value.clone(), c.count))
            .collect()
    }

    /// The collector keeps each segment's columns open between searches; after a commit
    /// the counts come from the new segments, and the columns of segments no longer
    /// searched are let go.
    #[test]
    fn facet_columns_follow_the_segments_searched() {
        let articles = tempfile::TempDir::new().expect("temp dir");
        let dir = tempfile::TempDir::new().expect("temp dir");
        write(articles.path(), "a", "microsoft.compute");
        write(articles.path(), "b", "microsoft.compute");
        // A full run re-adds every article: the first segment ends up with nothing alive
        // and is dropped, so the columns opened for it must be let go.
        let sync = |indexer: &mut Indexer| {
            indexer
                .sync(
                    articles.path(),
                    IndexOptions { full: true },
                    &indicatif::ProgressBar::hidden(),
                )
                .expect("sync")
        };
        let mut indexer = Indexer::open(dir.path()).expect("open a writer");
        sync(&mut indexer);
        let index = KbIndex::open(dir.path()).expect("open the index");
        let searcher = Searcher::new(index.clone());
        assert_eq!(services(&searcher), vec![("microsoft.compute".into(), 2)]);
        assert_eq!(searcher.columns.len(), 1);
        let first = index.searcher().segment_readers()[0].segment_id();

        write(articles.path(), "b", "microsoft.storage");
        sync(&mut indexer);
        index.reload().expect("reload");
        assert_eq!(
            services(&searcher),
            vec![
                ("microsoft.compute".into(), 1),
                ("microsoft.storage".into(), 1)
            ]
        );
        let live: Vec<_> = index
            .searcher()
            .segment_readers()
            .iter()
            .map(|r| r.segment_id())
            .collect();
        assert!(
            !live.contains(&first),
            "the first segment is no longer searched"
        );
        assert_eq!(searcher.columns.len(), live.len());
        assert!(searcher.columns.holds_only(&live));
    }

    /// Hits that tie are ordered by path (and by title when sorted so) across segments as
    /// within one: the strings are compared once ordinals of different segments meet.
    #[test]
    fn ties_are_ordered_alike_across_segments() {
        let articles = tempfile::TempDir::new().expect("temp dir");
        let dir = tempfile::TempDir::new().expect("temp dir");
        let sync = |indexer: &mut Indexer| {
            indexer
                .sync(
                    articles.path(),
                    IndexOptions::default(),
                    &indicatif::ProgressBar::hidden(),
                )
                .expect("sync")
        };
        let mut indexer = Indexer::open(dir.path()).expect("open a writer");
        // `b` and `c` first, `a` in a segment of its own: `b` and `a` both have ordinal 0
        // in their segment, so ordinals alone would not put `a` first.
        write(articles.path(), "b", "microsoft.compute");
        write(articles.path(), "c", "microsoft.compute");
        sync(&mut indexer);
        write(articles.path(), "a", "microsoft.compute");
        sync(&mut indexer);
        let index = KbIndex::open(dir.path()).expect("open the index");
        assert_eq!(index.searcher().segment_readers().len(), 2);
        let searcher = Searcher::new(index);
        let paths = |q: &str, sort: Sort| -> Vec<String> {
            searcher
                .search(&SearchRequest {
                    q: q.into(),
                    sort,
                    page: 1,
                    per_page: 10,
                    ..Default::default()
                })
                .expect("search")
                .hits
                .into_iter()
                .map(|h| h.path)
                .collect()
        };
        let abc = ["a.md", "b.md", "c.md"];
        assert_eq!(paths("disks attach", Sort::Relevance), abc);
        for sort in [Sort::Title, Sort::Order] {
            assert_eq!(paths("", sort), abc, "{sort:?}");
        }
    }
}
