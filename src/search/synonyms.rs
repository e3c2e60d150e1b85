//! Synonyms, applied at query time: `VNet` also finds `virtual network`, and the other way.
//!
//! Three sources, merged into one [`Synonyms`]:
//! - the built-in list of Azure acronyms (`synonyms.txt` beside this file);
//! - the definitions the articles write themselves (`Network Security Group (NSG)`), mined
//!   at index time into the `defines` field and read back from the index's term dictionaries
//!   (a pair counts once at least [`MIN_MINED_ARTICLES`] articles define it);
//! - a file the user edits (`--synonyms FILE`, by default `synonyms.txt` in the articles
//!   folder), read again as soon as its size or modification time changes.
//!
//! Nothing is reindexed: a query looks its words up in the merged table, which is rebuilt only
//! when the index's segments or the file change.
//!
//! The file format: one group of equivalent forms per line, separated by commas or `=`; `#`
//! starts a comment; blank lines are ignored. Every form of a group finds the others. A short
//! form in capitals (`VM`) also stands for its plural (`VMs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use foldhash::HashMap;
use tantivy::index::SegmentId;
use tantivy::tokenizer::TextAnalyzer;

use super::analyze::{Reading, readings};
use crate::index::{DEFINITION_SEPARATOR, Fields};

/// Articles that must define a pair before it is used: one article's odd parenthesis is not a
/// synonym.
pub const MIN_MINED_ARTICLES: u32 = 2;
/// Alternatives one form may have at most (the most often defined first).
const MAX_ALTERNATIVES: usize = 6;
/// Longest form looked up, in terms.
pub const MAX_FORM_TERMS: usize = 5;

const BUILT_IN: &str = include_str!("synonyms.txt");

/// The user's synonyms file in an articles folder, read unless `--synonyms` names another.
pub const DEFAULT_FILE: &str = "synonyms.txt";

/// Where the user's synonyms are by default for an articles folder.
pub fn default_file(articles: &Path) -> PathBuf {
    articles.join(DEFAULT_FILE)
}

/// Another way of writing a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    /// As written in its source, for the response's `expanded`.
    pub text: String,
    pub reading: Reading,
}

/// Forms (as analyzed terms joined by spaces) -> their alternatives.
#[derive(Debug, Default)]
pub struct Synonyms {
    map: HashMap<String, Vec<Alternative>>,
}

/// A line of a synonyms file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub line: usize,
    pub message: String,
}

/// The groups of a synonyms text: each line's forms, and the lines that hold fewer than two.
pub fn parse(text: &str) -> (Vec<Vec<String>>, Vec<LineProblem>) {
    let mut groups = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let forms: Vec<String> = line
            .split([',', '='])
            .map(crate::article::body::collapse_ws)
            .filter(|f| !f.is_empty())
            .collect();
        if forms.len() < 2 {
            problems.push(LineProblem {
                line: i + 1,
                message: format!("`{line}` has one form; a group needs two or more"),
            });
            continue;
        }
        groups.push(forms);
    }
    (groups, problems)
}

/// A short form in capitals (`VM`, `NSGs` excluded): it gets its plural too.
fn is_acronym(form: &str) -> bool {
    let letters = form.chars().filter(|c| c.is_alphabetic()).count();
    (2..=6).contains(&form.chars().count())
        && !form.contains(' ')
        && form.chars().filter(|c| c.is_uppercase()).count() * 2 > letters
}

impl Synonyms {
    /// Adds that `from` may also be written `to`.
    fn add(&mut self, analyzer: &mut TextAnalyzer, from: &str, to: &str) {
        let Some(to_reading) = readings(analyzer, to).into_iter().next() else {
            return;
        };
        let mut keys = Vec::new();
        if let Some(r) = readings(analyzer, from).into_iter().next() {
            keys.push(r.key());
        }
        if is_acronym(from)
            && let Some(r) = readings(analyzer, &format!("{from}s")).into_iter().next()
        {
            keys.push(r.key());
        }
        let mut alternatives = vec![Alternative {
            text: to.to_owned(),
            reading: to_reading,
        }];
        if is_acronym(to) {
            let plural = format!("{to}s");
            if let Some(r) = readings(analyzer, &plural).into_iter().next() {
                alternatives.push(Alternative {
                    text: plural,
                    reading: r,
                });
            }
        }
        for key in keys {
            if key.split(' ').count() > MAX_FORM_TERMS {
                continue;
            }
            let list = self.map.entry(key.clone()).or_default();
            for alt in &alternatives {
                if alt.reading.key() != key
                    && list.len() < MAX_ALTERNATIVES
                    && !list.iter().any(|a| a.reading == alt.reading)
                {
                    list.push(alt.clone());
                }
            }
        }
    }

    /// Adds a group: every form finds every other.
    fn add_group(&mut self, analyzer: &mut TextAnalyzer, forms: &[String]) {
        for a in forms {
            for b in forms {
                if a != b {
                    self.add(analyzer, a, b);
                }
            }
        }
    }

