//! Reply text ("Copy for reply") end to end: `GET /api/articles/{path}/reply` on the
//! project's sample articles (exact text, its errors, the article route beside it), the
//! article page's copy links, `kb show --reply`, and over every sample article and
//! generated fragments, that a Markdown reply holds no raw HTML.

mod common;

use std::collections::BTreeMap;

use axum::Router;
use axum::http::{StatusCode, header};
use proptest::prelude::*;
use pulldown_cmark::{Event, Parser};
use tempfile::TempDir;

use common::run::{kb, run};
use common::sample_articles;
use common::web::{app_state, get};
use selfhelp_kb::Article;
use selfhelp_kb::render::reply::{Reply, ReplyFormat};
use selfhelp_kb::web::app;

/// A sample RCA with the tokens vmname, StartTime and EndTime and five named sections.
const RCA: &str = "microsoft.compute.virtualmachines/vm-rca-host-reboot.md";
/// A sample diagnostics article with portal blade links and a code block in a list.
const RDP: &str = "microsoft.compute.virtualmachines/vm-diagnostics-rdp-connectivity.md";

fn sample_app() -> (TempDir, Router) {
    let dir = TempDir::new().expect("a temporary folder");
    let state = app_state(&sample_articles(), dir.path());
    (dir, app(state))
}

const ISSUE_WEB01: &str = "We detected that virtual machine web01 restarted at StartTime (UTC) \
    and was available again at EndTime (UTC).\n\
    This restart was not initiated by you or by the guest operating system.\n";

const RDP_ACTIONS_MARKDOWN: &str = "## Recommended actions\n\n\
    1. Check the effective security rules in Connection troubleshoot (in the Azure portal). \
    An explicit *Deny* rule with a lower priority number than your *Allow* rule wins.\n\
    2. Add an inbound rule that allows TCP 3389 only from your public IP range, or better, use \
    [Azure Bastion](https://learn.microsoft.com/azure/bastion/bastion-overview) so that the port \
    doesn't need to be open to the internet.\n\
    3. If the NSG is correct, reset the RDP configuration from Reset password (in the Azure \
    portal) by choosing **Reset configuration only**. This re-enables the Remote Desktop service \
    and restores the default listener port.\n\
    4. If the error is *An internal error has occurred* or *The remote computer requires Network \
    Level Authentication*, check the RDP certificate and the NLA setting from the serial \
    console:\n\n   \
    ```powershell\n   \
    reg query \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\" /v UserAuthentication\n   \
    Get-Service TermService\n   \
    ```\n\n\
    5. If the boot screenshot doesn't show the Windows logon screen, RDP can't work until the VM \
    finishes booting. Follow Troubleshoot a Windows VM that is stuck applying updates.\n";

