//! Every article of the real corpus renders through the web application: `GET
//! /api/articles/{path}` answers 200 with a JSON body for each, and the article pages of a
//! sample answer 200 too. Needs `$KB_SHARED/corpus/articles` (default `../shared`), so it
//! only runs with `--features corpus`; in release mode it takes well under a minute.

#![cfg(feature = "corpus")]

mod common;

use std::time::Instant;

use axum::http::StatusCode;

use common::web::{enc_path, get};
use selfhelp_kb::index::{Indexer, KbIndex};
use selfhelp_kb::web::{AppState, app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corpus_article_renders_through_the_api() {
    let root = common::corpus_dir();
    let dir = tempfile::TempDir::new().unwrap();
    let started = Instant::now();
    let mut indexer = Indexer::open(dir.path()).unwrap();
    let report = common::index::sync(&mut indexer, &root, false);
    indexer.merge_all().unwrap();
    let index = KbIndex::from_index(indexer.index().clone(), dir.path()).unwrap();
    indexer.finish().unwrap();
    index.reload().unwrap();
    eprintln!(
        "indexed {} articles in {:?}",
        report.articles,
        started.elapsed()
    );
    let state = AppState::new(index, &root);
    let app = app(state);

    let (files, _) = selfhelp_kb::corpus::list(&root).unwrap();
    let listed: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        listed,
        common::index::md_files(&root),
        "the articles the app serves are the .md files on disk"
    );
    assert_eq!(report.articles, files.len(), "every article is indexed");
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut slowest = (std::time::Duration::ZERO, String::new());
    for (i, file) in files.iter().enumerate() {
        let one = Instant::now();
        let reply = get(&app, &format!("/api/articles/{}", enc_path(&file.path))).await;
        let (status, body) = (reply.status, reply.body);
        let took = one.elapsed();
        if took > slowest.0 {
            slowest = (took, file.path.clone());
        }
        let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        let ok = status == StatusCode::OK
            && json
                .as_ref()
                .is_some_and(|j| j["path"] == file.path.as_str() && j["html"].is_string());
        if !ok {
            failures.push(format!("{} -> {status}", file.path));
            continue;
        }
        // The page of one article in 25, through the templates.
        if i % 25 == 0 {
            let page = file.path.strip_suffix(".md").unwrap_or(&file.path);
            let status = get(&app, &format!("/articles/{}", enc_path(page)))
                .await
                .status;
            if status != StatusCode::OK {
                failures.push(format!("page of {} -> {status}", file.path));
            }
        }
    }
    let elapsed = started.elapsed();
    eprintln!(
        "rendered {} articles in {elapsed:?} ({:.2} ms each); slowest {:?} ({})",
        files.len(),
        elapsed.as_secs_f64() * 1000.0 / files.len() as f64,
        slowest.0,
        slowest.1
    );
    assert!(
        failures.is_empty(),
        "{} articles failed:\n{}",
        failures.len(),
        failures[..failures.len().min(50)].join("\n")
    );
}
