//! Searching the way agents search, on articles written for these tests
//! (`tests/fixtures/relevance`): a customer's sentence full of filler, acronyms and long
//! forms both ways (built-in, mined from the articles, and from a synonyms file that changes
//! while the searcher runs), error codes and CamelCase names of any length, a remembered
//! heading, section-level hits, "did you mean", and the article page marking the words.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tempfile::TempDir;
use tower::ServiceExt;

use selfhelp_kb::index::{IndexOptions, Indexer, KbIndex};
use selfhelp_kb::search::{HitSection, SearchRequest, SearchResponse, Searcher};
use selfhelp_kb::web::{AppState, app};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/relevance")
}

/// An index of `articles` in a new temporary folder.
fn index_of(articles: &Path) -> (TempDir, KbIndex) {
    let dir = TempDir::new().expect("a temporary folder");
    let mut indexer = Indexer::open(dir.path()).expect("the index opens");
    indexer
        .sync(
            articles,
            IndexOptions::default(),
            &indicatif::ProgressBar::hidden(),
        )
        .expect("the articles are indexed");
    let index = KbIndex::from_index(indexer.index().clone(), dir.path()).expect("the reader opens");
    indexer.finish().expect("the writer closes");
    (dir, index)
}

fn search(s: &Searcher, q: &str) -> SearchResponse {
    s.search(&SearchRequest::text(q)).expect("the search runs")
}

fn paths(r: &SearchResponse) -> Vec<&str> {
    r.hits.iter().map(|h| h.path.as_str()).collect()
}

#[test]
fn filler_words_cannot_outrank_the_words_that_matter() {
    let (_dir, index) = index_of(&fixtures());
    let s = Searcher::new(index);
    let r = search(
        &s,
        "customer says remote desktop black screen since yesterday, please help",
    );
    assert!(r.relaxed, "no article has every word");
    // The checklist has every filler word (customer, says, since, yesterday, please, help);
    // the guide has the words that matter.
    assert_eq!(paths(&r)[0], "rdp-black-screen.md");
    let checklist = paths(&r)
        .iter()
        .position(|p| *p == "rdp-customer-help.md")
        .expect("the checklist matches some words");
    assert!(checklist > 0);
}

#[test]
fn a_camel_case_name_longer_than_forty_characters_is_one_word() {
    let (_dir, index) = index_of(&fixtures());
    let s = Searcher::new(index);
    let name = "UserErrorHostedServiceSubscriptionQuotaReached";
    assert!(name.len() > 40);
    let r = search(&s, name);
    assert_eq!(paths(&r), ["vm-quota-reached.md"]);
    assert!(!r.relaxed);
    // Any case; and a part of it finds it too.
    assert_eq!(
        paths(&search(&s, &name.to_lowercase())),
        ["vm-quota-reached.md"]
    );
    assert_eq!(
        paths(&search(&s, "SkuNotAvailable")),
        ["sku-not-available.md"]
    );
    // Identifiers are never matched with a typo.
    assert!(search(&s, "UserErrorSkuNotAvailabel").hits.is_empty());
}

#[test]
fn an_acronym_finds_its_long_form_and_says_so() {
    let (_dir, index) = index_of(&fixtures());
    let s = Searcher::new(index);
    let r = search(&s, "VNet peering");
    assert_eq!(paths(&r), ["vnet-peering-guide.md"]);
    assert_eq!(r.expanded, ["VNet → virtual network"]);
    // The other way: the long form finds the articles that abbreviate it.
    let r = search(&s, "network security group rules");
    assert_eq!(r.expanded, ["network security group → NSG, NSGs"]);
    assert_eq!(paths(&r)[0], "nsg-rules.md");
}

#[test]
fn definitions_the_articles_write_become_synonyms() {
    let (_dir, index) = index_of(&fixtures());
    let s = Searcher::new(index);
    // Two articles define `Contoso Widget Gateway (CWG)`; the timeout guide never says CWG.
    let r = search(&s, "CWG timeout");
    assert_eq!(r.expanded, ["CWG → contoso widget gateway"]);
    assert_eq!(paths(&r), ["widget-timeouts.md"]);
}