#[tokio::test]
async fn the_reply_route_answers_a_section_as_text_with_the_token_value() {
    let (_dir, app) = sample_app();
    let r = get(
        &app,
        &format!("/api/articles/{RCA}/reply?section=issueDescription&vmname=web01"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.header(header::CONTENT_TYPE), "text/plain; charset=utf-8");
    assert_eq!(r.text(), ISSUE_WEB01);
    // The same with the format named, a token name in another case, the section's name
    // in another case, and the path's `/` encoded.
    let r = get(
        &app,
        &format!(
            "/api/articles/{}/reply?format=text&section=ISSUEDESCRIPTION&VMNAME=web01",
            RCA.replace('/', "%2F")
        ),
    )
    .await;
    assert_eq!(r.text(), ISSUE_WEB01);
}

#[tokio::test]
async fn the_reply_route_answers_markdown_with_portal_links_in_words() {
    let (_dir, app) = sample_app();
    let r = get(
        &app,
        &format!("/api/articles/{RDP}/reply?section=recommended-actions&format=markdown"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.header(header::CONTENT_TYPE), "text/plain; charset=utf-8");
    assert_eq!(r.text(), RDP_ACTIONS_MARKDOWN);
}

#[tokio::test]
async fn the_reply_route_refuses_what_it_cannot_answer() {
    let (_dir, app) = sample_app();
    let unknown = get(&app, &format!("/api/articles/{RCA}/reply?section=nope")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.json()["error"],
        "the article has no section `nope`; its sections are \
         `we-found-a-platform-event-that-restarted-your-virtual-machine`, `issueDescription`, \
         `rcaDescription`, `what-happened`, `resolutionDetails`, `resolution`, \
         `recommendedActions`, `make-your-workload-resilient-to-single-host-failures`, \
         `additionalInfo`"
    );
    let bad = get(&app, &format!("/api/articles/{RCA}/reply?format=html")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.json()["error"],
        "`html` is not a reply format; give `text` or `markdown`"
    );
    // A bad format is a 400 before the article is looked up.
    let bad = get(&app, "/api/articles/no/such.md/reply?format=TEXT").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let twice = get(
        &app,
        &format!("/api/articles/{RCA}/reply?format=text&format=markdown"),
    )
    .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);
    let missing = get(&app, "/api/articles/no/such.md/reply").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.json()["error"],
        "no article at `no/such.md`; give the path as search hits have it, with `.md`"
    );
    let climbing = get(&app, "/api/articles/a/%2e%2e/b.md/reply").await;
    assert_eq!(climbing.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_article_route_beside_it_is_unchanged() {
    let (_dir, app) = sample_app();
    let r = get(&app, &format!("/api/articles/{RCA}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["path"], RCA);
    // `/reply` after something that is not an article's name is no reply: a path that
    // names no article.
    for uri in [
        "/api/articles/microsoft.compute.virtualmachines/reply",
        "/api/articles/microsoft.compute.virtualmachines/vm-rca-host-reboot.md%2Freply",
        "/api/articles/reply",
    ] {
        let r = get(&app, uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(r.json()["error"].is_string(), "{uri}");
    }
}

/// The `href`s of an article page's "Copy for reply" links, `&` decoded.
fn reply_links(page: &str) -> Vec<String> {
    page.split("class=\"reply__link\" href=\"")
        .skip(1)
        .map(|rest| {
            rest[..rest.find('"').expect("a closing quote")]
                .replace("&#38;", "&")
                .replace("&amp;", "&")
        })
        .collect()
}

#[tokio::test]
async fn the_article_page_links_each_section_in_both_formats_with_its_values() {
    let (_dir, app) = sample_app();
    let page = get(
        &app,
        "/articles/microsoft.compute.virtualmachines/vm-rca-host-reboot?vmname=web01&StartTime=09%3A00",
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<h2 id=\"reply-title\">Copy for reply</h2>"));
    assert_eq!(
        html.matches("role=\"status\" aria-live=\"polite\"").count(),
        2
    );
    // The whole article, then each `##` heading and each named section, in order.
    let sections = [
        None,
        Some("issueDescription"),
        Some("rcaDescription"),
        Some("what-happened"),
        Some("resolutionDetails"),
        Some("resolution"),
        Some("recommendedActions"),
        Some("make-your-workload-resilient-to-single-host-failures"),
        Some("additionalInfo"),
    ];
    let mut expected = Vec::new();
    for section in sections {
        for format in ["text", "markdown"] {
            let section = section.map_or(String::new(), |s| format!("section={s}&"));
            expected.push(format!(
                "/api/articles/{RCA}/reply?{section}format={format}&StartTime=09%3A00&vmname=web01"
            ));
        }
    }
    assert_eq!(reply_links(&html), expected);
    // Each is the plain link a page without script follows.
    let issue = get(&app, &expected[2]).await;
    assert_eq!(
        issue.text(),
        ISSUE_WEB01.replace("restarted at StartTime", "restarted at 09:00")
    );
    // Labels: the heading's text, or the section's name in code.
    assert!(html.contains("<span class=\"reply__what\">What happened</span>"));
    assert!(html.contains("<span class=\"reply__what\"><code>issueDescription</code></span>"));
    assert!(html.contains(
        "data-reply=\"What happened\" data-reply-format=\"text\">Copy for reply\
         <span class=\"visually-hidden\">: What happened, as text</span></a>"
    ));
}

#[tokio::test]
async fn a_page_without_values_links_the_defaults() {
    let (_dir, app) = sample_app();
    let html = get(
        &app,
        "/articles/microsoft.compute.virtualmachines/vm-diagnostics-rdp-connectivity",
    )
    .await
    .text();
    assert_eq!(
        reply_links(&html),
        [
            format!("/api/articles/{RDP}/reply?format=text"),
            format!("/api/articles/{RDP}/reply?format=markdown"),
            format!("/api/articles/{RDP}/reply?section=issueDescription&format=text"),
            format!("/api/articles/{RDP}/reply?section=issueDescription&format=markdown"),
            format!("/api/articles/{RDP}/reply?section=recommendedActions&format=text"),
            format!("/api/articles/{RDP}/reply?section=recommendedActions&format=markdown"),
            format!("/api/articles/{RDP}/reply?section=recommended-actions&format=text"),
            format!("/api/articles/{RDP}/reply?section=recommended-actions&format=markdown"),
            format!("/api/articles/{RDP}/reply?section=additionalInfo&format=text"),
            format!("/api/articles/{RDP}/reply?section=additionalInfo&format=markdown"),
        ]
    );
}

/// An index of the sample articles in a new temporary folder.
fn sample_index() -> TempDir {
    let dir = TempDir::new().expect("a temporary folder");
    common::index::build_index(&sample_articles(), &dir.path().join("index"));
    dir
}

#[test]
fn kb_show_prints_the_reply_text() {
    let dir = sample_index();
    let index = dir.path().join("index");
    let out = run(
        kb().arg("show")
            .arg("--index")
            .arg(&index)
            .args([RCA, "--reply", "--section", "issueDescription"])
            .args(["--token", "vmname=web01"]),
        "kb show --reply",
    );
    out.assert_success("kb show --reply");
    assert_eq!(out.stdout, ISSUE_WEB01);
    assert_eq!(out.stderr, "");

    let out = run(
        kb().arg("show")
            .arg("--index")
            .arg(&index)
            .args([RDP, "--reply", "--format", "markdown"])
            .args(["--section", "recommended-actions"]),
        "kb show --reply --format markdown",
    );
    out.assert_success("kb show --reply --format markdown");
    assert_eq!(out.stdout, RDP_ACTIONS_MARKDOWN);

    // Without --reply: the Markdown as the index holds it.
    let out = run(
        kb().arg("show").arg("--index").arg(&index).arg(RCA),
        "kb show",
    );
    out.assert_success("kb show");
    let on_disk = std::fs::read_to_string(sample_articles().join(RCA)).expect("the sample");
    assert_eq!(out.stdout, on_disk.replace("\r\n", "\n"));
}

#[test]
fn kb_show_says_what_is_wrong() {
    let dir = sample_index();
    let index = dir.path().join("index");
    let show = |args: &[&str]| {
        run(
            kb().arg("show").arg("--index").arg(&index).args(args),
            "kb show",
        )
    };

    let out = show(&[RCA, "--reply", "--section", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.starts_with(
            "kb: error: the article has no section `nope`; its sections are `we-found-"
        ),
        "{}",
        out.stderr
    );

    let out = show(&["no/such.md", "--reply"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        out.stderr,
        format!(
            "kb: error: no article at `no/such.md` in {}; give the path as `kb search` shows \
             it, with `.md`\n",
            index.display()
        )
    );

    // A token the article does not have is named; the text keeps the default.
    let out = show(&[
        RCA,
        "--reply",
        "--section",
        "issueDescription",
        "--token",
        "vm=x",
    ]);
    out.assert_success("kb show --token vm=x");
    assert_eq!(
        out.stderr,
        format!(
            "kb: warning: `{RCA}` has no token `vm`; its tokens are: vmname, StartTime, EndTime\n"
        )
    );
    assert!(
        out.stdout
            .contains("virtual machine Virtual machine restarted")
    );

    // Flags that only mean something for a reply, and values that are no values, are
    // refused by the argument parser (exit 2).
    for args in [
        &[RCA, "--section", "issueDescription"][..],
        &[RCA, "--reply", "--format", "html"],
        &[RCA, "--reply", "--token", "novalue"],
        &[RCA, "--reply", "--public-base", "kb.example.com"],
    ] {
        let out = show(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{args:?}");
    }
}

#[test]
fn kb_show_keeps_links_to_articles_under_a_public_base() {
    let dir = sample_index();
    let out = run(
        kb().arg("show")
            .arg("--index")
            .arg(dir.path().join("index"))
            .args([RDP, "--reply", "--section", "recommended-actions"])
            .args(["--public-base", "https://kb.example.com/"]),
        "kb show --public-base",
    );
    out.assert_success("kb show --public-base");
    assert!(
        out.stdout.ends_with(
            "Follow Troubleshoot a Windows VM that is stuck applying updates \
             (https://kb.example.com/articles/microsoft.compute.virtualmachines/vm-boot-failure-windows-update).\n"
        ),
        "{}",
        out.stdout
    );
}

/// The raw HTML a Markdown reply holds, as a Markdown reader parses it: none may be there.
fn raw_html(markdown: &str) -> Vec<String> {
    Parser::new_ext(markdown, selfhelp_kb::render::options())
        .filter_map(|e| match e {
            Event::Html(h) | Event::InlineHtml(h) => Some(h.into_string()),
            _ => None,
        })
        .collect()
}

/// Every reply of an article (the whole article and each section, in both formats, each of
/// which must be made), and what each Markdown one is of.
fn markdown_replies(article: &Article, values: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let reply = Reply::new(article, values);
    let mut anchors: Vec<Option<String>> = vec![None];
    anchors.extend(reply.sections().iter().map(|s| Some(s.anchor.clone())));
    let mut out = Vec::new();
    for anchor in &anchors {
        for format in ReplyFormat::ALL {
            let what = format!("{} {anchor:?} {}", article.path, format.as_str());
            let text = reply
                .text(anchor.as_deref(), format, None)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            if format == ReplyFormat::Markdown {
                out.push((what, text));
            }
        }
    }
    out
}

#[test]
fn every_sample_reply_is_markdown_without_raw_html() {
    let corpus = selfhelp_kb::corpus::load(&sample_articles()).expect("the samples load");
    assert_eq!(corpus.articles.len(), 54);
    for a in &corpus.articles {
        let values: BTreeMap<String, String> = a
            .tokens
            .iter()
            .map(|t| (t.name.clone(), "<b onclick=x>value</b> & *more*".to_owned()))
            .collect();
        for (what, markdown) in markdown_replies(a, &values) {
            assert_eq!(
                raw_html(&markdown),
                Vec::<String>::new(),
                "{what}:\n{markdown}"
            );
        }
    }
}

/// Pieces of articles that hold markup a reply must not let through.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<script>alert(1)</script>".to_owned()),
        Just("<b>".to_owned()),
        Just("</b>".to_owned()),
        Just("<div onclick=\"x\">".to_owned()),
        Just("<!-- note -->".to_owned()),
        Just("<!--$vm-->".to_owned()),
        Just("<!--/$vm-->".to_owned()),
        Just("<!--issueDescription-->".to_owned()),
        Just("<!--/issueDescription-->".to_owned()),
        Just("[x](data-blade:A.B)".to_owned()),
        Just("[y](https://y.test/a b)".to_owned()),
        Just("<a href=\"https://z.test\">z</a>".to_owned()),
        Just("<video><src>https://v.test</src><title>V</title></video>".to_owned()),
        Just("**".to_owned()),
        Just("`".to_owned()),
        Just("```".to_owned()),
        Just("\n".to_owned()),
        Just("\n\n".to_owned()),
        Just("- ".to_owned()),
        Just("1. ".to_owned()),
        Just("> ".to_owned()),
        Just("## ".to_owned()),
        Just("| a | b |\n|---|---|\n| ".to_owned()),
        Just("&lt;i&gt;".to_owned()),
        Just("<br>".to_owned()),
        "[ -~]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_markdown_reply_never_holds_raw_html(parts in prop::collection::vec(fragment(), 0..20)) {
        let body = parts.concat();
        let text = format!("<properties pageTitle=\"T\" articleId=\"a\" selfHelpType=\"rca\" />\n{body}");
        let article = Article::parse("a/b.md", text.as_bytes());
        let values = BTreeMap::from([("vm".to_owned(), "<i>v</i>".to_owned())]);
        for (what, markdown) in markdown_replies(&article, &values) {
            prop_assert_eq!(raw_html(&markdown), Vec::<String>::new(), "{}: {:?}\n{}", what, body, markdown);
        }
    }
}
