//! [`Repo::summaries`]: walk the new commits, diff them in parallel, fold the changes into
//! the previous summaries.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use gix::objs::FindExt;
use gix::revision::walk::Sorting;
use gix::traverse::commit::simple::CommitTimeOrder;
use rayon::prelude::*;

use super::error::GitSource;
use super::tree::{DiffState, changed_files, subtree};
use super::{Change, FORMAT, FileHistory, HistoryError, Repo, Stats, Summaries};

/// Commits per parallel task: large enough that a task's object cache pays off (a parent is
/// usually the next commit of the walk), small enough to share the work out evenly.
const CHUNK: usize = 256;

/// A commit as the walk met it.
pub(crate) struct Walked {
    pub id: ObjectId,
    pub parents: Vec<ObjectId>,
    pub committed: i64,
}

pub(crate) fn summaries(
    this: &Repo,
    previous: Option<&Summaries>,
) -> Result<(Summaries, Stats), HistoryError> {
    let started = Instant::now();
    let repo = this.local();
    let head = head_id(this, &repo)?;
    let folder = this.folder();
    let previous = previous.filter(|p| p.format == FORMAT && p.folder == folder);
    if let Some(previous) = previous
        && ObjectId::from_hex(previous.head.as_bytes()).ok() == Some(head)
    {
        let stats = Stats {
            commits_read: 0,
            elapsed: started.elapsed(),
        };
        return Ok((previous.clone(), stats));
    }
    let read = this.read_error("the commits since the last summary");
    let old_head = previous
        .and_then(|p| ObjectId::from_hex(p.head.as_bytes()).ok())
        .filter(|id| repo.has_object(id));
    let mut base = BTreeMap::new();
    let commits = match old_head {
        Some(old) => {
            let commits = walk(&repo, head, Some(old)).map_err(read)?;
            // The old head is an ancestor of HEAD exactly when a commit that HEAD reaches
            // and the old head does not has it as a parent.
            if commits.iter().any(|c| c.parents.contains(&old)) {
                if let Some(previous) = previous {
                    base.extend(previous.files.clone());
                    base.extend(previous.gone.clone());
                }
                commits
            } else {
                walk(&repo, head, None).map_err(this.read_error("the commits at HEAD"))?
            }
        }
        None => walk(&repo, head, None).map_err(this.read_error("the commits at HEAD"))?,
    };
    let found = read_changes(this, &commits).map_err(this.read_error("the changes of commits"))?;
    fold(&mut base, found);
    let present = files_at(this, &repo, head).map_err(this.read_error("the files at HEAD"))?;
    let mut files = BTreeMap::new();
    let mut gone = BTreeMap::new();
    for (path, history) in base {
        if present.contains(path.as_str()) {
            files.insert(path, history);
        } else {
            gone.insert(path, history);
        }
    }
    let summaries = Summaries {
        head: head.to_string(),
        files,
        folder,
        gone,
        format: FORMAT,
    };
    let stats = Stats {
        commits_read: commits.len(),
        elapsed: started.elapsed(),
    };
    Ok((summaries, stats))
}

pub(crate) fn head_id(this: &Repo, repo: &gix::Repository) -> Result<ObjectId, HistoryError> {
    let head = repo
        .head()
        .map_err(|err| this.read_error("HEAD")(Box::new(err)))?;
    head.id()
        .map(gix::Id::detach)
        .ok_or_else(|| HistoryError::NoHead {
            repo: this.work_tree.clone(),
        })
}

