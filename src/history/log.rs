//! [`Repo::log`]: one file's commits, newest first, each with its diff.

use std::collections::HashMap;

use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::objs::FindExt;
use gix::revision::walk::Sorting;
use gix::traverse::commit::simple::CommitTimeOrder;

use super::diff::{BLOB_CAP, DIFF_CAP, Side, render};
use super::error::GitSource;
use super::summary::subject;
use super::tree::{self, is_file};
use super::{Change, Entry, Repo};

/// Lookups remembered per tree or commit before the memory is dropped and refilled: a walk
/// meets a commit's parents soon after it, so a small memory catches nearly every repeat.
const MEMO: usize = 16 * 1024;

pub(crate) fn log(
    this: &Repo,
    repo: &gix::Repository,
    head: ObjectId,
    path: &str,
    limit: usize,
) -> Result<Vec<Entry>, GitSource> {
    let mut full = this.folder.clone();
    full.extend(path.split('/').map(str::to_owned));
    let shallow = repo.shallow_commits()?;
    let mut look = Lookups::new(repo, full);
    let mut out = Vec::new();
    if limit == 0 {
        return Ok(out);
    }
    let walk = repo
        .rev_walk([head])
        .sorting(Sorting::ByCommitTime(CommitTimeOrder::NewestFirst))
        .all()?;
    for info in walk {
        let info = info?;
        let parents: Vec<ObjectId> = if shallow
            .as_ref()
            .is_some_and(|commits| commits.contains(&info.id))
        {
            Vec::new()
        } else {
            info.parent_ids.iter().copied().collect()
        };
        let here = look.file(info.id)?;
        let mut theirs = Vec::with_capacity(parents.len());
        for parent in &parents {
            theirs.push(look.file(*parent)?);
        }
        let changed = if theirs.is_empty() {
            here.is_some()
        } else {
            theirs.iter().all(|there| *there != here)
        };
        if !changed {
            continue;
        }
        out.push(entry(
            this,
            repo,
            path,
            info.id,
            info.commit_time.unwrap_or_default(),
            parents.first().copied(),
            theirs.first().copied().flatten(),
            here,
        )?);
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

/// The entry of a log: the commit and the diff of the file against its first parent.
#[allow(clippy::too_many_arguments)]
fn entry(
    this: &Repo,
    repo: &gix::Repository,
    path: &str,
    id: ObjectId,
    committed: i64,
    first_parent: Option<ObjectId>,
    old: Option<tree::Entry>,
    new: Option<tree::Entry>,
) -> Result<Entry, GitSource> {
    let mut buf = Vec::new();
    let commit = repo.objects.find_commit(&id, &mut buf)?;
    let author = commit.author()?;
    let change = Change {
        id: id.to_string(),
        short: id.to_hex_with_len(7).to_string(),
        time: author.seconds(),
        committed,
        author: author.name.trim().to_str_lossy().into_owned(),
        subject: subject(commit.message),
    };
    let mut old = old.map(|entry| (path.to_owned(), entry));
    let mut renamed_from = None;
    if old.is_none()
        && let (Some(parent), Some(_)) = (first_parent, new)
        && let Some((source, entry)) = rename_source(this, repo, parent, id, path)?
    {
        renamed_from = Some(source.clone());
        old = Some((source, entry));
    }
    let old_data = old
        .as_ref()
        .map(|(_, entry)| blob(repo, entry.0))
        .transpose()?;
    let new_data = new.map(|entry| blob(repo, entry.0)).transpose()?;
    let old_side = old.as_ref().map(|(path, entry)| Side {
        path,
        id: entry.0,
        mode: entry.1,
        data: old_data.as_ref().and_then(|data| data.as_deref()),
    });
    let new_side = new.map(|entry| Side {
        path,
        id: entry.0,
        mode: entry.1,
        data: new_data.as_ref().and_then(|data| data.as_deref()),
    });
    Ok(Entry {
        change,
        diff: render(old_side.as_ref(), new_side.as_ref(), DIFF_CAP),
        renamed_from,
    })
}

/// A blob's bytes, or None when it is too large to diff.
fn blob(repo: &gix::Repository, id: ObjectId) -> Result<Option<Vec<u8>>, GitSource> {
    if repo.find_header(id)?.size() > BLOB_CAP as u64 {
        return Ok(None);
    }
    let mut buf = Vec::new();
    Ok(Some(repo.objects.find_blob(&id, &mut buf)?.data.to_vec()))
}

/// The path (relative to the articles folder) that commit `id` renamed to `path`, with its
/// entry in the parent, as gix's rename tracking sees the articles folder of both.
fn rename_source(
    this: &Repo,
    repo: &gix::Repository,
    parent: ObjectId,
    id: ObjectId,
    path: &str,
) -> Result<Option<(String, tree::Entry)>, GitSource> {
    let mut buf = Vec::new();
    let folder_of = |commit: ObjectId, buf: &mut Vec<u8>| -> Result<_, GitSource> {
        let root = repo.objects.find_commit(&commit, buf)?.tree();
        tree::subtree(&repo.objects, root, &this.folder, buf)
    };
    let (Some(old), Some(new)) = (folder_of(parent, &mut buf)?, folder_of(id, &mut buf)?) else {
        return Ok(None);
    };
    let old = repo.find_tree(old)?;
    let new = repo.find_tree(new)?;
    let options = gix::diff::Options::default().with_rewrites(Some(gix::diff::Rewrites::default()));
    for change in repo.diff_tree_to_tree(Some(&old), Some(&new), Some(options))? {
        if let gix::object::tree::diff::ChangeDetached::Rewrite {
            source_location,
            source_id,
            source_entry_mode,
            location,
            copy: false,
            ..
        } = change
            && location == path.as_bytes()
            && let Ok(source) = source_location.to_str()
        {
            return Ok(Some((source.to_owned(), (source_id, source_entry_mode))));
        }
    }
    Ok(None)
}

/// Memoized lookups of the file's entry in commits.
struct Lookups<'r> {
    repo: &'r gix::Repository,
    path: Vec<String>,
    trees: HashMap<ObjectId, ObjectId>,
    entries: HashMap<ObjectId, Option<tree::Entry>>,
    buf: Vec<u8>,
}

impl<'r> Lookups<'r> {
    fn new(repo: &'r gix::Repository, path: Vec<String>) -> Self {
        Lookups {
            repo,
            path,
            trees: HashMap::new(),
            entries: HashMap::new(),
            buf: Vec::new(),
        }
    }

    /// The file's entry in `commit`, None when no file is at the path there.
    fn file(&mut self, commit: ObjectId) -> Result<Option<tree::Entry>, GitSource> {
        let objects = &self.repo.objects;
        let root = match self.trees.get(&commit) {
            Some(root) => *root,
            None => {
                let root = objects.find_commit(&commit, &mut self.buf)?.tree();
                if self.trees.len() >= MEMO {
                    self.trees.clear();
                }
                self.trees.insert(commit, root);
                root
            }
        };
        if let Some(entry) = self.entries.get(&root) {
            return Ok(*entry);
        }
        let entry = tree::entry_at(objects, root, &self.path, &mut self.buf)?
            .filter(|(_, mode)| is_file(*mode));
        if self.entries.len() >= MEMO {
            self.entries.clear();
        }
        self.entries.insert(root, entry);
        Ok(entry)
    }
}
