//! Running `kb` as a child process: from the crate root, with `RUST_LOG` unset and no
//! standard input, with a bound on every wait, and killed when a test fails half-way.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::crate_root;

/// The longest any one `kb` run may take before the test fails as hung. Generous: a full
/// build of the real corpus takes a few seconds, a debug build of it under a loaded machine
/// some tens.
pub const LIMIT: Duration = Duration::from_secs(300);

/// `kb` from the crate root, with `RUST_LOG` unset so that standard error carries only what
/// `kb` itself reports, and no standard input.
pub fn kb() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kb"));
    cmd.current_dir(crate_root())
        .env_remove("RUST_LOG")
        .env_remove("KB_FAILPOINT")
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

impl Ran {
    /// Fails, showing standard error, unless the command exited with status 0.
    pub fn assert_success(&self, what: &str) -> &Ran {
        assert!(
            self.status.success(),
            "{what}: {}; stderr:\n{}",
            self.status,
            self.stderr
        );
        self
    }
}

/// Runs `cmd` to its end within [`LIMIT`]. Output goes to anonymous temporary files rather
/// than pipes: a child writing more than a pipe holds while nobody reads would stall, and
/// look like a hang. Output that is not UTF-8 fails the test.
pub fn run(cmd: &mut Command, what: &str) -> Ran {
    run_within(cmd, LIMIT, what)
}

/// [`run`] with another bound.
pub fn run_within(cmd: &mut Command, limit: Duration, what: &str) -> Ran {
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
        stdout: read_all(&mut out, what, "standard output"),
        stderr: read_all(&mut err, what, "standard error"),
        elapsed,
    }
}

fn read_all(file: &mut File, what: &str, which: &str) -> String {
    let mut bytes = Vec::new();
    file.rewind().expect("the file can be rewound");
    file.read_to_end(&mut bytes).expect("the file can be read");
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: {which} is not UTF-8: {e}"))
}

/// `kb index --articles A --index I` plus `extra`, to its end.
pub fn kb_index(articles: &Path, index: &Path, extra: &[&str]) -> Ran {
    let mut cmd = kb();
    cmd.arg("index")
        .arg("--articles")
        .arg(articles)
        .arg("--index")
        .arg(index)
        .args(extra);
    run(&mut cmd, "kb index")
}
