//! Part 6, crash points: `kb` killed at each phase of a commit on purpose, not at a moment
//! that a sleep happens to hit. With `KB_FAILPOINT` set (a build with the `failpoints`
//! feature, which the reliability suite turns on), `kb` sends itself SIGKILL at the named
//! point (`src/index/failpoint.rs`). Each test checks that the point was reached (the child
//! died of SIGKILL after saying so), that the index opens and answers with the commit the
//! point lies after (the previous commit while the new one is not written, the new one once
//! `meta.json` names it), and that the next `kb index` ends equal to a fresh build, with no
//! file left that no commit refers to.
//!
//! The articles are the project's samples: commit A holds them, the run that is killed
//! brings the index to B, which edits three of them (with a word no other article has),
//! deletes one and adds one.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use tempfile::TempDir;

use crate::support::*;

/// The word B's edited and added articles carry, and no article of A.
const WORD: &str = "quokkafailpointword";
/// The articles B edits, removes and adds.
const EDITED: [&str; 3] = [
    "microsoft.compute.virtualmachines/vm-rca-host-reboot.md",
    "microsoft.sql.servers/sql-connectivity-troubleshooting.md",
    "microsoft.storage/storage-diagnostics-throttling.md",
];
const REMOVED: &str = "microsoft.web.sites/appservice-custom-domain-tls.md";
const ADDED: &str = "crash-points/added.md";

/// A folder of articles and an index of it, for one test.
struct Setup {
    tmp: TempDir,
    articles: std::path::PathBuf,
    index: std::path::PathBuf,
}

impl Setup {
    /// Commit A: an index of the sample articles (those `keep` selects), built by `kb index`.
    fn commit_a(keep: impl Fn(usize) -> bool) -> (Setup, Snapshot) {
        let tmp = TempDir::new().expect("a temporary folder");
        let articles = tmp.path().join("articles");
        let index = tmp.path().join("index");
        let samples = sample_articles();
        for (i, rel) in crate::common::index::md_files(&samples).iter().enumerate() {
            if keep(i) {
                crate::common::articles::copy_file(&samples, &articles, rel);
            }
        }
        kb_index(&articles, &index, &["--quiet"]).assert_success("commit A");
        let setup = Setup {
            tmp,
            articles,
            index,
        };
        let a = setup.snapshot("A");
        assert_eq!(
            a.files,
            disk_files(&setup.articles),
            "commit A holds the folder"
        );
        (setup, a)
    }

    /// Changes the articles folder to what commit B holds: three articles edited, one removed,
    /// one added.
    fn change_to_b(&self) {
        for rel in EDITED {
            let file = self.articles.join(rel);
            let text = std::fs::read_to_string(&file).expect("the article reads");
            std::fs::write(&file, format!("{text}\nEdited for commit B: {WORD}.\n"))
                .expect("the article is written");
        }
        std::fs::remove_file(self.articles.join(REMOVED)).expect("the article is removed");
        write_file(
            &self.articles,
            ADDED,
            &crate::common::articles::article_source(
                "Added for commit B",
                "crash-points-added",
                &format!("This article carries {WORD} too."),
            ),
        );
    }

    fn snapshot(&self, name: &'static str) -> Snapshot {
        Snapshot {
            name,
            commit: commit_of(&self.index),
            files: indexed_files(&self.index),
        }
    }
}

/// What an index held at one commit.
#[derive(Debug, Clone)]
struct Snapshot {
    name: &'static str,
    commit: Commit,
    files: BTreeMap<String, String>,
}

/// `kb <args>` with the failpoint `point` (`name@n`) armed; asserts that it was reached.
fn killed_at(point: &str, args: &[&str], articles: &Path, index: &Path) -> Ran {
    let mut cmd = kb();
    cmd.args(args)
        .arg("--articles")
        .arg(articles)
        .arg("--index")
        .arg(index)
        .env("KB_FAILPOINT", point);
    let ran = run(&mut cmd, "kb with a failpoint");
    assert_killed_at(ran.status, &ran.stderr, point);
    ran
}

