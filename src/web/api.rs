//! The JSON API: the same searches and look-ups as the pages, for scripts and other tools.
//! Errors are `{ "error": "..." }` with a 4xx status (5xx only for a fault of ours). The
//! OpenAPI document at `/api/openapi.json` is derived from these handlers and their types
//! ([`super::openapi`]).

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::error::{ErrorBody, WebError};
use super::links;
use super::pages::{reply_values, token_values};
use super::params::{self, FacetParams, Params, SearchQuery, after, clip, relative_path};
use super::state::AppState;
use crate::article::{self as property, Properties, Section, Token};
use crate::index::StoredMeta;
use crate::render::reply::{Reply, ReplyError, ReplyFormat, UnknownFormat};
use crate::search::lookup;
use crate::search::{DEFAULT_PER_PAGE, Facets, SearchResponse};

/// Suggestions returned at most.
const SUGGESTIONS: usize = 8;
/// Related articles in an article's JSON.
const RELATED: usize = 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/search", get(search))
        .route("/api/facets", get(facets))
        .route("/api/articles/{*path}", get(article))
        .route("/api/topics/{*id}", get(topic))
        .route("/api/suggest", get(suggest))
        .route("/api/openapi.json", get(openapi))
        .route("/healthz", get(healthz))
}

/// Search articles
///
/// Free text plus facet filters. Several values of one facet are OR, facets are AND. Facet
/// counts are disjunctive: a facet's counts ignore that facet's own filter.
#[utoipa::path(
    get,
    path = "/api/search",
    params(SearchQuery, FacetParams),
    responses(
        (status = 200, description = "One page of results with facet counts.", body = SearchResponse),
        (status = 400, description = "A parameter is malformed; the message says what is allowed.", body = ErrorBody),
    )
)]
pub(super) async fn search(State(state): State<AppState>, p: Params) -> Result<Response, WebError> {
    let req = params::search_request(&p, DEFAULT_PER_PAGE)?;
    state.answer(|| Ok(Json(state.searcher().search(&req)?).into_response()))
}

/// The facet counts of a search.
#[derive(Serialize, ToSchema)]
pub(super) struct FacetsBody {
    facets: Facets,
}

/// Facet counts of a search
///
/// The same parameters as /api/search (paging is ignored); every value with a count, none
/// left out.
#[utoipa::path(
    get,
    path = "/api/facets",
    params(SearchQuery, FacetParams),
    responses(
        (status = 200, description = "Counts per facet.", body = FacetsBody),
        (status = 400, description = "A parameter is malformed; the message says what is allowed.", body = ErrorBody),
    )
)]
pub(super) async fn facets(State(state): State<AppState>, p: Params) -> Result<Response, WebError> {
    let mut req = params::search_request(&p, DEFAULT_PER_PAGE)?;
    // Only the counts are wanted; one hit is the least the search core collects.
    req.page = 1;
    req.per_page = 1;
    state.answer(|| {
        let resp = state.searcher().search(&req)?;
        Ok(Json(FacetsBody {
            facets: resp.facets,
        })
        .into_response())
    })
}

/// An article in a list.
#[derive(Serialize, ToSchema)]
pub(super) struct Summary {
    path: String,
    /// The article's page.
    url: String,
    article_id: String,
    title: String,
    description: String,
    service: String,
    resource: String,
    self_help_type: String,
    support_topic_ids: Vec<String>,
}

impl Summary {
    fn of(m: &StoredMeta) -> Summary {
        Summary {
            path: m.path.clone(),
            url: links::article(&m.path),
            article_id: m.article_id.clone(),
            title: m.title.clone(),
            description: m.description.clone(),
            service: m.service.clone(),
            resource: m.resource.clone(),
            self_help_type: m.self_help_type.clone(),
            support_topic_ids: m.support_topic_ids.clone(),
        }
    }
}

/// The article stored under `path` (with `.md`, as hits give it), or a 404 that says so.
pub(super) fn stored_article(
    state: &AppState,
    path: &str,
) -> Result<lookup::StoredArticle, WebError> {
    lookup::article(state.index(), path)?.ok_or_else(|| {
        WebError::not_found(format!(
            "no article at `{}`; give the path as search hits have it, with `.md`",
            clip(path)
        ))
    })
}

