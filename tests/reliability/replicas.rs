//! Three replicas on one PostgreSQL: three `kb serve` processes, each with its own copy of
//! one read-only index, share the feedback and the search log through `--database`.
//!
//! 1,000 feedback posts and 3,000 searches are spread across them by 8 clients that, like a
//! load balancer, move on to the next replica when one does not answer. One replica is
//! killed with SIGKILL part-way. Then every acknowledged write must be stored, `/insights`
//! on each live replica and `kb insights --json` must count the same, and with PostgreSQL
//! stopped, search and articles must keep working while the feedback buttons say why they
//! are off, and come back once it is started again.
//!
//! Needs the `postgres-tests` feature, `KB_POSTGRES_URL` (a server the test may create a
//! database on) and `KB_POSTGRES_CTL` (a command that takes `stop` and `start` for that
//! server): `.ci/run` sets both, with `.ci/postgres.sh`.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::support::{Server, copy_tree, get, kb, kb_index, post_feedback, run, sample_articles};
use selfhelp_kb::store::Store;

const REPLICAS: usize = 3;
const CLIENTS: usize = 8;
const POSTS: usize = 1000;
const SEARCHES: usize = 3000;
/// Replica 1 is killed once this many writes (posts and searches) were acknowledged.
const KILL_AFTER: usize = 1200;
const KILLED: usize = 1;
const ARTICLE: &str = "microsoft.keyvault.vaults/keyvault-access-denied-403.md";
const START: Duration = Duration::from_secs(60);
const PATIENCE: Duration = Duration::from_secs(30);

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: the replica test needs a PostgreSQL server (KB_POSTGRES_URL) \
             and a command that stops and starts it (KB_POSTGRES_CTL); .ci/run sets both"
        )
    })
}

/// What the clients saw.
#[derive(Default)]
struct Tally {
    posts: BTreeSet<String>,
    searches: BTreeSet<String>,
    /// Requests that got an answer other than success (none are expected).
    refused: Vec<String>,
    /// Requests a replica did not answer (the killed one), tried again on the next.
    moved: usize,
}

/// The `i`th write: a feedback post for `i < POSTS`, else a search. Both carry a marker
/// that is unique to the write, so that each one is found again in the store.
fn write(i: usize) -> (bool, String) {
    if i < POSTS {
        (true, format!("post-{i:04}"))
    } else {
        (false, format!("replica search {:04}", i - POSTS))
    }
}

