//! The HTML pages: home, search, services, topic dossiers, articles (and their raw
//! Markdown), articleId redirects and the content-health report.
//!
//! Handlers read the request, then do the index work and the template rendering on the
//! blocking pool: tantivy calls block, and a page build is short but not free.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::error::WebError;
use super::links::{self, SearchState};
use super::params::{self, Params, after, clip, relative_path};
use super::state::{AppState, folder_of};
use super::views::*;
use super::vocab::sort_label;
use crate::article::{self as property, Article, Key, Properties, Severity};
use crate::render::reply::{Reply, ReplyFormat, SectionKind};
use crate::search::Facet;
use crate::search::lookup::{self, StoredArticle, TopicNameSource};
use crate::search::{FacetCount, SearchRequest, SearchResponse, Sort};

/// Results per search page unless `per_page` says otherwise.
pub const PAGE_SIZE: usize = 20;
/// Facet values shown before "more".
const FACET_SHOWN: usize = 8;
/// Facet values listed at most (the real corpus has 850 scenarios); the rest are counted.
const FACET_LISTED: usize = 60;
/// Related articles listed on an article page.
const RELATED: usize = 12;
/// Problems listed on the health page at once.
const PROBLEMS_SHOWN: usize = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/search", get(search))
        .route("/services", get(services))
        .route("/services/{*service}", get(service))
        .route("/topics", get(topic_form))
        .route("/topics/{*id}", get(topic))
        .route("/articles/{*path}", get(article))
        .route("/id/{*id}", get(article_id))
        .route("/check", get(check))
}

fn page(t: &impl Template) -> Result<Response, WebError> {
    Ok(Html(t.render()?).into_response())
}

/// The HTML page of an error (the error-page middleware calls it for page routes).
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error").to_owned();
    let view = ErrorPage {
        chrome: Chrome::new(format!("{} {reason}", status.as_u16()), ""),
        status: status.as_u16(),
        reason,
        message: message.to_owned(),
    };
    let body = view.render().unwrap_or_else(|e| {
        tracing::error!("rendering the error page: {e}");
        format!("{} {}", status.as_u16(), view.reason)
    });
    let mut response = (status, Html(body)).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Any path no route knows.
pub async fn not_found(uri: Uri) -> WebError {
    WebError::not_found(format!(
        "There is no page at `{}`. Search for articles, or browse them by service.",
        clip(uri.path())
    ))
}

async fn home(State(state): State<AppState>) -> Result<Response, WebError> {
    state
        .clone()
        .run(move || {
            let resp = state.searcher().search(&SearchRequest {
                per_page: 1,
                ..SearchRequest::default()
            })?;
            let service_counts = &resp.facets[Facet::Service];
            let max = service_counts.first().map_or(0, |f| f.count);
            let with_service: u64 = service_counts.iter().map(|f| f.count).sum();
            let services = service_counts
                .iter()
                .map(|f| Bar::new(f.value.clone(), links::service(&f.value), f.count, max))
                .collect();
            let type_counts = &resp.facets[Facet::Type];
            let max_type = type_counts.first().map_or(0, |f| f.count);
            let types = type_counts
                .iter()
                .map(|f| {
                    Bar::new(
                        type_label(&f.value),
                        links::filtered(Facet::Type, &f.value),
                        f.count,
                        max_type,
                    )
                })
                .collect();
            let mut chrome = Chrome::new("Azure self-help articles", "home");
            // The page's own search box is the one to use.
            chrome.header_search = false;
            page(&HomePage {
                chrome,
                total: thousands(resp.total as u64),
                services,
                types,
                without_service: resp.total.saturating_sub(with_service as usize),
            })
        })
        .await
}

async fn search(State(state): State<AppState>, p: Params) -> Result<Response, WebError> {
    let req = params::search_request(&p, PAGE_SIZE)?;
    state
        .clone()
        .run(move || {
            let resp = state.searcher().search(&req)?;
            let sid = super::desk::log_search(&state, &req, &resp);
            page(&search_view(&req, &resp, sid))
        })
        .await
}