/// The commits reachable from `head` and not from `hidden`, newest (by committer time) first.
pub(crate) fn walk(
    repo: &gix::Repository,
    head: ObjectId,
    hidden: Option<ObjectId>,
) -> Result<Vec<Walked>, GitSource> {
    let shallow = repo.shallow_commits()?;
    let mut platform = repo
        .rev_walk([head])
        .sorting(Sorting::ByCommitTime(CommitTimeOrder::NewestFirst));
    if let Some(hidden) = hidden {
        platform = platform.with_hidden([hidden]);
    }
    let mut out = Vec::new();
    for info in platform.all()? {
        let info = info?;
        let at_boundary = shallow
            .as_ref()
            .is_some_and(|commits| commits.contains(&info.id));
        out.push(Walked {
            id: info.id,
            parents: if at_boundary {
                Vec::new()
            } else {
                info.parent_ids.iter().copied().collect()
            },
            committed: info.commit_time.unwrap_or_default(),
        });
    }
    Ok(out)
}

/// A commit that changed files: the change and the paths, relative to the articles folder.
struct Found {
    change: Change,
    paths: Vec<BString>,
}

/// The changes of `commits`, in their order, read in parallel.
fn read_changes(this: &Repo, commits: &[Walked]) -> Result<Vec<Found>, GitSource> {
    let chunks: Vec<Result<Vec<Found>, GitSource>> = commits
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut reader = Reader::new(this);
            let mut found = Vec::new();
            for commit in chunk {
                if let Some(one) = reader.read(commit)? {
                    found.push(one);
                }
            }
            Ok(found)
        })
        .collect();
    let mut out = Vec::new();
    for chunk in chunks {
        out.extend(chunk?);
    }
    Ok(out)
}

/// One thread's handle and buffers for reading commits.
struct Reader<'a> {
    repo: gix::Repository,
    folder: &'a [String],
    diff: DiffState,
    /// The articles folder's tree of the commits met so far.
    seen: HashMap<ObjectId, Option<ObjectId>>,
    commit: Vec<u8>,
    tree: Vec<u8>,
}

impl<'a> Reader<'a> {
    fn new(this: &'a Repo) -> Self {
        let repo = this.local();
        let diff = DiffState::new(repo.object_hash());
        Reader {
            repo,
            folder: &this.folder,
            diff,
            seen: HashMap::new(),
            commit: Vec::new(),
            tree: Vec::new(),
        }
    }

    /// The articles folder's tree in `commit`, remembered: the walk meets a commit's parent
    /// right after it, so most parents are looked up once as a parent and once as a commit.
    fn folder_tree(&mut self, commit: ObjectId) -> Result<Option<ObjectId>, GitSource> {
        if let Some(tree) = self.seen.get(&commit) {
            return Ok(*tree);
        }
        let objects = &self.repo.objects;
        let root = objects.find_commit(&commit, &mut self.commit)?.tree();
        let tree = subtree(objects, root, self.folder, &mut self.tree)?;
        self.seen.insert(commit, tree);
        Ok(tree)
    }

    /// The files `walked` changed under the articles folder, by the rules of the module doc;
    /// None when it changed none.
    fn read(&mut self, walked: &Walked) -> Result<Option<Found>, GitSource> {
        let here = self.folder_tree(walked.id)?;
        let mut theirs = Vec::with_capacity(walked.parents.len());
        for id in &walked.parents {
            let there = self.folder_tree(*id)?;
            // Same folder tree as one parent: no file differs from every parent.
            if there == here {
                return Ok(None);
            }
            theirs.push(there);
        }
        let objects = &self.repo.objects;
        let diff = &mut self.diff;
        let mut paths = match theirs.split_first() {
            None => changed_files(objects, None, here, diff)?,
            Some((first, _)) => changed_files(objects, *first, here, diff)?,
        };
        for other in theirs.iter().skip(1) {
            if paths.is_empty() {
                break;
            }
            let also = changed_files(objects, *other, here, diff)?;
            paths.retain(|path| also.binary_search(path).is_ok());
        }
        if paths.is_empty() {
            return Ok(None);
        }
        let commit = objects.find_commit(&walked.id, &mut self.commit)?;
        let author = commit.author()?;
        let change = Change {
            id: walked.id.to_string(),
            short: walked.id.to_hex_with_len(7).to_string(),
            time: author.seconds(),
            committed: walked.committed,
            author: author.name.trim().to_str_lossy().into_owned(),
            subject: subject(commit.message),
        };
        Ok(Some(Found { change, paths }))
    }
}

