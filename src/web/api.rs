//! The JSON API: the same searches and look-ups as the pages, for scripts and other tools.
//! Errors are `{ "error": "..." }` with a 4xx status (5xx only for a fault of ours). The
//! OpenAPI document at `/api/openapi.json` describes every route.

use axum::extract::State;
use axum::http::Uri;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::WebError;
use super::links;
use super::pages::token_values;
use super::params::{self, Params, after, clip, relative_path};
use super::state::AppState;
use crate::article::{self as property, Properties, Section, Token};
use crate::index::StoredMeta;
use crate::search::lookup;
use crate::search::{DEFAULT_PER_PAGE, Facets};

/// Suggestions returned at most.
const SUGGESTIONS: usize = 8;
/// Related articles in an article's JSON.
const RELATED: usize = 20;

static OPENAPI: &str = include_str!("openapi.json");

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

async fn search(State(state): State<AppState>, p: Params) -> Result<Response, WebError> {
    let req = params::search_request(&p, DEFAULT_PER_PAGE)?;
    let run = state.clone();
    run.run(move || Ok(Json(state.searcher().search(&req)?).into_response()))
        .await
}

#[derive(Serialize)]
struct FacetsBody {
    facets: Facets,
}

async fn facets(State(state): State<AppState>, p: Params) -> Result<Response, WebError> {
    let mut req = params::search_request(&p, DEFAULT_PER_PAGE)?;
    // Only the counts are wanted; one hit is the least the search core collects.
    req.page = 1;
    req.per_page = 1;
    let run = state.clone();
    run.run(move || {
        let resp = state.searcher().search(&req)?;
        Ok(Json(FacetsBody {
            facets: resp.facets,
        })
        .into_response())
    })
    .await
}

/// An article in a list.
#[derive(Serialize)]
struct Summary {
    path: String,
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

#[derive(Serialize)]
struct ArticleBody {
    path: String,
    article_id: String,
    title: String,
    properties: Map<String, Value>,
    html: String,
    tokens: Vec<Token>,
    sections: Vec<Section>,
    related: Vec<Summary>,
}

async fn article(State(state): State<AppState>, uri: Uri, p: Params) -> Result<Response, WebError> {
    let path = relative_path(after(&uri, "/api/articles/"))?;
    let run = state.clone();
    run.run(move || {
        let Some(stored) = lookup::article(state.index(), &path)? else {
            return Err(WebError::not_found(format!(
                "no article at `{}`; give the path as search hits have it, with `.md`",
                clip(&path)
            )));
        };
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

#[derive(Serialize)]
struct TopicBody {
    id: String,
    name: Option<String>,
    /// The article the name was read from.
    name_source: Option<lookup::TopicName>,
    total: usize,
    by_type: Map<String, Value>,
    articles: Vec<Summary>,
}

async fn topic(State(state): State<AppState>, uri: Uri) -> Result<Response, WebError> {
    let id = relative_path(after(&uri, "/api/topics/"))?;
    params::check_topic_id(&id)?;
    let run = state.clone();
    run.run(move || {
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
    .await
}

#[derive(Serialize)]
struct SuggestBody {
    q: String,
    suggestions: Vec<SuggestionBody>,
}

#[derive(Serialize)]
struct SuggestionBody {
    title: String,
    path: String,
    url: String,
}

async fn suggest(State(state): State<AppState>, p: Params) -> Result<Response, WebError> {
    let q = p.get("q").unwrap_or("").to_owned();
    if q.chars().count() > 200 {
        return Err(WebError::bad_request(
            "`q` is at most 200 characters for suggestions; use /api/search for long text",
        ));
    }
    let run = state.clone();
    run.run(move || {
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
    .await
}

async fn openapi() -> Response {
    ([(CONTENT_TYPE, "application/json; charset=utf-8")], OPENAPI).into_response()
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    articles: u64,
}

async fn healthz(State(state): State<AppState>) -> Response {
    Json(Health {
        status: "ok",
        articles: lookup::count(state.index()),
    })
    .into_response()
}
