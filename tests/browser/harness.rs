//! What every browser test needs: the app served on a loopback port from an index of the
//! sample articles, a chromedriver child driving a fresh headless Chromium, and helpers over
//! WebDriver that never wait without a bound.
//!
//! The app runs in-process on a runtime of its own (a thread), so that the test's runtime,
//! which drives WebDriver, never competes with it. chromedriver is started in a process group
//! of its own: Chromium inherits that group, and killing the group in `Drop` takes the
//! browser down too, even when a test panics half-way (killing chromedriver alone would leave
//! Chromium running).

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::http::Method;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::wd::{Capabilities, TimeoutConfiguration, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
// fantoccini enables hyper-util's `client-legacy`: its connector is what `ClientBuilder` takes.
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tempfile::TempDir;

use selfhelp_kb::web::app;

/// Longest any single wait may take (an element, a navigation, a condition).
pub const WAIT: Duration = Duration::from_secs(10);
/// Longest a whole test may take, start-up included: a hung browser fails the test instead
/// of hanging the run.
pub const TEST_DEADLINE: Duration = Duration::from_secs(150);
/// Chromium's start can be slow on a loaded two-core machine.
const START: Duration = Duration::from_secs(30);
/// Desktop window, as given to Chromium.
pub const DESKTOP: (u32, u32) = (1280, 900);
/// A phone in portrait (iPhone 12-15 size).
pub const PHONE: (u32, u32) = (390, 844);
/// Full-page screenshots stop at this height: the point is to look at them.
const MAX_SHOT_HEIGHT: u64 = 4000;

/// Where chromium and chromedriver are looked for (Debian's packages), unless the
/// environment names others.
fn tool(var: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
    assert!(
        path.is_file(),
        "{} not found: the browser tests need Chromium and its driver. Install them with \
         `apt-get install -y chromium chromium-driver` (or set {var} to another binary).",
        path.display()
    );
    path
}

/// Where screenshots are saved, for people (and the lead) to look at.
pub fn screenshot_dir() -> PathBuf {
    crate::common::crate_root().join("target/screenshots")
}

/// The app, serving an index of `articles` built in a temporary folder.
pub struct Server {
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    _index: TempDir,
}

impl Server {
    pub fn start(articles: &Path) -> Server {
        let dir = TempDir::new().expect("a temporary folder for the index");
        // With the health report made now: the health page's screenshot shows it.
        // Feedback and the search log in the test's own folder.
        let state = crate::common::web::app_state(articles, &dir.path().join("index")).with_desk(
            selfhelp_kb::web::Desk::open(
                &selfhelp_kb::store::Place::Folder(dir.path().join("data")),
                true,
            ),
        );

        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port for the app");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let addr = listener.local_addr().expect("the app's address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("kb-browser-app".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("the app's runtime starts");
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
                    let serve = axum::serve(listener, app(state)).into_future();
                    tokio::select! {
                        served = serve => {
                            if let Err(e) = served {
                                eprintln!("browser tests: the app stopped: {e}");
                            }
                        }
                        _ = stopped => {}
                    }
                });
                // Open keep-alive connections of a killed browser must not hold the thread.
                runtime.shutdown_timeout(Duration::from_secs(2));
            })
            .expect("the app's thread starts");
        Server {
            base: format!("http://{addr}"),
            stop: Some(stop),
            thread: Some(thread),
            _index: dir,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Some(thread) = self.thread.take() else {
            return;
        };
        let started = Instant::now();
        while !thread.is_finished() && started.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
        }
        if thread.is_finished() {
            let _ = thread.join();
        } else {
            eprintln!("browser tests: the app's thread did not stop in 5 s; leaving it");
        }
    }
}

/// A chromedriver child in a process group of its own, with the browser profile it uses.
struct Driver {
    child: Child,
    port: u16,
    profile: TempDir,
}

impl Driver {
    fn start() -> Driver {
        let chromedriver = tool("KB_CHROMEDRIVER", "/usr/bin/chromedriver");
        let port = free_port();
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let mut driver = Driver {
            child,
            port,
            profile: TempDir::new().expect("a temporary browser profile"),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return driver;
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited before listening on port {port}: {status}");
            }
            assert!(
                started.elapsed() < START,
                "chromedriver did not listen on port {port} within {START:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver and every Chromium process it started.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A chromedriver command fantoccini has no method for, under the session's URL.
#[derive(Debug)]
struct SessionCommand {
    method: Method,
    path: &'static str,
    body: Option<Value>,
}

impl WebDriverCompatibleCommand for SessionCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        (
            self.method.clone(),
            self.body.as_ref().map(Value::to_string),
        )
    }
}

/// One line of the browser's console, as chromedriver reports it.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub level: String,
    pub message: String,
}

