//! `Article::parse` over inline fixtures, one test for each quirk of the real corpus
//! (docs/CORPUS.md, "What a parser meets"), then property tests: the parser never panics on
//! arbitrary bytes or on a damaged article, and every problem points at a line of the file.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;

use super::*;
use crate::corpus::mark_duplicate_ids;

/// The path fixtures are parsed under; its stem is the last title fallback.
const PATH: &str = "microsoft.compute/disk-full.md";

fn parse(bytes: &[u8]) -> Article {
    Article::parse(PATH, bytes)
}

/// `(code, line)` of every problem, in the order the parser reports them.
fn problems(a: &Article) -> Vec<(Code, usize)> {
    a.problems.iter().map(|p| (p.code, p.line)).collect()
}

fn message(a: &Article, code: Code) -> &str {
    a.problems
        .iter()
        .find(|p| p.code == code)
        .map(|p| p.message.as_str())
        .unwrap_or_else(|| panic!("no {code} problem in {:?}", a.problems))
}

fn token_pairs(a: &Article) -> Vec<(&str, &str)> {
    a.tokens
        .iter()
        .map(|t| (t.name.as_str(), t.default.as_str()))
        .collect()
}

fn section_lines(a: &Article) -> Vec<(&str, usize)> {
    a.sections
        .iter()
        .map(|s| (s.name.as_str(), s.line))
        .collect()
}

/// A clean article: every quirk test starts from something like it. `issueDescription` opens
/// on line 22, `recommendedActions` on line 28.
const CLEAN: &str = r#"<properties
  pageTitle="The OS disk of your VM is full"
  description="RCA for a VM whose OS disk ran out of space"
  service="Microsoft.Compute"
  resource="VirtualMachines"
  authors="dana-kim, lee-park"
  ms.author="dakim"
  articleId="vm-os-disk-full"
  diagnosticScenario="DiskFull"
  selfHelpType="rca"
  supportTopicIds="32641079"
  productPesIds="14749"
  resourceTags="windows"
  cloudEnvironments="public"
  ownershipId="Compute_Disks"
  displayOrder="3"
  infoBubbleText="Shown  in the portal"
  ms.topic="troubleshooting"
/>
# We found a problem with your disk

<!--issueDescription-->
The OS disk of **<!--$vmname-->your VM<!--/$vmname-->** was full at <!--$StartTime-->StartTime<!--/$StartTime--> (UTC).
<!--/issueDescription-->

## What to do

<!--recommendedActions-->
1. Delete files you no longer need from **<!--$vmname-->your VM<!--/$vmname-->**.
2. [Expand the disk](https://learn.microsoft.com/azure/virtual-machines/expand-disks).
<!--/recommendedActions-->
"#;

#[test]
fn clean_article_fills_every_field_and_has_no_problems() {
    let a = parse(CLEAN.as_bytes());
    assert_eq!(problems(&a), []);
    assert_eq!(a.path, PATH);
    assert_eq!(a.title, "The OS disk of your VM is full");
    assert_eq!(a.page_title, "The OS disk of your VM is full");
    assert_eq!(a.description, "RCA for a VM whose OS disk ran out of space");
    assert_eq!(a.service, "microsoft.compute");
    assert_eq!(a.resource, "virtualmachines");
    assert_eq!(a.authors, ["dana-kim", "lee-park"]);
    assert_eq!(a.ms_author, "dakim");
    assert_eq!(a.article_id, "vm-os-disk-full");
    assert_eq!(a.diagnostic_scenario, "DiskFull");
    assert_eq!(a.self_help_type, "rca");
    assert_eq!(a.support_topic_ids, ["32641079"]);
    assert_eq!(a.product_pes_ids, ["14749"]);
    assert_eq!(a.resource_tags, ["windows"]);
    assert_eq!(a.cloud_environments, ["public"]);
    assert_eq!(a.ownership_id, "Compute_Disks");
    assert_eq!(a.display_order, Some(3));
    assert_eq!(a.info_bubble_text, "Shown in the portal");
    assert_eq!(
        a.extra,
        BTreeMap::from([("ms.topic".to_owned(), "troubleshooting".to_owned())])
    );
    assert_eq!(
        a.headings,
        ["We found a problem with your disk", "What to do"]
    );
    assert_eq!(
        section_lines(&a),
        [("issueDescription", 22), ("recommendedActions", 28)]
    );
    assert_eq!(
        token_pairs(&a),
        [("vmname", "your VM"), ("StartTime", "StartTime")]
    );
    assert_eq!(a.payload, None);
    assert_eq!(
        a.text,
        "We found a problem with your disk\n\
         The OS disk of your VM was full at StartTime (UTC).\n\
         What to do\n\
         Delete files you no longer need from your VM.\n\
         Expand the disk.\n"
    );
    assert!(
        a.body().starts_with("\n# We found a problem"),
        "{:?}",
        a.body()
    );
    assert!(!a.body().contains("<properties"));
    assert!(!a.has_errors());
}

#[test]
fn keys_spelled_in_another_case_fill_the_typed_fields() {
    let text = r#"<properties
  pagetitle="Disk is full"
  articleid="vm-disk-full"
  SELFHELPTYPE="RCA"
  supportTopicIDs="32641079, 32641082"
  Service="Microsoft.Compute"
  CloudEnvironments="Public"
/>
# Disk is full
"#;
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), []);
    assert_eq!(a.page_title, "Disk is full");
    assert_eq!(a.article_id, "vm-disk-full");
    assert_eq!(a.self_help_type, "rca");
    assert_eq!(a.support_topic_ids, ["32641079", "32641082"]);
    assert_eq!(a.service, "microsoft.compute");
    assert_eq!(a.cloud_environments, ["public"]);
    assert!(a.extra.is_empty(), "{:?}", a.extra);

    for key in ["articleId", "articleid", "ArticleId", "ARTICLEID"] {
        let text =
            format!("<properties pageTitle=\"T\" {key}=\"id-1\" selfHelpType=\"rca\" />\n# T\n");
        let a = parse(text.as_bytes());
        assert_eq!(a.article_id, "id-1", "{key}");
        assert_eq!(problems(&a), [], "{key}");
    }
}