    /// The alternatives of a form, given as its analyzed key ([`Reading::key`]).
    pub fn lookup(&self, key: &str) -> &[Alternative] {
        self.map.get(key).map_or(&[], Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// The built-in groups, parsed once.
fn built_in() -> &'static [Vec<String>] {
    static GROUPS: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    GROUPS.get_or_init(|| parse(BUILT_IN).0)
}

/// Pairs the articles of `searcher` define, with how many articles define each.
fn mined(searcher: &tantivy::Searcher, f: &Fields) -> Vec<(String, String, u32)> {
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(f.defines) else {
            continue;
        };
        let Ok(mut stream) = inverted.terms().stream() else {
            continue;
        };
        while stream.advance() {
            let term = String::from_utf8_lossy(stream.key()).into_owned();
            *counts.entry(term).or_default() += stream.value().doc_freq;
        }
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n >= MIN_MINED_ARTICLES)
        .filter_map(|(term, n)| {
            let (short, long) = term.split_once(DEFINITION_SEPARATOR)?;
            Some((short.to_owned(), long.to_owned(), n))
        })
        .collect()
}

/// The user's file: where it is and what was last read from it.
#[derive(Debug)]
struct UserFile {
    path: PathBuf,
    /// (size, modification time) when last read; `None`: absent or unreadable.
    stamp: Option<(u64, SystemTime)>,
    groups: Vec<Vec<String>>,
}

impl UserFile {
    fn stamp_of(path: &Path) -> Option<(u64, SystemTime)> {
        let m = std::fs::metadata(path).ok()?;
        Some((m.len(), m.modified().ok()?))
    }

    /// Reads the file again when it changed; true when the groups changed.
    fn refresh(&mut self) -> bool {
        let stamp = Self::stamp_of(&self.path);
        if stamp == self.stamp {
            return false;
        }
        self.stamp = stamp;
        let text = std::fs::read_to_string(&self.path).unwrap_or_default();
        let (groups, problems) = parse(&text);
        for p in problems {
            tracing::warn!(
                "{}:{}: synonyms: {}",
                self.path.display(),
                p.line,
                p.message
            );
        }
        let changed = groups != self.groups;
        self.groups = groups;
        changed
    }
}

/// The merged table for the current segments and file, rebuilt only when either changes.
#[derive(Debug, Default)]
pub struct SynonymCache {
    state: Mutex<CacheState>,
}

#[derive(Debug, Default)]
struct CacheState {
    file: Option<UserFile>,
    segments: Vec<SegmentId>,
    current: Option<Arc<Synonyms>>,
}

impl SynonymCache {
    /// A cache that also reads `file` (which need not exist yet).
    pub fn with_file(file: PathBuf) -> SynonymCache {
        SynonymCache {
            state: Mutex::new(CacheState {
                file: Some(UserFile {
                    path: file,
                    stamp: None,
                    groups: Vec::new(),
                }),
                ..CacheState::default()
            }),
        }
    }

    /// The user's file, if one was given.
    pub fn file(&self) -> Option<PathBuf> {
        self.lock().file.as_ref().map(|f| f.path.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        // Plain data; a panic elsewhere cannot leave it half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The synonyms for a query on `searcher`.
    pub fn get(&self, searcher: &tantivy::Searcher, f: &Fields) -> Arc<Synonyms> {
        let mut state = self.lock();
        let file_changed = state.file.as_mut().is_some_and(UserFile::refresh);
        let segments: Vec<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(|s| s.segment_id())
            .collect();
        if let Some(current) = &state.current
            && !file_changed
            && segments == state.segments
        {
            return current.clone();
        }
        let mut analyzer = crate::index::text_analyzer();
        let mut table = Synonyms::default();
        // The user's lines first: they are what the user wants, and alternatives are capped.
        if let Some(file) = &state.file {
            for group in &file.groups {
                table.add_group(&mut analyzer, group);
            }
        }
        for group in built_in() {
            table.add_group(&mut analyzer, group);
        }
        let mut pairs = mined(searcher, f);
        pairs.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        for (short, long, _) in pairs {
            // A plural short form (`vms`) is its singular's: plurals are added by `add`.
            let short = short
                .strip_suffix('s')
                .filter(|s| s.len() >= 2)
                .unwrap_or(&short);
            let short = short.to_uppercase();
            table.add(&mut analyzer, &short, &long);
            table.add(&mut analyzer, &long, &short);
        }
        let table = Arc::new(table);
        state.segments = segments;
        state.current = Some(table.clone());
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_format() {
        let (groups, problems) =
            parse("# comment\nVNet, virtual network\n\nVM = virtual machine # tail\nlonely\n");
        assert_eq!(
            groups,
            [
                vec!["VNet".to_owned(), "virtual network".to_owned()],
                vec!["VM".to_owned(), "virtual machine".to_owned()]
            ]
        );
        assert_eq!(
            problems,
            [LineProblem {
                line: 5,
                message: "`lonely` has one form; a group needs two or more".to_owned()
            }]
        );
    }

    #[test]
    fn the_built_in_list_parses_whole() {
        let (groups, problems) = parse(BUILT_IN);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(groups.len() > 80, "{}", groups.len());
    }

    #[test]
    fn groups_work_both_ways_and_acronyms_have_plurals() {
        let mut a = crate::index::text_analyzer();
        let mut s = Synonyms::default();
        s.add_group(&mut a, &["VM".to_owned(), "virtual machine".to_owned()]);
        let texts =
            |key: &str| -> Vec<String> { s.lookup(key).iter().map(|a| a.text.clone()).collect() };
        assert_eq!(texts("vm"), ["virtual machine"]);
        assert_eq!(texts("vms"), ["virtual machine"]);
        assert_eq!(texts("virtual machin"), ["VM", "VMs"]);
        assert!(texts("machin").is_empty());
    }
}
