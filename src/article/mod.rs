//! Bytes of one article file -> [`Article`]: the typed properties, the body's sections,
//! tokens and JSON payload, the plain text search reads, and every problem met on the way.
//!
//! Parsing is pure over `(path, bytes)` and never fails: a bad article is read as well as it
//! can be and its problems travel with it, so that one broken file never stops indexing.

pub mod acronyms;
pub mod body;
pub(crate) mod fences;
pub mod html;
pub mod markers;
pub mod name;
mod problem;
pub mod properties;
pub(crate) mod slug;
pub mod topics;
mod vocab;

use std::ops::{Deref, DerefMut};
use std::path::Path;

use serde::Serialize;

pub use body::{Heading, Section, Token};
pub use problem::{Code, Problem, Severity};
pub use topics::SupportTopic;
pub use vocab::{
    CLOUDS, Key, Properties, SELF_HELP_TYPES, Value, canonical_cloud, canonical_self_help_type,
};

use properties::BlockMode;

/// One support article, parsed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Article {
    /// Path relative to the articles root, `/`-separated, with `.md`.
    pub path: String,
    /// pageTitle, else the first H1, else the file stem.
    pub title: String,
    /// What the properties block says; read through [`Deref`] too (`article.service`).
    #[serde(flatten)]
    pub properties: Properties,
    /// The 1-based line of the `articleId` property, when the block has one: where a
    /// problem about the ID points.
    #[serde(skip)]
    pub article_id_line: Option<usize>,
    /// The 1-based line of the first text before the properties block, when there is
    /// any; `kb check` reports it ([`crate::check`]).
    #[serde(skip)]
    pub text_before_properties: Option<usize>,
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

impl Deref for Article {
    type Target = Properties;

    fn deref(&self) -> &Properties {
        &self.properties
    }
}