#[test]
fn misspelled_key_is_kept_in_extra_with_a_warning_on_its_line() {
    let text = r#"<properties
  pageTitle="T"
  articleId="a"
  selfHelpType="rca"
  supportToicIds="32641079"
/>
# T
"#;
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), [(Code::MisspelledKey, 5)]);
    assert_eq!(a.problems[0].severity, Severity::Warning);
    assert!(message(&a, Code::MisspelledKey).contains("`supportTopicIds`"));
    assert!(a.support_topic_ids.is_empty());
    assert_eq!(
        a.extra,
        BTreeMap::from([("supportToicIds".to_owned(), "32641079".to_owned())])
    );
}

#[test]
fn byte_order_marks_are_stripped() {
    for bom in [&b"\xEF\xBB\xBF"[..], b"\xEF\xBB\xBF\xEF\xBB\xBF"] {
        let mut bytes = bom.to_vec();
        bytes.extend_from_slice(CLEAN.as_bytes());
        let a = parse(&bytes);
        assert_eq!(problems(&a), [], "BOM of {} bytes", bom.len());
        assert_eq!(a.source, CLEAN);
        assert!(!a.source.contains('\u{feff}'));
        assert!(!a.text.contains('\u{feff}'));
        assert_eq!(a.page_title, "The OS disk of your VM is full");
        assert_eq!(
            section_lines(&a),
            [("issueDescription", 22), ("recommendedActions", 28)]
        );
    }
}

#[test]
fn crlf_line_ends_leave_no_carriage_return_and_keep_lines() {
    // Line 5 is a misspelled key, line 10 an unpaired marker.
    let text = "<properties\r\n\
                \tpageTitle=\"Disk is full\"\r\n\
                \tarticleId=\"a\"\r\n\
                \tselfHelpType=\"rca\"\r\n\
                \tpageTilte=\"typo\"\r\n\
                />\r\n\
                # Disk is full\r\n\
                <!--issueDescription-->\r\nThe disk of <!--$vmname-->vm01<!--/$vmname--> is full.\r\n\
                <!--/issueDescription-->\r\n\
                <!--additionalInfo-->\r\n\
                Last line.\r\n";
    let a = parse(text.as_bytes());
    assert_eq!(
        problems(&a),
        [(Code::MisspelledKey, 5), (Code::UnpairedMarker, 11)]
    );
    assert!(!a.source.contains('\r'));
    assert!(!a.body().contains('\r'));
    assert!(!a.text.contains('\r'));
    assert_eq!(a.source, text.replace("\r\n", "\n"));
    assert_eq!(a.page_title, "Disk is full");
    assert_eq!(a.extra["pageTilte"], "typo");
    assert_eq!(section_lines(&a), [("issueDescription", 8)]);
    assert_eq!(
        a.sections[0].markdown,
        "The disk of <!--$vmname-->vm01<!--/$vmname--> is full."
    );
    assert_eq!(token_pairs(&a), [("vmname", "vm01")]);
    assert_eq!(
        a.text,
        "Disk is full\nThe disk of vm01 is full.\nLast line.\n"
    );
}

#[test]
fn invalid_utf8_keeps_the_article_with_a_warning_and_lossy_text() {
    // Latin-1 `é` in the title (line 2) and stray bytes in the body (line 7).
    let bytes = b"<properties\n\
                  \tpageTitle=\"Caf\xe9 app is down\"\n\
                  \tarticleId=\"cafe-down\"\n\
                  \tselfHelpType=\"generic\"\n\
                  />\n\
                  # Caf\xe9 app is down\n\
                  Restart \xff\xfe now.\n";
    let a = parse(bytes);
    assert_eq!(problems(&a), [(Code::InvalidUtf8, 2)]);
    assert_eq!(a.problems[0].severity, Severity::Warning);
    assert!(message(&a, Code::InvalidUtf8).contains("not valid UTF-8 at byte 27;"));
    assert_eq!(a.page_title, "Caf\u{FFFD} app is down");
    assert_eq!(a.article_id, "cafe-down");
    assert_eq!(
        a.text,
        "Caf\u{FFFD} app is down\nRestart \u{FFFD}\u{FFFD} now.\n"
    );
}

#[test]
fn raw_ampersand_in_the_block_reads_every_attribute_with_a_warning() {
    let text = r#"<properties
  pageTitle="Alerts & Metrics"
  description="Rules &amp; action groups, <b>bold</b>"
  service="microsoft.insights"
  articleId="alerts-metrics"
  selfHelpType="generic"
  supportTopicIds="32600001, 32600002"
  cloudEnvironments="public"
/>
# Alerts and metrics
"#;
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), [(Code::MalformedProperties, 1)]);
    assert_eq!(a.problems[0].severity, Severity::Warning);
    assert!(message(&a, Code::MalformedProperties).contains("read leniently"));
    assert_eq!(a.page_title, "Alerts & Metrics");
    assert_eq!(a.title, "Alerts & Metrics");
    assert_eq!(a.description, "Rules & action groups, <b>bold</b>");
    assert_eq!(a.service, "microsoft.insights");
    assert_eq!(a.article_id, "alerts-metrics");
    assert_eq!(a.self_help_type, "generic");
    assert_eq!(a.support_topic_ids, ["32600001", "32600002"]);
    assert_eq!(a.cloud_environments, ["public"]);
    assert_eq!(a.text, "Alerts and metrics\n");
}

