//! The render module as the article page uses it: hostile input stays harmless, tokens,
//! sections, portal links, relative links and images, custom elements and callouts render
//! as the page expects, the payload preview and the filled text read well, and snapshots of
//! the fixture articles in `tests/fixtures/render/` pin the whole output.
//!
//! `every_corpus_article_renders` needs `../shared/corpus`, so it is behind the `corpus`
//! feature and `.ci/run` runs it (add `--nocapture` for its timings):
//! `cargo test --release --features corpus --test render -- --nocapture`.

mod common;

use std::collections::BTreeMap;

use proptest::prelude::*;
use selfhelp_kb::Article;
use selfhelp_kb::render::{
    LinkContext, article_html, filled_text, payload_html, render_markdown, sanitize,
};

fn no_values() -> BTreeMap<String, String> {
    BTreeMap::new()
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// An article at `path` whose body is `body`.
fn article(path: &str, body: &str) -> Article {
    let text =
        format!("<properties pageTitle=\"T\" articleId=\"a\" selfHelpType=\"rca\" />\n{body}");
    Article::parse(path, text.as_bytes())
}

fn render(body: &str) -> String {
    article_html(&article("svc/folder/page.md", body), &no_values())
}

fn fixture(name: &str) -> Article {
    let file = common::fixtures("render").join(name);
    Article::from_file(&file, &format!("fixtures/{name}")).expect("fixture exists")
}

/// One start tag of sanitized HTML: its lower-cased name and its attributes (names
/// lower-cased, values unescaped enough to check URLs).
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// The start tags of (sanitized, so well-formed) HTML, read outside text, comments and
/// quoted attribute values: a `<` inside a value (the serializer does not escape it there)
/// or a word like `onerror=` in text is not a tag or a handler.
fn tags(html: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        if let Some(comment) = rest.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        if name_len == 0 {
            // `</...>` or `<!DOCTYPE>`: no attributes to check.
            rest = rest.find('>').map_or("", |end| &rest[end + 1..]);
            continue;
        }
        let mut tag = Tag {
            name: rest[..name_len].to_ascii_lowercase(),
            attributes: Vec::new(),
        };
        rest = &rest[name_len..];
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
            if rest.is_empty() || rest.starts_with('>') {
                rest = rest.get(1..).unwrap_or_default();
                break;
            }
            let name_end = rest
                .find(|c: char| c.is_ascii_whitespace() || matches!(c, '=' | '>' | '/'))
                .unwrap_or(rest.len());
            let name = rest[..name_end].to_ascii_lowercase();
            rest = rest[name_end..].trim_start();
            let mut value = String::new();
            if let Some(after) = rest.strip_prefix('=') {
                let after = after.trim_start();
                let (v, tail) = match after.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let body = &after[1..];
                        let close = body.find(q).unwrap_or(body.len());
                        (&body[..close], body.get(close + 1..).unwrap_or_default())
                    }
                    _ => {
                        let end = after
                            .find(|c: char| c.is_ascii_whitespace() || c == '>')
                            .unwrap_or(after.len());
                        (&after[..end], &after[end..])
                    }
                };
                value = v.replace("&amp;", "&");
                rest = tail;
            }
            tag.attributes.push((name, value));
        }
        out.push(tag);
    }
    out
}

/// Every attribute of every start tag of the HTML, in order.
fn attributes(html: &str) -> Vec<(String, String)> {
    tags(html).into_iter().flat_map(|t| t.attributes).collect()
}

/// Fails when `html` holds anything that can run script or load a hostile URL, or (rendered
/// Markdown only) even mentions a script URL.
fn assert_harmless(html: &str) {
    assert_no_active_content(html);
    let lower = html.to_ascii_lowercase();
    for bad in ["javascript:", "vbscript:"] {
        assert!(!lower.contains(bad), "{bad} in:\n{html}");
    }
}

/// Fails when `html` holds an element that runs or embeds something, a handler, a style
/// other than a table cell's alignment, or a URL that is not ours or the web's.
fn assert_no_active_content(html: &str) {
    const ACTIVE: &[&str] = &[
        "script", "style", "iframe", "frame", "object", "embed", "svg", "math", "form", "input",
        "button", "textarea", "select", "base", "meta", "link",
    ];
    for tag in tags(html) {
        assert!(
            !ACTIVE.contains(&tag.name.as_str()),
            "<{}> in:\n{html}",
            tag.name
        );
        for (name, value) in &tag.attributes {
            assert!(!name.starts_with("on"), "handler {name} in:\n{html}");
            if name == "style" {
                assert!(
                    value.starts_with("text-align:"),
                    "style={value} in:\n{html}"
                );
            }
            if name == "href" || name == "src" {
                let v = value.trim().to_ascii_lowercase();
                let ok = v.starts_with("https://")
                    || v.starts_with("http://") && name == "href"
                    || v.starts_with("mailto:") && name == "href"
                    || v.starts_with('#') && name == "href"
                    || v.starts_with("/articles/") && name == "href"
                    || v.starts_with("/files/");
                assert!(ok, "{name}={value} in:\n{html}");
            }
        }
    }
}

