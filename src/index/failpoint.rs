//! Crash points in the index writer, for the tests that kill it at each phase of a commit.
//!
//! A `kill -9` at a random moment mostly lands while articles are parsed; the moments that
//! decide whether a crash is harmless (between a segment's files and the commit, around the
//! write of `meta.json`, inside a merge or a garbage collection) last milliseconds and are
//! rarely hit. With the `failpoints` feature, `KB_FAILPOINT=<point>` (or `<point>@<n>`, the
//! n-th time it is reached; the first by default) makes the process print
//! `kb: failpoint <point>@<n> reached: killing the process` to standard error and send
//! itself SIGKILL there, so a test chooses the moment. Without the feature (every normal
//! build) [`hit`] is an empty function and the variable means nothing.
//!
//! The points, in the order a commit reaches them:
//!
//! - `segment-written`: `Indexer::sync` has written the files of every new segment
//!   (`prepare_commit`); nothing of the commit is written yet.
//! - `watch-commit`: the same moment in a commit of `Indexer::sync_paths`, the one a file
//!   watcher triggers.
//! - `before-meta`: deletes are written, the file system is flushed, `meta.json` is not
//!   replaced yet.
//! - `after-meta`: `meta.json` names the new commit; its garbage collection has not run.
//! - `gc`: a garbage collection has deleted one file no commit refers to (tantivy's, after
//!   a commit or a merge, and ours when the writer opens).
//! - `merge`: a merge thread has finished one file of the merged segment; the others are
//!   being written and `meta.json` does not name it.

/// Where a test may kill the process; see the module documentation for the points.
#[cfg(feature = "failpoints")]
pub(crate) fn hit(point: &str) {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// The point named by `KB_FAILPOINT`, the hit that kills, and the hits so far.
    static ARMED: OnceLock<Option<(String, usize, AtomicUsize)>> = OnceLock::new();
    let armed = ARMED.get_or_init(|| {
        let spec = std::env::var("KB_FAILPOINT").ok()?;
        let (name, nth) = match spec.split_once('@') {
            Some((name, n)) => (name, n.parse().ok().filter(|&n| n > 0)?),
            None => (spec.as_str(), 1),
        };
        Some((name.to_owned(), nth, AtomicUsize::new(0)))
    });
    let Some((name, nth, hits)) = armed else {
        return;
    };
    if name != point || hits.fetch_add(1, Ordering::SeqCst) + 1 != *nth {
        return;
    }
    // Printed, not logged: the tests read this line to know the point was reached, whatever
    // the log filter.
    eprintln!("kb: failpoint {point}@{nth} reached: killing the process");
    let killed =
        rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
    // SIGKILL cannot be caught, so only a failed `kill(2)` gets here.
    eprintln!("kb: failpoint {point}: SIGKILL failed ({killed:?}); aborting");
    std::process::abort();
}

/// Where a test may kill the process; nothing in a build without the `failpoints` feature.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub(crate) fn hit(_point: &str) {}

/// [`hit`] of `merge`, on one of tantivy's merge threads only (it names them
/// `merge_thread_<i>`): what tells a file of a merged segment from one of a new segment.
#[cfg(feature = "failpoints")]
pub(crate) fn hit_in_merge() {
    let merging = std::thread::current()
        .name()
        .is_some_and(|n| n.starts_with("merge_thread"));
    if merging {
        hit("merge");
    }
}

/// [`hit`] of `merge`; nothing in a build without the `failpoints` feature.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub(crate) fn hit_in_merge() {}