#[test]
fn non_breaking_spaces_before_attributes_are_separators() {
    let text = "<properties\n\
                \u{a0}\u{a0}pageTitle=\"Disk is full\"\n\
                \u{a0}articleId=\"a\"\u{a0}selfHelpType=\"rca\"\n\
                \u{a0}\u{a0}/>\n\
                # Disk is full\n";
    let a = parse(text.as_bytes());
    assert_eq!(a.page_title, "Disk is full");
    assert_eq!(a.article_id, "a");
    assert_eq!(a.self_help_type, "rca");
    assert!(a.extra.is_empty(), "{:?}", a.extra);
    // A non-breaking space is not XML whitespace: the block was read leniently.
    assert_eq!(problems(&a), [(Code::MalformedProperties, 1)]);
    assert!(message(&a, Code::MalformedProperties).contains("U+00A0"));
}

#[test]
fn single_quoted_values_are_read() {
    let text = r#"<properties
  pageTitle='Disk "C:" is full'
  description="It's full"
  articleId='a'
  selfHelpType='rca'
  supportTopicIds='1,2'
/>
# T
"#;
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), []);
    assert_eq!(a.page_title, "Disk \"C:\" is full");
    assert_eq!(a.description, "It's full");
    assert_eq!(a.article_id, "a");
    assert_eq!(a.support_topic_ids, ["1", "2"]);
}

#[test]
fn comment_before_the_block_stays_in_the_body() {
    // Everything moves down one line: the section opens on line 7.
    let text = "<!-- owner: storage team -->\n\
                <properties\n\
                \tpageTitle=\"Blob 403\"\n\
                \tarticleId=\"blob-403\"\n\
                \tselfHelpType=\"generic\"\n/>\n\
                <!--issueDescription-->\nAccess denied.\n<!--/issueDescription-->\n\
                <!--resolutionDetails-->\n";
    let a = parse(text.as_bytes());
    assert_eq!(a.page_title, "Blob 403");
    assert_eq!(a.article_id, "blob-403");
    assert_eq!(section_lines(&a), [("issueDescription", 7)]);
    assert_eq!(problems(&a), [(Code::NoH1, 6), (Code::UnpairedMarker, 10)]);
    assert!(
        a.body().starts_with("<!-- owner: storage team -->\n"),
        "{:?}",
        a.body()
    );
    assert!(a.body().contains("Access denied."));
    assert!(!a.body().contains("<properties"));
    assert_eq!(a.text, "Access denied.\n");
}

#[test]
fn h1_before_the_block_is_the_title_when_page_title_is_missing() {
    let text = "# Blob access is denied\n\
                <properties\n\
                \tarticleId=\"blob-403\"\n\
                \tselfHelpType=\"generic\"\n/>\n\
                Check the SAS token.\n\n# A later heading\n";
    let a = parse(text.as_bytes());
    assert_eq!(a.title, "Blob access is denied");
    assert_eq!(a.page_title, "");
    assert_eq!(problems(&a), [(Code::MissingPageTitle, 2)]);
    assert_eq!(a.headings, ["Blob access is denied", "A later heading"]);
    assert!(a.body().starts_with("# Blob access is denied\n"));
    assert_eq!(
        a.text,
        "Blob access is denied\nCheck the SAS token.\nA later heading\n"
    );
}

#[test]
fn stray_text_before_the_block_stays_in_the_body_and_text() {
    let text = "Draft, do not publish\n\
                <properties pageTitle=\"Blob 403\" articleId=\"blob-403\" selfHelpType=\"generic\" />\n\
                # Access is denied\n";
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), []);
    assert_eq!(a.title, "Blob 403");
    assert!(a.body().starts_with("Draft, do not publish\n"));
    assert_eq!(a.text, "Draft, do not publish\nAccess is denied\n");
    assert_eq!(a.headings, ["Access is denied"]);
}

#[test]
fn duplicate_article_id_is_an_error_on_both_articles_naming_the_other() {
    let one = "<properties\n\tpageTitle=\"One\"\n\tarticleId=\"Disk-Full\"\n\tselfHelpType=\"rca\"\n/>\n# One\n";
    let two = "<properties\n\tarticleId=\"disk-full\"\n\tpageTitle=\"Two\"\n\tselfHelpType=\"rca\"\n/>\n# Two\n";
    let three = "<properties\n\tpageTitle=\"Three\"\n\tarticleId=\"other\"\n\tselfHelpType=\"rca\"\n/>\n# Three\n";
    let mut articles = vec![
        Article::parse("one/a.md", one.as_bytes()),
        Article::parse("two/b.md", two.as_bytes()),
        Article::parse("three/c.md", three.as_bytes()),
    ];
    mark_duplicate_ids(&mut articles);

    assert_eq!(problems(&articles[0]), [(Code::DuplicateArticleId, 3)]);
    assert_eq!(problems(&articles[1]), [(Code::DuplicateArticleId, 2)]);
    assert_eq!(problems(&articles[2]), []);
    assert!(articles[0].has_errors() && articles[1].has_errors());
    assert_eq!(articles[0].problems[0].severity, Severity::Error);
    assert_eq!(
        articles[0].problems[0].message,
        "articleId `Disk-Full` is also used by two/b.md"
    );
    assert_eq!(
        articles[1].problems[0].message,
        "articleId `disk-full` is also used by one/a.md"
    );
    assert_eq!(articles[1].problems[0].path, "two/b.md");
}

