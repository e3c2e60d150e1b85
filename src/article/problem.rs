//! Problems found in articles: a stable code, a severity, and where.

use serde::Serialize;

/// How bad a problem is. Errors make `kb check` exit with status 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Every kind of problem, with a stable kebab-case code that tools and authors can grep for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// The file could not be read.
    Unreadable,
    /// A symbolic link in the articles folder: not followed, so it cannot loop or lead out.
    SymlinkSkipped,
    InvalidUtf8,
    NoProperties,
    UnterminatedProperties,
    MalformedProperties,
    DuplicateKey,
    MisspelledKey,
    MissingPageTitle,
    MissingArticleId,
    MissingSelfHelpType,
    UnknownSelfHelpType,
    UnknownCloud,
    InvalidDisplayOrder,
    NoH1,
    UnpairedMarker,
    InvalidJson,
    DuplicateArticleId,
    /// Text (an H1, a comment, a stray line) before the properties block. The parser reads
    /// it as part of the body; other readers of the format expect the block first.
    TextBeforeProperties,
}

impl Code {
    /// Every code, for listings such as the content-health page.
    pub const ALL: [Code; 19] = [
        Code::Unreadable,
        Code::SymlinkSkipped,
        Code::InvalidUtf8,
        Code::NoProperties,
        Code::UnterminatedProperties,
        Code::MalformedProperties,
        Code::DuplicateKey,
        Code::MisspelledKey,
        Code::MissingPageTitle,
        Code::MissingArticleId,
        Code::MissingSelfHelpType,
        Code::UnknownSelfHelpType,
        Code::UnknownCloud,
        Code::InvalidDisplayOrder,
        Code::NoH1,
        Code::UnpairedMarker,
        Code::InvalidJson,
        Code::DuplicateArticleId,
        Code::TextBeforeProperties,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unreadable => "unreadable",
            Code::SymlinkSkipped => "symlink-skipped",
            Code::InvalidUtf8 => "invalid-utf8",
            Code::NoProperties => "no-properties",
            Code::UnterminatedProperties => "unterminated-properties",
            Code::MalformedProperties => "malformed-properties",
            Code::DuplicateKey => "duplicate-key",
            Code::MisspelledKey => "misspelled-key",
            Code::MissingPageTitle => "missing-page-title",
            Code::MissingArticleId => "missing-article-id",
            Code::MissingSelfHelpType => "missing-self-help-type",
            Code::UnknownSelfHelpType => "unknown-self-help-type",
            Code::UnknownCloud => "unknown-cloud",
            Code::InvalidDisplayOrder => "invalid-display-order",
            Code::NoH1 => "no-h1",
            Code::UnpairedMarker => "unpaired-marker",
            Code::InvalidJson => "invalid-json",
            Code::DuplicateArticleId => "duplicate-article-id",
            Code::TextBeforeProperties => "text-before-properties",
        }
    }

    /// Errors are what keeps an article from working in the portal; the rest are warnings.
    pub fn severity(self) -> Severity {
        match self {
            Code::Unreadable
            | Code::NoProperties
            | Code::UnterminatedProperties
            | Code::MissingArticleId
            | Code::DuplicateArticleId => Severity::Error,
            _ => Severity::Warning,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    /// 1-based.
    pub line: usize,
    pub severity: Severity,
    pub code: Code,
    pub message: String,
}

impl Problem {
    pub fn new(code: Code, path: &str, line: usize, message: String) -> Problem {
        Problem {
            path: path.to_owned(),
            line: line.max(1),
            severity: code.severity(),
            code,
            message,
        }
    }
}

impl std::fmt::Display for Problem {
    /// `path:line: severity[code]: message`, the form editors and CI annotators understand.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}[{}]: {}",
            self.path,
            self.line,
            self.severity.as_str(),
            self.code,
            self.message
        )
    }
}
