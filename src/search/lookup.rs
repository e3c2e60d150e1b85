//! Direct look-ups the web pages need besides ranked search: one article by path, articles by
//! articleId, by support topic or by service (all of them, not a page of hits), related
//! articles, title suggestions, the service/resource tree and the names of support topics.
//!
//! They live here, next to the search core, so that the web layer never touches tantivy
//! types: everything comes back as [`StoredMeta`] and plain strings.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::query::{BooleanQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet as TantivyFacet, IndexRecordOption};
use tantivy::{DocAddress, TantivyDocument, Term};

use super::SearchError;
use crate::article::Article;
use crate::index::{Facet, KbIndex, StoredMeta, meta_of, text_of, words_analyzer};

/// One article as the index stores it: its properties and its source text as read.
#[derive(Debug, Clone)]
pub struct StoredArticle {
    /// The properties as indexed.
    pub meta: StoredMeta,
    /// The file's text (BOM removed, line ends normalized), for re-parsing and raw views.
    pub source: String,
}

impl StoredArticle {
    /// Parses the stored source again, for sections, tokens and the JSON payload (the index
    /// keeps only what search and result lists need).
    pub fn parse(&self) -> Article {
        Article::parse(&self.meta.path, self.source.as_bytes())
    }
}

/// Where the name of a support topic comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TopicNameSource {
    /// A supportTopicDescription article's `supportTopics[].shortDescription`.
    SupportTopicDescription,
    /// The title of a problemScopingQuestions article listing the topic.
    ProblemScopingQuestions,
}

/// The human name of a support topic ID and the article that gives it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TopicName {
    /// What support agents call the topic.
    pub name: String,
    /// Path (with `.md`) of the article the name was read from.
    pub path: String,
    /// Which kind of article gave the name.
    pub source: TopicNameSource,
}

/// Support topic ID (lower-cased) -> its name.
pub type TopicNames = HashMap<String, TopicName>;

/// A title suggestion for search-as-you-type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suggestion {
    /// The article's title.
    pub title: String,
    /// Path with `.md`.
    pub path: String,
}

/// A service with its article count and its resources' counts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceSummary {
    /// The resource-provider name, lower-cased.
    pub service: String,
    /// Articles naming the service.
    pub count: u64,
    /// `(resource, count)`, most articles first.
    pub resources: Vec<(String, u64)>,
}

/// A number that changes whenever the reader sees a new commit: caches of derived data
/// (topic names, say) compare it to know they are stale.
pub fn generation(index: &KbIndex) -> u64 {
    index.searcher().generation().generation_id()
}

/// Live documents in the index.
pub fn count(index: &KbIndex) -> u64 {
    index.searcher().num_docs()
}

/// The article stored under `path` (relative, `/`-separated, with `.md`; compared exactly).
pub fn article(index: &KbIndex, path: &str) -> Result<Option<StoredArticle>, SearchError> {
    let f = index.fields();
    let searcher = index.searcher();
    let query = TermQuery::new(
        Term::from_field_text(f.path, path),
        IndexRecordOption::Basic,
    );
    let found = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
    let Some((_, address)) = found.first() else {
        return Ok(None);
    };
    let doc: TantivyDocument = searcher.doc(*address)?;
    Ok(Some(StoredArticle {
        meta: meta_of(f, &doc),
        source: text_of(&doc, f.source).to_owned(),
    }))
}

/// Every article whose articleId is `id` (compared case-insensitively), sorted by path. Two
/// files sharing an ID is a content error that happens.
pub fn by_article_id(index: &KbIndex, id: &str) -> Result<Vec<StoredMeta>, SearchError> {
    let f = index.fields();
    let mut out = all_matching(index, &exact(f.article_id, id))?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Every article listing the support topic `id` in supportTopicIds, in browse order.
pub fn by_topic(index: &KbIndex, id: &str) -> Result<Vec<StoredMeta>, SearchError> {
    let f = index.fields();
    let mut out = all_matching(index, &exact(f.topic, id))?;
    out.sort_by(browse_order);
    Ok(out)
}

/// Every article of a service (resource-provider name, any case), in browse order.
pub fn by_service(index: &KbIndex, service: &str) -> Result<Vec<StoredMeta>, SearchError> {
    let f = index.fields();
    let facet = TantivyFacet::from_path([service.trim().to_lowercase()]);
    let query = TermQuery::new(
        Term::from_facet(f.facets[Facet::Service], &facet),
        IndexRecordOption::Basic,
    );
    let mut out = all_matching(index, &query)?;
    out.sort_by(browse_order);
    Ok(out)
}

/// Up to `limit` other articles sharing a support topic ID with `meta`, those sharing the
/// most first.
pub fn related(
    index: &KbIndex,
    meta: &StoredMeta,
    limit: usize,
) -> Result<Vec<StoredMeta>, SearchError> {
    if meta.support_topic_ids.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let f = index.fields();
    let clauses: Vec<(Occur, Box<dyn Query>)> = meta
        .support_topic_ids
        .iter()
        .map(|t| (Occur::Should, Box::new(exact(f.topic, t)) as Box<dyn Query>))
        .collect();
    let metas = all_matching(index, &BooleanQuery::new(clauses))?;
    let mine: Vec<String> = meta
        .support_topic_ids
        .iter()
        .map(|t| t.to_lowercase())
        .collect();
    let shared = |m: &StoredMeta| {
        m.support_topic_ids
            .iter()
            .filter(|t| mine.contains(&t.to_lowercase()))
            .count()
    };
    let mut out: Vec<(usize, StoredMeta)> = metas
        .into_iter()
        .filter(|m| m.path != meta.path)
        .map(|m| (shared(&m), m))
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| browse_order(&a.1, &b.1)));
    Ok(out.into_iter().take(limit).map(|(_, m)| m).collect())
}