const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<style>body{display:none}</style>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\" onclick=\"alert(2)\">a</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">a</a>",
    "<a href=\"&#106;avascript:alert(1)\">a</a>",
    "<a href=\"&#x6A;&#x61;vascript&colon;alert(1)\">a</a>",
    "<a href=\"&#106avascript:alert(1)\">a</a>",
    "<a href=\"java&#x09;script:alert(1)\">a</a>",
    "<a href=\" \tjavascript:alert(1)\">a</a>",
    "<a href=\"vbscript:msgbox(1)\">a</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">a</a>",
    "[a](javascript:alert(1))",
    "[a](JAVASCRIPT:alert(1))",
    "[a](&#106;avascript:alert(1))",
    "[a](<java script:alert(1)>)",
    "[a](data:text/html,<script>alert(1)</script>)",
    "[a](vbscript:x)",
    "![a](javascript:alert(1))",
    "![a](data:image/svg+xml;base64,PHN2Zz4=)",
    "<a href=\"data-blade:x\" onmouseover=\"alert(1)\">chip</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<svg onload=alert(1)><script>alert(2)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<div style=\"background:url(javascript:alert(1))\" onmouseover=\"alert(1)\">d</div>",
    "<form action=\"javascript:alert(1)\"><input onfocus=alert(1) autofocus></form>",
    "<p title=\"x\" onclick=\"alert(1)\">p</p>",
    "<!--$vmname--><script>alert(1)</script><!--/$vmname-->",
    "<a href=\"<!--$Link-->javascript:alert(1)<!--/$Link-->\">tok</a>",
    "<video><src>javascript:alert(1)</src><title><script>x</script>T</title></video>",
    "<azureKB><url>javascript:alert(1)</url></azureKB>",
    "<!-- unterminated <script>alert(1)</script>",
    "<a href='x' <script>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<img src=\"https://ok.example/a.png\" onerror=\"alert(1)\">",
    "<table><tr><td style=\"x:expression(alert(1))\" onclick=\"x\">c</td></tr></table>",
    "<span class=\"kb-token\" data-token=\"x\" onclick=\"x\" style=\"color:red\">s</span>",
    "<section data-section=\"x\" class=\"kb-section evil\" onclick=\"x\">s</section>",
];

#[test]
fn hostile_input_renders_without_script_style_handlers_or_js_urls() {
    for input in HOSTILE {
        let alone = render(input);
        assert_harmless(&alone);
        // In a list item, a table cell and a section as well.
        let nested = format!(
            "<!--issueDescription-->\n- item {input}\n\n| a |\n|---|\n| {input} |\n<!--/issueDescription-->"
        );
        assert_harmless(&render(&nested));
        assert_harmless(&render_markdown(input, &LinkContext::default()));
        // Plain text stays text: `[a](javascript:x)` is not a link to sanitize.
        assert_no_active_content(&sanitize(input));
    }
    // All at once, so one can open what the next closes. Markdown links then end up inside
    // raw HTML blocks (pulldown-cmark does not end a `<SCRIPT>` block at `</SCRIPT>`) and
    // show as text, which is harmless.
    for separator in ["\n", "\n\n"] {
        assert_no_active_content(&render(&HOSTILE.join(separator)));
    }
}

#[test]
fn classes_and_attributes_outside_the_allow_list_are_removed() {
    let out = render("<span class=\"kb-token evil\" data-token=\"x\" data-evil=\"y\">s</span>");
    assert!(
        out.contains("<span class=\"kb-token\" data-token=\"x\">s</span>"),
        "{out}"
    );
    let out = render("<p class=\"kb-token\" id=\"main\">p</p>");
    assert!(out.contains("<p>p</p>"), "{out}");
}

#[test]
fn tokens_are_filled_from_values_and_escaped() {
    let body = "The VM **<!--$vmname-->Virtual machine<!--/$vmname-->** stopped.";
    let out = article_html(&article("a.md", body), &values(&[("vmname", "<b>x</b>")]));
    assert!(
        out.contains(
            "<strong><span class=\"kb-token\" data-token=\"vmname\" title=\"vmname\">&lt;b&gt;x&lt;/b&gt;</span></strong>"
        ),
        "{out}"
    );
    assert!(!out.contains("<b>"), "{out}");
    assert!(!out.contains("Virtual machine"), "{out}");
}

