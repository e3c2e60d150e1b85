//! Heading anchors: `Fix the boot error` -> `fix-the-boot-error`, unique within a page, so
//! that a section of an article can be linked to. The article's outline hands them out and
//! the renderer gives the same ones to the page's headings, so a search hit can link to the
//! section it matched.

use std::collections::HashSet;

/// Hands out unique slugs for one page.
#[derive(Debug, Default)]
pub(crate) struct Slugger {
    used: HashSet<String>,
}

impl Slugger {
    /// The slug of `text`, with `-2`, `-3`, ... appended when it was already used.
    pub(crate) fn next(&mut self, text: &str) -> String {
        let base = slug(text);
        let mut candidate = base.clone();
        let mut n = 1;
        while self.used.contains(&candidate) {
            n += 1;
            candidate = format!("{base}-{n}");
        }
        self.used.insert(candidate.clone());
        candidate
    }
}

/// Lower-case letters and digits, words joined by `-`; `section` when nothing is left.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() || c == '-' || c == '_' {
            dash = true;
        }
    }
    if out.is_empty() {
        out.push_str("section");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_words_and_unique() {
        let mut s = Slugger::default();
        assert_eq!(
            s.next("Fix the **boot** error (UTC)!"),
            "fix-the-boot-error-utc"
        );
        assert_eq!(
            s.next("Fix the boot error, UTC"),
            "fix-the-boot-error-utc-2"
        );
        assert_eq!(s.next("  "), "section");
        assert_eq!(s.next("Étape 1 — démarrer"), "étape-1-démarrer");
    }
}