fn search_view(req: &SearchRequest, resp: &SearchResponse, sid: Option<i64>) -> SearchPage {
    let st = SearchState::of(req, PAGE_SIZE);
    let hits = resp
        .hits
        .iter()
        .map(|h| HitView {
            title: h.title.clone(),
            url: links::article_hit(
                &h.path,
                &req.q,
                sid,
                h.section.as_ref().map(|s| s.anchor.as_str()),
            ),
            section: h.section.as_ref().map(|s| {
                Link::new(
                    &s.heading,
                    links::article_hit(&h.path, &req.q, sid, Some(&s.anchor)),
                )
            }),
            path: h.path.clone(),
            updated: h.updated.clone().unwrap_or_default(),
            snippet: h.snippet.clone(),
            type_label: type_label(&h.self_help_type),
            type_url: st.toggled(Facet::Type.name(), &h.self_help_type),
            service: h.service.clone(),
            service_url: links::filtered(Facet::Service, &h.service),
            resource: h.resource.clone(),
            resource_url: links::resource(&h.service, &h.resource),
            topics: h
                .support_topic_ids
                .iter()
                .map(|t| Link::new(t, links::topic(t)))
                .collect(),
        })
        .collect();
    let facets = resp
        .facets
        .iter()
        .map(|(facet, counts)| facet_view(&st, facet, counts))
        .filter(|fv| !fv.values.is_empty())
        .collect();
    let chips = chips(&st);
    let current = resp.page;
    let (pages, last_page) = page_links(&st, resp);
    let first = (current - 1) * resp.per_page + 1;
    let api_url = st.url().replacen("/search", "/api/search", 1);
    let mut chrome = Chrome::new(
        if req.q.trim().is_empty() {
            "Browse articles".to_owned()
        } else {
            format!("{} – search", clip(req.q.trim()))
        },
        "search",
    );
    chrome.header_search = false;
    SearchPage {
        chrome,
        q: req.q.clone(),
        topic: st.topic.clone(),
        total: resp.total,
        total_text: thousands(resp.total as u64),
        took: format!("{:.1}", resp.took_ms),
        relaxed: resp.relaxed,
        expanded: resp.expanded.clone(),
        suggestion: resp
            .suggestion
            .as_ref()
            .map(|q| Link::new(q, links::search(q))),
        first,
        last: first + resp.hits.len().saturating_sub(1),
        hits,
        facets,
        chips,
        clear_url: SearchState {
            q: st.q.clone(),
            ..SearchState::default()
        }
        .url(),
        pages,
        prev_url: (current > 1).then(|| st.page_url(current - 1)),
        next_url: (current < last_page).then(|| st.page_url(current + 1)),
        sorts: sort_options(req.sort),
        per_page: st.per_page,
        api_url,
    }
}

/// The filters in force, each with the link that removes it.
fn chips(st: &SearchState) -> Vec<Chip> {
    let mut chips = Vec::new();
    if !st.topic.is_empty() {
        chips.push(Chip {
            facet: "Topic".to_owned(),
            label: st.topic.clone(),
            remove_url: st.without_topic(),
        });
    }
    for (facet, value) in &st.filters {
        chips.push(Chip {
            facet: Facet::of_name(facet)
                .map_or("Filter", Facet::label)
                .to_owned(),
            label: value_label(facet, value),
            remove_url: st.toggled(facet, value),
        });
    }
    chips
}

/// The numbered page links around the current page (none when there is one page), and the
/// last page a search may go to.
fn page_links(st: &SearchState, resp: &SearchResponse) -> (Vec<PageLink>, usize) {
    let pages_total = resp.total.div_ceil(resp.per_page.max(1));
    let max_page = (crate::search::MAX_DEPTH / resp.per_page.max(1)).max(1);
    let last_page = pages_total.clamp(1, max_page);
    let current = resp.page;
    let window = current.saturating_sub(3).max(1)..=(current + 3).min(last_page);
    let mut pages: Vec<PageLink> = Vec::new();
    if *window.start() > 1 {
        pages.push(PageLink {
            label: "1".to_owned(),
            url: st.page_url(1),
            current: false,
        });
    }
    for n in window.clone() {
        pages.push(PageLink {
            label: n.to_string(),
            url: st.page_url(n),
            current: n == current,
        });
    }
    if *window.end() < last_page {
        pages.push(PageLink {
            label: last_page.to_string(),
            url: st.page_url(last_page),
            current: false,
        });
    }
    if pages.len() == 1 {
        pages.clear();
    }
    (pages, last_page)
}

