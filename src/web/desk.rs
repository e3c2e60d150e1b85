//! The agent's desk on the web: feedback on an article (`POST /feedback`), the search log
//! (written by the search page, read by `/insights`) and the insights page.
//!
//! A POST must come from this site's own pages ([`same_origin`]): a form on another site
//! cannot post feedback in an agent's name. Nothing stored identifies the agent.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN, REFERER};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use super::error::WebError;
use super::links::{self, SearchState};
use super::params::{Params, clip};
use super::state::AppState;
use super::views::{Chrome, InsightsPage};
use crate::search::{SearchRequest, SearchResponse};
use crate::store::{FeedbackKind, MAX_COMMENT_CHARS, NewFeedback, SearchEntry, Store};

/// Longest form body read.
const MAX_FORM_BYTES: usize = 16 * 1024;
/// Days `/insights` looks back over.
pub const INSIGHTS_DAYS: u32 = 30;
/// Rows in each list of `/insights`.
const INSIGHTS_ROWS: usize = 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feedback", post(feedback))
        .route("/insights", get(insights))
}

/// Refuses a request that did not come from this site's own pages: its `Sec-Fetch-Site`
/// (sent by every current browser) must say `same-origin`; without it, its `Origin` or else
/// its `Referer` must name this host. A request with none of them is refused too: a browser
/// always sends one of them with a form's POST.
pub fn same_origin(headers: &HeaderMap) -> Result<(), WebError> {
    let refuse = || {
        WebError::Forbidden(
            "this form only takes posts from this site's own pages; reload the article and \
             send it again"
                .to_owned(),
        )
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return if site == "same-origin" {
            Ok(())
        } else {
            Err(refuse())
        };
    }
    let host = header(HOST.as_str()).ok_or_else(refuse)?;
    let authority = |url: &str| -> Option<String> {
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))?;
        Some(rest.split('/').next().unwrap_or_default().to_owned())
    };
    let from = header(ORIGIN.as_str())
        .filter(|o| *o != "null")
        .or_else(|| header(REFERER.as_str()))
        .and_then(authority);
    match from {
        Some(a) if a.eq_ignore_ascii_case(host) => Ok(()),
        _ => Err(refuse()),
    }
}

/// `POST /feedback`: `path` (as hits give it, with `.md`), `kind` (`helpful`, `outdated`,
/// `wrong`, `missing`) and an optional `comment`. Answers with a redirect back to the
/// article, which says thank you.
async fn feedback(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    same_origin(&headers)?;
    if body.len() > MAX_FORM_BYTES {
        return Err(WebError::bad_request(format!(
            "the form is larger than {MAX_FORM_BYTES} bytes; shorten the comment"
        )));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| WebError::bad_request("the form is not valid UTF-8"))?;
    let form = Params::parse(text)?;
    let path = form.single("path")?.unwrap_or_default().to_owned();
    let kind_name = form.single("kind")?.unwrap_or_default();
    let kind = FeedbackKind::of_name(kind_name).ok_or_else(|| {
        let names: Vec<&str> = FeedbackKind::ALL.iter().map(|k| k.as_str()).collect();
        WebError::bad_request(format!(
            "`kind` must be one of {}; got `{}`",
            names.join(", "),
            clip(kind_name)
        ))
    })?;
    let comment = form
        .single("comment")?
        .unwrap_or_default()
        .trim()
        .to_owned();
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(WebError::bad_request(format!(
            "the comment is longer than {MAX_COMMENT_CHARS} characters; shorten it"
        )));
    }
    let store = open_store(&state, "Feedback")?;
    let run = state.clone();
    run.run(move || {
        let article = super::api::stored_article(&state, &path)?;
        let meta = &article.meta;
        store
            .add_feedback(&NewFeedback {
                path: meta.path.clone(),
                article_id: meta.article_id.clone(),
                title: meta.title.clone(),
                ownership_id: meta.ownership_id.clone(),
                kind,
                comment,
            })
            .map_err(|e| {
                tracing::error!("storing feedback: {e}");
                WebError::Unavailable(format!("The feedback could not be stored: {e}"))
            })?;
        let back = format!(
            "{}?feedback={}#feedback",
            links::article(&meta.path),
            kind.as_str()
        );
        Ok(super::pages::see_other(&back))
    })
    .await
}

/// The store, or a 503 saying that `what` is off and why.
fn open_store(state: &AppState, what: &str) -> Result<std::sync::Arc<Store>, WebError> {
    state
        .desk()
        .usable()
        .cloned()
        .map_err(|why| WebError::Unavailable(format!("{what} is off on this server: {why}")))
}

/// Logs a search made on the search page: once per intent, so only its first page, only
/// when it asks for something (words, a topic or a filter), and the same search again
/// within [`crate::store::SAME_INTENT`] counts once. Returns the logged search's id, for
/// the hits' links; `None` when nothing was logged (off, or a failure, which is logged and
/// never fails the search).
pub fn log_search(state: &AppState, req: &SearchRequest, resp: &SearchResponse) -> Option<i64> {
    let desk = state.desk();
    let store = desk.usable().ok().filter(|_| desk.log_searches)?;
    let st = SearchState::of(req, 0);
    if req.paging().0 != 1
        || (req.q.trim().is_empty() && st.topic.is_empty() && st.filters.is_empty())
    {
        return None;
    }
    let mut filters: Vec<String> = st.filters.iter().map(|(f, v)| format!("{f}={v}")).collect();
    if !st.topic.is_empty() {
        filters.insert(0, format!("topic={}", st.topic));
    }
    let entry = SearchEntry {
        q: req.q.clone(),
        filters: filters.join("&"),
        total: resp.total as u64,
        relaxed: resp.relaxed,
    };
    store
        .log_search(&entry)
        .map_err(|e| tracing::warn!("logging a search: {e}"))
        .ok()
}

/// Records that the article at `path` was opened from the hits of logged search `sid`.
pub fn log_open(state: &AppState, sid: &str, path: &str) {
    let desk = state.desk();
    let (Ok(store), true) = (desk.usable(), desk.log_searches) else {
        return;
    };
    let Ok(id) = sid.parse::<i64>() else { return };
    if let Err(e) = store.log_open(id, path) {
        tracing::warn!("logging an opened article: {e}");
    }
}

/// `/insights`: the content gaps, top queries, most opened and most flagged articles, and
/// searches per day.
async fn insights(State(state): State<AppState>) -> Result<Response, WebError> {
    // Without a store the page says why, as the article pages do: it is how the server is
    // set up, not a failure of this request.
    let store = match open_store(&state, "The insights page") {
        Ok(store) => store,
        Err(e) => {
            let chrome = Chrome::new("Insights".to_owned(), "insights");
            return Ok(Html(InsightsPage::off(chrome, e.to_string()).render()?).into_response());
        }
    };
    let run = state.clone();
    run.run(move || {
        let insights = store.insights(INSIGHTS_DAYS, INSIGHTS_ROWS).map_err(|e| {
            tracing::error!("reading insights: {e}");
            WebError::Unavailable(format!("The insights could not be read: {e}"))
        })?;
        let view = InsightsPage::new(
            Chrome::new("Insights".to_owned(), "insights"),
            insights,
            state.desk().log_searches,
        );
        Ok(Html(view.render()?).into_response())
    })
    .await
}
