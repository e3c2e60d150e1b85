//! Helpers of the reliability suite: where the corpus is, running `kb` with a bound on every
//! wait, child processes and mounts that clean up after themselves when a test fails, a
//! seeded random number generator, and reading what an index holds.
//!
//! Everything here is written so that a failing test can neither hang nor leave something
//! behind: children are killed in `Drop`, mounts are unmounted in `Drop`, every wait has a
//! limit.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use selfhelp_kb::index::{KbIndex, names};
use selfhelp_kb::search::{SearchRequest, Searcher};

/// The crate root: `articles/` is found from here, and `kb` runs here.
pub fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The project's sample articles (54 of them).
pub fn sample_articles() -> PathBuf {
    crate_root().join("articles")
}

/// `$KB_SHARED`, else `../shared` next to the crate.
pub fn shared() -> PathBuf {
    std::env::var_os("KB_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_root().join("../shared"))
}

/// The real corpus (read-only; never copied into the repository).
pub fn corpus_dir() -> PathBuf {
    let dir = shared().join("corpus/articles");
    assert!(
        dir.is_dir(),
        "the reliability suite needs the corpus at {} (set KB_SHARED)",
        dir.display()
    );
    dir
}

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

/// `kb` from the crate root, with `RUST_LOG` unset so that standard error carries only what
/// `kb` itself reports, and no standard input.
pub fn kb() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kb"));
    cmd.current_dir(crate_root())
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    cmd
}

/// A child process that is killed (SIGKILL) and reaped when dropped: a test that fails or
/// panics half-way never leaves a `kb` running.
pub struct ChildGuard {
    child: Option<Child>,
    what: String,
}

impl ChildGuard {
    pub fn spawn(cmd: &mut Command, what: &str) -> ChildGuard {
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {what}: {e}"));
        ChildGuard {
            child: Some(child),
            what: what.to_owned(),
        }
    }

    pub fn id(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The exit status if the child has ended, without waiting.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        child
            .try_wait()
            .unwrap_or_else(|e| panic!("waiting for {}: {e}", self.what))
    }

