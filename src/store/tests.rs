//! The store's tests. Those of [`suite!`] run against every engine: SQLite always, and
//! PostgreSQL with the `postgres-tests` feature, on the server that `KB_POSTGRES_URL` names
//! (each test creates a database of its own there). Without that variable the PostgreSQL
//! tests fail and say so: they never pass without a server.

use rusqlite::Connection;

use super::*;

/// Runs each named test function (`fn(&Store)`) once per engine.
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        $(mod $name {
            #[test]
            fn sqlite() {
                let (_dir, s) = super::sqlite();
                super::$name(&s);
            }

            #[cfg(feature = "postgres-tests")]
            #[test]
            fn postgres() {
                super::$name(&super::postgres());
            }
        })*
    };
}

suite!(
    feedback_is_exported_grouped_by_owner_then_article,
    a_long_comment_is_cut_at_a_character_not_a_byte,
    the_same_search_again_within_the_window_is_one_intent,
    insights_list_gaps_top_queries_and_opened_articles,
    flagged_articles_are_grouped_by_owner_most_flagged_first,
    purging_deletes_what_is_older_and_keeps_the_rest,
    retention_deletes_old_searches_and_old_feedback_on_their_own_windows,
    the_export_holds_everything_stored,
    personal_data_is_never_stored,
);

fn sqlite() -> (tempfile::TempDir, Store) {
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    let store = Store::open(&dir.path().join("data")).expect("a new store");
    (dir, store)
}

/// The server the PostgreSQL tests run on.
#[cfg(feature = "postgres-tests")]
fn server() -> String {
    std::env::var("KB_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "KB_POSTGRES_URL is not set: the postgres-tests feature needs a PostgreSQL server \
             it may create databases on (postgres://user@127.0.0.1:port/postgres); .ci/run \
             starts one"
        )
    })
}

/// A new database of its own, for one test.
#[cfg(feature = "postgres-tests")]
fn scratch_name() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "kb_unit_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(feature = "postgres-tests")]
fn postgres() -> Store {
    postgres_at().1
}

/// A store on a scratch database, and that database's URL.
#[cfg(feature = "postgres-tests")]
fn postgres_at() -> (String, Store) {
    let url = postgres::create_database(&server(), &scratch_name()).expect("a scratch database");
    let store = Store::connect(&url).expect("the store");
    store.available().expect("the server answers");
    (url, store)
}

#[cfg(feature = "postgres-tests")]
#[test]
fn servers_starting_at_once_migrate_once() {
    let url = postgres::create_database(&server(), &scratch_name()).expect("a scratch database");
    let stores: Vec<Store> = std::thread::scope(|scope| {
        let started: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| Store::connect(&url).expect("the store")))
            .collect();
        started
            .into_iter()
            .map(|h| h.join().expect("a starter"))
            .collect()
    });
    for s in &stores {
        s.available().expect("the server answers");
    }
    let versions: Vec<i64> = stores[0]
        .query("SELECT version FROM kb_schema ORDER BY version", &[])
        .expect("read")
        .iter()
        .map(|r| r.int(0))
        .collect();
    let want: Vec<i64> = (1..=MIGRATIONS.len() as i64).collect();
    assert_eq!(versions, want);
}

#[cfg(feature = "postgres-tests")]
#[test]
fn a_postgres_database_from_a_newer_kb_is_refused() {
    let (url, s) = postgres_at();
    s.execute("INSERT INTO kb_schema (version) VALUES (99)", &[])
        .expect("a newer version");
    drop(s);
    let again = Store::connect(&url).expect("a store");
    let why = again.available().expect_err("refused");
    assert!(why.contains("newer kb (schema version 99"), "{why}");
    assert!(
        again
            .add_feedback(&feedback("a.md", "T", FeedbackKind::Wrong, ""))
            .is_err()
    );
}

/// Moves every stored row `days` into the past.
fn age(s: &Store, days: i64) {
    for table in ["searches", "feedback"] {
        s.execute(
            &format!("UPDATE {table} SET ts = ts - ?1"),
            &[(days * 86_400).into()],
        )
        .expect("aged");
    }
}

