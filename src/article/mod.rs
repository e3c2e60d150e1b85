//! Bytes of one article file -> [`Article`]: the typed properties, the body's sections,
//! tokens and JSON payload, the plain text search reads, and every problem met on the way.
//!
//! Parsing is pure over `(path, bytes)` and never fails: a bad article is read as well as it
//! can be and its problems travel with it, so that one broken file never stops indexing.

pub mod acronyms;
pub mod body;
mod problem;
pub mod properties;
pub(crate) mod slug;
mod vocab;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

pub use body::{Heading, Section, Token};
pub use problem::{Code, Problem, Severity};
pub use vocab::{CLOUDS, Key, SELF_HELP_TYPES, canonical_cloud, canonical_self_help_type};

use properties::BlockMode;

/// One support article, parsed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Article {
    /// Path relative to the articles root, `/`-separated, with `.md`.
    pub path: String,
    /// pageTitle, else the first H1, else the file stem.
    pub title: String,
    pub page_title: String,
    pub description: String,
    /// Lower-cased: resource-provider names are case-insensitive.
    pub service: String,
    /// Lower-cased, like `service`.
    pub resource: String,
    pub article_id: String,
    /// One canonical lower-case spelling per value (`rca`, `problemscopingquestions`, ...).
    pub self_help_type: String,
    pub diagnostic_scenario: String,
    pub support_topic_ids: Vec<String>,
    pub product_pes_ids: Vec<String>,
    /// Lower-cased.
    pub resource_tags: Vec<String>,
    /// Canonical names: `public`, `fairfax`, `mooncake`, `blackforest`, `usnat`, `ussec`.
    pub cloud_environments: Vec<String>,
    pub authors: Vec<String>,
    pub ms_author: String,
    pub ownership_id: String,
    pub display_order: Option<i64>,
    pub info_bubble_text: String,
    /// Properties with keys outside the known set, keyed as written.
    pub extra: BTreeMap<String, String>,
    /// Every Markdown heading of the body, in order, with its anchor and where its section
    /// starts in [`Article::text`].
    pub headings: Vec<Heading>,
    pub sections: Vec<Section>,
    pub tokens: Vec<Token>,
    /// The JSON document after `---` (problemScopingQuestions forms, support topic lists).
    pub payload: Option<serde_json::Value>,
    /// Plain text for search: markup stripped, token defaults and the payload's text kept.
    pub text: String,
    /// The file's text after decoding, BOM removed and line ends normalized to `\n`.
    pub source: String,
    /// Byte range of the Markdown body in `source` (after the properties block, before the
    /// JSON payload). Text before the block is part of the body too, see [`Article::body`].
    #[serde(skip)]
    body_range: (usize, usize),
    #[serde(skip)]
    prefix_len: usize,
    pub problems: Vec<Problem>,
}

impl Article {
    /// Reads a file and parses it; `path` is the name used in the article and its problems.
    pub fn from_file(file: &Path, path: &str) -> std::io::Result<Article> {
        let bytes = std::fs::read(file)?;
        Ok(Article::parse(path, &bytes))
    }