#[test]
fn token_values_match_names_in_any_case_and_blank_values_keep_the_default() {
    let body = "<!--$VMName-->default<!--/$vmname--> and <!--$other-->kept<!--/$other-->";
    let out = article_html(
        &article("a.md", body),
        &values(&[("vmname", "web01"), ("OTHER", "  ")]),
    );
    assert!(out.contains("title=\"VMName\">web01</span>"), "{out}");
    assert!(out.contains("title=\"other\">kept</span>"), "{out}");
}

#[test]
fn token_defaults_render_inline_markdown() {
    let out = render("At <!--$when-->**noon** `UTC`<!--/$when-->.");
    assert!(
        out.contains(
            "<span class=\"kb-token\" data-token=\"when\" title=\"when\"><strong>noon</strong> <code>UTC</code></span>"
        ),
        "{out}"
    );
}

#[test]
fn tokens_work_in_bold_table_cells_and_at_a_line_start() {
    let body = "| VM | State |\n|---|---|\n| **<!--$vm-->web<!--/$vm-->** | <!--$state-->*off*<!--/$state--> |\n\n\
                <!--$vm-->web<!--/$vm--> is **down**";
    let out = render(body);
    assert!(
        out.contains("<td><strong><span class=\"kb-token\" data-token=\"vm\" title=\"vm\">web</span></strong></td>"),
        "{out}"
    );
    assert!(
        out.contains("<td><span class=\"kb-token\" data-token=\"state\" title=\"state\"><em>off</em></span></td>"),
        "{out}"
    );
    // A comment at a line start would make the line raw HTML; the placeholder does not.
    assert!(
        out.contains("</span> is <strong>down</strong></p>"),
        "{out}"
    );
}

#[test]
fn tokens_in_raw_html_attributes_fill_the_attribute() {
    let body = "<a href=\"<!--$Link-->[Link]<!--/$Link-->\">regions</a>";
    let out = render(body);
    assert!(
        !out.contains("<a"),
        "a placeholder default is no URL: {out}"
    );
    assert!(out.contains("regions"), "{out}");
    let out = article_html(
        &article("a.md", body),
        &values(&[("link", "https://x.example/regions?a=1&b=2")]),
    );
    assert!(
        out.contains("<a href=\"https://x.example/regions?a=1&amp;b=2\" rel=\"noopener noreferrer\" target=\"_blank\">regions</a>"),
        "{out}"
    );
}

#[test]
fn sections_are_wrapped_and_issue_description_is_set_off() {
    let body = "# T\n\n<!--issueDescription-->\nThe **issue**.\n<!--/issueDescription-->\n\n\
                <!--recommendedActions-->\n1. Do this\n<!--/recommendedActions-->\n\n\
                <!--customSection-->\ntext\n<!--/customSection-->\n";
    let out = render(body);
    assert!(
        out.contains(
            "<section class=\"kb-section kb-section-issueDescription kb-issue\" data-section=\"issueDescription\">\n<p>The <strong>issue</strong>.</p>\n</section>"
        ),
        "{out}"
    );
    assert!(
        out.contains("<section class=\"kb-section kb-section-recommendedActions\" data-section=\"recommendedActions\">\n<ol>"),
        "{out}"
    );
    assert!(
        out.contains(
            "<section class=\"kb-section kb-section-customSection\" data-section=\"customSection\">"
        ),
        "{out}"
    );
}

#[test]
fn unpaired_markers_are_ignored_and_their_text_kept() {
    let out =
        render("<!--issueDescription-->\nStill **shown**.\n\nAnd <!--/resolutionDetails--> this.");
    assert!(!out.contains("<section"), "{out}");
    assert!(
        out.contains("<p>Still <strong>shown</strong>.</p>"),
        "{out}"
    );
    assert!(out.contains("<p>And this.</p>"), "{out}");
}

#[test]
fn link_definitions_reach_every_section() {
    let body = "<!--issueDescription-->\nSee [the guide][g].\n<!--/issueDescription-->\n\n[g]: https://docs.example.com/g\n";
    let out = render(body);
    assert!(
        out.contains("<a href=\"https://docs.example.com/g\""),
        "{out}"
    );
}

#[test]
fn portal_links_become_labelled_chips() {
    let body = "[Health](data-blade:Microsoft_Azure_Health.ServiceIssuesBlade) \
                [Tune](button-data-blade:SqlAzureExtension.AutotuningBlade.resourceId.$resourceId) \
                [Redeploy](button-data-context:Microsoft_Azure_Compute.RedeployBlade.id.$resourceId) \
                <a href=\"data-blade:Microsoft_Azure_Storage.RecoverBlade.subscriptionId.$subscriptionId\">Recover</a>";
    let out = render(body);
    assert!(!out.contains("<a"), "{out}");
    for (text, blade) in [
        ("Health", "Microsoft_Azure_Health.ServiceIssuesBlade"),
        ("Tune", "SqlAzureExtension.AutotuningBlade"),
        ("Redeploy", "Microsoft_Azure_Compute.RedeployBlade"),
        ("Recover", "Microsoft_Azure_Storage.RecoverBlade"),
    ] {
        let chip = format!(
            "<span class=\"kb-portal-link\" title=\"Opens in the Azure portal: {blade}\">{text}</span>"
        );
        assert!(out.contains(&chip), "{chip} in {out}");
    }
}