/// After the kill at `point`: the index opens and answers with commit A or B (`new` says
/// which), by its files, its `meta.json` and a search for [`WORD`]; then `kb index` brings
/// it to the folder's state, equal to a fresh build, with no unreferenced file left. Prints
/// what it saw.
fn assert_recovers(setup: &Setup, point: &str, a: &Snapshot, b: &Snapshot, new: bool) {
    let expected = if new { b } else { a };
    let now = setup.snapshot("after the kill");
    let left = stray_files(&setup.index).len();
    let answered = [a, b]
        .into_iter()
        .find(|s| s.files == now.files)
        .map_or("neither", |s| s.name);
    assert_same_files(
        &now.files,
        &expected.files,
        &format!(
            "{point}: the index after the kill should answer with commit {}",
            expected.name
        ),
    );
    assert_eq!(
        now.commit, expected.commit,
        "{point}: meta.json after the kill names another commit than {}",
        expected.name
    );
    let searcher = open_searcher(&setup.index);
    assert_eq!(
        browse_total(&searcher),
        expected.files.len(),
        "{point}: browse"
    );
    let mut with_word: Vec<String> = if new {
        expected
            .files
            .keys()
            .filter(|p| EDITED.contains(&p.as_str()) || p.as_str() == ADDED)
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    with_word.sort();
    let mut found = hit_paths(&searcher, WORD);
    found.sort();
    assert_eq!(found, with_word, "{point}: searching {WORD:?}");
    drop(searcher);

    // The next run, as a user would start it.
    kb_index(&setup.articles, &setup.index, &["--quiet"])
        .assert_success(&format!("{point}: kb index after the kill"));
    let recovered = indexed_files(&setup.index);
    assert_same_files(
        &recovered,
        &disk_files(&setup.articles),
        &format!("{point}: after the next run"),
    );
    let fresh_dir = setup.tmp.path().join("fresh");
    kb_index(&setup.articles, &fresh_dir, &["--quiet"]).assert_success("a fresh build");
    assert_same_files(
        &recovered,
        &indexed_files(&fresh_dir),
        &format!("{point}: recovered vs a fresh build"),
    );
    let stray = stray_files(&setup.index);
    assert!(
        stray.is_empty(),
        "{point}: files of segments no commit names are left after the recovery: {stray:?}"
    );
    let b_opstamp = if b.commit == a.commit {
        "not committed".to_owned()
    } else {
        format!("opstamp {}", b.commit.opstamp)
    };
    eprintln!(
        "crash points: {point}: the index answered with commit {answered} (opstamp {}, {} \
         articles; A: opstamp {}, B: {b_opstamp}), {left} files of uncommitted or dropped \
         segments beside it; the next kb index ended equal to a fresh build ({} articles), \
         none of those files left",
        now.commit.opstamp,
        now.files.len(),
        a.commit.opstamp,
        recovered.len()
    );
}

/// The files in `dir` of segments that `meta.json` does not name: what a crash left and a
/// recovery must collect.
fn stray_files(dir: &Path) -> Vec<String> {
    let live: Vec<String> = commit_of(dir)
        .segments
        .iter()
        .map(|s| s.replace('-', ""))
        .collect();
    let mut stray = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the index folder lists") {
        let name = entry
            .expect("an entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let Some((stem, _)) = name.split_once('.') else {
            continue;
        };
        let is_segment_file = stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit());
        if is_segment_file && !live.iter().any(|id| id == stem) {
            stray.push(name);
        }
    }
    stray.sort();
    stray
}

