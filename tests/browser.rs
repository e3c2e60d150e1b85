#![cfg(feature = "browser")]
//! The web app in real headless Chromium, driven through chromedriver: the flows a support
//! agent follows (topic dossier, search with facets and chips, the back button, article
//! tokens, suggestions, the `/` shortcut), dark mode, no console errors on any page, and a
//! screenshot of every page under `target/screenshots/` for people to look at.
//!
//! Needs Debian's `chromium` and `chromium-driver`; run by .ci/run as
//! `cargo test --features browser --test browser -- --test-threads 1` (one browser at a time:
//! the machine has two cores). Each test starts its own app, chromedriver and browser, and
//! every wait is bounded (see `harness`).

mod common;
#[path = "browser/harness.rs"]
mod harness;

use std::time::Duration;

use serde_json::{Value, json};

use common::{ERROR_CODES, INVALID_PROBLEMS};
use harness::{Browser, DESKTOP, PHONE, drive, drive_on};

/// Topic 32750101: listed by four sample articles, named by a supportTopicDescription.
const TOPIC: &str = "32750101";
const TOPIC_NAME: &str = "VM is not booting after a Windows update";
const TOPIC_ARTICLES: [&str; 4] = [
    "/articles/microsoft.compute.virtualmachines/vm-boot-failure-windows-update",
    "/articles/microsoft.compute.virtualmachines/vm-diagnostics-rdp-connectivity",
    "/articles/microsoft.compute.virtualmachines/vm-rca-windows-update-boot-loop",
    "/articles/problemscopingques.compute.virtualmachines/vm-boot-failure-scoping",
];
/// An article with a `vmname` replacement token.
const RCA: &str = "/articles/microsoft.compute.virtualmachines/vm-rca-host-reboot";

/// The number in the results heading ("1,234 results · 1–20 · 3.1 ms"), 0 for "No results".
async fn result_count(b: &Browser) -> u64 {
    let heading = b.text("#results-title").await;
    let digits: String = heading
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if heading.starts_with("No results") {
        return 0;
    }
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no count in the results heading {heading:?}"))
}

