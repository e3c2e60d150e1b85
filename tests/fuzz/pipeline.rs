//! A folder of articles through the whole pipeline: parse, index, render, and every route of
//! the app (`web::app(state)`, driven in-process with `oneshot`), with the invariants every
//! article must keep:
//!
//! - nothing panics, and no route answers with a 5xx (a panic in a handler would be a 500);
//! - every route answers (a hang is a failure; the slowest answer is recorded, and
//!   `KB_FUZZ_MAX_MS` bounds it for the long documented run);
//! - an article's page shows the words of its plain text (for generated articles, which
//!   know them);
//! - the sections the API lists are exactly the sections its page renders, in order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use selfhelp_kb::Article;
use selfhelp_kb::article::html::{Kind, Tokens};
use selfhelp_kb::index::{IndexOptions, Indexer, KbIndex};
use selfhelp_kb::render::reply::{Reply as ReplyText, ReplyFormat};
use selfhelp_kb::web::{AppState, app};
use tempfile::TempDir;
use tower::ServiceExt;

/// Longer than any route may take: the server's own request time-out. Reaching it is a hang.
const HANG: Duration = Duration::from_secs(10);

/// The slowest answer of this run, in microseconds.
pub static SLOWEST_US: AtomicU64 = AtomicU64::new(0);

/// How many articles went through the pipeline in this run.
pub static ARTICLES: AtomicU64 = AtomicU64::new(0);

/// How many proptest cases each strategy runs: `KB_FUZZ_CASES`, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("KB_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

/// One article to put in the folder: its file name (bytes, for names that are not UTF-8),
/// contents, and the words its page must show.
pub struct Input {
    pub name: Vec<u8>,
    pub bytes: Vec<u8>,
    pub words: Vec<String>,
}

