//! `kb check`: every problem of every article under a folder, for authors and CI.

use serde::Serialize;

use crate::article::{Article, Code, Problem, Severity};
use crate::corpus::Corpus;

/// What a check report and [`crate::corpus::mark_duplicate_ids`] read of an article: its
/// path, articleId (and its line) and problems. Holding every parsed article instead cost
/// the server ~160 MB of resident memory on the real corpus, for a report that only lists
/// problems.
pub fn problems_only(a: Article) -> Article {
    let mut out = Article::default();
    out.path = a.path;
    out.properties.article_id = a.properties.article_id;
    out.article_id_line = a.article_id_line;
    out.problems = a.problems;
    out.text_before_properties = a.text_before_properties;
    out
}

/// A warning when text comes before the properties block. It is the report's, not the
/// parser's: the parser reads such a file fine, but other readers of the format expect the
/// block first.
fn text_before_properties(a: &Article) -> Option<Problem> {
    let line = a.text_before_properties?;
    Some(Problem::new(
        Code::TextBeforeProperties,
        &a.path,
        line,
        "text before the `<properties .../>` block; hint: other readers of the format expect \
         the block first, so move the text below it"
            .to_owned(),
    ))
}

/// The result of checking a folder, serialized as `kb check --format json` prints it.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// `.md` files found.
    pub files: usize,
    /// Articles parsed from them.
    pub articles: usize,
    /// Sorted by path, then line.
    pub problems: Vec<Problem>,
}

impl CheckReport {
    pub fn new(corpus: &Corpus) -> CheckReport {
        let mut problems: Vec<Problem> = corpus
            .articles
            .iter()
            .flat_map(|a| a.problems.iter().cloned().chain(text_before_properties(a)))
            .chain(corpus.problems.iter().cloned())
            .collect();
        problems.sort_by(|a, b| (&a.path, a.line, a.code).cmp(&(&b.path, b.line, b.code)));
        let unreadable = corpus.problems.len();
        CheckReport {
            files: corpus.articles.len() + unreadable,
            articles: corpus.articles.len(),
            problems,
        }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == severity)
            .count()
    }

    /// True when any problem is an error: `kb check` then exits with status 1.
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }
}
