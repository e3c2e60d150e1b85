//! A folder of articles -> every [`Article`] in it, read in parallel, with the problems that
//! only show across files (the same articleId twice, unreadable files).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::article::{Article, Code, Problem};

/// A source file found under the articles root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Absolute or root-joined path on disk.
    pub file: PathBuf,
    /// Relative to the root, `/`-separated, with `.md`.
    pub path: String,
}

/// Everything read from an articles folder.
#[derive(Debug, Default)]
pub struct Corpus {
    /// Sorted by path.
    pub articles: Vec<Article>,
    /// Problems of files that yielded no article (unreadable files and entries). Problems of
    /// an article, including a duplicate articleId, are in its own `problems`.
    pub problems: Vec<Problem>,
}

/// Why a folder could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("articles folder {path} cannot be read")]
    Root {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("articles folder {0} is not a folder")]
    NotADir(PathBuf),
}

pub use crate::article::name::is_article_name;

/// Lists the `.md` files under `root`, sorted by path. Symbolic links are not followed, so a
/// link can neither loop nor reach outside the tree; hidden entries (`.git`) are skipped.
/// Entries that cannot be read become problems.
pub fn list(root: &Path) -> Result<(Vec<SourceFile>, Vec<Problem>), CorpusError> {
    let meta = std::fs::metadata(root).map_err(|source| CorpusError::Root {
        path: root.to_owned(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(CorpusError::NotADir(root.to_owned()));
    }
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| relative(root, p))
                    .unwrap_or_else(|| ".".to_owned());
                problems.push(Problem::new(Code::Unreadable, &path, 1, e.to_string()));
                continue;
            }
        };
        if entry.file_type().is_symlink() {
            problems.push(Problem::new(
                Code::SymlinkSkipped,
                &relative(root, entry.path()),
                1,
                "a symbolic link: not followed, so what it points to is not indexed".to_owned(),
            ));
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let Some(name) = entry.file_name().to_str() else {
            // A name that is not UTF-8 cannot be addressed by a URL or an export record.
            let path = relative(root, entry.path());
            if is_article_name(&entry.file_name().to_string_lossy()) {
                problems.push(Problem::new(
                    Code::Unreadable,
                    &path,
                    1,
                    "the file name is not valid UTF-8; rename the file".to_owned(),
                ));
            }
            continue;
        };
        if !is_article_name(name) {
            continue;
        }
        let path = relative(root, entry.path());
        files.push(SourceFile {
            file: entry.into_path(),
            path,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, problems))
}

/// What a path reported by a file watcher means for the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathChange {
    /// An article file: (re)read it.
    Article(SourceFile),
    /// No article is at this path (any more): the index must not hold one.
    Gone(String),
    /// Nothing [`list`] would find: hidden, outside the root, not `.md`.
    Ignored,
    /// Only a listing of the whole folder can tell (a folder appeared or went away).
    Unknown,
}

/// Classifies one changed path under `root` by what is on disk now, with the rules of
/// [`list`]: hidden entries are skipped and symbolic links never count as articles.
pub fn classify(root: &Path, file: &Path) -> PathChange {
    let Ok(rel) = file.strip_prefix(root) else {
        return PathChange::Ignored;
    };
    let hidden = rel
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
    if hidden {
        return PathChange::Ignored;
    }
    let name = rel.file_name().map(|n| n.to_string_lossy());
    let article_name = name.as_deref().is_some_and(is_article_name);
    let path = relative(root, file);
    match std::fs::symlink_metadata(file) {
        Ok(meta) if meta.is_dir() => PathChange::Unknown,
        Ok(meta) if meta.is_file() && article_name && rel.to_str().is_some() => {
            PathChange::Article(SourceFile {
                file: file.to_owned(),
                path,
            })
        }
        // A symbolic link (or a file whose name is not UTF-8) took the place of an article.
        Ok(_) if article_name => PathChange::Gone(path),
        Ok(_) => PathChange::Ignored,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && article_name => {
            PathChange::Gone(path)
        }
        // A removed folder, or a file that cannot be looked at.
        Err(_) => PathChange::Unknown,
    }
}

