//! `selfhelp_kb::history` against small repositories built here with `git` (commands and
//! fast-import), with fixed names, emails and dates so that every id and count is exact:
//! discovery, paths relative to the articles folder, counts and last changes, renames,
//! deletion and re-adding, merges, a file changed 1,000 times, logs with diffs, and
//! incremental summaries.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use selfhelp_kb::history::{Change, FileHistory, HistoryError, Repo, Summaries};

/// A git repository in a temporary folder, driven by the `git` program.
struct Git {
    dir: tempfile::TempDir,
}

impl Git {
    fn new() -> Git {
        let git = Git {
            dir: tempfile::tempdir().expect("a temporary folder"),
        };
        git.run(&["-c", "init.defaultBranch=main", "init", "-q"], 0);
        git
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Runs git with a fixed identity and both dates at `time` (unix seconds), apart from the
    /// user's and the system's configuration; returns stdout, trimmed.
    fn run(&self, args: &[&str], time: i64) -> String {
        self.run_as(args, "Ann Author", time, time)
    }

    fn run_as(&self, args: &[&str], author: &str, time: i64, committed: i64) -> String {
        let out = self
            .command(author, time, committed)
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("git prints UTF-8 here")
            .trim()
            .to_owned()
    }

    fn command(&self, author: &str, time: i64, committed: i64) -> Command {
        let mut command = Command::new("git");
        command
            .current_dir(self.root())
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", author)
            .env("GIT_AUTHOR_EMAIL", "author@example.com")
            .env("GIT_COMMITTER_NAME", "Cam Committer")
            .env("GIT_COMMITTER_EMAIL", "committer@example.com")
            .env("GIT_AUTHOR_DATE", format!("@{time} +0000"))
            .env("GIT_COMMITTER_DATE", format!("@{committed} +0000"))
            .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"]);
        command
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.root().join(path);
        std::fs::create_dir_all(path.parent().expect("a file has a folder"))
            .expect("creating folders");
        std::fs::write(path, text).expect("writing a file");
    }

    fn remove(&self, path: &str) {
        std::fs::remove_file(self.root().join(path)).expect("removing a file");
    }

    /// Commits everything in the work tree (`git add -A`) as Ann Author; returns the id.
    fn commit(&self, subject: &str, time: i64) -> String {
        self.commit_as(subject, "Ann Author", time, time)
    }

    fn commit_as(&self, subject: &str, author: &str, time: i64, committed: i64) -> String {
        self.run_as(&["add", "-A"], author, time, committed);
        self.run_as(
            &[
                "commit",
                "-q",
                "--allow-empty",
                "-m",
                subject,
                "-m",
                "Body line.",
            ],
            author,
            time,
            committed,
        );
        self.head()
    }

    fn head(&self) -> String {
        self.run(&["rev-parse", "HEAD"], 0)
    }

    /// Feeds `stream` to `git fast-import` (then the index and work tree are not updated;
    /// the history is read from HEAD, so they need not be).
    fn fast_import(&self, stream: &str) {
        use std::io::Write;
        let mut child = self
            .command("Ann Author", 0, 0)
            .args(["fast-import", "--quiet"])
            .stdin(Stdio::piped())
            .spawn()
            .expect("git fast-import runs");
        child
            .stdin
            .take()
            .expect("a pipe")
            .write_all(stream.as_bytes())
            .expect("feeding fast-import");
        assert!(child.wait().expect("fast-import ends").success());
    }

    fn articles(&self) -> PathBuf {
        let dir = self.root().join("articles");
        std::fs::create_dir_all(&dir).expect("creating the articles folder");
        dir
    }

    fn repo(&self) -> Repo {
        Repo::discover(&self.articles())
            .expect("the repository opens")
            .expect("the articles folder is in a work tree")
    }
}

fn full(repo: &Repo) -> Summaries {
    repo.summaries(None).expect("the history reads").0
}

/// The files of a summary as (path, commits, last commit id).
fn counts(summaries: &Summaries) -> Vec<(String, usize, String)> {
    summaries
        .files
        .iter()
        .map(|(path, history)| (path.clone(), history.commits, history.last.id.clone()))
        .collect()
}

fn row(path: &str, commits: usize, last: &str) -> (String, usize, String) {
    (path.to_owned(), commits, last.to_owned())
}

/// A fast-import commit on `branch` setting each (path, text), with message `subject`.
fn import_commit(branch: &str, time: i64, subject: &str, files: &[(&str, &str)]) -> String {
    let mut out = format!(
        "commit refs/heads/{branch}\n\
         author Ann Author <author@example.com> {time} +0000\n\
         committer Cam Committer <committer@example.com> {time} +0000\n\
         data {}\n{subject}\n",
        subject.len() + 1
    );
    for (path, text) in files {
        out.push_str(&format!(
            "M 100644 inline {path}\ndata {}\n{text}\n",
            text.len()
        ));
    }
    out
}

#[test]
fn a_folder_outside_any_repository_has_no_history() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let articles = dir.path().join("articles");
    std::fs::create_dir(&articles).expect("creating a folder");
    assert!(
        !dir.path().join(".git").exists() && Repo::discover(&articles).expect("no error").is_none()
    );
    let missing = Repo::discover(&dir.path().join("missing"));
    assert!(
        matches!(missing, Err(HistoryError::Folder { .. })),
        "{missing:?}"
    );
}

