//! The benchmark of the issue: this project against a SQLite FTS5 baseline measured in the
//! same run, printed as one table with the issue's targets.
//!
//! ```text
//! cargo run --release --example bench -- --articles ../shared/corpus/articles \
//!     --queries ../shared/queries [--scale 10] [--http] [--json]
//! ```
//!
//! - Builds: `kb index --full` in a child process (wall time and the child's own peak RSS),
//!   median of 3; the FTS5 build likewise in a child (this binary with `--fts5-child`).
//! - Incremental: one changed article in a temp copy of the corpus, `kb index`, median of 5;
//!   `kb index` on the unchanged corpus in a new process (with the kept file times, and with
//!   every file read again), and `kb serve` from exec to its first `/healthz`, median of 5.
//! - Queries: in-process (`Searcher` and rusqlite), the two systems interleaved per
//!   repetition so that a noisy neighbour hurts both alike; percentiles are the median over
//!   3 repetitions.
//! - `--http`: `kb serve` under a hyper load generator (see `http.rs`).
//! - `--scale N`: synthetic corpora (see `synth.rs`) at 1x and Nx.
//!
//! Everything is written under one temp dir, removed at the end; nothing goes to the repo.

mod child;
mod fts5;
mod http;
mod ours;
mod plain;
mod quality;
mod stats;
mod synth;
mod table;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde::Serialize;

use selfhelp_kb::eval::QuerySets;
use selfhelp_kb::index::KbIndex;
use selfhelp_kb::search::{SearchRequest, SearchResponse, Searcher};

use ours::{BuildRun, BuildStats, mb};
use stats::{Latency, median, time_each};
use table::{Row, higher_better, lower_better, ms, ms3};

// The same allocator as the `kb` binary, so in-process query times are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Full builds per system (median taken).
const BUILD_RUNS: usize = 3;
/// Timed one-article updates (median taken).
const INCREMENTAL_RUNS: usize = 5;
/// Repetitions of every query set per system; percentiles are the median over them.
const REPS: usize = 3;
/// Rounds over each set within one repetition (sets differ in size: 7.9k topics, 60 free-text
/// queries, 500 typo queries).
const TOPIC_ROUNDS: usize = 1;
const FREETEXT_ROUNDS: usize = 20;
const TYPO_ROUNDS: usize = 1;

/// Benchmark kb against SQLite FTS5 on the real corpus.
#[derive(Debug, Parser)]
#[command(name = "bench")]
struct Args {
    /// Articles folder (the real corpus).
    #[arg(long)]
    articles: PathBuf,
    /// Folder with topics.tsv, freetext.txt, typo_items.tsv, ...
    #[arg(long, required_unless_present_any = ["fts5_child", "synthetic_out"])]
    queries: Option<PathBuf>,
    /// Also measure an N times larger synthetic corpus (and a 1x synthetic one to compare).
    #[arg(long, value_parser = clap::value_parser!(u32).range(2..=100))]
    scale: Option<u32>,
    /// Also load-test `kb serve` over HTTP.
    #[arg(long)]
    http: bool,
    /// Concurrent connections of the HTTP load.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Seconds of HTTP load.
    #[arg(long, default_value_t = 20)]
    http_seconds: u64,
    /// The HTTP load generator: wrk (Debian's package) or a tokio + hyper one in this
    /// process; `auto` takes wrk when it is installed.
    #[arg(long, value_enum, default_value_t = http::Generator::Auto)]
    load_generator: http::Generator,
    /// Also print, on stderr, each free-text query's median time and match count in both
    /// systems, slowest first: where to look when a percentile misses.
    #[arg(long)]
    per_query: bool,
    /// Print the measurements as JSON instead of the table.
    #[arg(long)]
    json: bool,
    /// Only write the `--scale` synthetic corpus to this folder and exit (to profile
    /// `kb index` on it by hand).
    #[arg(long, requires = "scale")]
    synthetic_out: Option<PathBuf>,
    /// Only time kb's in-process free-text and typo queries against this existing index
    /// (no builds, no FTS5, no HTTP): a short loop to run under `perf` or callgrind.
    #[arg(long, requires = "queries")]
    profile_index: Option<PathBuf>,
    /// Rounds over the free-text queries with `--profile-index`.
    #[arg(long, default_value_t = 20)]
    rounds: usize,
    /// Rounds over the typo queries with `--profile-index`.
    #[arg(long, default_value_t = 1)]
    typo_rounds: usize,
    /// Only measure ranking quality: build kb, FTS5 and plain tantivy once each and rank
    /// every kind of query with the three (no timed builds, no HTTP).
    #[arg(long)]
    quality_only: bool,
    /// Seed of the generated query kinds (as `kb eval --seed`).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Queries per generated kind (as `kb eval --per-kind`).
    #[arg(long, default_value_t = 500)]
    per_kind: usize,
    /// Internal: build the FTS5 database at this path and report as JSON.
    #[arg(long, hide = true)]
    fts5_child: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Debug, Serialize)]
