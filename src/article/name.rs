//! What names an article: a file whose name ends in `.md`, in any case. The folder walk,
//! the renderer's relative links and the web layer's URLs all ask here.

/// `path` without its `.md` extension (any case), or `None` when it names no article: no
/// such extension, or nothing before it. Safe on any text: it compares bytes and only cuts
/// before an ASCII `.`.
pub fn md_stem(path: &str) -> Option<&str> {
    let n = path.len();
    let ext = path.as_bytes().get(n.checked_sub(3)?..)?;
    (n > 3 && ext.eq_ignore_ascii_case(b".md")).then(|| &path[..n - 3])
}

/// Whether a file name (or path) is an article's: `.md`, any case.
pub fn is_article_name(name: &str) -> bool {
    md_stem(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md_in_any_case_and_never_a_cut_inside_a_character() {
        assert_eq!(md_stem("a/b.md"), Some("a/b"));
        assert_eq!(md_stem("x/Y.MD"), Some("x/Y"));
        assert_eq!(md_stem("é.Md"), Some("é"));
        for not in [
            ".md", "md", "", "a.mdx", "readme", "éé", "schéma", "a.txt", "日本",
        ] {
            assert_eq!(md_stem(not), None, "{not}");
        }
    }
}