    /// Waits for the child to end by itself, at most `limit`; past it the child is killed
    /// and the test fails.
    pub fn wait_bounded(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.try_wait() {
                return status;
            }
            if started.elapsed() > limit {
                self.kill();
                panic!("{} was still running after {limit:?}", self.what);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// SIGKILL now, and reap.
    pub fn kill(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        // It may have ended already: killing a reaped child is an error we do not care about.
        let _ = child.kill();
        child.wait().ok()
    }

    /// Sends SIGTERM (through `kill(1)`: the crate forbids `unsafe`, so no libc call).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.id().to_string())
            .stdin(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("running kill(1): {e}"));
        assert!(status.success(), "kill -TERM {} failed", self.id());
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Ran {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Runs `cmd` to its end within `limit`. Output goes to anonymous temporary files rather than
/// pipes: a child writing more than a pipe holds while nobody reads would stall, and look
/// like a hang.
pub fn run(cmd: &mut Command, limit: Duration, what: &str) -> Ran {
    let mut out = tempfile::tempfile().expect("a temporary file");
    let mut err = tempfile::tempfile().expect("a temporary file");
    cmd.stdout(out.try_clone().expect("the file can be shared"))
        .stderr(err.try_clone().expect("the file can be shared"));
    let started = Instant::now();
    let mut child = ChildGuard::spawn(cmd, what);
    let status = child.wait_bounded(limit);
    let elapsed = started.elapsed();
    Ran {
        status,
        stdout: read_all(&mut out),
        stderr: read_all(&mut err),
        elapsed,
    }
}

fn read_all(file: &mut File) -> String {
    let mut bytes = Vec::new();
    file.rewind().expect("the file can be rewound");
    file.read_to_end(&mut bytes).expect("the file can be read");
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `kb index --articles A --index I` plus `extra`, to its end.
pub fn kb_index(articles: &Path, index: &Path, extra: &[&str], limit: Duration) -> Ran {
    let mut cmd = kb();
    cmd.arg("index")
        .arg("--articles")
        .arg(articles)
        .arg("--index")
        .arg(index)
        .args(extra);
    run(&mut cmd, limit, "kb index")
}

/// A seeded generator (SplitMix64): the same seed gives the same kill moments and the same
/// hostile requests on every run, so a failure can be reproduced.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`); the modulo bias is irrelevant at these sizes.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// Path -> content hash of every live document of the index in `dir`, read from its fast
/// columns: exactly what decides whether two indexes hold the same articles. Fails when a
/// path is indexed twice (a crash must not leave duplicates either).
pub fn indexed_files(dir: &Path) -> BTreeMap<String, String> {
    let index = KbIndex::open(dir).unwrap_or_else(|e| panic!("opening {}: {e}", dir.display()));
    let searcher = index.searcher();
    let mut out = BTreeMap::new();
    for segment in searcher.segment_readers() {
        let ff = segment.fast_fields();
        let column = |name: &str| {
            ff.str(name)
                .expect("the column can be read")
                .unwrap_or_else(|| panic!("no {name} column"))
        };
        let (paths, hashes) = (column(names::PATH), column(names::HASH));
        let text = |col: &tantivy::columnar::StrColumn, doc| {
            let ord = col
                .term_ords(doc)
                .next()
                .expect("every document has a value");
            let mut s = String::new();
            col.ord_to_str(ord, &mut s).expect("the term can be read");
            s
        };
        for doc in segment.doc_ids_alive() {
            let path = text(&paths, doc);
            let hash = text(&hashes, doc);
            if let Some(previous) = out.insert(path.clone(), hash) {
                panic!("{path} is indexed twice (one copy with hash {previous})");
            }
        }
    }
    out
}

/// Path -> blake3 of the bytes of every `.md` file under `root` (not following links, hidden
/// entries skipped): what a fresh index of the folder holds.
pub fn disk_files(root: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).expect("the folder can be listed") {
            let entry = entry.expect("the entry can be read");
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = format!("{prefix}{name}");
            let kind = entry.file_type().expect("the entry has a type");
            if kind.is_dir() {
                walk(&entry.path(), &format!("{path}/"), out);
            } else if kind.is_file() && name.to_ascii_lowercase().ends_with(".md") {
                let bytes = std::fs::read(entry.path()).expect("the article can be read");
                out.insert(path, blake3::hash(&bytes).to_hex().to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, "", &mut out);
    out
}

/// Asserts two path -> hash maps are equal, naming the first differences rather than
/// printing thousands of entries.
pub fn assert_same_files(
    actual: &BTreeMap<String, String>,
    expected: &BTreeMap<String, String>,
    what: &str,
) {
    if actual == expected {
        return;
    }
    let differing: Vec<String> = actual
        .keys()
        .chain(expected.keys())
        .filter(|p| actual.get(*p) != expected.get(*p))
        .take(8)
        .map(|p| {
            format!(
                "{p}: {} vs {}",
                actual.get(p).map_or("missing", |h| &h[..12]),
                expected.get(p).map_or("missing", |h| &h[..12])
            )
        })
        .collect();
    panic!(
        "{what}: {} files indexed, {} expected; first differences (actual vs expected): \
         {differing:#?}",
        actual.len(),
        expected.len()
    );
}

/// A searcher over the index in `dir`, opened afresh so that it sees the last commit.
pub fn open_searcher(dir: &Path) -> Searcher {
    Searcher::new(KbIndex::open(dir).unwrap_or_else(|e| panic!("opening {}: {e}", dir.display())))
}

/// How many articles browsing everything finds.
pub fn browse_total(searcher: &Searcher) -> usize {
    searcher
        .search(&SearchRequest::default())
        .expect("browsing works")
        .total
}

/// The paths of the first 100 hits of a free-text search.
pub fn hit_paths(searcher: &Searcher, q: &str) -> Vec<String> {
    let req = SearchRequest {
        per_page: 100,
        ..SearchRequest::text(q)
    };
    let resp = searcher
        .search(&req)
        .unwrap_or_else(|e| panic!("search {q:?}: {e}"));
    resp.hits.into_iter().map(|h| h.path).collect()
}

/// Bytes used by the files directly in `dir`.
pub fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Copies a folder tree (files and folders; links are not expected in the corpus).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("the target folder can be created");
    for entry in std::fs::read_dir(from).expect("the folder can be listed") {
        let entry = entry.expect("the entry can be read");
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("the entry has a type");
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).expect("the file can be copied");
        }
    }
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
    let ran = run(&mut cmd, Duration::from_secs(30), "mount");
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
            .args(["--addr", "127.0.0.1:0"])
            .env("RUST_LOG", log)
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

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().is_none()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
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

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn enc(s: &str) -> String {
    enc_bytes(s.as_bytes())
}

/// Percent-encodes bytes (which need not be UTF-8).
pub fn enc_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A relative article path as a URL path: each segment encoded, `/` kept.
pub fn enc_path(path: &str) -> String {
    path.split('/').map(enc).collect::<Vec<_>>().join("/")
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
