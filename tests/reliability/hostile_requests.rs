//! Part 3, hostile requests: over 10,000 generated URLs (random bytes percent-encoded, `..`
//! and encoded slashes, huge page numbers, repeated and unknown parameters, unbalanced
//! quotes, long strings, invalid UTF-8) sent to `app(state)` in-process over the sample
//! articles: none may get a 5xx (a panic becomes one), 99% must be answered within a second
//! and the slowest within five. Then the limits only a real socket shows: a 100 KB URI and a
//! 100 KB header must be refused (414, 431 or 400), not hang the connection or fail the
//! server.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use selfhelp_kb::web::app;
use tempfile::TempDir;

use crate::support::*;

const REQUESTS: usize = 10_000;
const SEED: u64 = 0x6b62_2d72_6571_7565;
/// What the issue asks of an answer, held at the 99th percentile: on a shared 2-core machine
/// one preemption can stall any single request for longer.
const BOUND: Duration = Duration::from_secs(1);
/// The slowest answer's ceiling: generous, so that only a request that really hangs or
/// walks something huge fails it, not one that was descheduled.
const CEILING: Duration = Duration::from_secs(5);
/// Past this a request counts as hung and the test stops waiting for it.
const HUNG: Duration = Duration::from_secs(15);

/// Hand-written cases first: each names a way a URL has broken servers before.
fn fixed_cases() -> Vec<String> {
    let mut out: Vec<String> = [
        "/api/search?page=18446744073709551615&per_page=100",
        "/api/search?page=18446744073709551616",
        "/api/search?page=100&per_page=100",
        "/api/search?page=1000000000&per_page=1",
        "/search?page=99999999999999999999999999",
        "/api/search?per_page=0",
        "/api/search?per_page=-1",
        "/api/search?q=%22",
        "/api/search?q=%22%22%22",
        "/search?q=%22unbalanced+quote",
        "/api/search?q=-",
        "/api/search?q=--",
        "/api/search?q=-vm+-boot",
        "/api/search?q=service%3A",
        "/api/search?q=topic%3A",
        "/api/search?q=id%3A%22",
        "/api/search?q=*",
        "/api/search?q=%5C",
        "/api/search?q=%00",
        "/api/search?q=%ff",
        "/api/search?q=%",
        "/api/search?q=%zz",
        "/api/search?q=a&q=b&q=c&page=1&page=2",
        "/api/search?topic=%ff",
        "/api/search?topic=..%2F..",
        "/api/search?sort=%ff",
        "/api/facets?service=%ff",
        "/api/suggest?q=%ff",
        "/articles/..%2f..%2fCargo.toml",
        "/articles/%2e%2e/%2e%2e/Cargo.toml",
        "/files/..%2fCargo.toml",
        "/files/%2e%2e/Cargo.toml",
        "/files/%252e%252e/Cargo.png",
        "/static/..%2f..%2fCargo.toml",
        "/static/%2e%2e",
        "/api/articles/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/api/articles/a%00b.md",
        "/api/articles/%c0%ae%c0%ae/x.md",
        "/api/topics/%ff",
        "/api/topics/..",
        "/id/%ff%fe",
        "/services/%ff",
        "/services/..%2f..",
        "/topics/%2f",
        "//",
        "///api//search",
        "/api/search/",
        "/search/",
        "/%2e%2e/%2e%2e/etc/passwd",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    out.push(format!("/api/suggest?q={}", "a".repeat(201)));
    out.push(format!("/api/search?{}", "x=1&".repeat(300)));
    out.push(format!("/api/search?q={}", "vm+".repeat(2_000)));
    out.push(format!("/search?q={}", "%22vm+boot+".repeat(500)));
    out.push(format!("/api/search?q={}", "a".repeat(8_500)));
    out.push(format!("/articles/{}", "a/".repeat(600)));
    out
}

/// Builds random hostile URLs from a seed.
struct Gen {
    rng: Rng,
    /// Paths of real articles (with `.md`), so that some URLs are close to valid ones.
    paths: Vec<String>,
}

const ROUTES: [&str; 15] = [
    "/",
    "/insights",
    "/feedback",
    "/search",
    "/services",
    "/topics",
    "/check",
    "/api/search",
    "/api/facets",
    "/api/suggest",
    "/api/openapi.json",
    "/healthz",
    "/api",
    "/api/",
    "/nowhere",
];
/// What may follow an article's path: its reply (API) or its history (page).
const SUFFIXES: [&str; 3] = ["/reply", ".md/reply", "/history"];
const PREFIXES: [&str; 8] = [
    "/services/",
    "/topics/",
    "/articles/",
    "/id/",
    "/api/articles/",
    "/api/topics/",
    "/static/",
    "/files/",
];
const TRICKS: [&str; 16] = [
    "%2e%2e",
    "%2E%2e",
    "%252e%252e",
    "..%2f..",
    "%2f",
    "%2F%2F",
    "%00",
    "%5c..%5c",
    "%c0%ae%c0%ae",
    "%e2%80%ae",
    "%ef%bf%bd",
    "~",
    "%20",
    "+",
    "Cargo.toml",
    "etc%2fpasswd",
];
const PARAMS: [&str; 11] = [
    "q", "page", "per_page", "sort", "topic", "service", "resource", "tag", "type", "cloud",
    "scenario",
];
const UNKNOWN: [&str; 10] = [
    "raw",
    "format",
    "x",
    "Q",
    "PAGE",
    "page%5B%5D",
    "%ff",
    "",
    "__proto__",
    "callback",
];
const NUMBERS: [&str; 20] = [
    "0",
    "1",
    "2",
    "-1",
    "100",
    "101",
    "1000",
    "10000",
    "99999",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999999",
    "1e3",
    "0x10",
    "1.5",
    "%201",
    "+1",
    "NaN",
    "",
    "%20",
];
const SYNTAX: [&str; 28] = [
    "vm",
    "storage",
    "boot",
    "rdp",
    "%22",
    "%22unbalanced",
    "service%3A",
    "topic%3A",
    "id%3A",
    "type%3Arca",
    "-",
    "--",
    "-vm",
    "*",
    "%3F",
    "~2",
    "(",
    ")",
    "AND",
    "OR",
    "NOT",
    "%5C",
    "%27%27",
    "%22%22",
    "%3A",
    "service%3Amicrosoft.compute",
    "cloud%3A",
    "%22vm+boot%22",
];
const UNICODE: [&str; 6] = ["日本語", "ü", "\u{202e}", "🙂", "Ω≈ç√", "\u{feff}"];

impl Gen {
    fn unreserved(&mut self, len: usize) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~";
        (0..len)
            .map(|_| CHARS[self.rng.below(CHARS.len())] as char)
            .collect()
    }

    fn unicode(&mut self) -> String {
        let text: &&str = self.rng.pick(&UNICODE);
        enc(text)
    }

    fn segment(&mut self) -> String {
        match self.rng.below(11) {
            0 => {
                let path = self.rng.pick(&self.paths).clone();
                let path = if self.rng.chance(0.5) {
                    path.trim_end_matches(".md").to_owned()
                } else {
                    path
                };
                enc_path(&path)
            }
            1 => "..".to_owned(),
            2 => ".".to_owned(),
            3 => (*self.rng.pick(&TRICKS)).to_owned(),
            4 => {
                let n = 1 + self.rng.below(40);
                let bytes = self.rng.bytes(n);
                enc_bytes(&bytes)
            }
            5 => {
                let n = 1 + self.rng.below(200);
                self.unreserved(n)
            }
            6 => {
                let n = 1_000 + self.rng.below(2_500);
                self.unreserved(n)
            }
            7 => String::new(),
            8 => self.unicode(),
            9 => (*self.rng.pick(&[
                "32750101",
                "0",
                "-1",
                "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            ]))
            .to_owned(),
            _ => (*self.rng.pick(&NUMBERS)).to_owned(),
        }
    }

    fn path(&mut self) -> String {
        let prefix = *self.rng.pick(&PREFIXES);
        let n = 1 + self.rng.below(5);
        let separator = if self.rng.chance(0.1) { "%2F" } else { "/" };
        let mut tail: Vec<String> = (0..n).map(|_| self.segment()).collect();
        if self.rng.chance(0.3) {
            let ext = *self
                .rng
                .pick(&[".md", ".MD", ".png", ".svg", ".json", ".css"]);
            if let Some(last) = tail.last_mut() {
                last.push_str(ext);
            }
        }
        let mut path = format!("{prefix}{}", tail.join(separator));
        // Article paths also name their reply (`/api/articles/{path}.md/reply`) and, on the
        // page, their history.
        if self.rng.chance(0.1) {
            let suffix = *self.rng.pick(&SUFFIXES);
            path.push_str(suffix);
        }
        path
    }

    fn value(&mut self) -> String {
        match self.rng.below(10) {
            0 => (*self.rng.pick(&NUMBERS)).to_owned(),
            1 => {
                let n = 1 + self.rng.below(6);
                (0..n)
                    .map(|_| *self.rng.pick(&SYNTAX))
                    .collect::<Vec<_>>()
                    .join("+")
            }
            2 => {
                let n = 1 + self.rng.below(64);
                let bytes = self.rng.bytes(n);
                enc_bytes(&bytes)
            }
            // Long text: some of it past the 8 KB URI limit.
            3 => "vm+".repeat(1_000 + self.rng.below(2_000)),
            4 => (*self
                .rng
                .pick(&["relevance", "title", "order", "auto", "RELEVANCE", "random"]))
            .to_owned(),
            5 => {
                let n = 1 + self.rng.below(80);
                self.unreserved(n)
            }
            6 => (*self.rng.pick(&[
                "microsoft.compute",
                "microsoft.storage",
                "rca",
                "public",
                "fairfax",
            ]))
            .to_owned(),
            7 => self.unicode(),
            8 => (*self.rng.pick(&["%", "%z", "%4", "100%", "%%", "%g0"])).to_owned(),
            // More words than a query reads.
            _ => (0..40)
                .map(|_| *self.rng.pick(&SYNTAX))
                .collect::<Vec<_>>()
                .join("+"),
        }
    }

    fn query(&mut self) -> String {
        let n = self.rng.below(10);
        let mut pairs = Vec::with_capacity(n);
        for _ in 0..n {
            let name = if self.rng.chance(0.75) {
                (*self.rng.pick(&PARAMS)).to_owned()
            } else if self.rng.chance(0.8) {
                (*self.rng.pick(&UNKNOWN)).to_owned()
            } else {
                let n = 1 + self.rng.below(20);
                self.unreserved(n)
            };
            let value = self.value();
            pairs.push(match self.rng.below(10) {
                0 => name,
                1 => format!("{name}=={value}"),
                _ => format!("{name}={value}"),
            });
        }
        // Repeated parameters: the same pair again.
        if !pairs.is_empty() && self.rng.chance(0.2) {
            let again = self.rng.pick(&pairs).clone();
            pairs.push(again);
        }
        pairs.join("&")
    }

    fn uri(&mut self) -> String {
        let base = if self.rng.chance(0.5) {
            (*self.rng.pick(&ROUTES)).to_owned()
        } else {
            self.path()
        };
        if self.rng.chance(0.8) {
            format!("{base}?{}", self.query())
        } else {
            base
        }
    }
}

/// One request through the app: status and time to the last byte of the body.
async fn send(app: &Router, uri: &str) -> Result<(u16, Duration, Vec<u8>), String> {
    let request = Request::get(uri)
        .body(Body::empty())
        .map_err(|e| format!("not a request: {e}"))?;
    let started = Instant::now();
    match tokio::time::timeout(HUNG, crate::common::web::try_send(app, request)).await {
        Ok(Ok(reply)) => Ok((reply.status.as_u16(), started.elapsed(), reply.body)),
        Ok(Err(e)) => Err(format!("HUNG-OR-FAILED {uri}: {e}")),
        Err(_) => Err(format!("HUNG-OR-FAILED {uri}: no answer within {HUNG:?}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_hostile_urls_get_no_5xx_and_99_percent_an_answer_within_a_second() {
    let dir = TempDir::new().expect("a temporary folder");
    let state = crate::common::web::app_state(&sample_articles(), dir.path());
    let paths: Vec<String> = indexed_files(dir.path()).into_keys().collect();
    let app = app(state);
    let mut gen_ = Gen {
        rng: Rng::new(SEED),
        paths,
    };

    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut server_errors = Vec::new();
    let mut leaks = Vec::new();
    let mut latencies = Vec::with_capacity(REQUESTS);
    let mut slowest: Vec<(Duration, String)> = Vec::new();
    let mut unparsable = 0;
    let mut fixed = fixed_cases().into_iter();
    let started = Instant::now();
    // Bounded: the generator only makes URLs `http` accepts, so far fewer tries are needed.
    for _ in 0..REQUESTS * 2 {
        if latencies.len() == REQUESTS {
            break;
        }
        let uri = fixed.next().unwrap_or_else(|| gen_.uri());
        let (status, took, body) = match send(&app, &uri).await {
            Ok(answer) => answer,
            Err(e) if e.starts_with("not a request") => {
                unparsable += 1;
                continue;
            }
            Err(e) => panic!("{e}"),
        };
        *statuses.entry(status).or_default() += 1;
        latencies.push(took.as_secs_f64() * 1000.0);
        if status >= 500 {
            server_errors.push(format!("{status} {uri}"));
        }
        // A path that climbed out of the tree would serve these.
        let text = String::from_utf8_lossy(&body);
        if status == 200 && (text.contains("[package]") || text.contains("root:x:0:0")) {
            leaks.push(uri.clone());
        }
        slowest.push((took, uri));
        slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
        slowest.truncate(3);
    }
    let total = started.elapsed();
    let max = latencies.iter().copied().fold(0.0, f64::max);
    eprintln!(
        "hostile requests: {} URLs in {:.1} s ({} more not accepted by http::Uri); statuses \
         {statuses:?}; latency p50 {:.2} ms, p99 {:.2} ms, max {max:.1} ms",
        latencies.len(),
        total.as_secs_f64(),
        unparsable,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
    );
    for (took, uri) in &slowest {
        let shown: String = uri.chars().take(120).collect();
        eprintln!(
            "hostile requests: slow {:.1} ms {shown}",
            took.as_secs_f64() * 1000.0
        );
    }
    assert!(latencies.len() >= REQUESTS, "only {} sent", latencies.len());
    assert!(server_errors.is_empty(), "5xx answers: {server_errors:#?}");
    assert!(
        leaks.is_empty(),
        "files outside the tree served: {leaks:#?}"
    );
    assert!(
        percentile(&latencies, 99.0) < BOUND.as_secs_f64() * 1000.0,
        "p99 latency {:.1} ms over the bound {BOUND:?}; slowest answers: {slowest:?}",
        percentile(&latencies, 99.0)
    );
    assert!(
        max < CEILING.as_secs_f64() * 1000.0,
        "slowest answers (ceiling {CEILING:?}): {slowest:?}"
    );
}

/// `kb serve` over the sample articles in a child process.
fn sample_server(tmp: &TempDir) -> Server {
    Server::start(
        &sample_articles(),
        &tmp.path().join("index"),
        false,
        "warn",
        tmp.path(),
        Duration::from_secs(120),
    )
}

fn exchange(addr: SocketAddr, label: &str, request: &[u8], allowed: &[u16]) {
    let started = Instant::now();
    let answer = raw_request(addr, request, Duration::from_secs(5));
    let took = started.elapsed();
    eprintln!(
        "hostile requests: socket, {label} ({} bytes): {answer:?} in {:.1} ms",
        request.len(),
        took.as_secs_f64() * 1000.0
    );
    match answer {
        Ok(status) => assert!(
            allowed.contains(&status),
            "{label}: status {status}, expected one of {allowed:?}"
        ),
        Err(e) => panic!("{label}: {e}"),
    }
}

#[test]
fn oversized_and_malformed_requests_on_a_socket_are_refused_not_hung() {
    let tmp = TempDir::new().expect("a temporary folder");
    let mut server = sample_server(&tmp);
    let addr = server.addr;
    let refused = [400, 414, 431];
    let long = "a".repeat(100 * 1024);
    exchange(
        addr,
        "100 KB URI",
        format!("GET /search?q={long} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        &refused,
    );
    exchange(
        addr,
        "100 KB header",
        format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {long}\r\n\r\n").as_bytes(),
        &[400, 431],
    );
    exchange(
        addr,
        "1 MB URI",
        format!(
            "GET /search?q={} HTTP/1.1\r\nHost: x\r\n\r\n",
            "a".repeat(1 << 20)
        )
        .as_bytes(),
        &refused,
    );
    let many: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    exchange(
        addr,
        "200 headers",
        format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n").as_bytes(),
        &[400, 431],
    );
    exchange(
        addr,
        "raw invalid UTF-8 in the target",
        b"GET /search?q=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
        &[400],
    );
    exchange(addr, "garbage", b"\x00\x01\x02 junk\r\n\r\n", &[400]);
    exchange(
        addr,
        "a POST with a body",
        format!(
            "POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n\r\n{}",
            "b".repeat(65536)
        )
        .as_bytes(),
        &[405, 413],
    );
    // And the server is unharmed.
    exchange(
        addr,
        "a normal request",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        &[200],
    );
    assert!(server.alive(), "kb serve died: {}", server.stderr());
    let (status, took) = server.terminate(Duration::from_secs(15));
    assert!(status.success(), "kb serve exit: {status}");
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
    eprintln!(
        "hostile requests: kb serve stopped on SIGTERM in {:.0} ms",
        took.as_secs_f64() * 1000.0
    );
}

/// A client that sends half a request header and then nothing (slowloris) must not hold
/// its connection for ever: `kb serve` gives each header 10 s (`web::server`), after which
/// the connection is closed or answered 408. Checked both for a header cut after the
/// request line and for one cut after a header field.
#[test]
fn an_unfinished_request_header_is_dropped_within_15_seconds() {
    let tmp = TempDir::new().expect("a temporary folder");
    let mut server = sample_server(&tmp);
    let limit = Duration::from_secs(15);
    for partial in [&b"GET / HTTP/1.1\r\n"[..], b"GET / HTTP/1.1\r\nHost: x\r\n"] {
        let started = Instant::now();
        // Well past the limit, so that a connection held for ever shows as a time-out.
        let answer = raw_request(server.addr, partial, limit + Duration::from_secs(10));
        let took = started.elapsed();
        eprintln!(
            "hostile requests: unfinished header {:?}: {answer:?} after {:.1} s",
            String::from_utf8_lossy(partial),
            took.as_secs_f64()
        );
        assert!(
            took < limit,
            "the connection was still open after {took:?}: {answer:?}"
        );
        if let Ok(status) = answer {
            assert!(status == 408 || status == 400, "status {status}");
        }
    }
    assert!(server.alive(), "kb serve died: {}", server.stderr());
}