#[test]
fn empty_values_leave_fields_empty() {
    let text = r#"<properties
  pageTitle="Disk is full"
  description=""
  service=""
  resource=""
  articleId="a"
  selfHelpType="rca"
  supportTopicIds=""
  productPesIds=""
  resourceTags=""
  cloudEnvironments=""
  displayOrder=""
  authors=""
  diagnosticScenario=''
  articleTags=""
/>
# T
"#;
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), []);
    assert_eq!(a.description, "");
    assert_eq!(a.service, "");
    assert_eq!(a.resource, "");
    assert_eq!(a.diagnostic_scenario, "");
    assert!(a.support_topic_ids.is_empty());
    assert!(a.product_pes_ids.is_empty());
    assert!(a.resource_tags.is_empty());
    assert!(a.cloud_environments.is_empty());
    assert!(a.authors.is_empty());
    assert_eq!(a.display_order, None);
    assert_eq!(
        a.extra,
        BTreeMap::from([("articleTags".to_owned(), String::new())])
    );
}

#[test]
fn empty_required_values_are_reported_missing_at_the_block() {
    let text = "\n<properties pageTitle=\"\" articleId=\"  \" selfHelpType=\"\" />\n# Heading\n";
    let a = parse(text.as_bytes());
    assert_eq!(
        problems(&a),
        [
            (Code::MissingPageTitle, 2),
            (Code::MissingArticleId, 2),
            (Code::MissingSelfHelpType, 2)
        ]
    );
    assert_eq!(a.problems[1].severity, Severity::Error);
    assert_eq!(a.title, "Heading");
}

#[test]
fn body_without_h1_is_a_warning() {
    let text = r#"<properties
  pageTitle="Disk is full"
  articleId="a"
  selfHelpType="rca"
/>
## Only a second-level heading

Some text.
"#;
    let a = parse(text.as_bytes());
    // The body starts right after `/>`, on line 5.
    assert_eq!(problems(&a), [(Code::NoH1, 5)]);
    assert_eq!(a.problems[0].severity, Severity::Warning);
    assert_eq!(a.title, "Disk is full");
    assert_eq!(a.headings, ["Only a second-level heading"]);
}

#[test]
fn raw_html_is_stripped_from_text() {
    let text = r#"<properties pageTitle="T" articleId="a" selfHelpType="generic" />
# Open <em>port</em> 443

First line<br>
second line<br/>
third line.

<table>
<tr><th>Port</th><th>Protocol</th></tr>
<tr><td>443</td><td>HTTPS &amp; TLS</td></tr>
</table>

See <a href="https://example.com/nsg">the NSG guide</a>.

<script type="text/javascript">
</script>

<div align="center"><img src="media/nsg.png" alt="diagram"></div>

Last paragraph.
"#;
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), []);
    assert_eq!(a.title, "T");
    assert_eq!(a.headings, ["Open port 443"]);
    for tag in [
        "<", ">", "href", "script", "table", "br", "img", "div", "&amp;",
    ] {
        assert!(!a.text.contains(tag), "`{tag}` left in {:?}", a.text);
    }
    let words = a.text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        words,
        "Open port 443 First line second line third line. Port Protocol 443 HTTPS & TLS \
         See the NSG guide. Last paragraph."
    );
}

#[test]
fn list_values_are_trimmed_deduplicated_and_canonical() {
    let text = r#"<properties
  pageTitle="T"
  articleId="a"
  selfHelpType="rca"
  supportTopicIds=" 32641079, ,32641082,32641079 "
  productPesIds="14749,14749 , 15571,"
  resourceTags="Windows, LINUX ,windows"
  cloudEnvironments="Public,MoonCake,FairFax,BlackForest, usnat, ussec, public"
  authors="dana-kim,  lee-park"
/>
# T
"#;
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), []);
    assert_eq!(a.support_topic_ids, ["32641079", "32641082"]);
    assert_eq!(a.product_pes_ids, ["14749", "15571"]);
    assert_eq!(a.resource_tags, ["windows", "linux"]);
    assert_eq!(
        a.cloud_environments,
        [
            "public",
            "mooncake",
            "fairfax",
            "blackforest",
            "usnat",
            "ussec"
        ]
    );
    assert_eq!(a.authors, ["dana-kim", "lee-park"]);
    assert_eq!(split_list(" a, A ,a,,b ", false), ["a", "A", "b"]);
    assert_eq!(split_list(" a, A ,a,,b ", true), ["a", "b"]);
}

#[test]
fn unknown_cloud_is_kept_with_a_warning() {
    let text = "<properties\n pageTitle=\"T\"\n articleId=\"a\"\n selfHelpType=\"rca\"\n cloudEnvironments=\"public, Mars\"\n/>\n# T\n";
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), [(Code::UnknownCloud, 5)]);
    assert!(message(&a, Code::UnknownCloud).contains("`Mars`"));
    assert_eq!(a.cloud_environments, ["public", "mars"]);
}

#[test]
fn self_help_type_spellings_become_one_canonical_value() {
    for (written, canonical) in [
        ("RCA", "rca"),
        ("rca", "rca"),
        ("Diagnostics", "diagnostics"),
        ("ProblemScopingQuestions", "problemscopingquestions"),
        ("supportTopicDescription", "supporttopicdescription"),
        (" TSG_Content ", "tsg_content"),
    ] {
        let text = format!(
            "<properties pageTitle=\"T\" articleId=\"a\" selfHelpType=\"{written}\" />\n# T\n"
        );
        let a = parse(text.as_bytes());
        assert_eq!(a.self_help_type, canonical, "{written:?}");
        assert_eq!(problems(&a), [], "{written:?}");
    }

    let text =
        "<properties\n pageTitle=\"T\"\n articleId=\"a\"\n selfHelpType=\"Wizard\"\n/>\n# T\n";
    let a = parse(text.as_bytes());
    assert_eq!(a.self_help_type, "wizard");
    assert_eq!(problems(&a), [(Code::UnknownSelfHelpType, 4)]);
    assert_eq!(a.problems[0].severity, Severity::Warning);
    assert!(message(&a, Code::UnknownSelfHelpType).contains("`Wizard`"));
}