struct Report {
    /// 1-minute load average at the start and at the end: on a 2-core machine anything well
    /// above 1 means other processes competed with the measurement.
    load_average: [f64; 2],
    articles: usize,
    source_mb: f64,
    sqlite_version: &'static str,
    kb: BuildStats,
    fts5: Fts5Build,
    incremental_ms: f64,
    incremental_article: String,
    /// `kb index` on an unchanged corpus, new process: median ms with the kept file times,
    /// and with every file read and hashed again.
    unchanged_ms: f64,
    unchanged_reread_ms: f64,
    /// `kb serve` on an up-to-date index, exec to the first `/healthz`: median ms.
    startup_ms: f64,
    topic: Pair,
    freetext: Pair,
    typo: Pair,
    typo_top10: Count,
    /// Free-text queries answered by the any-word fallback.
    freetext_relaxed: Count,
    http: Option<http::HttpStats>,
    http_error: Option<String>,
    scale: Option<Scale>,
    /// Ranking quality of every kind, kb and both baselines.
    quality: Vec<quality::QualityRow>,
}

#[derive(Debug, Serialize)]
struct Fts5Build {
    /// `selfhelp_kb::corpus::load` in the child, median.
    parse_seconds: f64,
    /// Inserts, FTS build, optimize and commit, median.
    build_seconds: f64,
    /// Wall time of the child (start-up, parse, build): from files to a searchable index,
    /// measured like `kb index --full`.
    total_seconds: f64,
    /// CPU seconds of the child (parse and build), median.
    cpu_seconds: f64,
    /// Peak RSS of the child (parse into rows, then SQLite), median.
    peak_rss_mb: f64,
    db_mb: f64,
    runs: Vec<fts5::ChildReport>,
}

#[derive(Debug, Serialize)]
struct Pair {
    kb: Latency,
    fts5: Latency,
}

/// How many queries of a set had some property, per system.
#[derive(Debug, Serialize)]
struct Count {
    queries: usize,
    kb: usize,
    fts5: usize,
}

#[derive(Debug, Serialize)]
struct Scale {
    factor: u32,
    real: Point,
    synthetic_1x: Point,
    synthetic_nx: Point,
}

#[derive(Debug, Clone, Serialize)]
struct Point {
    articles: usize,
    source_mb: f64,
    build_seconds: f64,
    build_cpu_seconds: f64,
    index_mb: f64,
    peak_rss_mb: f64,
    freetext_p99_ms: f64,
    /// Free-text queries answered by the any-word fallback.
    freetext_relaxed: usize,
}

pub(crate) fn say(msg: &str) {
    eprintln!("bench: {msg}");
}

