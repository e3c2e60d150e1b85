//! Part 5, disks: an index folder that cannot be created, one that cannot be written, and a
//! disk that fills up half-way through `kb index`. Each must end in a message that names the
//! folder, a non-zero exit, and the previous index untouched.
//!
//! Root ignores file modes, and CI runs as root: there a read-only bind mount stands in for
//! `chmod 0555`, and a small tmpfs makes a disk that fills up. A test that cannot make what
//! it needs (no root, no working `mount`) fails and says so; outside CI,
//! `KB_SKIP_ROOT_TESTS=1` makes it skip out loud instead (`common::cannot_run`).

use std::path::Path;

use tempfile::TempDir;

use crate::support::*;

/// An article of the sample corpus and its title: what "the index still answers" looks for.
const SAMPLE_PATH: &str = "microsoft.compute.virtualmachines/vm-diagnostics-rdp-connectivity.md";
const SAMPLE_TITLE: &str = "RDP connectivity diagnostics";

/// The index in `dir` opens, counts `articles` and finds the sample article by its title.
fn assert_answers(dir: &Path, articles: usize, what: &str) {
    let searcher = open_searcher(dir);
    assert_eq!(browse_total(&searcher), articles, "{what}: browse total");
    assert!(
        hit_paths(&searcher, SAMPLE_TITLE).contains(&SAMPLE_PATH.to_owned()),
        "{what}: searching {SAMPLE_TITLE:?} finds {SAMPLE_PATH}"
    );
}

/// A failure as a user sees it: `kb: error: ...` naming `dir`, exit status 2, no panic.
fn assert_clean_failure(ran: &Ran, dir: &Path, what: &str) {
    assert_eq!(
        ran.status.code(),
        Some(2),
        "{what}: exit status; stderr: {}",
        ran.stderr
    );
    assert!(
        ran.stderr.starts_with("kb: error: "),
        "{what}: {}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains(&dir.display().to_string()),
        "{what}: the message names {}: {}",
        dir.display(),
        ran.stderr
    );
    assert!(!ran.stderr.contains("panicked"), "{what}: {}", ran.stderr);
}

#[test]
fn an_index_folder_that_cannot_be_created_is_a_clear_error() {
    let tmp = TempDir::new().expect("a temporary folder");
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "not a folder").expect("written");
    let index = file.join("sub/index");
    let ran = kb_index(&sample_articles(), &index, &[]);
    assert_clean_failure(&ran, &index, "index under a file");
    assert!(
        ran.stderr.contains("Not a directory"),
        "the cause is named: {}",
        ran.stderr
    );
    eprintln!("disk: index under a file -> {}", ran.stderr.trim());
}

/// Where this process can make `dir` read-only: a read-only bind mount of it at `view`
/// (root), else `chmod 0555` (non-root). The guard undoes it.
enum ReadOnly {
    /// Held for its `Drop`, which unmounts.
    Mount {
        _view: Mount,
    },
    Chmod(std::path::PathBuf),
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        if let ReadOnly::Chmod(dir) = self {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
        }
    }
}

fn read_only(dir: &Path, view: &Path) -> Result<ReadOnly, String> {
    if euid() == Some(0) {
        std::fs::create_dir_all(view).map_err(|e| e.to_string())?;
        Mount::read_only_bind(dir, view).map(|m| ReadOnly::Mount { _view: m })
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555))
            .map_err(|e| e.to_string())?;
        Ok(ReadOnly::Chmod(dir.to_owned()))
    }
}

