//! `kb serve`: bring the index in line with the articles, then serve the web pages and the
//! JSON API until Ctrl-C or SIGTERM; with `--watch`, keep the index in line while serving.

use std::process::ExitCode;

use anyhow::Context;

use crate::cli::ServeArgs;
use crate::index::{IndexError, IndexOptions, Indexer, KbIndex};
use crate::web::{self, AppState, Desk};

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    // The index takes each article's last change from git, the pages its author and subject.
    let history = std::sync::Arc::new(crate::history::History::open(
        &args.articles,
        Some(&args.store.data.data),
    ));
    // Incremental sync only reads what changed, so it runs on every start: a missing index
    // is built, a stale one updated.
    let (index, indexer, articles) = match Indexer::open(&args.index) {
        Ok(mut indexer) => {
            if history.repo().is_some() {
                indexer.set_history(history.clone());
            }
            sync(indexer, args)?
        }
        // An index shipped on a read-only volume is served as it is; watching needs a writer.
        Err(e @ IndexError::ReadOnly { .. }) if !args.watch => {
            tracing::warn!("{e}: serving it without bringing it in line with the articles");
            let index = KbIndex::open(&args.index)?;
            let articles = index.searcher().num_docs() as usize;
            (index, None, articles)
        }
        Err(e) => return Err(e.into()),
    };
    let synonyms = args
        .synonyms
        .clone()
        .unwrap_or_else(|| crate::search::synonyms::default_file(&args.articles));
    let desk = Desk::open(&args.store.place(), !args.no_search_log);
    keep_retention(&desk, args.search_log_days, args.feedback_days);
    let state = AppState::with_synonyms(index, &args.articles, synonyms)
        .with_desk(desk)
        .with_history(history, args.stale_after);
    if let Some(base) = &args.public_base {
        state.set_public_base(base.clone());
    }
    // The health report reads every article again, the topic names every description:
    // both off the start-up path.
    state.warm_up();
    state.schedule_check();
    let watch = match indexer {
        Some(indexer) if args.watch => {
            Some(web::watch::spawn(indexer, &args.articles, state.clone())?)
        }
        Some(indexer) => {
            // Without --watch the writer is released, so that `kb index` can update the
            // index while this server reads it (the reader follows new commits).
            indexer.finish()?;
            None
        }
        None => None,
    };

    // Index work runs on the state's own workers (one per core); the blocking pool only
    // reads image files, and every thread it adds keeps allocator memory of its own.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    // Searches are answered on the runtime's threads (`AppState::answer`): they run at the
    // search threads' lower priority, so that the watcher's indexing is not starved.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .on_thread_start(crate::web::lower_priority)
        .max_blocking_threads(cores)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let local = listener.local_addr().context("reading the bound address")?;
        println!(
            "kb: serving {} articles at http://{local}/{}",
            articles,
            if args.watch {
                " (watching for changes)"
            } else {
                ""
            }
        );
        web::server::serve(listener, web::app(state), shutdown_signal())
            .await
            .context("serving HTTP")
    })?;
    if let Some(watch) = watch {
        watch.stop();
    }
    eprintln!("kb: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Brings the index in line with the articles; returns it opened for reading, the writer
/// (kept for `--watch`) and how many articles it holds.
fn sync(
    mut indexer: Indexer,
    args: &ServeArgs,
) -> anyhow::Result<(KbIndex, Option<Indexer>, usize)> {
    let progress = super::progress::bar(false, "indexing");
    let report = indexer.sync(&args.articles, IndexOptions::default(), &progress)?;
    progress.finish_and_clear();
    if report.added > report.articles / 2 {
        indexer.merge_all()?;
    }
    if let Some(reason) = &report.rebuilt {
        tracing::warn!("rebuilt the index: {reason}");
    }
    eprintln!("{report}");
    let index = KbIndex::from_index(indexer.index().clone(), &args.index)?;
    Ok((index, Some(indexer), report.articles))
}

/// Deletes logged searches older than `days` and feedback older than `feedback_days` now,
/// then every hour, on a thread of its own.
fn keep_retention(desk: &Desk, days: u32, feedback_days: u32) {
    let Ok(store) = desk.store.clone() else {
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("kb-retention".to_owned())
        .spawn(move || {
            loop {
                match store.enforce_retention(days, feedback_days) {
                    Ok((0, 0)) => {}
                    Ok((searches, feedback)) => tracing::info!(
                        "retention: deleted {searches} searches older than {days} days and \
                         {feedback} pieces of feedback older than {feedback_days} days"
                    ),
                    Err(e) => tracing::warn!("enforcing the search log's retention: {e}"),
                }
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        });
    if let Err(e) = spawned {
        tracing::error!("starting the retention thread: {e}");
    }
}

/// Resolves on Ctrl-C or SIGTERM: in-flight requests are answered, then the server stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("listening for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!("listening for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    eprintln!("kb: shutting down");
}