#[test]
fn a_repository_without_commits_has_no_history() {
    let git = Git::new();
    assert!(Repo::discover(&git.articles()).expect("no error").is_none());
    git.write("articles/a.md", "a\n");
    git.commit("first", 1000);
    assert!(Repo::discover(&git.articles()).expect("no error").is_some());
}

#[test]
fn paths_are_relative_to_the_articles_folder_and_only_its_files_are_listed() {
    let git = Git::new();
    git.write("README.md", "readme\n");
    git.write("articles-old/z.md", "not articles\n");
    git.write("other/x.md", "x\n");
    git.write("articles/a.md", "a\n");
    git.write("articles/compute/vm.md", "vm\n");
    let first = git.commit("Add everything", 1000);
    git.write("README.md", "readme 2\n");
    git.write("other/x.md", "x 2\n");
    git.commit("Outside the articles folder only", 2000);
    let second = {
        git.write("articles/compute/vm.md", "vm 2\n");
        git.commit("Edit vm", 3000)
    };
    let repo = git.repo();
    assert_eq!(repo.folder(), "articles");
    let summaries = full(&repo);
    assert_eq!(summaries.head, second);
    assert_eq!(
        counts(&summaries),
        vec![row("a.md", 1, &first), row("compute/vm.md", 2, &second)]
    );
    // The work tree itself as the articles folder: every file, from the root.
    let root = Repo::discover(git.root())
        .expect("opens")
        .expect("a work tree");
    assert_eq!(root.folder(), "");
    let paths: Vec<String> = full(&root).files.into_keys().collect();
    assert_eq!(
        paths,
        [
            "README.md",
            "articles-old/z.md",
            "articles/a.md",
            "articles/compute/vm.md",
            "other/x.md"
        ]
    );
}