fn run(args: &Args) -> Result<()> {
    if let Some(db) = &args.fts5_child {
        return fts5::child_main(&args.articles, db);
    }
    if let (Some(out), Some(factor)) = (&args.synthetic_out, args.scale) {
        let corpus = selfhelp_kb::corpus::load(&args.articles)?;
        let made = synth::Pool::new(&corpus.articles).generate(factor as usize, out)?;
        say(&format!(
            "wrote {} articles ({:.0} MB) under {}",
            made.articles,
            mb(made.bytes),
            made.dir.display()
        ));
        return Ok(());
    }
    let Some(queries) = &args.queries else {
        bail!("--queries is required");
    };
    if let Some(index) = &args.profile_index {
        if args.rounds > 0 {
            profile_queries(index, queries, args.rounds, args.typo_rounds)?;
        }
        if args.http {
            let sets = QuerySets::load(queries)?;
            let kb = child::kb_binary()?;
            let scratch = tempfile::Builder::new().prefix("kb-bench-").tempdir()?;
            let s = http::run(
                &kb,
                index,
                &args.articles,
                &sets.freetext,
                http::Load {
                    connections: args.connections,
                    duration: Duration::from_secs(args.http_seconds),
                    generator: args.load_generator,
                },
                scratch.path(),
            )?;
            say(&format!(
                "http: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, {} errors, server peak RSS \
                 {:.0} MB, server CPU {:.3} ms per request",
                s.requests_per_second,
                s.latency.p50,
                s.latency.p99,
                s.errors,
                s.server_peak_rss_mb,
                s.server_cpu_ms_per_request
            ));
            for e in &s.error_samples {
                say(&format!("http error: {e}"));
            }
        }
        return Ok(());
    }
    if cfg!(debug_assertions) {
        bail!("built without optimizations; run it with `cargo run --release --example bench`");
    }
    let load_before = loadavg();
    let sets = QuerySets::load(queries)?;
    let kb = child::kb_binary()?;
    let work = tempfile::Builder::new()
        .prefix("kb-bench-")
        .tempdir()
        .context("creating a temp dir")?;
    let scratch = work.path().join("scratch");
    std::fs::create_dir_all(&scratch)?;
    let (articles, source_bytes) = ours::source_size(&args.articles)?;
    say(&format!(
        "{articles} articles, {:.1} MB, kb = {}, work dir {}",
        mb(source_bytes),
        kb.display(),
        work.path().display()
    ));

    if args.quality_only {
        let idx = ours::index_dir(work.path(), "1x");
        let db = work.path().join("fts5.db");
        say("building kb, FTS5 and plain tantivy");
        ours::full_build(&kb, &args.articles, &idx, &scratch)?;
        fts5_build_once(&args.articles, &db, &scratch)?;
        let rows = quality_rows(args, &sets, &idx, &db, work.path())?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&rows)?);
        } else {
            print!("{}", quality::render(&rows));
        }
        return Ok(());
    }

    // Builds, the two systems interleaved.
    let idx = ours::index_dir(work.path(), "1x");
    let db = work.path().join("fts5.db");
    let me = std::env::current_exe()?;
    let (mut kb_runs, mut fts_runs) = (Vec::new(), Vec::new());
    let (mut fts_peaks, mut fts_cpu, mut fts_wall) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..BUILD_RUNS {
        say(&format!("full build {}/{BUILD_RUNS}: kb", i + 1));
        kb_runs.push(ours::full_build(&kb, &args.articles, &idx, &scratch)?);
        say(&format!("full build {}/{BUILD_RUNS}: FTS5", i + 1));
        let m = child::run_measured(
            Command::new(&me)
                .arg("--articles")
                .arg(&args.articles)
                .arg("--fts5-child")
                .arg(&db),
            &scratch,
            "the FTS5 build",
        )?;
        let report: fts5::ChildReport = serde_json::from_str(m.stdout.trim())
            .with_context(|| format!("the FTS5 child printed no report: {}", m.stdout))?;
        fts_peaks.push(m.peak_rss_kb as f64 / 1024.0);
        fts_cpu.push(m.cpu);
        fts_wall.push(m.wall.as_secs_f64());
        fts_runs.push(report);
    }
    let kb_build = BuildStats::from_runs(kb_runs, child::dir_size(&idx));
    let fts_build = fts5_stats(fts_runs, &fts_wall, &fts_peaks, &fts_cpu, &db);

    say("incremental update of one article");
    let (incremental_ms, incremental_article) =
        ours::incremental(&kb, &args.articles, work.path(), &scratch, INCREMENTAL_RUNS)?;

    say("kb index on an unchanged corpus, and kb serve start-up");
    let (kept, reread) = ours::unchanged(&kb, &args.articles, &idx, &scratch, INCREMENTAL_RUNS)?;
    let startup = http::startup(&kb, &idx, &args.articles, &scratch, INCREMENTAL_RUNS)?;

    say("query latency");
    let searcher = Searcher::new(KbIndex::open(&idx)?);
    let baseline = fts5::Fts5::open(&db)?;
    let (topic, freetext, typo, typo_top10, freetext_relaxed) =
        queries_both(&searcher, &baseline, &sets)?;

    if args.per_query {
        per_query(&searcher, &baseline, &sets.freetext)?;
    }
    drop(baseline);
    let quality = quality_rows(args, &sets, &idx, &db, work.path())?;

    let (mut http_stats, mut http_error) = (None, None);
    if args.http {
        say(&format!(
            "HTTP: {} connections for {} s",
            args.connections, args.http_seconds
        ));
        match http::run(
            &kb,
            &idx,
            &args.articles,
            &sets.freetext,
            http::Load {
                connections: args.connections,
                duration: Duration::from_secs(args.http_seconds),
                generator: args.load_generator,
            },
            &scratch,
        ) {
            Ok(s) => http_stats = Some(s),
            Err(e) => {
                eprintln!("bench: error: {e:#}");
                http_error = Some(format!("{e:#}"));
            }
        }
    }

    let scale = match args.scale {
        Some(factor) => {
            let real = Point {
                articles,
                source_mb: mb(source_bytes),
                build_seconds: kb_build.seconds,
                build_cpu_seconds: kb_build.cpu_seconds,
                index_mb: kb_build.index_mb,
                peak_rss_mb: kb_build.peak_rss_mb,
                freetext_p99_ms: freetext.kb.p99,
                freetext_relaxed: freetext_relaxed.kb,
            };
            drop(searcher);
            Some(scale_run(
                factor,
                real,
                &kb,
                &args.articles,
                &sets,
                work.path(),
                &scratch,
            )?)
        }
        None => None,
    };

    let report = Report {
        load_average: [load_before, loadavg()],
        articles,
        source_mb: mb(source_bytes),
        sqlite_version: rusqlite::version(),
        kb: kb_build,
        fts5: fts_build,
        incremental_ms,
        incremental_article,
        unchanged_ms: median(&kept),
        unchanged_reread_ms: median(&reread),
        startup_ms: median(&startup),
        topic,
        freetext,
        typo,
        typo_top10,
        freetext_relaxed,
        http: http_stats,
        http_error,
        scale,
        quality,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", header(&report, args));
        print!("{}", table::render(&rows(&report)));
        println!(
            "\nranking quality, every kind of query, the same queries for the three engines:\n"
        );
        print!("{}", quality::render(&report.quality));
    }
    Ok(())
}

