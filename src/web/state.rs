//! What every request shares: the searcher, the articles root, and data derived from the
//! index or the folder that is too costly to build per request (support topic names, the
//! content-health report). Derived data is rebuilt off the request path: topic names when the
//! reader's generation changes, the health report on a background thread after each sync.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, OnceLock, RwLock, Weak};
use std::time::{Duration, Instant, SystemTime};

use crate::article::{Code, Problem, Severity};
use crate::check::CheckReport;
use crate::corpus::Reading;
use crate::index::KbIndex;
use crate::render::reply::PublicBase;
use crate::search::Searcher;
use crate::search::lookup::{self, TopicNames};
use crate::store::Store;

/// The generation of topic names not read yet: no reader has it.
const NOT_READ: u64 = u64::MAX;

/// Shared state of the application; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    searcher: Searcher,
    /// The threads that run index work for the API.
    workers: Workers,
    articles: PathBuf,
    /// `(reader generation, names)`: rebuilt when the reader sees another commit.
    topics: RwLock<(u64, Arc<TopicNames>)>,
    check: RwLock<Option<Arc<CheckSnapshot>>>,
    /// Wakes the background checker; created on first use.
    checker: OnceLock<Sender<()>>,
    desk: Desk,
    /// The articles' git history (empty when they are not in a work tree).
    history: Arc<super::freshness::History>,
    /// Days after which an article is marked stale.
    stale_days: u32,
    /// Where customers can open this site's pages, for the links of replies; set once.
    public_base: OnceLock<PublicBase>,
}

/// Where feedback and the search log go: the store, or why there is none (the pages say
/// so, and everything else works without it).
#[derive(Debug, Clone)]
pub struct Desk {
    pub store: Result<Arc<Store>, String>,
    /// Log searches (`--no-search-log` turns it off).
    pub log_searches: bool,
}

impl Desk {
    /// A desk over the store at `place`, or the reason it cannot be opened.
    pub fn open(place: &crate::store::Place, log_searches: bool) -> Desk {
        let store = Store::at(place).map(Arc::new).map_err(|e| {
            tracing::error!("feedback and the search log are off: {e}");
            e.to_string()
        });
        Desk {
            store,
            log_searches,
        }
    }

    /// The store, if it can be written now; otherwise why not (it could not be opened, or
    /// its PostgreSQL server does not answer). Asked per request, so feedback comes back by
    /// itself when the server does.
    pub fn usable(&self) -> Result<&Arc<Store>, String> {
        let store = self.store.as_ref().map_err(Clone::clone)?;
        store.available()?;
        Ok(store)
    }

    /// No store: feedback is off for `reason`.
    pub fn off(reason: &str) -> Desk {
        Desk {
            store: Err(reason.to_owned()),
            log_searches: false,
        }
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("index", self.0.searcher.index())
            .field("articles", &self.0.articles)
            .finish()
    }
}

/// The content-health report as the `/check` page shows it.
#[derive(Debug, Clone)]
pub struct CheckSnapshot {
    /// `.md` files found.
    pub files: usize,
    /// Articles parsed from them.
    pub articles: usize,
    /// Problems of error severity.
    pub errors: usize,
    /// Problems of warning severity.
    pub warnings: usize,
    /// Every code with at least one problem: `(code, count)`, most frequent first.
    pub by_code: Vec<(Code, usize)>,
    /// `(folder, errors, warnings)`, folders with most errors first, then most warnings.
    pub by_folder: Vec<(String, usize, usize)>,
    /// Sorted by path, then line.
    pub problems: Vec<Problem>,
    /// How long reading and checking the folder took.
    pub took_ms: f64,
    /// When the report was made.
    pub checked_at: SystemTime,
}

impl CheckSnapshot {
    /// Summarizes a check report.
    pub fn new(report: CheckReport, took_ms: f64) -> CheckSnapshot {
        let mut by_code: Vec<(Code, usize)> = Code::ALL
            .iter()
            .map(|&c| (c, report.problems.iter().filter(|p| p.code == c).count()))
            .filter(|(_, n)| *n > 0)
            .collect();
        by_code.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut folders: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
        for p in &report.problems {
            let entry = folders.entry(folder_of(&p.path).to_owned()).or_default();
            match p.severity {
                Severity::Error => entry.0 += 1,
                Severity::Warning => entry.1 += 1,
            }
        }
        let mut by_folder: Vec<(String, usize, usize)> =
            folders.into_iter().map(|(f, (e, w))| (f, e, w)).collect();
        by_folder.sort_by(|a, b| (b.1, b.2).cmp(&(a.1, a.2)).then_with(|| a.0.cmp(&b.0)));
        CheckSnapshot {
            files: report.files,
            articles: report.articles,
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            by_code,
            by_folder,
            problems: report.problems,
            took_ms,
            checked_at: SystemTime::now(),
        }
    }
}

