//! The write side: bring an index in line with an articles folder.
//!
//! Incremental by content hash: only new or changed files are parsed and (re)added, removed
//! files are deleted, and everything lands in one commit, so a reader sees either the old
//! state or the new one. tantivy writes a commit by atomically replacing `meta.json`, which
//! is what makes a `kill -9` at any moment harmless: the previous commit stays the index.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

use super::directory::WriteDirectory;
use super::document::{stamp, to_document};
use super::error::IndexError;
use super::progress::Progress;
use super::reader::{check_version, open_reader};
use super::schema::{Fields, register_analyzers};
use super::seen::{self, Seen};
use super::{CommitPayload, SCHEMA_VERSION};
use crate::article::{Article, Code, Problem, Severity};
use crate::corpus::{self, PathChange, SourceFile};
use crate::history::History;

/// Memory for tantivy's indexing threads in all; they flush a segment when it is used up.
const WRITER_BUDGET: usize = 128 * 1024 * 1024;
/// Our own lock, taken before anything is read or removed, so that two `kb index` never
/// race (tantivy's lock is only taken once the writer exists).
const LOCK_FILE: &str = ".kb-writer.lock";
/// Created and removed at once by [`Indexer::open`], under the lock: can the folder be
/// written?
const PROBE_FILE: &str = ".kb-write-probe";

/// How to bring the index in line.
#[derive(Debug, Clone, Copy, Default)]
pub struct IndexOptions {
    /// Re-add every article, not only new and changed ones.
    pub full: bool,
}

/// What one run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct IndexReport {
    /// Articles in the index after the run.
    pub articles: usize,
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
    /// Files read (and hashed) in this run: the others' size and modification time were
    /// those of their last reading.
    pub read: usize,
    pub warnings: usize,
    pub errors: usize,
    pub seconds: f64,
    /// Problems of the articles parsed in this run and of unreadable files.
    pub problems: Vec<Problem>,
    /// Set when an index of another schema version was thrown away first.
    pub rebuilt: Option<String>,
}

impl IndexReport {
    /// True when the run changed what the index holds.
    pub fn changed(&self) -> bool {
        self.added + self.updated + self.removed > 0
    }
}

impl std::fmt::Display for IndexReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "indexed {} articles: added {}, updated {}, removed {}, unchanged {}; {} warnings; \
             {:.2} s",
            self.articles,
            self.added,
            self.updated,
            self.removed,
            self.unchanged,
            self.warnings,
            self.seconds
        )?;
        if self.errors > 0 {
            write!(f, " ({} errors)", self.errors)?;
        }
        Ok(())
    }
}

/// The one writer of an index directory.
pub struct Indexer {
    index: Index,
    writer: IndexWriter,
    reader: IndexReader,
    fields: Fields,
    dir: PathBuf,
    rebuilt: Option<String>,
    /// Files as last read, by path (by this process, or by the last one, from
    /// [`seen::SEEN_FILE`]).
    seen: HashMap<String, Seen>,
    /// The articles folder `seen` is of; `None` until the first sync loads it.
    seen_root: Option<String>,
    /// Where each article's last change comes from, when the articles are in git.
    history: Option<std::sync::Arc<History>>,
    _lock: File,
}

