use super::*;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    let store = Store::open(&dir.path().join("data")).expect("a new store");
    (dir, store)
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
    let (dir, s) = store();
    let file = dir.path().join("data").join(DB_FILE);
    assert_eq!(s.file(), file);
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
    let (dir, s) = store();
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
    assert!(matches!(err, StoreError::Sqlite { .. }), "{err}");
    assert!(err.to_string().contains(DB_FILE), "{err}");
}

#[test]
fn feedback_is_exported_grouped_by_owner_then_article() {
    let (_dir, s) = store();
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

#[test]
fn a_long_comment_is_cut_at_a_character_not_a_byte() {
    let (_dir, s) = store();
    let long = "é".repeat(MAX_COMMENT_CHARS + 10);
    s.add_feedback(&feedback("a.md", "T", FeedbackKind::Wrong, &long))
        .expect("stored");
    let rows = s.feedback().expect("read");
    assert_eq!(rows[0].comment.chars().count(), MAX_COMMENT_CHARS);
}

#[test]
fn the_same_search_again_within_the_window_is_one_intent() {
    let (_dir, s) = store();
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

#[test]
fn insights_list_gaps_top_queries_and_opened_articles() {
    let (_dir, s) = store();
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

#[test]
fn flagged_articles_are_grouped_by_owner_most_flagged_first() {
    let (_dir, s) = store();
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

#[test]
fn purging_deletes_what_is_older_and_keeps_the_rest() {
    let (_dir, s) = store();
    s.log_search(&search("kept", 1)).expect("logged");
    s.add_feedback(&feedback("a.md", "T", FeedbackKind::Wrong, ""))
        .expect("stored");
    s.with(|c| {
        c.execute("UPDATE searches SET ts = ts - 100 * 86400", [])?;
        c.execute("UPDATE feedback SET ts = ts - 100 * 86400", [])
    })
    .expect("aged");
    s.log_search(&search("new", 1)).expect("logged");
    assert_eq!(s.enforce_retention(90).expect("purged"), 1);
    assert_eq!(s.insights(400, 10).expect("read").searches, 1);
    assert_eq!(s.purge_before(now_secs() + 10).expect("purged"), (1, 1));
    assert!(s.feedback().expect("read").is_empty());
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
