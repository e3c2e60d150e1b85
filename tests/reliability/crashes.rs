//! Part 1, crashes: `kb index --full` of the real corpus killed with SIGKILL at 20 moments
//! spread over the build, on top of a committed index of the same corpus. The writer's
//! promise (`src/index/writer.rs`) is that a commit replaces `meta.json` atomically, so a
//! `kill -9` at any moment leaves the previous commit as the index. Checked after each kill:
//! the index opens and answers, and the next `kb index` ends equal to a fresh build. The
//! moments come from a clock, so the test also counts, from the `meta.json` each kill left,
//! how many landed before the run's commit, and fails when too few did: the phases of the
//! commit itself are hit on purpose by part 6 (`crash_points`).

use selfhelp_kb::index::KbIndex;
use selfhelp_kb::search::lookup;
use tempfile::TempDir;

use crate::support::*;

const KILLS: usize = 20;
/// Of the [`KILLS`], how many must land before the killed run's commit. Parsing and adding
/// take most of a build (the commit and what follows it the last tenth or so), so about 17
/// do; half is the bound, so that a slow moment of the machine does not fail the test but a
/// test whose kills all come too late does.
const KILLED_BEFORE_COMMIT: usize = KILLS / 2;
const SEED: u64 = 0x6b62_2d63_7261_7368;

/// Articles whose title, searched for, finds them: picked from the fresh build so that the
/// check after each kill does not depend on how titles rank against each other.
fn known_titles(dir: &std::path::Path, paths: &[&String], rng: &mut Rng) -> Vec<(String, String)> {
    let index = KbIndex::open(dir).expect("the fresh index opens");
    let searcher = open_searcher(dir);
    let mut out = Vec::new();
    for _ in 0..200 {
        if out.len() == 5 {
            break;
        }
        let path = rng.pick(paths);
        let stored = lookup::article(&index, path)
            .expect("look-up works")
            .expect("an indexed path is found");
        let title = stored.meta.title;
        if title.split_whitespace().count() >= 2 && hit_paths(&searcher, &title).contains(path) {
            out.push((title, (*path).clone()));
        }
    }
    assert!(out.len() >= 3, "too few titles find their article: {out:?}");
    out
}

/// What one kill left and what the run after it did.
#[derive(Debug)]
struct KillRecord {
    delay_ms: u64,
    /// The build had already ended when the kill came.
    ended: bool,
    /// `meta.json` still named the commit before the killed run.
    before_commit: bool,
    leftover_bytes: u64,
    recovery_ms: u128,
    recovered_bytes: u64,
}