#[test]
fn repeated_key_keeps_the_first_value_with_a_warning() {
    // The same key in another case is still well-formed XML.
    let text = r#"<properties
  pageTitle="First"
  articleId="a"
  selfHelpType="rca"
  PageTitle="Second"
  category="one"
  Category="two"
/>
# T
"#;
    let a = parse(text.as_bytes());
    assert_eq!(
        problems(&a),
        [(Code::DuplicateKey, 5), (Code::DuplicateKey, 7)]
    );
    assert_eq!(a.page_title, "First");
    assert_eq!(
        a.extra,
        BTreeMap::from([("category".to_owned(), "one".to_owned())])
    );
    assert_eq!(
        a.problems[0].message,
        "`PageTitle` repeats `pageTitle`; the first value is kept"
    );

    // The same key twice is not: the lenient reader takes over and still keeps the first.
    let text = "<properties\n pageTitle=\"First\"\n articleId=\"a\"\n selfHelpType=\"rca\"\n pageTitle=\"Second\"\n/>\n# T\n";
    let a = parse(text.as_bytes());
    assert_eq!(
        problems(&a),
        [(Code::MalformedProperties, 1), (Code::DuplicateKey, 5)]
    );
    assert_eq!(a.page_title, "First");
}

#[test]
fn display_order_is_a_whole_number_or_none() {
    let with = |value: &str| {
        let text = format!(
            "<properties\n pageTitle=\"T\"\n articleId=\"a\"\n selfHelpType=\"rca\"\n displayOrder=\"{value}\"\n/>\n# T\n"
        );
        parse(text.as_bytes())
    };
    let a = with("12");
    assert_eq!((a.display_order, problems(&a)), (Some(12), vec![]));
    let a = with(" 7 ");
    assert_eq!((a.display_order, problems(&a)), (Some(7), vec![]));
    let a = with("-1");
    assert_eq!((a.display_order, problems(&a)), (Some(-1), vec![]));
    let a = with("");
    assert_eq!((a.display_order, problems(&a)), (None, vec![]));
    let a = with("abc");
    assert_eq!(
        (a.display_order, problems(&a)),
        (None, vec![(Code::InvalidDisplayOrder, 5)])
    );
    assert!(message(&a, Code::InvalidDisplayOrder).contains("`abc`"));
    let a = with("1.5");
    assert_eq!(
        (a.display_order, problems(&a)),
        (None, vec![(Code::InvalidDisplayOrder, 5)])
    );
}

#[test]
fn title_is_page_title_else_first_h1_else_file_stem() {
    let a = parse(b"<properties pageTitle=\"  Disk \n  is   full \" articleId=\"a\" selfHelpType=\"rca\" />\n# Heading\n");
    assert_eq!(a.title, "Disk is full");
    assert_eq!(a.page_title, "Disk is full");

    let a = parse(b"<properties articleId=\"a\" selfHelpType=\"rca\" />\n## Second\n# Boot *fails*   after `update`\n# Later\n");
    assert_eq!(a.title, "Boot fails after update");
    assert_eq!(problems(&a), [(Code::MissingPageTitle, 1)]);

    let a = parse(b"<properties pageTitle=\"   \" articleId=\"a\" selfHelpType=\"rca\" />\n# From the heading\n");
    assert_eq!(a.title, "From the heading");

    let a = parse(b"<properties articleId=\"a\" selfHelpType=\"rca\" />\nNo heading here.\n");
    assert_eq!(a.title, "disk-full");
    assert_eq!(problems(&a), [(Code::NoH1, 1), (Code::MissingPageTitle, 1)]);
    assert_eq!(Article::parse("top-level.MD", b"").title, "top-level.MD");
    assert_eq!(Article::parse("a/b/c.md", b"").title, "c");
}

const SCOPING: &str = r#"<properties
  pageTitle="Scoping questions for disk problems"
  articleId="disk-scoping"
  selfHelpType="problemScopingQuestions"
  supportTopicIds="32641079"
/>
# Scoping questions for disk problems
---
{
  "$schema": "SelfHelpContent",
  "title": "Disk problems",
  "fileAttachmentHint": "",
  "formElements": [
    {
      "id": "problem_start_time",
      "controlType": "datetimepicker",
      "displayLabel": "When did the problem start?",
      "required": true
    },
    {
      "id": "disk_kind",
      "controlType": "dropdown",
      "displayLabel": "Which disk is affected?",
      "watermarkText": "Choose an option",
      "dropdownOptions": [
        { "value": "os", "text": "The OS disk" },
        { "value": "data", "text": "A data disk" }
      ],
      "required": true
    }
  ]
}
---
"#;

#[test]
fn problem_scoping_form_labels_and_options_are_text() {
    let a = parse(SCOPING.as_bytes());
    assert_eq!(problems(&a), []);
    assert_eq!(a.self_help_type, "problemscopingquestions");
    assert_eq!(
        a.text,
        "Scoping questions for disk problems\n\
         Disk problems\n\
         When did the problem start?\n\
         Which disk is affected?\n\
         The OS disk\n\
         A data disk\n"
    );
    let payload = a.payload.as_ref().expect("the form is parsed");
    assert_eq!(
        payload["formElements"][1]["dropdownOptions"][0]["value"],
        "os"
    );
    assert_eq!(a.body(), "\n# Scoping questions for disk problems\n");
}

