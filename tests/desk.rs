//! The agent's desk: feedback posted from an article page (same-origin only), the search log
//! written by the search page (once per intent, with the hit opened next), `/insights` over
//! both, `kb feedback` and `kb insights`, and a server whose store is off.

mod common;

use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, HOST, LOCATION, ORIGIN};
use axum::http::{Request, StatusCode};
use tempfile::TempDir;

use common::run::{kb, run};
use common::sample_articles;
use common::web::{Reply, app_state, get, send};
use selfhelp_kb::history::History;
use selfhelp_kb::index::{Indexer, KbIndex};
use selfhelp_kb::search::{SearchRequest, Sort};
use selfhelp_kb::store::{FeedbackKind, Place, Store};
use selfhelp_kb::web::{AppState, Desk, app};

const KEYVAULT: &str = "microsoft.keyvault.vaults/keyvault-access-denied-403.md";

/// The app over the sample articles, with its store in `data` under the returned folder.
fn desk_app(log_searches: bool) -> (TempDir, Router) {
    let dir = TempDir::new().expect("a temporary folder");
    let state = app_state(&sample_articles(), &dir.path().join("index")).with_desk(Desk::open(
        &Place::Folder(dir.path().join("data")),
        log_searches,
    ));
    (dir, app(state))
}

fn store(dir: &TempDir) -> Store {
    Store::open(&dir.path().join("data")).expect("the store opens")
}

/// A form POST to `/feedback`, as a browser on this site sends it.
fn post_feedback(body: &str, site: Option<&str>, origin: Option<&str>) -> Request<Body> {
    let mut req = Request::post("/feedback")
        .header(HOST, "127.0.0.1:8080")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(site) = site {
        req = req.header("sec-fetch-site", site);
    }
    if let Some(origin) = origin {
        req = req.header(ORIGIN, origin);
    }
    req.body(Body::from(body.to_owned())).expect("a request")
}

fn form(path: &str, kind: &str, comment: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "path={}&kind={}&comment={}",
        enc(path),
        enc(kind),
        enc(comment)
    )
}