#[test]
fn additions_modifications_mode_changes_and_deletions_count_and_the_last_change_is_exact() {
    let git = Git::new();
    git.write("articles/a.md", "a\n");
    git.write("articles/b.md", "b\n");
    let c1 = git.commit_as("Add a and b", "Alice", 1000, 1000);
    git.write("articles/a.md", "a 2\n");
    let c2 = git.commit_as("Edit a", "Bob", 2000, 2100);
    git.write("articles/c.md", "c\n");
    git.remove("articles/b.md");
    let c3 = git.commit_as("Add c, remove b", "Carol", 3000, 3000);
    git.run(&["update-index", "--chmod=+x", "articles/c.md"], 0);
    git.run_as(
        &["commit", "-q", "-m", "Make c executable"],
        "Dan",
        4000,
        4000,
    );
    let c4 = git.head();
    let summaries = full(&git.repo());
    assert_eq!(
        counts(&summaries),
        vec![row("a.md", 2, &c2), row("c.md", 2, &c4)]
    );
    assert_eq!(
        summaries.files["a.md"],
        FileHistory {
            last: Change {
                id: c2.clone(),
                short: c2[..7].to_owned(),
                time: 2000,
                committed: 2100,
                author: "Bob".to_owned(),
                subject: "Edit a".to_owned(),
            },
            commits: 2,
        }
    );
    let repo = git.repo();
    let ids = |path: &str| -> Vec<String> {
        let log = repo.log(path, 10).expect("the log reads");
        log.into_iter().map(|entry| entry.change.id).collect()
    };
    assert_eq!(ids("a.md"), [c2.clone(), c1.clone()]);
    assert_eq!(ids("b.md"), [c3.clone(), c1.clone()]);
    assert_eq!(ids("c.md"), [c4.clone(), c3.clone()]);
    let log = repo.log("c.md", 1).expect("the log reads");
    assert_eq!(
        log[0].diff,
        "diff --git a/c.md b/c.md\nold mode 100644\nnew mode 100755\n"
    );
}

#[test]
fn a_rename_starts_the_new_paths_history_and_the_log_names_its_source() {
    let git = Git::new();
    let text: String = (1..=10).map(|i| format!("line {i}\n")).collect();
    git.write("articles/old.md", &text);
    git.write("articles/keep.md", "keep\n");
    git.commit("Add old", 1000);
    git.write("articles/old.md", &text.replace("line 3\n", "line three\n"));
    git.commit("Edit old", 2000);
    git.run(&["mv", "articles/old.md", "articles/new.md"], 0);
    git.write(
        "articles/new.md",
        &text
            .replace("line 3\n", "line three\n")
            .replace("line 9\n", "line nine\n"),
    );
    let renamed = git.commit("Rename old to new, edit line 9", 3000);
    let repo = git.repo();
    let summaries = full(&repo);
    assert_eq!(summaries.files["new.md"].commits, 1);
    assert_eq!(summaries.files["new.md"].last.id, renamed);
    assert!(!summaries.files.contains_key("old.md"));

    let log = repo.log("new.md", 10).expect("the log reads");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].change.id, renamed);
    assert_eq!(log[0].renamed_from.as_deref(), Some("old.md"));
    let old_id = git.run(&["rev-parse", "HEAD~1:articles/old.md"], 0);
    let new_id = git.run(&["rev-parse", "HEAD:articles/new.md"], 0);
    assert_eq!(
        log[0].diff,
        format!(
            "diff --git a/old.md b/new.md\n\
             rename from old.md\n\
             rename to new.md\n\
             index {}..{} 100644\n\
             --- a/old.md\n\
             +++ b/new.md\n\
             @@ -6,5 +6,5 @@\n \
             line 6\n \
             line 7\n \
             line 8\n\
             -line 9\n\
             +line nine\n \
             line 10\n",
            &old_id[..7],
            &new_id[..7]
        )
    );

    // A rename without edits: the same blob at a new path.
    git.run(&["mv", "articles/keep.md", "articles/kept.md"], 0);
    git.commit("Rename keep", 4000);
    let log = repo.log("kept.md", 10).expect("the log reads");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].renamed_from.as_deref(), Some("keep.md"));
    assert_eq!(
        log[0].diff,
        "diff --git a/keep.md b/kept.md\nrename from keep.md\nrename to kept.md\n"
    );
}