impl Indexer {
    /// Opens the index in `dir` for writing, creating it when missing and rebuilding it from
    /// scratch when it has another schema version. Fails at once when another writer holds it.
    pub fn open(dir: &Path) -> Result<Indexer, IndexError> {
        std::fs::create_dir_all(dir).map_err(IndexError::io(dir))?;
        let refused = |source: std::io::Error| {
            if super::directory::is_read_only(&source) {
                IndexError::ReadOnly {
                    dir: dir.to_owned(),
                    source,
                }
            } else {
                IndexError::io(dir)(source)
            }
        };
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .map_err(refused)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(IndexError::Locked {
                    dir: dir.to_owned(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(IndexError::io(dir)(e)),
        }
        // A folder this user cannot write (`chmod 0555`) still lets the lock file of an
        // earlier run be opened for writing, and the run then failed half-way, with tantivy's
        // error about a segment file: find out now, before any work.
        let probe = dir.join(PROBE_FILE);
        File::create(&probe).map_err(refused)?;
        std::fs::remove_file(&probe).map_err(refused)?;
        let mut rebuilt = None;
        let index = if dir.join("meta.json").is_file() {
            let index = open_dir(dir)?;
            match check_version(&index, dir) {
                Ok(_) => index,
                Err(e @ IndexError::SchemaVersion { .. }) => {
                    tracing::warn!("{e}: rebuilding");
                    rebuilt = Some(e.to_string());
                    drop(index);
                    remove_index_files(dir)?;
                    create(dir)?
                }
                Err(e) => return Err(e),
            }
        } else {
            create(dir)?
        };
        register_analyzers(&index);
        let fields =
            Fields::from_schema(&index.schema()).ok_or_else(|| IndexError::SchemaVersion {
                dir: dir.to_owned(),
                found: "unknown".to_owned(),
                expected: SCHEMA_VERSION,
            })?;
        // Half the cores index while rayon parses on all of them. Measured on 2 cores with the
        // 12.4k-article corpus: one indexing thread builds in 1.29 s and writes one segment;
        // two build in 0.96 s but leave two segments, whose merge brings it to 1.42 s, and
        // unmerged they make every query walk two term dictionaries (free-text p50 +30%).
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get() / 2)
            .clamp(1, 4);
        let writer = index
            .writer_with_num_threads(threads, WRITER_BUDGET)
            .map_err(IndexError::tantivy(dir))?;
        writer.set_merge_policy(Box::new(merge_policy()));
        // A killed or failed run leaves segment files that no commit refers to (tantivy only
        // collects them after its next commit, and a run that failed for space never gets
        // there): remove them first, so that they neither pile up nor keep the disk full.
        if let Err(e) = writer.garbage_collect_files().wait() {
            tracing::warn!("removing unused files in {}: {e}", dir.display());
        }
        let reader = open_reader(&index, dir, ReloadPolicy::Manual)?;
        Ok(Indexer {
            index,
            writer,
            reader,
            fields,
            dir: dir.to_owned(),
            rebuilt,
            seen: HashMap::new(),
            seen_root: None,
            history: None,
            _lock: lock,
        })
    }

    /// The index this writer writes, for a reader in the same process.
    pub fn index(&self) -> &Index {
        &self.index
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes each article's last change from `history` (its last commit) rather than from
    /// its file's modification time, from the next sync on. An article whose date changes
    /// is added again (the date is part of its [`stamp`]).
    pub fn set_history(&mut self, history: std::sync::Arc<History>) {
        self.history = Some(history);
    }

    /// Brings the index in line with the articles under `root`, in one commit. On failure
    /// the index stays at its last commit and the files of the failed run are removed.
    pub fn sync(
        &mut self,
        root: &Path,
        opts: IndexOptions,
        progress: &dyn Progress,
    ) -> Result<IndexReport, IndexError> {
        self.sync_once(root, opts, progress)
            .map_err(|e| self.recover(e))
    }

    /// Returns the writer to the last commit after a failed run and removes what the run
    /// wrote; returns the error to report, with its real cause when tantivy hid it.
    fn recover(&mut self, error: IndexError) -> IndexError {
        // When an indexing thread dies (of a full disk, say), adding a document only says
        // "the index writer was killed"; joining the threads returns what killed them.
        let error = match error {
            IndexError::Tantivy {
                source: tantivy::TantivyError::ErrorInThread(_),
                ..
            } => match self.writer.prepare_commit() {
                Err(cause) => IndexError::tantivy(&self.dir)(cause),
                Ok(prepared) => {
                    if let Err(e) = prepared.abort() {
                        tracing::debug!("aborting after a failed run: {e}");
                    }
                    error
                }
            },
            error => error,
        };
        if let Err(e) = self.writer.rollback() {
            tracing::debug!("rolling back after a failed run: {e}");
        }
        if let Err(e) = self.writer.garbage_collect_files().wait() {
            tracing::warn!(
                "removing the files of a failed run in {}: {e}",
                self.dir.display()
            );
        }
        error
    }

    fn sync_once(
        &mut self,
        root: &Path,
        opts: IndexOptions,
        progress: &dyn Progress,
    ) -> Result<IndexReport, IndexError> {
        let started = Instant::now();
        let (files, listing_problems) = corpus::list(root)?;
        tracing::debug!("listed {} files in {:?}", files.len(), started.elapsed());
        let existing = self.existing()?;
        tracing::debug!(
            "read {} indexed hashes in {:?}",
            existing.len(),
            started.elapsed()
        );
        progress.start(files.len() as u64);

        if opts.full {
            self.writer
                .delete_all_documents()
                .map_err(IndexError::tantivy(&self.dir))?;
        }
        let root_key = self.load_seen(root);
        let counts = Counts::default();
        let fields = self.fields;
        let writer = &self.writer;
        let seen = std::mem::take(&mut self.seen);
        let history = self.history.as_deref();
        let outcomes: Vec<Result<_, IndexError>> = files
            .par_iter()
            .map(|file| {
                let known = Known {
                    existing: &existing,
                    seen: &seen,
                    history,
                };
                let r = index_file(writer, &fields, file, &known, opts.full, &counts);
                progress.advance(1);
                r.map_err(IndexError::tantivy(&self.dir))
            })
            .collect();
        tracing::debug!("read and added files in {:?}", started.elapsed());
        let mut problems = listing_problems;
        for (file, outcome) in files.iter().zip(outcomes) {
            let (file_problems, file_seen) = outcome?;
            problems.extend(file_problems);
            if let Some(file_seen) = file_seen {
                self.seen.insert(file.path.clone(), file_seen);
            }
        }

        let present: std::collections::HashSet<&str> =
            files.iter().map(|f| f.path.as_str()).collect();
        let mut removed = 0;
        for path in existing.keys() {
            if !present.contains(path.as_str()) {
                if !opts.full {
                    self.writer
                        .delete_term(Term::from_field_text(self.fields.path, path));
                }
                removed += 1;
            }
        }

        let (added, updated, unchanged, unreadable) = counts.get();
        self.commit(
            root,
            opts.full || added + updated + removed > 0,
            "segment-written",
        )?;
        if self.seen != seen {
            seen::save(&self.dir, &root_key, &self.seen);
        }
        Ok(self.report(
            files.len() - unreadable,
            (added, updated, removed, unchanged),
            counts.read.load(Ordering::Relaxed),
            problems,
            started,
        ))
    }

    /// Brings the index in line for some paths only, as a file watcher reports them: no
    /// listing of the folder and no reading of every indexed hash, so a change costs about
    /// its own reading and the commit. The caller falls back to [`Indexer::sync`] for what a
    /// single path cannot tell ([`PathChange::Unknown`]).
    pub fn sync_paths(
        &mut self,
        root: &Path,
        changes: &[PathChange],
    ) -> Result<IndexReport, IndexError> {
        self.sync_paths_once(root, changes)
            .map_err(|e| self.recover(e))
    }

    fn sync_paths_once(
        &mut self,
        root: &Path,
        changes: &[PathChange],
    ) -> Result<IndexReport, IndexError> {
        let started = Instant::now();
        self.load_seen(root);
        let paths: Vec<&str> = changes
            .iter()
            .filter_map(|c| match c {
                PathChange::Article(f) => Some(f.path.as_str()),
                PathChange::Gone(p) => Some(p.as_str()),
                PathChange::Ignored | PathChange::Unknown => None,
            })
            .collect();
        let (existing, before) = self.indexed_hashes(&paths)?;
        tracing::debug!("looked up {} paths in {:?}", paths.len(), started.elapsed());
        let counts = Counts::default();
        let mut problems = Vec::new();
        let mut removed = 0;
        let mut done = std::collections::HashSet::new();
        for change in changes {
            match change {
                PathChange::Article(file) if done.insert(file.path.as_str()) => {
                    let known = Known {
                        existing: &existing,
                        seen: &self.seen,
                        history: self.history.as_deref(),
                    };
                    let (file_problems, file_seen) =
                        index_file(&self.writer, &self.fields, file, &known, false, &counts)
                            .map_err(IndexError::tantivy(&self.dir))?;
                    problems.extend(file_problems);
                    match file_seen {
                        Some(seen) => self.seen.insert(file.path.clone(), seen),
                        None => self.seen.remove(&file.path),
                    };
                }
                PathChange::Gone(path) if done.insert(path.as_str()) => {
                    self.seen.remove(path);
                    if existing.contains_key(path) {
                        self.writer
                            .delete_term(Term::from_field_text(self.fields.path, path));
                        removed += 1;
                    }
                }
                _ => {}
            }
        }
        // An unreadable file keeps the document it had, as in a full sync.
        let (added, updated, unchanged, _unreadable) = counts.get();
        tracing::debug!("read and added files in {:?}", started.elapsed());
        self.commit(root, added + updated + removed > 0, "watch-commit")?;
        tracing::debug!("committed in {:?}", started.elapsed());
        let articles = (before + added).saturating_sub(removed);
        Ok(self.report(
            articles,
            (added, updated, removed, unchanged),
            counts.read.load(Ordering::Relaxed),
            problems,
            started,
        ))
    }

    /// Commits what was added and deleted, with the payload naming `root`; also when nothing
    /// changed but the index was last built from another folder. `point` names the crash
    /// point between the new segments' files and the commit (see `failpoint.rs`).
    fn commit(&mut self, root: &Path, changed: bool, point: &str) -> Result<(), IndexError> {
        let payload = CommitPayload {
            schema_version: SCHEMA_VERSION,
            articles: std::path::absolute(root)
                .unwrap_or_else(|_| root.to_owned())
                .display()
                .to_string(),
        };
        let same_root = self
            .index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| serde_json::from_str::<CommitPayload>(&p).ok())
            .is_some_and(|p| p.articles == payload.articles);
        if changed || !same_root {
            let mut prepared = self
                .writer
                .prepare_commit()
                .map_err(IndexError::tantivy(&self.dir))?;
            super::failpoint::hit(point);
            prepared.set_payload(&serde_json::to_string(&payload).unwrap_or_default());
            prepared.commit().map_err(IndexError::tantivy(&self.dir))?;
        }
        Ok(())
    }

    /// Loads the seen files kept for `root` when the last sync was of another folder (or
    /// this is the first); returns the folder's key.
    fn load_seen(&mut self, root: &Path) -> String {
        let key = std::path::absolute(root)
            .unwrap_or_else(|_| root.to_owned())
            .display()
            .to_string();
        if self.seen_root.as_deref() != Some(key.as_str()) {
            self.seen = seen::load(&self.dir, &key);
            self.seen_root = Some(key.clone());
        }
        key
    }

    fn report(
        &mut self,
        articles: usize,
        (added, updated, removed, unchanged): (usize, usize, usize, usize),
        read: usize,
        mut problems: Vec<Problem>,
        started: Instant,
    ) -> IndexReport {
        problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        let errors = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        IndexReport {
            articles,
            added,
            updated,
            removed,
            unchanged,
            read,
            warnings: problems.len() - errors,
            errors,
            seconds: started.elapsed().as_secs_f64(),
            problems,
            rebuilt: self.rebuilt.take(),
        }
    }

    /// The content hashes the last commit holds for `paths`, and how many articles it holds.
    fn indexed_hashes(
        &self,
        paths: &[&str],
    ) -> Result<(HashMap<String, String>, usize), IndexError> {
        let t = IndexError::tantivy;
        self.reader.reload().map_err(t(&self.dir))?;
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for &path in paths {
            let query = tantivy::query::TermQuery::new(
                Term::from_field_text(self.fields.path, path),
                tantivy::schema::IndexRecordOption::Basic,
            );
            let docs = searcher
                .search(&query, &tantivy::collector::DocSetCollector)
                .map_err(t(&self.dir))?;
            for address in docs {
                let segment = searcher.segment_reader(address.segment_ord);
                let Some(hashes) = segment
                    .fast_fields()
                    .str(super::names::HASH)
                    .map_err(t(&self.dir))?
                else {
                    continue;
                };
                let mut hash = String::new();
                if let Some(ord) = hashes.term_ords(address.doc_id).next()
                    && hashes
                        .ord_to_str(ord, &mut hash)
                        .map_err(|e| t(&self.dir)(e.into()))?
                {
                    out.insert(path.to_owned(), hash);
                }
            }
        }
        Ok((out, searcher.num_docs() as usize))
    }

    /// Merges every segment into one when there are several: a query then walks one term
    /// dictionary per field instead of one per segment. Worth it after a full build; an
    /// incremental run leaves merging to tantivy's merge policy.
    pub fn merge_all(&mut self) -> Result<(), IndexError> {
        let ids = self
            .index
            .searchable_segment_ids()
            .map_err(IndexError::tantivy(&self.dir))?;
        if ids.len() > 1 {
            self.writer
                .merge(&ids)
                .wait()
                .map_err(IndexError::tantivy(&self.dir))?;
        }
        Ok(())
    }

    /// Waits for background segment merges to end, then releases the index.
    pub fn finish(self) -> Result<(), IndexError> {
        let dir = self.dir.clone();
        self.writer
            .wait_merging_threads()
            .map_err(IndexError::tantivy(&dir))
    }

    /// Path -> content hash of every live document of the last commit.
    fn existing(&self) -> Result<HashMap<String, String>, IndexError> {
        let t = IndexError::tantivy;
        self.reader.reload().map_err(t(&self.dir))?;
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for segment in searcher.segment_readers() {
            let ff = segment.fast_fields();
            let (Some(paths), Some(hashes)) = (
                ff.str(super::names::PATH).map_err(t(&self.dir))?,
                ff.str(super::names::HASH).map_err(t(&self.dir))?,
            ) else {
                continue;
            };
            let io = |e: std::io::Error| t(&self.dir)(e.into());
            let path_terms = super::all_terms(&paths).map_err(io)?;
            let hash_terms = super::all_terms(&hashes).map_err(io)?;
            for doc in segment.doc_ids_alive() {
                let (Some(p), Some(h)) =
                    (paths.term_ords(doc).next(), hashes.term_ords(doc).next())
                else {
                    continue;
                };
                if let (Some(p), Some(h)) = (path_terms.get(p as usize), hash_terms.get(h as usize))
                {
                    out.insert(p.clone(), h.clone());
                }
            }
        }
        Ok(out)
    }
}

#[derive(Default)]
struct Counts {
    read: AtomicUsize,
    added: AtomicUsize,
    updated: AtomicUsize,
    unchanged: AtomicUsize,
    unreadable: AtomicUsize,
}

impl Counts {
    fn get(&self) -> (usize, usize, usize, usize) {
        let l = |a: &AtomicUsize| a.load(Ordering::Relaxed);
        (
            l(&self.added),
            l(&self.updated),
            l(&self.unchanged),
            l(&self.unreadable),
        )
    }
}

/// What a sync knows of the files before it reads them.
struct Known<'a> {
    /// Path -> [`stamp`] of every article the last commit holds (or of the paths asked).
    existing: &'a HashMap<String, String>,
    /// Files as this process last read them.
    seen: &'a HashMap<String, Seen>,
    history: Option<&'a History>,
}