/// The folder part of an article path (`a/b/c.md` -> `a/b`), `.` at the root.
pub fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or(".", |(folder, _)| folder)
}

impl AppState {
    /// State over an opened index and the articles folder it was built from (for article
    /// images and the health report). Reads the topic names now; the health report is
    /// computed by [`AppState::refresh_check`] or [`AppState::schedule_check`].
    pub fn new(index: KbIndex, articles: &Path) -> AppState {
        let synonyms = crate::search::synonyms::default_file(articles);
        AppState::with_synonyms(index, articles, synonyms)
    }

    /// [`AppState::new`], with the synonyms of `synonyms` instead of the articles folder's.
    pub fn with_synonyms(index: KbIndex, articles: &Path, synonyms: PathBuf) -> AppState {
        AppState(Arc::new(Inner {
            searcher: Searcher::new(index).with_synonyms_file(synonyms),
            workers: Workers::new(worker_count()),
            articles: articles.to_owned(),
            // Read on first use (or by [`AppState::warm_up`]), not before the server can
            // answer: a tenth of a second on the real corpus.
            topics: RwLock::new((NOT_READ, Arc::default())),
            check: RwLock::new(None),
            checker: OnceLock::new(),
            desk: Desk::off("this server was started without a data folder"),
            history: Arc::default(),
            stale_days: super::freshness::DEFAULT_STALE_DAYS,
            public_base: OnceLock::new(),
        }))
    }

    /// The same state, keeping feedback and the search log in `desk`. Call it before the
    /// state is shared.
    pub fn with_desk(mut self, desk: Desk) -> AppState {
        match Arc::get_mut(&mut self.0) {
            Some(inner) => inner.desk = desk,
            None => tracing::error!("the desk was given after the state was shared"),
        }
        self
    }

    /// The same state, with the articles' git history and the stale threshold. Call it
    /// before the state is shared.
    pub fn with_history(
        mut self,
        history: Arc<super::freshness::History>,
        stale_days: u32,
    ) -> AppState {
        match Arc::get_mut(&mut self.0) {
            Some(inner) => {
                inner.history = history;
                inner.stale_days = stale_days;
            }
            None => tracing::error!("the history was given after the state was shared"),
        }
        self
    }

    /// The articles' git history.
    pub fn history(&self) -> &super::freshness::History {
        &self.0.history
    }

    /// How old an article is on its page.
    pub fn freshness(&self, path: &str) -> super::freshness::Freshness {
        self.0.history.of(&self.0.articles, path, self.0.stale_days)
    }

    /// Where feedback and the search log go.
    pub fn desk(&self) -> &Desk {
        &self.0.desk
    }

    /// Sets the public address of the site (`kb serve --public-base`), under which a reply's
    /// links to other articles and to images keep their address. Without one they keep
    /// only their label. It is set once; a second call changes nothing and returns false.
    pub fn set_public_base(&self, base: PublicBase) -> bool {
        self.0.public_base.set(base).is_ok()
    }

    /// The public address of the site, when it has one.
    pub fn public_base(&self) -> Option<&PublicBase> {
        self.0.public_base.get()
    }