#[test]
fn mail_and_web_links_are_kept() {
    let out = render(
        "[Team](mailTo:team@example.com), <a@example.com> and [web](https://example.com/x).",
    );
    assert!(
        out.contains("<a href=\"mailto:team@example.com\">Team</a>"),
        "{out}"
    );
    assert!(
        out.contains("<a href=\"mailto:a@example.com\">a@example.com</a>"),
        "{out}"
    );
    assert!(
        out.contains("<a href=\"https://example.com/x\" rel=\"noopener noreferrer\" target=\"_blank\">web</a>"),
        "{out}"
    );
}

#[test]
fn relative_links_and_images_are_rewritten_and_escapes_neutralized() {
    let body = "[next](next.md) [up](../other/page.md#fix-it) [root](/top/x.md) \
                [passwd](../../../etc/passwd) [enc](%2e%2e/%2e%2e/%2e%2e/etc/x.md) [web typo](www.example.com/x)\n\n\
                ![diagram](media/a.png) ![win](Screenshots\\b.png) ![remote](https://img.example.com/c.png) \
                ![climb](../../../d.png) ![http](http://img.example.com/e.png)";
    let out = render(body);
    for expected in [
        "<a href=\"/articles/svc/folder/next\">next</a>",
        "<a href=\"/articles/svc/other/page#fix-it\">up</a>",
        "<a href=\"/articles/top/x\">root</a>",
        " passwd ",
        " enc ",
        " web typo",
        "<img src=\"/files/svc/folder/media/a.png\" alt=\"diagram\">",
        "<img src=\"/files/svc/folder/Screenshots/b.png\" alt=\"win\">",
        "<img src=\"https://img.example.com/c.png\" alt=\"remote\">",
        "<span class=\"kb-image-missing\">climb</span>",
        "<span class=\"kb-image-missing\">http</span>",
    ] {
        assert!(out.contains(expected), "{expected} in {out}");
    }
    assert!(!out.contains("passwd\""), "{out}");
    assert!(!out.contains("etc"), "{out}");
}

#[test]
fn raw_html_links_and_images_follow_the_same_rules() {
    let out = render(
        "<a href=\"next.md\" target=\"_top\">next</a> <a href=\"https://x.example\">x</a> <img src=\"media/a.png\" alt=\"A\" width=\"20\" height=\"x\">",
    );
    assert!(
        out.contains("<a href=\"/articles/svc/folder/next\">next</a>"),
        "{out}"
    );
    assert!(
        out.contains(
            "<a href=\"https://x.example\" rel=\"noopener noreferrer\" target=\"_blank\">x</a>"
        ),
        "{out}"
    );
    assert!(
        out.contains("<img src=\"/files/svc/folder/media/a.png\" alt=\"A\" width=\"20\">"),
        "{out}"
    );
}

#[test]
fn insight_becomes_a_titled_aside() {
    let out = render(
        "<Insight>\n  <symptomId>SqlLogin,SqlConn</symptomId>\n  <executionText>Running</executionText>\n</Insight>\n",
    );
    assert!(
        out.contains("<aside class=\"kb-insight\"><p class=\"kb-aside-title\">Insight</p>"),
        "{out}"
    );
    assert!(
        out.contains("<code>SqlLogin</code>, <code>SqlConn</code>"),
        "{out}"
    );
    assert!(!out.contains("Running"), "{out}");
}

#[test]
fn video_and_video_group_become_links() {
    let out = render(
        "<video>\n<src>https://v.example/1</src>\n<title>How to &amp; why</title>\n</video>\n\n\
                      <videoGroup>\n<video><src>https://v.example/2</src><title>Two</title></video>\n\
                      <video><src>javascript:alert(1)</src><title>Three</title></video>\n</videoGroup>",
    );
    assert!(
        out.contains("<p class=\"kb-video\"><a href=\"https://v.example/1\" rel=\"noopener noreferrer\" target=\"_blank\">▶ How to &amp; why</a></p>"),
        "{out}"
    );
    assert!(
        out.contains(
            "<ul class=\"kb-video-group\"><li class=\"kb-video\"><a href=\"https://v.example/2\""
        ),
        "{out}"
    );
    assert!(out.contains("<li class=\"kb-video\">▶ Three</li>"), "{out}");
}

