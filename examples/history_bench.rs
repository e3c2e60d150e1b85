//! How fast `selfhelp_kb::history` reads a large history: builds a repository of 20,000
//! commits over 2,000 files (with merged side branches, deletions and files outside the
//! articles folder) in a temporary folder with `git fast-import`, then times the first
//! summary, a second one with HEAD unchanged, one after 100 new commits, and two logs.
//!
//! ```sh
//! cargo run --release --example history_bench [-- COMMITS FILES]
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};
use selfhelp_kb::history::Repo;

/// Folders the files are spread over (SelfHelpContent has a few dozen topic folders).
const FOLDERS: usize = 40;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let commits: usize = args.next().map_or(Ok(20_000), |a| a.parse())?;
    let files: usize = args.next().map_or(Ok(2_000), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    git(root, &["-c", "init.defaultBranch=main", "init", "-q"])?;
    std::fs::create_dir(root.join("articles"))?;

    let started = Instant::now();
    let mut history = History::new(files);
    let stream = history.commits(commits);
    fast_import(root, &stream)?;
    let built = started.elapsed();
    let count = git(root, &["rev-list", "--count", "HEAD"])?;
    let present = git(root, &["ls-tree", "-r", "--name-only", "HEAD", "articles/"])?
        .lines()
        .count();
    println!(
        "repository: {count} commits, {present} files under articles/ at HEAD \
         ({} MB of stream, built in {:.2} s)",
        stream.len() / (1024 * 1024),
        built.as_secs_f64()
    );

    let repo = Repo::discover(&root.join("articles"))?.context("no repository found")?;
    let (first, stats) = repo.summaries(None)?;
    println!(
        "first summary:          {:>9.1} ms, commits_read {}, files {}",
        ms(stats.elapsed),
        stats.commits_read,
        first.files.len()
    );
    if first.files.len() != present {
        bail!("{} files summarized, {present} at HEAD", first.files.len());
    }
    let (second, stats) = repo.summaries(Some(&first))?;
    println!(
        "unchanged HEAD:         {:>9.1} ms, commits_read {}",
        ms(stats.elapsed),
        stats.commits_read
    );
    if second != first {
        bail!("the unchanged summary differs");
    }

    let more = history.more(100);
    fast_import(root, &more)?;
    let (third, stats) = repo.summaries(Some(&second))?;
    println!(
        "after 100 new commits:  {:>9.1} ms, commits_read {}",
        ms(stats.elapsed),
        stats.commits_read
    );
    let (again, stats) = repo.summaries(None)?;
    println!(
        "full read of that HEAD: {:>9.1} ms, commits_read {}, equal to the incremental one: {}",
        ms(stats.elapsed),
        stats.commits_read,
        again == third
    );
    if again != third {
        bail!("the incremental summary differs from a full read");
    }

    let (busiest, history_of) = third
        .files
        .iter()
        .max_by_key(|(_, h)| h.commits)
        .context("no files")?;
    for limit in [10, usize::MAX] {
        let started = Instant::now();
        let log = repo.log(busiest, limit)?;
        let bytes: usize = log.iter().map(|e| e.diff.len()).sum();
        println!(
            "log of {busiest} (changed in {} commits), limit {}: {:.1} ms, {} entries, {} KB of diffs",
            history_of.commits,
            if limit == usize::MAX {
                "none".to_owned()
            } else {
                limit.to_string()
            },
            ms(started.elapsed()),
            log.len(),
            bytes / 1024
        );
    }
    Ok(())
}

fn ms(time: std::time::Duration) -> f64 {
    time.as_secs_f64() * 1000.0
}

/// A generated history: files with versions, changed by a seeded generator.
struct History {
    rng: u64,
    time: i64,
    mark: usize,
    files: usize,
    /// Path -> version, for the files on main.
    main: BTreeMap<String, u32>,
    next_file: usize,
}

impl History {
    fn new(files: usize) -> Self {
        History {
            rng: 0x9E37_79B9_7F4A_7C15,
            time: 1_500_000_000,
            mark: 0,
            files,
            main: BTreeMap::new(),
            next_file: 0,
        }
    }

    fn random(&mut self, below: usize) -> usize {
        // xorshift64*: the same history on every run.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % below
    }

    fn new_path(&mut self) -> String {
        let n = self.next_file;
        self.next_file += 1;
        format!("articles/topic-{:02}/article-{n:05}.md", n % FOLDERS)
    }

    fn any_path(&mut self) -> String {
        let at = self.random(self.main.len());
        self.main.keys().nth(at).cloned().unwrap_or_default()
    }

