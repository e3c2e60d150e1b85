//! The sample articles as the search tests expect them, read without the project's parser
//! (`corpus::load` is what the index is built from, so expectations taken from it would
//! only check the index against itself):
//!
//! - their properties from `tests/fixtures/sample_articles.tsv`, which
//!   `scripts/sample_articles_tsv.py` writes with Python's XML parser;
//! - a regex scan of each file here, which must agree with that table (so the table cannot
//!   go stale, and two readers written apart agree), and gives each article's words: its
//!   title, description and Markdown body, comments and markup left out, and the strings of
//!   its JSON payload under [`SEARCHED_JSON_KEYS`].

use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;

use crate::common::index::md_files;
use crate::common::{crate_root, sample_articles};

/// The keys of a JSON payload (a form, a topic list) whose strings search reads: labels,
/// option and hint texts, topic names and descriptions. A form's `watermarkText` and
/// `fileAttachmentHint` are not searched.
const SEARCHED_JSON_KEYS: &[&str] = &[
    "title",
    "displayLabel",
    "text",
    "shortDescription",
    "longDescription",
    "searchTags",
    "infoBalloonText",
    "description",
];

/// The strings of `value` under [`SEARCHED_JSON_KEYS`], anywhere in it.
fn searched_strings(value: &serde_json::Value, key: Option<&str>, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                searched_strings(v, Some(k), out);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                searched_strings(v, key, out);
            }
        }
        serde_json::Value::String(s) if key.is_some_and(|k| SEARCHED_JSON_KEYS.contains(&k)) => {
            out.push(s.clone());
        }
        _ => {}
    }
}

/// One sample article.
#[derive(Debug, Clone)]
pub struct Sample {
    pub path: String,
    pub article_id: String,
    pub title: String,
    pub service: String,
    pub self_help_type: String,
    pub display_order: Option<i64>,
    pub support_topic_ids: Vec<String>,
    pub product_pes_ids: Vec<String>,
    /// Lower-cased words of the title, the description and the body, one space apart.
    pub text: String,
}

/// Every sample article, sorted by path.
pub fn samples() -> &'static [Sample] {
    static SAMPLES: OnceLock<Vec<Sample>> = OnceLock::new();
    SAMPLES.get_or_init(load)
}

/// The sample article at `path`.
pub fn sample(path: &str) -> &'static Sample {
    samples()
        .iter()
        .find(|s| s.path == path)
        .unwrap_or_else(|| panic!("{path} is not a sample article"))
}

/// The README's list rule: split on commas, trimmed, empty and repeated items dropped.
fn split_list(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in value.split(',').map(str::trim) {
        if !item.is_empty() && !out.iter().any(|o| o == item) {
            out.push(item.to_owned());
        }
    }
    out
}