/// `root/a/b.md` -> `a/b.md`.
pub fn relative(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let parts: Vec<_> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    parts.join("/")
}

/// Reads and parses one file; an unreadable file yields no article but a problem.
pub fn read_one(source: &SourceFile) -> Result<Article, Problem> {
    Article::from_file(&source.file, &source.path)
        .map_err(|e| Problem::new(Code::Unreadable, &source.path, 1, e.to_string()))
}

/// How [`load_with`] reads the files of a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// On rayon's global pool: fastest, for commands that do nothing else.
    Parallel,
    /// On the calling thread, one at a time: for a server, whose other work (a watch
    /// sync on the global pool, requests) must not queue behind a whole folder.
    OneAtATime,
}

/// Reads every article under `root` in parallel.
pub fn load(root: &Path) -> Result<Corpus, CorpusError> {
    load_with(root, Reading::Parallel, |a| a)
}

/// Reads every article under `root`, keeping what `keep` makes of each one (a report that
/// needs only the problems need not hold every article's text).
pub fn load_with(
    root: &Path,
    reading: Reading,
    keep: impl Fn(Article) -> Article + Sync,
) -> Result<Corpus, CorpusError> {
    let (files, mut problems) = list(root)?;
    let read = |file: &SourceFile| read_one(file).map(&keep);
    let results: Vec<Result<Article, Problem>> = match reading {
        Reading::Parallel => files.par_iter().map(read).collect(),
        Reading::OneAtATime => files.iter().map(read).collect(),
    };
    let mut articles = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(a) => articles.push(a),
            Err(p) => problems.push(p),
        }
    }
    mark_duplicate_ids(&mut articles);
    Ok(Corpus { articles, problems })
}

/// Adds a `duplicate-article-id` error to every article whose articleId another article
/// also has (compared case-insensitively), naming the other paths.
pub fn mark_duplicate_ids(articles: &mut [Article]) {
    let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, a) in articles.iter().enumerate() {
        if !a.article_id.is_empty() {
            by_id
                .entry(a.article_id.to_lowercase())
                .or_default()
                .push(i);
        }
    }
    let mut groups: Vec<&Vec<usize>> = by_id.values().filter(|v| v.len() > 1).collect();
    groups.sort();
    for group in groups {
        for &i in group {
            let others: Vec<&str> = group
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| articles[j].path.as_str())
                .collect();
            let article = &articles[i];
            let line = article.article_id_line.unwrap_or(1);
            let problem = Problem::new(
                Code::DuplicateArticleId,
                &article.path,
                line,
                format!(
                    "articleId `{}` is also used by {}",
                    article.article_id,
                    others.join(", ")
                ),
            );
            articles[i].problems.push(problem);
            articles[i].problems.sort_by_key(|p| p.line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_paths_are_classified_as_a_listing_would() {
        let dir = tempfile::TempDir::new().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("svc/.git")).unwrap();
        std::fs::write(root.join("svc/a.md"), "x").unwrap();
        std::fs::write(root.join("svc/b.MD"), "x").unwrap();
        std::fs::write(root.join("svc/c.txt"), "x").unwrap();
        std::fs::write(root.join("svc/.git/d.md"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("svc/a.md"), root.join("svc/link.md")).unwrap();
        let at = |p: &str| classify(root, &root.join(p));
        assert_eq!(
            at("svc/a.md"),
            PathChange::Article(SourceFile {
                file: root.join("svc/a.md"),
                path: "svc/a.md".to_owned()
            })
        );
        assert!(matches!(at("svc/b.MD"), PathChange::Article(_)));
        assert_eq!(at("svc/c.txt"), PathChange::Ignored);
        assert_eq!(at("svc/.git/d.md"), PathChange::Ignored);
        assert_eq!(
            at("svc/link.md"),
            PathChange::Gone("svc/link.md".to_owned())
        );
        assert_eq!(
            at("svc/gone.md"),
            PathChange::Gone("svc/gone.md".to_owned())
        );
        assert_eq!(at("svc"), PathChange::Unknown);
        assert_eq!(at("removed-folder"), PathChange::Unknown);
        assert_eq!(
            classify(root, Path::new("/elsewhere/x.md")),
            PathChange::Ignored
        );
    }
}