#[test]
fn support_topic_description_short_descriptions_are_text() {
    let text = r#"<properties pageTitle="Topics for 14749" articleId="supporttopics_14749" selfHelpType="supportTopicDescription" />
# Topics for 14749
---
{
  "shortDescription": null,
  "supportTopics": [
    { "id": "32641079", "shortDescription": "Disk is full", "searchTags": "disk;space;full", "category": "Storage" },
    { "id": "32641082", "shortDescription": "Disk is slow", "longDescription": "" }
  ]
}
"#;
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), []);
    assert_eq!(
        a.text,
        "Topics for 14749\nDisk is full\ndisk, space, full\nDisk is slow\n"
    );
    let payload = a.payload.as_ref().expect("the topic list is parsed");
    assert_eq!(payload["supportTopics"][1]["id"], "32641082");
    // Topic IDs in the payload are not the article's own supportTopicIds.
    assert!(a.support_topic_ids.is_empty());
}

#[test]
fn invalid_json_payload_is_a_warning_on_the_line_inside_the_json() {
    let text = r#"<properties
  pageTitle="T"
  articleId="a"
  selfHelpType="problemScopingQuestions"
/>
# Scoping
---
{
  "title": "Disk problems",
  "formElements": [
    { "displayLabel": "Which disk?" }
    { "displayLabel": "Since when?" }
  ]
}
"#;
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), [(Code::InvalidJson, 12)]);
    assert_eq!(a.problems[0].severity, Severity::Warning);
    assert!(message(&a, Code::InvalidJson).contains("line 5"));
    assert_eq!(a.payload, None);
    assert!(a.text.starts_with("Scoping\n{ "), "{:?}", a.text);
    for kept in ["Disk problems", "Which disk?", "Since when?"] {
        assert!(a.text.contains(kept), "{kept} not in {:?}", a.text);
    }
}

#[test]
fn horizontal_rule_followed_by_prose_is_not_a_payload() {
    let text = "<properties pageTitle=\"T\" articleId=\"a\" selfHelpType=\"rca\" />\n\
                # Title\n\nIntro.\n\n---\n\nMore text after the rule { with a brace }.\n---\n";
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), []);
    assert_eq!(a.payload, None);
    assert_eq!(
        a.text,
        "Title\nIntro.\nMore text after the rule { with a brace }.\n"
    );
    assert!(a.body().contains("More text after the rule"));
}

#[test]
fn sections_and_tokens_have_names_defaults_and_lines() {
    let text = r#"<properties pageTitle="T" articleId="a" selfHelpType="rca" />
# We found an issue

<!--issueDescription-->
The VM **<!--$vmname-->your VM<!--/$vmname-->** restarted at <!--$ StartTime--><b>start</b> time<!--/$StartTime--> (UTC).
<!--/issueDescription-->

<!-- recommendedActions -->
Restart <!--$vmname-->it again<!--/$vmname-->.
<!--/RecommendedActions-->
<!-- this is just a comment -->
"#;
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), []);
    assert_eq!(
        section_lines(&a),
        [("issueDescription", 4), ("recommendedActions", 8)]
    );
    assert_eq!(
        a.sections[0].markdown,
        "The VM **<!--$vmname-->your VM<!--/$vmname-->** restarted at \
         <!--$ StartTime--><b>start</b> time<!--/$StartTime--> (UTC)."
    );
    assert_eq!(
        a.sections[1].markdown,
        "Restart <!--$vmname-->it again<!--/$vmname-->."
    );
    // The first default of a token wins; markup is stripped from defaults.
    assert_eq!(
        token_pairs(&a),
        [("vmname", "your VM"), ("StartTime", "start time")]
    );
    assert_eq!(
        a.text,
        "We found an issue\n\
         The VM your VM restarted at start time (UTC).\n\
         Restart it again.\n"
    );
}

#[test]
fn unpaired_markers_are_warnings_on_their_lines() {
    let text = r#"<properties
  pageTitle="T"
  articleId="a"
  selfHelpType="rca"
/>
# T
<!--issueDescription-->
The VM <!--$vmname-->vm01 stopped.
<!--/resolutionDetails-->
"#;
    let a = parse(text.as_bytes());
    assert_eq!(
        problems(&a),
        [
            (Code::UnpairedMarker, 7),
            (Code::UnpairedMarker, 8),
            (Code::UnpairedMarker, 9)
        ]
    );
    let messages: Vec<&str> = a.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`issueDescription` has an opening marker without its closing pair",
            "`vmname` has an opening marker without its closing pair",
            "`resolutionDetails` has a closing marker without its opening pair",
        ]
    );
    assert!(a.sections.is_empty());
    assert!(a.tokens.is_empty());
    assert_eq!(a.text, "T\nThe VM vm01 stopped.\n");
}

#[test]
fn unterminated_block_is_an_error_and_keeps_attributes_read_so_far() {
    let text = "\n<properties\n\
                \tpageTitle=\"Half written\"\n\
                \tarticleId=\"half\"\n\
                \tselfHelpType=\"RCA\"\n\
                \tsupportTopicIds=\"1, 2\"\n";
    let a = parse(text.as_bytes());
    assert_eq!(
        problems(&a),
        [(Code::UnterminatedProperties, 2), (Code::NoH1, 7)]
    );
    assert_eq!(a.problems[0].severity, Severity::Error);
    assert!(a.has_errors());
    assert!(message(&a, Code::UnterminatedProperties).contains("`/>`"));
    assert_eq!(a.page_title, "Half written");
    assert_eq!(a.title, "Half written");
    assert_eq!(a.article_id, "half");
    assert_eq!(a.self_help_type, "rca");
    assert_eq!(a.support_topic_ids, ["1", "2"]);
    assert!(a.extra.is_empty(), "{:?}", a.extra);
    assert_eq!(a.body(), "");
}