    /// Runs index work (a search, a look-up) on one of the state's worker threads and waits
    /// for it without holding an async thread. At most [`AppState::workers`] jobs run at
    /// once, on threads made once: the work is CPU-bound, so more threads would not answer
    /// sooner, and every thread the blocking pool adds under load keeps its own allocator
    /// heap (tokio's pool had grown to a dozen threads and the server to 250 MB under 16
    /// connections). Requests beyond that queue in order.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, super::WebError> + Send + 'static,
    ) -> Result<T, super::WebError> {
        self.0.workers.run(work).await
    }

    /// Runs short index work (a search, a facet count, a look-up: about a millisecond of
    /// CPU) on the calling async thread and answers from there. Handing it to a worker and
    /// waking the async thread again cost as much as the search itself: on 2 cores, a
    /// quarter of the server's CPU under load went to that hop. At most as many run at once
    /// as the runtime has threads (one per core, see `kb serve`), which run at the search
    /// threads' lower priority ([`lower_priority`]).
    pub fn answer<T>(
        &self,
        work: impl FnOnce() -> Result<T, super::WebError>,
    ) -> Result<T, super::WebError> {
        self.0.workers.answer(work)
    }

    /// How many worker threads [`AppState::run`] uses.
    pub fn workers(&self) -> usize {
        self.0.workers.threads
    }

    /// The most jobs [`AppState::run`] and [`AppState::answer`] have had running at the
    /// same time.
    pub fn peak_busy(&self) -> usize {
        self.0.workers.peak.load(Ordering::Relaxed)
    }

    /// The search core, shared by every request.
    pub fn searcher(&self) -> &Searcher {
        &self.0.searcher
    }

    /// The index the searcher reads.
    pub fn index(&self) -> &KbIndex {
        self.0.searcher.index()
    }

    /// The articles folder as given (not canonicalized: it may be replaced while serving).
    pub fn articles_root(&self) -> &Path {
        &self.0.articles
    }

    /// Support topic ID (lower-case) -> name, as of the reader's current commit.
    pub fn topic_names(&self) -> Arc<TopicNames> {
        let generation = lookup::generation(self.index());
        {
            let cached = read(&self.0.topics);
            if cached.0 == generation {
                return cached.1.clone();
            }
        }
        self.refresh_topics()
    }

    /// Reads what requests derive from the index (the topic names) on a thread of its own,
    /// so that the first request that needs them finds them ready.
    pub fn warm_up(&self) {
        let state = self.clone();
        let spawned = std::thread::Builder::new()
            .name("kb-warm-up".to_owned())
            .spawn(move || {
                state.topic_names();
            });
        if let Err(e) = spawned {
            tracing::warn!("starting the warm-up thread: {e}");
        }
    }

    /// Rebuilds the topic names from the reader's current commit.
    pub fn refresh_topics(&self) -> Arc<TopicNames> {
        let started = Instant::now();
        let generation = lookup::generation(self.index());
        match lookup::topic_names(self.index()) {
            Ok(names) => {
                tracing::debug!(
                    "read {} topic names in {:?}",
                    names.len(),
                    started.elapsed()
                );
                let names = Arc::new(names);
                *write(&self.0.topics) = (generation, names.clone());
                names
            }
            Err(e) => {
                tracing::error!("reading support topic names: {e}");
                read(&self.0.topics).1.clone()
            }
        }
    }

    /// Makes the last commit visible to requests, then has what derives from it rebuilt in
    /// the background. Called after each sync, so that a request sees either the old commit
    /// or the new one; the caller (the watch thread) is free for the next sync at once.
    pub fn after_commit(&self) {
        if let Err(e) = self.index().reload() {
            tracing::error!("reloading the index: {e}");
        }
        self.schedule_check();
    }

    /// The last health report, `None` until the first one is done.
    pub fn check(&self) -> Option<Arc<CheckSnapshot>> {
        read(&self.0.check).clone()
    }

    /// Reads the articles folder and checks every article (blocking: seconds on a large
    /// corpus), then publishes the report.
    pub fn refresh_check(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        // On this thread, one article at a time: on the global rayon pool the check's tasks
        // would queue ahead of a watch sync's, and a change would wait for the whole check
        // to become searchable.
        let corpus = crate::corpus::load_with(
            &self.0.articles,
            Reading::OneAtATime,
            crate::check::problems_only,
        )?;
        let report = CheckReport::new(&corpus);
        drop(corpus);
        let snapshot = CheckSnapshot::new(report, started.elapsed().as_secs_f64() * 1000.0);
        tracing::info!(
            "checked {} articles: {} errors, {} warnings ({:.0} ms)",
            snapshot.articles,
            snapshot.errors,
            snapshot.warnings,
            snapshot.took_ms
        );
        *write(&self.0.check) = Some(Arc::new(snapshot));
        Ok(())
    }

    /// Asks the background worker to rebuild the topic names now and the health report
    /// ([`AppState::refresh_check`]) once changes settle; requests made meanwhile are folded
    /// into one more run.
    pub fn schedule_check(&self) {
        let tx = self.0.checker.get_or_init(|| {
            let (tx, rx) = std::sync::mpsc::channel();
            let weak = Arc::downgrade(&self.0);
            let spawned = std::thread::Builder::new()
                .name("kb-check".to_owned())
                .spawn(move || check_loop(&rx, &weak));
            if let Err(e) = spawned {
                tracing::error!("starting the health checker: {e}");
            }
            tx
        });
        // The checker only stops when the state is gone, and then nobody asks.
        let _ = tx.send(());
    }
}

