//! The web application in-process: `app(state)` driven with `oneshot`, no socket, over an
//! index built in a temporary folder from the project's sample articles (or from articles a
//! test writes). Covers every route, exact answers on the sample corpus, hostile input
//! (paths that climb, bad query strings, scripts in articles), HTTP headers and caching, and
//! `--watch` picking up changes.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use tempfile::TempDir;

use common::sample_articles;
use common::web::{app_state, get, send};
use selfhelp_kb::index::{Indexer, KbIndex};
use selfhelp_kb::web::{AppState, app, watch};

/// An index of `articles` in a new temporary folder, and the state over it (health report
/// included). The folder lives as long as the returned `TempDir`.
fn state_for(articles: &Path) -> (TempDir, AppState) {
    let dir = TempDir::new().expect("a temporary folder");
    let state = app_state(articles, dir.path());
    (dir, state)
}

fn sample_app() -> (TempDir, Router) {
    let (dir, state) = state_for(&sample_articles());
    (dir, app(state))
}

/// The paths of a JSON array of hits or summaries.
fn paths(list: &Value) -> Vec<String> {
    let mut out: Vec<String> = list
        .as_array()
        .expect("an array")
        .iter()
        .map(|h| h["path"].as_str().expect("a path").to_owned())
        .collect();
    out.sort();
    out
}

fn facet_count(facets: &Value, facet: &str, value: &str) -> u64 {
    facets[facet]
        .as_array()
        .expect("a facet list")
        .iter()
        .find(|f| f["value"] == value)
        .map_or(0, |f| f["count"].as_u64().expect("a count"))
}

const RCA: &str = "microsoft.compute.virtualmachines/vm-rca-host-reboot.md";

#[tokio::test]
async fn every_route_answers_on_the_sample_articles() {
    let (_dir, app) = sample_app();
    let ok = [
        "/",
        "/search",
        "/search?q=vm+boot",
        "/search?q=vm&service=microsoft.compute&type=rca&page=1&sort=title",
        "/services",
        "/services/microsoft.compute",
        "/topics/32750101",
        "/articles/microsoft.compute.virtualmachines/vm-rca-host-reboot",
        "/articles/microsoft.compute.virtualmachines/vm-rca-host-reboot.md",
        "/articles/problemscopingques.compute.virtualmachines/vm-boot-failure-scoping",
        "/articles/supporttopicdescriptions/supporttopics_14821",
        "/check",
        "/api/search",
        "/api/search?q=snat",
        "/api/facets",
        "/api/articles/microsoft.compute.virtualmachines/vm-rca-host-reboot.md",
        "/api/articles/microsoft.compute.virtualmachines/vm-rca-host-reboot.md/reply",
        "/api/topics/32750101",
        "/api/suggest?q=vm",
        "/api/openapi.json",
        "/healthz",
        "/files/microsoft.compute.virtualmachines/media/boot-diagnostics.png",
    ];
    for uri in ok {
        let r = get(&app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
    }
    let r = get(&app, "/id/VMAvailability_RCA_HostNodeHardwareFault").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.header(header::LOCATION),
        "/articles/microsoft.compute.virtualmachines/vm-rca-host-reboot"
    );
    let r = get(&app, "/topics?id=32750101").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header(header::LOCATION), "/topics/32750101");
    let css = get(&app, "/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header(header::CONTENT_TYPE).starts_with("text/css"));
}

#[tokio::test]
async fn healthz_counts_the_articles() {
    let (_dir, app) = sample_app();
    let r = get(&app, "/healthz").await;
    assert_eq!(r.json()["status"], "ok");
    assert_eq!(r.json()["articles"], 54);
}

#[tokio::test]
async fn topic_dossier_lists_exactly_the_articles_listing_the_topic() {
    let (_dir, app) = sample_app();
    let expected = vec![
        "microsoft.compute.virtualmachines/vm-boot-failure-windows-update.md",
        "microsoft.compute.virtualmachines/vm-diagnostics-rdp-connectivity.md",
        "microsoft.compute.virtualmachines/vm-rca-windows-update-boot-loop.md",
        "problemscopingques.compute.virtualmachines/vm-boot-failure-scoping.md",
    ];
    let r = get(&app, "/api/topics/32750101").await;
    let body = r.json();
    assert_eq!(paths(&body["articles"]), expected);
    assert_eq!(body["total"], 4);
    assert_eq!(body["name"], "VM is not booting after a Windows update");
    assert_eq!(
        body["name_source"]["path"],
        "supporttopicdescriptions/supporttopics_14821.md"
    );

    let page = get(&app, "/topics/32750101").await.text();
    assert!(page.contains("VM is not booting after a Windows update"));
    for path in &expected {
        let url = format!("href=\"/articles/{}\"", path.trim_end_matches(".md"));
        assert!(page.contains(&url), "the dossier links {path}");
    }
    assert_eq!(page.matches("class=\"article-item\"").count(), 4);
    // Grouped by type: the scoping questions come after the troubleshooting articles.
    let scoping = page.find("Scoping questions").unwrap();
    let rca = page.find("Root cause analysis").unwrap();
    assert!(rca < scoping);
}