fn feedback(path: &str, owner: &str, kind: FeedbackKind, comment: &str) -> NewFeedback {
    NewFeedback {
        path: path.to_owned(),
        article_id: format!("id-{path}"),
        title: format!("Title of {path}"),
        ownership_id: owner.to_owned(),
        kind,
        comment: comment.to_owned(),
    }
}

fn search(q: &str, total: u64) -> SearchEntry {
    SearchEntry {
        q: q.to_owned(),
        filters: String::new(),
        total,
        relaxed: false,
    }
}

#[test]
fn a_new_folder_gets_a_database_at_the_last_version_and_opens_again() {
    let (dir, s) = sqlite();
    let file = dir.path().join("data").join(DB_FILE);
    assert_eq!(s.describe(), file.display().to_string());
    assert!(file.is_file());
    s.add_feedback(&feedback("a.md", "T", FeedbackKind::Helpful, ""))
        .expect("stored");
    drop(s);
    let again = Store::open(&dir.path().join("data")).expect("opens again");
    assert_eq!(again.feedback().expect("read").len(), 1);
    let conn = Connection::open(&file).expect("open");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, migrations::MIGRATIONS.len() as i64);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

#[test]
fn a_database_from_a_newer_kb_is_refused() {
    let (dir, s) = sqlite();
    drop(s);
    let file = dir.path().join("data").join(DB_FILE);
    Connection::open(&file)
        .expect("open")
        .pragma_update(None, "user_version", 99)
        .expect("set");
    let err = Store::open(&dir.path().join("data")).expect_err("refused");
    assert!(
        matches!(
            err,
            StoreError::Newer {
                found: 99,
                known: 1,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_an_error_not_a_panic() {
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    std::fs::write(
        dir.path().join(DB_FILE),
        b"this is not SQLite, just text ".repeat(200),
    )
    .expect("write");
    let err = Store::open(dir.path()).expect_err("refused");
    assert!(matches!(err, StoreError::Engine { .. }), "{err}");
    assert!(err.to_string().contains(DB_FILE), "{err}");
}

fn feedback_is_exported_grouped_by_owner_then_article(s: &Store) {
    s.add_feedback(&feedback(
        "z.md",
        "Team_B",
        FeedbackKind::Wrong,
        "step 3 fails",
    ))
    .expect("stored");
    s.add_feedback(&feedback("b.md", "", FeedbackKind::Outdated, ""))
        .expect("stored");
    s.add_feedback(&feedback("a.md", "Team_B", FeedbackKind::Helpful, ""))
        .expect("stored");
    s.add_feedback(&feedback(
        "m.md",
        "Team_A",
        FeedbackKind::Missing,
        "  no SKU list  ",
    ))
    .expect("stored");
    let rows = s.feedback().expect("read");
    let order: Vec<(&str, &str, FeedbackKind, &str)> = rows
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
        order,
        [
            ("Team_A", "m.md", FeedbackKind::Missing, "no SKU list"),
            ("Team_B", "a.md", FeedbackKind::Helpful, ""),
            ("Team_B", "z.md", FeedbackKind::Wrong, "step 3 fails"),
            ("", "b.md", FeedbackKind::Outdated, ""),
        ]
    );
    assert_eq!(rows[0].title, "Title of m.md");
    assert_eq!(rows[0].article_id, "id-m.md");
    assert_eq!(rows[0].time.len(), "2026-12-02T10:00:00Z".len());
    assert!(rows[0].time.ends_with('Z'), "{}", rows[0].time);
}

fn a_long_comment_is_cut_at_a_character_not_a_byte(s: &Store) {
    let long = "é".repeat(MAX_COMMENT_CHARS + 10);
    s.add_feedback(&feedback("a.md", "T", FeedbackKind::Wrong, &long))
        .expect("stored");
    let rows = s.feedback().expect("read");
    assert_eq!(rows[0].comment.chars().count(), MAX_COMMENT_CHARS);
}

fn the_same_search_again_within_the_window_is_one_intent(s: &Store) {
    let first = s.log_search(&search("vm boot", 3)).expect("logged");
    let again = s.log_search(&search("vm boot", 3)).expect("logged");
    assert_eq!(first, again);
    let other = s.log_search(&search("vm boots", 2)).expect("logged");
    assert_ne!(first, other);
    let filtered = s
        .log_search(&SearchEntry {
            filters: "service=microsoft.compute".into(),
            ..search("vm boot", 1)
        })
        .expect("logged");
    assert_ne!(first, filtered);
    assert_eq!(s.insights(30, 10).expect("read").searches, 3);
}

fn insights_list_gaps_top_queries_and_opened_articles(s: &Store) {
    // Two different intents of the same words (other filters) count twice.
    let a = s.log_search(&search("RDP  fails", 5)).expect("logged");
    s.log_search(&SearchEntry {
        filters: "cloud=public".into(),
        ..search("rdp fails", 5)
    })
    .expect("logged");
    let b = s.log_search(&search("disk full", 2)).expect("logged");
    s.log_search(&search("xyzzy error", 0)).expect("logged");
    s.log_open(a, "rdp.md").expect("opened");
    s.log_open(a, "second.md").expect("ignored");
    s.log_open(b, "disk.md").expect("opened");
    let i = s.insights(30, 10).expect("read");
    assert_eq!(i.searches, 4);
    let q = |v: &[QueryCount]| -> Vec<(String, u64)> {
        v.iter().map(|c| (c.q.clone(), c.count)).collect()
    };
    assert_eq!(q(&i.zero_results), [("xyzzy error".to_owned(), 1)]);
    assert_eq!(q(&i.no_click), [("rdp fails".to_owned(), 1)]);
    assert_eq!(
        q(&i.top_queries),
        [
            ("rdp fails".to_owned(), 2),
            ("disk full".to_owned(), 1),
            ("xyzzy error".to_owned(), 1)
        ]
    );
    let opened: Vec<(&str, u64)> = i
        .most_opened
        .iter()
        .map(|o| (o.path.as_str(), o.count))
        .collect();
    assert_eq!(opened, [("disk.md", 1), ("rdp.md", 1)]);
    assert_eq!(i.per_day.len(), 30);
    assert_eq!(i.per_day.iter().map(|d| d.searches).sum::<u64>(), 4);
    assert_eq!(i.per_day.last().map(|d| d.searches), Some(4));
}

fn flagged_articles_are_grouped_by_owner_most_flagged_first(s: &Store) {
    for (path, owner, kind, comment) in [
        ("a.md", "Team_A", FeedbackKind::Outdated, "old portal"),
        ("a.md", "Team_A", FeedbackKind::Wrong, ""),
        ("b.md", "Team_A", FeedbackKind::Helpful, "great"),
        ("c.md", "Team_B", FeedbackKind::Missing, "no SKU"),
        ("c.md", "Team_B", FeedbackKind::Missing, "still no SKU"),
        ("c.md", "Team_B", FeedbackKind::Outdated, ""),
        ("d.md", "Team_B", FeedbackKind::Wrong, ""),
    ] {
        s.add_feedback(&feedback(path, owner, kind, comment))
            .expect("stored");
    }
    let i = s.insights(30, 10).expect("read");
    assert_eq!(i.feedback, 7);
    let owners: Vec<(&str, u64, Vec<&str>)> = i
        .flagged_by_owner
        .iter()
        .map(|o| {
            (
                o.ownership_id.as_str(),
                o.flags,
                o.articles.iter().map(|a| a.path.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        owners,
        [
            ("Team_B", 4, vec!["c.md", "d.md"]),
            ("Team_A", 2, vec!["a.md"])
        ]
    );
    let c = &i.flagged_by_owner[0].articles[0];
    assert_eq!((c.outdated, c.wrong, c.missing), (1, 0, 2));
    assert_eq!(c.last_comment, "still no SKU");
}

fn purging_deletes_what_is_older_and_keeps_the_rest(s: &Store) {
    s.log_search(&search("old", 1)).expect("logged");
    s.add_feedback(&feedback("a.md", "T", FeedbackKind::Wrong, ""))
        .expect("stored");
    age(s, 100);
    s.log_search(&search("new", 1)).expect("logged");
    s.add_feedback(&feedback("b.md", "T", FeedbackKind::Wrong, ""))
        .expect("stored");
    assert_eq!(
        s.purge_before(now_secs() - 50 * 86_400).expect("purged"),
        (1, 1)
    );
    let left = s.export().expect("read");
    let qs: Vec<&str> = left.searches.iter().map(|r| r.q.as_str()).collect();
    assert_eq!(qs, ["new"]);
    let paths: Vec<&str> = left.feedback.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["b.md"]);
    assert_eq!(s.purge_before(now_secs() + 10).expect("purged"), (1, 1));
    assert_eq!(
        s.export().expect("read"),
        Export {
            feedback: vec![],
            searches: vec![]
        }
    );
}

fn retention_deletes_old_searches_and_old_feedback_on_their_own_windows(s: &Store) {
    s.log_search(&search("a year ago", 1)).expect("logged");
    s.add_feedback(&feedback("year.md", "T", FeedbackKind::Wrong, ""))
        .expect("stored");
    age(s, 365 - 100);
    s.log_search(&search("100 days ago", 1)).expect("logged");
    s.add_feedback(&feedback("100.md", "T", FeedbackKind::Wrong, ""))
        .expect("stored");
    age(s, 100);
    s.log_search(&search("today", 1)).expect("logged");
    s.add_feedback(&feedback("today.md", "T", FeedbackKind::Helpful, ""))
        .expect("stored");
    // Searches are kept 90 days, feedback 200: two searches and one piece of feedback go.
    assert_eq!(s.enforce_retention(90, 200).expect("enforced"), (2, 1));
    let left = s.export().expect("read");
    let qs: Vec<&str> = left.searches.iter().map(|r| r.q.as_str()).collect();
    assert_eq!(qs, ["today"]);
    let paths: Vec<&str> = left.feedback.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["100.md", "today.md"]);
    // A feedback window of 0 keeps feedback for ever.
    age(s, 1000);
    assert_eq!(s.enforce_retention(90, 0).expect("enforced"), (1, 0));
    assert_eq!(s.export().expect("read").feedback.len(), 2);
}

fn the_export_holds_everything_stored(s: &Store) {
    let id = s
        .log_search(&SearchEntry {
            q: "rdp  black screen".into(),
            filters: "service=microsoft.compute".into(),
            total: 7,
            relaxed: true,
        })
        .expect("logged");
    s.log_open(id, "rdp.md").expect("opened");
    s.log_search(&search("nothing here", 0)).expect("logged");
    s.add_feedback(&feedback(
        "rdp.md",
        "Team_A",
        FeedbackKind::Outdated,
        "old UI",
    ))
    .expect("stored");
    let e = s.export().expect("read");
    let searches: Vec<(&str, &str, u64, bool, Option<&str>)> = e
        .searches
        .iter()
        .map(|r| {
            (
                r.q.as_str(),
                r.filters.as_str(),
                r.total,
                r.relaxed,
                r.opened.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        searches,
        [
            (
                "rdp  black screen",
                "service=microsoft.compute",
                7,
                true,
                Some("rdp.md")
            ),
            ("nothing here", "", 0, false, None),
        ]
    );
    assert_eq!(e.feedback.len(), 1);
    let f = &e.feedback[0];
    assert_eq!(
        (
            f.path.as_str(),
            f.ownership_id.as_str(),
            f.kind,
            f.comment.as_str()
        ),
        ("rdp.md", "Team_A", FeedbackKind::Outdated, "old UI")
    );
    assert!(e.searches[0].time.ends_with('Z'), "{}", e.searches[0].time);
}

/// Queries and comments with personal data of each kind, in several forms, around
/// ordinary words: after storing them, nothing of the data is in the export, and each
/// kind's placeholder is.
fn personal_data_is_never_stored(s: &Store) {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let octet = || 0u8..=255;
    let email = (
        "[a-z][a-z0-9]{1,8}",
        "(\\.[a-z]{2,6})?",
        "(\\+[a-z]{1,5})?",
        "[a-z]{2,8}",
        "(com|org|co\\.uk|io|de)",
    )
        .prop_map(|(a, b, tag, d, tld)| (format!("{a}{b}{tag}@{d}.{tld}"), redact::EMAIL));
    let ipv4 = (
        octet(),
        octet(),
        octet(),
        octet(),
        prop::option::of(0u16..=65535),
    )
        .prop_map(|(a, b, c, d, port)| {
            let ip = format!("{a}.{b}.{c}.{d}");
            (port.map_or(ip.clone(), |p| format!("{ip}:{p}")), redact::IP)
        });
    let ipv6 = prop::collection::vec(any::<u16>(), 8).prop_map(|g| {
        let a = std::net::Ipv6Addr::new(g[0] | 0x2000, g[1], g[2], g[3], 0, 0, g[6], g[7]);
        (a.to_string(), redact::IP)
    });
    let phone = (200u32..999, 200u32..999, 1000u32..9999, 0usize..4).prop_map(|(a, b, c, form)| {
        let p = match form {
            0 => format!("+1 {a} {b} {c}"),
            1 => format!("({a}) {b}-{c}"),
            2 => format!("{a}.{b}.{c}"),
            _ => format!("{a}{b}{c}"),
        };
        (p, redact::PHONE)
    });
    let guid = (any::<u128>(), any::<bool>(), any::<bool>()).prop_map(|(n, upper, braces)| {
        let h = format!("{n:032x}");
        let g = format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        );
        let g = if upper { g.to_uppercase() } else { g };
        (if braces { format!("{{{g}}}") } else { g }, redact::GUID)
    });
    let url = (
        "[a-z]{3,10}",
        "[a-z0-9/]{0,12}",
        "[a-z]{1,6}=[A-Za-z0-9%]{1,12}",
    )
        .prop_map(|(host, path, q)| {
            (
                format!("https://{host}.blob.core.windows.net/{path}?{q}"),
                redact::URL_WITH_QUERY,
            )
        });
    let personal = prop_oneof![email, ipv4, ipv6, phone, guid, url];
    let words = prop::sample::subsequence(
        vec![
            "customer",
            "cannot",
            "login",
            "from",
            "RDP",
            "VM",
            "since",
            "error",
            "AADSTS50076",
            "0x80070005",
            "please",
        ],
        0..5,
    );
    let case = (words.clone(), personal, words, any::<bool>());
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&case, |(before, (data, placeholder), after, in_comment)| {
            s.purge_before(i64::MAX).expect("purged");
            let text = format!("{} {data} {}", before.join(" "), after.join(" "));
            if in_comment {
                s.add_feedback(&feedback("a.md", "T", FeedbackKind::Wrong, &text))
                    .expect("stored");
            } else {
                s.log_search(&SearchEntry {
                    filters: format!("service={data}"),
                    ..search(&text, 1)
                })
                .expect("logged");
            }
            let stored = serde_json::to_string(&s.export().expect("read")).expect("json");
            prop_assert!(!stored.contains(&data), "{data} stored in {stored}");
            prop_assert!(
                stored.contains(placeholder),
                "{placeholder} not in {stored}"
            );
            let gaps = serde_json::to_string(&s.insights(30, 100).expect("read")).expect("json");
            prop_assert!(!gaps.contains(&data), "{data} in insights {gaps}");
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn an_unreachable_server_says_why_and_fails_writes_quickly() {
    // Port 1 on loopback: nothing listens there.
    let s = Store::connect("postgres://kb@127.0.0.1:1/kb").expect("a store that waits");
    let why = s.available().expect_err("down");
    assert!(why.contains("127.0.0.1:1/kb"), "{why}");
    let started = std::time::Instant::now();
    let err = s
        .add_feedback(&feedback("a.md", "T", FeedbackKind::Wrong, ""))
        .expect_err("not stored");
    assert!(err.to_string().contains("127.0.0.1:1/kb"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn a_postgres_url_with_a_password_is_described_without_it() {
    let s = Store::connect("postgres://kb:secret@127.0.0.1:1/kb").expect("a store");
    assert_eq!(s.describe(), "postgres://127.0.0.1:1/kb");
    assert!(!s.available().expect_err("down").contains("secret"));
}

#[test]
fn a_url_that_is_not_postgres_is_refused() {
    let err = Store::connect("postgres://[bad").expect_err("refused");
    assert!(err.to_string().contains("--database"), "{err}");
}

#[test]
fn kinds_go_both_ways() {
    for k in FeedbackKind::ALL {
        assert_eq!(FeedbackKind::of_name(k.as_str()), Some(k));
        let json = serde_json::to_value(k).expect("json");
        assert_eq!(json.as_str(), Some(k.as_str()));
    }
    assert_eq!(FeedbackKind::of_name("Helpful"), None);
}
