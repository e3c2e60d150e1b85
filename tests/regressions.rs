//! Regression tests for the bugs issue 13 found, written against the public API that
//! main had before the fix, so that each fails there: the parser listed `fakeSection` from a
//! fenced code block, the renderer lost everything between a comment ending at `--!>` and the
//! next `-->`, `kb check` exited 101 on a file named `éé`, and nothing reported text before
//! the properties block.

use std::collections::BTreeMap;

use selfhelp_kb::Article;
use selfhelp_kb::render::{LinkContext, article_html, render_markdown};

fn article(body: &str) -> Article {
    let text = format!(
        "<properties pageTitle=\"T\" articleId=\"a\" selfHelpType=\"rca\" />\n# T\n\n{body}"
    );
    Article::parse("svc/a.md", text.as_bytes())
}

/// The section names an article page renders, in order.
fn rendered_sections(html: &str) -> Vec<String> {
    html.split("data-section=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').expect("a closing quote")].to_owned())
        .collect()
}

#[test]
fn a_section_marker_in_a_code_fence_is_code() {
    let a = article(
        "Text.\n\n```html\n<!--fakeSection-->\nshown as code\n<!--/fakeSection-->\n```\n\n\
         <!--issueDescription-->\nReal.\n<!--/issueDescription-->\n",
    );
    let names: Vec<&str> = a.sections.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["issueDescription"]);
    let html = article_html(&a, &BTreeMap::new());
    assert_eq!(rendered_sections(&html), ["issueDescription"]);
    assert!(html.contains("&lt;!--fakeSection--&gt;"), "{html}");
    // Nor is it an unpaired marker to report.
    assert!(a.problems.is_empty(), "{:?}", a.problems);
}

#[test]
fn text_after_a_comment_that_ends_at_bang_survives() {
    let markdown = "Alpha start <!-- x --!> <a href=\"https://example.test/\">link</a> alpha \
                    tail words.\n\nBravo start <!-- normal --> bravo tail words.\n";
    let html = render_markdown(markdown, &LinkContext::default());
    for words in [
        "Alpha start",
        ">link</a>",
        "alpha tail words.",
        "Bravo start",
        "bravo tail words.",
    ] {
        assert!(html.contains(words), "{words:?} is missing from {html}");
    }
    // The parser's plain text (what search reads) agrees.
    let a = article(markdown);
    assert!(
        a.text.contains("link alpha tail words.") && a.text.contains("Bravo start"),
        "{}",
        a.text
    );
}

#[test]
fn file_names_that_are_not_ascii_never_stop_the_walk() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let root = dir.path();
    for name in ["schéma", "éé", "日本", "é.md.bak"] {
        std::fs::write(root.join(name), "stray").expect("write");
    }
    std::fs::write(
        root.join("ok.md"),
        "<properties pageTitle=\"T\" articleId=\"ok\" selfHelpType=\"generic\"/>\n# T\n",
    )
    .expect("write");
    let corpus = selfhelp_kb::corpus::load(root).expect("load");
    let paths: Vec<&str> = corpus.articles.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(paths, ["ok.md"]);

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kb"))
        .args(["check", "--articles"])
        .arg(root)
        .output()
        .expect("kb runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn text_before_the_properties_block_is_reported_with_its_line() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    std::fs::write(
        dir.path().join("lead.md"),
        "\n\n# A heading first\n<properties pageTitle=\"T\" articleId=\"lead\" \
         selfHelpType=\"generic\"/>\n# T\n",
    )
    .expect("write");
    let corpus = selfhelp_kb::corpus::load(dir.path()).expect("load");
    let report = selfhelp_kb::check::CheckReport::new(&corpus);
    let found: Vec<(&str, usize)> = report
        .problems
        .iter()
        .map(|p| (p.code.as_str(), p.line))
        .collect();
    assert_eq!(found, [("text-before-properties", 3)]);
}

/// Found by the fuzzing (tests/fuzz.rs): a raw-text element that nothing closes took the
/// rest of the page as its text, and the sanitizer dropped it with the element.
#[test]
fn a_textarea_left_open_keeps_the_sections_after_it() {
    let a = article(
        "<!--issueDescription-->\nType it in <textarea>the box.\n<!--/issueDescription-->\n\n\
         <!--recommendedActions-->\nRestart the service.\n<!--/recommendedActions-->\n",
    );
    let html = article_html(&a, &BTreeMap::new());
    assert_eq!(
        rendered_sections(&html),
        ["issueDescription", "recommendedActions"]
    );
    assert!(
        html.contains("Type it in &lt;textarea&gt;the box.")
            && html.contains("Restart the service."),
        "{html}"
    );
}
