//! This project measured through the `kb` binary: full builds and one-article updates run
//! as child processes (so the peak RSS is `kb index`'s own, not the benchmark's).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::child::{self, run_measured};
use crate::stats::median;

/// One full build.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BuildRun {
    pub seconds: f64,
    pub cpu_seconds: f64,
    pub peak_rss_mb: f64,
}

/// The medians of several full builds.
#[derive(Debug, Clone, Serialize)]
pub struct BuildStats {
    pub seconds: f64,
    pub cpu_seconds: f64,
    pub peak_rss_mb: f64,
    pub index_mb: f64,
    pub runs: Vec<BuildRun>,
}

impl BuildStats {
    pub fn from_runs(runs: Vec<BuildRun>, index_bytes: u64) -> BuildStats {
        BuildStats {
            seconds: median(&runs.iter().map(|r| r.seconds).collect::<Vec<_>>()),
            cpu_seconds: median(&runs.iter().map(|r| r.cpu_seconds).collect::<Vec<_>>()),
            peak_rss_mb: median(&runs.iter().map(|r| r.peak_rss_mb).collect::<Vec<_>>()),
            index_mb: mb(index_bytes),
            runs,
        }
    }
}

pub fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// `kb index --full` into a fresh directory: the index is built from nothing every time.
pub fn full_build(kb: &Path, articles: &Path, index: &Path, scratch: &Path) -> Result<BuildRun> {
    if index.exists() {
        std::fs::remove_dir_all(index).with_context(|| format!("removing {}", index.display()))?;
    }
    let m = run_measured(
        Command::new(kb)
            .args(["index", "--full", "--quiet", "--articles"])
            .arg(articles)
            .arg("--index")
            .arg(index),
        scratch,
        "kb index --full",
    )?;
    Ok(BuildRun {
        seconds: m.wall.as_secs_f64(),
        cpu_seconds: m.cpu,
        peak_rss_mb: m.peak_rss_kb as f64 / 1024.0,
    })
}

/// Incremental update of one article, median of `runs`: a copy of the corpus is indexed once,
/// then one file of it is changed before each timed `kb index`. The run's JSON report must
/// say exactly one article was updated, so that a no-op is never timed.
pub fn incremental(
    kb: &Path,
    articles: &Path,
    work: &Path,
    scratch: &Path,
    runs: usize,
) -> Result<(f64, String)> {
    let copy = work.join("corpus-copy");
    child::copy_tree(articles, &copy)?;
    let index = work.join("idx-incremental");
    full_build(kb, &copy, &index, scratch)?;
    let (files, _) = selfhelp_kb::corpus::list(&copy)?;
    let Some(target) = files.get(files.len() / 2) else {
        bail!("no article under {}", articles.display());
    };
    let original = std::fs::read(&target.file)
        .with_context(|| format!("reading {}", target.file.display()))?;
    let mut times = Vec::new();
    for i in 0..runs {
        let mut changed = original.clone();
        changed.extend_from_slice(format!("\nEdited by the benchmark, run {i}.\n").as_bytes());
        std::fs::write(&target.file, &changed)
            .with_context(|| format!("writing {}", target.file.display()))?;
        let m = run_measured(
            Command::new(kb)
                .args(["index", "--json", "--articles"])
                .arg(&copy)
                .arg("--index")
                .arg(&index),
            scratch,
            "kb index (incremental)",
        )?;
        let report: serde_json::Value = serde_json::from_str(m.stdout.trim())
            .with_context(|| format!("kb index --json printed no report: {}", m.stdout))?;
        let count = |k: &str| report.get(k).and_then(serde_json::Value::as_u64);
        if (count("updated"), count("added"), count("removed")) != (Some(1), Some(0), Some(0)) {
            bail!("the incremental run did not update exactly one article: {report}");
        }
        times.push(m.wall.as_secs_f64() * 1000.0);
    }
    std::fs::remove_dir_all(&copy).ok();
    std::fs::remove_dir_all(&index).ok();
    Ok((median(&times), target.path.clone()))
}

/// `kb index` on an unchanged corpus in a new process, `runs` times: `(kept, reread)`, the
/// wall times in ms when the files' sizes and times kept beside the index are trusted (the
/// run must read no file), and when that file is removed first, so that every file is read
/// and hashed again (as before it was kept). Each run must find every article unchanged.
pub fn unchanged(
    kb: &Path,
    articles: &Path,
    index: &Path,
    scratch: &Path,
    runs: usize,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let once = |what: &str| -> Result<(f64, serde_json::Value)> {
        let m = run_measured(
            Command::new(kb)
                .args(["index", "--json", "--articles"])
                .arg(articles)
                .arg("--index")
                .arg(index),
            scratch,
            what,
        )?;
        let report: serde_json::Value = serde_json::from_str(m.stdout.trim())
            .with_context(|| format!("kb index --json printed no report: {}", m.stdout))?;
        let count = |k: &str| report.get(k).and_then(serde_json::Value::as_u64);
        if (count("added"), count("updated"), count("removed")) != (Some(0), Some(0), Some(0)) {
            bail!("{what} changed the index: {report}");
        }
        Ok((m.wall.as_secs_f64() * 1000.0, report))
    };
    // The first run keeps what it read, if the full build did not.
    once("kb index (unchanged, first)")?;
    let (mut kept, mut reread) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (ms, report) = once("kb index (unchanged)")?;
        if report.get("read").and_then(serde_json::Value::as_u64) != Some(0) {
            bail!("kb index on an unchanged corpus read files: {report}");
        }
        kept.push(ms);
        std::fs::remove_file(index.join("kb-seen.json")).context("removing kb-seen.json")?;
        reread.push(once("kb index (unchanged, every file read)")?.0);
    }
    Ok((kept, reread))
}

/// Source size of an articles folder: (articles, bytes).
pub fn source_size(articles: &Path) -> Result<(usize, u64)> {
    let (files, _) = selfhelp_kb::corpus::list(articles)?;
    let bytes = files
        .iter()
        .filter_map(|f| std::fs::metadata(&f.file).ok())
        .map(|m| m.len())
        .sum();
    Ok((files.len(), bytes))
}

/// Where the index of a labelled build lives.
pub fn index_dir(work: &Path, label: &str) -> PathBuf {
    work.join(format!("idx-{label}"))
}