/// The sort menu, `sort` selected.
fn sort_options(sort: Sort) -> Vec<SortOption> {
    Sort::ALL
        .into_iter()
        .map(|s| SortOption {
            value: s.as_str(),
            label: sort_label(s),
            selected: s == sort,
        })
        .collect()
}

fn facet_view(st: &SearchState, facet: Facet, counts: &[FacetCount]) -> FacetView {
    let param = facet.name();
    let mut all: Vec<FacetValueView> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| FacetValueView {
            value: c.value.clone(),
            label: value_label(param, &c.value),
            count: c.count,
            checked: st.has(param, &c.value),
            id: format!("f-{param}-{i}"),
        })
        .collect();
    // A ticked value stays visible even when no result has it any more.
    for (i, (f, v)) in st.filters.iter().enumerate() {
        if f == param && !all.iter().any(|x| x.value.eq_ignore_ascii_case(v)) {
            all.push(FacetValueView {
                value: v.clone(),
                label: value_label(param, v),
                count: 0,
                checked: true,
                id: format!("f-{param}-sel{i}"),
            });
        }
    }
    let (mut values, mut more): (Vec<_>, Vec<_>) = (Vec::new(), Vec::new());
    let mut unlisted = 0;
    for (i, v) in all.into_iter().enumerate() {
        if v.checked || i < FACET_SHOWN {
            values.push(v);
        } else if i < FACET_LISTED {
            more.push(v);
        } else {
            unlisted += 1;
        }
    }
    FacetView {
        param: param.to_owned(),
        label: facet.label().to_owned(),
        values,
        more,
        unlisted,
    }
}

async fn services(State(state): State<AppState>) -> Result<Response, WebError> {
    state
        .clone()
        .run(move || {
            let list = lookup::services(state.index())?;
            let total = lookup::count(state.index()) as usize;
            let max = list.first().map_or(0, |s| s.count);
            let with_service: u64 = list.iter().map(|s| s.count).sum();
            let services = list
                .iter()
                .map(|s| ServiceRow {
                    bar: Bar::new(s.service.clone(), links::service(&s.service), s.count, max),
                    resources: resource_links(&s.service, &s.resources),
                })
                .collect();
            page(&ServicesPage {
                chrome: Chrome::new("Services", "services"),
                total: thousands(total as u64),
                services,
                without_service: total.saturating_sub(with_service as usize),
            })
        })
        .await
}

fn resource_links(service: &str, resources: &[(String, u64)]) -> Vec<ResourceLink> {
    resources
        .iter()
        .map(|(r, n)| ResourceLink {
            name: r.clone(),
            count: *n,
            url: links::resource(service, r),
        })
        .collect()
}

async fn service(State(state): State<AppState>, uri: Uri) -> Result<Response, WebError> {
    let name = relative_path(after(&uri, "/services/"))?.to_lowercase();
    state
        .clone()
        .run(move || {
            let articles = lookup::by_service(state.index(), &name)?;
            if articles.is_empty() {
                return Err(WebError::not_found(format!(
                    "No article has service `{}`. The services page lists every service.",
                    clip(&name)
                )));
            }
            let resources = lookup::services(state.index())?
                .into_iter()
                .find(|s| s.service == name)
                .map(|s| resource_links(&s.service, &s.resources))
                .unwrap_or_default();
            page(&ServicePage {
                chrome: Chrome::new(name.clone(), "services"),
                count: articles.len(),
                resources,
                groups: by_type(&articles),
                search_url: links::filtered(Facet::Service, &name),
                service: name,
            })
        })
        .await
}