/// One FTS5 build in a child process, untimed.
fn fts5_build_once(articles: &Path, db: &Path, scratch: &Path) -> Result<()> {
    let me = std::env::current_exe()?;
    child::run_measured(
        Command::new(&me)
            .arg("--articles")
            .arg(articles)
            .arg("--fts5-child")
            .arg(db),
        scratch,
        "the FTS5 build",
    )?;
    Ok(())
}

/// Generates the query kinds from the corpus, builds the plain tantivy baseline and ranks
/// every kind with kb (index `idx`), FTS5 (`db`) and plain tantivy.
fn quality_rows(
    args: &Args,
    sets: &QuerySets,
    idx: &Path,
    db: &Path,
    work: &Path,
) -> Result<Vec<quality::QualityRow>> {
    say("ranking quality: parsing the corpus, building plain tantivy");
    let corpus = selfhelp_kb::corpus::load(&args.articles)?;
    let mut sets = QuerySets {
        known_items: sets.known_items.clone(),
        typo_items: sets.typo_items.clone(),
        kinds: sets.kinds.clone(),
        ..QuerySets::default()
    };
    sets.generate(&corpus.articles, args.seed, args.per_kind);
    let plain = plain::Plain::build(&corpus.articles, &work.join("plain-tantivy"))?;
    drop(corpus);
    let searcher = Searcher::new(KbIndex::open(idx)?);
    let baseline = fts5::Fts5::open(db)?;
    quality::run(&searcher, &baseline, &plain, &sets.ranked())
}

fn fts5_stats(
    runs: Vec<fts5::ChildReport>,
    child_wall: &[f64],
    child_peaks: &[f64],
    child_cpu: &[f64],
    db: &Path,
) -> Fts5Build {
    let m = |f: fn(&fts5::ChildReport) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    Fts5Build {
        parse_seconds: m(|r| r.parse_seconds),
        build_seconds: m(|r| r.build_seconds),
        total_seconds: median(child_wall),
        cpu_seconds: median(child_cpu),
        peak_rss_mb: median(child_peaks),
        db_mb: mb(std::fs::metadata(db).map(|m| m.len()).unwrap_or(0)),
        runs,
    }
}

fn topic_request(topic: &str) -> SearchRequest {
    SearchRequest {
        topic: Some(topic.to_owned()),
        per_page: 100,
        ..SearchRequest::default()
    }
}