#[test]
fn a_synonyms_file_takes_effect_on_the_next_query() {
    let (_dir, index) = index_of(&fixtures());
    let folder = TempDir::new().expect("a temporary folder");
    let file = folder.path().join("synonyms.txt");
    let s = Searcher::new(index).with_synonyms_file(file.clone());
    // No file yet: the word is unknown.
    assert!(search(&s, "blackout").hits.is_empty());
    std::fs::write(&file, "# ours\nblackout, black screen\n").expect("writes");
    let r = search(&s, "blackout");
    assert_eq!(paths(&r), ["rdp-black-screen.md"]);
    assert_eq!(r.expanded, ["blackout → black screen"]);
    // A new line, the same searcher: no reindex, no restart.
    std::fs::write(
        &file,
        "# ours\nblackout, black screen\nwidget relay = contoso widget gateway\n",
    )
    .expect("writes");
    let r = search(&s, "widget relay limits");
    assert_eq!(paths(&r)[0], "widget-gateway-limits.md");
    assert_eq!(r.expanded, ["widget relay → contoso widget gateway"]);
}

#[test]
fn a_hit_names_the_section_that_matched_and_its_snippet_comes_from_there() {
    let (_dir, index) = index_of(&fixtures());
    let s = Searcher::new(index);
    let r = search(&s, "allow gateway transit remote gateways");
    let hit = &r.hits[0];
    assert_eq!(hit.path, "vnet-peering-guide.md");
    assert_eq!(
        hit.section,
        Some(HitSection {
            heading: "Verify gateway transit settings".to_owned(),
            anchor: "verify-gateway-transit-settings".to_owned(),
        })
    );
    assert!(
        hit.snippet
            .contains("<mark>gateway</mark> <mark>transit</mark>"),
        "{}",
        hit.snippet
    );
    assert!(!hit.snippet.contains("address spaces"), "{}", hit.snippet);
}

#[test]
fn a_remembered_heading_finds_its_article_first() {
    let (_dir, index) = index_of(&fixtures());
    let s = Searcher::new(index);
    let r = search(&s, "Check overlapping address spaces");
    assert_eq!(paths(&r)[0], "vnet-peering-guide.md");
    assert_eq!(
        r.hits[0].section.as_ref().map(|s| s.anchor.as_str()),
        Some("check-overlapping-address-spaces")
    );
}

#[test]
fn did_you_mean_corrects_unknown_words_from_the_titles() {
    let (_dir, index) = index_of(&fixtures());
    let s = Searcher::new(index);
    let r = search(&s, "peering qzxv");
    assert!(r.relaxed);
    assert_eq!(r.suggestion, None, "nothing is close to qzxv");
    let r = search(&s, "gatewya limits xylophone");
    assert!(r.relaxed);
    assert_eq!(r.suggestion.as_deref(), Some("gateway limits xylophone"));
    // A query that finds everything it asks for needs no correction.
    assert_eq!(search(&s, "widget gateway limits").suggestion, None);
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    let resp = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).expect("a request"))
        .await
        .expect("the app answers");
    let status = resp.status();
    let body = resp.into_body().collect().await.expect("a body").to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn the_results_page_links_to_the_section_and_the_article_marks_the_words() {
    let (_dir, index) = index_of(&fixtures());
    let state = AppState::new(index, &fixtures());
    let app = app(state);
    let (status, html) = get(&app, "/search?q=gateway+transit").await;
    assert_eq!(status, StatusCode::OK);
    let link = "/articles/vnet-peering-guide?q=gateway%20transit#verify-gateway-transit-settings";
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    assert!(
        html.contains("Verify gateway transit settings</a>"),
        "{html}"
    );

    let (status, page) = get(&app, link.split('#').next().unwrap_or(link)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("id=\"verify-gateway-transit-settings\""),
        "the anchor is on the page"
    );
    assert!(
        page.contains(
            "<mark class=\"kb-hit\">gateway</mark> <mark class=\"kb-hit\">transit</mark>"
        ),
        "{page}"
    );
    // Without `q`, nothing is marked.
    let (_, plain) = get(&app, "/articles/vnet-peering-guide").await;
    assert!(!plain.contains("kb-hit"));

    let (_, api) = get(&app, "/api/search?q=VNet+peering").await;
    let v: serde_json::Value = serde_json::from_str(&api).expect("JSON");
    assert_eq!(v["expanded"], serde_json::json!(["VNet → virtual network"]));
    let (_, page) = get(&app, "/search?q=VNet+peering").await;
    assert!(page.contains("VNet → virtual network"), "{page}");
}
