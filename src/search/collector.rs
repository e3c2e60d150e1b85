//! One pass over the documents matching the text part of a query: disjunctive facet counts
//! and the top of the result list at the same time.
//!
//! Facet filters are not part of the tantivy query. For each matching document the collector
//! checks every facet filter; a document that passes all of them is a hit and counts for
//! every facet, one that fails exactly one facet's filter counts for that facet only (it is
//! what ticking another value of that facet would add). That is the disjunctive count the
//! sidebar needs, for the price of one query instead of one per facet.

use std::cmp::Ordering;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::fastfield::FacetReader;
use tantivy::{DocId, Score, SegmentReader};

use crate::index::{ByFacet, Facet, age_bucket, names};

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Score, then path.
    Relevance,
    /// displayOrder where set (ascending), then title, then path.
    DisplayOrder,
    /// Title, then path.
    Title,
    /// Last change, newest first, then path.
    Updated,
}

/// What the collector is asked for.
#[derive(Debug, Clone)]
pub struct Request {
    /// Selected values per facet (lower-case); an empty list is no filter.
    pub selected: ByFacet<Vec<String>>,
    /// How many of the best hits to return (offset + page size).
    pub top: usize,
    pub order: Order,
    /// Documents excluded by `-word` / `-"a phrase"`, found by a query of their own.
    pub excluded: std::collections::HashSet<tantivy::DocAddress>,
    /// Today, unix seconds: what [`Facet::Age`]'s buckets are counted from.
    pub now: i64,
}

/// One hit of the top list.
#[derive(Debug, Clone)]
pub struct TopHit {
    pub score: Score,
    pub address: tantivy::DocAddress,
    /// Its place among the hits of its segment.
    key: SortKey,
    /// Its path and sort title, looked up only when the hits of several segments are
    /// merged: within one segment the ordinals in `key` sort like the strings.
    names: Option<Names>,
    display_order: Option<i64>,
    /// When the article last changed, unix seconds.
    pub updated: Option<i64>,
}

/// The strings a hit's ordinals stand for.
#[derive(Debug, Clone)]
struct Names {
    sort_title: String,
    path: String,
}

/// What the collector returns.
#[derive(Default)]
pub struct Fruit {
    /// Documents passing every filter.
    pub total: usize,
    /// Best first.
    pub top: Vec<TopHit>,
    /// (value, count) per facet, unsorted.
    pub facets: ByFacet<Vec<(String, u64)>>,
    /// A segment's path and title columns, to name its hits (see [`TopHit`]).
    columns: Option<(StrColumn, StrColumn)>,
}

impl Fruit {
    /// Looks up the path (and, when the order needs it, the sort title) of each hit.
    fn name_hits(&mut self, order: Order) {
        let Some((paths, titles)) = &self.columns else {
            return;
        };
        for hit in &mut self.top {
            let mut names = Names {
                sort_title: String::new(),
                path: String::new(),
            };
            let _ = paths.ord_to_str(hit.key.3, &mut names.path);
            if matches!(order, Order::DisplayOrder | Order::Title) {
                let _ = titles.ord_to_str(hit.key.2, &mut names.sort_title);
            }
            hit.names = Some(names);
        }
    }
}

/// Facet values of one segment, per facet: `(full value, shown value)` by ordinal.
pub type SegmentValues = ByFacet<Vec<(String, String)>>;

/// What the collector reads of one segment, opened once: the facet values' names and the
/// columns (facets, path, title, display order, last change). A segment never changes once
/// written (deletions are kept apart), so neither its dictionaries nor its columns are read
/// again on every query; opening the columns alone was 4% of a search.
struct SegmentColumns {
    values: std::sync::Arc<SegmentValues>,
    /// In [`Facet::ALL`]'s order.
    facets: Vec<StrColumn>,
    paths: StrColumn,
    titles: StrColumn,
    display_order: Column<i64>,
    updated: Column<i64>,
}