/// One article, rendered.
#[derive(Serialize, ToSchema)]
pub(super) struct ArticleBody {
    /// Relative to the articles root, with `.md`.
    path: String,
    article_id: String,
    title: String,
    /// The properties block by the documented key names (pageTitle, service,
    /// supportTopicIds as an array, ...), then unknown keys as written.
    #[schema(value_type = Object)]
    properties: Map<String, Value>,
    /// The body rendered to sanitized HTML.
    html: String,
    tokens: Vec<Token>,
    sections: Vec<Section>,
    /// Articles sharing a support topic ID, those sharing most first.
    related: Vec<Summary>,
}

/// The path of an article in a route, as the OpenAPI document describes it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(
    dead_code,
    reason = "only the document reads it: the handlers take the path from the URI"
)]
pub(super) struct ArticlePath {
    /// The article's path, with `.md`.
    // Folder names and a file name separated by `/`, none of them empty, `.` or `..`,
    // without backslashes or control characters (what `relative_path` refuses).
    #[param(
        max_length = 256,
        example = "microsoft.compute.virtualmachines/vm-rca-host-reboot.md",
        pattern = r"^(?:[^/\\\x00-\x1f\x7f-\x9f.]|\.[^/\\\x00-\x1f\x7f-\x9f.]|\.\.[^/\\\x00-\x1f\x7f-\x9f])[^/\\\x00-\x1f\x7f-\x9f]*(?:/(?:[^/\\\x00-\x1f\x7f-\x9f.]|\.[^/\\\x00-\x1f\x7f-\x9f.]|\.\.[^/\\\x00-\x1f\x7f-\x9f])[^/\\\x00-\x1f\x7f-\x9f]*)*$"
    )]
    path: String,
}

/// One article, rendered
///
/// `path` is the article's path as search hits give it, with `.md` (it may contain `/`).
/// Any other query parameter named like one of the article's replacement tokens fills it in
/// the HTML (`?vmname=web01`).
#[utoipa::path(
    get,
    path = "/api/articles/{path}",
    params(ArticlePath),
    responses(
        (status = 200, description = "The article.", body = ArticleBody),
        (status = 400, description = "The path is malformed; the message says what is allowed.", body = ErrorBody),
        (status = 404, description = "No article at that path.", body = ErrorBody),
    )
)]
pub(super) async fn article(
    State(state): State<AppState>,
    uri: Uri,
    p: Params,
) -> Result<Response, WebError> {
    // One wildcard route serves both: no article's path ends in `/reply`, as an article's
    // name ends in `.md`.
    if reply_target(after(&uri, "/api/articles/")).is_some() {
        return reply(State(state), uri, p).await;
    }
    let path = relative_path(after(&uri, "/api/articles/"))?;
    let run = state.clone();
    run.run(move || {
        let stored = stored_article(&state, &path)?;
        let article = stored.parse();
        let values = token_values(&article, &p);
        let html = crate::render::article_html(&article, &values);
        let related = lookup::related(state.index(), &stored.meta, RELATED)?;
        Ok(Json(ArticleBody {
            path: stored.meta.path.clone(),
            article_id: stored.meta.article_id.clone(),
            title: stored.meta.title.clone(),
            properties: properties(&article.properties),
            html,
            tokens: article.tokens,
            sections: article.sections,
            related: related.iter().map(Summary::of).collect(),
        })
        .into_response())
    })
    .await
}

/// The article path of a reply request: the rest of the URL after `/api/articles/`, when it
/// is an article's path (still encoded, ending in `.md` in any case) followed by `/reply`.
fn reply_target(rest: &str) -> Option<&str> {
    let path = rest.strip_suffix("/reply")?;
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    crate::article::name::is_article_name(&decoded).then_some(path)
}

