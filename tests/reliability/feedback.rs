//! Feedback under a crash: 8 clients post 1,000 pieces of feedback to `kb serve`, which is
//! killed with SIGKILL part-way. Every post the server acknowledged (its 303) must be in the
//! database afterwards, and the server must start again on the same data and take the rest.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::common::sample_articles;
use crate::support::{Server, post_feedback};
use selfhelp_kb::store::Store;

const CLIENTS: usize = 8;
const POSTS: usize = 1000;
/// The kill comes once this many posts were acknowledged.
const KILL_AFTER: usize = 300;
const ARTICLE: &str = "microsoft.keyvault.vaults/keyvault-access-denied-403.md";
const START: Duration = Duration::from_secs(60);

/// One form POST over a fresh connection, as a browser on the site sends it; the status.
fn post(addr: SocketAddr, comment: &str) -> Result<u16, String> {
    post_feedback(addr, ARTICLE, comment).map(|(status, _)| status)
}

/// Posts `comments[i]` for each `i` this client owns until they run out or the server is
/// gone; returns the acknowledged comments.
fn client(
    addr: SocketAddr,
    first: usize,
    acked: Arc<Mutex<BTreeSet<String>>>,
    count: Arc<AtomicUsize>,
    failures: Arc<Mutex<Vec<String>>>,
) {
    for i in (first..POSTS).step_by(CLIENTS) {
        let comment = format!("post-{i:04}");
        match post(addr, &comment) {
            Ok(303) => {
                acked
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(comment);
                count.fetch_add(1, Ordering::SeqCst);
            }
            Ok(status) => {
                failures
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(format!("{comment}: status {status}"));
            }
            // The server was killed: this client is done.
            Err(_) => return,
        }
    }
}

fn stored_comments(data: &std::path::Path) -> Vec<String> {
    Store::open(data)
        .expect("the store opens after the kill")
        .feedback()
        .expect("the feedback reads")
        .into_iter()
        .map(|f| f.comment)
        .collect()
}

#[test]
fn sigkill_during_1000_feedback_posts_loses_no_acknowledged_post() {
    let scratch = TempDir::new().expect("a temporary folder");
    let index = scratch.path().join("index");
    let data = scratch.path().join("data");
    let serve = || {
        Server::start(
            &sample_articles(),
            &index,
            false,
            "warn",
            scratch.path(),
            START,
        )
    };
    let mut server = serve();
    let addr = server.addr;

    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (acked, count, failures) = (acked.clone(), count.clone(), failures.clone());
            std::thread::spawn(move || client(addr, c, acked, count, failures))
        })
        .collect();
    while count.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "only {} posts acknowledged in 120 s",
            count.load(Ordering::SeqCst)
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let killed_at = count.load(Ordering::SeqCst);
    server.kill();
    for c in clients {
        c.join().expect("a client thread");
    }
    let acked: BTreeSet<String> = acked.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let failures = failures.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(
        failures.is_empty(),
        "posts refused before the kill: {failures:?}"
    );
    assert!(acked.len() < POSTS, "the kill came after every post");

    let stored: BTreeSet<String> = stored_comments(&data).into_iter().collect();
    let lost: Vec<&String> = acked.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    // A post may be stored and its answer lost in the kill; never more than one per client.
    let unacked = stored.len() - acked.len();
    assert!(
        unacked <= CLIENTS,
        "{unacked} stored posts were never acknowledged"
    );
    eprintln!(
        "feedback kill: {} acknowledged ({} when the kill was sent), {} stored, {} of them \
         unacknowledged",
        acked.len(),
        killed_at,
        stored.len(),
        unacked
    );

    // The server starts again on the same data and takes the rest.
    let server = serve();
    let rest: Vec<usize> = (0..POSTS)
        .filter(|i| !stored.contains(&format!("post-{i:04}")))
        .collect();
    for i in &rest {
        assert_eq!(post(server.addr, &format!("post-{i:04}")), Ok(303));
    }
    let after: Vec<String> = stored_comments(&data);
    assert_eq!(after.len(), POSTS, "every post once");
    let unique: BTreeSet<&String> = after.iter().collect();
    assert_eq!(unique.len(), POSTS);
}