#[tokio::test]
async fn topic_names_prefer_descriptions_and_unknown_topics_are_refused() {
    let (_dir, app) = sample_app();
    let body = get(&app, "/api/topics/32750101").await.json();
    // The description wins over the scoping questions' title when both name a topic.
    assert_eq!(body["name_source"]["source"], "supportTopicDescription");
    let unknown = get(&app, "/api/topics/99999999").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.json()["error"]
            .as_str()
            .unwrap()
            .contains("99999999")
    );
    let bad = get(&app, "/topics/not%20a%20topic").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn several_services_are_or_and_their_totals_add_up() {
    let (_dir, app) = sample_app();
    let total = |body: &Value| body["total"].as_u64().unwrap();
    let compute = get(&app, "/api/search?service=microsoft.compute")
        .await
        .json();
    let sql = get(&app, "/api/search?service=microsoft.sql").await.json();
    let both = get(
        &app,
        "/api/search?service=microsoft.compute&service=microsoft.sql",
    )
    .await
    .json();
    assert_eq!(total(&compute), 8);
    assert_eq!(total(&sql), 5);
    assert_eq!(total(&both), total(&compute) + total(&sql));
    // Service names are case-insensitive.
    let upper = get(&app, "/api/search?service=Microsoft.Compute")
        .await
        .json();
    assert_eq!(total(&upper), 8);
}

#[tokio::test]
async fn facet_counts_are_disjunctive() {
    let (_dir, app) = sample_app();
    let all = get(&app, "/api/facets").await.json();
    let compute = get(&app, "/api/facets?service=microsoft.compute")
        .await
        .json();
    // The service facet ignores its own filter: every service keeps its full count...
    for service in ["microsoft.compute", "microsoft.sql", "microsoft.network"] {
        assert_eq!(
            facet_count(&compute["facets"], "service", service),
            facet_count(&all["facets"], "service", service),
            "{service}"
        );
    }
    // ...while the other facets count compute articles only.
    let types: u64 = compute["facets"]["type"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["count"].as_u64().unwrap())
        .sum();
    assert_eq!(types, 8);
    // Every value is listed, none cut off.
    assert_eq!(all["facets"]["service"].as_array().unwrap().len(), 9);
}

/// The seventh facet, the owning team, filters and counts like the others: by its
/// parameter, by `ownership:` in the query text, and in the search page's sidebar.
#[tokio::test]
async fn articles_filter_and_count_by_their_owning_team() {
    let (_dir, app) = sample_app();
    let keyvault = [
        "microsoft.keyvault.vaults/keyvault-access-denied-403.md",
        "microsoft.keyvault.vaults/keyvault-diagnostics-access-policy.md",
        "problemscopingques.keyvault.vaults/keyvault-access-scoping.md",
        "supporttopicdescriptions/supporttopics_c4e7a912-5d3b-4f86-9e20-7b1d8a6f3c05.md",
    ];
    let by_param = get(&app, "/api/search?ownership=KeyVault_Access&per_page=100")
        .await
        .json();
    assert_eq!(paths(&by_param["hits"]), keyvault);
    let by_text = get(&app, "/api/search?q=ownership:keyvault_access&per_page=100")
        .await
        .json();
    assert_eq!(paths(&by_text["hits"]), keyvault);
    let by_property = get(
        &app,
        "/api/search?q=ownershipId:KEYVAULT_ACCESS&per_page=100",
    )
    .await
    .json();
    assert_eq!(paths(&by_property["hits"]), keyvault);

    let all = get(&app, "/api/facets").await.json();
    let teams = all["facets"]["ownership"]
        .as_array()
        .expect("ownership counts");
    assert_eq!(teams.len(), 19);
    assert_eq!(
        facet_count(&all["facets"], "ownership", "keyvault_access"),
        4
    );
    assert_eq!(
        facet_count(
            &all["facets"],
            "ownership",
            "compute_virtualmachines_content"
        ),
        9
    );
    // Disjunctive like the others: ticking one team keeps every team's count.
    let ticked = get(&app, "/api/facets?ownership=keyvault_access")
        .await
        .json();
    assert_eq!(ticked["facets"]["ownership"], all["facets"]["ownership"]);

    let page = get(&app, "/search?ownership=keyvault_access").await.text();
    assert!(
        page.contains("Owning team"),
        "the sidebar and the chip name the facet"
    );
    assert!(page.contains("f-ownership-"), "the sidebar lists the teams");
}