#[test]
fn a_read_only_index_folder_is_refused_and_left_intact() {
    let tmp = TempDir::new().expect("a temporary folder");
    let articles = tmp.path().join("articles");
    copy_tree(&sample_articles(), &articles);
    let index = tmp.path().join("index");
    let built = kb_index(&articles, &index, &["--quiet"]);
    assert!(built.status.success(), "{}", built.stderr);
    let before = indexed_files(&index);
    // A change, so that the run has something to write.
    let file = articles.join(SAMPLE_PATH);
    let text = std::fs::read_to_string(&file).expect("readable");
    std::fs::write(&file, format!("{text}\nA changed line.\n")).expect("writable");

    let view = tmp.path().join("read-only-view");
    let guard = match read_only(&index, &view) {
        Ok(g) => g,
        Err(e) => {
            cannot_run(
                "the read-only index folder check",
                &format!("it cannot make a folder read-only ({e}); as root it needs mount(8)"),
            );
            return;
        }
    };
    let target = match &guard {
        ReadOnly::Mount { .. } => view.clone(),
        ReadOnly::Chmod(dir) => dir.clone(),
    };
    // Root writes through 0555 anyway: only a mount proves the folder is read-only.
    if std::fs::write(target.join("probe"), b"x").is_ok() {
        let _ = std::fs::remove_file(target.join("probe"));
        drop(guard);
        cannot_run(
            "the read-only index folder check",
            "the folder it made read-only is still writable",
        );
        return;
    }
    let ran = kb_index(&articles, &target, &[]);
    drop(guard);
    assert_clean_failure(&ran, &target, "read-only index folder");
    assert!(
        ran.stderr.contains("Read-only file system") || ran.stderr.contains("Permission denied"),
        "the cause is named: {}",
        ran.stderr
    );
    assert_same_files(
        &indexed_files(&index),
        &before,
        "the index after the refusal",
    );
    assert_answers(&index, before.len(), "after the refusal");
    eprintln!("disk: read-only index folder -> {}", ran.stderr.trim());
}

