//! `kb serve --watch`: articles added, changed, removed or renamed under the articles folder
//! become searchable within a second, without a restart.
//!
//! File-system events are debounced here (an editor's save is several events; a `git
//! checkout` is thousands) and each burst triggers one commit on a thread of its own; only
//! then is the reader reloaded, so a request sees either the state before the burst or after
//! it, never half of it. A burst of file events syncs just those files
//! ([`Indexer::sync_paths`]: tens of milliseconds, whatever the corpus size); a folder event,
//! a watcher error or an overflowed queue syncs the whole folder ([`Indexer::sync`]). The
//! process keeps its one [`Indexer`] (and the index's writer lock) for as long as it watches.
//!
//! Events that only say a file was opened or read are dropped: a sync reads every file to
//! hash it, and the health check reads them all again, so counting reads as changes would
//! make every sync trigger the next. (That is why this uses `notify` directly: its debouncers
//! forget the kind of event.)

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context;
use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::state::AppState;
use crate::corpus::{self, PathChange};
use crate::index::{IndexOptions, Indexer};

/// Quiet time after the last event before a sync starts: long enough to fold an editor's
/// write-rename-chmod (a few milliseconds apart) into one sync, short enough to leave most
/// of the second a change has to become searchable.
pub const DEBOUNCE: Duration = Duration::from_millis(50);
/// Longest wait for quiet: changes that never stop (a long copy, or edits every 100 ms while
/// agents work) are synced this often rather than never.
const MAX_DELAY: Duration = Duration::from_millis(250);

/// A running watcher; dropping it stops watching, waits for a sync in progress and releases
/// the index.
pub struct Watch {
    watcher: Option<RecommendedWatcher>,
    worker: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch").finish_non_exhaustive()
    }
}

/// What the watcher tells the sync thread.
enum Signal {
    /// These paths changed.
    Changed(Vec<PathBuf>),
    /// Events were lost (the kernel's queue overflowed): only a full sync can tell what.
    Rescan,
    Failed(notify::Error),
}

/// Watches `articles` and keeps the index of `indexer` (the one `state` reads) in line.
pub fn spawn(indexer: Indexer, articles: &Path, state: AppState) -> anyhow::Result<Watch> {
    let (tx, rx) = std::sync::mpsc::channel::<Signal>();
    let mut watcher =
        notify::recommended_watcher(forward(tx)).context("starting the file watcher")?;
    watcher
        .watch(articles, RecursiveMode::Recursive)
        .with_context(|| format!("watching {}", articles.display()))?;
    let root = articles.to_owned();
    let worker = std::thread::Builder::new()
        .name("kb-watch".to_owned())
        .spawn(move || sync_loop(indexer, &root, &state, &rx))
        .context("starting the sync thread")?;
    Ok(Watch {
        watcher: Some(watcher),
        worker: Some(worker),
    })
}

/// The watcher's event handler: changes and errors go to the sync thread, reads do not.
fn forward(tx: Sender<Signal>) -> impl FnMut(notify::Result<Event>) + Send + 'static {
    move |event| {
        let signal = match event {
            Ok(e) if e.need_rescan() => Signal::Rescan,
            Ok(e) if is_change(&e.kind) => Signal::Changed(e.paths),
            Ok(_) => return,
            Err(e) => Signal::Failed(e),
        };
        // The sync thread only goes away when the watch stops.
        let _ = tx.send(signal);
    }
}

/// True for events that may change what the folder holds; opening, reading and closing a
/// file without writing are not.
fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

impl Watch {
    /// Stops watching and waits for the sync thread to release the index.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        // Dropping the watcher drops the channel's sender: the sync thread's receive ends.
        drop(self.watcher.take());
        if let Some(worker) = self.worker.take()
            && worker.join().is_err()
        {
            tracing::error!("the sync thread panicked");
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// What a burst of events asks for.
#[derive(Debug, Default)]
struct Burst {
    paths: Vec<PathBuf>,
    /// Events were lost or a watcher error occurred: sync the whole folder.
    everything: bool,
}

impl Burst {
    fn add(&mut self, signal: Signal) {
        match signal {
            Signal::Changed(paths) => self.paths.extend(paths),
            Signal::Rescan => self.everything = true,
            Signal::Failed(e) => {
                // Overflowed queues and the like: a full sync finds whatever was missed.
                tracing::warn!("file watcher: {e}; syncing the whole folder");
                self.everything = true;
            }
        }
    }

    /// The changes to sync, or `None` when only a full sync will do.
    fn changes(mut self, root: &Path) -> Option<Vec<PathChange>> {
        if self.everything {
            return None;
        }
        self.paths.sort();
        self.paths.dedup();
        let changes: Vec<PathChange> = self
            .paths
            .iter()
            .map(|p| corpus::classify(root, p))
            .collect();
        if changes.contains(&PathChange::Unknown) {
            return None;
        }
        Some(changes)
    }
}

/// Waits for a burst of changes to settle: [`DEBOUNCE`] without an event, or [`MAX_DELAY`]
/// since the first. `None` when the watcher is gone.
fn settle(rx: &Receiver<Signal>, first: Signal) -> Option<Burst> {
    let started = Instant::now();
    let mut burst = Burst::default();
    burst.add(first);
    loop {
        let left = MAX_DELAY.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Some(burst);
        }
        match rx.recv_timeout(DEBOUNCE.min(left)) {
            Ok(next) => burst.add(next),
            Err(RecvTimeoutError::Timeout) => return Some(burst),
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
}

fn sync_loop(mut indexer: Indexer, root: &Path, state: &AppState, rx: &Receiver<Signal>) {
    while let Ok(first) = rx.recv() {
        let Some(burst) = settle(rx, first) else {
            break;
        };
        // A pull brings files and their commits at once: read the new commits first, so
        // that the changed articles get their new dates.
        state.history().refresh();
        let result = match burst.changes(root) {
            Some(changes) if changes.iter().all(|c| *c == PathChange::Ignored) => continue,
            Some(changes) => indexer.sync_paths(root, &changes),
            None => indexer.sync(root, IndexOptions::default(), &()),
        };
        match result {
            Ok(report) if report.changed() => {
                state.after_commit();
                tracing::info!("{report}");
            }
            Ok(_) => {}
            Err(e) => tracing::error!("syncing {}: {e}", root.display()),
        }
    }
    if let Err(e) = indexer.finish() {
        tracing::error!("closing the index: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, ModifyKind, RemoveKind};

    #[test]
    fn reads_are_not_changes() {
        assert!(!is_change(&EventKind::Access(AccessKind::Open(
            AccessMode::Any
        ))));
        assert!(!is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(is_change(&EventKind::Create(CreateKind::File)));
        assert!(is_change(&EventKind::Modify(ModifyKind::Any)));
        assert!(is_change(&EventKind::Remove(RemoveKind::File)));
    }
}
