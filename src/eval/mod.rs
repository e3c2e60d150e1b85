//! Search quality and speed against ground-truth query sets (`../shared/queries`): how many
//! topic IDs return exactly their articles, how high known items, their misspelt forms and
//! the generated kinds of [`kinds`] rank, how fast each kind answers, and whether the service
//! facet agrees with the expected counts.
//!
//! Ranking is measured through [`rank_kind`], which takes any engine as a function from a
//! query to its ranked paths, so that the benchmark scores its baselines (SQLite FTS5, a
//! plain tantivy `QueryParser`) on exactly the same queries.

pub mod kinds;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::search::{SearchError, SearchRequest, Searcher};
pub use kinds::{Kind, Query};

/// The query sets.
#[derive(Debug, Default)]
pub struct QuerySets {
    /// Topic ID -> the paths listing it.
    pub topics: Vec<(String, BTreeSet<String>)>,
    /// Service -> article count.
    pub services: BTreeMap<String, u64>,
    /// (query, expected path).
    pub known_items: Vec<(String, String)>,
    pub typo_items: Vec<(String, String)>,
    pub freetext: Vec<String>,
    /// Sets of the generated kinds: read from `KIND.tsv` files beside the others, or made by
    /// [`kinds::generate`] (see [`QuerySets::generate`]).
    pub kinds: Vec<(Kind, Vec<Query>)>,
}

/// Why the query sets could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {path}: {source}")]
pub struct QueryError {
    path: String,
    #[source]
    source: std::io::Error,
}

fn read(dir: &Path, name: &str) -> Result<String, QueryError> {
    let path = dir.join(name);
    std::fs::read_to_string(&path).map_err(|source| QueryError {
        path: path.display().to_string(),
        source,
    })
}

/// TSV rows after the header line.
fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
}

impl QuerySets {
    pub fn load(dir: &Path) -> Result<QuerySets, QueryError> {
        let pairs = |text: &str| -> Vec<(String, String)> {
            rows(text)
                .filter(|r| r.len() >= 2)
                .map(|r| (r[0].to_owned(), r[1].to_owned()))
                .collect()
        };
        Ok(QuerySets {
            topics: rows(&read(dir, "topics.tsv")?)
                .filter(|r| !r.is_empty())
                .map(|r| {
                    let paths = r[1..].iter().map(|p| (*p).to_owned()).collect();
                    (r[0].to_owned(), paths)
                })
                .collect(),
            services: rows(&read(dir, "services.tsv")?)
                .filter_map(|r| Some((r.first()?.to_string(), r.get(1)?.trim().parse().ok()?)))
                .collect(),
            known_items: pairs(&read(dir, "known_items.tsv")?),
            typo_items: pairs(&read(dir, "typo_items.tsv")?),
            freetext: read(dir, "freetext.txt")?
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            kinds: Kind::GENERATED
                .iter()
                .filter_map(|&kind| {
                    let text = read(dir, &format!("{kind}.tsv")).ok()?;
                    Some((kind, parse_kind(&text)))
                })
                .collect(),
        })
    }

    /// Generates the sets of every kind not read from files, from `articles` (the corpus the
    /// index was built from).
    pub fn generate(&mut self, articles: &[crate::Article], seed: u64, per_kind: usize) {
        for (kind, queries) in kinds::generate(articles, seed, per_kind) {
            if !self.kinds.iter().any(|(k, _)| *k == kind) {
                self.kinds.push((kind, queries));
            }
        }
        self.kinds.sort_by_key(|(k, _)| *k);
    }

    /// Every ranked set: known items, typos, then the generated kinds.
    pub fn ranked(&self) -> Vec<(Kind, Vec<Query>)> {
        let pairs = |items: &[(String, String)]| -> Vec<Query> {
            items
                .iter()
                .map(|(q, p)| Query {
                    text: q.clone(),
                    expected: vec![p.clone()],
                })
                .collect()
        };
        let mut out = vec![
            (Kind::Known, pairs(&self.known_items)),
            (Kind::Typo, pairs(&self.typo_items)),
        ];
        out.extend(self.kinds.iter().cloned());
        out
    }