/// The service facet as the sidebar shows it: `(value, count, checked, checkbox id)`.
async fn service_facet(b: &Browser) -> Vec<(String, u64, bool, String)> {
    let rows = b
        .js(
            r#"return Array.from(document.querySelectorAll('.facets input[name="service"]'))
              .map(i => {
                const label = document.querySelector('label[for="' + i.id + '"] .count');
                return [i.value, label ? label.textContent.trim() : '', i.checked, i.id];
              });"#,
        )
        .await;
    rows.as_array()
        .expect("an array of facet rows")
        .iter()
        .map(|r| {
            let count = r[1].as_str().unwrap_or_default();
            (
                r[0].as_str().unwrap_or_default().to_owned(),
                count
                    .replace(',', "")
                    .parse()
                    .unwrap_or_else(|_| panic!("facet count {count:?} is not a number")),
                r[2].as_bool().unwrap_or_default(),
                r[3].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The query parameters of the current URL, decoded, in order.
async fn query_pairs(b: &Browser) -> Vec<(String, String)> {
    let pairs = b
        .js("return Array.from(new URLSearchParams(location.search).entries());")
        .await;
    pairs
        .as_array()
        .expect("an array of pairs")
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap_or_default().to_owned(),
                p[1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn services_in(pairs: &[(String, String)]) -> Vec<String> {
    let mut s: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "service")
        .map(|(_, v)| v.clone())
        .collect();
    s.sort();
    s
}

/// Ticks a facet value as a person would (its label), and follows the page it leads to.
/// Whichever the app does: when its script ran and marks the box `data-autosubmit`, ticking
/// must submit by itself; otherwise the "Apply filters" button submits. True when the
/// script submitted.
async fn tick(b: &Browser, checkbox_id: &str) -> bool {
    let auto = b
        .js(&format!(
            "return document.documentElement.classList.contains('js') \
             && document.getElementById({checkbox_id:?}).hasAttribute('data-autosubmit');"
        ))
        .await
        == json!(true);
    b.mark_document().await;
    b.find(&format!("label[for=\"{checkbox_id}\"]"))
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking the label of {checkbox_id}: {e}"));
    if auto {
        b.wait_navigation(&format!(
            "ticking {checkbox_id} (the script submits on change)"
        ))
        .await;
        return true;
    }
    let apply = b.find(".facets__apply").await;
    assert!(
        apply.is_displayed().await.expect("displayed"),
        "without script, Apply filters must be visible"
    );
    apply.click().await.expect("Apply filters is clicked");
    b.wait_navigation("Apply filters").await;
    false
}

/// Relative luminance (WCAG) of a computed CSS colour `rgb(r, g, b)` / `rgba(...)`.
fn luminance(css: &str) -> f64 {
    let parts: Vec<f64> = css
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .take(3)
        .map(|p| {
            p.trim()
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("not an rgb() colour: {css}"))
        })
        .collect();
    assert_eq!(parts.len(), 3, "not an rgb() colour: {css}");
    let lin = |c: f64| {
        let c = c / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(parts[0]) + 0.7152 * lin(parts[1]) + 0.0722 * lin(parts[2])
}

/// WCAG contrast ratio of two computed colours.
fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `(body background, body text colour)` as computed.
async fn body_colors(b: &Browser) -> (String, String) {
    let v = b
        .js("const s = getComputedStyle(document.body); return [s.backgroundColor, s.color];")
        .await;
    (
        v[0].as_str().unwrap_or_default().to_owned(),
        v[1].as_str().unwrap_or_default().to_owned(),
    )
}

/// Things any page must get right in any viewport: styled (the stylesheet loaded), one
/// `h1` of its own (an article's Markdown may bring another: reported, not failed), and
/// nothing wider than the viewport (horizontal scrolling).
async fn assert_page_sane(b: &Browser, context: &str) {
    let v = b
        .js(r#"return {
              styled: Array.from(document.styleSheets).some(sheet =>
                (sheet.href || '').includes('/static/app.css') && sheet.cssRules.length > 0),
              h1: Array.from(document.querySelectorAll('h1')).filter(h => !h.closest('.kb-article')).length,
              scrollWidth: document.documentElement.scrollWidth,
              width: document.documentElement.clientWidth,
              wide: Array.from(document.querySelectorAll('body *'))
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                  && getComputedStyle(e).position !== 'absolute'
                  && !e.closest('.table-wrap, pre'))
                .slice(0, 5)
                .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
                  + ' (right ' + Math.round(e.getBoundingClientRect().right) + '): '
                  + (e.textContent || '').trim().slice(0, 60)),
            };"#)
        .await;
    assert_eq!(
        v["styled"],
        json!(true),
        "{context}: app.css is not applied"
    );
    assert_eq!(v["h1"], json!(1), "{context}: expected exactly one h1");
    let (scroll, width) = (
        v["scrollWidth"].as_u64().unwrap_or_default(),
        v["width"].as_u64().unwrap_or_default(),
    );
    assert!(
        scroll <= width,
        "{context}: the page scrolls sideways ({scroll} px wide in a {width} px viewport); \
         too wide: {}",
        v["wide"]
    );
}

#[tokio::test]
async fn topic_id_on_the_home_page_opens_its_dossier() {
    drive("topic dossier", async |b: &mut Browser| {
        b.visit("/").await;
        let input = b.find("#home-topic").await;
        input.send_keys(TOPIC).await.expect("the topic ID is typed");
        b.mark_document().await;
        b.find(".topic-form button[type=submit]")
            .await
            .click()
            .await
            .expect("Open dossier is clicked");
        b.wait_navigation("Open dossier").await;
        // /topics?id= answers 303 to the dossier's own URL.
        assert_eq!(b.location().await, format!("/topics/{TOPIC}"));
        b.assert_console_clean("the topic dossier").await;

        assert_eq!(b.text("h1").await, TOPIC_NAME);
        assert!(
            b.client
                .title()
                .await
                .expect("the title is read")
                .contains(TOPIC_NAME)
        );
        let links = b
            .js("return Array.from(document.querySelectorAll('.article-item__title')).map(a => a.getAttribute('href')).sort();")
            .await;
        assert_eq!(links, json!(TOPIC_ARTICLES));
        assert!(
            b.text(".page-head .lead").await.contains("4 articles"),
            "the dossier counts its articles"
        );
        assert_page_sane(b, "the topic dossier").await;
        b.screenshot("flow-topic-from-home", DESKTOP.0, false).await;

        // Following one of the articles works from the dossier.
        b.mark_document().await;
        b.find(&format!(".article-item__title[href=\"{}\"]", TOPIC_ARTICLES[0]))
            .await
            .click()
            .await
            .expect("an article is opened");
        b.wait_navigation("opening an article of the dossier").await;
        assert_eq!(b.location().await, TOPIC_ARTICLES[0]);
        b.assert_console_clean(TOPIC_ARTICLES[0]).await;
    })
    .await;
}

#[tokio::test]
async fn search_facets_chips_and_the_back_button() {
    drive("search with facets", async |b: &mut Browser| {
        // Type the words on the home page and submit with Enter.
        b.visit("/").await;
        let q = b.find("#home-q").await;
        q.send_keys("connection").await.expect("words are typed");
        b.mark_document().await;
        q.send_keys("\u{E007}").await.expect("Enter is pressed");
        b.wait_navigation("submitting the search").await;
        assert_eq!(b.location().await, "/search?q=connection");
        b.assert_console_clean("/search?q=connection").await;
        let unfiltered = result_count(b).await;
        assert!(unfiltered > 0, "`connection` finds articles");
        assert_eq!(
            b.find("#q").await.prop("value").await.expect("value"),
            Some("connection".to_owned()),
            "the search box keeps the words"
        );

        // Two services from the sidebar, with the counts it shows for them.
        let facet = service_facet(b).await;
        let pick = |name: &str| {
            facet
                .iter()
                .find(|f| f.0 == name)
                .cloned()
                .unwrap_or_else(|| panic!("{name} is not in the service facet: {facet:?}"))
        };
        let compute = pick("microsoft.compute");
        let sql = pick("microsoft.sql");
        assert!(compute.1 > 0 && sql.1 > 0, "{facet:?}");
        assert!(!compute.2 && !sql.2, "nothing is ticked yet: {facet:?}");

        assert!(
            tick(b, &compute.3).await,
            "with script, ticking a filter submits the search"
        );
        b.assert_console_clean("after ticking microsoft.compute")
            .await;
        assert_eq!(
            services_in(&query_pairs(b).await),
            ["microsoft.compute"],
            "{}",
            b.location().await
        );
        assert_eq!(result_count(b).await, compute.1);

        // The facet is disjunctive: microsoft.sql is still offered with its count.
        let facet = service_facet(b).await;
        let sql_now = facet
            .iter()
            .find(|f| f.0 == "microsoft.sql")
            .cloned()
            .unwrap_or_else(|| panic!("microsoft.sql is gone after ticking compute: {facet:?}"));
        assert_eq!(sql_now.1, sql.1);
        assert!(tick(b, &sql_now.3).await);
        b.assert_console_clean("after ticking microsoft.sql").await;
        let both_url = b.location().await;
        let pairs = query_pairs(b).await;
        assert_eq!(
            services_in(&pairs),
            ["microsoft.compute", "microsoft.sql"],
            "{both_url}"
        );
        assert!(
            pairs.contains(&("q".to_owned(), "connection".to_owned())),
            "the words stay: {both_url}"
        );

        // The count is the sum of what the sidebar showed for the two services.
        let facet = service_facet(b).await;
        let shown: u64 = facet
            .iter()
            .filter(|f| f.0 == "microsoft.compute" || f.0 == "microsoft.sql")
            .map(|f| {
                assert!(f.2, "{} is ticked: {facet:?}", f.0);
                f.1
            })
            .sum();
        let both = result_count(b).await;
        assert_eq!(both, compute.1 + sql.1);
        assert_eq!(both, shown);
        let hits = b.find_all("li.hit").await.len() as u64;
        assert_eq!(hits, both.min(20), "one result item per hit");
        let chips = b.find_all(".chips a.chip:not(.chip--clear)").await;
        assert_eq!(chips.len(), 2, "one chip per ticked service");
        assert_page_sane(b, "the search page").await;
        b.screenshot("flow-search-two-services", DESKTOP.0, false)
            .await;

        // Removing one chip removes that filter only.
        b.mark_document().await;
        b.find(r#".chips a.chip[aria-label*="microsoft.sql"]"#)
            .await
            .click()
            .await
            .expect("the sql chip is clicked");
        b.wait_navigation("removing the sql chip").await;
        b.assert_console_clean("after removing a chip").await;
        let pairs = query_pairs(b).await;
        assert_eq!(
            services_in(&pairs),
            ["microsoft.compute"],
            "{}",
            b.location().await
        );
        assert!(pairs.contains(&("q".to_owned(), "connection".to_owned())));
        assert_eq!(result_count(b).await, compute.1);
        let facet = service_facet(b).await;
        assert!(
            facet
                .iter()
                .any(|f| f.0 == "microsoft.sql" && !f.2 && f.1 == sql.1),
            "microsoft.sql is offered again, unticked: {facet:?}"
        );
        assert_eq!(b.find_all(".chips a.chip:not(.chip--clear)").await.len(), 1);

        // Back: both filters again.
        b.mark_document().await;
        b.client.back().await.expect("back");
        b.wait_for("the previous page", "document.readyState === 'complete'")
            .await;
        b.wait_for(
            "the URL with both services",
            &format!(
                "location.pathname + location.search === {}",
                json!(both_url)
            ),
        )
        .await;
        assert_eq!(result_count(b).await, both);
        let facet = service_facet(b).await;
        assert!(
            facet
                .iter()
                .filter(|f| f.0 == "microsoft.compute" || f.0 == "microsoft.sql")
                .all(|f| f.2),
            "both services ticked after Back: {facet:?}"
        );
        assert_eq!(b.find_all(".chips a.chip:not(.chip--clear)").await.len(), 2);
        b.assert_console_clean("after Back").await;
    })
    .await;
}

#[tokio::test]
async fn article_tokens_fill_from_the_url_and_the_form() {
    drive("article tokens", async |b: &mut Browser| {
        b.visit(&format!("{RCA}?vmname=web01")).await;
        let chips = r#"Array.from(document.querySelectorAll('.kb-article .kb-token[data-token="vmname"]')).map(c => c.textContent.trim())"#;
        let shown = b.js(&format!("return {chips};")).await;
        assert!(
            !shown.as_array().is_none_or(Vec::is_empty),
            "the article shows its vmname token"
        );
        assert!(
            shown.as_array().into_iter().flatten().all(|c| c == "web01"),
            "every vmname chip shows web01: {shown}"
        );
        let input = b.find(r#".tokens__form input[name="vmname"]"#).await;
        assert_eq!(
            input.prop("value").await.expect("value"),
            Some("web01".to_owned())
        );
        assert_page_sane(b, "the article page").await;
        b.screenshot("flow-article-web01", DESKTOP.0, false).await;

        // Fill the form and submit: the chip follows.
        input.clear().await.expect("the field is cleared");
        input.send_keys("db-02").await.expect("a value is typed");
        b.mark_document().await;
        b.find(".tokens__form button[type=submit]")
            .await
            .click()
            .await
            .expect("Fill in is clicked");
        b.wait_navigation("Fill in").await;
        b.assert_console_clean("after filling the token").await;
        let pairs = query_pairs(b).await;
        assert!(
            pairs.contains(&("vmname".to_owned(), "db-02".to_owned())),
            "{pairs:?}"
        );
        assert!(b.location().await.starts_with(RCA));
        let shown = b.js(&format!("return {chips};")).await;
        assert!(
            !shown.as_array().is_none_or(Vec::is_empty)
                && shown.as_array().into_iter().flatten().all(|c| c == "db-02"),
            "every vmname chip shows db-02: {shown}"
        );
        // The text to copy has the value too.
        let filled = b
            .js("return document.getElementById('filled-text').value;")
            .await;
        assert!(
            filled.as_str().unwrap_or_default().contains("db-02"),
            "the filled text has the value: {filled}"
        );
        // With script, the copy button is shown.
        assert!(
            b.find("[data-copy]")
                .await
                .is_displayed()
                .await
                .expect("displayed")
        );
    })
    .await;
}

#[tokio::test]
async fn suggestions_appear_while_typing_and_open_an_article() {
    drive("suggestions", async |b: &mut Browser| {
        b.visit("/").await;
        let q = b.find("#home-q").await;
        q.click().await.expect("the search box is clicked");
        q.send_keys("boot").await.expect("words are typed");
        b.wait_for(
            "suggestions under the search box",
            "document.querySelector('ul.suggest') && !document.querySelector('ul.suggest').hidden \
             && document.querySelectorAll('ul.suggest [role=option]').length > 0",
        )
        .await;
        assert_eq!(
            q.attr("aria-expanded").await.expect("aria-expanded"),
            Some("true".to_owned())
        );
        let first = b
            .js("return document.querySelector('ul.suggest [role=option]').dataset.url;")
            .await;
        let first = first.as_str().expect("a suggestion URL").to_owned();
        assert!(first.starts_with("/articles/"), "{first}");
        assert!(
            b.find("ul.suggest")
                .await
                .is_displayed()
                .await
                .expect("displayed"),
            "the suggestion list is visible"
        );
        b.screenshot("flow-home-suggestions", DESKTOP.0, false).await;

        // Arrow down picks the first; Enter opens it.
        q.send_keys("\u{E015}").await.expect("ArrowDown");
        b.wait_for(
            "the first suggestion to be selected",
            "document.querySelector('ul.suggest [role=option]').getAttribute('aria-selected') === 'true'",
        )
        .await;
        b.mark_document().await;
        q.send_keys("\u{E007}").await.expect("Enter");
        b.wait_navigation("Enter on a suggestion").await;
        assert_eq!(b.location().await, first);
        b.assert_console_clean(&first).await;

        // Escape closes the list without leaving the page.
        b.visit("/search").await;
        let q = b.find("#q").await;
        q.click().await.expect("the search box is clicked");
        q.send_keys("vm").await.expect("words are typed");
        b.wait_for(
            "suggestions on the search page",
            "document.querySelector('ul.suggest') && !document.querySelector('ul.suggest').hidden",
        )
        .await;
        q.send_keys("\u{E00C}").await.expect("Escape");
        b.wait_for(
            "Escape to close the suggestions",
            "document.querySelector('ul.suggest').hidden",
        )
        .await;
        assert_eq!(b.location().await, "/search");
    })
    .await;
}

#[tokio::test]
async fn slash_focuses_the_search_box() {
    drive("the / shortcut", async |b: &mut Browser| {
        for (path, box_id) in [("/", "home-q"), ("/search?q=vm", "q"), (RCA, "header-q")] {
            b.visit(path).await;
            b.js("document.activeElement && document.activeElement.blur(); return null;")
                .await;
            b.press('/').await;
            b.wait_for(
                &format!("`/` to focus #{box_id} on {path}"),
                &format!("document.activeElement && document.activeElement.id === {box_id:?}"),
            )
            .await;
            // The key itself is not typed into the box.
            let value = b
                .js("return document.activeElement.value;")
                .await
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(!value.contains('/'), "{path}: `/` was typed: {value:?}");
        }
        // Typing a `/` in another field types it.
        b.visit("/").await;
        let topic = b.find("#home-topic").await;
        topic.click().await.expect("the topic field is clicked");
        b.press('/').await;
        let active = b.js("return document.activeElement.id;").await;
        assert_eq!(active, json!("home-topic"), "the focus stays in the field");
        assert_eq!(
            topic.prop("value").await.expect("value"),
            Some("/".to_owned())
        );
    })
    .await;
}

#[tokio::test]
async fn dark_mode_follows_the_system() {
    drive("dark mode", async |b: &mut Browser| {
        b.color_scheme("light").await;
        b.visit("/").await;
        let (bg, fg) = body_colors(b).await;
        assert!(luminance(&bg) > 0.8, "light background in light mode: {bg}");
        assert!(
            contrast(&bg, &fg) >= 7.0,
            "light mode text contrast {:.1} ({fg} on {bg})",
            contrast(&bg, &fg)
        );

        b.color_scheme("dark").await;
        let dark = b
            .js("return matchMedia('(prefers-color-scheme: dark)').matches;")
            .await;
        assert_eq!(dark, json!(true), "the emulation took");
        for path in ["/", "/search?q=vm", RCA] {
            b.visit(path).await;
            let (bg, fg) = body_colors(b).await;
            assert!(luminance(&bg) < 0.05, "{path}: dark background: {bg}");
            assert!(
                contrast(&bg, &fg) >= 7.0,
                "{path}: dark mode text contrast {:.1} ({fg} on {bg})",
                contrast(&bg, &fg)
            );
            // Panels and inputs follow too (a white box on a dark page is the usual slip).
            let surfaces = b
                .js(r#"return Array.from(document.querySelectorAll('.panel, input[type=search], input[type=text], .hit, .site-header'))
                      .map(e => [e.tagName.toLowerCase() + '.' + String(e.className).split(' ').join('.'), getComputedStyle(e).backgroundColor]);"#)
                .await;
            for s in surfaces.as_array().into_iter().flatten() {
                let color = s[1].as_str().unwrap_or_default();
                if color == "rgba(0, 0, 0, 0)" {
                    continue;
                }
                assert!(
                    luminance(color) < 0.1,
                    "{path}: {} is light in dark mode: {color}",
                    s[0]
                );
            }
        }
        b.visit("/").await;
        b.screenshot("home-dark", DESKTOP.0, false).await;
        b.visit("/search?q=vm&service=microsoft.compute").await;
        b.screenshot("search-dark", DESKTOP.0, false).await;
        b.visit(&format!("{RCA}?vmname=web01")).await;
        b.screenshot("article-dark", DESKTOP.0, false).await;
    })
    .await;
}

#[tokio::test]
async fn every_page_renders_without_console_errors() {
    drive("every page", async |b: &mut Browser| {
        let pages = [
            ("home", "/"),
            (
                "search-facets",
                "/search?q=vm&service=microsoft.compute&service=microsoft.sql",
            ),
            ("topic-dossier", "/topics/32750101"),
            ("article", RCA),
            ("services", "/services"),
            ("service", "/services/microsoft.compute"),
            ("check", "/check"),
            (
                "scoping-questions",
                "/articles/problemscopingques.compute.virtualmachines/vm-boot-failure-scoping",
            ),
            (
                "topic-description",
                "/articles/supporttopicdescriptions/supporttopics_14821",
            ),
        ];
        for (name, path) in pages {
            b.visit(path).await;
            assert_page_sane(b, path).await;
            b.screenshot(name, DESKTOP.0, false).await;
        }

        // An unknown page: its own 404 is the one console error Chromium logs for it. That
        // entry also proves the browser log is really read (an empty log would pass every
        // console check).
        let missing = "/no/such/page";
        b.client
            .goto(&b.url(missing))
            .await
            .expect("the missing page opens");
        let logged = b.console().await;
        assert!(
            logged
                .iter()
                .any(|e| e.level == "SEVERE" && e.message.contains("404")),
            "the browser log has the 404 of {missing}: {logged:?}"
        );
        b.allow_console_error(format!(
            "{} - Failed to load resource: the server responded with a status of 404",
            b.url(missing)
        ));
        b.visit(missing).await;
        // Compared without case: the eyebrow is upper-cased by CSS, and WebDriver reads the
        // text as shown.
        let eyebrow = b.text(".eyebrow").await;
        assert!(eyebrow.eq_ignore_ascii_case("Error 404"), "{eyebrow}");
        assert_eq!(b.text("h1").await, "Not Found");
        assert!(b.text(".lead").await.contains(missing));
        assert_page_sane(b, missing).await;
        b.screenshot("error-404", DESKTOP.0, false).await;

        // The same pages on a phone.
        b.viewport(Some((PHONE.0, PHONE.1, true))).await;
        for (name, path) in [
            ("home", "/"),
            ("search", "/search?q=vm&service=microsoft.compute"),
            ("article", RCA),
            ("services", "/services"),
            ("check", "/check"),
        ] {
            b.visit(path).await;
            let width = b.js("return document.documentElement.clientWidth;").await;
            assert_eq!(width, json!(PHONE.0), "{path}: the phone viewport took");
            assert_page_sane(b, &format!("{path} on a phone")).await;
            b.screenshot(&format!("phone-{name}"), PHONE.0, true).await;
            b.viewport(Some((PHONE.0, PHONE.1, true))).await;
        }
        b.viewport(None).await;
    })
    .await;
}

#[tokio::test]
async fn filters_and_chips_work_without_javascript() {
    drive("no script", async |b: &mut Browser| {
        // DevTools' "Disable JavaScript": page scripts stop, WebDriver's own still run.
        b.cdp(
            "Emulation.setScriptExecutionDisabled",
            json!({ "value": true }),
        )
        .await;
        b.visit("/search?q=connection").await;
        let js_ran = b
            .js("return document.documentElement.classList.contains('js');")
            .await;
        assert_eq!(js_ran, json!(false), "app.js must not have run");
        let facet = service_facet(b).await;
        let pick = |name: &str| {
            facet
                .iter()
                .find(|f| f.0 == name)
                .cloned()
                .unwrap_or_else(|| panic!("{name} is not in the service facet: {facet:?}"))
        };
        let (compute, sql) = (pick("microsoft.compute"), pick("microsoft.sql"));

        // Tick two, then Apply filters: one request with both.
        b.mark_document().await;
        b.find(&format!("label[for=\"{}\"]", compute.3))
            .await
            .click()
            .await
            .expect("compute is ticked");
        assert!(
            !b.navigated(Duration::from_secs(1)).await,
            "without script, ticking alone must not leave the page"
        );
        assert!(
            !tick(b, &sql.3).await,
            "without script nothing submits on change"
        );
        b.assert_console_clean("after Apply filters without script")
            .await;
        assert_eq!(
            services_in(&query_pairs(b).await),
            ["microsoft.compute", "microsoft.sql"],
            "{}",
            b.location().await
        );
        assert_eq!(result_count(b).await, compute.1 + sql.1);
        assert_page_sane(b, "the search page without script").await;
        b.screenshot("flow-search-noscript", DESKTOP.0, false).await;

        // Chips are plain links.
        b.mark_document().await;
        b.find(r#".chips a.chip[aria-label*="microsoft.compute"]"#)
            .await
            .click()
            .await
            .expect("the compute chip is clicked");
        b.wait_navigation("removing the compute chip").await;
        assert_eq!(services_in(&query_pairs(b).await), ["microsoft.sql"]);
        assert_eq!(result_count(b).await, sql.1);
    })
    .await;
}

/// The problems the health page lists: `(path, line, code)` each.
async fn listed_problems(b: &Browser) -> Vec<(String, u64, String)> {
    let rows = b
        .js(
            r#"return Array.from(document.querySelectorAll('.problem-list li')).map(li => {
                   const line = li.querySelector('a').nextSibling.textContent.match(/^:(\d+)/);
                   return [li.querySelector('a').textContent, line ? Number(line[1]) : null,
                           li.querySelector('code').textContent];
               });"#,
        )
        .await;
    serde_json::from_value(rows).expect("(path, line, code) rows")
}

/// [`INVALID_PROBLEMS`], of one code or all.
fn expected_problems(code: Option<&str>) -> Vec<(String, u64, String)> {
    INVALID_PROBLEMS
        .iter()
        .filter(|p| code.is_none_or(|c| c == p.2))
        .map(|&(path, line, code)| (path.to_owned(), line as u64, code.to_owned()))
        .collect()
}

#[tokio::test]
async fn health_page_lists_problems_and_filters_them() {
    // The sample articles have no problems; the invalid fixtures have one of most kinds.
    let broken = common::fixtures("invalid");
    drive_on("content health", &broken, async |b: &mut Browser| {
        b.visit("/check").await;
        assert_page_sane(b, "/check").await;
        // Errors, and only errors, are counted in red: the counts of `kb check`.
        let counts = b
            .js("return Array.from(document.querySelectorAll('.page-head .lead .sev')).map(s => [s.textContent, s.className]);")
            .await;
        let errors = INVALID_PROBLEMS
            .iter()
            .filter(|p| ERROR_CODES.contains(&p.2))
            .count();
        let warnings = INVALID_PROBLEMS.len() - errors;
        assert_eq!(
            counts,
            json!([
                [format!("{errors} errors"), "sev sev--error"],
                [format!("{warnings} warnings"), "sev sev--warning"]
            ]),
            "the error count is red when there are errors"
        );
        // Exactly the problems `kb check` reports, in its order.
        assert_eq!(listed_problems(b).await, expected_problems(None));
        let problems = INVALID_PROBLEMS.len();
        assert!(
            !b.find_all(".check-grid table tbody tr").await.is_empty(),
            "problems are counted by code and by folder"
        );
        b.screenshot("check-problems", DESKTOP.0, false).await;

        // Every article a problem names opens (no dead links on the health page).
        let statuses = b
            .js(r#"const urls = [...new Set(Array.from(document.querySelectorAll('.problem-list a')).map(a => a.getAttribute('href')))];
                   return Promise.all(urls.map(u => fetch(u).then(r => [u, r.status], e => [u, String(e)])));"#)
            .await;
        let dead: Vec<&Value> = statuses
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s[1] != json!(200))
            .collect();
        assert!(dead.is_empty(), "links on /check that do not open: {dead:?}");

        // A code narrows the list; its chip widens it again.
        let code_link = b.find(".check-grid table tbody tr a").await;
        let href = code_link.attr("href").await.expect("href").expect("a link");
        b.mark_document().await;
        code_link.click().await.expect("a code is clicked");
        b.wait_navigation("picking a code").await;
        assert_eq!(b.location().await, href);
        b.assert_console_clean(&href).await;
        let code = href
            .split_once("code=")
            .map(|(_, c)| c.split('&').next().unwrap_or(c).to_owned())
            .expect("the link names a code");
        let narrowed = expected_problems(Some(&code));
        assert!(!narrowed.is_empty() && narrowed.len() < problems, "{code}");
        assert_eq!(listed_problems(b).await, narrowed, "code {code}");
        assert!(b.text("#problems-title").await.starts_with("Problems: code"));
        b.mark_document().await;
        b.find(".problems-section a.chip")
            .await
            .click()
            .await
            .expect("the filter chip is clicked");
        b.wait_navigation("removing the code filter").await;
        assert_eq!(b.location().await, "/check");
        assert_eq!(b.find_all(".problem-list li").await.len(), problems);
    })
    .await;
}

/// A scoping-questions article whose support topics are a GUID and a number.
const GUID_TOPICS: &str = "/articles/problemscopingques.keyvault.vaults/keyvault-access-scoping";
/// The longest service names of the sample articles.
const LONG_SERVICES: [&str; 3] = [
    "microsoft.recoveryservices",
    "microsoft.containerservice",
    "microsoft.documentdb",
];

/// Shown elements matching `css` whose text wraps inside a word: a new line that starts
/// neither after white space nor after one of `. , _ - /`. One `"text: …end⏎start"` each.
async fn mid_word_breaks(b: &Browser, css: &str) -> Vec<String> {
    let script = format!(
        r#"const seps = ' .,_-/';
          const found = [];
          for (const el of document.querySelectorAll({css})) {{
            if (el.getClientRects().length === 0) continue;
            let last = null, lastTop = null, gap = false, text = '';
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {{
              for (let i = 0; i < n.data.length; i++) {{
                const c = n.data[i];
                text += c;
                if (/\s/.test(c)) {{ gap = true; continue; }}
                const range = document.createRange();
                range.setStart(n, i);
                range.setEnd(n, i + 1);
                const rect = range.getClientRects()[0];
                if (!rect) continue;
                if (lastTop !== null && rect.top > lastTop + rect.height / 2 && !gap
                    && !seps.includes(last)) {{
                  found.push(el.textContent.trim() + ': ' + text.slice(-10, -1) + '⏎' + c);
                }}
                last = c;
                lastTop = rect.top;
                gap = false;
              }}
            }}
          }}
          return found;"#,
        css = json!(css)
    );
    b.js(&script)
        .await
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Bar-chart labels that are cut off (text wider than the label) or that overlap their bar.
async fn cut_bar_labels(b: &Browser) -> Value {
    b.js(
        r#"return Array.from(document.querySelectorAll('.bar-row')).filter(row => {
              const label = row.querySelector('.bar-label');
              const bar = row.querySelector('.bar').getBoundingClientRect();
              const l = label.getBoundingClientRect();
              const overlaps = l.right > bar.left + 1 && l.bottom > bar.top + 1
                && l.left < bar.right - 1 && l.top < bar.bottom - 1;
              return label.scrollWidth > label.clientWidth + 1 || overlaps;
            }).map(row => row.querySelector('.bar-label').textContent.trim());"#,
    )
    .await
}

/// The bar-chart labels of the page, as text.
async fn bar_labels(b: &Browser) -> Vec<String> {
    b.js("return Array.from(document.querySelectorAll('.bar-label')).map(l => l.textContent.trim());")
        .await
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Types `words` into the suggesting input `input_css`, waits for its list and checks that
/// the list has the input's left edge and width. Escape closes it again.
async fn assert_suggestions_line_up(b: &Browser, input_css: &str, words: &str, context: &str) {
    let input = b.find(input_css).await;
    input.click().await.expect("the search box is clicked");
    input.clear().await.expect("the search box is cleared");
    input.send_keys(words).await.expect("words are typed");
    let list = format!(
        "document.querySelector({}).parentNode.querySelector('ul.suggest')",
        json!(input_css)
    );
    b.wait_for(
        &format!("suggestions under {input_css} ({context})"),
        &format!("{list} && !{list}.hidden && {list}.querySelectorAll('[role=option]').length > 0"),
    )
    .await;
    let rects = b
        .js(&format!(
            "const i = document.querySelector({}).getBoundingClientRect();
             const l = {list}.getBoundingClientRect();
             return [i.left, i.width, l.left, l.width];",
            json!(input_css)
        ))
        .await;
    let f = |k: usize| rects[k].as_f64().unwrap_or(f64::NAN);
    let (input_left, input_width, list_left, list_width) = (f(0), f(1), f(2), f(3));
    assert!(
        (input_left - list_left).abs() <= 1.0 && (input_width - list_width).abs() <= 1.0,
        "{context}: the suggestions under {input_css} ({list_width:.0} px wide at x {list_left:.0}) \
         do not line up with the input ({input_width:.0} px at x {input_left:.0})"
    );
}

/// Closes the suggestion list of `input_css` with Escape.
async fn close_suggestions(b: &Browser, input_css: &str) {
    b.find(input_css)
        .await
        .send_keys("\u{E00C}")
        .await
        .expect("Escape");
    b.wait_for(
        "Escape to close the suggestions",
        &format!(
            "document.querySelector({}).parentNode.querySelector('ul.suggest').hidden",
            json!(input_css)
        ),
    )
    .await;
}

/// Long names (services, facet values, property values) wrap at dots, commas, hyphens or
/// spaces, never inside a word, and bar labels are shown whole: on a desktop and a phone,
/// in light and dark.
#[tokio::test]
async fn long_names_wrap_between_words_and_are_never_cut() {
    drive("long names", async |b: &mut Browser| {
        for (scheme, suffix) in [("light", ""), ("dark", "-dark")] {
            b.color_scheme(scheme).await;
            for (width, phone) in [(DESKTOP.0, false), (PHONE.0, true)] {
                let device = if phone { "phone" } else { "desktop" };
                if phone {
                    b.viewport(Some((PHONE.0, PHONE.1, true))).await;
                } else {
                    b.viewport(None).await;
                }
                for path in ["/", "/services"] {
                    b.visit(path).await;
                    let context = format!("{path} on a {device} ({scheme})");
                    assert_page_sane(b, &context).await;
                    let labels = bar_labels(b).await;
                    for service in LONG_SERVICES {
                        assert!(
                            labels.iter().any(|l| l == service),
                            "{context}: no bar label {service}: {labels:?}"
                        );
                    }
                    let cut = cut_bar_labels(b).await;
                    assert_eq!(
                        cut,
                        json!([]),
                        "{context}: bar labels cut off or over their bar"
                    );
                    let broken = mid_word_breaks(b, ".bar-label").await;
                    assert!(
                        broken.is_empty(),
                        "{context}: labels broken mid-word: {broken:?}"
                    );
                }
                if phone {
                    b.screenshot(&format!("phone-services{suffix}"), width, true)
                        .await;
                    b.viewport(Some((PHONE.0, PHONE.1, true))).await;
                }

                b.visit("/search?q=vm").await;
                let context = format!("the search page on a {device} ({scheme})");
                assert_page_sane(b, &context).await;
                let broken = mid_word_breaks(b, ".facet__value").await;
                assert!(
                    broken.is_empty(),
                    "{context}: facet values broken mid-word: {broken:?}"
                );
                if !phone {
                    b.screenshot(&format!("search-facets-vm{suffix}"), width, false)
                        .await;
                }

                for path in [GUID_TOPICS, RCA, "/services/microsoft.recoveryservices"] {
                    b.visit(path).await;
                    let context = format!("{path} on a {device} ({scheme})");
                    assert_page_sane(b, &context).await;
                    let broken = mid_word_breaks(b, ".props dd, .mono-title").await;
                    assert!(
                        broken.is_empty(),
                        "{context}: values broken mid-word: {broken:?}"
                    );
                }
                b.visit(GUID_TOPICS).await;
                b.screenshot(
                    &format!("{device}-article-guid-topics{suffix}"),
                    width,
                    phone,
                )
                .await;
                if phone {
                    b.viewport(Some((PHONE.0, PHONE.1, true))).await;
                }
            }
        }
        b.viewport(None).await;
    })
    .await;
}

/// The suggestion list is exactly as wide as its input (not the input and its button), for
/// the home page's box, the search page's and the header's, on a desktop and a phone.
#[tokio::test]
async fn suggestions_line_up_with_their_input() {
    drive("suggestion width", async |b: &mut Browser| {
        for (width, phone) in [(DESKTOP.0, false), (PHONE.0, true)] {
            let device = if phone { "phone" } else { "desktop" };
            for (path, input, shot) in [
                ("/", "#home-q", "home"),
                ("/search", "#q", "search"),
                (RCA, "#header-q", "header"),
            ] {
                if phone {
                    b.viewport(Some((PHONE.0, PHONE.1, true))).await;
                }
                b.visit(path).await;
                let context = format!("{path} on a {device}");
                assert_suggestions_line_up(b, input, "boot", &context).await;
                if shot != "search" {
                    b.screenshot(&format!("{device}-suggestions-{shot}"), width, phone)
                        .await;
                    if phone {
                        b.viewport(Some((PHONE.0, PHONE.1, true))).await;
                    }
                }
                close_suggestions(b, input).await;
            }
        }
        b.viewport(None).await;
    })
    .await;
}

/// On a phone the sticky header stays compact (brand and navigation on one line, the
/// search box on a second, still a usable size); support topic pills look and act like
/// links in light and dark; the health page shows "0 errors" in green, not red.
#[tokio::test]
async fn compact_header_link_pills_and_zero_errors() {
    drive("header, pills, health", async |b: &mut Browser| {
        b.viewport(Some((PHONE.0, PHONE.1, true))).await;
        for path in [RCA, "/services", "/", "/search?q=vm"] {
            b.visit(path).await;
            let v = b
                .js(r#"const h = document.querySelector('.site-header').getBoundingClientRect();
                      const q = document.querySelector('#header-q');
                      const r = q ? q.getBoundingClientRect() : null;
                      return { header: h.height, position: getComputedStyle(document.querySelector('.site-header')).position,
                               input: r ? [r.width, r.height, parseFloat(getComputedStyle(q).fontSize)] : null };"#)
                .await;
            let height = v["header"].as_f64().unwrap_or(f64::NAN);
            assert_eq!(v["position"], json!("sticky"), "{path}: the header stays sticky");
            if v["input"].is_null() {
                assert!(height <= 56.0, "{path} on a phone: the header is {height:.0} px tall (at most 56 without its search box)");
            } else {
                assert!(height <= 100.0, "{path} on a phone: the header is {height:.0} px tall (at most 100)");
                let f = |k: usize| v["input"][k].as_f64().unwrap_or(f64::NAN);
                assert!(
                    f(0) >= 240.0 && f(1) >= 34.0 && f(2) >= 16.0,
                    "{path} on a phone: the header's search box is too small: {}",
                    v["input"]
                );
            }
        }
        b.viewport(None).await;

        for scheme in ["light", "dark"] {
            b.color_scheme(scheme).await;
            for (path, css, expected) in [
                (GUID_TOPICS, ".props .topic-id", 2),
                ("/search?q=vm", ".hit__meta .topic-id", 1),
                ("/topics/32750101", ".article-item__meta .topic-id", 1),
            ] {
                b.visit(path).await;
                let v = b
                    .js(&format!(
                        r#"const pills = Array.from(document.querySelectorAll({css}));
                          const link = document.querySelector('main a:not([class])');
                          return {{
                            n: pills.length,
                            link: getComputedStyle(link).color,
                            colors: [...new Set(pills.map(p => getComputedStyle(p).color))],
                            cursors: [...new Set(pills.map(p => getComputedStyle(p).cursor))],
                          }};"#,
                        css = json!(css)
                    ))
                    .await;
                let context = format!("{css} at {path} ({scheme})");
                assert!(
                    v["n"].as_u64().unwrap_or_default() >= expected,
                    "{context}: expected {expected} or more topic pills: {v}"
                );
                assert_eq!(v["colors"], json!([v["link"]]), "{context}: pills in the link colour");
                assert_eq!(v["cursors"], json!(["pointer"]), "{context}: a pointer over pills");
            }

            // Hovering a pill shows it is a link: underline and a stronger border.
            b.visit(GUID_TOPICS).await;
            let topics = b
                .js("return Array.from(document.querySelectorAll('.props .topic-id')).map(a => [a.textContent, a.getAttribute('href')]);")
                .await;
            assert_eq!(
                topics,
                json!([
                    ["3f9c2a71-5b4e-4d08-9a6e-2c1d7e0b8f43", "/topics/3f9c2a71-5b4e-4d08-9a6e-2c1d7e0b8f43"],
                    ["32750802", "/topics/32750802"]
                ]),
                "the properties show both topics as links to their dossiers"
            );
            let style = "const p = document.querySelector('.props .topic-id'); const s = getComputedStyle(p); \
                         return [s.textDecorationLine, s.borderTopColor];";
            let before = b.js(style).await;
            let at = b
                .js("const p = document.querySelector('.props .topic-id'); p.scrollIntoView({block: 'center'}); \
                     const r = p.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];")
                .await;
            b.cdp(
                "Input.dispatchMouseEvent",
                json!({ "type": "mouseMoved", "x": at[0], "y": at[1] }),
            )
            .await;
            let after = b.js(style).await;
            assert_eq!(before[0], json!("none"), "({scheme}) pills are not underlined at rest");
            assert_eq!(after[0], json!("underline"), "({scheme}) a hovered pill is underlined");
            assert_ne!(before[1], after[1], "({scheme}) a hovered pill's border changes");
            b.screenshot(&format!("article-topic-hover-{scheme}"), DESKTOP.0, false)
                .await;
            b.cdp(
                "Input.dispatchMouseEvent",
                json!({ "type": "mouseMoved", "x": 0, "y": 0 }),
            )
            .await;

            // No errors: a green count, not a red one.
            b.visit("/check").await;
            let v = b
                .js(r#"const sev = document.querySelector('.page-head .lead .sev');
                      const probe = (v) => { const s = document.createElement('span'); s.style.color = v;
                        document.body.appendChild(s); const c = getComputedStyle(s).color; s.remove(); return c; };
                      return { text: sev.textContent, cls: sev.className, color: getComputedStyle(sev).color,
                               ok: probe('var(--ok)'), error: probe('var(--error)') };"#)
                .await;
            assert_eq!(v["text"], json!("0 errors"), "the sample articles have no errors");
            assert_eq!(v["cls"], json!("sev sev--ok"), "({scheme}) 0 errors is not an error: {v}");
            assert_eq!(v["color"], v["ok"], "({scheme}) 0 errors in green: {v}");
            assert_ne!(v["color"], v["error"], "({scheme}) 0 errors not in red: {v}");
            b.screenshot(&format!("check-{scheme}"), DESKTOP.0, false).await;
        }
    })
    .await;
}

/// A phrase from the middle of a long guide: the hit names its section, and clicking it opens
/// the article scrolled to that section with the query's words marked there.
#[tokio::test]
async fn a_hit_opens_the_article_at_the_section_that_matched() {
    let articles =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/long-guide");
    drive_on("section hits", &articles, async |b: &mut Browser| {
        b.visit("/").await;
        let q = b.find("#home-q").await;
        q.send_keys("regenerate the secondary access key")
            .await
            .expect("words are typed");
        b.mark_document().await;
        q.send_keys("\u{E007}").await.expect("Enter is pressed");
        b.wait_navigation("submitting the search").await;
        let first = b.text(".hit:first-of-type .hit__title").await;
        assert_eq!(first, "Troubleshoot access to a storage account, step by step");
        assert_eq!(
            b.text(".hit:first-of-type .hit__section").await,
            "§ Rotate the storage account keys"
        );

        b.mark_document().await;
        b.find(".hit:first-of-type .hit__title a")
            .await
            .click()
            .await
            .expect("the hit is clicked");
        b.wait_navigation("opening the hit").await;
        let url = b
            .js("return [location.pathname, new URLSearchParams(location.search).get('q'), location.hash];")
            .await;
        assert_eq!(
            url,
            json!([
                "/articles/storage-access-guide",
                "regenerate the secondary access key",
                "#rotate-the-storage-account-keys"
            ])
        );
        b.assert_console_clean("the article at its section").await;
        // The page opened at the section: its heading is at the top of the viewport, far
        // below the start of the page.
        let at = b
            .js("const h = document.getElementById('rotate-the-storage-account-keys'); \
                 return [Math.round(h.getBoundingClientRect().top), Math.round(window.scrollY), window.innerHeight];")
            .await;
        let (top, scrolled, height) = (at[0].as_i64(), at[1].as_i64(), at[2].as_i64());
        let (Some(top), Some(scrolled), Some(height)) = (top, scrolled, height) else {
            panic!("no geometry: {at}");
        };
        assert!(scrolled > height / 2, "the page scrolled to the section: {at}");
        assert!((0..height / 3).contains(&top), "the heading is at the top: {at}");
        // The query's words are marked in that section's text.
        let marked = b
            .js("const h = document.getElementById('rotate-the-storage-account-keys'); \
                 const out = []; let n = h.nextElementSibling; \
                 while (n && n.tagName !== 'H2') { \
                   n.querySelectorAll('mark.kb-hit').forEach(m => out.push(m.textContent.toLowerCase())); \
                   n = n.nextElementSibling; } \
                 return out;")
            .await;
        let marked: Vec<&str> = marked
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for word in ["regenerate", "secondary", "access", "key"] {
            assert!(marked.contains(&word), "`{word}` is marked in the section: {marked:?}");
        }
        b.screenshot("flow-section-hit", DESKTOP.0, false).await;
    })
    .await;
}

/// Ctrl+K focuses the search box from every page, even from inside another field.
#[tokio::test]
async fn ctrl_k_focuses_the_search_box_from_any_page() {
    drive("the Ctrl+K shortcut", async |b: &mut Browser| {
        for (path, box_id) in [
            ("/", "home-q"),
            ("/search?q=vm", "q"),
            (RCA, "header-q"),
            ("/insights", "header-q"),
        ] {
            b.visit(path).await;
            b.js("document.activeElement && document.activeElement.blur(); return null;")
                .await;
            b.press_ctrl('k').await;
            b.wait_for(
                &format!("Ctrl+K to focus #{box_id} on {path}"),
                &format!("document.activeElement && document.activeElement.id === {box_id:?}"),
            )
            .await;
        }
        b.visit("/").await;
        b.find("#home-topic")
            .await
            .click()
            .await
            .expect("the topic field is clicked");
        b.press_ctrl('k').await;
        b.wait_for(
            "Ctrl+K to leave the topic field for the search box",
            "document.activeElement && document.activeElement.id === 'home-q'",
        )
        .await;
    })
    .await;
}

/// Articles opened are listed on the home page, newest first, and a pinned one under
/// Pinned; the lists live in the browser's storage, not in the page the server sends.
#[tokio::test]
async fn recently_viewed_and_pinned_articles_are_kept_in_the_browser() {
    const SECOND: &str = "/articles/microsoft.keyvault.vaults/keyvault-access-denied-403";
    drive("recent and pinned", async |b: &mut Browser| {
        b.visit("/").await;
        let hidden = b
            .js("return [document.querySelector('[data-list=recent]').hidden, document.querySelector('[data-list=pinned]').hidden];")
            .await;
        assert_eq!(hidden, json!([true, true]), "nothing viewed yet");

        b.visit(RCA).await;
        let rca_title = b.text("#article-title").await;
        b.visit(SECOND).await;
        let second_title = b.text("#article-title").await;
        let pin = b.find("[data-pin]").await;
        assert_eq!(pin.text().await.expect("text"), "Pin");
        pin.click().await.expect("the pin is clicked");
        b.wait_for(
            "the pin to say it is pinned",
            "document.querySelector('[data-pin]').getAttribute('aria-pressed') === 'true'",
        )
        .await;
        // RCA again: it moves to the top of the recent list, once.
        b.visit(RCA).await;

        b.visit("/").await;
        let lists = b
            .js(r#"return ['recent', 'pinned'].map(k => {
                 const panel = document.querySelector('[data-list=' + k + ']');
                 return { hidden: panel.hidden,
                          links: Array.from(panel.querySelectorAll('a')).map(a => [new URL(a.href).pathname, a.textContent]) };
               });"#)
            .await;
        assert_eq!(
            lists,
            json!([
                { "hidden": false, "links": [[RCA, rca_title], [SECOND, second_title]] },
                { "hidden": false, "links": [[SECOND, second_title]] },
            ])
        );
        // The server's page has empty lists: what is listed came from this browser.
        let served = b
            .js("return fetch('/').then(r => r.text()).then(t => t.includes('keyvault-access-denied-403'));")
            .await;
        assert_eq!(served, json!(false));

        // Unpinning takes it off.
        b.visit(SECOND).await;
        b.find("[data-pin]").await.click().await.expect("unpin");
        b.visit("/").await;
        let pinned_hidden = b
            .js("return document.querySelector('[data-list=pinned]').hidden;")
            .await;
        assert_eq!(pinned_hidden, json!(true));
    })
    .await;
}

/// No page scrolls sideways at any width from a small phone to a desktop, with the corpus's
/// longest title and longest path among the articles.
#[tokio::test]
async fn no_page_is_wider_than_the_screen_from_360_to_1440_px() {
    let corpus_dir = common::corpus_dir();
    let corpus = selfhelp_kb::corpus::load(&corpus_dir).expect("the corpus loads");
    let longest_title = corpus
        .articles
        .iter()
        .max_by_key(|a| (a.title.chars().count(), a.path.clone()))
        .expect("an article");
    let longest_path = corpus
        .articles
        .iter()
        .max_by_key(|a| (a.path.chars().count(), a.title.clone()))
        .expect("an article");
    let tmp = tempfile::TempDir::new().expect("a temporary folder");
    let root = tmp.path().join("articles");
    common::articles::copy_tree(&common::sample_articles(), &root);
    let mut pages: Vec<String> = vec![
        "/".into(),
        "/search".into(),
        "/services".into(),
        "/check".into(),
        "/insights".into(),
        RCA.into(),
        format!("/topics/{TOPIC}"),
    ];
    for a in [longest_title, longest_path] {
        common::articles::copy_file(&corpus_dir, &root, &a.path);
        let page = format!("/articles/{}", a.path.trim_end_matches(".md"));
        let page: String = page
            .split('/')
            .map(|s| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>())
            .collect::<Vec<_>>()
            .join("/")
            .replace('+', "%20");
        pages.push(page);
        let words: String = a
            .title
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" ");
        pages.push(format!(
            "/search?q={}",
            url::form_urlencoded::byte_serialize(words.as_bytes()).collect::<String>()
        ));
        if !a.service.is_empty() {
            pages.push(format!("/services/{}", a.service));
        }
    }
    eprintln!(
        "widths: longest title {} chars ({}), longest path {} chars ({})",
        longest_title.title.chars().count(),
        longest_title.path,
        longest_path.path.chars().count(),
        longest_path.path
    );
    drive_on("no sideways scroll", &root, async |b: &mut Browser| {
        for width in [360, 390, 768, 1024, 1440] {
            b.viewport(Some((width, 800, width < 768))).await;
            for page in &pages {
                b.visit(page).await;
                assert_page_sane(b, &format!("{page} at {width} px")).await;
            }
        }
        b.viewport(None).await;
    })
    .await;
}

/// The agent's desk end to end: a search that finds nothing, a search that finds the RCA,
/// the article opened from its hit with a token filled, a section copied for a reply with
/// that value, the article marked Outdated with a comment; then
/// /insights lists the comment under the article's owner and the empty search as a gap.
#[tokio::test]
async fn feedback_and_gaps_reach_the_insights_page() {
    const GAP: &str = "zzqqxx vvwwyy";
    const COMMENT: &str = "The host node recovery steps name an old portal blade.";
    drive("the agent's desk", async |b: &mut Browser| {
        b.visit(&format!("/search?q={}", GAP.replace(' ', "+"))).await;
        assert_eq!(result_count(b).await, 0);

        b.visit("/search?q=unexpected+vm+restart+host+node").await;
        let hit = b
            .find(&format!(r#".hit__title a[href^="{RCA}?"]"#))
            .await;
        b.mark_document().await;
        hit.click().await.expect("the hit is clicked");
        b.wait_navigation("the hit").await;
        assert!(b.location().await.starts_with(RCA));

        let input = b.find(r#".tokens__form input[name="vmname"]"#).await;
        input.clear().await.expect("cleared");
        input.send_keys("web01").await.expect("typed");
        b.mark_document().await;
        b.find(".tokens__form button[type=submit]")
            .await
            .click()
            .await
            .expect("Fill in");
        b.wait_navigation("Fill in").await;

        // Copy the issue's section for a reply: the clipboard has the token's value.
        let origin = b.url("");
        b.cdp(
            "Browser.grantPermissions",
            json!({
                "origin": origin.trim_end_matches('/'),
                "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
            }),
        )
        .await;
        b.find(r#".reply a[data-reply="issueDescription"][data-reply-format="text"]"#)
            .await
            .click()
            .await
            .expect("Copy for reply is clicked");
        b.wait_for(
            "the copy to be done",
            "document.querySelector('.reply .reply__status').textContent.startsWith('Copied')",
        )
        .await;
        let copied = b.js("return navigator.clipboard.readText();").await;
        assert_eq!(copied, json!(RCA_ISSUE_WEB01));

        b.find("#feedback-comment")
            .await
            .send_keys(COMMENT)
            .await
            .expect("the comment is typed");
        b.mark_document().await;
        b.find(r#"#feedback button[name="kind"][value="outdated"]"#)
            .await
            .click()
            .await
            .expect("Outdated is clicked");
        b.wait_navigation("the feedback post").await;
        assert!(
            b.text("#feedback").await.contains("Thank you: sent as “Outdated”"),
            "the article thanks for the feedback"
        );

        b.visit("/insights").await;
        assert_page_sane(b, "the insights page").await;
        let owners = b
            .js(r#"return Array.from(document.querySelectorAll('.owner')).map(o => [
                 o.querySelector('.owner__name').textContent.replace(/\s+/g, ' ').trim(),
                 Array.from(o.querySelectorAll('tbody tr')).map(r => Array.from(r.cells).map(c => c.textContent.trim()))
               ]);"#)
            .await;
        assert_eq!(
            owners,
            json!([[
                "Compute_VirtualMachines_Content 1 flag",
                [["Unexpected VM Restart RCA - Host Node Recovery", "1", "0", "0", COMMENT]]
            ]])
        );
        let gaps = b
            .js("return Array.from(document.querySelectorAll('#gaps-zero .bar-label')).map(a => a.textContent);")
            .await;
        assert_eq!(gaps, json!([GAP]));
        let opened = b
            .js("return Array.from(document.querySelectorAll('#most-opened .bar-label')).map(a => a.textContent);")
            .await;
        assert_eq!(
            opened,
            json!(["microsoft.compute.virtualmachines/vm-rca-host-reboot.md"])
        );
        b.screenshot("insights", DESKTOP.0, false).await;
    })
    .await;
}

/// The text of the RCA's issueDescription with `vmname` web01, as the reply route gives it.
const RCA_ISSUE_WEB01: &str = "We detected that virtual machine web01 restarted at StartTime \
    (UTC) and was available again at EndTime (UTC).\n\
    This restart was not initiated by you or by the guest operating system.\n";

#[tokio::test]
async fn copy_for_reply_puts_a_section_with_its_value_on_the_clipboard() {
    drive("copy for reply", async |b: &mut Browser| {
        // Clipboard access for the app's origin, as a person allows it when asked.
        let origin = b.url("");
        b.cdp(
            "Browser.grantPermissions",
            json!({
                "origin": origin.trim_end_matches('/'),
                "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
            }),
        )
        .await;
        b.visit(&format!("{RCA}?vmname=web01")).await;
        let status = ".reply .reply__status";
        assert_eq!(b.text(status).await, "");
        let link = r#".reply a[data-reply="issueDescription"][data-reply-format="text"]"#;
        b.mark_document().await;
        b.find(link)
            .await
            .click()
            .await
            .expect("Copy for reply is clicked");
        b.wait_for(
            "the status to say the text was copied",
            &format!("document.querySelector({status:?}).textContent.startsWith('Copied')"),
        )
        .await;
        assert_eq!(b.text(status).await, "Copied issueDescription (text).");
        // The text was copied, not opened: the page is the same one.
        assert!(!b.navigated(Duration::from_millis(300)).await);
        let copied = b.js("return navigator.clipboard.readText();").await;
        assert_eq!(copied, json!(RCA_ISSUE_WEB01));
        assert_page_sane(b, "the article page after a copy").await;
        b.screenshot("flow-copy-for-reply", DESKTOP.0, false).await;
        b.screenshot("flow-copy-for-reply-phone", PHONE.0, true).await;

        // When the text cannot be had, the status says so, and the link then opens it.
        b.allow_console_error("404");
        b.js(&format!(
            "const a = document.querySelector({link:?}); \
             a.href = a.href.replace('section=issueDescription', 'section=none'); return null;"
        ))
        .await;
        b.find(link).await.click().await.expect("clicked again");
        b.wait_for(
            "the status to say the copy failed",
            &format!("document.querySelector({status:?}).textContent.startsWith('Copy failed')"),
        )
        .await;
        assert_eq!(
            b.text(status).await,
            "Copy failed: issueDescription (text) was not copied. Click the link again to open \
             the text."
        );
        assert!(!b.navigated(Duration::from_millis(300)).await);
        b.find(link).await.click().await.expect("clicked a third time");
        b.wait_navigation("following the link after a failed copy")
            .await;
        assert!(
            b.location()
                .await
                == "/api/articles/microsoft.compute.virtualmachines/vm-rca-host-reboot.md/reply?section=none&format=text&vmname=web01",
            "{}",
            b.location().await
        );
    })
    .await;
}