impl SegmentColumns {
    fn open(reader: &SegmentReader) -> tantivy::Result<SegmentColumns> {
        let ff = reader.fast_fields();
        let missing = |name: &str| {
            tantivy::TantivyError::SchemaError(format!("fast field {name} is missing"))
        };
        let str_column = |name: &str| ff.str(name)?.ok_or_else(|| missing(name));
        let mut values: SegmentValues = Default::default();
        let mut facets = Vec::with_capacity(Facet::COUNT);
        for facet in Facet::ALL {
            let column = str_column(facet.name())?;
            values[facet] = facet_values(&FacetReader::new(column.clone()), facet)?;
            facets.push(column);
        }
        Ok(SegmentColumns {
            values: std::sync::Arc::new(values),
            facets,
            paths: str_column(names::PATH)?,
            titles: str_column(names::TITLE_SORT)?,
            display_order: ff.i64(names::DISPLAY_ORDER)?,
            updated: ff.i64(names::UPDATED)?,
        })
    }
}

/// [`SegmentColumns`] per segment, for every query of a searcher.
#[derive(Default)]
pub struct SegmentColumnCache {
    segments: std::sync::Mutex<
        std::collections::HashMap<tantivy::index::SegmentId, std::sync::Arc<SegmentColumns>>,
    >,
}

impl std::fmt::Debug for SegmentColumnCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SegmentColumnCache")
            .field("segments", &self.lock().len())
            .finish()
    }
}

impl SegmentColumnCache {
    /// The columns of `reader`'s segment, opened on first use. `live` are the segments of
    /// the searcher asking: the columns hold the segment's files open, so when a new
    /// segment is opened, those of segments merged away or deleted are let go.
    fn get(
        &self,
        reader: &SegmentReader,
        live: &[SegmentReader],
    ) -> tantivy::Result<std::sync::Arc<SegmentColumns>> {
        let id = reader.segment_id();
        if let Some(v) = self.lock().get(&id) {
            return Ok(v.clone());
        }
        let columns = std::sync::Arc::new(SegmentColumns::open(reader)?);
        let mut map = self.lock();
        map.retain(|kept, _| live.iter().any(|r| r.segment_id() == *kept));
        map.insert(id, columns.clone());
        Ok(columns)
    }

    /// How many segments' columns are open.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether every segment whose columns are open is one of `live`.
    #[cfg(test)]
    pub(super) fn holds_only(&self, live: &[tantivy::index::SegmentId]) -> bool {
        self.lock().keys().all(|id| live.contains(id))
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<tantivy::index::SegmentId, std::sync::Arc<SegmentColumns>>,
    > {
        // The map holds plain data; a panic elsewhere cannot leave it half-written.
        self.segments.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct FacetTopCollector<'a> {
    pub request: Request,
    pub cache: &'a SegmentColumnCache,
    /// The segments of the searcher this collector runs on.
    pub segments: &'a [SegmentReader],
}

impl FacetTopCollector<'_> {
    fn compare(order: Order, a: &TopHit, b: &TopHit) -> Ordering {
        let (Some(an), Some(bn)) = (&a.names, &b.names) else {
            // Hits of one segment.
            return a.key.partial_cmp(&b.key).unwrap_or(Ordering::Equal);
        };
        match order {
            Order::Relevance => b
                .score
                .partial_cmp(&a.score)
                .unwrap_or(Ordering::Equal)
                .then_with(|| an.path.cmp(&bn.path)),
            Order::DisplayOrder => display_key(a)
                .cmp(&display_key(b))
                .then_with(|| an.sort_title.cmp(&bn.sort_title))
                .then_with(|| an.path.cmp(&bn.path)),
            Order::Title => an
                .sort_title
                .cmp(&bn.sort_title)
                .then_with(|| an.path.cmp(&bn.path)),
            Order::Updated => b
                .updated
                .cmp(&a.updated)
                .then_with(|| an.path.cmp(&bn.path)),
        }
    }
}

fn display_key(h: &TopHit) -> (bool, i64) {
    (h.display_order.is_none(), h.display_order.unwrap_or(0))
}

impl Collector for FacetTopCollector<'_> {
    type Fruit = Fruit;
    type Child = SegmentFacetTop;