    /// Writes the generated sets as `KIND.tsv` files under `dir`.
    pub fn write_kinds(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (kind, queries) in &self.kinds {
            let mut text = String::from("query\texpected paths\n");
            for q in queries {
                text.push_str(&q.text.replace(['\t', '\n'], " "));
                for p in &q.expected {
                    text.push('\t');
                    text.push_str(p);
                }
                text.push('\n');
            }
            std::fs::write(dir.join(format!("{kind}.tsv")), text)?;
        }
        Ok(())
    }
}

/// A `KIND.tsv` file: the query, then one column per right answer.
fn parse_kind(text: &str) -> Vec<Query> {
    rows(text)
        .filter(|r| r.len() >= 2)
        .map(|r| Query {
            text: r[0].to_owned(),
            expected: r[1..].iter().map(|p| (*p).to_owned()).collect(),
        })
        .collect()
}

/// How one engine ranks one kind of query.
#[derive(Debug, Clone, Serialize)]
pub struct KindReport {
    pub kind: Kind,
    pub queries: usize,
    /// Mean of 1 / rank of the first right answer within the top 10 (0 when absent).
    pub mrr10: f64,
    /// Share of queries whose first hit is a right answer.
    pub success1: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub misses: Vec<Miss>,
}

/// Ranks every query of a kind with `search` (a query -> the engine's ranked paths, at least
/// its top 10), timing each call.
pub fn rank_kind<E>(
    kind: Kind,
    queries: &[Query],
    mut search: impl FnMut(&str) -> Result<Vec<String>, E>,
) -> Result<KindReport, E> {
    let (mut rr, mut first) = (0.0, 0usize);
    let mut misses = Vec::new();
    let mut latencies = Vec::with_capacity(queries.len());
    for q in queries {
        let t = Instant::now();
        let paths = search(&q.text)?;
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        let rank = paths
            .iter()
            .take(10)
            .position(|p| q.expected.contains(p))
            .map(|i| i + 1);
        match rank {
            Some(1) => first += 1,
            _ => misses.push(Miss {
                query: q.text.clone(),
                expected: q.expected.join(" "),
                rank,
                first: paths.first().cloned(),
            }),
        }
        rr += rank.map_or(0.0, |r| 1.0 / r as f64);
    }
    latencies.sort_by(f64::total_cmp);
    let n = queries.len().max(1) as f64;
    Ok(KindReport {
        kind,
        queries: queries.len(),
        mrr10: rr / n,
        success1: first as f64 / n,
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
        misses,
    })
}

/// The paths kb ranks first for `q`, as the search box would ask (first page).
pub fn kb_paths(searcher: &Searcher, q: &str) -> Result<Vec<String>, SearchError> {
    Ok(searcher
        .search(&SearchRequest::text(q))?
        .hits
        .into_iter()
        .map(|h| h.path)
        .collect())
}

/// A query whose expected article was not first.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    pub query: String,
    pub expected: String,
    /// 1-based rank within the top 10, if there.
    pub rank: Option<usize>,
    pub first: Option<String>,
}

/// `"query" -> expected PATH at RANK, first PATH`: a miss as `kb eval --misses` prints it.
impl std::fmt::Display for Miss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} -> expected {} at {:?}, first {}",
            self.query,
            self.expected,
            self.rank,
            self.first.as_deref().unwrap_or("-")
        )
    }
}

/// The evaluation's figures.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub topics: usize,
    pub topics_exact: usize,
    pub topic_exact_rate: f64,
    pub known_items: usize,
    pub known_mrr10: f64,
    pub known_success1: f64,
    pub typo_items: usize,
    pub typo_mrr10: f64,
    pub typo_success1: f64,
    pub freetext_queries: usize,
    pub freetext_p50_ms: f64,
    pub freetext_p99_ms: f64,
    pub services_equal: bool,
    /// Services whose count differs: (service, expected, found).
    pub service_differences: Vec<(String, u64, u64)>,
    pub known_misses: Vec<Miss>,
    pub typo_misses: Vec<Miss>,
    pub topic_mismatches: Vec<String>,
    /// Every ranked kind, known items and typos included.
    pub kinds: Vec<KindReport>,
}

