//! Helpers of the reliability suite beyond `tests/common/`: the ground truth's free-text
//! queries, mounts that clean up after themselves, `kb serve` as a child process, raw
//! requests on a socket, and percentiles.
//!
//! Everything here is written so that a failing test can neither hang nor leave something
//! behind: children are killed in `Drop`, mounts are unmounted in `Drop`, every wait has a
//! limit.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub use crate::common::articles::{copy_tree, write_file};
pub use crate::common::index::{
    Commit, assert_same_files, browse_total, commit_of, dir_bytes, disk_files, indexed_files,
    open_searcher, paths, query,
};
pub use crate::common::rng::Rng;
pub use crate::common::run::{ChildGuard, Ran, kb, kb_index, run, run_within};
pub use crate::common::web::{enc, enc_bytes, enc_path};
pub use crate::common::{cannot_run, corpus_dir, sample_articles, shared};
use selfhelp_kb::search::Searcher;

/// The free-text queries of the ground truth, one per line.
pub fn freetext_queries() -> Vec<String> {
    let file = shared().join("queries/freetext.txt");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    let queries: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    assert!(!queries.is_empty(), "no queries in {}", file.display());
    queries
}

/// The paths of the first 100 hits of a free-text search.
pub fn hit_paths(searcher: &Searcher, q: &str) -> Vec<String> {
    paths(&query(searcher, q))
}

/// The child died of SIGKILL right after saying it reached `point`: the crash came where the
/// test chose, not somewhere else or never.
pub fn assert_killed_at(status: std::process::ExitStatus, stderr: &str, point: &str) {
    assert!(
        stderr.contains(&format!("kb: failpoint {point} reached")),
        "the failpoint {point} was not reached ({status}); stderr:\n{stderr}"
    );
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "after the failpoint {point} the process ended with {status}, not SIGKILL; \
         stderr:\n{stderr}"
    );
}

/// The effective user ID, read from `/proc` (no libc: the crate forbids `unsafe`).
pub fn euid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// A mount made by a test, unmounted when dropped (lazily if busy, so that a test that fails
/// with files still open leaves no mount behind).
pub struct Mount {
    dir: PathBuf,
}

impl Mount {
    /// `mount -t tmpfs -o size=<size> tmpfs <dir>`.
    pub fn tmpfs(dir: &Path, size: &str) -> Result<Mount, String> {
        mount(
            &["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"],
            dir,
        )?;
        Ok(Mount {
            dir: dir.to_owned(),
        })
    }

    /// A read-only view of `source` at `dir`: a bind mount, then a read-only remount (two
    /// steps: older kernels ignore `ro` on the bind itself).
    pub fn read_only_bind(source: &Path, dir: &Path) -> Result<Mount, String> {
        let source = source.to_str().ok_or("the source path is not UTF-8")?;
        mount(&["--bind", source], dir)?;
        let guard = Mount {
            dir: dir.to_owned(),
        };
        mount(&["-o", "remount,bind,ro"], dir)?;
        Ok(guard)
    }
}