#[test]
fn azure_kb_and_metric_become_asides() {
    let out = render(
        "Results:\n<azureKB>\n<client>portal</client>\n</azureKB>\n\n<metric>\n<name>Transactions</name>\n<title>Failures</title>\n<timeSpanDuration>2d</timeSpanDuration>\n</metric>",
    );
    assert!(out.contains("<p>Results:</p>"), "{out}");
    assert!(
        out.contains(
            "<aside class=\"kb-azurekb\"><p class=\"kb-aside-title\">Related articles</p>"
        ),
        "{out}"
    );
    assert!(
        out.contains("<aside class=\"kb-metric\"><p class=\"kb-aside-title\">Metric chart: Failures</p><p>The Azure portal shows a chart of the <code>Transactions</code> metric here (2d).</p></aside>"),
        "{out}"
    );
    assert!(!out.contains("portal</p>\n<p>portal"), "{out}");
}

#[test]
fn section_marker_lines_become_headings_with_anchors() {
    let out = render(":::Section Fix the login:::\ntext\n\n::: Section Fix the login :::\n");
    // Level 2, one level down like every heading of the body.
    assert!(
        out.contains("<h3 class=\"kb-marker\" id=\"fix-the-login\">Fix the login</h3>"),
        "{out}"
    );
    assert!(
        out.contains("<h3 class=\"kb-marker\" id=\"fix-the-login-2\">Fix the login</h3>"),
        "{out}"
    );
    assert!(out.contains("<p>text</p>"), "{out}");
    assert!(!out.contains(":::"), "{out}");
}

#[test]
fn callouts_get_a_class_and_a_label() {
    for (kind, class, label) in [
        ("NOTE", "note", "Note"),
        ("TIP", "tip", "Tip"),
        ("IMPORTANT", "important", "Important"),
        ("WARNING", "warning", "Warning"),
        ("CAUTION", "caution", "Caution"),
    ] {
        let expected = format!(
            "<div class=\"kb-callout kb-callout-{class}\"><p class=\"kb-callout-label\">{label}</p>\n<p>Body <strong>text</strong>.</p>\n</div>"
        );
        for body in [
            format!("> [!{kind}]\n> Body **text**."),
            format!("> [!{kind}] Body **text**."),
            format!("[!{}]\nBody **text**.", label),
            format!("[!{kind}] Body **text**."),
        ] {
            let out = render(&body);
            assert!(out.contains(&expected), "{body:?} gave {out}");
        }
    }
}

#[test]
fn headings_get_unique_anchors() {
    let out = render("# Boot fails\n## Fix it\n## Fix it\n### <!--$vm-->VM name<!--/$vm--> checks");
    assert!(out.contains("<h2 id=\"boot-fails\">"), "{out}");
    assert!(out.contains("<h3 id=\"fix-it\">"), "{out}");
    assert!(out.contains("<h3 id=\"fix-it-2\">"), "{out}");
    // Anchors come from the default text, whatever the values.
    let filled = article_html(
        &article("a.md", "### <!--$vm-->VM name<!--/$vm--> checks"),
        &values(&[("vm", "web01")]),
    );
    assert!(filled.contains("<h4 id=\"vm-name-checks\">"), "{filled}");
    assert!(out.contains("<h4 id=\"vm-name-checks\">"), "{out}");
}

/// The article page's title is its `<h1>`; the body's own headings, Markdown or HTML, go
/// one level down (the outline keeps its shape) and none is an `<h1>`.
#[test]
fn body_headings_render_one_level_down() {
    let out = render(
        "# Title\n\nText.\n\n## Step\n\n:::Section Marker:::\n\n#### Four\n\n##### Five\n\n###### Six\n\n\
         Setext\n======\n\n<h1 id=\"raw\">Raw <b>one</b></h1>\n\n<H6>Raw six</H6>\n\n\
         ```\n# code, not a heading\n```\n",
    );
    assert!(!out.contains("<h1"), "{out}");
    for expected in [
        "<h2 id=\"title\">Title</h2>",
        "<h3 id=\"step\">Step</h3>",
        "<h3 class=\"kb-marker\" id=\"marker\">Marker</h3>",
        "<h5 id=\"four\">Four</h5>",
        "<h6 id=\"five\">Five</h6>",
        // There is no level 7.
        "<h6 id=\"six\">Six</h6>",
        "<h2 id=\"setext\">Setext</h2>",
        "<h2 id=\"raw\">Raw <b>one</b></h2>",
        "<h6>Raw six</h6>",
        "# code, not a heading",
    ] {
        assert!(out.contains(expected), "{expected} in {out}");
    }
    // Text, including the filled text, is as before.
    let text = filled_text(&article("a.md", "# Title\n\nText."), &no_values());
    assert_eq!(text, "Title\n\nText.\n");
}

