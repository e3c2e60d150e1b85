//! Line-level forms Markdown does not know: `:::Section Title:::` markers, and callouts
//! written without the blockquote GitHub expects.
//!
//! A marker line becomes a placeholder paragraph (rendered as an `<h3 class="kb-marker">`,
//! a level-2 heading one level down like every other).
//! Callouts are normalized into the form pulldown-cmark's GFM option reads: `[!NOTE] text`
//! and a bare `[!Note]` line become `> [!NOTE]` followed by the quoted text, and
//! `> [!NOTE] text` gets the text on a line of its own.

use super::elements::Element;
use super::slots::Slot;
use crate::article::fences::Fences;

const KINDS: &[&str] = &["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"];

/// `Title` from `:::Section Title:::` (any case, spaces allowed inside the colons).
fn section_marker(line: &str) -> Option<&str> {
    let inner = line.trim().strip_prefix(":::")?.strip_suffix(":::")?.trim();
    let head = inner.get(..7)?;
    if !head.eq_ignore_ascii_case("section") {
        return None;
    }
    let title = &inner[7..];
    (title.starts_with(char::is_whitespace) && !title.trim().is_empty()).then(|| title.trim())
}

/// A callout tag at the start of `s`: the kind (upper case) and the text after it.
fn callout(s: &str) -> Option<(&'static str, &str)> {
    let rest = s.strip_prefix("[!")?;
    let kind = KINDS.iter().find(|k| {
        rest.get(..k.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(k))
    })?;
    let after = rest[kind.len()..].strip_prefix(']')?;
    // `[!NOTE](url)` is a link and `[!NOTE]: x` a link definition.
    if after.starts_with(['(', ':', '[']) {
        return None;
    }
    Some((kind, after.trim()))
}

/// Rewrites marker lines and callouts of `text`, adding markers to `elements`.
pub(crate) fn rewrite(text: &str, elements: &mut Vec<Element>) -> String {
    if !text.contains(":::") && !text.contains("[!") {
        return text.to_owned();
    }
    let fences = Fences::find(text);
    let mut out = String::with_capacity(text.len() + 32);
    let mut offset = 0;
    // Inside a callout made from a bare tag: quote lines until a blank one.
    let mut quoting = false;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if fences.contains(start) {
            quoting = false;
            out.push_str(line);
            continue;
        }
        if quoting {
            if line.trim().is_empty() {
                quoting = false;
            } else {
                out.push_str("> ");
                out.push_str(line);
                continue;
            }
        }
        if let Some(title) = section_marker(line) {
            elements.push(Element::Marker {
                title: title.to_owned(),
            });
            out.push('\n');
            Slot::Element(elements.len() - 1).write(&mut out);
            out.push_str("\n\n");
            continue;
        }
        let trimmed = line.trim_start();
        let (quoted, body) = match trimmed.strip_prefix('>') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, trimmed),
        };
        if let Some((kind, after)) = callout(body)
            && (!quoted || !after.is_empty())
        {
            out.push_str("> [!");
            out.push_str(kind);
            out.push_str("]\n");
            if !after.is_empty() {
                out.push_str("> ");
                out.push_str(after);
                out.push('\n');
            }
            quoting = !quoted;
            continue;
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_markers_need_the_word_and_a_title() {
        assert_eq!(section_marker(":::Section Insights:::"), Some("Insights"));
        assert_eq!(
            section_marker("  ::: Section Why not?  :::  \n"),
            Some("Why not?")
        );
        assert_eq!(section_marker(":::Section:::"), None);
        assert_eq!(section_marker(":::Sections x:::"), None);
        assert_eq!(section_marker("tcp6  0  0 :::22   :::*   LISTEN"), None);
    }

    #[test]
    fn bare_and_inline_callouts_become_quoted() {
        let mut els = Vec::new();
        let text =
            "[!Note]\n- item one\n\nafter\n> [!WARNING] Careful\n> more\n[!NOTE] [a](u) is it.\n";
        assert_eq!(
            rewrite(text, &mut els),
            "> [!NOTE]\n> - item one\n\nafter\n> [!WARNING]\n> Careful\n> more\n> [!NOTE]\n> [a](u) is it.\n"
        );
    }

    #[test]
    fn markers_become_placeholders_outside_code_only() {
        let mut els = Vec::new();
        let out = rewrite(
            ":::Section Fix it:::\ntext\n```\n:::Section No:::\n```\n",
            &mut els,
        );
        assert_eq!(
            els,
            [Element::Marker {
                title: "Fix it".into()
            }]
        );
        assert_eq!(
            out,
            "\n\u{E000}e0\u{E001}\n\ntext\n```\n:::Section No:::\n```\n"
        );
    }
}