#[test]
fn a_file_deleted_and_added_again_keeps_its_earlier_commits() {
    let git = Git::new();
    git.write("articles/x.md", "x\n");
    git.write("articles/y.md", "y\n");
    git.commit("Add x", 1000);
    git.write("articles/x.md", "x 2\n");
    git.commit("Edit x", 2000);
    git.remove("articles/x.md");
    let deleted = git.commit("Remove x", 3000);
    let repo = git.repo();
    let before = full(&repo);
    assert_eq!(before.head, deleted);
    assert!(!before.files.contains_key("x.md"));
    git.write("articles/x.md", "x again\n");
    let added = git.commit("Add x again", 4000);
    let (after, stats) = repo.summaries(Some(&before)).expect("reads");
    assert_eq!(stats.commits_read, 1);
    assert_eq!(after.files["x.md"].commits, 4);
    assert_eq!(after.files["x.md"].last.id, added);
    assert_eq!(after, full(&repo));
    let log = repo.log("x.md", 10).expect("reads");
    let subjects: Vec<&str> = log.iter().map(|e| e.change.subject.as_str()).collect();
    assert_eq!(subjects, ["Add x again", "Remove x", "Edit x", "Add x"]);
    assert_eq!(
        log[1].diff,
        "diff --git a/x.md b/x.md\n\
         deleted file mode 100644\n\
         index 54cee97..0000000\n\
         --- a/x.md\n\
         +++ /dev/null\n\
         @@ -1 +0,0 @@\n\
         -x 2\n"
    );
}

#[test]
fn a_merge_counts_only_where_it_differs_from_every_parent() {
    let git = Git::new();
    git.write("articles/a.md", "a1\na2\na3\n");
    git.write("articles/b.md", "b\n");
    let c1 = git.commit("Add a and b", 1000);
    git.run(&["checkout", "-q", "-b", "side"], 0);
    git.write("articles/b.md", "b side\n");
    let side = git.commit("Edit b on side", 2000);
    git.run(&["checkout", "-q", "main"], 0);
    git.write("articles/a.md", "a1 main\na2\na3\n");
    let main = git.commit("Edit a on main", 3000);
    git.run(&["merge", "-q", "--no-edit", "side"], 4000);
    let merge = git.head();
    let repo = git.repo();
    let first = full(&repo);
    assert_eq!(first.head, merge);
    // The merge took a from main and b from side: it changed neither.
    assert_eq!(
        counts(&first),
        vec![row("a.md", 2, &main), row("b.md", 2, &side)]
    );
    assert!(first.files.values().all(|h| h.last.id != c1));

    // A conflict on a's first line, resolved by hand: that merge changed a.
    git.run(&["checkout", "-q", "-b", "other", &c1], 0);
    git.write("articles/a.md", "a1 other\na2\na3\n");
    let other = git.commit("Edit a on other", 5000);
    git.run(&["checkout", "-q", "main"], 0);
    let conflicted = git
        .command("Ann Author", 6000, 6000)
        .args(["merge", "-q", "--no-edit", "other"])
        .output()
        .expect("git runs");
    assert!(!conflicted.status.success(), "the merge conflicts");
    git.write("articles/a.md", "a1 resolved\na2\na3\n");
    let resolved = git.commit("Merge other, resolving a", 6000);
    assert_eq!(
        git.run(&["rev-parse", "HEAD^2"], 0),
        other,
        "a merge commit"
    );
    let (second, stats) = repo.summaries(Some(&first)).expect("reads");
    assert_eq!(
        stats.commits_read, 2,
        "the other branch's commit and the merge"
    );
    assert_eq!(
        counts(&second),
        vec![row("a.md", 4, &resolved), row("b.md", 2, &side)]
    );
    assert_eq!(second, full(&repo));
    let log = repo.log("a.md", 10).expect("reads");
    let ids: Vec<&str> = log.iter().map(|e| e.change.id.as_str()).collect();
    assert_eq!(ids, [&resolved, &other, &main, &c1]);
    assert!(
        log[0]
            .diff
            .ends_with("@@ -1,3 +1,3 @@\n-a1 main\n+a1 resolved\n a2\n a3\n"),
        "a merge's diff is against its first parent: {}",
        log[0].diff
    );
}