/// A browser on a fresh profile, pointed at a fresh server. Fields drop in order: the
/// WebDriver client, then the browser (killed), then the server.
pub struct Browser {
    pub client: Client,
    /// Held for its `Drop`: the browser lives as long as this.
    _driver: Driver,
    server: Server,
    /// SEVERE console entries that a test said to expect (e.g. the 404 of an error page).
    allowed: Vec<String>,
}

impl Browser {
    /// A browser on a server of the articles in `articles`.
    pub async fn start(articles: &Path) -> Browser {
        let chromium = tool("KB_CHROMIUM", "/usr/bin/chromium");
        let server = Server::start(articles);
        let driver = Driver::start();
        let mut caps = Capabilities::new();
        caps.insert("browserName".to_owned(), json!("chrome"));
        caps.insert("goog:loggingPrefs".to_owned(), json!({ "browser": "ALL" }));
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                    format!("--user-data-dir={}", driver.profile.path().display()),
                ],
            }),
        );
        let webdriver = format!("http://127.0.0.1:{}", driver.port);
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(caps);
        let connect = builder.connect(&webdriver);
        let client = match tokio::time::timeout(START, connect).await {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => panic!(
                "chromedriver could not start {}: {e}\n(is the `chromium` package installed \
                 and of the same version as `chromium-driver`?)",
                chromium.display()
            ),
            Err(_) => panic!("Chromium did not start within {START:?}"),
        };
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(WAIT),
                Some(WAIT),
                Some(Duration::ZERO),
            ))
            .await
            .expect("the session's time-outs are set");
        std::fs::create_dir_all(screenshot_dir()).expect("target/screenshots is created");
        let browser = Browser {
            client,
            _driver: driver,
            server,
            allowed: Vec::new(),
        };
        browser.color_scheme("").await;
        browser
    }

    /// Closes the session (the browser quits), then the guards kill what is left.
    pub async fn close(self) {
        let Browser { client, .. } = self;
        let _ = tokio::time::timeout(WAIT, client.close()).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base)
    }

    /// Opens `path` and checks that the console stayed clean.
    pub async fn visit(&mut self, path: &str) {
        let url = self.url(path);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("opening {url}: {e}"));
        self.wait_for(
            &format!("{path} to load"),
            "document.readyState === 'complete'",
        )
        .await;
        self.assert_console_clean(path).await;
    }

    /// The current URL's path and query, e.g. `/search?q=vm`.
    pub async fn location(&self) -> String {
        let url = self
            .client
            .current_url()
            .await
            .expect("the current URL is read");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Runs `script` (a function body: use `return`) and gives its result.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("running script {script:?}: {e}"))
    }

    /// Waits until the JavaScript expression `condition` is true, for at most [`WAIT`].
    /// Script errors (a page being replaced) count as "not yet".
    pub async fn wait_for(&self, what: &str, condition: &str) {
        let script = format!("return !!({condition});");
        let started = Instant::now();
        let mut last_error = String::new();
        loop {
            match self.client.execute(&script, Vec::new()).await {
                Ok(Value::Bool(true)) => return,
                Ok(_) => {}
                Err(e) => last_error = e.to_string(),
            }
            if started.elapsed() > WAIT {
                let at = self.location().await;
                panic!(
                    "waited {WAIT:?} for {what} (`{condition}`) at {at}{}",
                    if last_error.is_empty() {
                        String::new()
                    } else {
                        format!("; last script error: {last_error}")
                    }
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Marks the current document, so that [`Browser::navigated`] can tell a new one.
    pub async fn mark_document(&self) {
        self.js("window.__kbOldDocument = true; return null;").await;
    }

    /// True once a document other than the marked one has loaded; false if none did within
    /// `within`.
    pub async fn navigated(&self, within: Duration) -> bool {
        let started = Instant::now();
        loop {
            let fresh = self
                .client
                .execute(
                    "return window.__kbOldDocument === undefined \
                     && document.readyState === 'complete';",
                    Vec::new(),
                )
                .await;
            if let Ok(Value::Bool(true)) = fresh {
                return true;
            }
            if started.elapsed() > within {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the document that an action started to load (see [`Browser::mark_document`]).
    pub async fn wait_navigation(&self, what: &str) {
        if !self.navigated(WAIT).await {
            let at = self.location().await;
            panic!("no new page loaded within {WAIT:?} after {what} (still at {at})");
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        let at = self.location().await;
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no `{css}` at {at} within {WAIT:?}: {e}"))
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("looking for `{css}`: {e}"))
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("reading the text of `{css}`: {e}"))
    }

    /// Presses one key on whatever has the focus, as a person would.
    pub async fn press(&self, key: char) {
        let actions = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client
            .perform_actions(actions)
            .await
            .unwrap_or_else(|e| panic!("pressing {key:?}: {e}"));
    }

    /// Presses Ctrl and `key` together (the chord of a shortcut).
    pub async fn press_ctrl(&self, key: char) {
        const CONTROL: char = '\u{E009}';
        let actions = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: CONTROL })
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key })
            .then(KeyAction::Up { value: CONTROL });
        self.client
            .perform_actions(actions)
            .await
            .unwrap_or_else(|e| panic!("pressing Ctrl+{key:?}: {e}"));
    }

    /// A chromedriver command under the session (`se/log`, `goog/cdp/execute`).
    async fn session_command(&self, path: &'static str, body: Value) -> Value {
        self.client
            .issue_cmd(SessionCommand {
                method: Method::POST,
                path,
                body: Some(body),
            })
            .await
            .unwrap_or_else(|e| panic!("chromedriver command {path}: {e}"))
    }

    /// A Chrome DevTools Protocol command through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.session_command("goog/cdp/execute", json!({ "cmd": cmd, "params": params }))
            .await
    }

    /// The console entries logged since the last call (chromedriver hands each out once).
    pub async fn console(&self) -> Vec<LogEntry> {
        let entries = self
            .session_command("se/log", json!({ "type": "browser" }))
            .await;
        entries
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|e| LogEntry {
                        level: e["level"].as_str().unwrap_or_default().to_owned(),
                        message: e["message"].as_str().unwrap_or_default().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Lets the next console checks accept SEVERE entries containing `fragment`.
    pub fn allow_console_error(&mut self, fragment: impl Into<String>) {
        self.allowed.push(fragment.into());
    }

    /// Fails on any SEVERE console entry (script errors, CSP violations, failed loads such
    /// as a missing favicon) that was not said to be expected.
    pub async fn assert_console_clean(&self, context: &str) {
        let severe: Vec<String> = self
            .console()
            .await
            .into_iter()
            .filter(|e| e.level == "SEVERE")
            .filter(|e| !self.allowed.iter().any(|a| e.message.contains(a.as_str())))
            .map(|e| e.message)
            .collect();
        assert!(
            severe.is_empty(),
            "console errors at {context}:\n  {}",
            severe.join("\n  ")
        );
    }

    /// Emulates `prefers-color-scheme` (`"dark"`, `"light"`, or `""` for the default).
    /// Reduced motion is always asked for: the app scrolls smoothly otherwise, and a click
    /// that WebDriver scrolls into view would land before the scroll ends ("element click
    /// intercepted").
    pub async fn color_scheme(&self, scheme: &str) {
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [
                { "name": "prefers-color-scheme", "value": scheme },
                { "name": "prefers-reduced-motion", "value": "reduce" },
            ] }),
        )
        .await;
    }

    /// Makes the viewport `width` x `height` CSS pixels (`mobile` for a phone's viewport
    /// rules), or back to the window's with `None`. Through DevTools, because a window
    /// cannot be made phone-narrow.
    pub async fn viewport(&self, size: Option<(u32, u32, bool)>) {
        match size {
            Some((width, height, mobile)) => {
                self.cdp(
                    "Emulation.setDeviceMetricsOverride",
                    json!({
                        "width": width,
                        "height": height,
                        "deviceScaleFactor": 1,
                        "mobile": mobile,
                    }),
                )
                .await;
            }
            None => {
                self.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
                    .await;
            }
        }
    }

    /// Saves a screenshot of the whole page (up to [`MAX_SHOT_HEIGHT`]) at `width` CSS
    /// pixels as `target/screenshots/{name}.png`, then puts the viewport back.
    pub async fn screenshot(&self, name: &str, width: u32, mobile: bool) -> PathBuf {
        let height = self
            .js("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight);")
            .await
            .as_u64()
            .unwrap_or(u64::from(DESKTOP.1))
            .clamp(200, MAX_SHOT_HEIGHT);
        self.viewport(Some((width, height as u32, mobile))).await;
        // Let the resized page lay out before the capture (a sleep, not requestAnimationFrame:
        // with page scripts disabled its callbacks never run).
        tokio::time::sleep(Duration::from_millis(200)).await;
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        self.viewport(None).await;
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        path
    }
}

/// Runs one test's flow on a fresh browser over the sample articles.
pub async fn drive(name: &str, flow: impl AsyncFnOnce(&mut Browser)) {
    drive_on(name, &crate::common::sample_articles(), flow).await;
}

/// Runs one test's flow on a fresh browser over `articles` within [`TEST_DEADLINE`], then
/// checks the console a last time and closes the browser.
pub async fn drive_on(name: &str, articles: &Path, flow: impl AsyncFnOnce(&mut Browser)) {
    let mut browser = Browser::start(articles).await;
    if tokio::time::timeout(TEST_DEADLINE, flow(&mut browser))
        .await
        .is_err()
    {
        // The browser may be what hangs: ask where it is, briefly.
        let at = tokio::time::timeout(Duration::from_secs(2), browser.location())
            .await
            .unwrap_or_else(|_| "an unresponsive page".to_owned());
        panic!("{name}: not done within {TEST_DEADLINE:?} (at {at})");
    }
    browser
        .assert_console_clean(&format!("the end of {name}"))
        .await;
    browser.close().await;
}