/// Rounds of the free-text queries timed for the latency figures.
const LATENCY_ROUNDS: usize = 5;

/// Runs every query set.
pub fn evaluate(searcher: &Searcher, sets: &QuerySets) -> Result<EvalReport, SearchError> {
    let mut topics_exact = 0;
    let mut topic_mismatches = Vec::new();
    for (topic, expected) in &sets.topics {
        let found = topic_paths(searcher, topic)?;
        if &found == expected {
            topics_exact += 1;
        } else {
            topic_mismatches.push(topic.clone());
        }
    }
    let mut kinds = Vec::new();
    for (kind, queries) in sets.ranked() {
        kinds.push(rank_kind(kind, &queries, |q| kb_paths(searcher, q))?);
    }
    let of = |kind: Kind| kinds.iter().find(|k| k.kind == kind);
    let (known, typo) = (of(Kind::Known), of(Kind::Typo));
    let (known_mrr10, known_success1, known_misses) = known.map_or((0.0, 0.0, Vec::new()), |k| {
        (k.mrr10, k.success1, k.misses.clone())
    });
    let (typo_mrr10, typo_success1, typo_misses) = typo.map_or((0.0, 0.0, Vec::new()), |k| {
        (k.mrr10, k.success1, k.misses.clone())
    });

    let mut latencies = Vec::new();
    for _ in 0..LATENCY_ROUNDS {
        for q in &sets.freetext {
            let t = Instant::now();
            searcher.search(&SearchRequest::text(q))?;
            latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    latencies.sort_by(f64::total_cmp);

    let browse = searcher.search(&SearchRequest {
        per_page: 1,
        ..SearchRequest::default()
    })?;
    let found: BTreeMap<String, u64> = browse.facets[crate::search::Facet::Service]
        .iter()
        .map(|f| (f.value.clone(), f.count))
        .collect();
    let mut service_differences = Vec::new();
    for name in found
        .keys()
        .chain(sets.services.keys())
        .collect::<BTreeSet<_>>()
    {
        let (e, f) = (
            sets.services.get(name).copied().unwrap_or(0),
            found.get(name).copied().unwrap_or(0),
        );
        if e != f {
            service_differences.push((name.clone(), e, f));
        }
    }
    let n = |v: usize| v.max(1) as f64;
    Ok(EvalReport {
        topics: sets.topics.len(),
        topics_exact,
        topic_exact_rate: topics_exact as f64 / n(sets.topics.len()),
        known_items: sets.known_items.len(),
        known_mrr10,
        known_success1,
        typo_items: sets.typo_items.len(),
        typo_mrr10,
        typo_success1,
        freetext_queries: sets.freetext.len(),
        freetext_p50_ms: percentile(&latencies, 0.50),
        freetext_p99_ms: percentile(&latencies, 0.99),
        services_equal: service_differences.is_empty(),
        service_differences,
        known_misses,
        typo_misses,
        topic_mismatches,
        kinds,
    })
}

/// Every path listing `topic`, collected across pages.
pub fn topic_paths(searcher: &Searcher, topic: &str) -> Result<BTreeSet<String>, SearchError> {
    let mut out = BTreeSet::new();
    let mut page = 1;
    loop {
        let resp = searcher.search(&SearchRequest {
            topic: Some(topic.to_owned()),
            page,
            per_page: crate::search::MAX_PER_PAGE,
            ..SearchRequest::default()
        })?;
        out.extend(resp.hits.iter().map(|h| h.path.clone()));
        if resp.hits.is_empty() || page * resp.per_page >= resp.total {
            return Ok(out);
        }
        page += 1;
    }
}

/// The value at quantile `q` of sorted values (nearest rank).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
