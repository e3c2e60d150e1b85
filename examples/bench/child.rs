//! Child processes measured from outside: wall time and the child's own peak RSS.
//!
//! The peak is read from `/proc/<pid>/status` (`VmHWM`, the kernel's high-water mark of the
//! resident set) while the child runs. `getrusage(RUSAGE_CHILDREN)` would be exact, but it
//! needs `unsafe` (forbidden crate-wide) and reports the largest of all children so far, not
//! this one. Polling every 2 ms can only miss growth in the last 2 ms before exit.
//!
//! The child's CPU time (user + system, all threads) is read from `/proc/<pid>/stat` once it
//! has exited and before it is reaped: a zombie keeps its final counts. On a shared machine
//! the wall time suffers from other processes, the CPU time much less; both are reported.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};

/// How often a running child's VmHWM is read.
const POLL: Duration = Duration::from_millis(2);

/// What one child run cost.
#[derive(Debug, Clone)]
pub struct Measured {
    pub wall: Duration,
    /// kB, from VmHWM.
    pub peak_rss_kb: u64,
    /// User + system CPU seconds of the child's threads.
    pub cpu: f64,
    pub stdout: String,
}

/// `VmHWM` of a process in kB; `None` once it has exited (a zombie has no memory map).
pub fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `cmd` to completion, polling its peak RSS. Standard output and error go to files in
/// `scratch` (a pipe could fill up and stall the child); a failure shows the child's stderr.
pub fn run_measured(cmd: &mut Command, scratch: &Path, what: &str) -> Result<Measured> {
    let out_path = scratch.join("child.stdout");
    let err_path = scratch.join("child.stderr");
    let out =
        File::create(&out_path).with_context(|| format!("creating {}", out_path.display()))?;
    let err =
        File::create(&err_path).with_context(|| format!("creating {}", err_path.display()))?;
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .with_context(|| format!("starting {what}: {cmd:?}"))?;
    let pid = child.id();
    let (mut peak, mut cpu) = (0, 0.0);
    // Not reaped until it is a zombie (or its stat cannot be read), so the final CPU counts
    // are still there to read.
    while let Some((used, state)) = cpu_and_state(pid) {
        cpu = used;
        if state == 'Z' {
            break;
        }
        if let Some(kb) = vm_hwm_kb(pid) {
            peak = peak.max(kb);
        }
        std::thread::sleep(POLL);
    }
    let wall = started.elapsed();
    let status: ExitStatus = child.wait().context("waiting for a child")?;
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    if !status.success() {
        let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
        bail!("{what} failed ({status}): {cmd:?}\n{}", tail(&stderr, 40));
    }
    Ok(Measured {
        wall,
        peak_rss_kb: peak,
        cpu,
        stdout,
    })
}

/// CPU seconds (user + system) and state letter of a process, from `/proc/<pid>/stat`.
fn cpu_and_state(pid: u32) -> Option<(f64, char)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name in parentheses may hold spaces; the fields after it do not.
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    let state = fields.first()?.chars().next()?;
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    // utime and stime are fields 14 and 15 of stat(5), 11 and 12 after the state; the kernel
    // reports them in USER_HZ, which is 100 on every Linux this runs on.
    Some(((ticks(11)? + ticks(12)?) as f64 / 100.0, state))
}

/// The last `n` lines of a text.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The `kb` binary of the same profile as this example (`target/release/kb` next to
/// `target/release/examples/bench`). It is (re)built with cargo when missing or older than
/// the sources, so that a stale binary is never measured; if that build fails (someone is
/// mid-edit) an existing binary is used with a warning. `KB_BENCH_KB` names another binary.
pub fn kb_binary() -> Result<PathBuf> {
    // Another build of kb (say, the last commit's, to compare), used as it is.
    if let Some(kb) = std::env::var_os("KB_BENCH_KB") {
        return Ok(PathBuf::from(kb));
    }
    let exe = std::env::current_exe().context("locating the bench binary")?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .with_context(|| format!("{} is not inside target/<profile>/examples", exe.display()))?;
    let kb = profile_dir.join("kb");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let built = std::fs::metadata(&kb).and_then(|m| m.modified()).ok();
    let newest_source = newest_mtime(manifest);
    let stale = match (built, newest_source) {
        (None, _) => Some(format!("{} not found", kb.display())),
        (Some(b), Some(s)) if s > b => Some(format!("{} is older than the sources", kb.display())),
        _ => None,
    };
    let Some(reason) = stale else {
        return Ok(kb);
    };
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    eprintln!(
        "bench: {reason}; building it: cargo build {}--bin kb",
        if release { "--release " } else { "" }
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build.current_dir(manifest).args(["build", "--bin", "kb"]);
    if release {
        build.arg("--release");
    }
    let status = build.status().context("running cargo build --bin kb")?;
    match (status.success(), kb.is_file()) {
        (true, true) => Ok(kb),
        (false, true) => {
            eprintln!(
                "bench: warning: building kb failed; measuring the existing {}",
                kb.display()
            );
            Ok(kb)
        }
        (_, false) => bail!(
            "{} is missing and `cargo build --bin kb` did not produce it",
            kb.display()
        ),
    }
}

/// Newest modification time of what `kb` is built from.
fn newest_mtime(manifest: &Path) -> Option<SystemTime> {
    let roots = ["src", "templates", "Cargo.toml", "Cargo.lock"];
    roots
        .iter()
        .flat_map(|r| {
            walkdir::WalkDir::new(manifest.join(r))
                .into_iter()
                .flatten()
        })
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()
}

/// Bytes of every file under `dir`.
pub fn dir_size(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// Copies a folder tree (regular files only).
pub fn copy_tree(from: &Path, to: &Path) -> Result<u64> {
    let mut n = 0;
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.with_context(|| format!("reading {}", from.display()))?;
        let rel = entry.path().strip_prefix(from).unwrap_or(entry.path());
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest)
                .with_context(|| format!("creating {}", dest.display()))?;
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &dest)
                .with_context(|| format!("copying to {}", dest.display()))?;
            n += 1;
        }
    }
    Ok(n)
}
