//! One file's change as the text of a unified diff, laid out as `git diff` lays it out
//! (header lines, `---`/`+++`, hunks with three lines of context), capped in size.

use std::fmt::Write as _;

use gix::ObjectId;
use gix::diff::blob::unified_diff::{ConsumeHunk, ContextSize, DiffLineKind, HunkHeader};
use gix::diff::blob::{Algorithm, InternedInput, UnifiedDiff, diff_with_slider_heuristics};
use gix::objs::tree::EntryMode;

/// A diff longer than this is cut (at a line end) and says so: a page showing a history does
/// not need a rewritten 5 MB file line by line.
pub const DIFF_CAP: usize = 200 * 1024;

/// Files larger than this are not diffed at all (the diff would be cut anyway, and a line
/// diff of huge inputs costs time for nothing).
pub(crate) const BLOB_CAP: usize = 16 * 1024 * 1024;

/// Git's test for binary content: a NUL byte among the first 8000.
const BINARY_PROBE: usize = 8000;

/// One side of a change: where the file was, its object and mode, and its bytes (None when
/// they were too large to load).
pub(crate) struct Side<'a> {
    pub path: &'a str,
    pub id: ObjectId,
    pub mode: EntryMode,
    pub data: Option<&'a [u8]>,
}

/// The diff that turns `old` into `new` (None: the file is absent on that side).
pub(crate) fn render(old: Option<&Side<'_>>, new: Option<&Side<'_>>, cap: usize) -> String {
    let mut out = String::new();
    let (a, b) = match (old, new) {
        (Some(old), Some(new)) => (old.path, new.path),
        (Some(side), None) | (None, Some(side)) => (side.path, side.path),
        (None, None) => return out,
    };
    let _ = writeln!(out, "diff --git a/{a} b/{b}");
    match (old, new) {
        (None, Some(new)) => {
            let _ = writeln!(out, "new file mode {:o}", new.mode);
        }
        (Some(old), None) => {
            let _ = writeln!(out, "deleted file mode {:o}", old.mode);
        }
        (Some(old), Some(new)) if old.mode != new.mode => {
            let _ = writeln!(out, "old mode {:o}\nnew mode {:o}", old.mode, new.mode);
        }
        _ => {}
    }
    if a != b {
        let _ = writeln!(out, "rename from {a}\nrename to {b}");
    }
    let old_id = old.map(|side| side.id);
    let new_id = new.map(|side| side.id);
    if old_id == new_id {
        return out;
    }
    let _ = write!(out, "index {}..{}", short(old_id), short(new_id));
    match (old, new) {
        (Some(old), Some(new)) if old.mode == new.mode => {
            let _ = writeln!(out, " {:o}", new.mode);
        }
        _ => out.push('\n'),
    }
    let label_a = old.map_or_else(|| "/dev/null".to_owned(), |_| format!("a/{a}"));
    let label_b = new.map_or_else(|| "/dev/null".to_owned(), |_| format!("b/{b}"));
    let before = old.map_or(Some(&[][..]), |side| side.data);
    let after = new.map_or(Some(&[][..]), |side| side.data);
    let (Some(before), Some(after)) = (before, after) else {
        let _ = writeln!(
            out,
            "(no diff shown: a side is larger than {} MB)",
            BLOB_CAP / (1024 * 1024)
        );
        return out;
    };
    if is_binary(before) || is_binary(after) {
        let _ = writeln!(out, "Binary files {label_a} and {label_b} differ");
        return out;
    }
    let input = InternedInput::new(before, after);
    let diff = diff_with_slider_heuristics(Algorithm::Myers, &input);
    let hunks = Hunks {
        out: String::new(),
        cap: cap.saturating_sub(out.len()),
        cut: false,
    };
    // Writing to a String cannot fail, and Hunks never reports an error.
    let hunks = UnifiedDiff::new(&diff, &input, hunks, ContextSize::symmetrical(3))
        .consume()
        .unwrap_or_else(|_| Hunks {
            out: String::new(),
            cap: 0,
            cut: false,
        });
    if !hunks.out.is_empty() {
        let _ = writeln!(out, "--- {label_a}\n+++ {label_b}");
        out.push_str(&hunks.out);
    }
    if hunks.cut {
        let _ = writeln!(out, "[diff cut: it is longer than {} KB]", cap / 1024);
    }
    out
}

fn short(id: Option<ObjectId>) -> String {
    match id {
        Some(id) => id.to_hex_with_len(7).to_string(),
        None => "0000000".to_owned(),
    }
}

fn is_binary(data: &[u8]) -> bool {
    data.iter().take(BINARY_PROBE).any(|&byte| byte == 0)
}

/// Writes hunks as git does, until `cap` bytes, then only notes that it cut.
struct Hunks {
    out: String,
    cap: usize,
    cut: bool,
}

impl Hunks {
    /// Appends `text` unless that would pass the cap; from then on everything is dropped.
    fn add(&mut self, text: &str) {
        if self.cut || self.out.len() + text.len() > self.cap {
            self.cut = true;
        } else {
            self.out.push_str(text);
        }
    }
}

impl ConsumeHunk for Hunks {
    type Out = Hunks;

