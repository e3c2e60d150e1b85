//! The baseline: the same corpus in SQLite FTS5, set up as a competent engineer would, doing
//! the same work as our queries.
//!
//! Layout:
//! - `articles`: one row per article. The short facet columns come first, so that reading a
//!   matched row's facets never touches the overflow pages that hold its body.
//! - `fts`: FTS5 over title, description, headings and body, `porter unicode61`, as an
//!   **external-content** table (`content='articles'`): FTS5 keeps only the inverted index
//!   and reads the text from `articles` for `snippet()`, so the text is stored once.
//!   Contentless would be smaller still but cannot produce snippets. `rank` is configured as
//!   `bm25(10, 5, 2, 1)` (title highest).
//! - `topics`, `tags`, `clouds`: `WITHOUT ROWID` tables whose primary key is the index the
//!   lookups need (topic -> articles, article -> tags / clouds).
//!
//! The build is one transaction with prepared statements, `journal_mode=OFF` (a fresh file
//! that is thrown away if the build fails), `synchronous=NORMAL` (the commit is durable, as
//! tantivy's is), a 128 MB page cache (our writer's budget) and a final FTS5 `optimize`
//! (the counterpart of our segment merge).
//!
//! The build runs in a child process (this example started again with `--fts5-child`) so
//! its peak RSS is measurable. The child parses the corpus with our parser first (in
//! parallel, as `kb index` does); only the SQLite part (inserts, FTS build, optimize,
//! commit) is timed as the build, the parse is reported on its own.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;
use rusqlite::{Connection, OptionalExtension, params};
use selfhelp_kb::Article;
use selfhelp_kb::search::syntax;
use serde::{Deserialize, Serialize};

/// What the child reports on its standard output (one JSON line).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChildReport {
    pub articles: usize,
    pub parse_seconds: f64,
    pub build_seconds: f64,
}