/// Sends the writes this client owns, each to replica `i % 3` first and, when that one
/// does not answer, to the next, as a load balancer would.
fn client(addrs: Vec<SocketAddr>, first: usize, tally: Arc<Mutex<Tally>>, acked: Arc<AtomicUsize>) {
    // Posts and searches interleaved, so that the kill lands among both.
    let order: Vec<usize> = (0..POSTS + SEARCHES)
        .map(|k| {
            if k % 4 == 0 {
                k / 4
            } else {
                POSTS + k - k / 4 - 1
            }
        })
        .collect();
    for &i in order.iter().skip(first).step_by(CLIENTS) {
        let (is_post, marker) = write(i);
        let mut done = false;
        for attempt in 0..REPLICAS {
            let addr = addrs[(i + attempt) % REPLICAS];
            let answer = if is_post {
                post_feedback(addr, ARTICLE, &marker)
            } else {
                get(addr, &format!("/search?q={}", marker.replace(' ', "+")))
            };
            let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
            match answer {
                Ok((303, _)) if is_post => {
                    t.posts.insert(marker.clone());
                }
                Ok((200, _)) if !is_post => {
                    t.searches.insert(marker.clone());
                }
                Ok((status, body)) => t.refused.push(format!(
                    "{marker} on {addr}: {status} {}",
                    body.chars().take(200).collect::<String>()
                )),
                Err(_) => {
                    t.moved += 1;
                    continue;
                }
            }
            done = true;
            break;
        }
        if done {
            acked.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// `kb insights --json` at `url`: `(searches, feedback)`.
fn insights_cli(url: &str) -> (u64, u64) {
    let out = run(
        kb().args(["insights", "--json", "--database", url]),
        "kb insights --json",
    );
    out.assert_success("kb insights --json");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let n = |k: &str| json[k].as_u64().unwrap_or_else(|| panic!("{k} in {json}"));
    (n("searches"), n("feedback"))
}

/// `/insights` of a replica: `(searches, feedback)`, from its lead line ("The last 30 days:
/// N searches, M pieces of feedback.").
fn insights_page(addr: SocketAddr) -> (u64, u64) {
    let (status, page) = get(addr, "/insights").expect("/insights answers");
    assert_eq!(status, 200, "{page}");
    let lead = page
        .split("The last 30 days: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no lead line in {page}"));
    // Counts are written with thousands separators ("3,000").
    let lead = lead.replace(',', "");
    let mut numbers = lead
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u64>().expect("a count"));
    (
        numbers.next().expect("searches"),
        numbers.next().expect("feedback"),
    )
}

fn postgres_ctl(what: &str) {
    let ctl = env("KB_POSTGRES_CTL");
    let status = std::process::Command::new(&ctl)
        .arg(what)
        .status()
        .unwrap_or_else(|e| panic!("{ctl} {what}: {e}"));
    assert!(status.success(), "{ctl} {what}: {status}");
}

/// PostgreSQL stopped for as long as this lives: it is started again even when the test
/// fails, so that the tests after it have their server.
struct Outage;

impl Outage {
    fn begin() -> Outage {
        postgres_ctl("stop");
        Outage
    }

    fn end(self) {
        std::mem::forget(self);
        postgres_ctl("start");
    }
}

impl Drop for Outage {
    fn drop(&mut self) {
        let _ = std::process::Command::new(env("KB_POSTGRES_CTL"))
            .arg("start")
            .status();
    }
}

/// Waits until `ok` holds, at most [`PATIENCE`].
fn eventually(what: &str, mut ok: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ok() {
        assert!(
            started.elapsed() < PATIENCE,
            "{what}: not within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn start(scratch: &Path, index: &Path, url: &str) -> Server {
    Server::start_with_env(
        &sample_articles(),
        index,
        false,
        "warn",
        scratch,
        START,
        &[("KB_DATABASE", url)],
    )
}

#[test]
fn three_replicas_on_one_postgres_share_every_write_and_survive_a_kill_and_an_outage() {
    let server_url = env("KB_POSTGRES_URL");
    let name = format!("kb_replicas_{}", std::process::id());
    let url = selfhelp_kb::store::postgres::create_database(&server_url, &name)
        .expect("a database for the test");
    let scratch = TempDir::new().expect("a temporary folder");
    // One index, built once and shipped to each replica, as the README's deployment does.
    let built = scratch.path().join("index");
    kb_index(&sample_articles(), &built, &[]).assert_success("kb index");
    let mut servers: Vec<Server> = (0..REPLICAS)
        .map(|r| {
            let dir = scratch.path().join(format!("replica-{r}"));
            copy_tree(&built, &dir.join("index"));
            start(&dir, &dir.join("index"), &url)
        })
        .collect();
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();

    let tally = Arc::new(Mutex::new(Tally::default()));
    let acked = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (addrs, tally, acked) = (addrs.clone(), tally.clone(), acked.clone());
            std::thread::spawn(move || client(addrs, c, tally, acked))
        })
        .collect();
    while acked.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "only {} writes acknowledged in 300 s",
            acked.load(Ordering::SeqCst)
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let acked_at_kill = acked.load(Ordering::SeqCst);
    servers[KILLED].kill();
    for c in clients {
        c.join().expect("a client thread");
    }
    let load_time = started.elapsed();
    let tally = std::mem::take(&mut *tally.lock().unwrap_or_else(|e| e.into_inner()));
    assert!(tally.refused.is_empty(), "refused: {:?}", tally.refused);
    assert!(tally.moved > 0, "no request met the killed replica");
    assert_eq!(
        (tally.posts.len(), tally.searches.len()),
        (POSTS, SEARCHES),
        "every write was answered by some replica"
    );

    // Every acknowledged write is stored, once; at most the ones in flight on the killed
    // replica are stored twice (stored there, unanswered, sent again to the next).
    let store = Store::connect(&url).expect("the store");
    let stored = store.export().expect("the export");
    let comments: Vec<&str> = stored.feedback.iter().map(|f| f.comment.as_str()).collect();
    let queries: Vec<&str> = stored.searches.iter().map(|s| s.q.as_str()).collect();
    let lost_posts: Vec<&String> = tally
        .posts
        .iter()
        .filter(|p| !comments.contains(&p.as_str()))
        .collect();
    let lost_searches: Vec<&String> = tally
        .searches
        .iter()
        .filter(|q| !queries.contains(&q.as_str()))
        .collect();
    assert!(lost_posts.is_empty(), "posts lost: {lost_posts:?}");
    assert!(lost_searches.is_empty(), "searches lost: {lost_searches:?}");
    let twice = comments.len() + queries.len() - POSTS - SEARCHES;
    assert!(
        twice <= CLIENTS,
        "{twice} writes stored twice, more than the {CLIENTS} that can be in flight"
    );

    // Every live replica and the command line see all of them.
    let counts = (queries.len() as u64, comments.len() as u64);
    for (r, server) in servers.iter().enumerate() {
        if r != KILLED {
            assert_eq!(
                insights_page(server.addr),
                counts,
                "/insights of replica {r}"
            );
        }
    }
    assert_eq!(insights_cli(&url), counts, "kb insights --json");
    eprintln!(
        "replicas: {REPLICAS} servers, {POSTS} posts and {SEARCHES} searches from {CLIENTS} \
         clients in {:.1} s; replica {KILLED} killed after {acked_at_kill} acknowledged \
         writes; {} requests moved to another replica; stored {} posts and {} searches \
         ({twice} twice); lost: none",
        load_time.as_secs_f64(),
        tally.moved,
        comments.len(),
        queries.len()
    );

    // Without PostgreSQL, search and articles keep working, and feedback says why it is off.
    let outage = Outage::begin();
    let live: Vec<SocketAddr> = (0..REPLICAS)
        .filter(|&r| r != KILLED)
        .map(|r| addrs[r])
        .collect();
    let article = format!("/articles/{}", ARTICLE.trim_end_matches(".md"));
    for &addr in &live {
        eventually("the article page says feedback is off", || {
            get(addr, &article)
                .is_ok_and(|(s, page)| s == 200 && page.contains("Feedback is off on this server"))
        });
        let (status, page) = get(addr, &article).expect("the article");
        assert!(page.contains("unreachable"), "{page}");
        assert!(page.contains("<fieldset disabled>"), "{page}");
        let (status_search, results) =
            get(addr, "/search?q=vault").expect("search without the database");
        assert_eq!((status, status_search), (200, 200));
        assert!(results.contains("keyvault-access-denied-403"), "{results}");
        let (status, why) = post_feedback(addr, ARTICLE, "while-down").expect("an answer");
        assert_eq!(status, 503, "{why}");
        assert!(why.contains("unreachable"), "{why}");
    }

    // Back with the database, feedback is on again by itself.
    outage.end();
    for &addr in &live {
        eventually("feedback comes back", || {
            get(addr, &article)
                .is_ok_and(|(s, page)| s == 200 && !page.contains("Feedback is off on this server"))
        });
        let (status, body) = post_feedback(addr, ARTICLE, "after-restart").expect("an answer");
        assert_eq!(status, 303, "{body}");
    }
    let after = Store::connect(&url).expect("the store");
    eventually("the store answers", || after.available().is_ok());
    let back = after
        .feedback()
        .expect("the feedback")
        .iter()
        .filter(|f| f.comment == "after-restart")
        .count();
    assert_eq!(back, live.len());
    assert_eq!(
        insights_cli(&url).1,
        comments.len() as u64 + live.len() as u64
    );
}