    fn for_segment(
        &self,
        segment_ord: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetTop> {
        let columns = self.cache.get(reader, self.segments)?;
        let cached = &columns.values;
        let mut facets = Vec::with_capacity(Facet::COUNT);
        for (facet, column) in Facet::ALL.into_iter().zip(&columns.facets) {
            let facet_reader = FacetReader::new(column.clone());
            let values = &cached[facet];
            // The kept month of a change is shown as its bucket of today.
            let buckets = (facet == Facet::Age).then(|| {
                values
                    .iter()
                    .map(|(full, _)| age_bucket(full, self.request.now))
                    .collect::<Vec<&'static str>>()
            });
            let shown = |i: usize| match &buckets {
                Some(b) => b.get(i).copied().unwrap_or_default(),
                None => values.get(i).map_or("", |(_, shown)| shown.as_str()),
            };
            let selected = &self.request.selected[facet];
            let allowed = if selected.is_empty() {
                None
            } else {
                Some(
                    values
                        .iter()
                        .enumerate()
                        .map(|(i, (full, _))| selected.iter().any(|s| s == shown(i) || s == full))
                        .collect::<Vec<bool>>(),
                )
            };
            facets.push(SegmentFacet {
                counts: vec![0; values.len()],
                values: cached.clone(),
                buckets,
                facet,
                allowed,
                reader: facet_reader,
            });
        }
        Ok(SegmentFacetTop {
            segment_ord,
            excluded: self
                .request
                .excluded
                .iter()
                .filter(|a| a.segment_ord == segment_ord)
                .map(|a| a.doc_id)
                .collect(),
            order: self.request.order,
            top: self.request.top,
            facets,
            candidates: Vec::new(),
            total: 0,
            paths: columns.paths.clone(),
            titles: columns.titles.clone(),
            display_order: columns.display_order.clone(),
            updated: columns.updated.clone(),
            fails: Vec::with_capacity(Facet::COUNT),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.request.order == Order::Relevance
    }

    fn merge_fruits(&self, fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        let mut out = Fruit::default();
        let mut maps: ByFacet<foldhash::HashMap<String, u64>> = Default::default();
        let order = self.request.order;
        let several = fruits.iter().filter(|f| !f.top.is_empty()).count() > 1;
        for mut fruit in fruits {
            if several {
                fruit.name_hits(order);
            }
            out.total += fruit.total;
            out.top.extend(fruit.top);
            for (map, values) in maps.0.iter_mut().zip(fruit.facets.0) {
                for (value, count) in values {
                    *map.entry(value).or_default() += count;
                }
            }
        }
        out.top.sort_by(|a, b| Self::compare(order, a, b));
        out.top.truncate(self.request.top);
        for (slot, map) in out.facets.0.iter_mut().zip(maps.0) {
            *slot = map.into_iter().collect();
        }
        Ok(out)
    }
}

/// `(full value, shown value)` for every ordinal of a facet in one segment. For resources
/// the full value is `service/resource` and the shown one the resource alone; for the age,
/// both are the month (`2024/05`), shown as its bucket by the query.
fn facet_values(reader: &FacetReader, facet: Facet) -> tantivy::Result<Vec<(String, String)>> {
    let mut stream = reader.facet_dict().stream()?;
    let mut out = Vec::with_capacity(reader.num_facets());
    while stream.advance() {
        let key = String::from_utf8_lossy(stream.key());
        // Encoded facets separate their steps with a NUL byte.
        let steps: Vec<&str> = key.split('\0').collect();
        let last = steps.last().copied().unwrap_or_default().to_owned();
        let (full, shown) = match facet {
            Facet::Resource => (steps.join("/"), last),
            Facet::Age => (steps.join("/"), steps.join("/")),
            _ => (last.clone(), last),
        };
        out.push((full, shown));
    }
    Ok(out)
}

struct SegmentFacet {
    reader: FacetReader,
    values: std::sync::Arc<SegmentValues>,
    /// For [`Facet::Age`]: each ordinal's bucket, which it is shown and filtered as.
    buckets: Option<Vec<&'static str>>,
    facet: Facet,
    /// Per ordinal: selected by the filter. `None`: no filter on this facet.
    allowed: Option<Vec<bool>>,
    counts: Vec<u64>,
}

impl SegmentFacet {
    fn passes(&self, doc: DocId) -> bool {
        match &self.allowed {
            None => true,
            Some(allowed) => self
                .reader
                .facet_ords(doc)
                .any(|o| allowed.get(o as usize).copied().unwrap_or(false)),
        }
    }

    fn count(&mut self, doc: DocId) {
        for ord in self.reader.facet_ords(doc) {
            if let Some(c) = self.counts.get_mut(ord as usize) {
                *c += 1;
            }
        }
    }
}

/// A hit's place within its segment: (negated score, displayOrder, title ordinal, path
/// ordinal), compared in that order; unused parts are zero.
type SortKey = (Score, i64, u64, u64);

pub struct SegmentFacetTop {
    segment_ord: u32,
    /// This segment's excluded documents.
    excluded: std::collections::HashSet<DocId>,
    order: Order,
    top: usize,
    facets: Vec<SegmentFacet>,
    /// (score, doc) of every hit; cut to the best `top` at harvest.
    candidates: Vec<(Score, DocId)>,
    total: usize,
    paths: StrColumn,
    titles: StrColumn,
    display_order: Column<i64>,
    updated: Column<i64>,
    fails: Vec<usize>,
}

impl SegmentCollector for SegmentFacetTop {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        if !self.excluded.is_empty() && self.excluded.contains(&doc) {
            return;
        }
        self.fails.clear();
        for (i, facet) in self.facets.iter().enumerate() {
            if !facet.passes(doc) {
                self.fails.push(i);
                if self.fails.len() > 1 {
                    return;
                }
            }
        }
        match self.fails.first() {
            None => {
                for facet in &mut self.facets {
                    facet.count(doc);
                }
                self.total += 1;
                if self.top > 0 {
                    self.candidates.push((score, doc));
                }
            }
            Some(&only) => self.facets[only].count(doc),
        }
    }

    fn harvest(self) -> Fruit {
        let first_ord = |col: &StrColumn, doc: DocId| col.term_ords(doc).next().unwrap_or(0);
        // Ordinals sort like their strings within a segment, so the segment's best can be
        // chosen before any string is looked up.
        let key = |&(score, doc): &(Score, DocId)| -> SortKey {
            let path = first_ord(&self.paths, doc);
            match self.order {
                Order::Relevance => (-score, 0, 0, path),
                Order::DisplayOrder => {
                    let order = self.display_order.first(doc).unwrap_or(i64::MAX);
                    (0.0, order, first_ord(&self.titles, doc), path)
                }
                Order::Title => (0.0, 0, first_ord(&self.titles, doc), path),
                Order::Updated => {
                    let newest_first = self.updated.first(doc).map_or(i64::MAX, |u| -u);
                    (0.0, newest_first, 0, path)
                }
            }
        };
        let mut keyed: Vec<(SortKey, DocId, Score)> =
            self.candidates.iter().map(|c| (key(c), c.1, c.0)).collect();
        let cmp = |a: &(SortKey, DocId, Score), b: &(SortKey, DocId, Score)| {
            a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal)
        };
        if keyed.len() > self.top {
            keyed.select_nth_unstable_by(self.top, cmp);
            keyed.truncate(self.top);
        }
        let top = keyed
            .into_iter()
            .map(|(key, doc, score)| TopHit {
                score,
                address: tantivy::DocAddress::new(self.segment_ord, doc),
                key,
                names: None,
                display_order: self.display_order.first(doc),
                updated: self.updated.first(doc),
            })
            .collect();
        let mut facets: ByFacet<Vec<(String, u64)>> = Default::default();
        for (slot, facet) in facets.0.iter_mut().zip(self.facets) {
            let values = &facet.values[facet.facet];
            *slot = (0..values.len())
                .zip(facet.counts)
                .filter(|(_, c)| *c > 0)
                .map(|(i, c)| {
                    let shown = match &facet.buckets {
                        Some(b) => b.get(i).copied().unwrap_or_default().to_owned(),
                        None => values[i].1.clone(),
                    };
                    (shown, c)
                })
                .collect();
        }
        Fruit {
            total: self.total,
            top,
            facets,
            columns: Some((self.paths, self.titles)),
        }
    }
}