const SCHEMA: &str = "
PRAGMA journal_mode = OFF;
PRAGMA synchronous = NORMAL;
PRAGMA cache_size = -131072;
PRAGMA temp_store = MEMORY;
CREATE TABLE articles (
    rowid INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    article_id TEXT NOT NULL,
    service TEXT NOT NULL,
    resource TEXT NOT NULL,
    type TEXT NOT NULL,
    scenario TEXT NOT NULL,
    display_order INTEGER,
    tags TEXT NOT NULL,
    clouds TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    headings TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE topics (
    topic_id TEXT NOT NULL,
    article_rowid INTEGER NOT NULL,
    PRIMARY KEY (topic_id, article_rowid)
) WITHOUT ROWID;
CREATE TABLE tags (
    article_rowid INTEGER NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (article_rowid, tag)
) WITHOUT ROWID;
CREATE TABLE clouds (
    article_rowid INTEGER NOT NULL,
    cloud TEXT NOT NULL,
    PRIMARY KEY (article_rowid, cloud)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5(
    title, description, headings, body,
    content = 'articles', content_rowid = 'rowid',
    tokenize = 'porter unicode61'
);
";

/// What the database keeps of an article.
struct Row {
    path: String,
    article_id: String,
    service: String,
    resource: String,
    r#type: String,
    scenario: String,
    display_order: Option<i64>,
    tags: Vec<String>,
    clouds: Vec<String>,
    topics: Vec<String>,
    title: String,
    description: String,
    headings: String,
    body: String,
}

impl From<Article> for Row {
    fn from(a: Article) -> Row {
        Row {
            path: a.path,
            article_id: a.properties.article_id,
            service: a.properties.service,
            resource: a.properties.resource,
            r#type: a.properties.self_help_type,
            // Lower-cased as our index does, so both count the same facet values.
            scenario: a.properties.diagnostic_scenario.to_lowercase(),
            display_order: a.properties.display_order,
            tags: a.properties.resource_tags,
            clouds: a.properties.cloud_environments,
            topics: a
                .properties
                .support_topic_ids
                .iter()
                .map(|t| t.to_lowercase())
                .collect(),
            title: a.title,
            description: a.properties.description,
            headings: a
                .headings
                .iter()
                .map(|h| h.text.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            // The same plain text our index searches as `body`.
            body: a.text,
        }
    }
}

/// The child's entry point: parse, build, report.
///
/// The parse is `selfhelp_kb::corpus::load` minus its duplicate-id check, with each article
/// turned into its row as soon as it is read: holding every parsed `Article` (source,
/// sections, tokens, payload) at once would inflate the child's peak RSS with memory the
/// baseline does not need, and `kb index` does not hold them either.
pub fn child_main(articles: &Path, db: &Path) -> Result<()> {
    let started = Instant::now();
    let (files, _) = selfhelp_kb::corpus::list(articles)?;
    let rows: Vec<Row> = files
        .par_iter()
        .filter_map(|f| selfhelp_kb::corpus::read_one(f).ok())
        .map(Row::from)
        .collect();
    let parse_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    build(&rows, db)?;
    let report = ChildReport {
        articles: rows.len(),
        parse_seconds,
        build_seconds: started.elapsed().as_secs_f64(),
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

fn build(rows: &[Row], db: &Path) -> Result<()> {
    if db.exists() {
        std::fs::remove_file(db).with_context(|| format!("removing {}", db.display()))?;
    }
    let mut conn = Connection::open(db).with_context(|| format!("creating {}", db.display()))?;
    conn.execute_batch(SCHEMA).context("creating the schema")?;
    let tx = conn.transaction()?;
    {
        let mut article = tx.prepare(
            "INSERT INTO articles (rowid, path, article_id, service, resource, type, scenario,
                 display_order, tags, clouds, title, description, headings, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?;
        let mut fts = tx.prepare(
            "INSERT INTO fts (rowid, title, description, headings, body)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut topic = tx.prepare("INSERT OR IGNORE INTO topics VALUES (?1, ?2)")?;
        let mut tag = tx.prepare("INSERT OR IGNORE INTO tags VALUES (?1, ?2)")?;
        let mut cloud = tx.prepare("INSERT OR IGNORE INTO clouds VALUES (?1, ?2)")?;
        for (i, r) in rows.iter().enumerate() {
            let id = i as i64 + 1;
            article.execute(params![
                id,
                r.path,
                r.article_id,
                r.service,
                r.resource,
                r.r#type,
                r.scenario,
                r.display_order,
                r.tags.join(","),
                r.clouds.join(","),
                r.title,
                r.description,
                r.headings,
                r.body
            ])?;
            fts.execute(params![id, r.title, r.description, r.headings, r.body])?;
            for t in &r.topics {
                topic.execute(params![t, id])?;
            }
            for t in &r.tags {
                tag.execute(params![id, t])?;
            }
            for c in &r.clouds {
                cloud.execute(params![id, c])?;
            }
        }
    }
    tx.execute_batch(
        "INSERT INTO fts (fts) VALUES ('optimize');
         INSERT INTO fts (fts, rank) VALUES ('rank', 'bm25(10.0, 5.0, 2.0, 1.0)');",
    )?;
    tx.commit().context("committing")?;
    Ok(())
}

/// The six facet counts and the total over a matched set `m(id, service, resource, type,
/// scenario)`, in one statement: the set is materialized once and grouped six ways.
fn facet_sql(matched: &str) -> String {
    format!(
        "WITH m AS MATERIALIZED ({matched})
         SELECT 0, NULL, count(*) FROM m
         UNION ALL SELECT 1, service, count(*) FROM m WHERE service <> '' GROUP BY service
         UNION ALL SELECT 2, service || '/' || resource, count(*) FROM m WHERE resource <> ''
             GROUP BY service, resource
         UNION ALL SELECT 3, t.tag, count(*) FROM m JOIN tags t ON t.article_rowid = m.id
             GROUP BY t.tag
         UNION ALL SELECT 4, type, count(*) FROM m WHERE type <> '' GROUP BY type
         UNION ALL SELECT 5, c.cloud, count(*) FROM m JOIN clouds c ON c.article_rowid = m.id
             GROUP BY c.cloud
         UNION ALL SELECT 6, scenario, count(*) FROM m WHERE scenario <> '' GROUP BY scenario"
    )
}

/// One result, as ours returns it (path, title, description, facet values, snippet).
#[derive(Debug, Clone)]
#[expect(
    dead_code,
    reason = "fetched to do the work our search does; the benchmark compares only paths"
)]
pub struct Hit {
    pub path: String,
    pub title: String,
    pub description: String,
    pub service: String,
    pub resource: String,
    pub r#type: String,
    pub snippet: String,
}

/// The answer to a query: top hits, total and six facet counts sorted by count.
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub total: u64,
    pub hits: Vec<Hit>,
    pub facets: [Vec<(String, u64)>; 6],
    pub relaxed: bool,
}

/// An open baseline database.
pub struct Fts5 {
    conn: Connection,
}

impl Fts5 {
    pub fn open(db: &Path) -> Result<Fts5> {
        let conn = Connection::open(db).with_context(|| format!("opening {}", db.display()))?;
        conn.execute_batch("PRAGMA cache_size = -65536;")?;
        Ok(Fts5 { conn })
    }

    /// Free text: top 10 with a snippet of the body, total and the six facet counts. Every
    /// word is required (each quoted, so that no word is read as FTS5 syntax); when nothing
    /// has them all, any word will do, which is what our search does too.
    pub fn text(&self, q: &str) -> Result<Response> {
        let terms = match_terms(q);
        if terms.is_empty() {
            return Ok(Response::default());
        }
        let mut resp = self.run_match(&terms.join(" "))?;
        if resp.total == 0 && terms.len() > 1 {
            resp = self.run_match(&terms.join(" OR "))?;
            resp.relaxed = resp.total > 0;
        }
        Ok(resp)
    }

    fn run_match(&self, expr: &str) -> Result<Response> {
        let mut resp = self.facets(
            &facet_sql(
                "SELECT a.rowid AS id, a.service, a.resource, a.type, a.scenario
                 FROM fts JOIN articles a ON a.rowid = fts.rowid WHERE fts MATCH ?1",
            ),
            expr,
        )?;
        if resp.total == 0 {
            return Ok(resp);
        }
        // The ten best first, then a snippet for those ten only: snippet() in the ranking
        // query would be computed for every match before the sort.
        let mut top = self
            .conn
            .prepare_cached("SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT 10")?;
        let ids: Vec<i64> = top
            .query_map([expr], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut detail = self.conn.prepare_cached(
            "SELECT a.path, a.title, a.description, a.service, a.resource, a.type,
                    snippet(fts, 3, '<mark>', '</mark>', '…', 24)
             FROM fts JOIN articles a ON a.rowid = fts.rowid
             WHERE fts MATCH ?1 AND fts.rowid = ?2",
        )?;
        for id in ids {
            let hit = detail
                .query_row(params![expr, id], |r| {
                    Ok(Hit {
                        path: r.get(0)?,
                        title: r.get(1)?,
                        description: r.get(2)?,
                        service: r.get(3)?,
                        resource: r.get(4)?,
                        r#type: r.get(5)?,
                        snippet: r.get(6)?,
                    })
                })
                .optional()?;
            resp.hits.extend(hit);
        }
        Ok(resp)
    }

    /// Topic lookup: every article listing the topic (first 100 by displayOrder, then title,
    /// as ours orders a browse), total and the six facet counts.
    pub fn topic(&self, topic: &str) -> Result<Response> {
        let topic = topic.trim().to_lowercase();
        let mut resp = self.facets(
            &facet_sql(
                "SELECT a.rowid AS id, a.service, a.resource, a.type, a.scenario
                 FROM topics t JOIN articles a ON a.rowid = t.article_rowid
                 WHERE t.topic_id = ?1",
            ),
            &topic,
        )?;
        let mut list = self.conn.prepare_cached(
            "SELECT a.path, a.title, a.description, a.service, a.resource, a.type
             FROM topics t JOIN articles a ON a.rowid = t.article_rowid
             WHERE t.topic_id = ?1
             ORDER BY a.display_order IS NULL, a.display_order, lower(a.title), a.path
             LIMIT 100",
        )?;
        resp.hits = list
            .query_map([&topic], |r| {
                Ok(Hit {
                    path: r.get(0)?,
                    title: r.get(1)?,
                    description: r.get(2)?,
                    service: r.get(3)?,
                    resource: r.get(4)?,
                    r#type: r.get(5)?,
                    snippet: String::new(),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(resp)
    }

    fn facets(&self, sql: &str, param: &str) -> Result<Response> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut resp = Response::default();
        let mut rows = stmt.query([param])?;
        while let Some(r) = rows.next()? {
            let slot: i64 = r.get(0)?;
            // count(*) is never negative.
            let count = r.get::<_, i64>(2)?.max(0) as u64;
            match slot {
                0 => resp.total = count,
                s @ 1..=6 => resp.facets[s as usize - 1].push((r.get(1)?, count)),
                _ => {}
            }
        }
        for f in &mut resp.facets {
            f.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        }
        Ok(resp)
    }
}

/// The query's words and phrases as quoted FTS5 strings. Words are split by our own query
/// parser so both systems see the same words; words with no letter or digit are dropped (an
/// empty FTS5 string would make the whole AND match nothing).
fn match_terms(q: &str) -> Vec<String> {
    let parsed = syntax::parse(q);
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    parsed
        .words
        .iter()
        .map(String::as_str)
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(quote)
        .chain(
            parsed
                .phrases
                .iter()
                .map(|p| p.join(" "))
                .filter(|p| p.chars().any(char::is_alphanumeric))
                .map(|p| quote(&p)),
        )
        .collect()
}