/// `&amp;` and its kind in an attribute value, as an XML parser reads them.
fn unescape(value: &str) -> String {
    value
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// What the scan reads from one file: property (key lower-cased, first wins) -> value, and
/// the lower-cased words of the title, description and body.
fn scan(file: &Path) -> (Vec<(String, String)>, String) {
    static BLOCK: OnceLock<Regex> = OnceLock::new();
    static ATTRIBUTE: OnceLock<Regex> = OnceLock::new();
    static COMMENT: OnceLock<Regex> = OnceLock::new();
    static MARKUP: OnceLock<Regex> = OnceLock::new();
    let block = BLOCK.get_or_init(|| Regex::new(r"(?is)<properties\b(.*?)/>").expect("a regex"));
    let attribute = ATTRIBUTE.get_or_init(|| {
        Regex::new(r#"([A-Za-z][A-Za-z0-9_.]*)\s*=\s*"([^"]*)""#).expect("a regex")
    });
    let comment = COMMENT.get_or_init(|| Regex::new(r"(?s)<!--.*?-->").expect("a regex"));
    // Tags, Markdown emphasis and link targets: what is not a word on the page.
    let markup =
        MARKUP.get_or_init(|| Regex::new(r"<[^>]*>|\]\([^)]*\)|[*_`#>|\[\]]").expect("a regex"));

    let text =
        std::fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let found = block
        .captures(&text)
        .unwrap_or_else(|| panic!("{}: no properties block", file.display()));
    let mut properties: Vec<(String, String)> = Vec::new();
    for c in attribute.captures_iter(&found[1]) {
        let key = c[1].to_ascii_lowercase();
        if !properties.iter().any(|(k, _)| *k == key) {
            properties.push((key, unescape(&c[2])));
        }
    }
    let value = |key: &str| {
        properties
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    };
    let body = &text[found.get(0).expect("the match").end()..];
    // A JSON payload starts after a `---` line, where a `{` opens the next line.
    let rule = body
        .match_indices("\n---\n")
        .map(|(at, _)| at)
        .find(|&at| body[at + 5..].trim_start().starts_with('{'));
    let (markdown, payload) = match rule {
        Some(rule) => {
            let json = body[rule + 5..].trim();
            let json = json.strip_suffix("---").unwrap_or(json).trim();
            let value: serde_json::Value = serde_json::from_str(json)
                .unwrap_or_else(|e| panic!("{}: the payload is not JSON: {e}", file.display()));
            let mut strings = Vec::new();
            searched_strings(&value, None, &mut strings);
            (&body[..rule], strings.join(" "))
        }
        _ => (body, String::new()),
    };
    let body = comment.replace_all(markdown, " ");
    let body = markup.replace_all(&body, " ");
    let words = format!(
        "{} {} {body} {payload}",
        value("pagetitle"),
        value("description")
    )
    .split_whitespace()
    .collect::<Vec<_>>()
    .join(" ")
    .to_lowercase();
    (properties, words)
}

fn load() -> Vec<Sample> {
    let table = crate_root().join("tests/fixtures/sample_articles.tsv");
    let stale = "run `python3 scripts/sample_articles_tsv.py` after changing a sample article";
    let tsv = std::fs::read_to_string(&table)
        .unwrap_or_else(|e| panic!("reading {}: {e}", table.display()));
    let mut lines = tsv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "path\tarticleId\tpageTitle\tservice\tselfHelpType\tdisplayOrder\tsupportTopicIds\t\
             productPesIds"
        ),
        "the columns of {}",
        table.display()
    );
    let mut out = Vec::new();
    for line in lines {
        let cells: Vec<&str> = line.split('\t').collect();
        let [path, id, title, service, kind, order, topics, pes] = cells[..] else {
            panic!("{}: not 8 cells: {line:?}", table.display());
        };
        let (properties, text) = scan(&sample_articles().join(path));
        let value = |key: &str| {
            properties
                .iter()
                .find(|(k, _)| k == key)
                .map_or(String::new(), |(_, v)| v.trim().to_owned())
        };
        let scanned = [
            value("articleid"),
            value("pagetitle")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            value("service").to_lowercase(),
            value("selfhelptype").to_lowercase(),
            value("displayorder"),
            split_list(&value("supporttopicids")).join(","),
            split_list(&value("productpesids")).join(","),
        ];
        assert_eq!(
            scanned,
            [id, title, service, kind, order, topics, pes],
            "{path}: the table and the scan of the file disagree; {stale}"
        );
        out.push(Sample {
            path: path.to_owned(),
            article_id: id.to_owned(),
            title: title.to_owned(),
            service: service.to_owned(),
            self_help_type: kind.to_owned(),
            display_order: (!order.is_empty())
                .then(|| order.parse().expect("displayOrder is an integer")),
            support_topic_ids: split_list(topics),
            product_pes_ids: split_list(pes),
            text,
        });
    }
    let listed: Vec<&str> = out.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        listed,
        md_files(&sample_articles()),
        "the table lists other articles than articles/ holds; {stale}"
    );
    out
}