/// Titles matching what is being typed: every word of `q` is a word of the title, the last
/// one as a prefix (unless `q` ends with a space). Titles starting with the typed text come
/// first, then shorter ones.
pub fn suggest(index: &KbIndex, q: &str, limit: usize) -> Result<Vec<Suggestion>, SearchError> {
    let f = index.fields();
    let mut analyzer = words_analyzer();
    let mut words = Vec::new();
    let mut stream = analyzer.token_stream(q);
    while let Some(t) = stream.next() {
        words.push(t.text.clone());
    }
    // A pasted paragraph is no title being typed.
    words.truncate(super::MAX_QUERY_WORDS);
    if words.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let last_is_prefix = !q.ends_with(char::is_whitespace);
    let last = words.len() - 1;
    let clauses: Vec<(Occur, Box<dyn Query>)> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let term = Term::from_field_text(f.title_words, w);
            let q: Box<dyn Query> = if i == last && last_is_prefix {
                Box::new(FuzzyTermQuery::new_prefix(term, 0, false))
            } else {
                Box::new(TermQuery::new(term, IndexRecordOption::Basic))
            };
            (Occur::Must, q)
        })
        .collect();
    let searcher = index.searcher();
    // Prefix matches all score alike; gather a few more than asked and rank them here.
    let found = searcher.search(
        &BooleanQuery::new(clauses),
        &TopDocs::with_limit(limit.saturating_mul(8).max(32)).order_by_score(),
    )?;
    let typed = q.trim().to_lowercase();
    let mut out: Vec<Suggestion> = Vec::with_capacity(found.len());
    for (_, address) in found {
        let doc: TantivyDocument = searcher.doc(address)?;
        let meta = meta_of(f, &doc);
        out.push(Suggestion {
            title: meta.title,
            path: meta.path,
        });
    }
    out.sort_by(|a, b| {
        let starts = |s: &Suggestion| !s.title.to_lowercase().starts_with(&typed);
        starts(a)
            .cmp(&starts(b))
            .then_with(|| a.title.len().cmp(&b.title.len()))
            .then_with(|| a.title.cmp(&b.title))
            .then_with(|| a.path.cmp(&b.path))
    });
    // The same title in several files is one suggestion for a person typing.
    out.dedup_by(|a, b| a.title == b.title);
    out.truncate(limit);
    Ok(out)
}

/// Every service with its article count and the counts of its resources, most articles
/// first. Articles without a service are not counted.
pub fn services(index: &KbIndex) -> Result<Vec<ServiceSummary>, SearchError> {
    let searcher = index.searcher();
    let mut services: BTreeMap<String, u64> = BTreeMap::new();
    let mut resources: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for segment in searcher.segment_readers() {
        let service_reader = segment.facet_reader(Facet::Service.name())?;
        let resource_reader = segment.facet_reader(Facet::Resource.name())?;
        let service_names = facet_steps(&service_reader)?;
        let resource_names = facet_steps(&resource_reader)?;
        for doc in segment.doc_ids_alive() {
            for ord in service_reader.facet_ords(doc) {
                if let Some(steps) = service_names.get(ord as usize)
                    && let Some(service) = steps.first()
                {
                    *services.entry(service.clone()).or_default() += 1;
                }
            }
            for ord in resource_reader.facet_ords(doc) {
                if let Some([service, resource]) = resource_names.get(ord as usize).map(|s| &s[..])
                {
                    *resources
                        .entry(service.clone())
                        .or_default()
                        .entry(resource.clone())
                        .or_default() += 1;
                }
            }
        }
    }
    let mut out: Vec<ServiceSummary> = services
        .into_iter()
        .map(|(service, count)| {
            let mut res: Vec<(String, u64)> = resources
                .remove(&service)
                .unwrap_or_default()
                .into_iter()
                .collect();
            res.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            ServiceSummary {
                service,
                count,
                resources: res,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.service.cmp(&b.service))
    });
    Ok(out)
}