    /// Parses an article. Never fails and never panics; problems are collected in
    /// [`Article::problems`].
    pub fn parse(path: &str, bytes: &[u8]) -> Article {
        let mut problems = Vec::new();
        let source = decode(path, bytes, &mut problems);
        let lines = LineIndex::new(&source);
        let mut article = Article {
            path: path.to_owned(),
            ..Article::default()
        };

        let block = properties::find_block(&source);
        let (body_start, prefix_len) = match &block {
            Some(block) => {
                match &block.mode {
                    BlockMode::WellFormed => {}
                    BlockMode::Lenient(reason) => problems.push(Problem::new(
                        Code::MalformedProperties,
                        path,
                        lines.line(block.start),
                        format!(
                            "the properties block is not well-formed XML ({reason}); \
                             its attributes were read leniently"
                        ),
                    )),
                    BlockMode::Unterminated => problems.push(Problem::new(
                        Code::UnterminatedProperties,
                        path,
                        lines.line(block.start),
                        "the properties block has no closing `/>`; hint: end it with `/>` \
                         on its own line"
                            .to_owned(),
                    )),
                }
                article.apply_properties(&block.properties, &lines, &mut problems);
                let prefix = if source[..block.start].trim().is_empty() {
                    0
                } else {
                    block.start
                };
                (block.end, prefix)
            }
            None => {
                problems.push(Problem::new(
                    Code::NoProperties,
                    path,
                    1,
                    "no `<properties .../>` block; hint: every article starts with one".to_owned(),
                ));
                (0, 0)
            }
        };

        // The body keeps the file's line numbers: text before the block, then the block's
        // lines left blank, then the rest.
        let after = &source[body_start..];
        let (markdown, payload) = body::split_payload(after);
        let body_end = body_start + markdown.len();
        article.body_range = (body_start, body_end);
        article.prefix_len = prefix_len;
        let body_lines_base = lines.line(body_start);
        let line_of = |off: usize| lines.line(body_start + off).max(body_lines_base);

        let mut markers = body::markers(markdown, line_of);
        if prefix_len > 0 {
            let pre = body::markers(&source[..prefix_len], |off| lines.line(off));
            markers.sections.splice(0..0, pre.sections);
            markers.tokens.splice(0..0, pre.tokens);
            markers.unpaired.splice(0..0, pre.unpaired);
        }
        for u in &markers.unpaired {
            let line = if prefix_len > 0 && u.offset < prefix_len {
                lines.line(u.offset)
            } else {
                line_of(u.offset)
            };
            let (has, lacks) = if u.closing {
                ("a closing", "opening")
            } else {
                ("an opening", "closing")
            };
            problems.push(Problem::new(
                Code::UnpairedMarker,
                path,
                line,
                format!("`{}` has {has} marker without its {lacks} pair", u.name),
            ));
        }
        article.sections = markers.sections;
        article.tokens = markers.tokens;

        let body_md = article.body_of(&source);
        let outline = body::outline(&body_md);
        let mut text = outline.text;
        if let Some((json, at)) = payload {
            match serde_json::from_str::<serde_json::Value>(json) {
                Ok(value) => {
                    for line in body::json_text(&value) {
                        text.push_str(&line);
                        text.push('\n');
                    }
                    article.payload = Some(value);
                }
                Err(e) => {
                    let line = lines.line(body_start + at) + e.line().saturating_sub(1);
                    problems.push(Problem::new(
                        Code::InvalidJson,
                        path,
                        line,
                        format!("the JSON document after `---` does not parse: {e}"),
                    ));
                    text.push_str(&body::strip_markup(json));
                    text.push('\n');
                }
            }
        }
        article.text = text;
        article.headings = outline.headings;

        article.title = [
            &article.page_title,
            outline.h1.as_ref().unwrap_or(&String::new()),
        ]
        .into_iter()
        .map(|t| body::collapse_ws(t))
        .find(|t| !t.is_empty())
        .unwrap_or_else(|| file_stem(path).to_owned());
        if outline.h1.is_none() {
            problems.push(Problem::new(
                Code::NoH1,
                path,
                lines.line(body_start),
                "the body has no `# ` heading; hint: portal pages show it as the article's \
                 heading"
                    .to_owned(),
            ));
        }
        article.check_required(&lines, block.as_ref().map(|b| b.start), &mut problems);
        problems.sort_by_key(|p| p.line);
        article.problems = problems;
        article.source = source;
        article
    }

    /// The Markdown body: text before the properties block (when there is any), then what
    /// follows the block up to the JSON payload.
    pub fn body(&self) -> String {
        self.body_of(&self.source)
    }

    fn body_of(&self, source: &str) -> String {
        let (start, end) = self.body_range;
        let main = source.get(start..end).unwrap_or_default();
        if self.prefix_len == 0 {
            return main.to_owned();
        }
        let prefix = source.get(..self.prefix_len).unwrap_or_default();
        format!("{prefix}\n{main}")
    }

    /// True when any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }

    fn apply_properties(
        &mut self,
        props: &[properties::RawProperty],
        lines: &LineIndex,
        problems: &mut Vec<Problem>,
    ) {
        let mut seen: Vec<(Key, &str)> = Vec::new();
        // Lower-cased extra keys already kept: a block may have thousands of them.
        let mut extra_seen: std::collections::HashMap<String, String> = Default::default();
        for prop in props {
            let line = lines.line(prop.offset);
            let Some(key) = Key::from_name(&prop.key) else {
                if let Some(near) = Key::near_miss(&prop.key) {
                    problems.push(Problem::new(
                        Code::MisspelledKey,
                        &self.path,
                        line,
                        format!(
                            "unknown key `{}`; hint: did you mean `{}`? It is kept as an extra \
                             property and not used as `{}`",
                            prop.key,
                            near.name(),
                            near.name()
                        ),
                    ));
                }
                match extra_seen.entry(prop.key.to_lowercase()) {
                    std::collections::hash_map::Entry::Occupied(first) => {
                        problems.push(Problem::new(
                            Code::DuplicateKey,
                            &self.path,
                            line,
                            format!(
                                "`{}` repeats `{}`; the first value is kept",
                                prop.key,
                                first.get()
                            ),
                        ));
                    }
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(prop.key.clone());
                        self.extra.insert(prop.key.clone(), prop.value.clone());
                    }
                }
                continue;
            };
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                problems.push(Problem::new(
                    Code::DuplicateKey,
                    &self.path,
                    line,
                    format!("`{}` repeats `{first}`; the first value is kept", prop.key),
                ));
                continue;
            }
            seen.push((key, &prop.key));
            self.set(key, &prop.value, line, problems);
        }
    }

    fn set(&mut self, key: Key, value: &str, line: usize, problems: &mut Vec<Problem>) {
        let value = value.trim();
        match key {
            Key::PageTitle => self.page_title = body::collapse_ws(value),
            Key::Description => self.description = body::collapse_ws(value),
            Key::Service => self.service = value.to_lowercase(),
            Key::Resource => self.resource = value.to_lowercase(),
            Key::Authors => self.authors = split_list(value, false),
            Key::MsAuthor => self.ms_author = value.to_owned(),
            Key::ArticleId => self.article_id = value.to_owned(),
            Key::DiagnosticScenario => self.diagnostic_scenario = value.to_owned(),
            Key::OwnershipId => self.ownership_id = value.to_owned(),
            Key::InfoBubbleText => self.info_bubble_text = body::collapse_ws(value),
            Key::SupportTopicIds => self.support_topic_ids = split_list(value, false),
            Key::ProductPesIds => self.product_pes_ids = split_list(value, false),
            Key::ResourceTags => self.resource_tags = split_list(value, true),
            Key::SelfHelpType => {
                self.self_help_type = canonical_self_help_type(value);
                if !value.is_empty() && !SELF_HELP_TYPES.contains(&self.self_help_type.as_str()) {
                    problems.push(Problem::new(
                        Code::UnknownSelfHelpType,
                        &self.path,
                        line,
                        format!(
                            "unknown selfHelpType `{value}`; known types: {}",
                            SELF_HELP_TYPES.join(", ")
                        ),
                    ));
                }
            }
            Key::CloudEnvironments => {
                let mut clouds: Vec<String> = Vec::new();
                for raw in split_list(value, false) {
                    let cloud = canonical_cloud(&raw);
                    if !CLOUDS.contains(&cloud.as_str()) {
                        problems.push(Problem::new(
                            Code::UnknownCloud,
                            &self.path,
                            line,
                            format!(
                                "unknown cloud environment `{raw}`; known: {}",
                                CLOUDS.join(", ")
                            ),
                        ));
                    }
                    if !clouds.contains(&cloud) {
                        clouds.push(cloud);
                    }
                }
                self.cloud_environments = clouds;
            }
            Key::DisplayOrder => {
                if value.is_empty() {
                    self.display_order = None;
                } else if let Ok(n) = value.parse::<i64>() {
                    self.display_order = Some(n);
                } else {
                    problems.push(Problem::new(
                        Code::InvalidDisplayOrder,
                        &self.path,
                        line,
                        format!("displayOrder `{value}` is not a whole number; it is ignored"),
                    ));
                }
            }
        }
    }

    fn check_required(
        &self,
        lines: &LineIndex,
        block_start: Option<usize>,
        problems: &mut Vec<Problem>,
    ) {
        // Without a block the missing-block error already says it all.
        let Some(start) = block_start else { return };
        let line = lines.line(start);
        let checks = [
            (
                self.page_title.is_empty(),
                Code::MissingPageTitle,
                Key::PageTitle,
            ),
            (
                self.article_id.is_empty(),
                Code::MissingArticleId,
                Key::ArticleId,
            ),
            (
                self.self_help_type.is_empty(),
                Code::MissingSelfHelpType,
                Key::SelfHelpType,
            ),
        ];
        for (missing, code, key) in checks {
            if missing {
                problems.push(Problem::new(
                    code,
                    &self.path,
                    line,
                    format!("the properties block has no `{}` value", key.name()),
                ));
            }
        }
    }
}

/// Strips any number of byte-order marks, decodes UTF-8 (lossily, with a warning) and
/// normalizes line ends to `\n`.
fn decode(path: &str, bytes: &[u8], problems: &mut Vec<Problem>) -> String {
    let mut bytes = bytes;
    while let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        bytes = rest;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            problems.push(Problem::new(
                Code::InvalidUtf8,
                path,
                line,
                format!(
                    "not valid UTF-8 at byte {}; invalid bytes were replaced with U+FFFD",
                    e.valid_up_to()
                ),
            ));
            String::from_utf8_lossy(bytes)
        }
    };
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.into_owned()
    }
}

/// Splits a comma-separated list: trimmed, empties and repeats dropped, order kept.
pub fn split_list(value: &str, lowercase: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in value.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let item = if lowercase {
            item.to_lowercase()
        } else {
            item.to_owned()
        };
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".md").unwrap_or(name)
}

/// Byte offset -> 1-based line number.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text));
        LineIndex { starts }
    }

    fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'\n')
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests;