#[test]
fn a_file_changed_in_1000_commits() {
    let git = Git::new();
    let mut stream = import_commit("main", 1000, "start", &[("articles/other.md", "other")]);
    for i in 0..1000 {
        stream.push_str(&import_commit(
            "main",
            2000 + i,
            &format!("change {i}"),
            &[("articles/f.md", &format!("title\nversion {i}\nend"))],
        ));
    }
    git.fast_import(&stream);
    let repo = git.repo();
    let summaries = full(&repo);
    assert_eq!(summaries.files["f.md"].commits, 1000);
    assert_eq!(summaries.files["f.md"].last.subject, "change 999");
    assert_eq!(summaries.files["f.md"].last.time, 2999);
    assert_eq!(summaries.files["other.md"].commits, 1);

    let log = repo.log("f.md", 3).expect("reads");
    let subjects: Vec<&str> = log.iter().map(|e| e.change.subject.as_str()).collect();
    assert_eq!(subjects, ["change 999", "change 998", "change 997"]);
    for (entry, n) in log.iter().zip([999, 998, 997]) {
        let ours = git.run(
            &["rev-parse", &format!("{}:articles/f.md", entry.change.id)],
            0,
        );
        let theirs = git.run(
            &["rev-parse", &format!("{}~1:articles/f.md", entry.change.id)],
            0,
        );
        assert_eq!(
            entry.diff,
            format!(
                "diff --git a/f.md b/f.md\n\
                 index {}..{} 100644\n\
                 --- a/f.md\n\
                 +++ b/f.md\n\
                 @@ -1,3 +1,3 @@\n \
                 title\n\
                 -version {}\n\
                 +version {n}\n \
                 end\n\
                 \\ No newline at end of file\n",
                &theirs[..7],
                &ours[..7],
                n - 1
            )
        );
    }
    let all = repo.log("f.md", usize::MAX).expect("reads");
    assert_eq!(all.len(), 1000);
    assert_eq!(all[999].change.subject, "change 0");
    assert!(all[999].diff.contains("new file mode 100644\n"));
    assert!(repo.log("f.md", 0).expect("reads").is_empty());
}

#[test]
fn summaries_are_incremental_and_equal_to_a_full_read() {
    let git = Git::new();
    let mut stream = String::new();
    for i in 0..50 {
        let path = format!("articles/d{}/f{}.md", i % 3, i % 7);
        stream.push_str(&import_commit(
            "main",
            1000 + i,
            &format!("commit {i}"),
            &[(&path, &format!("text {i}"))],
        ));
    }
    git.fast_import(&stream);
    let repo = git.repo();
    let (first, stats) = repo.summaries(None).expect("reads");
    assert_eq!(stats.commits_read, 50);
    assert_eq!(first.files.len(), 21);

    // HEAD unchanged: nothing read, the same summaries.
    let (same, stats) = repo.summaries(Some(&first)).expect("reads");
    assert_eq!(stats.commits_read, 0);
    assert_eq!(same, first);

    // Three new commits: an edit, an addition, a deletion.
    git.run(&["reset", "-q", "--hard"], 0);
    git.write("articles/d0/f0.md", "edited\n");
    git.commit("Edit f0", 5000);
    git.write("articles/new.md", "new\n");
    git.commit("Add new", 5001);
    git.remove("articles/d1/f1.md");
    git.commit("Remove f1", 5002);
    let (second, stats) = repo.summaries(Some(&first)).expect("reads");
    assert_eq!(stats.commits_read, 3);
    assert_eq!(second, full(&repo));
    assert!(second.files.contains_key("new.md") && !second.files.contains_key("d1/f1.md"));

    // Stored and read back (as the caller keeps it), it still saves the work.
    let stored = serde_json::to_string(&second).expect("serializes");
    let restored: Summaries = serde_json::from_str(&stored).expect("deserializes");
    assert_eq!(restored, second);
    let (_, stats) = repo.summaries(Some(&restored)).expect("reads");
    assert_eq!(stats.commits_read, 0);

    // A branch from long ago merged in: its commits (older than the old head) are new too.
    let base = git.run(&["rev-parse", "HEAD~10"], 0);
    git.run(&["checkout", "-q", "-b", "old", &base], 0);
    git.write("articles/branch.md", "from an old branch\n");
    git.commit_as("Old branch work", "Ann Author", 1020, 1020);
    git.run(&["checkout", "-q", "main"], 0);
    git.run(&["merge", "-q", "--no-edit", "old"], 6000);
    let (third, stats) = repo.summaries(Some(&second)).expect("reads");
    assert_eq!(stats.commits_read, 2);
    assert_eq!(third, full(&repo));
    assert_eq!(third.files["branch.md"].commits, 1);

    // A force push: HEAD no longer descends from the old head, so all is read again.
    git.run(&["reset", "-q", "--hard", "HEAD~3"], 0);
    git.write("articles/rewritten.md", "rewritten\n");
    git.commit("Rewrite history", 7000);
    let total: usize = git
        .run(&["rev-list", "--count", "HEAD"], 0)
        .parse()
        .expect("a number");
    let (fourth, stats) = repo.summaries(Some(&third)).expect("reads");
    assert_eq!(stats.commits_read, total);
    assert_eq!(fourth, full(&repo));
    assert!(!fourth.files.contains_key("branch.md"));
}