fn mount(args: &[&str], dir: &Path) -> Result<(), String> {
    let mut cmd = Command::new("mount");
    cmd.args(args).arg(dir).stdin(Stdio::null());
    let ran = run_within(&mut cmd, Duration::from_secs(30), "mount");
    if ran.status.success() {
        Ok(())
    } else {
        Err(format!(
            "mount {} {}: {} {}",
            args.join(" "),
            dir.display(),
            ran.status,
            ran.stderr.trim()
        ))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        for args in [&[][..], &["-l"][..]] {
            let mut cmd = Command::new("umount");
            cmd.args(args)
                .arg(&self.dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            if cmd.status().is_ok_and(|s| s.success()) {
                return;
            }
        }
        eprintln!("!!! could not unmount {}", self.dir.display());
    }
}

/// `kb serve` in a child process on a free port of 127.0.0.1, killed when dropped.
pub struct Server {
    child: ChildGuard,
    pub addr: SocketAddr,
    stderr: PathBuf,
}

impl Server {
    /// Starts `kb serve` (with `--watch` when asked) and waits, at most `limit`, for it to
    /// say where it listens. Port 0 lets the system choose: no race for a free port.
    /// Output goes to files in `scratch`; `log` is the `RUST_LOG` filter (`warn` keeps the
    /// per-request lines out, while errors and panics still show).
    pub fn start(
        articles: &Path,
        index: &Path,
        watch: bool,
        log: &str,
        scratch: &Path,
        limit: Duration,
    ) -> Server {
        Server::start_with_env(articles, index, watch, log, scratch, limit, &[])
    }

    /// [`Server::start`] with more variables in the child's environment.
    pub fn start_with_env(
        articles: &Path,
        index: &Path,
        watch: bool,
        log: &str,
        scratch: &Path,
        limit: Duration,
        env: &[(&str, &str)],
    ) -> Server {
        let out_path = scratch.join("serve.stdout");
        let err_path = scratch.join("serve.stderr");
        let out = File::create(&out_path).expect("the stdout file can be created");
        let err = File::create(&err_path).expect("the stderr file can be created");
        let mut cmd = kb();
        cmd.arg("serve")
            .arg("--articles")
            .arg(articles)
            .arg("--index")
            .arg(index)
            // Feedback and the search log beside the scratch files, never in the checkout.
            .arg("--data")
            .arg(scratch.join("data"))
            .args(["--addr", "127.0.0.1:0"])
            .env("RUST_LOG", log)
            .envs(env.iter().copied())
            .stdout(out)
            .stderr(err);
        if watch {
            cmd.arg("--watch");
        }
        let mut child = ChildGuard::spawn(&mut cmd, "kb serve");
        let started = Instant::now();
        let addr = loop {
            let text = std::fs::read_to_string(&out_path).unwrap_or_default();
            if let Some(addr) = text.lines().find_map(served_addr) {
                break addr;
            }
            if let Some(status) = child.try_wait() {
                let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
                panic!("kb serve ended ({status}) before serving:\n{stderr}");
            }
            assert!(
                started.elapsed() < limit,
                "kb serve did not start serving within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Server {
            child,
            addr,
            stderr: err_path,
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, and reaps it.
    pub fn kill(&mut self) {
        self.child.kill();
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().is_none()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Waits at most `limit` for the server to end by itself (the test fails past it).
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        self.child.wait_bounded(limit)
    }

    /// SIGTERM, then waits at most `limit` for the exit; returns the status and how long
    /// shutting down took.
    pub fn terminate(&mut self, limit: Duration) -> (ExitStatus, Duration) {
        let started = Instant::now();
        if let Some(status) = self.child.try_wait() {
            return (status, Duration::ZERO);
        }
        self.child.terminate();
        let status = self.child.wait_bounded(limit);
        (status, started.elapsed())
    }
}

/// `kb: serving N articles at http://127.0.0.1:PORT/...` -> the address.
fn served_addr(line: &str) -> Option<SocketAddr> {
    let rest = line.strip_prefix("kb: serving ")?;
    let (_, url) = rest.split_once("http://")?;
    url.split('/').next()?.parse().ok()
}

/// Sends raw bytes as one request over a fresh connection and reads the status of the
/// answer, within `limit` in all. `Err` says what happened instead of a status line (closed
/// without an answer, timed out).
pub fn raw_request(addr: SocketAddr, request: &[u8], limit: Duration) -> Result<u16, String> {
    let mut stream =
        TcpStream::connect_timeout(&addr, limit).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(limit))
        .and_then(|()| stream.set_write_timeout(Some(limit)))
        .map_err(|e| format!("timeouts: {e}"))?;
    // The server may answer and close before it has read everything (a refused, too-long
    // request): a failed write is then expected, and the answer is read all the same.
    let _ = stream.write_all(request);
    let _ = stream.flush();
    let started = Instant::now();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(2).position(|w| w == b"\r\n") {
            let line = String::from_utf8_lossy(&buf[..end]).into_owned();
            return line
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("not a status line: {line:?}"));
        }
        if started.elapsed() > limit {
            return Err(format!("no status line within {limit:?}"));
        }
        match stream.read(&mut chunk) {
            Ok(0) => {
                return Err(format!(
                    "connection closed after {} bytes and no status line",
                    buf.len()
                ));
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(format!("no answer within {limit:?}"));
            }
            Err(e) => return Err(format!("reading: {e}")),
        }
    }
}

/// Percentile `p` (0..=100) of unsorted samples, by nearest rank.
pub fn percentile(samples: &[f64], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// One request over a fresh connection; the status and the body.
pub fn http_request(addr: SocketAddr, request: &str) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("write: {e}"))?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .map_err(|e| format!("read: {e}"))?;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status line in {} bytes", answer.len()))?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_owned());
    Ok((status, body))
}

/// `GET target`.
pub fn get(addr: SocketAddr, target: &str) -> Result<(u16, String), String> {
    http_request(
        addr,
        &format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
}

/// A feedback form POST (`kind=wrong`), as a browser on the site sends it.
pub fn post_feedback(addr: SocketAddr, path: &str, comment: &str) -> Result<(u16, String), String> {
    let body = format!(
        "path={}&kind=wrong&comment={comment}",
        path.replace('/', "%2F")
    );
    http_request(
        addr,
        &format!(
            "POST /feedback HTTP/1.1\r\nHost: {addr}\r\nSec-Fetch-Site: same-origin\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}