/// `/topics?id=...`, the home page's topic box: on to the dossier.
async fn topic_form(p: Params) -> Result<Response, WebError> {
    let Some(id) = p.get("id").map(str::trim).filter(|s| !s.is_empty()) else {
        return Err(WebError::bad_request(
            "Give a support topic ID: /topics/32750101, or /topics?id=32750101.",
        ));
    };
    params::check_topic_id(id)?;
    Ok(see_other(&links::topic(id)))
}

pub fn see_other(url: &str) -> Response {
    let location = HeaderValue::from_str(url).unwrap_or(HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response()
}

async fn topic(State(state): State<AppState>, uri: Uri) -> Result<Response, WebError> {
    let id = relative_path(after(&uri, "/topics/"))?;
    params::check_topic_id(&id)?;
    state
        .clone()
        .run(move || {
            let articles = lookup::by_topic(state.index(), &id)?;
            let names = state.topic_names();
            let named = names.get(&id.to_lowercase());
            if articles.is_empty() && named.is_none() {
                return Err(WebError::not_found(format!(
                    "No article lists support topic {id}, and no topic description names it."
                )));
            }
            let name_link = named.map(|n| {
                let kind = match n.source {
                    TopicNameSource::SupportTopicDescription => "topic description",
                    TopicNameSource::ProblemScopingQuestions => "scoping questions",
                };
                Link::new(format!("{} ({kind})", n.path), links::article(&n.path))
            });
            page(&TopicPage {
                chrome: Chrome::new(
                    match named {
                        Some(n) => format!("{} – topic {id}", n.name),
                        None => format!("Topic {id}"),
                    },
                    "",
                ),
                name: named.map(|n| n.name.clone()),
                name_link,
                total: articles.len(),
                groups: by_type(&articles),
                search_url: format!("/search?topic={}", links::enc(&id)),
                api_url: format!("/api/topics/{}", links::enc(&id)),
                id,
            })
        })
        .await
}

/// Finds the article a page URL names: the path without `.md` (the extension in any case).
pub fn find_article(state: &AppState, rel: &str) -> Result<Option<StoredArticle>, WebError> {
    for ext in [".md", ".MD", ".Md", ".mD"] {
        if let Some(a) = lookup::article(state.index(), &format!("{rel}{ext}"))? {
            return Ok(Some(a));
        }
    }
    Ok(None)
}

async fn article(State(state): State<AppState>, uri: Uri, p: Params) -> Result<Response, WebError> {
    let rel = relative_path(after(&uri, "/articles/"))?;
    state
        .clone()
        .run(move || {
            // `/articles/{path}.md` is the raw Markdown, when such an article exists.
            if links::strip_md(&rel).len() < rel.len()
                && let Some(a) = lookup::article(state.index(), &rel)?
            {
                return Ok(raw_markdown(a.source));
            }
            if let Some(base) = rel.strip_suffix("/history")
                && find_article(&state, &rel)?.is_none()
                && let Some(stored) = find_article(&state, base)?
            {
                return page(&history_view(&state, &stored)?);
            }
            let Some(stored) = find_article(&state, &rel)? else {
                return Err(WebError::not_found(format!(
                    "No article at `{}`. Search for it by title or articleId.",
                    clip(&rel)
                )));
            };
            if let Some(sid) = p.get(links::SEARCH_PARAM) {
                super::desk::log_open(&state, sid, &stored.meta.path);
            }
            page(&article_view(&state, &stored, &p)?)
        })
        .await
}

/// Commits listed on a history page at most.
const HISTORY_LIMIT: usize = 100;

fn history_view(state: &AppState, stored: &StoredArticle) -> Result<HistoryPage, WebError> {
    let meta = &stored.meta;
    let entries = match state.history().repo() {
        None => None,
        Some(repo) => Some(
            repo.log(&meta.path, HISTORY_LIMIT)
                .map_err(|e| WebError::Internal(anyhow::Error::new(e)))?
                .into_iter()
                .map(HistoryEntry::of)
                .collect(),
        ),
    };
    Ok(HistoryPage {
        chrome: Chrome::new(format!("History of {}", meta.title), ""),
        title: meta.title.clone(),
        path: meta.path.clone(),
        article_url: links::article(&meta.path),
        entries,
        freshness: state.freshness(&meta.path),
        limit: HISTORY_LIMIT,
    })
}

fn raw_markdown(source: String) -> Response {
    (
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        source,
    )
        .into_response()
}

/// Token values from the query: a parameter named like a token (any case) fills it.
pub fn token_values(article: &Article, p: &Params) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for t in &article.tokens {
        if let Some((_, v)) =
            p.0.iter()
                .find(|(n, v)| n.eq_ignore_ascii_case(&t.name) && !v.trim().is_empty())
        {
            values.insert(t.name.clone(), v.trim().to_owned());
        }
    }
    values
}