/// A deployment may ship the index on a read-only volume (a container image, a ro mount):
/// searching must not need to write. tantivy's reader takes its meta lock by creating
/// `.tantivy-meta.lock`, which fails there; `kb search` used to report that as "another
/// writer holds the index" (`ReadDirectory` now grants the lock on a read-only volume). The
/// read-only view must answer as the index itself does.
#[test]
fn a_read_only_index_can_be_searched() {
    let tmp = TempDir::new().expect("a temporary folder");
    let index = tmp.path().join("index");
    let built = kb_index(&sample_articles(), &index, &["--quiet"]);
    assert!(built.status.success(), "{}", built.stderr);
    if euid() != Some(0) {
        cannot_run(
            "searching a read-only index",
            "it needs root, to make a read-only bind mount (chmod does not stop tantivy's \
             reader from reading, so only a mount shows the failure)",
        );
        return;
    }
    let view = tmp.path().join("read-only-view");
    let _guard = match read_only(&index, &view) {
        Ok(mount @ ReadOnly::Mount { .. }) => mount,
        Ok(ReadOnly::Chmod(_)) => unreachable!("root makes a mount"),
        Err(e) => {
            cannot_run(
                "searching a read-only index",
                &format!("it cannot make a read-only bind mount: {e}"),
            );
            return;
        }
    };
    let search = |dir: &Path| {
        let mut cmd = kb();
        cmd.arg("search")
            .arg("--index")
            .arg(dir)
            .args(["--json", "--limit", "100", SAMPLE_TITLE]);
        let ran = run(&mut cmd, "kb search");
        assert!(
            ran.status.success(),
            "kb search on {}: {}",
            dir.display(),
            ran.stderr
        );
        let resp: serde_json::Value =
            serde_json::from_str(&ran.stdout).expect("kb search --json prints a response");
        let paths: Vec<String> = resp["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|h| h["path"].as_str().expect("a path").to_owned())
            .collect();
        (resp["total"].as_u64().expect("a total"), paths)
    };
    let (total, paths) = search(&view);
    assert_eq!(
        paths.first().map(String::as_str),
        Some(SAMPLE_PATH),
        "searching {SAMPLE_TITLE:?} on the read-only view finds {SAMPLE_PATH} first: {paths:?}"
    );
    assert_eq!(
        (total, paths),
        search(&index),
        "the read-only view answers as the index does"
    );
}

/// Builds the 54-article sample index on a fresh 8 MB tmpfs under `tmp`; `None` (when
/// [`cannot_run`] lets the test skip) where no tmpfs can be mounted.
fn small_disk(tmp: &Path, what: &str) -> Option<(Mount, std::path::PathBuf)> {
    if euid() != Some(0) {
        cannot_run(what, "it needs root, to mount a small tmpfs that fills up");
        return None;
    }
    let mnt = tmp.join("small-disk");
    std::fs::create_dir_all(&mnt).expect("the mount point can be made");
    let mount = match Mount::tmpfs(&mnt, "8m") {
        Ok(m) => m,
        Err(e) => {
            cannot_run(what, &format!("it cannot mount a tmpfs as root: {e}"));
            return None;
        }
    };
    let index = mnt.join("index");
    let built = kb_index(&sample_articles(), &index, &["--quiet"]);
    assert!(built.status.success(), "the small index: {}", built.stderr);
    Some((mount, index))
}

#[test]
fn a_disk_that_fills_up_during_index_fails_cleanly_and_keeps_the_previous_index() {
    let tmp = TempDir::new().expect("a temporary folder");
    let Some((_mount, index)) = small_disk(tmp.path(), "the full-disk check") else {
        return;
    };
    let before = indexed_files(&index);
    let used_before = dir_bytes(&index);

    // The real corpus needs ~22 MB of index: it cannot fit in 8 MB.
    let ran = kb_index(&corpus_dir(), &index, &["--full"]);
    assert_clean_failure(&ran, &index, "full disk");
    assert_same_files(
        &indexed_files(&index),
        &before,
        "the index after the failure",
    );
    assert_answers(&index, before.len(), "after the failure");
    eprintln!(
        "disk: full disk after {:.2} s -> {}; index folder {:.1} MB before, {:.1} MB after",
        ran.elapsed.as_secs_f64(),
        ran.stderr.trim(),
        used_before as f64 / 1e6,
        dir_bytes(&index) as f64 / 1e6
    );
}

/// The message of a full disk says so. Which tantivy thread meets the error first varies
/// from run to run; about one run in three used to say only "An index writer was killed.. A
/// worker thread encountered an error (io::Error most likely) or panicked.", which tells a
/// user nothing about the disk, until the writer looked for the real cause
/// (`Indexer::recover`). Six runs, so that a regression shows almost every time.
#[test]
fn a_full_disk_is_reported_as_no_space() {
    let mut messages = Vec::new();
    for _ in 0..6 {
        let tmp = TempDir::new().expect("a temporary folder");
        let Some((_mount, index)) = small_disk(tmp.path(), "the full-disk message check") else {
            return;
        };
        let ran = kb_index(&corpus_dir(), &index, &["--full"]);
        assert!(!ran.status.success());
        messages.push(ran.stderr.trim().to_owned());
    }
    let vague: Vec<&String> = messages
        .iter()
        .filter(|m| !m.contains("No space left on device"))
        .collect();
    assert!(
        vague.is_empty(),
        "{} of {} runs do not name the cause: {vague:#?}",
        vague.len(),
        messages.len()
    );
}

/// After a run fails for space, the segment files it wrote are removed (by the failed run, or
/// by the next one when the writer opens), so that the next run with a small change
/// succeeds. They used to stay: the disk stayed full, and every later run that had anything
/// to write failed the same way until someone deleted files by hand.
#[test]
fn after_a_full_disk_the_next_small_run_succeeds() {
    let tmp = TempDir::new().expect("a temporary folder");
    let articles = tmp.path().join("articles");
    copy_tree(&sample_articles(), &articles);
    let Some((_mount, index)) = small_disk(tmp.path(), "the full-disk recovery check") else {
        return;
    };
    let before = dir_bytes(&index);
    let ran = kb_index(&corpus_dir(), &index, &["--full"]);
    assert!(!ran.status.success());
    let after_failure = dir_bytes(&index);
    let file = articles.join(SAMPLE_PATH);
    let text = std::fs::read_to_string(&file).expect("readable");
    std::fs::write(&file, format!("{text}\nA changed line.\n")).expect("writable");
    let next = kb_index(&articles, &index, &[]);
    eprintln!(
        "disk: index folder {:.2} MB before, {:.2} MB after the failed run; next run: {} {}",
        before as f64 / 1e6,
        after_failure as f64 / 1e6,
        next.status,
        next.stderr.trim()
    );
    assert!(
        next.status.success(),
        "a one-article change after a failed run: {}",
        next.stderr
    );
}

/// `{err:#}` prints each cause after its context, so an error that both shows its source in
/// its own message and returns it as `source()` prints it twice (`cannot use index directory
/// X: Not a directory (os error 20): Not a directory (os error 20)`, as the index errors
/// did). The style guide asks for the error chain once.
#[test]
fn an_error_names_its_cause_once() {
    let tmp = TempDir::new().expect("a temporary folder");
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "not a folder").expect("written");
    let ran = kb_index(&sample_articles(), &file.join("index"), &[]);
    assert_eq!(
        ran.stderr.matches("Not a directory").count(),
        1,
        "{}",
        ran.stderr
    );
}