/// Every query set against both systems: one untimed warm-up pass (which also scores the typo
/// queries), then `REPS` repetitions, the systems taking turns within each.
fn queries_both(
    ours: &Searcher,
    theirs: &fts5::Fts5,
    sets: &QuerySets,
) -> Result<(Pair, Pair, Pair, Count, Count)> {
    let topics: Vec<&str> = sets.topics.iter().map(|(t, _)| t.as_str()).collect();
    let typos = &sets.typo_items;
    let search = |req: &SearchRequest| -> Result<SearchResponse> { Ok(ours.search(req)?) };

    let (mut kb_top10, mut fts_top10) = (0, 0);
    for t in &topics {
        black_box(search(&topic_request(t))?);
        black_box(theirs.topic(t)?);
    }
    let (mut kb_relaxed, mut fts_relaxed) = (0, 0);
    for q in &sets.freetext {
        kb_relaxed += usize::from(search(&SearchRequest::text(q))?.relaxed);
        fts_relaxed += usize::from(theirs.text(q)?.relaxed);
    }
    for (q, expected) in typos {
        let r = search(&SearchRequest::text(q))?;
        kb_top10 += usize::from(r.hits.iter().any(|h| &h.path == expected));
        let r = theirs.text(q)?;
        fts_top10 += usize::from(r.hits.iter().any(|h| &h.path == expected));
    }

    let mut reps: [Vec<Latency>; 6] = Default::default();
    for rep in 0..REPS {
        say(&format!("query latency, repetition {}/{REPS}", rep + 1));
        reps[0].push(time_each(&topics, TOPIC_ROUNDS, |t| {
            black_box(search(&topic_request(t))?);
            Ok(())
        })?);
        reps[1].push(time_each(&topics, TOPIC_ROUNDS, |t| {
            black_box(theirs.topic(t)?);
            Ok(())
        })?);
        reps[2].push(time_each(&sets.freetext, FREETEXT_ROUNDS, |q| {
            black_box(search(&SearchRequest::text(q))?);
            Ok(())
        })?);
        reps[3].push(time_each(&sets.freetext, FREETEXT_ROUNDS, |q| {
            black_box(theirs.text(q)?);
            Ok(())
        })?);
        reps[4].push(time_each(typos, TYPO_ROUNDS, |(q, _)| {
            black_box(search(&SearchRequest::text(q))?);
            Ok(())
        })?);
        reps[5].push(time_each(typos, TYPO_ROUNDS, |(q, _)| {
            black_box(theirs.text(q)?);
            Ok(())
        })?);
    }
    let pair = |a: usize| Pair {
        kb: Latency::median_of(&reps[a]),
        fts5: Latency::median_of(&reps[a + 1]),
    };
    Ok((
        pair(0),
        pair(2),
        pair(4),
        Count {
            queries: typos.len(),
            kb: kb_top10,
            fts5: fts_top10,
        },
        Count {
            queries: sets.freetext.len(),
            kb: kb_relaxed,
            fts5: fts_relaxed,
        },
    ))
}

/// Each free-text query's median time (of 15) and match count in both systems, slowest
/// (in kb) first, on stderr.
fn per_query(ours: &Searcher, theirs: &fts5::Fts5, queries: &[String]) -> Result<()> {
    let mut lines = Vec::new();
    for q in queries {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let (mut kb_total, mut fts_total) = (0, 0);
        for _ in 0..15 {
            let t = std::time::Instant::now();
            let r = ours.search(&SearchRequest::text(q))?;
            a.push(t.elapsed().as_secs_f64() * 1000.0);
            kb_total = r.total;
            let t = std::time::Instant::now();
            let r = theirs.text(q)?;
            b.push(t.elapsed().as_secs_f64() * 1000.0);
            fts_total = r.total;
        }
        lines.push((median(&a), median(&b), kb_total, fts_total, q));
    }
    lines.sort_by(|x, y| y.0.total_cmp(&x.0));
    eprintln!("kb ms  FTS5 ms  kb matches  FTS5 matches  query");
    for (a, b, n, m, q) in lines {
        eprintln!("{a:>5.2}  {b:>7.2}  {n:>10}  {m:>12}  {q}");
    }
    Ok(())
}

/// `--profile-index`: kb's free-text and typo queries only, against an existing index.
fn profile_queries(index: &Path, queries: &Path, rounds: usize, typo_rounds: usize) -> Result<()> {
    let sets = QuerySets::load(queries)?;
    let typos: Vec<&str> = sets.typo_items.iter().map(|(q, _)| q.as_str()).collect();
    for cached in [true, false] {
        let searcher = if cached {
            Searcher::new(KbIndex::open(index)?)
        } else {
            Searcher::without_expansion_cache(KbIndex::open(index)?)
        };
        profile_pass(&searcher, &sets.freetext, &typos, rounds, typo_rounds)?;
        let stats = searcher.expansion_stats();
        say(&format!(
            "  expansion cache {}: {} hits, {} misses ({:.1}% hit rate)",
            if cached { "on" } else { "off" },
            stats.hits,
            stats.misses,
            stats.hit_rate() * 100.0
        ));
    }
    Ok(())
}