#[tokio::test]
async fn search_page_holds_its_state_in_the_url() {
    let (_dir, app) = sample_app();
    let page = get(&app, "/search?q=vm&service=microsoft.compute&per_page=2").await;
    let html = page.text();
    // The ticked facet value is checked, and its chip removes exactly that filter.
    assert!(
        html.contains("name=\"service\" value=\"microsoft.compute\" id=\"f-service-0\" checked")
    );
    assert!(html.contains("href=\"/search?q=vm&#38;per_page=2\""));
    // Pagination keeps query, filters and page size.
    assert!(
        html.contains(
            "href=\"/search?q=vm&#38;service=microsoft.compute&#38;per_page=2&#38;page=2\""
        )
    );
    // The count, the range shown and the time: all 8 microsoft.compute sample articles
    // mention VMs.
    let head = "8 results<span class=\"muted\"> · 1–2 · ";
    let at = html
        .find(head)
        .unwrap_or_else(|| panic!("no {head:?} in:\n{html}"))
        + head.len();
    let (ms, rest) = html[at..].split_once(" ms</span>").expect("the time in ms");
    assert!(ms.parse::<f64>().is_ok_and(|t| t >= 0.0), "{ms:?}");
    assert!(!rest.is_empty());
    // The hits are the API's for the same request, in its order, each snippet (with its
    // highlighting) as the API gives it.
    let api = get(
        &app,
        "/api/search?q=vm&service=microsoft.compute&per_page=2",
    )
    .await
    .json();
    assert_eq!(api["total"], 8);
    let hits = api["hits"].as_array().expect("hits");
    assert_eq!(hits.len(), 2);
    let mut from = 0;
    for hit in hits {
        let path = hit["path"].as_str().expect("a path");
        // The link opens the article with the query's words marked, at the section that
        // matched.
        let anchor = hit["section"]["anchor"]
            .as_str()
            .map_or(String::new(), |a| format!("#{a}"));
        let link = format!(
            "<h3 class=\"hit__title\"><a href=\"/articles/{}?q=vm{anchor}\">",
            path.strip_suffix(".md").expect(".md")
        );
        let snippet = format!(
            "<p class=\"hit__snippet\">{}</p>",
            hit["snippet"].as_str().expect("a snippet")
        );
        assert!(snippet.contains("<mark>VM</mark>"), "{snippet}");
        let title_at = from + html[from..].find(&link).unwrap_or_else(|| panic!("{link}"));
        let snippet_at = title_at
            + html[title_at..]
                .find(&snippet)
                .unwrap_or_else(|| panic!("{snippet} after {link}"));
        from = snippet_at + snippet.len();
    }
    assert_eq!(html.matches("<li class=\"hit\">").count(), 2);
}

#[tokio::test]
async fn home_page_lists_every_service_and_type() {
    let (_dir, app) = sample_app();
    let html = get(&app, "/").await.text();
    for service in [
        "microsoft.compute",
        "microsoft.containerservice",
        "microsoft.documentdb",
        "microsoft.keyvault",
        "microsoft.network",
        "microsoft.recoveryservices",
        "microsoft.sql",
        "microsoft.storage",
        "microsoft.web",
    ] {
        assert!(
            html.contains(&format!("href=\"/services/{service}\"")),
            "{service}"
        );
    }
    assert!(html.contains("href=\"/search?type=rca\""));
    assert!(html.contains("action=\"/topics\""));
}

