//! The writer's own behaviour: syncing single paths as a watcher reports them, and removing
//! the files of a run that never committed.

use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use tempfile::TempDir;

use super::*;

const ARTICLE: &str = "<properties pageTitle=\"Title {n}\" description=\"d\" service=\"microsoft.compute\" \
    resource=\"virtualmachines\" supportTopicIds=\"32{n}\" articleId=\"id-{n}\" />\n# Title {n}\n\n\
    Body text number {n} about disks.\n";

fn article(n: usize) -> String {
    ARTICLE.replace("{n}", &n.to_string())
}

/// A folder of `count` articles `a/0.md`, `a/1.md`, ...
fn folder(count: usize) -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    for n in 0..count {
        std::fs::write(dir.path().join(format!("a/{n}.md")), article(n)).unwrap();
    }
    dir
}

/// A folder of `count` articles and an index of it: `(articles, index, writer, report)`.
fn indexed_folder(count: usize) -> (TempDir, TempDir, Indexer, IndexReport) {
    let articles = folder(count);
    let index = TempDir::new().unwrap();
    let (indexer, report) = full_sync(articles.path(), index.path());
    (articles, index, indexer, report)
}

fn full_sync(root: &Path, index: &Path) -> (Indexer, IndexReport) {
    let mut indexer = Indexer::open(index).unwrap();
    let report = indexer
        .sync(root, IndexOptions::default(), &ProgressBar::hidden())
        .unwrap();
    (indexer, report)
}

fn changes(root: &Path, paths: &[PathBuf]) -> Vec<PathChange> {
    paths.iter().map(|p| corpus::classify(root, p)).collect()
}

#[test]
fn syncing_reported_paths_ends_equal_to_a_full_build() {
    let (articles, _index, mut indexer, first) = indexed_folder(5);
    let root = articles.path();
    assert_eq!(first.added, 5);

    // Edit one, add one, delete one, rename one, and touch a hidden file and a non-article.
    std::fs::write(root.join("a/0.md"), article(100)).unwrap();
    std::fs::write(root.join("a/new.md"), article(7)).unwrap();
    std::fs::remove_file(root.join("a/1.md")).unwrap();
    std::fs::rename(root.join("a/2.md"), root.join("a/renamed.md")).unwrap();
    std::fs::write(root.join("a/.0.md.swp"), "x").unwrap();
    std::fs::write(root.join("a/notes.txt"), "x").unwrap();
    let reported: Vec<PathBuf> = [
        "a/0.md",
        "a/0.md",
        "a/new.md",
        "a/1.md",
        "a/2.md",
        "a/renamed.md",
        "a/.0.md.swp",
        "a/notes.txt",
    ]
    .iter()
    .map(|p| root.join(p))
    .collect();
    let report = indexer.sync_paths(root, &changes(root, &reported)).unwrap();
    assert_eq!(
        (
            report.added,
            report.updated,
            report.removed,
            report.unchanged
        ),
        (2, 1, 2, 0),
        "{report}"
    );
    assert_eq!(report.articles, 5);

    let fresh = TempDir::new().unwrap();
    let (fresh_indexer, _) = full_sync(root, fresh.path());
    assert_eq!(
        indexer.existing().unwrap(),
        fresh_indexer.existing().unwrap()
    );

    // The same paths again: nothing to do, and nothing committed.
    let again = indexer.sync_paths(root, &changes(root, &reported)).unwrap();
    assert!(!again.changed(), "{again}");
    assert_eq!(again.unchanged, 3);
}

#[test]
fn a_symlink_in_place_of_an_article_removes_it() {
    let (articles, _index, mut indexer, _) = indexed_folder(2);
    let root = articles.path();
    std::fs::remove_file(root.join("a/0.md")).unwrap();
    std::os::unix::fs::symlink(root.join("a/1.md"), root.join("a/0.md")).unwrap();
    assert_eq!(
        corpus::classify(root, &root.join("a/0.md")),
        PathChange::Gone("a/0.md".to_owned())
    );
    let report = indexer
        .sync_paths(root, &changes(root, &[root.join("a/0.md")]))
        .unwrap();
    assert_eq!(report.removed, 1);
    let paths: Vec<String> = indexer.existing().unwrap().into_keys().collect();
    assert_eq!(paths, vec!["a/1.md".to_owned()]);
}

#[test]
fn files_no_commit_refers_to_are_removed_when_a_writer_opens() {
    let (_articles, index, indexer, _) = indexed_folder(3);
    indexer.finish().unwrap();
    // What a killed run leaves: a segment file tantivy listed as managed, in no commit.
    let orphan = "0123456789abcdef0123456789abcdef.idx";
    std::fs::write(index.path().join(orphan), vec![0u8; 4096]).unwrap();
    let managed = index.path().join(".managed.json");
    let mut names: Vec<String> = serde_json::from_slice(&std::fs::read(&managed).unwrap()).unwrap();
    names.push(orphan.to_owned());
    std::fs::write(&managed, serde_json::to_vec(&names).unwrap()).unwrap();

    let indexer = Indexer::open(index.path()).unwrap();
    assert!(
        !index.path().join(orphan).exists(),
        "the orphan segment file is still there"
    );
    assert_eq!(indexer.existing().unwrap().len(), 3);
}

/// Sets a file's modification time `secs_ago` seconds into the past.
fn age_file(path: &Path, secs_ago: u64) {
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(secs_ago);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

#[test]
fn a_new_process_on_unchanged_files_reads_none_of_them() {
    let articles = folder(20);
    for n in 0..20 {
        age_file(&articles.path().join(format!("a/{n}.md")), 3600);
    }
    let index = TempDir::new().unwrap();
    let (first, report) = full_sync(articles.path(), index.path());
    assert_eq!((report.added, report.read), (20, 20));
    drop(first);

    // A new writer, as a new `kb index` opens it: nothing is read, nothing changes.
    let (again, report) = full_sync(articles.path(), index.path());
    assert_eq!((report.unchanged, report.read), (20, 0));
    drop(again);

    // An edit of the same size, dated an hour ago: its time differs, so it is read.
    let edited = articles.path().join("a/3.md");
    std::fs::write(&edited, article(3).replace("disks", "disky")).unwrap();
    age_file(&edited, 3000);
    // A touched file is read too; without git its time is its last change, so it is
    // added again with its new date.
    age_file(&articles.path().join("a/4.md"), 3100);
    let (third, report) = full_sync(articles.path(), index.path());
    assert_eq!((report.updated, report.unchanged, report.read), (2, 18, 2));
    drop(third);

    // A file just written is read on every run until its time is old enough to trust.
    std::fs::write(articles.path().join("a/5.md"), article(5)).unwrap();
    let (_, report) = full_sync(articles.path(), index.path());
    assert_eq!(report.read, 1);
    let (_, report) = full_sync(articles.path(), index.path());
    assert_eq!(report.read, 1);
}

#[test]
fn seen_files_of_another_folder_are_not_trusted() {
    let articles = folder(5);
    let other = folder(5);
    for dir in [&articles, &other] {
        for n in 0..5 {
            age_file(&dir.path().join(format!("a/{n}.md")), 3600);
        }
    }
    let index = TempDir::new().unwrap();
    drop(full_sync(articles.path(), index.path()));
    // The other folder's files have the same names and sizes; only their times differ, and
    // even equal times would not count: the kept entries are of the first folder.
    let (_, report) = full_sync(other.path(), index.path());
    assert_eq!(report.read, 5);
}