/// An article as text for a reply to a customer
///
/// The article (or one section of it) as an agent pastes it into an email: replacement
/// tokens filled from query parameters named like them (`?vmname=web01`, as on
/// /api/articles/{path}; `section` and `format` are this route's own), portal blade links
/// and widgets in words, links kept as `label (https://url)` (text) or `[label](url)`
/// (Markdown). Links to other articles keep only their label unless the server has a
/// public address (`kb serve --public-base`). The answer is `text/plain` in both formats.
#[utoipa::path(
    get,
    path = "/api/articles/{path}/reply",
    params(
        ArticlePath,
        ("section" = Option<String>, Query, description = "One section: a heading's anchor on the article page (the section runs to the next heading of its level, or to the end of the named section holding the heading), or a named section's name (`issueDescription`). Empty or absent: the whole article.", example = "issueDescription"),
        ("format" = Option<String>, Query, description = "`text` (the default) or `markdown`; empty for the default.", pattern = "^(text|markdown)?$", example = "text"),
    ),
    responses(
        (status = 200, description = "The reply text, ending in a newline.", body = String, content_type = "text/plain"),
        (status = 400, description = "The path or a parameter is malformed; the message says what is allowed.", body = ErrorBody),
        (status = 404, description = "No article at that path, or no section with that anchor; the message lists the article's sections.", body = ErrorBody),
    )
)]
pub(super) async fn reply(
    State(state): State<AppState>,
    uri: Uri,
    p: Params,
) -> Result<Response, WebError> {
    let rest = after(&uri, "/api/articles/");
    let path = relative_path(reply_target(rest).unwrap_or(rest))?;
    let format = match p.single("format")?.unwrap_or("") {
        "" => ReplyFormat::default(),
        name => name
            .parse::<ReplyFormat>()
            .map_err(|e| WebError::bad_request(UnknownFormat(clip(&e.0)).to_string()))?,
    };
    let section = p.single("section")?.map(str::to_owned);
    let run = state.clone();
    run.run(move || {
        let Some(stored) = lookup::article(state.index(), &path)? else {
            return Err(WebError::not_found(format!(
                "no article at `{}`; give the path as search hits have it, with `.md`",
                clip(&path)
            )));
        };
        let article = stored.parse();
        let values = reply_values(&token_values(&article, &p));
        let text = Reply::new(&article, &values)
            .text(section.as_deref(), format, state.public_base())
            .map_err(|e| match e {
                ReplyError::UnknownSection { anchor, known } => WebError::not_found(
                    ReplyError::UnknownSection {
                        anchor: clip(&anchor),
                        known,
                    }
                    .to_string(),
                ),
            })?;
        Ok((
            [(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            text,
        )
            .into_response())
    })
    .await
}

/// The properties by their documented names (lists as arrays, missing ones left out), then
/// the unknown ones as written.
fn properties(p: &Properties) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in p.entries() {
        let value = match value {
            property::Value::Text(s) => Value::from(s),
            property::Value::List(items) => Value::from(items),
            property::Value::Number(n) => Value::from(n),
        };
        out.insert(key.name().to_owned(), value);
    }
    for (k, v) in &p.extra {
        out.entry(k.clone())
            .or_insert_with(|| Value::String(v.clone()));
    }
    out
}

/// The dossier of a support topic.
#[derive(Serialize, ToSchema)]
pub(super) struct TopicBody {
    id: String,
    /// What support agents call the topic, when an article names it.
    name: Option<String>,
    /// The article the name was read from.
    name_source: Option<lookup::TopicName>,
    total: usize,
    /// Articles per selfHelpType.
    #[schema(value_type = std::collections::BTreeMap<String, u64>)]
    by_type: Map<String, Value>,
    articles: Vec<Summary>,
}

/// The dossier of a support topic
///
/// Every article listing the topic ID in supportTopicIds, and the topic's name when a
/// supportTopicDescription or problemScopingQuestions article gives one.
#[utoipa::path(
    get,
    path = "/api/topics/{id}",
    params(
        ("id" = String, Path, description = "A support topic ID: digits or a GUID.", pattern = r"^[A-Za-z0-9_-]{1,64}$", example = "32750101"),
    ),
    responses(
        (status = 200, description = "The dossier.", body = TopicBody),
        (status = 400, description = "Not a support topic ID.", body = ErrorBody),
        (status = 404, description = "No article lists or names the topic.", body = ErrorBody),
    )
)]
pub(super) async fn topic(State(state): State<AppState>, uri: Uri) -> Result<Response, WebError> {
    let id = relative_path(after(&uri, "/api/topics/"))?;
    params::check_topic_id(&id)?;
    state.answer(|| {
        let articles = lookup::by_topic(state.index(), &id)?;
        let names = state.topic_names();
        let named = names.get(&id.to_lowercase()).cloned();
        if articles.is_empty() && named.is_none() {
            return Err(WebError::not_found(format!(
                "no article lists support topic {id}"
            )));
        }
        let mut by_type = Map::new();
        for a in &articles {
            let n = by_type
                .get(&a.self_help_type)
                .and_then(Value::as_u64)
                .unwrap_or(0);
            by_type.insert(a.self_help_type.clone(), Value::from(n + 1));
        }
        Ok(Json(TopicBody {
            name: named.as_ref().map(|n| n.name.clone()),
            name_source: named,
            total: articles.len(),
            by_type,
            articles: articles.iter().map(Summary::of).collect(),
            id,
        })
        .into_response())
    })
}