#[test]
fn no_properties_block_is_an_error_and_the_h1_is_the_title() {
    let text = "# Just some notes\n\nNothing <b>else</b>.\n";
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), [(Code::NoProperties, 1)]);
    assert_eq!(a.problems[0].severity, Severity::Error);
    assert_eq!(a.title, "Just some notes");
    assert_eq!(a.page_title, "");
    assert_eq!(a.article_id, "");
    assert_eq!(a.text, "Just some notes\nNothing else.\n");
    assert_eq!(a.body(), text);
}

#[test]
fn empty_file_has_no_properties_and_no_h1() {
    for bytes in [&b""[..], b"\xEF\xBB\xBF", b"\n\n  \n"] {
        let a = parse(bytes);
        assert_eq!(
            problems(&a),
            [(Code::NoProperties, 1), (Code::NoH1, 1)],
            "{bytes:?}"
        );
        assert_eq!(a.title, "disk-full");
        assert_eq!(a.text, "");
        assert_eq!(a.payload, None);
        assert!(a.sections.is_empty() && a.tokens.is_empty());
    }
}

#[test]
fn problem_display_is_path_line_severity_code_message() {
    let text = "<properties\n pageTitle=\"T\"\n articleId=\"a\"\n selfHelpType=\"rca\"\n supportToicIds=\"1\"\n/>\n# T\n";
    let a = parse(text.as_bytes());
    assert_eq!(
        a.problems[0].to_string(),
        "microsoft.compute/disk-full.md:5: warning[misspelled-key]: unknown key \
         `supportToicIds`; hint: did you mean `supportTopicIds`? It is kept as an extra \
         property and not used as `supportTopicIds`"
    );
    let a = Article::parse("a/b.md", b"text");
    assert_eq!(
        a.problems[0].to_string(),
        "a/b.md:1: error[no-properties]: no `<properties .../>` block; hint: every article \
         starts with one"
    );
    for code in Code::ALL {
        assert_eq!(code.to_string(), code.as_str());
        assert!(
            code.as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{code:?}"
        );
    }
}

// ---- Parser bugs that were fixed: each test holds its fix.

#[test]
fn problem_line_is_the_key_line_even_when_an_earlier_value_mentions_the_key() {
    let text = r#"<properties
  pageTitle="T"
  description="How displayOrder sorts the list"
  articleId="a"
  selfHelpType="rca"
  displayOrder="first"
/>
# T
"#;
    let a = parse(text.as_bytes());
    assert_eq!(problems(&a), [(Code::InvalidDisplayOrder, 6)]);
}

#[test]
fn script_contents_are_not_text() {
    let text = "<properties pageTitle=\"T\" articleId=\"a\" selfHelpType=\"rca\" />\n# T\n\n\
                <script>\nwindow.alert(\"hi\");\n</script>\n\nAfter.\n";
    let a = parse(text.as_bytes());
    assert_eq!(a.text, "T\nAfter.\n");
}

#[test]
fn line_break_tag_between_words_keeps_them_apart() {
    let text = "<properties pageTitle=\"T\" articleId=\"a\" selfHelpType=\"rca\" />\n# T\n\n\
                First line<br>second line<br/>third line.\n";
    let a = parse(text.as_bytes());
    assert_eq!(a.text, "T\nFirst line second line third line.\n");
}

#[test]
fn html_block_is_a_line_of_its_own() {
    let text = "<properties pageTitle=\"T\" articleId=\"a\" selfHelpType=\"rca\" />\n# T\n\n\
                <table><tr><td>Port</td><td>443</td></tr></table>\n\nSee the guide.\n";
    let a = parse(text.as_bytes());
    assert_eq!(a.text, "T\nPort 443\nSee the guide.\n");
}

#[test]
fn table_header_is_a_line_of_its_own() {
    let text = "<properties pageTitle=\"T\" articleId=\"a\" selfHelpType=\"rca\" />\n# T\n\n\
                | Port | Protocol |\n| --- | --- |\n| 443 | HTTPS |\n| 22 | SSH |\n";
    let a = parse(text.as_bytes());
    assert_eq!(a.text, "T\nPort | Protocol\n443 | HTTPS\n22 | SSH\n");
}

#[test]
fn unterminated_block_does_not_swallow_the_body() {
    let text = "<properties\n pageTitle=\"T\"\n articleId=\"a\"\n selfHelpType=\"rca\"\n\
                # Heading\n\nSome text.\n";
    let a = parse(text.as_bytes());
    assert!(a.extra.is_empty(), "{:?}", a.extra);
    assert_eq!(a.headings, ["Heading"]);
    assert_eq!(problems(&a), [(Code::UnterminatedProperties, 1)]);
}

// ---- Properties: the parser never panics and every problem points into the file.

