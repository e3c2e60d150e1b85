//! The questions the content team asks of the search log and the feedback: what agents
//! searched for and did not find (the gaps), what they search for most, which articles
//! they open, which articles their owners should look at, and how much searching there is.

use serde::{Deserialize, Serialize};

use super::sql::Row;
use super::{Store, StoreError};

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

/// The insights over the `days` days up to `now` (unix seconds); lists hold `limit` rows.
pub(super) fn read(
    store: &Store,
    now: i64,
    days: u32,
    limit: usize,
) -> Result<Insights, StoreError> {
    let since = now - i64::from(days) * 86_400;
    let limit = limit as i64;
    let count = |r: &Row, i: usize| r.int(i).max(0) as u64;
    let queries = |filter: &str| -> Result<Vec<QueryCount>, StoreError> {
        let sql = format!(
            "SELECT q_norm, count(*) AS n FROM searches
             WHERE ts >= ?1 AND q_norm != '' AND {filter}
             GROUP BY q_norm ORDER BY n DESC, q_norm LIMIT ?2"
        );
        Ok(store
            .query(&sql, &[since.into(), limit.into()])?
            .iter()
            .map(|r| QueryCount {
                q: r.text(0),
                count: count(r, 1),
            })
            .collect())
    };
    let zero_results = queries("total = 0")?;
    let no_click = queries("total > 0 AND opened IS NULL")?;
    let top_queries = queries("1 = 1")?;
    let most_opened = store
        .query(
            "SELECT opened, count(*) AS n FROM searches
             WHERE ts >= ?1 AND opened IS NOT NULL
             GROUP BY opened ORDER BY n DESC, opened LIMIT ?2",
            &[since.into(), limit.into()],
        )?
        .iter()
        .map(|r| OpenedArticle {
            path: r.text(0),
            count: count(r, 1),
        })
        .collect();
    let total = |table: &str| -> Result<u64, StoreError> {
        let sql = format!("SELECT count(*) FROM {table} WHERE ts >= ?1");
        Ok(store
            .query(&sql, &[since.into()])?
            .first()
            .map_or(0, |r| count(r, 0)))
    };
    Ok(Insights {
        days,
        searches: total("searches")?,
        feedback: total("feedback")?,
        zero_results,
        no_click,
        top_queries,
        most_opened,
        flagged_by_owner: flagged_by_owner(store, since, limit)?,
        per_day: per_day(store, since, now, days)?,
    })
}

fn flagged_by_owner(store: &Store, since: i64, limit: i64) -> Result<Vec<OwnerFlags>, StoreError> {
    let rows = store.query(
        "SELECT ownership_id, path, max(title),
                sum(CASE WHEN kind = 'outdated' THEN 1 ELSE 0 END),
                sum(CASE WHEN kind = 'wrong' THEN 1 ELSE 0 END),
                sum(CASE WHEN kind = 'missing' THEN 1 ELSE 0 END),
                coalesce((SELECT f2.comment FROM feedback f2
                          WHERE f2.path = f.path AND f2.kind != 'helpful' AND f2.comment != ''
                            AND f2.ts >= ?1
                          ORDER BY f2.ts DESC, f2.id DESC LIMIT 1), '')
         FROM feedback f
         WHERE ts >= ?1 AND kind != 'helpful'
         GROUP BY ownership_id, path",
        &[since.into()],
    )?;
    let mut owners: Vec<OwnerFlags> = Vec::new();
    for r in &rows {
        let owner = r.text(0);
        let article = FlaggedArticle {
            path: r.text(1),
            title: r.text(2),
            outdated: r.int(3).max(0) as u64,
            wrong: r.int(4).max(0) as u64,
            missing: r.int(5).max(0) as u64,
            last_comment: r.text(6),
        };
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

/// Searches per UTC day, every day of the window (quiet days as zeros, so that a chart
/// shows them as gaps).
fn per_day(store: &Store, since: i64, now: i64, days: u32) -> Result<Vec<DayCount>, StoreError> {
    let counts: std::collections::HashMap<i64, u64> = store
        .query(
            "SELECT ts / 86400 AS d, count(*) FROM searches WHERE ts >= ?1 GROUP BY ts / 86400",
            &[since.into()],
        )?
        .iter()
        .map(|r| (r.int(0), r.int(1).max(0) as u64))
        .collect();
    let today = now.div_euclid(86_400);
    Ok((0..i64::from(days))
        .rev()
        .map(|back| {
            let day = today - back;
            DayCount {
                day: crate::history::date(day * 86_400),
                searches: counts.get(&day).copied().unwrap_or(0),
            }
        })
        .collect())
}
