//! `kb check`: every problem of every article under a folder, for authors and CI.

use serde::Serialize;

use crate::article::{Problem, Severity};
use crate::corpus::Corpus;

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
            .flat_map(|a| a.problems.iter().cloned())
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