/// A realistic article with every feature the parser reads, and some non-ASCII text so
/// that edits split characters.
const REALISTIC: &str = "\u{feff}<!-- owner: compute -->\n<properties\r\n\
    \tpageTitle=\"VM stopped – the host rebooted\"\r\n\
    \tdescription=\"RCA &amp; next steps\"\r\n\
    \tservice=\"Microsoft.Compute\"\r\n\
    \u{a0}resource='virtualMachines'\r\n\
    \tarticleid=\"vm-host-reboot\"\r\n\
    \tselfHelpType=\"RCA\"\r\n\
    \tsupportTopicIds=\" 32641079, ,32641082,32641079 \"\r\n\
    \tcloudEnvironments=\"Public,MoonCake,FairFax\"\r\n\
    \tdisplayOrder=\"12\"\r\n\
    \tsupportToicIds=\"1\"\r\n\
/>\r\n\
# We ran diagnostics on your VM\r\n\
\r\n\
<!--issueDescription-->\r\n\
**<!--$vmname-->Virtual machine<!--/$vmname-->** restarted at <!--$StartTime-->StartTime<!--/$StartTime--> (UTC).<br>\r\n\
<!--/issueDescription-->\r\n\
\r\n\
<table><tr><td>Café</td><td>naïve</td></tr></table>\r\n\
\r\n\
---\r\n\
{\r\n\
  \"title\": \"Scoping\",\r\n\
  \"formElements\": [{ \"displayLabel\": \"When?\", \"dropdownOptions\": [{ \"text\": \"Today\" }] }]\r\n\
}\r\n\
---\r\n";

/// Fragments that matter to the parser, inserted by the mutation test.
const FRAGMENTS: &[&str] = &[
    "<properties",
    "/>",
    ">",
    "<",
    "\"",
    "'",
    "=",
    "&",
    "&amp;",
    "&#x",
    "\n---\n{",
    "---",
    "{",
    "}",
    "<!--",
    "-->",
    "<!--/",
    "<!--$",
    "<!--issueDescription-->",
    "<!--/issueDescription-->",
    "\r",
    "\r\n",
    "\n",
    "\u{feff}",
    "\u{a0}",
    "# ",
    "<script>",
    "é",
];

#[derive(Debug, Clone)]
enum Edit {
    Delete(Index, usize),
    Insert(Index, Vec<u8>),
    Duplicate(Index, usize),
    Truncate(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    let insertion = prop_oneof![
        proptest::sample::select(FRAGMENTS).prop_map(|f| f.as_bytes().to_vec()),
        ".{1,12}".prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 1..12),
    ];
    prop_oneof![
        3 => (any::<Index>(), 1usize..64).prop_map(|(at, n)| Edit::Delete(at, n)),
        4 => (any::<Index>(), insertion).prop_map(|(at, b)| Edit::Insert(at, b)),
        2 => (any::<Index>(), 1usize..200).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        1 => any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let len = bytes.len();
    match edit {
        Edit::Delete(at, n) => {
            let start = at.index(len + 1);
            let end = (start + n).min(len);
            bytes.drain(start..end);
        }
        Edit::Insert(at, new) => {
            let at = at.index(len + 1);
            bytes.splice(at..at, new.iter().copied());
        }
        Edit::Duplicate(at, n) => {
            let start = at.index(len + 1);
            let end = (start + n).min(len);
            let copy = bytes[start..end].to_vec();
            bytes.splice(end..end, copy);
        }
        Edit::Truncate(at) => bytes.truncate(at.index(len + 1)),
    }
}

/// What holds for every input: lines inside the file (for text the parser did not have to
/// repair), a title, a normalized source.
fn check_invariants(bytes: &[u8], a: &Article) -> Result<(), TestCaseError> {
    prop_assert!(!a.title.is_empty());
    prop_assert!(!a.source.contains('\r'));
    let bom = '\u{feff}';
    prop_assert!(!a.source.starts_with(bom));
    prop_assert!(!a.text.contains('\r'));
    if std::str::from_utf8(bytes).is_ok() {
        let last = a.source.lines().count() + 1;
        for p in &a.problems {
            prop_assert!(
                (1..=last).contains(&p.line),
                "{p} is outside lines 1..={last}"
            );
        }
        for s in &a.sections {
            prop_assert!(
                (1..=last).contains(&s.line),
                "section {s:?} outside 1..={last}"
            );
        }
    }
    Ok(())
}

fn config() -> Config {
    Config {
        // A failure prints its minimal input; no regression files in the source tree.
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..2000)
    ) {
        let a = Article::parse(PATH, &bytes);
        check_invariants(&bytes, &a)?;
    }

    #[test]
    fn parse_never_panics_on_arbitrary_text(text in "\\PC{0,400}") {
        let a = Article::parse(PATH, text.as_bytes());
        check_invariants(text.as_bytes(), &a)?;
    }

    #[test]
    fn parse_never_panics_on_a_damaged_article(
        edits in proptest::collection::vec(edit(), 1..=8)
    ) {
        let mut bytes = REALISTIC.as_bytes().to_vec();
        for e in &edits {
            apply(&mut bytes, e);
        }
        let a = Article::parse(PATH, &bytes);
        check_invariants(&bytes, &a)?;
    }
}

#[test]
fn realistic_fixture_parses_as_intended() {
    // The mutation test starts here; make sure it starts from something meaningful.
    let a = parse(REALISTIC.as_bytes());
    assert_eq!(
        problems(&a),
        [(Code::MalformedProperties, 2), (Code::MisspelledKey, 12)]
    );
    assert_eq!(a.title, "VM stopped – the host rebooted");
    assert_eq!(a.article_id, "vm-host-reboot");
    assert_eq!(a.resource, "virtualmachines");
    assert_eq!(a.self_help_type, "rca");
    assert_eq!(a.support_topic_ids, ["32641079", "32641082"]);
    assert_eq!(a.cloud_environments, ["public", "mooncake", "fairfax"]);
    assert_eq!(a.display_order, Some(12));
    assert_eq!(section_lines(&a), [("issueDescription", 16)]);
    assert_eq!(
        a.text,
        "We ran diagnostics on your VM\n\
         Virtual machine restarted at StartTime (UTC).\n\
         Café naïve\n\
         Scoping\nWhen?\nToday\n"
    );
}
