//! Where the fenced code blocks are, found before Markdown parsing.
//!
//! The passes that run on the raw text (comment markers, custom elements, `:::Section:::`
//! lines) must leave code alone: an article that shows `<video>` or an HTML comment inside
//! a code block means the characters. This is a line scan, close enough to CommonMark for
//! those passes; the Markdown parser still decides what is code in the end.

use std::ops::Range;

/// Byte ranges of fenced code blocks, fences included, in order.
#[derive(Debug, Default)]
pub(crate) struct Fences(Vec<Range<usize>>);

impl Fences {
    /// Scans `text` for ```` ``` ```` and `~~~` fences (indented too, as inside list items).
    /// An unclosed fence runs to the end, as in CommonMark.
    pub(crate) fn find(text: &str) -> Fences {
        let mut ranges = Vec::new();
        let mut open: Option<(usize, u8, usize)> = None;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let trimmed = line.trim_start_matches([' ', '\t']);
            let fence_char = match trimmed.as_bytes().first() {
                Some(&c @ (b'`' | b'~')) => c,
                _ => continue,
            };
            let run = trimmed.bytes().take_while(|&b| b == fence_char).count();
            if run < 3 {
                continue;
            }
            match open {
                None => {
                    // A backtick fence's info string cannot hold backticks: ```` ```x``` ````
                    // is inline code.
                    if fence_char == b'`' && trimmed[run..].contains('`') {
                        continue;
                    }
                    open = Some((start, fence_char, run));
                }
                Some((from, c, n)) => {
                    if c == fence_char && run >= n && trimmed[run..].trim().is_empty() {
                        ranges.push(from..offset);
                        open = None;
                    }
                }
            }
        }
        if let Some((from, _, _)) = open {
            ranges.push(from..text.len());
        }
        Fences(ranges)
    }

    /// Whether byte `pos` is inside a fenced block.
    pub(crate) fn contains(&self, pos: usize) -> bool {
        let i = self.0.partition_point(|r| r.end <= pos);
        self.0.get(i).is_some_and(|r| r.contains(&pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_closed_indented_and_unclosed_fences() {
        let text = "a\n```sh\n<!--x-->\n```\nb\n  ~~~~\n<video>\n  ~~~~\nc\n```\nrest";
        let f = Fences::find(text);
        assert!(!f.contains(0));
        assert!(f.contains(text.find("<!--x").unwrap()));
        assert!(!f.contains(text.find("b\n").unwrap()));
        assert!(f.contains(text.find("<video").unwrap()));
        assert!(!f.contains(text.find("c\n").unwrap()));
        assert!(f.contains(text.find("rest").unwrap()));
    }

    #[test]
    fn inline_triple_backticks_are_not_a_fence() {
        let f = Fences::find("```code``` and\n<!--x-->");
        assert!(!f.contains(16));
    }
}
