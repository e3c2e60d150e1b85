#![cfg(feature = "reliability")]
//! The reliability suite: what happens to `kb` when things go wrong around it.
//!
//! 1. [`crashes`]: `kb index --full` killed with SIGKILL at 20 moments of a real build.
//! 2. [`hostile_articles`]: files no author means to write, through index, check and web.
//! 3. [`hostile_requests`]: 10,000+ generated URLs in-process, and oversized requests on a
//!    real socket.
//! 4. [`live_load`]: `kb serve --watch` under 16 clients while 200 articles change.
//! 5. [`disk`]: index folders that cannot be created or written, and a disk that fills up.
//! 6. [`crash_points`]: `kb` killed at each phase of a commit, chosen by a failpoint (the
//!    `reliability` feature turns on `failpoints`).
//! 7. [`feedback`]: `kb serve` killed during 1,000 feedback posts from 8 clients.
//! 8. [`replicas`] (with the `postgres-tests` feature): three `kb serve` on one PostgreSQL,
//!    one of them killed under load, then PostgreSQL stopped and started again.
//!
//! It needs the real corpus (`$KB_SHARED`, default `../shared`) and, for the read-only and
//! full-disk checks, root and a working `mount(8)` (for a tmpfs and a read-only bind mount).
//! Without them those checks fail and say so; outside CI, `KB_SKIP_ROOT_TESTS=1` turns
//! that failure into a skip that says so. Run it in release mode, one test at a time (the
//! load tests measure latency, and the machine has two cores):
//!
//! ```text
//! cargo test --release --features reliability --test reliability -- --test-threads 1
//! ```
//!
//! Add `--nocapture` to see the figures each test measures.

mod common;
#[path = "reliability/support.rs"]
mod support;

#[path = "reliability/crash_points.rs"]
mod crash_points;
#[path = "reliability/crashes.rs"]
mod crashes;
#[path = "reliability/disk.rs"]
mod disk;
#[path = "reliability/feedback.rs"]
mod feedback;
#[path = "reliability/hostile_articles.rs"]
mod hostile_articles;
#[path = "reliability/hostile_requests.rs"]
mod hostile_requests;
#[path = "reliability/live_load.rs"]
mod live_load;
#[cfg(feature = "postgres-tests")]
#[path = "reliability/replicas.rs"]
mod replicas;