#[test]
fn a_shallow_clone_starts_its_history_at_the_boundary() {
    let git = Git::new();
    git.write("articles/a.md", "1\n");
    git.commit("One", 1000);
    git.write("articles/a.md", "2\n");
    let boundary = git.commit("Two", 2000);
    git.write("articles/a.md", "3\n");
    let last = git.commit("Three", 3000);
    let clone = Git {
        dir: tempfile::tempdir().expect("a temporary folder"),
    };
    let source = format!("file://{}", git.root().display());
    let target = clone.root().display().to_string();
    git.run(&["clone", "-q", "--depth", "2", &source, &target], 0);
    assert_eq!(
        clone.run(&["rev-parse", "--is-shallow-repository"], 0),
        "true"
    );
    let repo = clone.repo();
    let summaries = full(&repo);
    assert_eq!(counts(&summaries), vec![row("a.md", 2, &last)]);
    let log = repo.log("a.md", 10).expect("reads");
    let ids: Vec<&str> = log.iter().map(|e| e.change.id.as_str()).collect();
    assert_eq!(ids, [&last, &boundary]);
    assert!(log[1].diff.contains("new file mode 100644\n"));
}

#[test]
fn summaries_of_another_folder_are_not_reused() {
    let git = Git::new();
    git.write("articles/a.md", "a\n");
    git.write("articles/sub/b.md", "b\n");
    git.commit("Add", 1000);
    let whole = full(&git.repo());
    let sub = Repo::discover(&git.root().join("articles/sub"))
        .expect("opens")
        .expect("a work tree");
    let (summaries, stats) = sub.summaries(Some(&whole)).expect("reads");
    assert_eq!(stats.commits_read, 1);
    let paths: Vec<&String> = summaries.files.keys().collect();
    assert_eq!(paths, ["b.md"]);
}

#[test]
fn log_paths_are_checked_and_an_unknown_file_has_an_empty_log() {
    let git = Git::new();
    git.write("articles/a.md", "a\n");
    git.commit("Add", 1000);
    let repo = git.repo();
    for bad in ["", "/a.md", "a//b.md", "../a.md", "x/./a.md", "a.md/"] {
        assert!(
            matches!(repo.log(bad, 5), Err(HistoryError::BadPath { .. })),
            "{bad:?}"
        );
    }
    assert!(repo.log("missing.md", 5).expect("reads").is_empty());
    assert!(
        repo.log("a.md/x", 5).expect("reads").is_empty(),
        "below a file"
    );
    let log = repo.log("a.md", 5).expect("reads");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].renamed_from, None);
    assert_eq!(
        log[0].diff,
        "diff --git a/a.md b/a.md\n\
         new file mode 100644\n\
         index 0000000..7898192\n\
         --- /dev/null\n\
         +++ b/a.md\n\
         @@ -0,0 +1 @@\n\
         +a\n"
    );
}