/// How deeply the elements of sanitized (so well-formed) HTML nest.
fn max_nesting(html: &str) -> usize {
    const VOID: &[&str] = &["br", "img", "hr", "input", "wbr", "col", "source", "track"];
    let (mut depth, mut max) = (0usize, 0usize);
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        if rest.starts_with('/') {
            depth = depth.saturating_sub(1);
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if !name.is_empty() && !VOID.contains(&name.as_str()) {
            depth += 1;
            max = max.max(depth);
        }
    }
    max
}

/// Hostile nesting (issue 7: the sanitizer's parser is quadratic in depth) is cut at 100
/// levels before sanitizing; the text inside survives, and what follows the nesting is
/// outside it again. Asserts the output, not the time.
#[test]
fn deep_nesting_is_bounded_and_keeps_its_text() {
    let indented: String = (0..1_000)
        .map(|i| format!("{}- item {i}\n", "  ".repeat(i)))
        .collect();
    for (what, body) in [
        ("divs", format!("{}deep text", "<div>".repeat(20_000))),
        (
            "closed divs",
            format!(
                "{}deep text{}\n\nafter it",
                "<div>".repeat(20_000),
                "</div>".repeat(20_000)
            ),
        ),
        ("quotes", format!("{} deep text", ">".repeat(20_000))),
        ("list items", format!("{}deep text", "- ".repeat(5_000))),
        ("indented list", format!("{indented}\ndeep text")),
        (
            "formatting",
            (0..2_000)
                .map(|i| format!("<div><b id=\"b{i}\">x</div>"))
                .collect::<String>()
                + "deep text",
        ),
    ] {
        let html = render(&body);
        let depth = max_nesting(&html);
        assert!(depth <= 102, "{what}: nested {depth} deep");
        assert!(html.contains("deep text"), "{what}: the text is lost");
        assert!(
            filled_text(&article("a.md", &body), &no_values()).contains("deep text"),
            "{what}: the filled text is lost"
        );
        if what == "closed divs" {
            assert!(html.ends_with("<p>after it</p>\n"), "{what}: {html}");
        }
    }
    // Up to the bound, nesting is kept as written.
    let html = render(&format!("{}deep text", "<div>".repeat(100)));
    assert_eq!(max_nesting(&html), 100);
    assert_eq!(html.matches("<div>").count(), 100);
    let html = render(&format!("{} deep text", ">".repeat(50)));
    assert_eq!(html.matches("<blockquote>").count(), 50);
}

#[test]
fn code_keeps_markers_and_elements_as_text() {
    let out = render(
        "```\n<!--issueDescription--> <video>x</video> :::Section A:::\n<script>x</script>\n```",
    );
    assert!(
        out.contains("&lt;!--issueDescription--&gt; &lt;video&gt;x&lt;/video&gt; :::Section A:::\n&lt;script&gt;x&lt;/script&gt;"),
        "{out}"
    );
}

#[test]
fn tables_footnotes_strikethrough_and_task_lists_render() {
    let out = render(
        "| a | b |\n|:--|--:|\n| 1 | 2 |\n\nClaim.[^1]\n\n~~old~~\n\n- [x] done\n- [ ] open\n\n[^1]: Source.",
    );
    for expected in [
        "<th style=\"text-align:left\">a</th>",
        "<td style=\"text-align:right\">2</td>",
        "<sup class=\"footnote-reference\"><a href=\"#1\">1</a></sup>",
        "<div class=\"footnote-definition\" id=\"1\">",
        "<del>old</del>",
        "<span class=\"kb-task kb-task-done\">☑</span> done",
        "<span class=\"kb-task\">☐</span> open",
    ] {
        assert!(out.contains(expected), "{expected} in {out}");
    }
}

#[test]
fn scoping_payload_preview_lists_labels_and_options() {
    let a = fixture("scoping.md");
    let html = payload_html(a.payload.as_ref().expect("payload")).expect("a form");
    let labels = [
        "When did the problem start?",
        "Which backup type fails?",
        "Which vault?",
        "Describe the failure",
    ];
    let mut at = 0;
    for label in labels {
        let i = html[at..]
            .find(label)
            .unwrap_or_else(|| panic!("{label} after {at} in {html}"));
        at += i;
    }
    for option in [
        "<li>Full</li>",
        "<li>Differential</li>",
        "<li>Other, don&#39;t know or not applicable</li>",
        "<li>Not listed</li>",
    ] {
        let option = option.replace("&#39;", "'");
        assert!(html.contains(&option), "{option} in {html}");
    }
    assert!(html.contains("The exact &lt;error&gt; text"), "{html}");
    assert!(
        html.contains("<span class=\"kb-form-required\">(required)</span>"),
        "{html}"
    );
    assert!(html.contains("<a href=\"https://docs.example.com/backup\" rel=\"noopener noreferrer\" target=\"_blank\">the backup guide</a>"), "{html}");
    assert_harmless(&html);
}

