//! The questions the content team asks of the search log and the feedback: what agents
//! searched for and did not find (the gaps), what they search for most, which articles
//! they open, which articles their owners should look at, and how much searching there is.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

/// A query (as grouped: lower-cased, spaces collapsed) and how often it was searched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryCount {
    pub q: String,
    pub count: u64,
}

/// An article and how often a search led to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedArticle {
    pub path: String,
    pub count: u64,
}

/// An article its readers flagged (outdated, wrong or missing something).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlaggedArticle {
    pub path: String,
    pub title: String,
    pub outdated: u64,
    pub wrong: u64,
    pub missing: u64,
    /// The newest comment, if any flag had one.
    pub last_comment: String,
}

/// The flagged articles of one owning team, most flagged first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerFlags {
    /// The `ownershipId`; empty for articles that name no owner.
    pub ownership_id: String,
    pub flags: u64,
    pub articles: Vec<FlaggedArticle>,
}

/// Searches made on one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// `2026-12-02`.
    pub day: String,
    pub searches: u64,
}

/// Everything `/insights` and `kb insights --json` show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Insights {
    /// Over how many days.
    pub days: u32,
    pub searches: u64,
    pub feedback: u64,
    /// Queries that found nothing, most frequent first.
    pub zero_results: Vec<QueryCount>,
    /// Queries that found something but led to no article being opened.
    pub no_click: Vec<QueryCount>,
    pub top_queries: Vec<QueryCount>,
    pub most_opened: Vec<OpenedArticle>,
    /// Owners with flagged articles, most flags first.
    pub flagged_by_owner: Vec<OwnerFlags>,
    /// Every day of the window, oldest first, days without searches included.
    pub per_day: Vec<DayCount>,
}

/// Reads the insights of the rows since `since` (Unix seconds); lists hold `limit` rows.
pub fn read(c: &Connection, since: i64, days: u32, limit: usize) -> rusqlite::Result<Insights> {
    let limit = limit as i64;
    let queries = |filter: &str| -> rusqlite::Result<Vec<QueryCount>> {
        let sql = format!(
            "SELECT q_norm, count(*) AS n FROM searches
             WHERE ts >= ?1 AND q_norm != '' AND {filter}
             GROUP BY q_norm ORDER BY n DESC, q_norm LIMIT ?2"
        );
        let mut st = c.prepare(&sql)?;
        let rows = st.query_map(params![since, limit], |r| {
            Ok(QueryCount {
                q: r.get(0)?,
                count: r.get::<_, i64>(1)? as u64,
            })
        })?;
        rows.collect()
    };
    let zero_results = queries("total = 0")?;
    let no_click = queries("total > 0 AND opened IS NULL")?;
    let top_queries = queries("1")?;

    let mut st = c.prepare(
        "SELECT opened, count(*) AS n FROM searches
         WHERE ts >= ?1 AND opened IS NOT NULL
         GROUP BY opened ORDER BY n DESC, opened LIMIT ?2",
    )?;
    let most_opened = st
        .query_map(params![since, limit], |r| {
            Ok(OpenedArticle {
                path: r.get(0)?,
                count: r.get::<_, i64>(1)? as u64,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;

    let searches: i64 = c.query_row(
        "SELECT count(*) FROM searches WHERE ts >= ?1",
        [since],
        |r| r.get(0),
    )?;
    let feedback: i64 = c.query_row(
        "SELECT count(*) FROM feedback WHERE ts >= ?1",
        [since],
        |r| r.get(0),
    )?;
    Ok(Insights {
        days,
        searches: searches as u64,
        feedback: feedback as u64,
        zero_results,
        no_click,
        top_queries,
        most_opened,
        flagged_by_owner: flagged_by_owner(c, since, limit)?,
        per_day: per_day(c, since, days)?,
    })
}

fn flagged_by_owner(c: &Connection, since: i64, limit: i64) -> rusqlite::Result<Vec<OwnerFlags>> {
    let mut st = c.prepare(
        "SELECT ownership_id, path, max(title),
                sum(kind = 'outdated'), sum(kind = 'wrong'), sum(kind = 'missing'),
                coalesce((SELECT f2.comment FROM feedback f2
                          WHERE f2.path = f.path AND f2.kind != 'helpful' AND f2.comment != ''
                            AND f2.ts >= ?1
                          ORDER BY f2.ts DESC, f2.id DESC LIMIT 1), '')
         FROM feedback f
         WHERE ts >= ?1 AND kind != 'helpful'
         GROUP BY ownership_id, path",
    )?;
    let rows = st.query_map([since], |r| {
        Ok((
            r.get::<_, String>(0)?,
            FlaggedArticle {
                path: r.get(1)?,
                title: r.get(2)?,
                outdated: r.get::<_, i64>(3)? as u64,
                wrong: r.get::<_, i64>(4)? as u64,
                missing: r.get::<_, i64>(5)? as u64,
                last_comment: r.get(6)?,
            },
        ))
    })?;
    let mut owners: Vec<OwnerFlags> = Vec::new();
    for row in rows {
        let (owner, article) = row?;
        let flags = article.outdated + article.wrong + article.missing;
        match owners.iter_mut().find(|o| o.ownership_id == owner) {
            Some(o) => {
                o.flags += flags;
                o.articles.push(article);
            }
            None => owners.push(OwnerFlags {
                ownership_id: owner,
                flags,
                articles: vec![article],
            }),
        }
    }
    let total = |a: &FlaggedArticle| a.outdated + a.wrong + a.missing;
    for o in &mut owners {
        o.articles
            .sort_by(|a, b| total(b).cmp(&total(a)).then_with(|| a.path.cmp(&b.path)));
        o.articles.truncate(limit as usize);
    }
    owners.sort_by(|a, b| {
        b.flags
            .cmp(&a.flags)
            .then_with(|| a.ownership_id.cmp(&b.ownership_id))
    });
    Ok(owners)
}

fn per_day(c: &Connection, since: i64, days: u32) -> rusqlite::Result<Vec<DayCount>> {
    let mut st = c.prepare(
        "SELECT date(ts, 'unixepoch') AS d, count(*) FROM searches
         WHERE ts >= ?1 GROUP BY d",
    )?;
    let counts: std::collections::HashMap<String, u64> = st
        .query_map([since], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
        .collect::<rusqlite::Result<_>>()?;
    // Every day of the window, so that a chart shows quiet days as gaps.
    let mut out = Vec::with_capacity(days as usize);
    let mut st = c.prepare("SELECT date(?1, 'unixepoch', ?2 || ' days')")?;
    for back in (0..days).rev() {
        let now = since + i64::from(days) * 86_400;
        let day: String = st.query_row(params![now, -i64::from(back)], |r| r.get(0))?;
        let searches = counts.get(&day).copied().unwrap_or(0);
        out.push(DayCount { day, searches });
    }
    Ok(out)
}
