//! `--http`: `kb serve` under load. The server runs as a child process on a free loopback
//! port; a load generator keeps N keep-alive connections busy with the free-text queries
//! (each connection cycling through them from its own starting point) for a fixed time, then
//! reports throughput, latency, errors (any status but 200) and the server's peak RSS.
//!
//! The generator is wrk (Debian's `wrk`, one thread, a Lua script for the query list) when
//! it is installed, else a tokio + hyper one on one thread. Either shares the 2 cores with
//! the server, so the figure is a floor for what the server does on its own; wrk, written in
//! C around epoll, leaves the server more of them (the hyper generator costs about a quarter
//! of the server's throughput here). The table says which one ran.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use serde::Serialize;

use crate::child::{tail, vm_hwm_kb};
use crate::stats::Latency;

/// How long the server may take to answer `/healthz`.
const STARTUP: Duration = Duration::from_secs(60);
/// Untimed load before the measurement, so the server's caches are warm.
const WARMUP: Duration = Duration::from_secs(2);

/// How hard and how long to load the server.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub connections: usize,
    pub duration: Duration,
    pub generator: Generator,
}

/// Which load generator drives the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Generator {
    /// wrk when it is on the PATH, else hyper.
    Auto,
    Wrk,
    Hyper,
}

#[derive(Debug, Clone, Serialize)]
pub struct HttpStats {
    /// The load generator that ran: `wrk` or `hyper`.
    pub generator: String,
    pub connections: usize,
    pub seconds: f64,
    pub requests: u64,
    pub requests_per_second: f64,
    pub errors: u64,
    /// A few error descriptions, for the report.
    pub error_samples: Vec<String>,
    pub latency: Latency,
    pub server_peak_rss_mb: f64,
    /// CPU time (user + system) the server spent per request during the measurement: what
    /// the throughput would be on a quiet machine is about `cores / this`, whatever the load.
    pub server_cpu_ms_per_request: f64,
}

/// User + system CPU seconds of process `pid` so far (0 when it cannot be read).
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start after the last `)`.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / clock_ticks_per_second()
}

/// `sysconf(_SC_CLK_TCK)`: 100 on Linux for every common architecture.
fn clock_ticks_per_second() -> f64 {
    100.0
}