/// A `kb index --full` from A to B, killed at `point`; `committed` says whether the point lies
/// after B's `meta.json`.
fn full_run_killed_at(point: &str, committed: bool) {
    let (setup, a) = Setup::commit_a(|_| true);
    setup.change_to_b();
    // What B holds, from a build of the same folder elsewhere.
    let b_dir = setup.tmp.path().join("b");
    kb_index(&setup.articles, &b_dir, &["--quiet"]).assert_success("B elsewhere");
    let b_files = indexed_files(&b_dir);
    killed_at(
        point,
        &["index", "--full", "--quiet"],
        &setup.articles,
        &setup.index,
    );
    let b = Snapshot {
        name: "B",
        commit: if committed {
            commit_of(&setup.index)
        } else {
            a.commit.clone()
        },
        files: b_files,
    };
    if committed {
        assert_ne!(b.commit, a.commit, "{point}: B was committed");
    }
    assert_recovers(&setup, point, &a, &b, committed);
}

#[test]
fn killed_after_the_segments_are_written_the_previous_commit_answers() {
    full_run_killed_at("segment-written@1", false);
}

#[test]
fn killed_before_meta_json_the_previous_commit_answers() {
    full_run_killed_at("before-meta@1", false);
}

#[test]
fn killed_after_meta_json_the_new_commit_answers() {
    full_run_killed_at("after-meta@1", true);
}

/// The garbage collection after B's commit deletes A's segment (all of its documents were
/// replaced); killed after its first deletion.
#[test]
fn killed_during_garbage_collection_the_new_commit_answers() {
    full_run_killed_at("gc@1", true);
}

/// `kb index` merges all segments when a run added more than half the articles: commit A
/// holds a third of the samples, B all of them (edits included), and the merge of A's
/// segment with B's is killed after its first file.
#[test]
fn killed_during_a_merge_the_commit_before_it_answers() {
    let (setup, a) = Setup::commit_a(|i| i % 3 == 0);
    for rel in crate::common::index::md_files(&sample_articles()) {
        if !setup.articles.join(&rel).is_file() {
            crate::common::articles::copy_file(&sample_articles(), &setup.articles, &rel);
        }
    }
    setup.change_to_b();
    let ran = killed_at(
        "merge@1",
        &["index", "--json"],
        &setup.articles,
        &setup.index,
    );
    assert_eq!(ran.stdout, "", "killed before its report");
    let b = Snapshot {
        name: "B",
        commit: commit_of(&setup.index),
        files: disk_files(&setup.articles),
    };
    assert_ne!(b.commit, a.commit, "B was committed before the merge");
    assert!(
        b.commit.segments.len() > 1,
        "the merge had more than one segment to merge: {:?}",
        b.commit
    );
    assert_recovers(&setup, "merge@1", &a, &b, true);
}

/// `kb serve --watch` over commit A; an article changes, and the commit the watcher makes of
/// it is killed between the new segment's files and `meta.json`.
#[test]
fn killed_during_a_watch_triggered_commit_the_previous_commit_answers() {
    let (setup, a) = Setup::commit_a(|_| true);
    let mut server = Server::start_with_env(
        &setup.articles,
        &setup.index,
        true,
        "warn",
        setup.tmp.path(),
        Duration::from_secs(60),
        &[("KB_FAILPOINT", "watch-commit@1")],
    );
    // Serving without a commit of its own: the index was up to date.
    assert_eq!(
        commit_of(&setup.index),
        a.commit,
        "kb serve committed at start"
    );
    let rel = EDITED[0];
    let file = setup.articles.join(rel);
    let text = std::fs::read_to_string(&file).expect("the article reads");
    std::fs::write(
        &file,
        format!("{text}\nEdited under the watcher: {WORD}.\n"),
    )
    .expect("the article is written");
    let status = server.wait_exit(Duration::from_secs(60));
    assert_killed_at(status, &server.stderr(), "watch-commit@1");
    drop(server);
    let b = Snapshot {
        name: "B",
        commit: a.commit.clone(),
        files: disk_files(&setup.articles),
    };
    assert_recovers(&setup, "watch-commit@1", &a, &b, false);
    // The next run found the edit the watcher's commit lost: the word is where it was written.
    let searcher = open_searcher(&setup.index);
    assert_eq!(hit_paths(&searcher, WORD), [rel]);
}