fn profile_pass(
    searcher: &Searcher,
    freetext: &[String],
    typos: &[&str],
    rounds: usize,
    typo_rounds: usize,
) -> Result<()> {
    let sets = (freetext, typos);
    let started = std::time::Instant::now();
    let freetext = time_each(sets.0, rounds, |q| {
        black_box(searcher.search(&SearchRequest::text(q))?);
        Ok(())
    })?;
    let typo = time_each(sets.1, typo_rounds, |q| {
        black_box(searcher.search(&SearchRequest::text(q))?);
        Ok(())
    })?;
    say(&format!(
        "free text p50/p95/p99 {:.3}/{:.3}/{:.3} ms ({} calls); typo p50/p95/p99 \
         {:.3}/{:.3}/{:.3} ms ({} calls); {:.2} s in all",
        freetext.p50,
        freetext.p95,
        freetext.p99,
        freetext.samples,
        typo.p50,
        typo.p95,
        typo.p99,
        typo.samples,
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// Builds and queries synthetic corpora at 1x and `factor`x.
fn scale_run(
    factor: u32,
    real: Point,
    kb: &Path,
    articles: &Path,
    sets: &QuerySets,
    work: &Path,
    scratch: &Path,
) -> Result<Scale> {
    say("scale: parsing the real corpus for the generator");
    let corpus = selfhelp_kb::corpus::load(articles)?;
    let pool = synth::Pool::new(&corpus.articles);
    let mut points = Vec::new();
    for copies in [1, factor as usize] {
        let dir = work.join(format!("synthetic-{copies}x"));
        say(&format!("scale: generating {copies}x"));
        let corpus = pool.generate(copies, &dir)?;
        let idx = ours::index_dir(work, &format!("synthetic-{copies}x"));
        let mut runs: Vec<BuildRun> = Vec::new();
        for i in 0..BUILD_RUNS {
            say(&format!(
                "scale: {copies}x full build {}/{BUILD_RUNS}",
                i + 1
            ));
            runs.push(ours::full_build(kb, &corpus.dir, &idx, scratch)?);
        }
        let build = BuildStats::from_runs(runs, child::dir_size(&idx));
        let searcher = Searcher::new(KbIndex::open(&idx)?);
        let search = |q: &String| -> Result<()> {
            black_box(searcher.search(&SearchRequest::text(q))?);
            Ok(())
        };
        let mut relaxed = 0;
        for q in &sets.freetext {
            relaxed += usize::from(searcher.search(&SearchRequest::text(q))?.relaxed);
        }
        let mut reps = Vec::new();
        for _ in 0..REPS {
            reps.push(time_each(&sets.freetext, FREETEXT_ROUNDS / 2, search)?);
        }
        points.push(Point {
            articles: corpus.articles,
            source_mb: mb(corpus.bytes),
            build_seconds: build.seconds,
            build_cpu_seconds: build.cpu_seconds,
            index_mb: build.index_mb,
            peak_rss_mb: build.peak_rss_mb,
            freetext_p99_ms: Latency::median_of(&reps).p99,
            freetext_relaxed: relaxed,
        });
        drop(searcher);
        std::fs::remove_dir_all(&idx).ok();
        std::fs::remove_dir_all(&dir).ok();
    }
    let nx = points.pop().context("no Nx point")?;
    let one = points.pop().context("no 1x point")?;
    Ok(Scale {
        factor,
        real,
        synthetic_1x: one,
        synthetic_nx: nx,
    })
}

/// The 1-minute load average; 0 when it cannot be read.
fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// The lines above the table: what was measured, where, how.
fn header(r: &Report, args: &Args) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "corpus: {} ({} articles, {:.1} MB); queries: {}\n\
         machine: {cpu}, {cores} cores, load average {:.1} at start, {:.1} at end; SQLite {}\n\
         medians of {BUILD_RUNS} builds, {INCREMENTAL_RUNS} updates, {REPS} query \
         repetitions; kb better by: > 1 means kb is better\n\n",
        args.articles.display(),
        r.articles,
        r.source_mb,
        args.queries
            .as_deref()
            .map_or(String::new(), |q| q.display().to_string()),
        r.load_average[0],
        r.load_average[1],
        r.sqlite_version,
    )
}

fn rows(r: &Report) -> Vec<Row> {
    let (k, f) = (&r.kb, &r.fts5);
    let s = |v: f64| format!("{v:.2} s");
    let per_s = |n: f64, secs: f64| n / secs.max(1e-9);
    let mut rows = vec![
        Row::section("full index build (files -> searchable index)"),
        Row::new(
            "wall time: kb index --full vs FTS5 child",
            s(k.seconds),
            format!(
                "{} (parse {} + SQLite {})",
                s(f.total_seconds),
                s(f.parse_seconds),
                s(f.build_seconds)
            ),
            lower_better(k.seconds, f.total_seconds),
        )
        .target("faster than FTS5 (aim 1.5×)", f.total_seconds > k.seconds),
        Row::new(
            "CPU time (user + system, all threads)",
            s(k.cpu_seconds),
            s(f.cpu_seconds),
            lower_better(k.cpu_seconds, f.cpu_seconds),
        ),
        Row::new(
            "time vs SQLite part alone (parse excluded)",
            s(k.seconds),
            s(f.build_seconds),
            lower_better(k.seconds, f.build_seconds),
        ),
        Row::new(
            "articles/s",
            format!("{:.0}", per_s(r.articles as f64, k.seconds)),
            format!("{:.0}", per_s(r.articles as f64, f.total_seconds)),
            higher_better(
                per_s(r.articles as f64, k.seconds),
                per_s(r.articles as f64, f.total_seconds),
            ),
        ),
        Row::new(
            "MB/s of source",
            format!("{:.1}", per_s(r.source_mb, k.seconds)),
            format!("{:.1}", per_s(r.source_mb, f.total_seconds)),
            higher_better(
                per_s(r.source_mb, k.seconds),
                per_s(r.source_mb, f.total_seconds),
            ),
        ),
        Row::new(
            "index size on disk (MB)",
            format!("{:.1}", k.index_mb),
            format!("{:.1}", f.db_mb),
            lower_better(k.index_mb, f.db_mb),
        )
        .target("smaller than FTS5", k.index_mb < f.db_mb),
        Row::new(
            "peak RSS (MB) of the build process",
            format!("{:.0}", k.peak_rss_mb),
            format!("{:.0}", f.peak_rss_mb),
            lower_better(k.peak_rss_mb, f.peak_rss_mb),
        )
        .target("< 300 MB", k.peak_rss_mb < 300.0),
        Row::new(
            "incremental update, 1 article (ms)",
            ms(r.incremental_ms),
            "not measured".to_owned(),
            String::new(),
        ),
        Row::new(
            "`kb index`, unchanged corpus, new process (ms)",
            ms(r.unchanged_ms),
            format!("{} reading every file", ms(r.unchanged_reread_ms)),
            lower_better(r.unchanged_ms, r.unchanged_reread_ms),
        )
        .target("< 300 ms", r.unchanged_ms < 300.0),
        Row::new(
            "`kb serve` start-up, exec to first /healthz (ms)",
            ms(r.startup_ms),
            "not measured".to_owned(),
            String::new(),
        )
        .target("< 300 ms", r.startup_ms < 300.0),
        Row::section("query latency in-process, ms p50 / p95 / p99"),
    ];
    let lat = |l: &Latency| ms3(l.p50, l.p95, l.p99);
    let t = &r.topic;
    rows.push(
        Row::new(
            &format!("topic lookup, 100/page + facets ({} topics)", t.kb.samples),
            lat(&t.kb),
            lat(&t.fts5),
            lower_better(t.kb.p50, t.fts5.p50),
        )
        .target("p99 < 1 ms", t.kb.p99 < 1.0),
    );
    let ft = &r.freetext;
    rows.push(
        Row::new(
            &format!("free text, top 10 + 6 facets ({} calls)", ft.kb.samples),
            lat(&ft.kb),
            lat(&ft.fts5),
            lower_better(ft.kb.p50, ft.fts5.p50),
        )
        .target(
            "p50 < 1, p99 < 5, p50 faster than FTS5",
            ft.kb.p50 < 1.0 && ft.kb.p99 < 5.0 && ft.kb.p50 < ft.fts5.p50,
        ),
    );
    let fr = &r.freetext_relaxed;
    rows.push(Row::new(
        "free text: queries answered by any-word fallback",
        format!("{}/{}", fr.kb, fr.queries),
        format!("{}/{}", fr.fts5, fr.queries),
        String::new(),
    ));
    let ty = &r.typo;
    rows.push(Row::new(
        &format!("typo queries ({} calls)", ty.kb.samples),
        lat(&ty.kb),
        lat(&ty.fts5),
        lower_better(ty.kb.p50, ty.fts5.p50),
    ));
    let tt = &r.typo_top10;
    rows.push(Row::new(
        "typo queries: intended article in top 10",
        format!("{}/{}", tt.kb, tt.queries),
        format!("{}/{}", tt.fts5, tt.queries),
        higher_better(tt.kb as f64, tt.fts5 as f64),
    ));
    rows.push(Row::section("HTTP /api/search (kb serve)"));
    match (&r.http, &r.http_error) {
        (Some(h), _) => {
            rows.push(
                Row::new(
                    &format!(
                        "requests/s, {} connections, {:.0} s ({})",
                        h.connections, h.seconds, h.generator
                    ),
                    format!("{:.0}", h.requests_per_second),
                    String::new(),
                    String::new(),
                )
                .target(">= 3500", h.requests_per_second >= 3500.0),
            );
            rows.push(
                Row::new(
                    "latency p50 / p95 / p99 (ms)",
                    lat(&h.latency),
                    String::new(),
                    String::new(),
                )
                .target("p99 < 10 ms", h.latency.p99 < 10.0),
            );
            rows.push(
                Row::new(
                    &format!("errors (non-200) of {} requests", h.requests),
                    h.errors.to_string(),
                    String::new(),
                    String::new(),
                )
                .target("0", h.errors == 0),
            );
            rows.push(
                Row::new(
                    "server peak RSS (MB)",
                    format!("{:.0}", h.server_peak_rss_mb),
                    String::new(),
                    String::new(),
                )
                .target("< 150 MB", h.server_peak_rss_mb < 150.0),
            );
        }
        (None, Some(e)) => rows.push(Row::new(
            "not run",
            e.lines().next().unwrap_or_default().to_owned(),
            String::new(),
            String::new(),
        )),
        (None, None) => rows.push(Row::new(
            "not run (pass --http)",
            String::new(),
            String::new(),
            String::new(),
        )),
    }
    if let Some(sc) = &r.scale {
        let (one, nx, real) = (&sc.synthetic_1x, &sc.synthetic_nx, &sc.real);
        rows.push(Row::section(&format!(
            "scale: kb at synthetic 1x -> {}x (real corpus: {:.2} s, {:.0} MB index)",
            sc.factor, real.build_seconds, real.index_mb
        )));
        let grow = |a: f64, b: f64| format!("{:.2}× growth", b / a.max(1e-9));
        rows.push(Row::new(
            "articles, source MB",
            format!(
                "{} ({:.0} MB) -> {} ({:.0} MB)",
                one.articles, one.source_mb, nx.articles, nx.source_mb
            ),
            String::new(),
            grow(one.source_mb, nx.source_mb),
        ));
        let limit = sc.factor as f64 * 1.1;
        rows.push(
            Row::new(
                "full build",
                format!("{} -> {}", s(one.build_seconds), s(nx.build_seconds)),
                String::new(),
                grow(one.build_seconds, nx.build_seconds),
            )
            .target(
                &format!("<= {limit:.0}× the 1x time"),
                nx.build_seconds <= limit * one.build_seconds,
            ),
        );
        rows.push(Row::new(
            "full build CPU time",
            format!(
                "{} -> {}",
                s(one.build_cpu_seconds),
                s(nx.build_cpu_seconds)
            ),
            String::new(),
            grow(one.build_cpu_seconds, nx.build_cpu_seconds),
        ));
        rows.push(Row::new(
            "index size (MB)",
            format!("{:.0} -> {:.0}", one.index_mb, nx.index_mb),
            String::new(),
            grow(one.index_mb, nx.index_mb),
        ));
        rows.push(Row::new(
            "peak RSS of the build (MB)",
            format!("{:.0} -> {:.0}", one.peak_rss_mb, nx.peak_rss_mb),
            String::new(),
            grow(one.peak_rss_mb, nx.peak_rss_mb),
        ));
        rows.push(
            Row::new(
                "free text + 6 facets p99 (ms)",
                format!("{} -> {}", ms(one.freetext_p99_ms), ms(nx.freetext_p99_ms)),
                String::new(),
                grow(one.freetext_p99_ms, nx.freetext_p99_ms),
            )
            .target("< 20 ms at Nx", nx.freetext_p99_ms < 20.0),
        );
        rows.push(Row::new(
            "free text: queries answered by any-word fallback",
            format!("{} -> {}", one.freetext_relaxed, nx.freetext_relaxed),
            String::new(),
            String::new(),
        ));
    }
    rows
}