    /// `total` commits on main: the files added in the first commits, then edits of one to
    /// three files, every 50th commit ending a 4-commit side branch in a merge, one in 200
    /// replacing a file with a new one, one in 10 touching a file outside articles/.
    fn commits(&mut self, total: usize) -> String {
        let mut out = String::new();
        let mut made = 0;
        let mut last_main = None;
        while made < total {
            if self.main.len() < self.files {
                let mut changes = Vec::new();
                for _ in 0..(self.files / 100).clamp(1, self.files - self.main.len()) {
                    let path = self.new_path();
                    self.main.insert(path.clone(), 0);
                    changes.push(Change::Set(path, 0));
                }
                last_main = Some(self.commit(&mut out, "main", last_main, None, &changes, "Add"));
                made += 1;
            } else if made % 50 == 49 && total - made >= 5 {
                // A side branch off main editing its own files, merged back.
                let fork = last_main;
                let mut side = fork;
                let mut side_files = BTreeMap::new();
                for _ in 0..4 {
                    let path = self.any_path();
                    let version = side_files.get(&path).copied().unwrap_or(self.main[&path]) + 1;
                    side_files.insert(path.clone(), version);
                    side = Some(self.commit(
                        &mut out,
                        "side",
                        side,
                        None,
                        &[Change::Set(path, version)],
                        "Side edit",
                    ));
                }
                let merged: Vec<Change> = side_files
                    .into_iter()
                    .map(|(path, version)| {
                        self.main.insert(path.clone(), version);
                        Change::Set(path, version)
                    })
                    .collect();
                last_main = Some(self.commit(&mut out, "main", fork, side, &merged, "Merge side"));
                made += 5;
            } else {
                let mut changes = Vec::new();
                if made % 200 == 100 {
                    let gone = self.any_path();
                    self.main.remove(&gone);
                    changes.push(Change::Delete(gone));
                    let path = self.new_path();
                    self.main.insert(path.clone(), 0);
                    changes.push(Change::Set(path, 0));
                } else {
                    for _ in 0..1 + self.random(3) {
                        let path = self.any_path();
                        let version = self.main[&path] + 1;
                        self.main.insert(path.clone(), version);
                        changes.push(Change::Set(path, version));
                    }
                }
                if made % 10 == 3 {
                    changes.push(Change::Set("tools/build.sh".to_owned(), made as u32));
                }
                last_main = Some(self.commit(&mut out, "main", last_main, None, &changes, "Edit"));
                made += 1;
            }
        }
        out
    }

    /// `n` more commits on main, each editing one or two files, after what is there.
    fn more(&mut self, n: usize) -> String {
        let mut out = String::new();
        let mut parent = None;
        for i in 0..n {
            let mut changes = Vec::new();
            for _ in 0..1 + self.random(2) {
                let path = self.any_path();
                let version = self.main[&path] + 1;
                self.main.insert(path.clone(), version);
                changes.push(Change::Set(path, version));
            }
            let from = if i == 0 {
                From::Branch
            } else {
                From::Mark(parent)
            };
            parent = Some(self.commit_from(&mut out, "main", from, None, &changes, "More"));
        }
        out
    }

    fn commit(
        &mut self,
        out: &mut String,
        branch: &str,
        parent: Option<usize>,
        merge: Option<usize>,
        changes: &[Change],
        what: &str,
    ) -> usize {
        self.commit_from(out, branch, From::Mark(parent), merge, changes, what)
    }

    fn commit_from(
        &mut self,
        out: &mut String,
        branch: &str,
        from: From,
        merge: Option<usize>,
        changes: &[Change],
        what: &str,
    ) -> usize {
        self.mark += 1;
        self.time += 60;
        let subject = format!("{what} {}", self.mark);
        let _ = write!(
            out,
            "commit refs/heads/{branch}\nmark :{}\n\
             author Writer {} <w{}@example.com> {} +0000\n\
             committer Bot <bot@example.com> {} +0000\n\
             data {}\n{subject}\n",
            self.mark,
            self.mark % 17,
            self.mark % 17,
            self.time,
            self.time,
            subject.len() + 1
        );
        match from {
            From::Mark(Some(parent)) => {
                let _ = writeln!(out, "from :{parent}");
            }
            From::Mark(None) => {}
            From::Branch => out.push_str("from refs/heads/main^0\n"),
        }
        if let Some(merge) = merge {
            let _ = writeln!(out, "merge :{merge}");
        }
        for change in changes {
            match change {
                Change::Set(path, version) => {
                    let text = body(path, *version);
                    let _ = write!(out, "M 100644 inline {path}\ndata {}\n{text}\n", text.len());
                }
                Change::Delete(path) => {
                    let _ = writeln!(out, "D {path}");
                }
            }
        }
        self.mark
    }
}

enum From {
    Mark(Option<usize>),
    Branch,
}

enum Change {
    Set(String, u32),
    Delete(String),
}

/// An article's text at a version: a front matter, some paragraphs, the version in one line.
fn body(path: &str, version: u32) -> String {
    let mut text = format!("---\ntitle: {path}\n---\n\n# {path}\n\n");
    for i in 0..8 {
        let _ = writeln!(
            text,
            "Paragraph {i} explains one step of the fix for this problem in plain words.\n"
        );
    }
    let _ = writeln!(text, "Revision {version}.");
    text
}

fn git(root: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("git")
        .current_dir(root)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args(args)
        .output()
        .context("running git")?;
    if !out.status.success() {
        bail!("git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}

fn fast_import(root: &Path, stream: &str) -> anyhow::Result<()> {
    let mut child = Command::new("git")
        .current_dir(root)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .context("running git fast-import")?;
    child
        .stdin
        .take()
        .context("no pipe to fast-import")?
        .write_all(stream.as_bytes())?;
    if !child.wait()?.success() {
        bail!("git fast-import failed");
    }
    Ok(())
}
