//! Tree lookups and tree-to-tree diffs on gix's object store, the two things every history
//! read is made of.

use gix::ObjectId;
use gix::bstr::{BStr, BString, ByteSlice, ByteVec};
use gix::diff::tree::{Visit, visit};
use gix::objs::tree::EntryMode;
use gix::objs::{Find, FindExt, TreeRefIter};

use super::error::GitSource;

/// An entry of a tree: its object and mode.
pub(crate) type Entry = (ObjectId, EntryMode);

/// Whether a change at a path concerns a file: blobs and symbolic links, not trees (their
/// files are reported one by one) nor submodules.
pub(crate) fn is_file(mode: EntryMode) -> bool {
    mode.is_blob_or_symlink()
}

/// Loads tree `id` into `buf` as an entry iterator. The empty tree is often not stored (git
/// knows it without an object), so it is made here.
pub(crate) fn tree_iter<'b>(
    objects: &impl Find,
    id: Option<ObjectId>,
    kind: gix::hash::Kind,
    buf: &'b mut Vec<u8>,
) -> Result<TreeRefIter<'b>, GitSource> {
    match id {
        Some(id) if !id.is_empty_tree() => Ok(objects.find_tree_iter(&id, buf)?),
        _ => Ok(TreeRefIter::from_bytes(&[], kind)),
    }
}

/// The entry at `components` below tree `root`, or None when there is nothing there.
pub(crate) fn entry_at(
    objects: &impl Find,
    root: ObjectId,
    components: &[String],
    buf: &mut Vec<u8>,
) -> Result<Option<Entry>, GitSource> {
    let mut here: Entry = (root, gix::objs::tree::EntryKind::Tree.into());
    for name in components {
        if !here.1.is_tree() {
            return Ok(None);
        }
        let mut found = None;
        for entry in tree_iter(objects, Some(here.0), root.kind(), buf)? {
            let entry = entry?;
            if entry.filename == name.as_bytes() {
                found = Some((entry.oid.to_owned(), entry.mode));
                break;
            }
        }
        match found {
            Some(entry) => here = entry,
            None => return Ok(None),
        }
    }
    Ok(Some(here))
}

/// The tree at `components` below `root` (the root itself for none), or None when that
/// folder is missing or not a folder in this tree.
pub(crate) fn subtree(
    objects: &impl Find,
    root: ObjectId,
    components: &[String],
    buf: &mut Vec<u8>,
) -> Result<Option<ObjectId>, GitSource> {
    Ok(entry_at(objects, root, components, buf)?
        .filter(|(_, mode)| mode.is_tree())
        .map(|(id, _)| id))
}

/// Reusable buffers of [`changed_files`], one set per thread.
pub(crate) struct DiffState {
    kind: gix::hash::Kind,
    state: gix::diff::tree::State,
    lhs: Vec<u8>,
    rhs: Vec<u8>,
    paths: FilePaths,
}

impl DiffState {
    pub(crate) fn new(kind: gix::hash::Kind) -> Self {
        DiffState {
            kind,
            state: Default::default(),
            lhs: Vec::new(),
            rhs: Vec::new(),
            paths: FilePaths::default(),
        }
    }
}

/// The paths of the files that differ between trees `old` and `new` (None: the empty tree),
/// relative to them, sorted. Subtrees with the same id on both sides are skipped unread.
pub(crate) fn changed_files(
    objects: &impl Find,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    diff: &mut DiffState,
) -> Result<Vec<BString>, GitSource> {
    let DiffState {
        kind,
        state,
        lhs,
        rhs,
        paths,
    } = diff;
    paths.reset();
    let lhs = tree_iter(objects, old, *kind, lhs)?;
    let rhs = tree_iter(objects, new, *kind, rhs)?;
    gix::diff::tree(lhs, rhs, state, objects, paths)?;
    let mut out = std::mem::take(&mut paths.files);
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// A [`Visit`] delegate that keeps only the paths of changed files. The path bookkeeping is
/// gix's own `Recorder`'s: the diff is breadth-first, so the paths of queued subtrees wait in
/// a queue until their turn.
#[derive(Default)]
struct FilePaths {
    queue: std::collections::VecDeque<BString>,
    path: BString,
    files: Vec<BString>,
}

impl FilePaths {
    fn reset(&mut self) {
        self.queue.clear();
        self.path.clear();
        self.files.clear();
    }

    fn push(&mut self, name: &BStr) {
        if name.is_empty() {
            return;
        }
        if !self.path.is_empty() {
            self.path.push(b'/');
        }
        self.path.push_str(name);
    }
}

impl Visit for FilePaths {
    fn pop_front_tracked_path_and_set_current(&mut self) {
        self.path = self.queue.pop_front().unwrap_or_default();
    }

    fn push_back_tracked_path_component(&mut self, component: &BStr) {
        self.push(component);
        self.queue.push_back(self.path.clone());
    }

    fn push_path_component(&mut self, component: &BStr) {
        self.push(component);
    }

    fn pop_path_component(&mut self) {
        match self.path.rfind_byte(b'/') {
            Some(at) => self.path.truncate(at),
            None => self.path.clear(),
        }
    }

    fn visit(&mut self, change: visit::Change) -> visit::Action {
        let file = match change {
            visit::Change::Addition { entry_mode, .. }
            | visit::Change::Deletion { entry_mode, .. } => is_file(entry_mode),
            visit::Change::Modification {
                previous_entry_mode,
                entry_mode,
                ..
            } => is_file(previous_entry_mode) || is_file(entry_mode),
        };
        if file {
            self.files.push(self.path.clone());
        }
        std::ops::ControlFlow::Continue(())
    }
}
