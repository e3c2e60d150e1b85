//! The `kb` binary as users and CI run it: `kb check` over the fixture folders (exit codes,
//! text and JSON output), `kb export` over the fixtures and the project's sample articles, and
//! a folder that does not exist.

mod common;

use std::collections::BTreeSet;

use serde_json::Value;

use common::run::{Ran, kb as kb_command, run};
use common::{ERROR_CODES, INVALID_PROBLEMS};

const VALID: &str = "tests/fixtures/valid";
const INVALID: &str = "tests/fixtures/invalid";

/// Runs `kb` from the crate root, so fixture folders are given as relative paths.
fn kb(args: &[&str]) -> Ran {
    run(kb_command().args(args), "kb")
}

fn stdout(out: &Ran) -> &str {
    &out.stdout
}

fn stderr(out: &Ran) -> &str {
    &out.stderr
}

fn json_lines(out: &Ran) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect()
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is a string in {v}"))
}

fn string_list(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` is an array in {v}"))
        .iter()
        .map(|s| s.as_str().expect("list items are strings").to_owned())
        .collect()
}

/// One `path:line: severity[code]: message` line, split into its parts.
#[derive(Debug, PartialEq, Eq)]
struct ProblemLine {
    path: String,
    line: usize,
    severity: String,
    code: String,
    message: String,
}

fn parse_problem_line(line: &str) -> ProblemLine {
    let (location, rest) = line
        .split_once(": ")
        .unwrap_or_else(|| panic!("no `: ` after the location in {line:?}"));
    let (path, number) = location
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("no `:line` in {line:?}"));
    let (severity, rest) = rest
        .split_once('[')
        .unwrap_or_else(|| panic!("no `[code]` in {line:?}"));
    let (code, message) = rest
        .split_once("]: ")
        .unwrap_or_else(|| panic!("no `]: message` in {line:?}"));
    assert!(!path.is_empty(), "{line:?}");
    assert!(
        severity == "warning" || severity == "error",
        "severity in {line:?}"
    );
    assert!(
        !code.is_empty()
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "code in {line:?}"
    );
    assert!(!message.trim().is_empty(), "message in {line:?}");
    ProblemLine {
        path: path.to_owned(),
        line: number
            .parse()
            .unwrap_or_else(|_| panic!("line number in {line:?}")),
        severity: severity.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

#[test]
fn check_valid_fixtures_exits_0_with_no_problem_lines() {
    let out = kb(&["check", "--articles", VALID]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("checked 3 files: 3 articles, 0 errors, 0 warnings"),
        "{}",
        stderr(&out)
    );

    let out = kb(&["check", "--articles", VALID, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let report: Value = serde_json::from_str(stdout(&out)).expect("one JSON report");
    assert_eq!(report["files"], 3);
    assert_eq!(report["articles"], 3);
    assert_eq!(report["problems"], Value::Array(vec![]));
}

#[test]
fn check_invalid_fixtures_as_json_exits_1_with_every_problem() {
    let out = kb(&["check", "--articles", INVALID, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let report: Value = serde_json::from_str(stdout(&out)).expect("one JSON report");
    // Seven `.md` files; notes.txt is not counted.
    assert_eq!(report["files"], 7);
    assert_eq!(report["articles"], 7);

    let problems = report["problems"].as_array().expect("problems is an array");
    let pairs: BTreeSet<(&str, &str)> = problems
        .iter()
        .map(|p| (str_field(p, "path"), str_field(p, "code")))
        .collect();
    let expected: BTreeSet<(&str, &str)> = INVALID_PROBLEMS
        .iter()
        .map(|&(path, _, code)| (path, code))
        .collect();
    assert_eq!(pairs, expected);

    let found: Vec<(&str, u64, &str)> = problems
        .iter()
        .map(|p| {
            let line = p["line"].as_u64().expect("line is a number");
            (str_field(p, "path"), line, str_field(p, "code"))
        })
        .collect();
    let expected: Vec<(&str, u64, &str)> = INVALID_PROBLEMS
        .iter()
        .map(|&(path, line, code)| (path, line as u64, code))
        .collect();
    assert_eq!(found, expected);

    for p in problems {
        let path = str_field(p, "path");
        assert!(
            !path.starts_with('/') && !path.contains('\\') && !path.starts_with("tests"),
            "path is relative to the articles folder, `/`-separated: {path}"
        );
        let code = str_field(p, "code");
        let severity = if ERROR_CODES.contains(&code) {
            "error"
        } else {
            "warning"
        };
        assert_eq!(str_field(p, "severity"), severity, "{p}");
        assert!(!str_field(p, "message").is_empty());
    }

    let duplicate_message = |path: &str| {
        problems
            .iter()
            .find(|p| {
                str_field(p, "path") == path && str_field(p, "code") == "duplicate-article-id"
            })
            .map(|p| str_field(p, "message"))
            .expect("a duplicate-article-id problem")
    };
    assert_eq!(
        duplicate_message("duplicate-id-one.md"),
        "articleId `fixture-shared-id` is also used by more/duplicate-id-two.md"
    );
    assert_eq!(
        duplicate_message("more/duplicate-id-two.md"),
        "articleId `fixture-shared-id` is also used by duplicate-id-one.md"
    );
}

#[test]
fn check_invalid_fixtures_as_text_prints_one_line_per_problem() {
    let out = kb(&["check", "--articles", INVALID]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let lines: Vec<ProblemLine> = stdout(&out).lines().map(parse_problem_line).collect();
    let found: Vec<(&str, usize, &str)> = lines
        .iter()
        .map(|p| (p.path.as_str(), p.line, p.code.as_str()))
        .collect();
    assert_eq!(found, INVALID_PROBLEMS);
    for p in &lines {
        let severity = if ERROR_CODES.contains(&p.code.as_str()) {
            "error"
        } else {
            "warning"
        };
        assert_eq!(p.severity, severity, "{p:?}");
    }
    assert_eq!(
        lines[3],
        ProblemLine {
            path: "no-properties.md".to_owned(),
            line: 1,
            severity: "error".to_owned(),
            code: "no-properties".to_owned(),
            message: "no `<properties .../>` block; hint: every article starts with one".to_owned(),
        }
    );
    assert!(
        stderr(&out).contains("checked 7 files: 7 articles, 3 errors, 3 warnings"),
        "{}",
        stderr(&out)
    );

    // The text lines say what the JSON report says, in the same order.
    let json = kb(&["check", "--articles", INVALID, "--format", "json"]);
    let report: Value = serde_json::from_str(stdout(&json)).expect("one JSON report");
    let from_json: Vec<String> = report["problems"]
        .as_array()
        .expect("problems is an array")
        .iter()
        .map(|p| {
            format!(
                "{}:{}: {}[{}]: {}",
                str_field(p, "path"),
                p["line"],
                str_field(p, "severity"),
                str_field(p, "code"),
                str_field(p, "message")
            )
        })
        .collect();
    let text: Vec<&str> = stdout(&out).lines().collect();
    assert_eq!(text, from_json);
}

/// The fields of one `kb export` record, in order.
const EXPORT_FIELDS: &[&str] = &[
    "path",
    "article_id",
    "title",
    "description",
    "service",
    "resource",
    "self_help_type",
    "support_topic_ids",
    "product_pes_ids",
    "resource_tags",
    "cloud_environments",
    "diagnostic_scenario",
    "tokens",
    "sections",
    "extra",
    "text",
];

fn field_names(record: &Value) -> Vec<&str> {
    record
        .as_object()
        .expect("a record is an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn export_valid_fixtures_prints_one_record_per_article_sorted_by_path() {
    let out = kb(&["export", "--articles", VALID]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let records = json_lines(&out);
    let paths: Vec<&str> = records.iter().map(|r| str_field(r, "path")).collect();
    assert_eq!(
        paths,
        [
            "compute/vm-disk-full.md",
            "compute/vm-slow-boot.md",
            "scoping/vm-disk-scoping.md"
        ]
    );
    for r in &records {
        assert_eq!(field_names(r), EXPORT_FIELDS);
    }

    let disk = &records[0];
    assert_eq!(str_field(disk, "article_id"), "fixture-vm-disk-full");
    assert_eq!(
        str_field(disk, "title"),
        "The OS disk of your virtual machine is full"
    );
    assert_eq!(str_field(disk, "service"), "microsoft.compute");
    assert_eq!(str_field(disk, "resource"), "virtualmachines");
    assert_eq!(str_field(disk, "self_help_type"), "rca");
    assert_eq!(str_field(disk, "diagnostic_scenario"), "DiskFull");
    assert_eq!(
        string_list(disk, "support_topic_ids"),
        ["39990001", "39990002"]
    );
    assert_eq!(string_list(disk, "product_pes_ids"), ["19990"]);
    assert_eq!(string_list(disk, "resource_tags"), ["windows", "linux"]);
    assert_eq!(
        string_list(disk, "cloud_environments"),
        ["public", "mooncake"]
    );
    assert_eq!(string_list(disk, "tokens"), ["vmname", "StartTime"]);
    assert_eq!(
        string_list(disk, "sections"),
        ["issueDescription", "recommendedActions"]
    );
    assert_eq!(
        disk["extra"],
        serde_json::json!({"ms.topic": "troubleshooting"})
    );
    assert!(
        str_field(disk, "text").contains(
            "The OS disk of your virtual machine reached 100% of its size at StartTime (UTC)"
        ),
        "{}",
        disk["text"]
    );

    assert_eq!(str_field(&records[1], "self_help_type"), "diagnostics");

    let scoping = &records[2];
    assert_eq!(
        str_field(scoping, "self_help_type"),
        "problemscopingquestions"
    );
    assert_eq!(scoping["extra"], serde_json::json!({"schemaVersion": "1"}));
    assert_eq!(
        str_field(scoping, "text"),
        "Virtual machine disk problems\n\
         Virtual machine disk problems\n\
         When did the problem start?\n\
         Which disk is affected?\n\
         The OS disk\n\
         A data disk\n\
         The temporary disk\n"
    );
}

#[test]
fn export_reads_quirky_files_cleanly() {
    let out = kb(&["export", "--articles", INVALID]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let records = json_lines(&out);
    assert_eq!(records.len(), 7);
    let by_path = |path: &str| {
        records
            .iter()
            .find(|r| str_field(r, "path") == path)
            .unwrap_or_else(|| panic!("no record for {path}"))
    };

    let crlf = by_path("crlf-bom.md");
    assert_eq!(
        str_field(crlf, "title"),
        "Storage account keys were rotated"
    );
    assert_eq!(
        str_field(crlf, "article_id"),
        "fixture-storage-key-rotation"
    );
    assert_eq!(string_list(crlf, "tokens"), ["ResourceName"]);
    assert_eq!(
        str_field(crlf, "text"),
        "Requests fail after a key rotation\n\
         Requests to your storage account were rejected with HTTP 403 after a key was rotated.\n"
    );
    let line = stdout(&out)
        .lines()
        .find(|l| l.contains("crlf-bom.md"))
        .expect("the crlf-bom record");
    assert!(
        !line.contains("\\r") && !line.contains('\u{feff}'),
        "{line}"
    );

    let amp = by_path("raw-ampersand.md");
    assert_eq!(
        str_field(amp, "title"),
        "Alerts & action groups do not fire"
    );
    assert_eq!(str_field(amp, "service"), "microsoft.insights");

    let bad = by_path("bad-utf8.md");
    assert_eq!(str_field(bad, "article_id"), "fixture-webapp-500");
    assert!(
        str_field(bad, "text").contains("The caf\u{FFFD} ordering app returns HTTP 500"),
        "{}",
        bad["text"]
    );

    let bare = by_path("no-properties.md");
    assert_eq!(str_field(bare, "title"), "Notes about load balancer probes");
    assert_eq!(str_field(bare, "article_id"), "");
}

#[test]
fn export_sample_articles_yields_54_records() {
    let out = kb(&["export", "--articles", "articles"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let records = json_lines(&out);
    assert_eq!(records.len(), 54);

    let paths: Vec<&str> = records.iter().map(|r| str_field(r, "path")).collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(paths, sorted, "sorted by path, each once");
    for r in &records {
        assert_eq!(field_names(r), EXPORT_FIELDS);
        assert!(!str_field(r, "article_id").is_empty(), "{}", r["path"]);
        assert!(!str_field(r, "text").is_empty(), "{}", r["path"]);
    }

    // Topic 32750101 appears in five files: four list it in supportTopicIds, and the support
    // topic description of product 14821 describes it in its JSON payload, which is not the
    // article's own topic list.
    let listing: Vec<&str> = records
        .iter()
        .filter(|r| {
            string_list(r, "support_topic_ids")
                .iter()
                .any(|t| t == "32750101")
        })
        .map(|r| str_field(r, "path"))
        .collect();
    assert_eq!(
        listing,
        [
            "microsoft.compute.virtualmachines/vm-boot-failure-windows-update.md",
            "microsoft.compute.virtualmachines/vm-diagnostics-rdp-connectivity.md",
            "microsoft.compute.virtualmachines/vm-rca-windows-update-boot-loop.md",
            "problemscopingques.compute.virtualmachines/vm-boot-failure-scoping.md",
        ]
    );
    let naming: Vec<&str> = paths
        .iter()
        .copied()
        .filter(|p| {
            let file = common::crate_root().join("articles").join(p);
            std::fs::read_to_string(file)
                .expect("the article is readable")
                .contains("32750101")
        })
        .collect();
    assert_eq!(naming.len(), 5, "{naming:?}");
    assert!(naming.contains(&"supporttopicdescriptions/supporttopics_14821.md"));
}

#[test]
fn check_sample_articles_is_clean() {
    let out = kb(&["check", "--articles", "articles"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn missing_folder_exits_2_naming_the_folder() {
    for command in ["check", "export"] {
        let out = kb(&[command, "--articles", "/nonexistent"]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert_eq!(stdout(&out), "", "{command}");
        let err = stderr(&out);
        assert!(err.starts_with("kb: error: "), "{command}: {err}");
        assert!(err.contains("/nonexistent"), "{command}: {err}");
    }
}

#[test]
fn missing_folder_error_names_the_cause_once() {
    let out = kb(&["check", "--articles", "/nonexistent"]);
    let err = stderr(&out);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
}