/// The first non-empty line of a commit message.
pub(crate) fn subject(message: &gix::bstr::BStr) -> String {
    message
        .lines()
        .map(|line| line.trim())
        .find(|line| !line.is_empty())
        .map(|line| line.to_str_lossy().into_owned())
        .unwrap_or_default()
}

/// Adds the changes `found` (in walk order) to `base`.
fn fold(base: &mut BTreeMap<String, FileHistory>, found: Vec<Found>) {
    let mut batch: HashMap<String, FileHistory> = HashMap::new();
    for Found { change, paths } in found {
        for path in paths {
            let Ok(path) = String::from_utf8(path.into()) else {
                continue;
            };
            let history = batch.entry(path).or_insert_with(|| FileHistory {
                last: change.clone(),
                commits: 0,
            });
            history.commits += 1;
            // Strictly later only: of equal times, the one met first in the walk stays.
            if change.committed > history.last.committed {
                history.last = change.clone();
            }
        }
    }
    for (path, new) in batch {
        match base.get_mut(&path) {
            Some(old) => {
                old.commits += new.commits;
                if new.last.committed >= old.last.committed {
                    old.last = new.last;
                }
            }
            None => {
                base.insert(path, new);
            }
        }
    }
}

/// The paths of the files under the articles folder at `head`.
fn files_at(
    this: &Repo,
    repo: &gix::Repository,
    head: ObjectId,
) -> Result<std::collections::HashSet<String>, GitSource> {
    let objects = &repo.objects;
    let mut buf = Vec::new();
    let root = objects.find_commit(&head, &mut buf)?.tree();
    let folder = subtree(objects, root, &this.folder, &mut Vec::new())?;
    let mut diff = DiffState::new(repo.object_hash());
    let paths = changed_files(objects, None, folder, &mut diff)?;
    Ok(paths
        .into_iter()
        .filter_map(|path| String::from_utf8(path.into()).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(id: &str, committed: i64) -> Change {
        Change {
            id: id.to_owned(),
            short: id.to_owned(),
            time: committed,
            committed,
            author: "A".to_owned(),
            subject: id.to_owned(),
        }
    }

    fn found(id: &str, committed: i64, paths: &[&str]) -> Found {
        Found {
            change: change(id, committed),
            paths: paths.iter().map(|p| BString::from(*p)).collect(),
        }
    }

    fn lasts(base: &BTreeMap<String, FileHistory>) -> Vec<(&str, usize, &str)> {
        base.iter()
            .map(|(path, h)| (path.as_str(), h.commits, h.last.id.as_str()))
            .collect()
    }

    #[test]
    fn the_last_change_is_the_latest_committed_and_ties_go_to_the_walk_order() {
        let mut base = BTreeMap::new();
        // Walk order: newest first, but "skewed" was committed later than the one before it.
        fold(
            &mut base,
            vec![
                found("c", 300, &["a.md", "b.md"]),
                found("skewed", 400, &["b.md"]),
                found("tie", 300, &["a.md"]),
                found("old", 100, &["a.md", "c.md"]),
            ],
        );
        assert_eq!(
            lasts(&base),
            [("a.md", 3, "c"), ("b.md", 2, "skewed"), ("c.md", 1, "old")]
        );
        // A later read: its commits add up, and win ties against what was read before.
        fold(
            &mut base,
            vec![found("new", 300, &["a.md"]), found("older", 50, &["c.md"])],
        );
        assert_eq!(
            lasts(&base),
            [
                ("a.md", 4, "new"),
                ("b.md", 2, "skewed"),
                ("c.md", 2, "old")
            ]
        );
    }

    #[test]
    fn a_subject_is_the_first_non_empty_line() {
        assert_eq!(
            subject("\n  \nFix the link  \r\n\nBody\n".into()),
            "Fix the link"
        );
        assert_eq!(subject("".into()), "");
    }
}