/// What the site's URLs leave as it is in a path segment or query value.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a path segment by segment, as the site's URLs do.
fn enc(path: &str) -> String {
    path.split('/')
        .map(|seg| utf8_percent_encode(seg, UNRESERVED).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// The text a reader sees in some HTML: what is between the tags.
fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    for t in Tokens::new(html) {
        match t.kind {
            Kind::Text(s) => out.push_str(s),
            _ => out.push(' '),
        }
    }
    out
}

/// The section names some rendered HTML holds, in order.
fn rendered_sections(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in Tokens::new(html) {
        if let Kind::StartTag(tag) = t.kind
            && tag.is("section")
            && let Some(name) = tag.attr("data-section")
        {
            out.push(name.to_owned());
        }
    }
    out
}

struct Reply {
    status: StatusCode,
    body: String,
}

/// GET `uri`: never a 5xx, never a hang.
async fn get(app: &Router, uri: &str) -> Result<Reply, String> {
    let req = Request::builder()
        .uri(uri)
        .body(Body::empty())
        .map_err(|e| format!("{uri}: not a request: {e}"))?;
    let started = Instant::now();
    let resp = tokio::time::timeout(HANG, app.clone().oneshot(req))
        .await
        .map_err(|_| format!("{uri}: no answer in {HANG:?}"))?
        .map_err(|e| format!("{uri}: {e}"))?;
    let status = resp.status();
    let body = tokio::time::timeout(HANG, resp.into_body().collect())
        .await
        .map_err(|_| format!("{uri}: the body did not end in {HANG:?}"))?
        .map_err(|e| format!("{uri}: {e}"))?
        .to_bytes();
    let took = started.elapsed();
    SLOWEST_US.fetch_max(took.as_micros() as u64, Ordering::Relaxed);
    if let Some(max) = std::env::var("KB_FUZZ_MAX_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        && took > Duration::from_millis(max)
    {
        return Err(format!("{uri}: answered in {took:?}, more than {max} ms"));
    }
    if status.is_server_error() {
        return Err(format!(
            "{uri}: {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    Ok(Reply {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn expect(reply: &Reply, uri: &str, ok: &[StatusCode]) -> Result<(), String> {
    if ok.contains(&reply.status) {
        Ok(())
    } else {
        Err(format!(
            "{uri}: {} (wanted {ok:?}): {}",
            reply.status, reply.body
        ))
    }
}

/// Writes the inputs into a new folder, indexes it, and runs every route over it. `Err`
/// says which invariant broke where.
pub fn run(inputs: &[Input]) -> Result<(), String> {
    let dir = TempDir::new().map_err(|e| e.to_string())?;
    let root = dir.path().join("articles");
    std::fs::create_dir_all(root.join("svc")).map_err(|e| e.to_string())?;
    let mut files: Vec<(PathBuf, &Input)> = Vec::new();
    for input in inputs {
        let file = root.join("svc").join(os_name(&input.name));
        if std::fs::write(&file, &input.bytes).is_ok() {
            files.push((file, input));
        }
    }
    ARTICLES.fetch_add(inputs.len() as u64, Ordering::Relaxed);
    let index_dir = dir.path().join("index");
    let mut indexer = Indexer::open(&index_dir).map_err(|e| format!("open: {e}"))?;
    indexer
        .sync(&root, IndexOptions::default(), &())
        .map_err(|e| format!("index: {e}"))?;
    let index = KbIndex::from_index(indexer.index().clone(), &index_dir)
        .map_err(|e| format!("reader: {e}"))?;
    indexer.finish().map_err(|e| format!("finish: {e}"))?;
    let state = AppState::new(index, &root);
    state.refresh_check().map_err(|e| format!("check: {e:#}"))?;
    let app = app(state);
    runtime().block_on(async {
        site_routes(&app).await?;
        for (file, input) in &files {
            let Some(path) = article_path(&root, file) else {
                continue;
            };
            let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
            let article = Article::parse(&path, &bytes);
            article_routes(&app, &article, &input.words)
                .await
                .map_err(|e| format!("{e}\n--- the article:\n{}", article.source))?;
        }
        Ok(())
    })
}

#[cfg(unix)]
fn os_name(name: &[u8]) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    std::ffi::OsString::from_vec(name.to_vec())
}

/// The path an indexed article has, when the folder walk takes the file as one.
fn article_path(root: &Path, file: &Path) -> Option<String> {
    let name = file.file_name()?.to_str()?;
    if name.starts_with('.') || !selfhelp_kb::corpus::is_article_name(name) {
        return None;
    }
    Some(selfhelp_kb::corpus::relative(root, file))
}

/// The routes that are about no one article.
async fn site_routes(app: &Router) -> Result<(), String> {
    for uri in [
        "/",
        "/search",
        "/search?q=the&sort=title&per_page=100",
        "/services",
        "/topics?id=32750101",
        "/topics/32750101",
        "/check",
        "/check?code=unpaired-marker",
        "/api/search?q=",
        "/api/facets",
        "/api/topics/32750101",
        "/api/suggest?q=a",
        "/api/openapi.json",
        "/healthz",
        "/files/svc/none.png",
        "/static/none.css",
        "/nowhere",
    ] {
        get(app, uri).await?;
    }
    let home = get(app, "/").await?;
    for asset in home.body.split("\"/static/").skip(1) {
        let name = &asset[..asset.find('"').unwrap_or(0)];
        let uri = format!("/static/{name}");
        expect(&get(app, &uri).await?, &uri, &[StatusCode::OK])?;
    }
    Ok(())
}

/// Every route about one article, and the invariants of its page.
async fn article_routes(app: &Router, a: &Article, words: &[String]) -> Result<(), String> {
    let api = format!("/api/articles/{}", enc(&a.path));
    let reply = get(app, &api).await?;
    expect(&reply, &api, &[StatusCode::OK])?;
    let json: serde_json::Value =
        serde_json::from_str(&reply.body).map_err(|e| format!("{api}: {e}"))?;
    let listed: Vec<String> = json["sections"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|x| x["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let parsed: Vec<String> = a.sections.iter().map(|s| s.name.clone()).collect();
    let html = json["html"].as_str().unwrap_or_default();
    if listed != parsed || rendered_sections(html) != parsed {
        return Err(format!(
            "{}: sections {parsed:?} parsed, {listed:?} listed, {:?} rendered",
            a.path,
            rendered_sections(html)
        ));
    }

    // The reply route answers; from one render, the whole article has a reply in both
    // formats, and so has each section the article lists.
    let reply_uri = format!("{api}/reply?format=markdown");
    expect(&get(app, &reply_uri).await?, &reply_uri, &[StatusCode::OK])?;
    let reply = ReplyText::new(a, &BTreeMap::new());
    for format in ReplyFormat::ALL {
        reply
            .text(None, format, None)
            .map_err(|e| format!("{}: the whole article: {e}", a.path))?;
    }
    for s in &a.sections {
        reply
            .text(Some(&s.name), ReplyFormat::Text, None)
            .map_err(|e| format!("{}: section {}: {e}", a.path, s.name))?;
    }

    let stem = selfhelp_kb::article::name::md_stem(&a.path).unwrap_or(&a.path);
    let page_uri = format!("/articles/{}", enc(stem));
    let page = get(app, &page_uri).await?;
    expect(&page, &page_uri, &[StatusCode::OK])?;
    if rendered_sections(&page.body) != parsed {
        return Err(format!(
            "{page_uri}: the page renders sections {:?}, the article has {parsed:?}",
            rendered_sections(&page.body)
        ));
    }
    let text = visible_text(&page.body);
    if let Some(missing) = words.iter().find(|w| !text.contains(w.as_str())) {
        return Err(format!(
            "{page_uri}: `{missing}` is not on the page; its HTML:\n{html}"
        ));
    }
    let raw = format!("/articles/{}", enc(&a.path));
    expect(&get(app, &raw).await?, &raw, &[StatusCode::OK])?;
    for uri in [
        format!("{page_uri}?vmname=%3Cb%3E&StartTime=now"),
        format!("{api}?vmname=web01"),
        format!("/id/{}", enc(&a.article_id)),
        format!("/services/{}", enc(&a.service)),
        format!("/search?q={}", enc(&a.title)),
        format!(
            "/api/search?q={}&type={}",
            enc(&a.title),
            enc(&a.self_help_type)
        ),
        format!(
            "/api/suggest?q={}",
            enc(&a.title.chars().take(6).collect::<String>())
        ),
    ] {
        get(app, &uri).await?;
    }
    for topic in &a.support_topic_ids {
        get(app, &format!("/topics/{}", enc(topic))).await?;
        get(app, &format!("/api/topics/{}", enc(topic))).await?;
    }
    Ok(())
}