/// One worker per core.
fn worker_count() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// How much lower than the rest of the server a search thread runs (a nice value). Under
/// full query load the two search threads would otherwise take both cores from the watcher,
/// and an article changed on disk would wait over a second to become searchable; at nice 5
/// the watcher's sync gets about three times a search thread's share of a core.
const SEARCH_NICE: i32 = 5;

/// Lowers the calling thread's priority by five nice steps (on Linux, `nice` applies to the
/// calling thread only): for every thread that answers searches, the workers and the async
/// runtime's. Failing to is harmless: searches then compete as equals.
pub fn lower_priority() {
    if let Err(e) = rustix::process::nice(SEARCH_NICE) {
        tracing::debug!("lowering a search thread's priority: {e}");
    }
}

/// A fixed set of threads (a rayon pool of its own) taking jobs in order.
struct Workers {
    threads: usize,
    /// `None` when the threads could not be started: every job is then refused.
    pool: Option<rayon::ThreadPool>,
    busy: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Workers {
    fn new(threads: usize) -> Workers {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("kb-worker-{i}"))
            .start_handler(|_| lower_priority())
            .build()
            .map_err(|e| tracing::error!("starting the worker threads: {e}"))
            .ok();
        Workers {
            threads,
            pool,
            busy: Arc::default(),
            peak: Arc::default(),
        }
    }

    fn answer<T>(
        &self,
        work: impl FnOnce() -> Result<T, super::WebError>,
    ) -> Result<T, super::WebError> {
        let now = self.busy.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(now, Ordering::Relaxed);
        // A panic answers this request with a 500 and leaves the thread serving.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        self.busy.fetch_sub(1, Ordering::Relaxed);
        result.unwrap_or_else(|_panic| {
            Err(super::WebError::Internal(anyhow::anyhow!(
                "a search panicked"
            )))
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, super::WebError> + Send + 'static,
    ) -> Result<T, super::WebError> {
        let Some(pool) = &self.pool else {
            return Err(super::WebError::Internal(anyhow::anyhow!(
                "the worker threads are gone"
            )));
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (busy, peak) = (self.busy.clone(), self.peak.clone());
        pool.spawn(move || {
            let now = busy.fetch_add(1, Ordering::Relaxed) + 1;
            peak.fetch_max(now, Ordering::Relaxed);
            // A panic answers this request with a 500 and leaves the thread serving (rayon
            // would abort the process on a panic in a spawned job).
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            busy.fetch_sub(1, Ordering::Relaxed);
            // The request may have gone away (time-out, client closed): nobody to tell.
            let _ = tx.send(result);
        });
        match rx.await {
            Ok(Ok(result)) => result,
            Ok(Err(_panic)) => Err(super::WebError::Internal(anyhow::anyhow!(
                "a worker panicked"
            ))),
            Err(_) => Err(super::WebError::Internal(anyhow::anyhow!(
                "a worker dropped its job"
            ))),
        }
    }
}

/// Quiet time after the last request before the health report is rebuilt.
const CHECK_QUIET: Duration = Duration::from_millis(2000);

/// The checker thread: it holds the state weakly, so that dropping the last `AppState`
/// ends it (its channel closes).
fn check_loop(rx: &Receiver<()>, state: &Weak<Inner>) {
    while rx.recv().is_ok() {
        // Topic names are quick (a few hundred stored articles) and pages show them; so are
        // the commits new since the last history.
        match state.upgrade() {
            Some(inner) => {
                let state = AppState(inner);
                drop(state.refresh_topics());
                state.history().refresh();
            }
            None => break,
        }
        // Edits come in bursts (save, save again, rename): check once they settle.
        while rx.recv_timeout(CHECK_QUIET).is_ok() {}
        let Some(inner) = state.upgrade() else { break };
        if let Err(e) = AppState(inner).refresh_check() {
            tracing::error!("checking articles: {e:#}");
        }
    }
}

/// Locks hold plain data that is replaced whole, so a panic elsewhere cannot leave it
/// half-written: poisoning is ignored.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}