#[tokio::test]
async fn feedback_from_the_article_page_is_stored_with_the_articles_owner() {
    let (dir, app) = desk_app(true);
    let page = get(
        &app,
        "/articles/microsoft.keyvault.vaults/keyvault-access-denied-403",
    )
    .await
    .text();
    for label in ["Helpful", "Outdated", "Wrong", "Missing something"] {
        assert!(page.contains(&format!(">{label}</button>")), "{label}");
    }
    assert!(page.contains(&format!("name=\"path\" value=\"{KEYVAULT}\"")));
    assert!(!page.contains("Feedback is off"));

    let comment = "Step 2 names the old <portal> blade, \"Access policies\"";
    let r = send(
        &app,
        post_feedback(
            &form(KEYVAULT, "outdated", comment),
            Some("same-origin"),
            None,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let back = r.header(LOCATION).to_owned();
    assert_eq!(
        back,
        "/articles/microsoft.keyvault.vaults/keyvault-access-denied-403?feedback=outdated#feedback"
    );
    let thanks = get(&app, &back).await.text();
    assert!(thanks.contains("Thank you: sent as “Outdated”"), "{thanks}");

    // Without Sec-Fetch-Site, an Origin naming this host is the same site.
    let r = send(
        &app,
        post_feedback(
            &form(KEYVAULT, "helpful", ""),
            None,
            Some("http://127.0.0.1:8080"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    let rows = store(&dir).feedback().expect("read");
    let got: Vec<(&str, &str, FeedbackKind, &str)> = rows
        .iter()
        .map(|f| {
            (
                f.ownership_id.as_str(),
                f.path.as_str(),
                f.kind,
                f.comment.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("KeyVault_Access", KEYVAULT, FeedbackKind::Outdated, comment),
            ("KeyVault_Access", KEYVAULT, FeedbackKind::Helpful, ""),
        ]
    );

    // The comment is shown escaped on /insights, under the owner.
    let insights = get(&app, "/insights").await.text();
    assert!(insights.contains("KeyVault_Access"), "{insights}");
    assert!(
        insights.contains("Step 2 names the old &#60;portal&#62; blade")
            || insights.contains("Step 2 names the old &lt;portal&gt; blade"),
        "{insights}"
    );
    assert!(!insights.contains("<portal>"));
}

#[tokio::test]
async fn a_post_from_another_site_or_of_no_known_origin_is_refused() {
    let (dir, app) = desk_app(true);
    let body = form(KEYVAULT, "wrong", "forged");
    for (site, origin) in [
        (Some("cross-site"), None),
        (Some("same-site"), None),
        (None, Some("https://evil.example")),
        (None, Some("null")),
        (None, None),
    ] {
        let r = send(&app, post_feedback(&body, site, origin)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{site:?} {origin:?}");
        assert!(
            r.text().contains("only takes posts from this site"),
            "{}",
            r.text()
        );
    }
    assert!(store(&dir).feedback().expect("read").is_empty());
}

#[tokio::test]
async fn bad_feedback_gets_a_4xx_that_says_what_is_allowed() {
    let (dir, app) = desk_app(true);
    let cases = [
        (
            form(KEYVAULT, "great", ""),
            StatusCode::BAD_REQUEST,
            "`kind` must be one of helpful, outdated, wrong, missing",
        ),
        (
            form("no/such.md", "wrong", ""),
            StatusCode::NOT_FOUND,
            "no article at `no/such.md`",
        ),
        (
            form(KEYVAULT, "wrong", &"x".repeat(2001)),
            StatusCode::BAD_REQUEST,
            "longer than 2000 characters",
        ),
        (
            format!("{}&kind=helpful", form(KEYVAULT, "wrong", "")),
            StatusCode::BAD_REQUEST,
            "`kind` is given more than once",
        ),
        (
            "path=%FF&kind=wrong".to_owned(),
            StatusCode::BAD_REQUEST,
            "not valid UTF-8",
        ),
    ];
    for (body, status, message) in cases {
        let r = send(&app, post_feedback(&body, Some("same-origin"), None)).await;
        assert_eq!(r.status, status, "{body}: {}", r.text());
        assert!(r.text().contains(message), "{body}: {}", r.text());
    }
    assert!(store(&dir).feedback().expect("read").is_empty());
}

#[tokio::test]
async fn the_search_page_logs_each_intent_once_and_the_hit_opened_next() {
    let (dir, app) = desk_app(true);
    let page = get(&app, "/search?q=key+vault+access+denied").await.text();
    // Reloading and paging are the same intent.
    get(&app, "/search?q=key+vault+access+denied").await;
    get(&app, "/search?q=key+vault+access+denied&page=2").await;
    get(&app, "/search?q=qqqzzzxx+wwwvvvyy").await;
    // Browsing everything asks for nothing: not logged.
    get(&app, "/search").await;
    // The as-you-type API is not a search intent.
    get(&app, "/api/suggest?q=key").await;
    get(&app, "/api/search?q=vault").await;

    // Every hit links with the logged search's id (askama writes `&` as `&#38;`).
    let marker = "?q=key%20vault%20access%20denied&#38;sid=";
    let start = page
        .find(marker)
        .unwrap_or_else(|| panic!("no hit link with {marker} in {page}"));
    let sid: String = page[start + marker.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(!sid.is_empty());
    let opened = get(
        &app,
        &format!("/articles/microsoft.keyvault.vaults/keyvault-access-denied-403?q=key&sid={sid}"),
    )
    .await;
    assert_eq!(opened.status, StatusCode::OK);

    let i = store(&dir).insights(30, 10).expect("read");
    assert_eq!(i.searches, 2);
    let q = |v: &[selfhelp_kb::store::QueryCount]| -> Vec<(String, u64)> {
        v.iter().map(|c| (c.q.clone(), c.count)).collect()
    };
    assert_eq!(q(&i.zero_results), [("qqqzzzxx wwwvvvyy".to_owned(), 1)]);
    assert!(i.no_click.is_empty(), "{:?}", i.no_click);
    let opened: Vec<(&str, u64)> = i
        .most_opened
        .iter()
        .map(|o| (o.path.as_str(), o.count))
        .collect();
    assert_eq!(opened, [(KEYVAULT, 1)]);

    let insights = get(&app, "/insights").await.text();
    let gaps = &insights[insights.find("id=\"gaps-zero\"").expect("the gaps list")..];
    assert!(gaps.contains("qqqzzzxx wwwvvvyy"), "{insights}");
}

#[tokio::test]
async fn without_the_search_log_nothing_is_logged_but_feedback_works() {
    let (dir, app) = desk_app(false);
    let page = get(&app, "/search?q=vault").await.text();
    assert!(!page.contains("sid="));
    let r = send(
        &app,
        post_feedback(&form(KEYVAULT, "wrong", ""), Some("same-origin"), None),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let i = store(&dir).insights(30, 10).expect("read");
    assert_eq!((i.searches, i.feedback), (0, 1));
    assert!(
        get(&app, "/insights")
            .await
            .text()
            .contains("The search log is off")
    );
}

/// A data folder that cannot hold a database: search and articles work, the feedback
/// buttons are off and say why, and a post gets a 503 that says why.
#[tokio::test]
async fn an_unusable_store_leaves_search_and_articles_working() {
    let dir = TempDir::new().expect("a temporary folder");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::write(data.join("kb.sqlite3"), "not a database ".repeat(100)).expect("write");
    let state = app_state(&sample_articles(), &dir.path().join("index"))
        .with_desk(Desk::open(&Place::Folder(data.clone()), true));
    let app = app(state);
    let search = get(&app, "/search?q=vault").await;
    assert_eq!(search.status, StatusCode::OK);
    assert!(search.text().contains("keyvault-access-denied-403"));
    let page = get(
        &app,
        "/articles/microsoft.keyvault.vaults/keyvault-access-denied-403",
    )
    .await
    .text();
    assert!(page.contains("Feedback is off on this server:"), "{page}");
    assert!(page.contains("kb.sqlite3"), "{page}");
    assert!(page.contains("<fieldset disabled>"), "{page}");
    let r: Reply = send(
        &app,
        post_feedback(&form(KEYVAULT, "wrong", ""), Some("same-origin"), None),
    )
    .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        r.text().contains("Feedback is off on this server"),
        "{}",
        r.text()
    );
    // The insights page says why it has nothing to show.
    let insights = get(&app, "/insights").await;
    assert_eq!(insights.status, StatusCode::OK);
    assert!(
        insights
            .text()
            .contains("The insights page is off on this server:"),
        "{}",
        insights.text()
    );
    assert!(!insights.text().contains("gaps-zero"));
}

fn seeded_store(data: &Path) {
    let s = Store::open(data).expect("the store opens");
    for (path, owner, kind, comment) in [
        (
            "b.md",
            "Team_B",
            FeedbackKind::Wrong,
            "says \"restart\", then, a comma",
        ),
        (
            "a.md",
            "Team_A",
            FeedbackKind::Missing,
            "line one\nline two",
        ),
    ] {
        s.add_feedback(&selfhelp_kb::store::NewFeedback {
            path: path.to_owned(),
            article_id: String::new(),
            title: format!("T {path}"),
            ownership_id: owner.to_owned(),
            kind,
            comment: comment.to_owned(),
        })
        .expect("stored");
    }
    s.log_search(&selfhelp_kb::store::SearchEntry {
        q: "Nothing Found".to_owned(),
        filters: String::new(),
        total: 0,
        relaxed: false,
    })
    .expect("logged");
}

#[test]
fn kb_feedback_exports_by_owner_as_csv_and_jsonl_and_kb_insights_agrees() {
    let dir = TempDir::new().expect("a temporary folder");
    let data = dir.path().join("data");
    seeded_store(&data);
    let csv = run(
        kb().args(["feedback", "--format", "csv", "--data"])
            .arg(&data),
        "kb feedback",
    );
    assert!(csv.status.success(), "{}", csv.stderr);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "id,time,ownership_id,path,article_id,title,kind,comment"
    );
    assert!(
        lines[1].contains(",Team_A,a.md,,T a.md,missing,\"line one"),
        "{}",
        csv.stdout
    );
    assert!(
        csv.stdout
            .contains(",Team_B,b.md,,T b.md,wrong,\"says \"\"restart\"\", then, a comma\"\n"),
        "{}",
        csv.stdout
    );

    let jsonl = run(
        kb().args(["feedback", "--format", "jsonl", "--data"])
            .arg(&data),
        "kb feedback",
    );
    let rows: Vec<serde_json::Value> = jsonl
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let owners: Vec<&str> = rows
        .iter()
        .map(|r| r["ownership_id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(owners, ["Team_A", "Team_B"]);
    assert_eq!(rows[1]["kind"], "wrong");

    let insights = run(
        kb().args(["insights", "--json", "--data"]).arg(&data),
        "kb insights",
    );
    assert!(insights.status.success(), "{}", insights.stderr);
    let v: serde_json::Value = serde_json::from_str(&insights.stdout).expect("json");
    assert_eq!(v["searches"], 1);
    assert_eq!(v["feedback"], 2);
    assert_eq!(v["zero_results"][0]["q"], "nothing found");
    assert_eq!(v["flagged_by_owner"][0]["ownership_id"], "Team_A");
    assert_eq!(v["flagged_by_owner"][1]["articles"][0]["wrong"], 1);
}

fn git(dir: &Path, args: &[&str], date: &str) {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Ada Writer")
        .env("GIT_AUTHOR_EMAIL", "ada@example.test")
        .env("GIT_COMMITTER_NAME", "Ada Writer")
        .env("GIT_COMMITTER_EMAIL", "ada@example.test")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Articles in a git work tree: the page says when, by whom and why an article last
/// changed, marks an old one stale, and its history page lists each commit with its diff.
#[tokio::test]
async fn article_pages_show_their_last_change_and_history_from_git() {
    let dir = TempDir::new().expect("a temporary folder");
    let repo = dir.path().join("repo");
    let root = repo.join("articles");
    common::articles::copy_tree(&sample_articles(), &root);
    git(&repo, &["init", "-q"], "2020-01-01T00:00:00Z");
    git(&repo, &["add", "."], "2020-01-01T00:00:00Z");
    git(
        &repo,
        &["commit", "-q", "-m", "Add the articles"],
        "2020-01-02T10:00:00Z",
    );
    let rca = root.join("microsoft.compute.virtualmachines/vm-rca-host-reboot.md");
    let text = std::fs::read_to_string(&rca).expect("read");
    std::fs::write(&rca, text.replace("Host Node Recovery", "Host Node Repair")).expect("write");
    git(
        &repo,
        &["commit", "-q", "-am", "Say repair, not recovery"],
        "2021-06-15T09:30:00Z",
    );

    let state = app_state(&root, &dir.path().join("index")).with_history(
        std::sync::Arc::new(selfhelp_kb::web::freshness::History::open(&root, None)),
        365,
    );
    let app = app(state);
    let page = get(
        &app,
        "/articles/microsoft.compute.virtualmachines/vm-rca-host-reboot",
    )
    .await
    .text();
    assert!(page.contains(">Stale</span>"), "{page}");
    assert!(
        page.contains(
            "(<time>2021-06-15</time>) by Ada Writer: “Say repair, not recovery” · 2 commits"
        ),
        "{page}"
    );
    assert!(page.contains(
        "href=\"/articles/microsoft.compute.virtualmachines/vm-rca-host-reboot/history\""
    ));

    let history = get(
        &app,
        "/articles/microsoft.compute.virtualmachines/vm-rca-host-reboot/history",
    )
    .await;
    assert_eq!(history.status, StatusCode::OK);
    let h = history.text();
    let subjects: Vec<&str> = h
        .match_indices("<p class=\"history__subject\">")
        .map(|(i, m)| {
            let rest = &h[i + m.len()..];
            &rest[..rest.find("</p>").expect("closed")]
        })
        .collect();
    assert_eq!(subjects, ["Say repair, not recovery", "Add the articles"]);
    assert!(h.contains("<span class=\"history__date\">2021-06-15</span> <span class=\"history__author\">Ada Writer</span>"), "{h}");
    assert!(h.contains("<span class=\"diff__del\">-	pageTitle=&#34;Unexpected VM Restart RCA - Host Node Recovery&#34;</span>")
        || h.contains("<span class=\"diff__del\">-\tpageTitle=&quot;Unexpected VM Restart RCA - Host Node Recovery&quot;</span>"), "{h}");
    assert!(h.contains("2 commits changed this article"), "{h}");
    // An article named `history` is still an article; a history of nothing is a 404.
    assert_eq!(
        get(&app, "/articles/no/such/history").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn without_git_the_files_modification_time_stands_in() {
    let (_dir, app) = desk_app(true);
    let page = get(
        &app,
        "/articles/microsoft.keyvault.vaults/keyvault-access-denied-403",
    )
    .await
    .text();
    assert!(page.contains("File modified "), "{page}");
    let h = get(
        &app,
        "/articles/microsoft.keyvault.vaults/keyvault-access-denied-403/history",
    )
    .await
    .text();
    assert!(h.contains("not in a git work tree"), "{h}");
}

/// `YYYY-MM-DD` and the calendar bucket of a unix time, computed here from the calendar so
/// that the test does not take the search's own bucketing as its oracle.
fn day_and_bucket(secs: i64, now: i64) -> (String, &'static str) {
    let at = time::OffsetDateTime::from_unix_timestamp(secs).expect("a time");
    let today = time::OffsetDateTime::from_unix_timestamp(now).expect("a time");
    let bucket = if at.year() != today.year() {
        "older"
    } else if at.month() != today.month() {
        "this-year"
    } else {
        "this-month"
    };
    (at.date().to_string(), bucket)
}

/// Three articles committed at chosen times: long ago, early this year, and a minute ago.
/// Returns the work tree's articles folder and each path with its commit time.
fn dated_repo(dir: &Path) -> (std::path::PathBuf, Vec<(&'static str, i64)>) {
    let repo = dir.join("repo");
    let root = repo.join("articles");
    std::fs::create_dir_all(&root).expect("a folder");
    let now = time::OffsetDateTime::now_utc();
    let new_year = time::Date::from_calendar_date(now.year(), time::Month::January, 1)
        .expect("a date")
        .with_hms(0, 0, 30)
        .expect("a time")
        .assume_utc();
    let dated = vec![
        ("old.md", 1_553_000_000), // 2019-03-19
        ("early.md", new_year.unix_timestamp()),
        ("recent.md", now.unix_timestamp() - 60),
    ];
    git(&repo, &["init", "-q"], "@1500000000 +0000");
    for (i, (path, at)) in dated.iter().enumerate() {
        let title = format!("Dated article {i}");
        let text = common::articles::article_source(&title, &format!("dated-{i}"), "Body.");
        common::articles::write_file(&root, path, &text);
        let date = format!("@{at} +0000");
        git(&repo, &["add", "."], &date);
        git(
            &repo,
            &["commit", "-q", "-m", &format!("Add {path}")],
            &date,
        );
    }
    (root, dated)
}

/// The app over `root`, its index taking each article's last change from `history`.
fn dated_app(root: &Path, index: &Path, history: Option<std::sync::Arc<History>>) -> Router {
    let mut indexer = Indexer::open(index).expect("the index opens");
    if let Some(h) = &history {
        indexer.set_history(h.clone());
    }
    common::index::sync(&mut indexer, root, false);
    let reader = KbIndex::from_index(indexer.index().clone(), index).expect("a reader");
    indexer.finish().expect("the writer finishes");
    let state = AppState::new(reader, root);
    let state = match history {
        Some(h) => state.with_history(h, 365),
        None => state,
    };
    app(state)
}

fn api_paths(v: &serde_json::Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["path"].as_str().expect("a path").to_owned())
        .collect()
}

/// Sorted by `updated`, newest first, each hit with the date of its commit; the age facet
/// counts each calendar bucket and filters by it, from the API, the query text and the
/// search page's sidebar.
#[tokio::test]
async fn search_sorts_by_last_commit_and_counts_and_filters_age_buckets() {
    let dir = TempDir::new().expect("a temporary folder");
    let (root, dated) = dated_repo(dir.path());
    let history = std::sync::Arc::new(History::open(&root, None));
    let app = dated_app(&root, &dir.path().join("index"), Some(history));
    let now = time::OffsetDateTime::now_utc().unix_timestamp();

    let mut newest_first = dated.clone();
    newest_first.sort_by_key(|(_, t)| std::cmp::Reverse(*t));
    let v = get(&app, "/api/search?sort=updated").await.json();
    assert_eq!(
        api_paths(&v),
        newest_first
            .iter()
            .map(|(p, _)| p.to_string())
            .collect::<Vec<_>>()
    );
    for (hit, (_, at)) in v["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .zip(&newest_first)
    {
        assert_eq!(hit["updated"], day_and_bucket(*at, now).0, "{hit}");
    }

    let mut expected: std::collections::BTreeMap<&str, u64> = Default::default();
    for (_, at) in &dated {
        *expected.entry(day_and_bucket(*at, now).1).or_default() += 1;
    }
    let counts: std::collections::BTreeMap<&str, u64> = v["facets"]["age"]
        .as_array()
        .expect("age counts")
        .iter()
        .map(|c| {
            (
                c["value"].as_str().expect("a value"),
                c["count"].as_u64().expect("a count"),
            )
        })
        .collect();
    assert_eq!(counts, expected);

    let older = get(&app, "/api/search?age=older").await.json();
    assert_eq!(api_paths(&older), ["old.md"]);
    let typed = get(&app, "/api/search?q=age:older").await.json();
    assert_eq!(api_paths(&typed), ["old.md"]);
    let recent = get(&app, "/api/search?age=this-month&sort=updated")
        .await
        .json();
    assert_eq!(api_paths(&recent)[0], "recent.md");
    let bad = get(&app, "/api/search?sort=newest").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let page = get(&app, "/search?q=dated&sort=updated").await.text();
    assert!(page.contains("Last changed"), "{page}");
    assert!(page.contains("This month"), "{page}");
    let recent_day = day_and_bucket(now - 60, now).0;
    assert!(
        page.contains(&format!(
            "changed <time datetime=\"{recent_day}\">{recent_day}</time>"
        )),
        "{page}"
    );
}

/// The last change is part of what incremental indexing compares: an index built from the
/// files' times takes git's dates on the next sync (every article added again), then a
/// commit re-adds only the article it changed, and an unchanged repository nothing.
#[test]
fn a_new_commit_or_a_new_source_of_dates_re_adds_only_the_articles_it_dates() {
    let dir = TempDir::new().expect("a temporary folder");
    let (root, dated) = dated_repo(dir.path());
    let index = dir.path().join("index");
    let mut indexer = Indexer::open(&index).expect("the index opens");
    let first = common::index::sync(&mut indexer, &root, false);
    assert_eq!((first.added, first.updated), (3, 0));

    let history = std::sync::Arc::new(History::open(&root, None));
    indexer.set_history(history.clone());
    let dated_now = common::index::sync(&mut indexer, &root, false);
    assert_eq!((dated_now.updated, dated_now.unchanged), (3, 0));
    let again = common::index::sync(&mut indexer, &root, false);
    assert_eq!((again.updated, again.unchanged), (0, 3));

    let old = root.join("old.md");
    let text = std::fs::read_to_string(&old).expect("read");
    std::fs::write(&old, text.replace("Body.", "Body, edited.")).expect("write");
    let repo = root.parent().expect("the work tree");
    let at = dated.iter().map(|(_, t)| *t).max().unwrap_or_default() + 1;
    git(
        repo,
        &["commit", "-q", "-am", "Edit the old one"],
        &format!("@{at} +0000"),
    );
    history.refresh();
    let edited = common::index::sync(&mut indexer, &root, false);
    assert_eq!((edited.updated, edited.unchanged), (1, 2));
    indexer.finish().expect("the writer finishes");

    let searcher = common::index::open_searcher(&index);
    let resp = common::index::search(
        &searcher,
        &SearchRequest {
            sort: Sort::Updated,
            ..SearchRequest::default()
        },
    );
    assert_eq!(resp.hits[0].path, "old.md");
    assert_eq!(
        resp.hits[0].updated.as_deref(),
        Some(
            time::OffsetDateTime::from_unix_timestamp(at)
                .expect("a time")
                .date()
                .to_string()
                .as_str()
        )
    );
}

/// Outside git, the files' modification times order `updated`.
#[test]
fn without_git_sort_updated_follows_the_files_times() {
    let dir = TempDir::new().expect("a temporary folder");
    let root = dir.path().join("articles");
    let times = [
        ("b.md", 1_600_000_000u64),
        ("a.md", 1_700_000_000),
        ("c.md", 1_500_000_000),
    ];
    for (i, (path, secs)) in times.iter().enumerate() {
        let text =
            common::articles::article_source(&format!("Undated {i}"), &format!("u{i}"), "Body.");
        common::articles::write_file(&root, path, &text);
        let file = std::fs::File::options()
            .write(true)
            .open(root.join(path))
            .expect("open");
        file.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(*secs))
            .expect("set the time");
    }
    let index = dir.path().join("index");
    common::index::build_index(&root, &index);
    let resp = common::index::search(
        &common::index::open_searcher(&index),
        &SearchRequest {
            sort: Sort::Updated,
            ..SearchRequest::default()
        },
    );
    assert_eq!(common::index::paths(&resp), ["a.md", "b.md", "c.md"]);
    assert_eq!(resp.hits[0].updated.as_deref(), Some("2023-11-14"));
}

/// Everything the process logs, from the first test that asks (one subscriber per process).
fn captured_log() -> &'static std::sync::Arc<std::sync::Mutex<Vec<u8>>> {
    static LOG: std::sync::OnceLock<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> =
        std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        buffer
    })
}

struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_customers_address_in_a_search_is_kept_only_as_placeholders() {
    let log = captured_log();
    let (dir, app) = desk_app(true);
    let typed = "jane.doe@contoso.com cannot login from 10.1.2.3";
    let personal = ["jane.doe", "contoso.com", "10.1.2.3"];
    let q = url::form_urlencoded::byte_serialize(typed.as_bytes()).collect::<String>();
    let results = get(&app, &format!("/search?q={q}")).await;
    assert_eq!(results.status, StatusCode::OK);
    // The agent's own page shows what they typed; nothing else keeps it.
    assert!(results.text().contains("jane.doe@contoso.com"));
    let r = send(
        &app,
        post_feedback(
            &form(
                KEYVAULT,
                "wrong",
                "customer jane.doe@contoso.com, call +1 425 555 0100",
            ),
            Some("same-origin"),
            None,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let export = store(&dir).export().expect("the export");
    let queries: Vec<&str> = export.searches.iter().map(|s| s.q.as_str()).collect();
    assert_eq!(queries, ["‹email› cannot login from ‹ip›"]);
    let comments: Vec<&str> = export.feedback.iter().map(|f| f.comment.as_str()).collect();
    assert_eq!(comments, ["customer ‹email›, call ‹phone›"]);

    let insights = get(&app, "/insights").await.text();
    assert!(
        insights.contains("‹email› cannot login from ‹ip›"),
        "{insights}"
    );
    // Every file of the data folder (the database, its WAL and shared memory), byte by byte.
    for entry in std::fs::read_dir(dir.path().join("data")).expect("the data folder") {
        let file = entry.expect("an entry").path();
        let bytes = std::fs::read(&file).expect("readable");
        let text = String::from_utf8_lossy(&bytes);
        for p in personal {
            assert!(!text.contains(p), "{p} in {}", file.display());
        }
    }
    let cli = run(
        kb().args(["data", "export", "--data"])
            .arg(dir.path().join("data")),
        "kb data export",
    );
    cli.assert_success("kb data export");
    assert!(
        cli.stdout.contains("‹email› cannot login from ‹ip›"),
        "{}",
        cli.stdout
    );
    let log = String::from_utf8_lossy(&log.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    // The request log names the path (so the capture works), never the query.
    assert!(log.contains("path=/search"), "{log}");
    for (what, text) in [
        ("insights", &insights),
        ("export", &cli.stdout),
        ("log", &log),
    ] {
        for p in personal {
            assert!(!text.contains(p), "{p} in the {what}");
        }
    }
}

#[test]
fn kb_data_purge_deletes_what_is_older_and_export_shows_the_rest() {
    let dir = TempDir::new().expect("a temporary folder");
    let data = dir.path().join("data");
    seeded_store(&data);
    let export = |what: &str| -> serde_json::Value {
        let out = run(kb().args(["data", "export", "--data"]).arg(&data), what);
        out.assert_success(what);
        serde_json::from_str(&out.stdout).expect("JSON")
    };
    let before = export("kb data export");
    assert_eq!(before["feedback"].as_array().map(Vec::len), Some(2));
    assert_eq!(before["searches"][0]["q"], "Nothing Found");
    // Nothing was stored before 2000: nothing goes.
    let kept = run(
        kb().args([
            "data",
            "purge",
            "--json",
            "--before",
            "2000-01-01",
            "--data",
        ])
        .arg(&data),
        "kb data purge --before",
    );
    kept.assert_success("kb data purge --before");
    let kept: serde_json::Value = serde_json::from_str(&kept.stdout).expect("JSON");
    assert_eq!(kept, serde_json::json!({"searches": 0, "feedback": 0}));
    let bad = run(
        kb().args(["data", "purge", "--before", "01/02/2026", "--data"])
            .arg(&data),
        "kb data purge, a bad day",
    );
    assert!(!bad.status.success());
    assert!(bad.stderr.contains("2026-01-31"), "{}", bad.stderr);
    let all = run(
        kb().args(["data", "purge", "--json", "--data"]).arg(&data),
        "kb data purge",
    );
    all.assert_success("kb data purge");
    let all: serde_json::Value = serde_json::from_str(&all.stdout).expect("JSON");
    assert_eq!(all, serde_json::json!({"searches": 1, "feedback": 2}));
    assert_eq!(
        export("kb data export, after"),
        serde_json::json!({"feedback": [], "searches": []})
    );
}