#[test]
fn topics_payload_preview_lists_topics() {
    let payload = serde_json::json!({
        "$schema": "SelfHelpContent",
        "supportTopics": [
            {"id": "123", "shortDescription": "Boot <fails>", "searchTags": "boot;rdp", "category": "VM"},
            {"id": "456", "shortDescription": "Disk full"}
        ]
    });
    let html = payload_html(&payload).expect("topics");
    assert!(
        html.contains("<p class=\"kb-topic-title\">Boot &lt;fails&gt;</p>"),
        "{html}"
    );
    assert!(
        html.contains("<code class=\"kb-topic-id\">123</code>"),
        "{html}"
    );
    assert!(
        html.contains("<ul class=\"kb-topic-tags\"><li>boot</li><li>rdp</li></ul>"),
        "{html}"
    );
    assert!(html.contains("Disk full"), "{html}");
}

#[test]
fn other_payloads_have_no_preview() {
    assert_eq!(payload_html(&serde_json::json!({"title": "x"})), None);
    assert_eq!(payload_html(&serde_json::json!([1, 2])), None);
    assert_eq!(
        payload_html(&serde_json::json!({"formElements": "no"})),
        None
    );
}

#[test]
fn filled_text_fills_tokens_and_strips_markup() {
    let a = article(
        "a.md",
        "# Restart\n\n<!--issueDescription-->\nThe VM **<!--$vmname-->Virtual machine<!--/$vmname-->** restarted at <!--$StartTime-->StartTime<!--/$StartTime-->.\n<!--/issueDescription-->\n\n1. Open [the blade](data-blade:A.B)\n2. Check <b>status</b> &amp; logs\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    );
    let text = filled_text(
        &a,
        &values(&[("VMNAME", "web<01>"), ("starttime", "09:00")]),
    );
    assert_eq!(
        text,
        "Restart\n\nThe VM web<01> restarted at 09:00.\n\n1. Open the blade\n2. Check status & logs\n\na | b\n1 | 2\n"
    );
}

fn snapshot(name: &str, values: &BTreeMap<String, String>) {
    let a = fixture(&format!("{name}.md"));
    let html = article_html(&a, values);
    assert_harmless(&html);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(common::fixtures("render").join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(format!("{name}_html"), html);
        insta::assert_snapshot!(format!("{name}_text"), filled_text(&a, values));
        if let Some(payload) = &a.payload {
            insta::assert_snapshot!(
                format!("{name}_payload"),
                payload_html(payload).unwrap_or_default()
            );
        }
    });
}

#[test]
fn snapshot_rca() {
    snapshot(
        "rca",
        &values(&[("vmname", "web-01"), ("StartTime", "2024-05-01 09:14")]),
    );
}

#[test]
fn snapshot_elements() {
    snapshot("elements", &no_values());
}

#[test]
fn snapshot_links() {
    snapshot("links", &no_values());
}

#[test]
fn snapshot_scoping() {
    snapshot("scoping", &no_values());
}

/// Pieces that exercise every pass, mixed with arbitrary text.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<script>".to_owned()),
        Just("</script>".to_owned()),
        Just("<scr".to_owned()),
        Just("ipt>".to_owned()),
        Just("<!--".to_owned()),
        Just("-->".to_owned()),
        Just("<!--$vm-->".to_owned()),
        Just("<!--/$vm-->".to_owned()),
        Just("<!--issueDescription-->".to_owned()),
        Just("<!--/issueDescription-->".to_owned()),
        Just("<video><src>".to_owned()),
        Just("</src></video>".to_owned()),
        Just("<Insight><symptomId>".to_owned()),
        Just("</Insight>".to_owned()),
        Just(":::Section ".to_owned()),
        Just(":::".to_owned()),
        Just("> [!NOTE]".to_owned()),
        Just("[!TIP]".to_owned()),
        Just("[x](".to_owned()),
        Just("javascript:".to_owned()),
        Just("<a href=\"".to_owned()),
        Just("<img src=".to_owned()),
        Just(" onerror=".to_owned()),
        Just("\"".to_owned()),
        Just(">".to_owned()),
        Just("```".to_owned()),
        Just("\n".to_owned()),
        Just("\n\n".to_owned()),
        Just("| a |\n|---|\n| ".to_owned()),
        Just("**".to_owned()),
        Just("\u{E000}e0\u{E001}".to_owned()),
        Just("\u{E000}o5\u{E001}".to_owned()),
        Just("&#106;".to_owned()),
        Just("[^1]".to_owned()),
        Just("[^1]: ".to_owned()),
        any::<String>(),
        "[ -~]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn render_markdown_never_panics_nor_emits_active_content(parts in prop::collection::vec(fragment(), 0..24)) {
        let markdown = parts.concat();
        let html = render_markdown(&markdown, &LinkContext { article_path: "a/b.md".into() });
        assert_no_active_content(&html);
        let a = article("a/b.md", &markdown);
        let page = article_html(&a, &values(&[("vm", "<script>x</script>")]));
        assert_no_active_content(&page);
        for (_, value) in attributes(&html).into_iter().chain(attributes(&page)) {
            prop_assert!(!value.to_ascii_lowercase().contains("javascript:"), "{}", html);
        }
        assert_text_of_page(&filled_text(&a, &values(&[("vm", "<script>x</script>")])), &page, "a/b.md");
    }
}