#[test]
fn sigkill_during_a_full_build_keeps_the_previous_index_and_the_next_run_recovers() {
    let corpus = corpus_dir();
    let tmp = TempDir::new().expect("a temporary folder");
    let index = tmp.path().join("index");

    // The committed index every kill starts from, and the reference a recovery must equal.
    let first = kb_index(&corpus, &index, &["--full", "--quiet"]);
    assert!(first.status.success(), "first build: {}", first.stderr);
    let expected = indexed_files(&index);
    assert_same_files(&expected, &disk_files(&corpus), "fresh build vs the corpus");
    let fresh_bytes = dir_bytes(&index);
    let mut rng = Rng::new(SEED);
    let paths: Vec<&String> = expected.keys().collect();
    let known = known_titles(&index, &paths, &mut rng);

    // The duration to spread the kills over: a whole `kb index --full` run as a child,
    // start-up, merge and exit included.
    let timed = kb_index(&corpus, &index, &["--full", "--quiet"]);
    assert!(timed.status.success(), "timed build: {}", timed.stderr);
    // The shorter of the two builds: a build slowed by other work on the machine would put
    // the late kills after the end.
    let build = timed.elapsed.min(first.elapsed);
    eprintln!(
        "crashes: {} articles, full build {:.2} s, index {:.1} MB, known titles {:?}",
        expected.len(),
        build.as_secs_f64(),
        fresh_bytes as f64 / 1e6,
        known.iter().map(|(t, _)| t).collect::<Vec<_>>()
    );

    let mut records = Vec::new();
    for i in 0..KILLS {
        let committed = commit_of(&index);
        // Stratified: one moment at random in each twentieth of the build, so that every
        // phase (listing, parsing, adding, commit, merge, clean-up) gets its kills.
        let delay = build.mul_f64((i as f64 + rng.unit()) / KILLS as f64);
        let mut cmd = kb();
        cmd.arg("index")
            .arg("--articles")
            .arg(&corpus)
            .arg("--index")
            .arg(&index)
            .args(["--full", "--quiet"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = ChildGuard::spawn(&mut cmd, "kb index --full");
        std::thread::sleep(delay);
        let ended = child.try_wait().is_some();
        child.kill();
        let leftover_bytes = dir_bytes(&index);
        // Same articles, same hashes: only the commit tells whether the run got that far.
        let before_commit = commit_of(&index) == committed;

        // The index as the kill left it opens and answers.
        let searcher = open_searcher(&index);
        assert_eq!(
            browse_total(&searcher),
            expected.len(),
            "kill {i} at {delay:?}: browsing counts every article"
        );
        for (title, path) in &known {
            assert!(
                hit_paths(&searcher, title).contains(path),
                "kill {i} at {delay:?}: searching {title:?} finds {path}"
            );
        }
        drop(searcher);

        // The next run (incremental, as a user would run it) ends equal to a fresh build.
        let next = kb_index(&corpus, &index, &["--json"]);
        assert!(
            next.status.success(),
            "kill {i} at {delay:?}: the next kb index failed: {}",
            next.stderr
        );
        let report: serde_json::Value =
            serde_json::from_str(&next.stdout).expect("kb index --json prints a report");
        assert_eq!(
            report["articles"].as_u64(),
            Some(expected.len() as u64),
            "kill {i}: the report's article count"
        );
        assert_same_files(
            &indexed_files(&index),
            &expected,
            &format!("kill {i} at {delay:?}, then kb index"),
        );
        records.push(KillRecord {
            delay_ms: delay.as_millis() as u64,
            ended,
            before_commit,
            leftover_bytes,
            recovery_ms: next.elapsed.as_millis(),
            recovered_bytes: dir_bytes(&index),
        });
    }

    for r in &records {
        eprintln!(
            "crashes: kill at {:>5} ms{}: index dir {:>5.1} MB after the kill, next run {:>4} \
             ms, {:>5.1} MB after it",
            r.delay_ms,
            if r.ended {
                " (build had ended)"
            } else if r.before_commit {
                " (before the commit)"
            } else {
                " (after the commit)"
            },
            r.leftover_bytes as f64 / 1e6,
            r.recovery_ms,
            r.recovered_bytes as f64 / 1e6
        );
    }
    let max_left = records.iter().map(|r| r.recovered_bytes).max().unwrap_or(0);
    let before = records.iter().filter(|r| r.before_commit).count();
    eprintln!(
        "crashes: {KILLS} kills, {before} before the run's commit, {} before the build ended; \
         every time the index opened with {} articles and the next run equalled a fresh \
         build; largest index dir after a recovery {:.1} MB (fresh {:.1} MB)",
        records.iter().filter(|r| !r.ended).count(),
        expected.len(),
        max_left as f64 / 1e6,
        fresh_bytes as f64 / 1e6
    );
    assert!(
        before >= KILLED_BEFORE_COMMIT,
        "only {before} of {KILLS} kills landed before the run's commit (at least \
         {KILLED_BEFORE_COMMIT} must): the test no longer tests kills during a build"
    );
}

/// Segment files a killed build wrote but never committed are garbage, and the next run
/// removes them. tantivy deletes unreferenced files only when a writer commits or merges,
/// and an incremental `kb index` that finds nothing changed does not commit: each crash used
/// to leave tens of megabytes that piled up (on a small disk, until the next build failed for
/// space), until the writer collected garbage when it opens. The kill comes at the
/// `segment-written` crash point, when the new segment is whole and not committed: the most
/// a crash can leave.
#[test]
fn files_left_by_a_killed_build_are_removed_by_the_next_run() {
    let corpus = corpus_dir();
    let tmp = TempDir::new().expect("a temporary folder");
    let index = tmp.path().join("index");
    let first = kb_index(&corpus, &index, &["--full", "--quiet"]);
    assert!(first.status.success(), "first build: {}", first.stderr);
    let fresh_bytes = dir_bytes(&index);

    let mut cmd = kb();
    cmd.arg("index")
        .arg("--articles")
        .arg(&corpus)
        .arg("--index")
        .arg(&index)
        .args(["--full", "--quiet"])
        .env("KB_FAILPOINT", "segment-written@1");
    let killed = run(&mut cmd, "kb index --full killed at segment-written");
    assert_killed_at(killed.status, &killed.stderr, "segment-written@1");
    let leftover = dir_bytes(&index);
    // The killed run wrote a whole segment of the corpus next to the committed one.
    assert!(
        leftover > fresh_bytes + fresh_bytes / 2,
        "the killed build left {:.1} MB in the index folder, a fresh index takes {:.1} MB: \
         no garbage to collect",
        leftover as f64 / 1e6,
        fresh_bytes as f64 / 1e6
    );
    let next = kb_index(&corpus, &index, &["--quiet"]);
    assert!(next.status.success(), "the next run: {}", next.stderr);
    let after = dir_bytes(&index);
    eprintln!(
        "crash garbage: fresh {:.1} MB, after the kill {:.1} MB, after the next run {:.1} MB",
        fresh_bytes as f64 / 1e6,
        leftover as f64 / 1e6,
        after as f64 / 1e6
    );
    assert!(
        after <= fresh_bytes + fresh_bytes / 10,
        "the next run left {:.1} MB in the index folder; a fresh index takes {:.1} MB",
        after as f64 / 1e6,
        fresh_bytes as f64 / 1e6
    );
}