/// The query parameters the reply route reads for itself; a token of one of these names
/// cannot be filled there (no token of the real corpus has one).
pub const REPLY_PARAMS: [&str; 2] = ["section", "format"];

/// [`token_values`] without the reply route's own parameters ([`REPLY_PARAMS`]): the
/// values a reply is filled with, and the ones its links carry.
pub fn reply_values(values: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    values
        .iter()
        .filter(|(name, _)| !REPLY_PARAMS.iter().any(|r| r.eq_ignore_ascii_case(name)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The page's "Copy for reply" rows: the whole article, then each `##` section (headings
/// and `:::Section:::` markers) and each named section, in the article's order.
fn reply_rows(article: &Article, values: &BTreeMap<String, String>) -> Vec<ReplyRow> {
    let values = reply_values(values);
    let reply = Reply::new(article, &values);
    let row = |label: String, named: bool, section: Option<&str>| ReplyRow {
        text_url: links::api_reply(&article.path, section, ReplyFormat::Text, &values),
        markdown_url: links::api_reply(&article.path, section, ReplyFormat::Markdown, &values),
        label,
        named,
    };
    let mut rows = vec![row("Whole article".to_owned(), false, None)];
    for s in reply.sections() {
        match s.kind {
            SectionKind::Heading { level: 2 } => {
                rows.push(row(s.label.clone(), false, Some(&s.anchor)));
            }
            SectionKind::Named => rows.push(row(s.label.clone(), true, Some(&s.anchor))),
            SectionKind::Heading { .. } => {}
        }
    }
    rows
}

fn article_view(
    state: &AppState,
    stored: &StoredArticle,
    p: &Params,
) -> Result<ArticlePage, WebError> {
    let article = stored.parse();
    let meta = &stored.meta;
    let values = token_values(&article, p);
    let mut html = crate::render::article_html(&article, &values);
    // `?q=`: the words of the search that led here, marked.
    if let Some(q) = p.get("q").filter(|q| !q.trim().is_empty()) {
        html = crate::render::highlight::highlight(&html, &state.searcher().highlight_terms(q));
    }
    let filled_text = crate::render::filled_text(&article, &values);
    let replies = reply_rows(&article, &values);
    // A topic list is shown as a table linking each topic's dossier instead.
    let described = described_topics(&article);
    let payload_html = article
        .payload
        .as_ref()
        .filter(|_| described.is_empty())
        .and_then(crate::render::payload_html);
    let related = lookup::related(state.index(), meta, RELATED)?;

    let mut crumbs = vec![Link::new("Services", "/services")];
    if !meta.service.is_empty() {
        crumbs.push(Link::new(&meta.service, links::service(&meta.service)));
        if !meta.resource.is_empty() {
            crumbs.push(Link::new(
                &meta.resource,
                links::resource(&meta.service, &meta.resource),
            ));
        }
    }
    let tokens = article
        .tokens
        .iter()
        .enumerate()
        .map(|(i, t)| TokenView {
            name: t.name.clone(),
            default: t.default.clone(),
            value: values.get(&t.name).cloned().unwrap_or_default(),
            id: format!("token-{i}"),
        })
        .collect();
    let problems = article
        .problems
        .iter()
        .map(|pr| ProblemView {
            path: pr.path.clone(),
            url: String::new(),
            line: pr.line,
            severity: pr.severity.as_str(),
            code: pr.code.as_str(),
            message: pr.message.clone(),
        })
        .collect();
    let mut chrome = Chrome::new(meta.title.clone(), "");
    chrome.q = String::new();
    Ok(ArticlePage {
        chrome,
        title: meta.title.clone(),
        path: meta.path.clone(),
        description: meta.description.clone(),
        type_label: type_label(&meta.self_help_type),
        type_url: links::filtered(Facet::Type, &meta.self_help_type),
        crumbs,
        html,
        props: properties(&article.properties),
        tokens,
        tokens_filled: !values.is_empty(),
        form_action: links::article(&meta.path),
        filled_text,
        replies,
        payload_html,
        described,
        related: related.iter().map(ArticleItem::of).collect(),
        raw_url: links::raw(&meta.path),
        api_url: links::api_article(&meta.path),
        problems,
        feedback: FeedbackView::new(&meta.path, state.desk().usable().err(), p.get("feedback")),
        freshness: state.freshness(&meta.path),
        history_url: links::history(&meta.path),
    })
}

/// The properties the panel shows, in its order, with their labels (the title and the
/// description are the page's heading).
const PANEL: [(Key, &str); 14] = [
    (Key::Service, "Service"),
    (Key::Resource, "Resource"),
    (Key::SelfHelpType, "Type"),
    (Key::SupportTopicIds, "Support topics"),
    (Key::ArticleId, "Article ID"),
    (Key::DiagnosticScenario, "Scenario"),
    (Key::ResourceTags, "Resource tags"),
    (Key::CloudEnvironments, "Clouds"),
    (Key::ProductPesIds, "Product PES IDs"),
    (Key::Authors, "Authors"),
    (Key::MsAuthor, "ms.author"),
    (Key::OwnershipId, "Ownership"),
    (Key::DisplayOrder, "Display order"),
    (Key::InfoBubbleText, "Info bubble"),
];

/// Where a property's value links: the search or page that lists what shares it.
fn property_url(p: &Properties, key: Key, value: &str) -> Option<String> {
    match key {
        Key::Resource => Some(links::resource(&p.service, value)),
        Key::SupportTopicIds => Some(links::topic(value)),
        Key::ArticleId => Some(links::article_id(value)),
        Key::ProductPesIds => Some(format!("/search?q={}", links::enc(value))),
        // A facet's value lists the articles that share it.
        _ => Facet::ALL
            .into_iter()
            .find(|f| f.key() == Some(key))
            .map(|f| links::filtered(f, value)),
    }
}

/// The properties panel: values that filter link to their search.
fn properties(p: &Properties) -> Vec<PropRow> {
    let value = |key: Key, text: String, raw: &str| PropValue {
        url: property_url(p, key, raw),
        text,
    };
    let mut rows: Vec<PropRow> = PANEL
        .iter()
        .filter(|(key, _)| !p.get(*key).is_empty())
        .map(|&(key, label)| {
            let values = match p.get(key) {
                property::Value::Text(t) if key == Key::SelfHelpType => {
                    vec![value(key, type_label(t), t)]
                }
                property::Value::Text(t) => vec![value(key, t.to_owned(), t)],
                // Authors are one value.
                property::Value::List(items) if key == Key::Authors => {
                    vec![value(key, items.join(", "), "")]
                }
                property::Value::List(items) => {
                    items.iter().map(|v| value(key, v.clone(), v)).collect()
                }
                property::Value::Number(n) => {
                    let n = n.map(|n| n.to_string()).unwrap_or_default();
                    vec![value(key, n.clone(), &n)]
                }
            };
            PropRow {
                label: label.to_owned(),
                values,
            }
        })
        .collect();
    for (k, v) in &p.extra {
        if !v.is_empty() {
            rows.push(PropRow {
                label: k.clone(),
                values: vec![PropValue {
                    text: v.clone(),
                    url: None,
                }],
            });
        }
    }
    rows
}

/// The topics a supportTopicDescription article's payload describes, linked to their
/// dossiers.
fn described_topics(article: &Article) -> Vec<DescribedTopic> {
    article
        .support_topics()
        .into_iter()
        .filter(|t| params::check_topic_id(&t.id).is_ok())
        .map(|t| DescribedTopic {
            url: links::topic(&t.id),
            name: t.name,
            category: t.category,
            tags: t.search_tags.replace(';', ", "),
            id: t.id,
        })
        .collect()
}

async fn article_id(State(state): State<AppState>, uri: Uri) -> Result<Response, WebError> {
    let id = relative_path(after(&uri, "/id/"))?;
    state
        .clone()
        .run(move || {
            let found = lookup::by_article_id(state.index(), &id)?;
            match found.as_slice() {
                [] => Err(WebError::not_found(format!(
                    "No article has articleId `{}`.",
                    clip(&id)
                ))),
                [one] => Ok(see_other(&links::article(&one.path))),
                many => page(&IdPage {
                    chrome: Chrome::new(format!("articleId {id}"), ""),
                    items: many.iter().map(ArticleItem::of).collect(),
                    id,
                }),
            }
        })
        .await
}

async fn check(State(state): State<AppState>, p: Params) -> Result<Response, WebError> {
    let code = p.get("code").map(str::trim).unwrap_or("").to_owned();
    let folder = p.get("folder").map(str::trim).unwrap_or("").to_owned();
    if !code.is_empty() && !crate::article::Code::ALL.iter().any(|c| c.as_str() == code) {
        return Err(WebError::bad_request(format!(
            "`{}` is not a problem code; codes are {}",
            clip(&code),
            crate::article::Code::ALL.map(|c| c.as_str()).join(", ")
        )));
    }
    let chrome = Chrome::new("Content health", "check");
    let Some(snap) = state.check() else {
        return page(&CheckPage {
            chrome,
            ready: false,
            files: String::new(),
            articles: String::new(),
            errors: 0,
            warnings: 0,
            took: String::new(),
            codes: Vec::new(),
            folders: Vec::new(),
            problems: Vec::new(),
            matching: 0,
            filter: String::new(),
            clear_url: "/check".to_owned(),
        });
    };
    let codes = snap
        .by_code
        .iter()
        .map(|(c, n)| {
            let error = c.severity() == Severity::Error;
            CountRow {
                label: c.as_str().to_owned(),
                severity: c.severity().as_str(),
                errors: if error { *n } else { 0 },
                warnings: if error { 0 } else { *n },
                url: format!("/check?code={}", c.as_str()),
                active: code == c.as_str(),
            }
        })
        .collect();
    let folders = snap
        .by_folder
        .iter()
        .map(|(f, e, w)| CountRow {
            label: f.clone(),
            severity: if *e > 0 { "error" } else { "warning" },
            errors: *e,
            warnings: *w,
            url: format!("/check?folder={}", links::enc(f)),
            active: folder == *f,
        })
        .collect();
    let matching: Vec<&crate::article::Problem> = snap
        .problems
        .iter()
        .filter(|pr| code.is_empty() || pr.code.as_str() == code)
        .filter(|pr| folder.is_empty() || folder_of(&pr.path) == folder)
        .collect();
    let problems = matching
        .iter()
        .take(PROBLEMS_SHOWN)
        .map(|pr| ProblemView {
            path: pr.path.clone(),
            url: links::article(&pr.path),
            line: pr.line,
            severity: pr.severity.as_str(),
            code: pr.code.as_str(),
            message: pr.message.clone(),
        })
        .collect();
    let filter = match (code.is_empty(), folder.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!("code {code}"),
        (true, false) => format!("folder {folder}"),
        (false, false) => format!("code {code} in folder {folder}"),
    };
    page(&CheckPage {
        chrome,
        ready: true,
        files: thousands(snap.files as u64),
        articles: thousands(snap.articles as u64),
        errors: snap.errors,
        warnings: snap.warnings,
        took: format!("{:.0}", snap.took_ms),
        codes,
        folders,
        problems,
        matching: matching.len(),
        filter,
        clear_url: "/check".to_owned(),
    })
}