/// The names of support topics: from supportTopicDescription articles (whose JSON payload
/// lists `supportTopics[]` with an `id` and a `shortDescription`), else from the title of a
/// problemScopingQuestions article listing the topic. Keys are lower-cased IDs.
///
/// supportTopicDescription articles name topics in their payload, not in supportTopicIds, so
/// the topic field cannot find them; there are few of them (about 130 in the real corpus),
/// and their payloads are read once per commit by the caller's cache.
pub fn topic_names(index: &KbIndex) -> Result<TopicNames, SearchError> {
    let f = index.fields();
    let searcher = index.searcher();
    let mut names: TopicNames = HashMap::new();

    let descriptions = addresses(index, &type_query(index, "supporttopicdescription"))?;
    // Sorted by path so that when two articles name a topic, the same one wins every time.
    let mut docs: Vec<(String, String)> = Vec::with_capacity(descriptions.len());
    for address in descriptions {
        let doc: TantivyDocument = searcher.doc(address)?;
        let path = text_of(&doc, f.path).to_owned();
        docs.push((path, text_of(&doc, f.source).to_owned()));
    }
    docs.sort();
    for (path, source) in docs {
        let article = Article::parse(&path, source.as_bytes());
        for topic in article.support_topics() {
            if topic.name.is_empty() {
                continue;
            }
            names
                .entry(topic.id.to_lowercase())
                .or_insert_with(|| TopicName {
                    name: topic.name,
                    path: path.clone(),
                    source: TopicNameSource::SupportTopicDescription,
                });
        }
    }

    let mut scoping = all_matching(index, &type_query(index, "problemscopingquestions"))?;
    scoping.sort_by(|a, b| a.path.cmp(&b.path));
    for meta in scoping {
        if meta.title.is_empty() {
            continue;
        }
        for id in &meta.support_topic_ids {
            names.entry(id.to_lowercase()).or_insert_with(|| TopicName {
                name: meta.title.clone(),
                path: meta.path.clone(),
                source: TopicNameSource::ProblemScopingQuestions,
            });
        }
    }
    Ok(names)
}

/// Display order where set, then title, then path: how lists of articles read best.
fn browse_order(a: &StoredMeta, b: &StoredMeta) -> Ordering {
    let key = |m: &StoredMeta| (m.display_order.is_none(), m.display_order.unwrap_or(0));
    key(a)
        .cmp(&key(b))
        .then_with(|| a.title.to_lowercase().cmp(&b.title.to_lowercase()))
        .then_with(|| a.path.cmp(&b.path))
}

/// A term query on an exact (lower-cased) field.
fn exact(field: tantivy::schema::Field, value: &str) -> TermQuery {
    TermQuery::new(
        Term::from_field_text(field, &value.trim().to_lowercase()),
        IndexRecordOption::Basic,
    )
}

fn type_query(index: &KbIndex, self_help_type: &str) -> TermQuery {
    let facet = TantivyFacet::from_path([self_help_type]);
    TermQuery::new(
        Term::from_facet(index.fields().facets[Facet::Type], &facet),
        IndexRecordOption::Basic,
    )
}

fn addresses(index: &KbIndex, query: &dyn Query) -> Result<Vec<DocAddress>, SearchError> {
    let mut out: Vec<DocAddress> = index
        .searcher()
        .search(query, &DocSetCollector)?
        .into_iter()
        .collect();
    out.sort();
    Ok(out)
}

/// The stored properties of every document matching `query`.
fn all_matching(index: &KbIndex, query: &dyn Query) -> Result<Vec<StoredMeta>, SearchError> {
    let searcher = index.searcher();
    let f = index.fields();
    let found: Vec<DocAddress> = searcher
        .search(query, &DocSetCollector)?
        .into_iter()
        .collect();
    let mut out = Vec::with_capacity(found.len());
    for address in found {
        let doc: TantivyDocument = searcher.doc(address)?;
        out.push(meta_of(f, &doc));
    }
    Ok(out)
}

/// The steps of every facet of a segment's dictionary, by ordinal (`/a/b` -> `["a", "b"]`).
fn facet_steps(reader: &tantivy::fastfield::FacetReader) -> tantivy::Result<Vec<Vec<String>>> {
    let mut stream = reader.facet_dict().stream()?;
    let mut out = Vec::with_capacity(reader.num_facets());
    while stream.advance() {
        let key = String::from_utf8_lossy(stream.key());
        // Encoded facets separate their steps with a NUL byte.
        out.push(key.split('\0').map(str::to_owned).collect());
    }
    Ok(out)
}
