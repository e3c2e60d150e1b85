//! What every test binary shares (as zola's `tests/common/` does): where the sample articles
//! and the shared corpus are, running `kb` with a bound on every wait, what an index holds,
//! requests to the app in-process, a seeded generator, and the one rule for a test that
//! cannot run its subject here.
//!
//! Each test binary declares `mod common;` and uses the part it needs.

// Every test binary compiles all of this and uses a part of it.
#![allow(dead_code)]

pub mod articles;
pub mod index;
pub mod rng;
pub mod run;
pub mod web;

use std::path::{Path, PathBuf};

/// The crate root: `articles/` and `tests/fixtures/` are found from here, and `kb` runs here.
pub fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The project's sample articles.
pub fn sample_articles() -> PathBuf {
    crate_root().join("articles")
}

/// A folder under `tests/fixtures/`.
pub fn fixtures(rel: &str) -> PathBuf {
    crate_root().join("tests/fixtures").join(rel)
}

/// The shared data (the real corpus and the ground-truth queries): `$KB_SHARED`, resolved
/// against the crate root when relative, else `../shared` next to the crate. The one rule
/// every suite that needs it follows.
pub fn shared() -> PathBuf {
    match std::env::var_os("KB_SHARED") {
        Some(dir) => crate_root().join(dir),
        None => crate_root().join("../shared"),
    }
}

/// The real corpus (read-only; never copied into the repository). A test that needs it fails
/// here, naming where it looked, when it is missing.
pub fn corpus_dir() -> PathBuf {
    let dir = shared().join("corpus/articles");
    assert!(
        dir.is_dir(),
        "this test needs the real corpus at {} (set KB_SHARED to the folder that holds \
         corpus/ and queries/)",
        dir.display()
    );
    dir
}

/// The ground-truth query sets of the shared data.
pub fn queries_dir() -> PathBuf {
    let dir = shared().join("queries");
    assert!(
        dir.is_dir(),
        "this test needs the query sets at {} (set KB_SHARED)",
        dir.display()
    );
    dir
}

/// What `kb check` reports for `tests/fixtures/invalid`: `(path, line, code)`, sorted as the
/// report sorts them. `crlf-bom.md` is clean once decoded, and `notes.txt` is not an article.
/// The CLI and the health page must both show exactly these.
pub const INVALID_PROBLEMS: &[(&str, usize, &str)] = &[
    ("bad-utf8.md", 13, "invalid-utf8"),
    ("duplicate-id-one.md", 6, "duplicate-article-id"),
    ("more/duplicate-id-two.md", 6, "duplicate-article-id"),
    ("no-properties.md", 1, "no-properties"),
    ("raw-ampersand.md", 1, "malformed-properties"),
    ("unpaired-marker.md", 13, "unpaired-marker"),
];

/// The codes of [`INVALID_PROBLEMS`] that are errors; the others are warnings.
pub const ERROR_CODES: &[&str] = &["no-properties", "duplicate-article-id"];

/// The variable that lets a run outside CI skip, out loud, the tests whose subject needs
/// what the machine lacks (root and a working `mount`). `.ci/run` refuses to run with it set.
pub const SKIP_VAR: &str = "KB_SKIP_ROOT_TESTS";

/// For a test that cannot run its subject here: it fails, saying `why`, unless [`SKIP_VAR`]
/// is `1`; then it says loudly that it skips, and the caller returns. A test never passes
/// without having tested what its name says.
pub fn cannot_run(what: &str, why: &str) {
    if std::env::var_os(SKIP_VAR).is_some_and(|v| v == "1") {
        eprintln!("\n!!! SKIPPED ({SKIP_VAR}=1): {what}: {why}\n");
        return;
    }
    panic!(
        "{what} cannot run here: {why}. Run the suite as root on a machine where mount(8) \
         works, as CI does; outside CI, {SKIP_VAR}=1 turns this failure into an explicit skip."
    );
}