/// Titles matching what is being typed.
#[derive(Serialize, ToSchema)]
pub(super) struct SuggestBody {
    q: String,
    /// Best first.
    suggestions: Vec<SuggestionBody>,
}

/// One suggested title.
#[derive(Serialize, ToSchema)]
pub(super) struct SuggestionBody {
    title: String,
    path: String,
    /// The article's page.
    url: String,
}

/// Titles matching as you type
///
/// Up to 8 titles whose words start like the typed text (the last word as a prefix); when
/// none does, the best search hits.
#[utoipa::path(
    get,
    path = "/api/suggest",
    params(
        ("q" = Option<String>, Query, description = "What has been typed so far.", max_length = 200, example = "vm boo"),
    ),
    responses(
        (status = 200, description = "Suggestions, best first.", body = SuggestBody),
        (status = 400, description = "`q` is too long.", body = ErrorBody),
    )
)]
pub(super) async fn suggest(
    State(state): State<AppState>,
    p: Params,
) -> Result<Response, WebError> {
    let q = p.get("q").unwrap_or("").to_owned();
    if q.chars().count() > 200 {
        return Err(WebError::bad_request(
            "`q` is at most 200 characters for suggestions; use /api/search for long text",
        ));
    }
    state.answer(|| {
        let mut found = lookup::suggest(state.index(), &q, SUGGESTIONS)?;
        // Nothing starts like that: a typo, or words from the body. Let search find it.
        if found.is_empty() && !q.trim().is_empty() {
            let resp = state.searcher().search(&crate::search::SearchRequest {
                per_page: SUGGESTIONS,
                ..crate::search::SearchRequest::text(&q)
            })?;
            found = resp
                .hits
                .into_iter()
                .map(|h| lookup::Suggestion {
                    title: h.title,
                    path: h.path,
                })
                .collect();
        }
        Ok(Json(SuggestBody {
            suggestions: found
                .into_iter()
                .map(|s| SuggestionBody {
                    url: links::article(&s.path),
                    title: s.title,
                    path: s.path,
                })
                .collect(),
            q,
        })
        .into_response())
    })
}

/// This document
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json")),
)]
pub(super) async fn openapi() -> Response {
    (
        [(CONTENT_TYPE, "application/json; charset=utf-8")],
        super::openapi::document(),
    )
        .into_response()
}

/// The server is up.
#[derive(Serialize, ToSchema)]
pub(super) struct Health {
    #[schema(value_type = String, pattern = "^ok$")]
    status: &'static str,
    /// Articles in the index.
    articles: u64,
}

/// Liveness
///
/// 200 once the index is open.
#[utoipa::path(
    get,
    path = "/healthz",
    responses((status = 200, description = "Serving.", body = Health)),
)]
pub(super) async fn healthz(State(state): State<AppState>) -> Response {
    Json(Health {
        status: "ok",
        articles: lookup::count(state.index()),
    })
    .into_response()
}