impl DerefMut for Article {
    fn deref_mut(&mut self) -> &mut Properties {
        &mut self.properties
    }
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
            Some(block) => article.read_block(block, &source, &lines, &mut problems),
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
        let (markdown, payload) = body::split_payload(&source[body_start..]);
        article.body_range = (body_start, body_start + markdown.len());
        article.prefix_len = prefix_len;
        let body_md = article.body_of(&source);
        let body_lines = BodyLines {
            lines: &lines,
            body_start,
            joined: if prefix_len > 0 { prefix_len + 1 } else { 0 },
        };
        article.read_markers(&body_md, &body_lines, &mut problems);
        let outline = body::outline(&body_md);
        article.text = outline.text;
        if let Some((json, at)) = payload {
            let line = lines.line(body_start + at);
            article.read_payload(json, line, &mut problems);
        }
        article.headings = outline.headings;
        article.choose_title(outline.h1.as_deref(), lines.line(body_start), &mut problems);
        article.check_required(&lines, block.as_ref().map(|b| b.start), &mut problems);
        problems.sort_by_key(|p| p.line);
        article.problems = problems;
        article.source = source;
        article
    }

    /// Step 1: the properties block, and any text before it. Returns where the body starts
    /// and how much text before the block belongs to it.
    fn read_block(
        &mut self,
        block: &properties::PropertiesBlock,
        source: &str,
        lines: &LineIndex,
        problems: &mut Vec<Problem>,
    ) -> (usize, usize) {
        match &block.mode {
            BlockMode::WellFormed => {}
            BlockMode::Lenient(reason) => problems.push(Problem::new(
                Code::MalformedProperties,
                &self.path,
                lines.line(block.start),
                format!(
                    "the properties block is not well-formed XML ({reason}); \
                     its attributes were read leniently"
                ),
            )),
            BlockMode::Unterminated => problems.push(Problem::new(
                Code::UnterminatedProperties,
                &self.path,
                lines.line(block.start),
                "the properties block has no closing `/>`; hint: end it with `/>` \
                 on its own line"
                    .to_owned(),
            )),
        }
        self.apply_properties(&block.properties, lines, problems);
        let before = &source[..block.start];
        let first_text = before.len() - before.trim_start().len();
        let prefix = if first_text == before.len() {
            0
        } else {
            self.text_before_properties = Some(lines.line(first_text));
            block.start
        };
        (block.end, prefix)
    }

    /// Step 2: sections and tokens, from one scan over the body as the renderer sees it
    /// (text before the block, a line break, the rest), so that its sections are the
    /// page's; markers without a pair are problems.
    fn read_markers(&mut self, body_md: &str, lines: &BodyLines<'_>, problems: &mut Vec<Problem>) {
        let markers = body::markers(body_md, |off| lines.line(off));
        for u in &markers.unpaired {
            let (has, lacks) = if u.closing {
                ("a closing", "opening")
            } else {
                ("an opening", "closing")
            };
            let message = if u.crosses {
                format!(
                    "`{}` has {has} marker whose {lacks} pair would overlap another section \
                     or token, so it is ignored",
                    u.name
                )
            } else {
                format!("`{}` has {has} marker without its {lacks} pair", u.name)
            };
            problems.push(Problem::new(
                Code::UnpairedMarker,
                &self.path,
                lines.line(u.offset),
                message,
            ));
        }
        self.sections = markers.sections;
        self.tokens = markers.tokens;
    }

    /// Step 3: the JSON document after `---` (starting on `line`), whose text search reads
    /// too; when it does not parse, its text with markup stripped.
    fn read_payload(&mut self, json: &str, line: usize, problems: &mut Vec<Problem>) {
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(value) => {
                for line in body::json_text(&value) {
                    self.text.push_str(&line);
                    self.text.push('\n');
                }
                self.payload = Some(value);
            }
            Err(e) => {
                problems.push(Problem::new(
                    Code::InvalidJson,
                    &self.path,
                    line + e.line().saturating_sub(1),
                    format!("the JSON document after `---` does not parse: {e}"),
                ));
                self.text.push_str(&body::strip_markup(json));
                self.text.push('\n');
            }
        }
    }

    /// Step 4: the title is pageTitle, else the first H1, else the file stem. A body without
    /// an H1 (`body_line` is its first line) is a problem.
    fn choose_title(&mut self, h1: Option<&str>, body_line: usize, problems: &mut Vec<Problem>) {
        self.title = [self.properties.page_title.as_str(), h1.unwrap_or("")]
            .into_iter()
            .map(body::collapse_ws)
            .find(|t| !t.is_empty())
            .unwrap_or_else(|| file_stem(&self.path).to_owned());
        if h1.is_none() {
            problems.push(Problem::new(
                Code::NoH1,
                &self.path,
                body_line,
                "the body has no `# ` heading; hint: portal pages show it as the article's \
                 heading"
                    .to_owned(),
            ));
        }
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

    /// The support topics the JSON payload describes (supportTopicDescription articles).
    pub fn support_topics(&self) -> Vec<SupportTopic> {
        self.payload
            .as_ref()
            .map(topics::support_topics)
            .unwrap_or_default()
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
                        self.properties
                            .extra
                            .insert(prop.key.clone(), prop.value.clone());
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
            Key::PageTitle => self.properties.page_title = body::collapse_ws(value),
            Key::Description => self.properties.description = body::collapse_ws(value),
            Key::Service => self.properties.service = value.to_lowercase(),
            Key::Resource => self.properties.resource = value.to_lowercase(),
            Key::Authors => self.properties.authors = split_list(value, false),
            Key::MsAuthor => self.properties.ms_author = value.to_owned(),
            Key::ArticleId => {
                self.properties.article_id = value.to_owned();
                self.article_id_line = Some(line);
            }
            Key::DiagnosticScenario => self.properties.diagnostic_scenario = value.to_owned(),
            Key::OwnershipId => self.properties.ownership_id = value.to_owned(),
            Key::InfoBubbleText => self.properties.info_bubble_text = body::collapse_ws(value),
            Key::SupportTopicIds => self.properties.support_topic_ids = split_list(value, false),
            Key::ProductPesIds => self.properties.product_pes_ids = split_list(value, false),
            Key::ResourceTags => self.properties.resource_tags = split_list(value, true),
            Key::SelfHelpType => {
                self.properties.self_help_type = canonical_self_help_type(value);
                if !value.is_empty()
                    && !SELF_HELP_TYPES.contains(&self.properties.self_help_type.as_str())
                {
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
                self.properties.cloud_environments = clouds;
            }
            Key::DisplayOrder => {
                if value.is_empty() {
                    self.properties.display_order = None;
                } else if let Ok(n) = value.parse::<i64>() {
                    self.properties.display_order = Some(n);
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

/// The file name without a lower-case `.md` (`top-level.MD` keeps its extension as a title:
/// a test holds it so).
fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".md").unwrap_or(name)
}

/// Byte offset -> 1-based line number.
struct LineIndex {
    starts: Vec<usize>,
}

/// The file's line of a byte offset in the body as [`Article::body`] gives it: text before
/// the properties block and a line break (`joined` bytes), then the text after the block,
/// which starts at `body_start` in the file.
struct BodyLines<'a> {
    lines: &'a LineIndex,
    body_start: usize,
    joined: usize,
}

impl BodyLines<'_> {
    fn line(&self, off: usize) -> usize {
        if off < self.joined {
            self.lines.line(off)
        } else {
            self.lines
                .line(self.body_start + off - self.joined)
                .max(self.lines.line(self.body_start))
        }
    }
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