#[tokio::test]
async fn service_page_groups_articles_by_type() {
    let (_dir, app) = sample_app();
    let html = get(&app, "/services/microsoft.compute").await.text();
    assert_eq!(html.matches("class=\"article-item\"").count(), 8);
    assert!(html.contains("virtualmachines"));
    assert!(html.contains("id=\"type-rca\""));
    let missing = get(&app, "/services/microsoft.nothing").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn article_page_shows_properties_tokens_and_related_articles() {
    let (_dir, app) = sample_app();
    let r = get(
        &app,
        "/articles/microsoft.compute.virtualmachines/vm-rca-host-reboot?vmname=web01",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("Unexpected VM Restart RCA - Host Node Recovery"));
    // Property values link to their filtered search.
    assert!(html.contains("href=\"/search?service=microsoft.compute\""));
    assert!(html.contains("href=\"/topics/32750102\""));
    assert!(html.contains("href=\"/search?cloud=mooncake\""));
    // One input per token, the given value filled in the form and the text.
    for token in ["vmname", "StartTime", "EndTime"] {
        assert!(html.contains(&format!("name=\"{token}\"")), "{token}");
    }
    assert!(html.contains("value=\"web01\""));
    assert!(html.contains("web01"));
    assert!(html.contains("data-copy=\"filled-text\""));
    // Raw Markdown and JSON are one click away.
    assert!(html.contains(&format!("href=\"/articles/{RCA}\"")));
    assert!(html.contains(&format!("href=\"/api/articles/{RCA}\"")));
}

#[tokio::test]
async fn raw_markdown_is_plain_text_from_the_index() {
    let (_dir, app) = sample_app();
    let r = get(&app, &format!("/articles/{RCA}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), "text/plain; charset=utf-8");
    let on_disk = std::fs::read_to_string(sample_articles().join(RCA)).unwrap();
    assert_eq!(r.text(), on_disk.replace("\r\n", "\n"));
}

#[tokio::test]
async fn api_article_has_the_documented_fields() {
    let (_dir, app) = sample_app();
    let r = get(&app, &format!("/api/articles/{RCA}?vmname=web01")).await;
    let body = r.json();
    assert_eq!(body["path"], RCA);
    assert_eq!(
        body["article_id"],
        "VMAvailability_RCA_HostNodeHardwareFault"
    );
    assert_eq!(body["properties"]["service"], "microsoft.compute");
    assert_eq!(body["properties"]["supportTopicIds"][0], "32750102");
    assert!(body["html"].as_str().unwrap().contains("web01"));
    let tokens: Vec<&str> = body["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tokens, ["vmname", "StartTime", "EndTime"]);
    let sections: Vec<&str> = body["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        sections,
        [
            "issueDescription",
            "rcaDescription",
            "resolutionDetails",
            "recommendedActions",
            "additionalInfo"
        ]
    );
    // Its one topic, 32750102, is listed by no other article (a topic description names it
    // in its payload, not in supportTopicIds).
    assert_eq!(body["related"], serde_json::json!([]));

    let missing = get(&app, "/api/articles/nope/nothing.md").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.json()["error"].is_string());
}

#[tokio::test]
async fn related_articles_share_a_topic() {
    let (_dir, app) = sample_app();
    let body = get(
        &app,
        "/api/articles/microsoft.compute.virtualmachines/vm-boot-failure-windows-update.md",
    )
    .await
    .json();
    // Its one topic, 32750101, is listed by three other sample articles: each shares one
    // topic, so they come in browse order (displayOrder 5, 10, then none).
    let related: Vec<&str> = body["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| r["path"].as_str().expect("a path"))
        .collect();
    assert_eq!(
        related,
        [
            "microsoft.compute.virtualmachines/vm-diagnostics-rdp-connectivity.md",
            "microsoft.compute.virtualmachines/vm-rca-windows-update-boot-loop.md",
            "problemscopingques.compute.virtualmachines/vm-boot-failure-scoping.md",
        ]
    );
    assert_eq!(
        body["properties"]["supportTopicIds"],
        serde_json::json!(["32750101"])
    );
    let topics: Vec<&serde_json::Value> = body["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["support_topic_ids"])
        .collect();
    assert_eq!(
        topics,
        [
            &serde_json::json!(["32750103", "32750101"]),
            &serde_json::json!(["32750101"]),
            &serde_json::json!(["32750101"]),
        ]
    );
}

#[tokio::test]
async fn suggest_completes_titles_as_you_type() {
    let (_dir, app) = sample_app();
    let body = get(&app, "/api/suggest?q=unexpected+vm+rest").await.json();
    let first = &body["suggestions"][0];
    assert_eq!(
        first["title"],
        "Unexpected VM Restart RCA - Host Node Recovery"
    );
    assert_eq!(
        first["url"],
        "/articles/microsoft.compute.virtualmachines/vm-rca-host-reboot"
    );
    assert!(body["suggestions"].as_array().unwrap().len() <= 8);
    let empty = get(&app, "/api/suggest?q=").await.json();
    assert_eq!(empty["suggestions"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn hostile_paths_never_reach_the_file_system() {
    let (_dir, app) = sample_app();
    let attempts = [
        "/articles/../../etc/passwd",
        "/articles/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/articles/..%2f..%2fetc%2fpasswd",
        "/articles/%252e%252e%252f%252e%252e%252fetc%252fpasswd",
        "/articles/microsoft.storage/..%5c..%5cCargo.toml",
        "/api/articles/../../etc/passwd",
        "/api/articles/%2e%2e%2fCargo.toml",
        "/files/../Cargo.toml",
        "/files/%2e%2e/Cargo.toml",
        "/files/..%2fCargo.toml",
        "/files/%2e%2e%2fCargo.toml",
        "/files/%252e%252e%252fCargo.toml",
        "/files/microsoft.compute.virtualmachines/../../Cargo.toml",
        "/files/microsoft.compute.virtualmachines/vm-rca-host-reboot.md",
        "/files//etc/passwd",
        "/files/%2fetc%2fpasswd.png",
        "/static/../Cargo.toml",
        "/id/..%2f..%2fetc%2fpasswd",
        "/topics/..%2f..%2fetc%2fpasswd",
        "/services/..%2fCargo.toml",
        "/articles/%ff",
        "/files/%00.png",
    ];
    for uri in attempts {
        let r = get(&app, uri).await;
        assert!(r.status.is_client_error(), "{uri}: {}", r.status);
        let text = String::from_utf8_lossy(&r.body);
        assert!(!text.contains("root:"), "{uri} leaked /etc/passwd");
        assert!(!text.contains("[package]"), "{uri} leaked Cargo.toml");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn links_out_of_the_articles_folder_are_refused() {
    let outside = TempDir::new().unwrap();
    std::fs::write(outside.path().join("secret.png"), b"TOP-SECRET-CONTENT").unwrap();
    let articles = TempDir::new().unwrap();
    copy_article(RCA, articles.path());
    std::os::unix::fs::symlink(
        outside.path().join("secret.png"),
        articles.path().join("link.png"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), articles.path().join("dir")).unwrap();
    std::fs::write(articles.path().join("inside.png"), b"fine").unwrap();
    let (_dir, state) = state_for(articles.path());
    let app = app(state);
    for uri in ["/files/link.png", "/files/dir/secret.png"] {
        let r = get(&app, uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!String::from_utf8_lossy(&r.body).contains("TOP-SECRET-CONTENT"));
    }
    let r = get(&app, "/files/inside.png").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), "image/png");
    assert_eq!(r.body, b"fine");
}

#[tokio::test]
async fn bad_query_strings_get_a_4xx_or_a_normal_page() {
    let (_dir, app) = sample_app();
    let long = "a".repeat(5_000);
    let long_words = "word ".repeat(1_000);
    let cases: Vec<(String, Option<StatusCode>)> = vec![
        (format!("q={long}"), None),
        (format!("q={}", long_words.replace(' ', "+")), None),
        ("q=%ff".into(), Some(StatusCode::BAD_REQUEST)),
        ("q=%e2%82".into(), Some(StatusCode::BAD_REQUEST)),
        ("service=%c3%28".into(), Some(StatusCode::BAD_REQUEST)),
        ("page=-1".into(), Some(StatusCode::BAD_REQUEST)),
        ("page=0".into(), Some(StatusCode::BAD_REQUEST)),
        ("page=abc".into(), Some(StatusCode::BAD_REQUEST)),
        (
            "page=99999999999999999999999".into(),
            Some(StatusCode::BAD_REQUEST),
        ),
        ("page=100000".into(), Some(StatusCode::OK)),
        ("per_page=100000".into(), Some(StatusCode::BAD_REQUEST)),
        ("per_page=0".into(), Some(StatusCode::BAD_REQUEST)),
        ("per_page=100".into(), Some(StatusCode::OK)),
        ("sort=sideways".into(), Some(StatusCode::BAD_REQUEST)),
        ("topic=%3Cscript%3E".into(), Some(StatusCode::BAD_REQUEST)),
        ("q=%22vm+boot".into(), Some(StatusCode::OK)),
        ("q=%22%22%22".into(), Some(StatusCode::OK)),
        ("q=-".into(), Some(StatusCode::OK)),
        ("q=service%3A".into(), Some(StatusCode::OK)),
        (
            "q=%2A%3F%5B%5D%28%29%7B%7D%5E%7E".into(),
            Some(StatusCode::OK),
        ),
        (
            "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E".into(),
            Some(StatusCode::OK),
        ),
        ("q&&&=&page".into(), Some(StatusCode::OK)),
        ("q=%".into(), Some(StatusCode::OK)),
    ];
    for route in ["/search", "/api/search", "/api/facets"] {
        for (query, expected) in &cases {
            let uri = format!("{route}?{query}");
            let r = get(&app, &uri).await;
            assert!(
                !r.status.is_server_error(),
                "{route}?{}: {}",
                &query[..query.len().min(40)],
                r.status
            );
            if let Some(expected) = expected {
                // /api/facets ignores paging and sorting.
                let paging = query.starts_with("page") || query.starts_with("per_page");
                if !(route == "/api/facets" && paging && *expected == StatusCode::OK) {
                    assert_eq!(r.status, *expected, "{route}?{query}");
                }
            }
            if r.status == StatusCode::BAD_REQUEST && route.starts_with("/api") {
                assert!(r.json()["error"].is_string(), "{uri}");
            }
        }
    }
    // The page of a bad request says what is allowed, as HTML.
    let r = get(&app, "/search?per_page=100000").await;
    assert!(r.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert!(r.text().contains("from 1 to 100"));
    // The script typed in the search box is shown as text, never run.
    let r = get(&app, "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert!(!r.text().contains("<script>alert(1)"));
}

#[tokio::test]
async fn oversized_requests_are_refused() {
    let (_dir, app) = sample_app();
    let r = get(&app, &format!("/search?q={}", "a".repeat(10_000))).await;
    assert_eq!(r.status, StatusCode::URI_TOO_LONG);
    let mut req = Request::get("/").body(Body::empty()).unwrap();
    req.headers_mut()
        .insert("x-big", "b".repeat(20_000).parse().unwrap());
    let r = send(&app, req).await;
    assert_eq!(r.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    let post = send(
        &app,
        Request::post("/search")
            .body(Body::from(vec![b'x'; 100_000]))
            .unwrap(),
    )
    .await;
    assert!(post.status.is_client_error());
}

/// Copies one sample article into `root`, under the same relative path.
fn copy_article(rel: &str, root: &Path) {
    let to = root.join(rel);
    std::fs::create_dir_all(to.parent().expect("a parent folder")).expect("the folder is made");
    std::fs::copy(sample_articles().join(rel), to).expect("the article is copied");
}

const HOSTILE: &str = r#"<properties
	pageTitle="Hostile article"
	description="Tries every trick"
	service="microsoft.compute"
	resource="virtualmachines"
	articleId="hostile-1"
	selfHelpType="generic"
	supportTopicIds="11112222"
	cloudEnvironments="public"
/>
# Hostile article

<script>alert('script')</script>

<img src="x.png" onerror="alert('onerror')">

<a href="https://example.com" onclick="alert('onclick')">click</a>

<style>body { display: none }</style>

[a javascript link](javascript:alert('jslink'))

<a href="javascript:alert('jshref')">raw javascript link</a>

<a href="JaVaScRiPt:alert('mixed')">mixed case</a>

<iframe src="https://example.com"></iframe>

<div style="position:fixed">styled</div>

<!--$vmname-->Virtual machine<!--/$vmname-->
"#;

#[tokio::test]
async fn scripts_and_handlers_in_articles_are_removed() {
    let articles = TempDir::new().unwrap();
    std::fs::create_dir_all(articles.path().join("evil")).unwrap();
    std::fs::write(articles.path().join("evil/hostile.md"), HOSTILE).unwrap();
    let (_dir, state) = state_for(articles.path());
    let app = app(state);

    let api = get(&app, "/api/articles/evil/hostile.md").await.json();
    let page = get(&app, "/articles/evil/hostile").await.text();
    // A token value in the URL is text, never markup.
    let filled = get(
        &app,
        "/articles/evil/hostile?vmname=%3Cscript%3Ealert('token')%3C%2Fscript%3E",
    )
    .await
    .text();
    let html = api["html"].as_str().unwrap().to_owned();
    for rendered in [&html, &page, &filled] {
        let lower = rendered.to_lowercase();
        for bad in [
            "onerror",
            "onclick",
            "<style",
            "javascript:",
            "<iframe",
            "alert('script')",
            "<script>",
            "style=",
        ] {
            assert!(!lower.contains(bad), "{bad} survived");
        }
    }
    // The page's only script is its own, from /static/.
    assert_eq!(page.matches("<script").count(), 1);
    assert!(page.contains("<script src=\"/static/app.js?v="));
    assert!(filled.contains("&lt;script&gt;") || filled.contains("&#60;script"));
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let (_dir, app) = sample_app();
    for uri in [
        "/",
        "/search?q=vm",
        "/api/search",
        "/static/app.css",
        "/nothing/here",
        "/api/articles/none.md",
        "/search?page=-1",
    ] {
        let r = get(&app, uri).await;
        let csp = r.header(header::CONTENT_SECURITY_POLICY);
        assert!(csp.contains("default-src 'none'"), "{uri}");
        assert!(csp.contains("script-src 'self'"), "{uri}");
        assert!(csp.contains("frame-ancestors 'none'"), "{uri}");
        assert!(!csp.contains("unsafe-inline"), "{uri}");
        assert_eq!(r.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{uri}");
        assert_eq!(r.header(header::X_FRAME_OPTIONS), "DENY", "{uri}");
        assert_eq!(r.header(header::REFERRER_POLICY), "same-origin", "{uri}");
    }
}

#[tokio::test]
async fn pages_have_no_inline_script_or_style() {
    let (_dir, app) = sample_app();
    for uri in [
        "/",
        "/search?q=vm",
        "/services",
        "/topics/32750101",
        &format!("/articles/{}", RCA.trim_end_matches(".md")),
        "/articles/problemscopingques.compute.virtualmachines/vm-boot-failure-scoping",
        "/check",
        "/nothing",
    ] {
        let html = get(&app, uri).await.text();
        assert!(!html.contains("style=\""), "{uri} has a style attribute");
        assert!(!html.contains("<style"), "{uri} has a style element");
        for (i, _) in html.match_indices("<script") {
            assert!(html[i..].starts_with("<script src=\"/static/"), "{uri}");
        }
        assert!(!html.contains(" onclick="), "{uri}");
        // Landmarks and the skip link.
        assert!(html.contains("<main id=\"main\""), "{uri}");
        assert!(html.contains("href=\"#main\""), "{uri}");
        assert!(html.contains("<html lang=\"en\">"), "{uri}");
    }
}

#[tokio::test]
async fn static_assets_are_versioned_and_revalidated_with_etags() {
    let (_dir, app) = sample_app();
    let home = get(&app, "/").await.text();
    let start = home.find("/static/app.css?v=").unwrap();
    let end = start + home[start..].find('"').unwrap();
    let url = &home[start..end];
    let css = get(&app, url).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header(header::CACHE_CONTROL).contains("immutable"));
    let etag = css.header(header::ETAG).to_owned();
    let again = send(
        &app,
        Request::get(url)
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    // An old or missing version is served but revalidated.
    let old = get(&app, "/static/app.css?v=old").await;
    assert_eq!(old.header(header::CACHE_CONTROL), "no-cache");
    // Pages are short-lived but revalidate the same way.
    let page = get(&app, "/services").await;
    assert_eq!(page.header(header::CACHE_CONTROL), "no-cache");
    let etag = page.header(header::ETAG).to_owned();
    let again = send(
        &app,
        Request::get("/services")
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let missing = get(&app, "/static/nothing.css").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let (_dir, app) = sample_app();
    let r = send(
        &app,
        Request::get("/search?q=vm")
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_ENCODING), "gzip");
}

#[tokio::test]
async fn errors_are_json_for_the_api_and_pages_for_people() {
    let (_dir, app) = sample_app();
    let api = get(&app, "/api/articles/nothing.md").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(
        api.header(header::CONTENT_TYPE)
            .starts_with("application/json")
    );
    let page = get(&app, "/articles/nothing/here").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert!(page.text().contains("No article at"));
    let unknown = get(&app, "/no/such/page").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.text().contains("There is no page at"));
    let api_unknown = get(&app, "/api/nothing").await;
    assert_eq!(api_unknown.status, StatusCode::NOT_FOUND);
    assert!(api_unknown.json()["error"].is_string());
}

#[tokio::test]
async fn article_ids_redirect_or_list_the_files_sharing_them() {
    let articles = TempDir::new().unwrap();
    copy_article(RCA, articles.path());
    let twin = std::fs::read_to_string(sample_articles().join(RCA)).unwrap();
    std::fs::create_dir_all(articles.path().join("copies")).unwrap();
    std::fs::write(articles.path().join("copies/twin.md"), twin).unwrap();
    let (_dir, state) = state_for(articles.path());
    let app = app(state);
    let r = get(&app, "/id/VMAvailability_RCA_HostNodeHardwareFault").await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("href=\"/articles/copies/twin\""));
    assert!(html.contains(&format!(
        "href=\"/articles/{}\"",
        RCA.trim_end_matches(".md")
    )));
    let none = get(&app, "/id/no-such-id").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    // The health page reports the duplicate, by code and by folder, linking the articles.
    let check = get(&app, "/check").await.text();
    assert!(check.contains("duplicate-article-id"));
    assert!(check.contains("href=\"/check?folder=copies\""));
    assert!(check.contains("href=\"/articles/copies/twin\""));
    let by_code = get(&app, "/check?code=duplicate-article-id").await.text();
    assert_eq!(
        by_code
            .matches("<li><span class=\"sev sev--error\">")
            .count(),
        2
    );
    let bad = get(&app, "/check?code=nonsense").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn openapi_document_describes_every_api_route() {
    let (_dir, app) = sample_app();
    let doc = get(&app, "/api/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/search",
        "/api/facets",
        "/api/articles/{path}",
        "/api/articles/{path}/reply",
        "/api/topics/{id}",
        "/api/suggest",
        "/healthz",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
}

const NEW_ARTICLE: &str = r#"<properties
	pageTitle="Quokka zebra watch test"
	description="Written while the server watches"
	service="microsoft.compute"
	resource="virtualmachines"
	articleId="watch-test-1"
	selfHelpType="generic"
	supportTopicIds="55556666"
	cloudEnvironments="public"
/>
# Quokka zebra

A zebraquokka appears.
"#;

/// Polls a search until its total is `want`, for at most five seconds; returns how long it
/// took.
async fn wait_for_total(app: &Router, uri: &str, want: u64) -> Duration {
    let started = Instant::now();
    loop {
        let total = get(app, uri).await.json()["total"]
            .as_u64()
            .expect("a total");
        if total == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{uri} still has {total} results, not {want}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_makes_changes_searchable_without_a_restart() {
    let articles = TempDir::new().unwrap();
    copy_article(RCA, articles.path());
    let dir = TempDir::new().unwrap();
    let mut indexer = Indexer::open(dir.path()).unwrap();
    common::index::sync(&mut indexer, articles.path(), false);
    let index = KbIndex::from_index(indexer.index().clone(), dir.path()).unwrap();
    let state = AppState::new(index, articles.path());
    let watcher = watch::spawn(indexer, articles.path(), state.clone()).unwrap();
    let app = app(state);
    let search = "/api/search?q=zebraquokka";
    assert_eq!(get(&app, search).await.json()["total"], 0);

    // Added: searchable, its topic has a dossier.
    std::fs::create_dir_all(articles.path().join("new")).unwrap();
    std::fs::write(articles.path().join("new/watched.md"), NEW_ARTICLE).unwrap();
    let added = wait_for_total(&app, search, 1).await;
    let hit = get(&app, search).await.json();
    assert_eq!(hit["hits"][0]["path"], "new/watched.md");
    assert_eq!(get(&app, "/api/topics/55556666").await.json()["total"], 1);

    // Changed: the new text is found, the old text is not.
    std::fs::write(
        articles.path().join("new/watched.md"),
        NEW_ARTICLE.replace("zebraquokka", "platypusotter"),
    )
    .unwrap();
    wait_for_total(&app, "/api/search?q=platypusotter", 1).await;
    wait_for_total(&app, search, 0).await;

    // Renamed: found under the new path only.
    std::fs::rename(
        articles.path().join("new/watched.md"),
        articles.path().join("new/renamed.md"),
    )
    .unwrap();
    let renamed = Instant::now();
    loop {
        let body = get(&app, "/api/search?q=platypusotter").await.json();
        if body["total"] == 1 && body["hits"][0]["path"] == "new/renamed.md" {
            break;
        }
        assert!(
            renamed.elapsed() < Duration::from_secs(5),
            "rename not seen: {body}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    // Removed: gone.
    std::fs::remove_file(articles.path().join("new/renamed.md")).unwrap();
    let removed = wait_for_total(&app, "/api/search?q=platypusotter", 0).await;
    let missing = get(&app, "/api/articles/new/renamed.md").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(added < Duration::from_secs(5) && removed < Duration::from_secs(5));
    eprintln!("watch: added visible after {added:?}, removal after {removed:?}");
    watcher.stop();
}

/// Many API requests at once are answered on the runtime's own threads: never more searches
/// at a time than the runtime has threads (4 here), and every one is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_api_searches_run_at_most_one_per_runtime_thread() {
    let (_dir, state) = state_for(&sample_articles());
    let workers = state.workers();
    let expected = std::thread::available_parallelism().map_or(2, |n| n.get());
    assert_eq!(workers, expected);
    let app = app(state.clone());
    let queries = [
        "vm reboot",
        "storage 403",
        "sql timeout",
        "rdp",
        "disk",
        "bootloop",
    ];
    let mut tasks = Vec::new();
    for i in 0..48 {
        let app = app.clone();
        let uri = format!(
            "/api/search?q={}",
            queries[i % queries.len()].replace(' ', "+")
        );
        tasks.push(tokio::spawn(async move { get(&app, &uri).await.status }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("the request task ends"), StatusCode::OK);
    }
    let peak = state.peak_busy();
    assert!(
        (1..=4).contains(&peak),
        "{peak} searches ran at once on a runtime of 4 threads"
    );
    // The threads keep serving after the burst.
    assert_eq!(
        get(&app, "/api/search?q=reboot").await.status,
        StatusCode::OK
    );
}
