//! Fuzzing the whole pipeline, kept as tests (issue 13): articles generated from the
//! grammar's pieces, our own sample articles damaged byte by byte, and file names of every
//! awkward kind, each through parse, index, render and every route of the app, with the
//! invariants of [`pipeline`].
//!
//! `cargo test` runs a few thousand articles (`KB_FUZZ_CASES` proptest cases per
//! strategy, several articles each). The long run, a million articles in a release build
//! with every answer held to a second (README):
//!
//! ```sh
//! KB_FUZZ_CASES=100000 KB_FUZZ_MAX_MS=1000 cargo test --release --test fuzz -- --nocapture
//! ```

#[path = "fuzz/generate.rs"]
mod generate;
#[path = "fuzz/pipeline.rs"]
mod pipeline;

use std::path::Path;
use std::sync::atomic::Ordering;

use pipeline::{Input, cases, run};
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestCaseError, TestRunner};

/// Runs `cases` folders made by `strategy` through the pipeline, then says how many
/// articles that was and the slowest answer, for CI's log.
fn fuzz<S: Strategy>(what: &str, strategy: S, inputs: impl Fn(S::Value) -> Vec<Input>) {
    let mut runner = TestRunner::new(ProptestConfig {
        cases: cases(200),
        max_shrink_iters: 200,
        // Failures are kept in tests/fuzz.proptest-regressions and tried first.
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    });
    let before = pipeline::ARTICLES.load(Ordering::Relaxed);
    let result = runner.run(&strategy, |value| {
        run(&inputs(value)).map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{what}: {e}");
    }
    println!(
        "{what}: {} cases, {} articles, slowest answer {:.1} ms",
        cases(200),
        pipeline::ARTICLES.load(Ordering::Relaxed) - before,
        pipeline::SLOWEST_US.load(Ordering::Relaxed) as f64 / 1000.0
    );
}

/// Articles made from the grammar's pieces, a folder of up to 16 at a time.
#[test]
fn generated_articles_keep_every_invariant() {
    let folder = (1..=16usize).prop_flat_map(|n| (0..n).map(generate::article).collect::<Vec<_>>());
    fuzz("generated", folder, |articles| {
        articles
            .into_iter()
            .enumerate()
            .map(|(i, g)| Input {
                name: format!("generated-{i}.md").into_bytes(),
                bytes: g.bytes,
                words: g.words,
            })
            .collect()
    });
}

/// Our own articles: the samples and the test fixtures.
fn own_articles() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["articles", "tests/fixtures"] {
        for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
            let entry = entry.expect("a readable entry");
            if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "md") {
                out.push(std::fs::read(entry.path()).expect("readable"));
            }
        }
    }
    out
}

/// One way to damage an article's bytes.
#[derive(Debug, Clone)]
enum Damage {
    Flip { at: usize, byte: u8 },
    Insert { at: usize, bytes: Vec<u8> },
    Delete { at: usize, len: usize },
    Repeat { at: usize, len: usize },
    Truncate { at: usize },
}

fn damage() -> impl Strategy<Value = Damage> {
    const PIECES: &[&[u8]] = &[
        b"<!--",
        b"-->",
        b"--!>",
        b"<!-->",
        b"```",
        b"~~~\n",
        b"<properties ",
        b"/>",
        b"\"",
        b"'",
        b"<",
        b">",
        b"\n---\n{",
        b"}",
        b"<!--/",
        b"<!--$",
        b"<div>",
        b"</div>",
        b"<svg>",
        b"<textarea>",
        b"\xEF\xBB\xBF",
        b"\xff\xfe",
        b"\r",
        b"\0",
        "\u{E000}e9\u{E001}".as_bytes(),
        b":::",
        b"> [!",
        b"|",
        b"&#",
        b"](",
        b"\t",
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Damage::Flip { at, byte }),
        (any::<usize>(), prop::sample::select(PIECES)).prop_map(|(at, p)| Damage::Insert {
            at,
            bytes: p.to_vec()
        }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..4))
            .prop_map(|(at, bytes)| Damage::Insert { at, bytes }),
        (any::<usize>(), 1..64usize).prop_map(|(at, len)| Damage::Delete { at, len }),
        (any::<usize>(), 1..256usize).prop_map(|(at, len)| Damage::Repeat { at, len }),
        any::<usize>().prop_map(|at| Damage::Truncate { at }),
    ]
}