/// Reads, hashes and (when new or changed) parses and adds one file; returns its problems and
/// what it looked like.
fn index_file(
    writer: &IndexWriter,
    fields: &Fields,
    file: &SourceFile,
    known: &Known<'_>,
    full: bool,
    counts: &Counts,
) -> tantivy::Result<(Vec<Problem>, Option<Seen>)> {
    let stat = std::fs::metadata(&file.file)
        .ok()
        .and_then(|m| Some((m.modified().ok()?, m.len())));
    let modified = stat.map(|(m, _)| m);
    let updated = match known.history {
        Some(h) => h.changed(&file.path, modified),
        None => modified.and_then(crate::history::unix_secs),
    };
    if let (Some((modified, len)), Some(before), Some(indexed)) = (
        stat,
        known.seen.get(&file.path),
        known.existing.get(&file.path),
    ) && !full
        && before.matches(modified, len)
        && &stamp(&before.hash, updated) == indexed
    {
        counts.unchanged.fetch_add(1, Ordering::Relaxed);
        return Ok((Vec::new(), Some(before.clone())));
    }
    let bytes = match std::fs::read(&file.file) {
        Ok(b) => {
            counts.read.fetch_add(1, Ordering::Relaxed);
            b
        }
        Err(e) => {
            counts.unreadable.fetch_add(1, Ordering::Relaxed);
            let problem = Problem::new(Code::Unreadable, &file.path, 1, e.to_string());
            return Ok((vec![problem], None));
        }
    };
    let hash = blake3::hash(&bytes).to_hex();
    let now = std::time::SystemTime::now();
    let now_seen = stat.and_then(|(modified, len)| Seen::of(modified, len, hash.as_str(), now));
    let stamped = stamp(hash.as_str(), updated);
    let previous = known.existing.get(&file.path);
    if !full && previous.is_some_and(|h| *h == stamped) {
        counts.unchanged.fetch_add(1, Ordering::Relaxed);
        return Ok((Vec::new(), now_seen));
    }
    let article = Article::parse(&file.path, &bytes);
    if previous.is_some() {
        if !full {
            writer.delete_term(Term::from_field_text(fields.path, &file.path));
        }
        counts.updated.fetch_add(1, Ordering::Relaxed);
    } else {
        counts.added.fetch_add(1, Ordering::Relaxed);
    }
    writer.add_document(to_document(fields, &article, &stamped, updated))?;
    Ok((article.problems, now_seen))
}