    fn consume_hunk(
        &mut self,
        header: HunkHeader,
        lines: &[(DiffLineKind, &[u8])],
    ) -> std::io::Result<()> {
        let header = format!(
            "@@ -{} +{} @@\n",
            range(header.before_hunk_start, header.before_hunk_len),
            range(header.after_hunk_start, header.after_hunk_len)
        );
        self.add(&header);
        let mut line = String::new();
        for &(kind, content) in lines {
            line.clear();
            line.push(kind.to_prefix());
            line.push_str(&String::from_utf8_lossy(content));
            if !line.ends_with('\n') {
                line.push_str("\n\\ No newline at end of file\n");
            }
            self.add(&line);
        }
        Ok(())
    }

    fn finish(self) -> Self::Out {
        self
    }
}

/// A hunk's range as git writes it: `start,len`, the length left out when it is 1, and an
/// empty range named by the line before it.
fn range(start: u32, len: u32) -> String {
    match len {
        0 => format!("{},0", start.saturating_sub(1)),
        1 => start.to_string(),
        _ => format!("{start},{len}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gix::objs::tree::EntryKind;

    fn side<'a>(path: &'a str, data: &'a [u8], kind: EntryKind) -> Side<'a> {
        Side {
            path,
            id: gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, data)
                .expect("hashing in memory"),
            mode: kind.into(),
            data: Some(data),
        }
    }

    /// The diff of two plain files, each `(path, bytes)`.
    fn blob_diff(old: (&str, &[u8]), new: (&str, &[u8])) -> String {
        let old = side(old.0, old.1, EntryKind::Blob);
        let new = side(new.0, new.1, EntryKind::Blob);
        render(Some(&old), Some(&new), DIFF_CAP)
    }

    #[test]
    fn modification_with_one_line_hunks() {
        assert_eq!(
            blob_diff(("a.md", b"one\ntwo\nthree\n"), ("a.md", b"one\n2\nthree\n")),
            "diff --git a/a.md b/a.md\n\
             index 4cb29ea..f04eb26 100644\n\
             --- a/a.md\n\
             +++ b/a.md\n\
             @@ -1,3 +1,3 @@\n \
             one\n\
             -two\n\
             +2\n \
             three\n"
        );
        assert!(
            blob_diff(("a.md", b"x\n"), ("a.md", b"y\n")).ends_with("@@ -1 +1 @@\n-x\n+y\n"),
            "git leaves out a length of 1"
        );
    }

    #[test]
    fn added_deleted_and_empty_files() {
        let new = side("n.md", b"hello\n", EntryKind::Blob);
        assert_eq!(
            render(None, Some(&new), DIFF_CAP),
            "diff --git a/n.md b/n.md\n\
             new file mode 100644\n\
             index 0000000..ce01362\n\
             --- /dev/null\n\
             +++ b/n.md\n\
             @@ -0,0 +1 @@\n\
             +hello\n"
        );
        let old = side("n.md", b"a\nb", EntryKind::Blob);
        assert_eq!(
            render(Some(&old), None, DIFF_CAP),
            "diff --git a/n.md b/n.md\n\
             deleted file mode 100644\n\
             index 0a207c0..0000000\n\
             --- a/n.md\n\
             +++ /dev/null\n\
             @@ -1,2 +0,0 @@\n\
             -a\n\
             -b\n\
             \\ No newline at end of file\n"
        );
        let empty = side("e.md", b"", EntryKind::Blob);
        assert_eq!(
            render(None, Some(&empty), DIFF_CAP),
            "diff --git a/e.md b/e.md\nnew file mode 100644\nindex 0000000..e69de29\n",
            "no hunks, so no ---/+++ lines, as git"
        );
    }

    #[test]
    fn mode_change_rename_and_binary() {
        let old = side("s.sh", b"echo\n", EntryKind::Blob);
        let new = side("s.sh", b"echo\n", EntryKind::BlobExecutable);
        assert_eq!(
            render(Some(&old), Some(&new), DIFF_CAP),
            "diff --git a/s.sh b/s.sh\nold mode 100644\nnew mode 100755\n"
        );
        assert_eq!(
            blob_diff(("old.md", b"same\n"), ("new.md", b"same\n")),
            "diff --git a/old.md b/new.md\nrename from old.md\nrename to new.md\n"
        );
        let text = blob_diff(("i.png", b"\x89PNG\0\x01"), ("i.png", b"\x89PNG\0\x02"));
        assert!(
            text.ends_with(" 100644\nBinary files a/i.png and b/i.png differ\n"),
            "{text}"
        );
    }

    #[test]
    fn a_long_diff_is_cut_at_a_line_end_and_says_so() {
        let before: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let after: String = (0..1000).map(|i| format!("changed {i}\n")).collect();
        let old = side("big.md", before.as_bytes(), EntryKind::Blob);
        let new = side("big.md", after.as_bytes(), EntryKind::Blob);
        let full = render(Some(&old), Some(&new), usize::MAX);
        assert!(!full.contains("[diff cut"));
        let cut = render(Some(&old), Some(&new), 1024);
        assert!(cut.len() <= 1024 + 64, "{} bytes", cut.len());
        assert!(
            cut.ends_with("\n[diff cut: it is longer than 1 KB]\n"),
            "{cut}"
        );
        let kept = cut
            .strip_suffix("[diff cut: it is longer than 1 KB]\n")
            .expect("the note ends the diff");
        assert!(
            full.starts_with(kept),
            "the cut diff is a prefix of the whole"
        );
    }
}