fn apply(bytes: &mut Vec<u8>, d: &Damage) {
    let n = bytes.len().max(1);
    match d {
        Damage::Flip { at, byte } => {
            if let Some(b) = bytes.get_mut(at % n) {
                *b = *byte;
            }
        }
        Damage::Insert { at, bytes: new } => {
            let at = (at % n).min(bytes.len());
            bytes.splice(at..at, new.iter().copied());
        }
        Damage::Delete { at, len } => {
            let at = (at % n).min(bytes.len());
            let end = (at + len).min(bytes.len());
            bytes.drain(at..end);
        }
        Damage::Repeat { at, len } => {
            let at = (at % n).min(bytes.len());
            let end = (at + len).min(bytes.len());
            let copy = bytes[at..end].to_vec();
            bytes.splice(end..end, copy);
        }
        Damage::Truncate { at } => bytes.truncate(at % n),
    }
}

/// Our own articles, each damaged in up to 12 places, a folder of up to 8 at a time.
#[test]
fn damaged_articles_keep_every_invariant() {
    let own = own_articles();
    let picks = prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(damage(), 1..12),
        ),
        1..=8,
    );
    fuzz("damaged", picks, |picks| {
        picks
            .iter()
            .enumerate()
            .map(|(i, (pick, damages))| {
                let mut bytes = pick.get(&own).clone();
                for d in damages {
                    apply(&mut bytes, d);
                }
                Input {
                    name: format!("damaged-{i}.md").into_bytes(),
                    bytes,
                    words: Vec::new(),
                }
            })
            .collect()
    });
}

/// File names of every awkward kind, in one folder with an article each.
#[test]
fn awkward_file_names_keep_every_invariant() {
    let long_stem = "é".repeat(126); // 252 bytes + ".md": the longest name ext4 takes.
    let names: Vec<Vec<u8>> = vec![
        b"plain.md".to_vec(),
        b"UPPER.MD".to_vec(),
        b"Mixed.Md".to_vec(),
        "schéma".into(),
        "éé".into(),
        "日本語の記事.md".into(),
        "with space.md".into(),
        " leading space.md".into(),
        "percent%20and#hash?.md".into(),
        "plus+and&amp.md".into(),
        format!("{long_stem}.md").into_bytes(),
        b"no-extension".to_vec(),
        b"README".to_vec(),
        b".hidden.md".to_vec(),
        b".md".to_vec(),
        b"md".to_vec(),
        b"trailing.md.".to_vec(),
        b"not-utf8-\xff\xfe.md".to_vec(),
        b"not-utf8-\xc3(".to_vec(),
    ];
    let body = |i: usize| {
        format!(
            "<properties pageTitle=\"Name {i}\" articleId=\"name-{i}\" selfHelpType=\"generic\" \
             supportTopicIds=\"32750101\"/>\n# Name {i}\n\nThe words nameword{i} here.\n\
             <!--issueDescription-->\nIssue.\n<!--/issueDescription-->\n"
        )
    };
    let inputs: Vec<Input> = names
        .into_iter()
        .enumerate()
        .map(|(i, name)| Input {
            name,
            bytes: body(i).into_bytes(),
            words: vec![format!("nameword{i}"), format!("Name {i}")],
        })
        .collect();
    run(&inputs).unwrap_or_else(|e| panic!("{e}"));

    // The commands never stop on a name either: errors are reported, not panics.
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    for input in &inputs {
        use std::os::unix::ffi::OsStrExt;
        let _ = std::fs::write(
            dir.path().join(std::ffi::OsStr::from_bytes(&input.name)),
            &input.bytes,
        );
    }
    let kb = env!("CARGO_BIN_EXE_kb");
    let index = dir.path().join("index-dir");
    for args in [
        vec![
            "check".as_ref(),
            "--articles".as_ref(),
            dir.path().as_os_str(),
        ],
        vec![
            "index".as_ref(),
            "--quiet".as_ref(),
            "--articles".as_ref(),
            dir.path().as_os_str(),
            "--index".as_ref(),
            index.as_os_str(),
        ],
        vec![
            "export".as_ref(),
            "--articles".as_ref(),
            dir.path().as_os_str(),
        ],
    ] {
        let out = std::process::Command::new(kb)
            .args(&args)
            .output()
            .expect("kb runs");
        // 1 is "errors found" (the file name that is not UTF-8); never 101, a panic.
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "kb {args:?}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