/// The filled text of a page whose HTML is `shown`: it decodes each entity once (an `&lt;`
/// left in it must have been `&amp;lt;` on the page) and keeps no tag the page did not show
/// as text.
fn assert_text_of_page(text: &str, shown: &str, path: &str) {
    for entity in ["&lt;", "&gt;", "&amp;", "&quot;", "&#"] {
        let escaped = format!("&amp;{}", &entity[1..]);
        assert!(
            !text.contains(entity) || shown.contains(&escaped),
            "{path}: {entity} in the filled text was not text on the page"
        );
    }
    let lower = text.to_ascii_lowercase();
    // The page's text as a reader sees it: tags dropped, then entities decoded, so that
    // `<strong>&lt;scr</strong>ipt&gt;` reads `<script>` as the filled text does.
    let visible = visible_text(shown).to_ascii_lowercase();
    for tag in ["<script", "<style", "<div", "<span", "<a "] {
        assert!(
            !lower.contains(tag) || visible.contains(tag),
            "{path}: {tag} in the filled text was not text on the page"
        );
    }
}

/// The text of sanitized HTML: everything outside tags, with the entities the serializer
/// writes decoded.
fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// What must hold of every corpus article's page, its payload preview and its filled text:
/// nothing active in either HTML, the text is the text of the page
/// ([`assert_text_of_page`]), and it holds every question of a form (`displayLabel`), as
/// the page's preview shows them.
#[cfg(feature = "corpus")]
fn assert_corpus_page(a: &Article, html: &str) {
    let path = &a.path;
    assert_no_active_content(html);
    let payload = a.payload.as_ref().and_then(payload_html);
    if let Some(form) = &payload {
        assert_no_active_content(form);
    }
    let shown = format!("{html}{}", payload.as_deref().unwrap_or_default());
    let text = filled_text(a, &no_values());
    assert_text_of_page(&text, &shown, path);
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat_text = flat(&text);
    let fields = a
        .payload
        .as_ref()
        .and_then(|p| p.as_object())
        .and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("formElements"))
        })
        .and_then(|(_, v)| v.as_array());
    if payload.is_some() {
        for field in fields.into_iter().flatten().filter_map(|f| f.as_object()) {
            let label = field
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("displayLabel"))
                .and_then(|(_, v)| v.as_str())
                .map(flat)
                .unwrap_or_default();
            assert!(
                flat_text.contains(&label),
                "{path}: the form's question {label:?} is not in the filled text"
            );
        }
    }
}

/// Every article of the real corpus renders without panicking; prints timings. Needs
/// `../shared` (or `KB_SHARED`), so it runs with the corpus suite.
#[cfg(feature = "corpus")]
#[test]
fn every_corpus_article_renders() {
    let corpus = selfhelp_kb::corpus::load(&common::corpus_dir()).expect("the corpus loads");
    let empty = no_values();
    let mut times = Vec::with_capacity(corpus.articles.len());
    for a in &corpus.articles {
        // Best of three, so that one preemption does not make an article look slow.
        let mut best = std::time::Duration::MAX;
        let mut html = String::new();
        for _ in 0..3 {
            let start = std::time::Instant::now();
            html = article_html(a, &empty);
            best = best.min(start.elapsed());
        }
        times.push((best, a.path.as_str(), a.source.len()));
        assert_corpus_page(a, &html);
    }
    times.sort();
    let total: std::time::Duration = times.iter().map(|t| t.0).sum();
    let n = u32::try_from(times.len()).unwrap_or(u32::MAX).max(1);
    let typical: Vec<_> = times
        .iter()
        .filter(|t| (4_000..6_000).contains(&t.2))
        .collect();
    let typical_mean = typical.iter().map(|t| t.0).sum::<std::time::Duration>()
        / u32::try_from(typical.len()).unwrap_or(1).max(1);
    println!(
        "{} articles: mean {:?}, median {:?}, 4-6 KB mean {:?} ({} articles)",
        times.len(),
        total / n,
        times[times.len() / 2].0,
        typical_mean,
        typical.len()
    );
    for (t, path, len) in times.iter().rev().take(5) {
        println!("slow: {t:?} {path} ({len} bytes)");
    }
}
