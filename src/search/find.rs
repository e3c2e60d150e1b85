//! Finding a query's stems in a text, ASCII case aside.
//!
//! The matches are those of Aho-Corasick's standard semantics: they do not overlap, and each
//! is the one that ends first after the previous (of two ending together, the longer; of
//! equal stems, the first). They are found by one SIMD substring search per stem over the
//! text lower-cased: a query has a handful of stems and a page's bodies a few KB each, and
//! building an automaton for every search cost as much as the searches it served.

use memchr::memmem::Finder;

/// A query's stems, ready to be found.
pub struct StemFinder {
    /// The stems (lower-cased) with their index in the list they were given in; empty
    /// ones are left out.
    finders: Vec<(usize, Finder<'static>)>,
}

/// A stem found in a text: `start..end`, and which stem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub pattern: usize,
}

impl StemFinder {
    /// A finder of `stems`, each found case-insensitively for ASCII letters.
    pub fn new(stems: &[String]) -> StemFinder {
        let finders = stems
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.is_empty())
            .map(|(i, s)| {
                (
                    i,
                    Finder::new(s.to_ascii_lowercase().as_bytes()).into_owned(),
                )
            })
            .collect();
        StemFinder { finders }
    }

    /// The stems in `text`, in order (see the module documentation).
    pub fn find_iter(&self, text: &str) -> FindIter<'_> {
        let hay = text.as_bytes().to_ascii_lowercase();
        let next = self.finders.iter().map(|(_, f)| f.find(&hay)).collect();
        FindIter {
            finder: self,
            hay,
            next,
            at: 0,
        }
    }
}

/// The iterator of [`StemFinder::find_iter`].
pub struct FindIter<'a> {
    finder: &'a StemFinder,
    /// The text, lower-cased.
    hay: Vec<u8>,
    /// Per stem, where it next occurs, from `at` on or earlier.
    next: Vec<Option<usize>>,
    /// The end of the last match: the next starts there or later.
    at: usize,
}

impl Iterator for FindIter<'_> {
    type Item = Found;

    fn next(&mut self) -> Option<Found> {
        // (end, start, stem) of the best occurrence so far.
        let mut best: Option<(usize, usize, usize)> = None;
        for (i, (_, finder)) in self.finder.finders.iter().enumerate() {
            let mut next = self.next[i];
            if next.is_some_and(|start| start < self.at) {
                next = self
                    .hay
                    .get(self.at..)
                    .and_then(|rest| finder.find(rest))
                    .map(|p| p + self.at);
                self.next[i] = next;
            }
            if let Some(start) = next {
                let end = start + finder.needle().len();
                if best.is_none_or(|(e, s, _)| end < e || (end == e && start < s)) {
                    best = Some((end, start, i));
                }
            }
        }
        let (end, start, i) = best?;
        self.at = end;
        Some(Found {
            start,
            end,
            pattern: self.finder.finders[i].0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn found(stems: &[&str], text: &str) -> Vec<(usize, usize, usize)> {
        let stems: Vec<String> = stems.iter().map(|s| s.to_string()).collect();
        StemFinder::new(&stems)
            .find_iter(text)
            .map(|m| (m.start, m.end, m.pattern))
            .collect()
    }

    #[test]
    fn matches_end_first_and_do_not_overlap() {
        assert_eq!(
            found(&["disk"], "Disks, DISK and disk"),
            [(0, 4, 0), (7, 11, 0), (16, 20, 0)]
        );
        // `b` ends before `abc` does; `bc` and `c` end together, the longer is taken.
        assert_eq!(found(&["abc", "b"], "abc"), [(1, 2, 1)]);
        assert_eq!(found(&["c", "bc"], "abc"), [(1, 3, 1)]);
        assert_eq!(found(&["aa"], "aaaa"), [(0, 2, 0), (2, 4, 0)]);
        assert_eq!(found(&["x", "x"], "x"), [(0, 1, 0)]);
        assert_eq!(found(&["", "é"], "cliché É é"), [(5, 7, 1), (11, 13, 1)]);
        assert!(found(&[], "text").is_empty());
    }

    proptest! {
        /// The same matches as Aho-Corasick's standard semantics, ASCII case-insensitive.
        #[test]
        fn agrees_with_aho_corasick(
            stems in proptest::collection::vec("[abAB]{1,3}|é", 1..5),
            text in "[abAB é]{0,40}",
        ) {
            let ac = aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(&stems)
                .expect("an automaton");
            let expected: Vec<(usize, usize, usize)> = ac
                .find_iter(&text)
                .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                .collect();
            let stems: Vec<&str> = stems.iter().map(String::as_str).collect();
            prop_assert_eq!(found(&stems, &text), expected);
        }
    }
}