/// The server child; killed when dropped, whatever happened.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// True when this `kb` has a `serve` subcommand.
pub fn serve_exists(kb: &Path) -> bool {
    Command::new(kb)
        .args(["serve", "--help"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub fn run(
    kb: &Path,
    index: &Path,
    articles: &Path,
    queries: &[String],
    load_plan: Load,
    scratch: &Path,
) -> Result<HttpStats> {
    let Load {
        connections,
        duration,
        generator,
    } = load_plan;
    let wrk = match generator {
        Generator::Hyper => false,
        Generator::Wrk => true,
        Generator::Auto => wrk_exists(),
    };
    if !serve_exists(kb) {
        bail!(
            "--http needs `kb serve`, and {} has no `serve` subcommand yet (`kb serve --help` \
             failed); build a kb that has it, or run without --http",
            kb.display()
        );
    }
    if queries.is_empty() {
        bail!("--http needs free-text queries and freetext.txt has none");
    }
    let (mut server, addr, log) = spawn_server(kb, index, articles, scratch)?;
    let pid = server.0.id();

    // The peak is followed from start-up on: what the server holds after opening the index
    // counts as much as what the load adds.
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let monitor = {
        let (stop, peak) = (stop.clone(), peak.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Some(kb) = vm_hwm_kb(pid) {
                    peak.fetch_max(kb, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let paths: Arc<Vec<String>> = Arc::new(
        queries
            .iter()
            .map(|q| format!("/api/search?q={}", encode(q)))
            .collect(),
    );
    let result = rt.block_on(async {
        wait_ready(&mut server, addr, &log, Duration::from_millis(50)).await?;
        if wrk {
            let script = wrk_script(&paths, scratch)?;
            run_wrk(addr, &script, connections, WARMUP)?;
            let cpu_before = cpu_seconds(pid);
            let measured = run_wrk(addr, &script, connections, duration)?;
            return Ok::<_, anyhow::Error>((measured, cpu_seconds(pid) - cpu_before));
        }
        load(addr, paths.clone(), connections, WARMUP).await;
        let cpu_before = cpu_seconds(pid);
        let (mut latencies, errors, error_samples, elapsed) =
            load(addr, paths, connections, duration).await;
        let measured = Measured {
            requests: latencies.len() as u64 + errors,
            errors,
            error_samples,
            elapsed,
            latency: Latency::of(&mut latencies),
        };
        Ok::<_, anyhow::Error>((measured, cpu_seconds(pid) - cpu_before))
    });
    if let Some(kb) = vm_hwm_kb(pid) {
        peak.fetch_max(kb, Ordering::Relaxed);
    }
    stop.store(true, Ordering::Relaxed);
    let _ = monitor.join();
    drop(server);
    let (measured, server_cpu) = result?;
    let Measured {
        requests,
        errors,
        error_samples,
        elapsed,
        latency,
    } = measured;
    Ok(HttpStats {
        generator: if wrk { "wrk" } else { "hyper" }.to_owned(),
        connections,
        seconds: elapsed.as_secs_f64(),
        requests,
        requests_per_second: requests as f64 / elapsed.as_secs_f64(),
        errors,
        error_samples,
        latency,
        server_peak_rss_mb: peak.load(Ordering::Relaxed) as f64 / 1024.0,
        server_cpu_ms_per_request: server_cpu * 1000.0 / requests.max(1) as f64,
    })
}

/// Starts `kb serve` on a free port of loopback, its output in `scratch/serve.log`.
fn spawn_server(
    kb: &Path,
    index: &Path,
    articles: &Path,
    scratch: &Path,
) -> Result<(Server, SocketAddr, std::path::PathBuf)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .context("finding a free port")?
        .port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let log = scratch.join("serve.log");
    let log_file =
        std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    let child = Command::new(kb)
        .arg("serve")
        .arg("--index")
        .arg(index)
        .arg("--articles")
        .arg(articles)
        .arg("--addr")
        .arg(addr.to_string())
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file)
        .spawn()
        .context("starting kb serve")?;
    Ok((Server(child), addr, log))
}

/// Start-up time of `kb serve` on an up-to-date index, each of `runs` times: from exec to
/// the first `/healthz` answered with 200 (polled every millisecond), in ms.
pub fn startup(
    kb: &Path,
    index: &Path,
    articles: &Path,
    scratch: &Path,
    runs: usize,
) -> Result<Vec<f64>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let (mut server, addr, log) = spawn_server(kb, index, articles, scratch)?;
        rt.block_on(wait_ready(
            &mut server,
            addr,
            &log,
            Duration::from_millis(1),
        ))?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(times)
}

/// Polls `/healthz` every `poll` until it answers 200; fails early when the server exits.
async fn wait_ready(
    server: &mut Server,
    addr: SocketAddr,
    log: &Path,
    poll: Duration,
) -> Result<()> {
    let started = Instant::now();
    loop {
        if let Some(status) = server.0.try_wait()? {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            bail!(
                "kb serve exited at start-up ({status}):\n{}",
                tail(&text, 30)
            );
        }
        if let Ok(mut sender) = connect(addr).await
            && let Ok((status, _)) = get(&mut sender, addr, "/healthz").await
            && status == hyper::StatusCode::OK
        {
            return Ok(());
        }
        if started.elapsed() > STARTUP {
            bail!("kb serve did not answer /healthz with 200 within {STARTUP:?} on {addr}");
        }
        tokio::time::sleep(poll).await;
    }
}

type Outcome = (Vec<f64>, u64, Vec<String>, Duration);

/// One measured load, whichever generator made it.
struct Measured {
    requests: u64,
    errors: u64,
    error_samples: Vec<String>,
    elapsed: Duration,
    latency: Latency,
}

fn wrk_exists() -> bool {
    Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// The Lua script wrk runs: each connection cycles through `paths` from its own starting
/// point, and the summary line carries what the report needs (latencies in microseconds).
fn wrk_script(paths: &[String], scratch: &Path) -> Result<std::path::PathBuf> {
    let list: Vec<String> = paths.iter().map(|p| format!("{p:?}")).collect();
    let script = format!(
        r#"local paths = {{{}}}
local next_id = 0
function setup(thread) end
function init(args)
  next_id = math.random(#paths)
end
function request()
  next_id = next_id % #paths + 1
  return wrk.format("GET", paths[next_id])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("KB-WRK %d %d %d %d %d %d %d %d\n",
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max))
end
"#,
        list.join(",")
    );
    let file = scratch.join("load.lua");
    std::fs::write(&file, script).with_context(|| format!("writing {}", file.display()))?;
    Ok(file)
}

/// Runs wrk (one thread) for `duration` and reads its summary line.
fn run_wrk(
    addr: SocketAddr,
    script: &Path,
    connections: usize,
    duration: Duration,
) -> Result<Measured> {
    let out = Command::new("wrk")
        .arg("-t1")
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("--timeout")
        .arg("10s")
        .arg("-s")
        .arg(script)
        .arg(format!("http://{addr}"))
        .output()
        .context("running wrk")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("KB-WRK "))
        .with_context(|| {
            format!(
                "wrk printed no summary ({}):\n{stdout}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    let n: Vec<u64> = line
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading wrk's summary {line:?}"))?;
    let [requests, micros, transport, status, p50, p95, p99, _max] = n[..] else {
        bail!("wrk's summary has {} fields, not 8: {line:?}", n.len());
    };
    let mut error_samples = Vec::new();
    if transport > 0 {
        error_samples.push(format!("{transport} connect/read/write/timeout errors"));
    }
    if status > 0 {
        error_samples.push(format!(
            "{status} responses with a status other than 2xx/3xx"
        ));
    }
    let ms = |us: u64| us as f64 / 1000.0;
    Ok(Measured {
        requests,
        errors: transport + status,
        error_samples,
        elapsed: Duration::from_micros(micros),
        latency: Latency {
            p50: ms(p50),
            p95: ms(p95),
            p99: ms(p99),
            samples: requests as usize,
        },
    })
}

/// `connections` workers for `duration`: latencies of the 200s (ms), errors, a few error
/// descriptions, and the time it took.
async fn load(
    addr: SocketAddr,
    paths: Arc<Vec<String>>,
    connections: usize,
    duration: Duration,
) -> Outcome {
    let started = Instant::now();
    let until = started + duration;
    let workers: Vec<_> = (0..connections)
        .map(|k| tokio::spawn(worker(addr, paths.clone(), k, until)))
        .collect();
    let (mut latencies, mut errors, mut samples) = (Vec::new(), 0, Vec::new());
    for w in workers {
        match w.await {
            Ok((l, e, s)) => {
                latencies.extend(l);
                errors += e;
                samples.extend(s);
            }
            Err(e) => {
                errors += 1;
                samples.push(format!("worker panicked: {e}"));
            }
        }
    }
    samples.truncate(5);
    (latencies, errors, samples, started.elapsed())
}

/// One connection's loop; reconnects after a transport error. Worker `k` starts at the
/// k-th query so that the connections do not ask the same thing in lockstep.
async fn worker(
    addr: SocketAddr,
    paths: Arc<Vec<String>>,
    k: usize,
    until: Instant,
) -> (Vec<f64>, u64, Vec<String>) {
    let (mut latencies, mut errors, mut samples) = (Vec::new(), 0u64, Vec::new());
    let mut sender: Option<SendRequest<Empty<Bytes>>> = None;
    let mut i = k;
    while Instant::now() < until {
        let s = match sender.as_mut() {
            Some(s) => s,
            None => match connect(addr).await {
                Ok(s) => sender.insert(s),
                Err(e) => {
                    errors += 1;
                    note(&mut samples, format!("connect: {e:#}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let path = &paths[i % paths.len()];
        i += 1;
        let t = Instant::now();
        match get(s, addr, path).await {
            Ok((hyper::StatusCode::OK, _)) => latencies.push(t.elapsed().as_secs_f64() * 1000.0),
            Ok((status, _)) => {
                errors += 1;
                note(&mut samples, format!("{status} for {path}"));
            }
            Err(e) => {
                errors += 1;
                note(&mut samples, format!("{path}: {e:#}"));
                sender = None;
            }
        }
    }
    (latencies, errors, samples)
}

fn note(samples: &mut Vec<String>, s: String) {
    if samples.len() < 5 {
        samples.push(s);
    }
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Empty<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        // The connection ends when its sender is dropped; an error then is expected.
        let _ = conn.await;
    });
    Ok(sender)
}

/// One GET; the body is read to the end, as a client would.
async fn get(
    sender: &mut SendRequest<Empty<Bytes>>,
    addr: SocketAddr,
    path: &str,
) -> Result<(hyper::StatusCode, usize)> {
    sender.ready().await?;
    let req = hyper::Request::get(path)
        .header(hyper::header::HOST, addr.to_string())
        .body(Empty::new())?;
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok((status, body.len()))
}

/// Percent-encodes a query-string value (everything but RFC 3986 unreserved characters).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