/// tantivy's log merge policy, with levels that start small. Its default counts every segment
/// under 10,000 documents as 10,000, which puts the one big segment of a 12,000-article
/// corpus on the same level as the one-article segments each watch commit adds: every eighth
/// commit merged the whole corpus again (6 CPU-seconds in 30 s of live edits, on 2 cores).
/// Small segments now merge among themselves, and the big one is rewritten once a fifth of
/// it is deleted or replaced.
fn merge_policy() -> tantivy::indexer::LogMergePolicy {
    let mut policy = tantivy::indexer::LogMergePolicy::default();
    policy.set_min_layer_size(64);
    policy.set_del_docs_ratio_before_merge(0.2);
    policy
}

fn write_directory(dir: &Path) -> Result<WriteDirectory, IndexError> {
    WriteDirectory::open(dir).map_err(|e| IndexError::Io {
        dir: dir.to_owned(),
        source: std::io::Error::other(e.to_string()),
    })
}

fn open_dir(dir: &Path) -> Result<Index, IndexError> {
    Index::open(write_directory(dir)?).map_err(IndexError::tantivy(dir))
}

fn create(dir: &Path) -> Result<Index, IndexError> {
    let (schema, _) = Fields::build();
    let index = Index::builder()
        .schema(schema)
        .open_or_create(write_directory(dir)?)
        .map_err(IndexError::tantivy(dir))?;
    Ok(index)
}

/// Removes the files of a tantivy index (those it lists as managed, and its meta files),
/// leaving anything else in the directory alone.
fn remove_index_files(dir: &Path) -> Result<(), IndexError> {
    let managed: Vec<String> = std::fs::read(dir.join(".managed.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    for name in managed
        .iter()
        .map(String::as_str)
        .chain(["meta.json", ".managed.json"])
    {
        // Only plain names: the list comes from a file on disk.
        if name.contains('/') || name.contains("..") {
            continue;
        }
        match std::fs::remove_file(dir.join(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(IndexError::io(dir)(e)),
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
