//! What each page template is given: plain strings and lists, every URL and label already
//! made, so that templates hold no logic beyond loops and conditions (and askama checks them
//! at compile time).

use askama::Template;

use super::assets::{AssetUrls, urls};
use super::links;
use crate::index::StoredMeta;
use crate::search::Facet;

/// What the layout (`base.html`) needs on every page.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The page's `<title>`, before the site name.
    pub title: String,
    /// The text in the header's search box.
    pub q: String,
    /// Which main navigation entry is the current page: `search`, `services`, `check`.
    pub nav: &'static str,
    pub assets: &'static AssetUrls,
    /// The search page has its own, larger search form.
    pub header_search: bool,
}

impl Chrome {
    pub fn new(title: impl Into<String>, nav: &'static str) -> Chrome {
        Chrome {
            title: title.into(),
            q: String::new(),
            nav,
            assets: urls(),
            header_search: true,
        }
    }
}

/// A link.
#[derive(Debug, Clone)]
pub struct Link {
    pub text: String,
    pub url: String,
}

impl Link {
    pub fn new(text: impl Into<String>, url: impl Into<String>) -> Link {
        Link {
            text: text.into(),
            url: url.into(),
        }
    }
}

/// `12420` -> `12,420`: counts read at a glance.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A labelled count drawn as a bar (an SVG rectangle whose width is a percentage: no inline
/// style needed).
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub url: String,
    pub count: String,
    /// Width in percent of the largest, as SVG wants it.
    pub pct: String,
}

impl Bar {
    pub fn new(label: String, url: String, count: u64, max: u64) -> Bar {
        let pct = if max == 0 {
            0.0
        } else {
            count as f64 * 100.0 / max as f64
        };
        Bar {
            label,
            url,
            count: thousands(count),
            pct: format!("{:.1}", pct.max(0.5)),
        }
    }
}

/// One article in a list (topic dossier, service page, related articles).
#[derive(Debug, Clone)]
pub struct ArticleItem {
    pub title: String,
    pub url: String,
    pub path: String,
    pub description: String,
    pub service: String,
    pub resource: String,
    pub type_label: String,
    pub topics: Vec<Link>,
}

impl ArticleItem {
    pub fn of(m: &StoredMeta) -> ArticleItem {
        ArticleItem {
            title: m.title.clone(),
            url: links::article(&m.path),
            path: m.path.clone(),
            description: m.description.clone(),
            service: m.service.clone(),
            resource: m.resource.clone(),
            type_label: type_label(&m.self_help_type),
            topics: m
                .support_topic_ids
                .iter()
                .map(|t| Link::new(t, links::topic(t)))
                .collect(),
        }
    }
}

/// Articles of one selfHelpType.
#[derive(Debug, Clone)]
pub struct Group {
    /// The canonical type, `""` for none; also the anchor.
    pub key: String,
    pub label: String,
    pub items: Vec<ArticleItem>,
}

/// Groups articles by selfHelpType, in the order support agents read them: diagnostics and
/// RCAs first, scoping questions and topic descriptions last, untyped at the end.
pub fn by_type(metas: &[StoredMeta]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for m in metas {
        match groups.iter_mut().find(|g| g.key == m.self_help_type) {
            Some(g) => g.items.push(ArticleItem::of(m)),
            None => groups.push(Group {
                key: m.self_help_type.clone(),
                label: type_label(&m.self_help_type),
                items: vec![ArticleItem::of(m)],
            }),
        }
    }
    groups.sort_by(|a, b| {
        type_rank(&a.key)
            .cmp(&type_rank(&b.key))
            .then_with(|| a.key.cmp(&b.key))
    });
    groups
}

const TYPE_ORDER: [&str; 7] = [
    "diagnostics",
    "rca",
    "generic",
    "tsg_content",
    "resource",
    "problemscopingquestions",
    "supporttopicdescription",
];

fn type_rank(t: &str) -> usize {
    if t.is_empty() {
        return usize::MAX;
    }
    TYPE_ORDER
        .iter()
        .position(|k| *k == t)
        .unwrap_or(TYPE_ORDER.len())
}

/// The name people use for a selfHelpType.
pub fn type_label(t: &str) -> String {
    match t {
        "" => "No type",
        "diagnostics" => "Diagnostics",
        "rca" => "Root cause analysis",
        "generic" => "Generic",
        "tsg_content" => "Troubleshooting guide",
        "tsg_description" => "Troubleshooting description",
        "tsg_questions" => "Troubleshooting questions",
        "resource" => "Resource",
        "problemscopingquestions" => "Scoping questions",
        "supporttopicdescription" => "Topic descriptions",
        "advisorrecommendationmetadata" => "Advisor recommendation",
        "servicehealthinsights" => "Service health insights",
        "apollo" => "Apollo",
        "diagnoseandsolve" => "Diagnose and solve",
        "partnercenterquickstart" => "Partner Center quick start",
        other => other,
    }
    .to_owned()
}

/// How a facet value reads: article types and age buckets by their names, the rest as
/// indexed.
pub fn value_label(param: &str, value: &str) -> String {
    if param == Facet::Type.name() {
        type_label(value)
    } else if param == Facet::Age.name() {
        match value {
            "this-month" => "This month",
            "this-year" => "Earlier this year",
            "older" => "Before this year",
            other => other,
        }
        .to_owned()
    } else {
        value.to_owned()
    }
}

/// `/`: the search box, the topic-ID box, services and article types with their counts.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub total: String,
    pub services: Vec<Bar>,
    pub types: Vec<Bar>,
    /// Articles with no service property.
    pub without_service: usize,
}

/// One result of a search page.
#[derive(Debug, Clone)]
pub struct HitView {
    pub title: String,
    pub url: String,
    pub path: String,
    /// HTML from search: `<mark>` and escaped text.
    pub snippet: String,
    pub type_label: String,
    pub type_url: String,
    pub service: String,
    pub service_url: String,
    pub resource: String,
    pub resource_url: String,
    pub topics: Vec<Link>,
    /// The section that matched best, linked: the page opens there.
    pub section: Option<Link>,
    /// The date of its last change (`2024-05-01`), or empty.
    pub updated: String,
}

/// A facet of the sidebar.
#[derive(Debug, Clone)]
pub struct FacetView {
    pub param: String,
    pub label: String,
    /// Shown at once: selected values and the largest counts.
    pub values: Vec<FacetValueView>,
    /// Behind a "more" disclosure.
    pub more: Vec<FacetValueView>,
    /// Values with the fewest results, not listed (narrow the search to see them).
    pub unlisted: usize,
}

/// A value of a facet with its (disjunctive) count.
#[derive(Debug, Clone)]
pub struct FacetValueView {
    pub value: String,
    pub label: String,
    pub count: u64,
    pub checked: bool,
    /// The element id for the label.
    pub id: String,
}

/// An active filter, removable.
#[derive(Debug, Clone)]
pub struct Chip {
    pub facet: String,
    pub label: String,
    pub remove_url: String,
}

/// A link of the pagination.
#[derive(Debug, Clone)]
pub struct PageLink {
    pub label: String,
    pub url: String,
    pub current: bool,
}

/// An entry of the sort menu.
#[derive(Debug, Clone)]
pub struct SortOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// `/search`: results, the facet sidebar, active filters and pages.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub chrome: Chrome,
    pub q: String,
    pub topic: String,
    pub total: usize,
    pub total_text: String,
    pub took: String,
    pub relaxed: bool,
    /// What synonyms added: `VNet → virtual network`.
    pub expanded: Vec<String>,
    /// "Did you mean": the corrected query and its search.
    pub suggestion: Option<Link>,
    pub first: usize,
    pub last: usize,
    pub hits: Vec<HitView>,
    pub facets: Vec<FacetView>,
    pub chips: Vec<Chip>,
    pub clear_url: String,
    pub pages: Vec<PageLink>,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    pub sorts: Vec<SortOption>,
    pub per_page: Option<usize>,
    pub api_url: String,
}

/// A property of the article panel: each value links to the search it filters, where one
/// makes sense.
#[derive(Debug, Clone)]
pub struct PropRow {
    pub label: String,
    pub values: Vec<PropValue>,
}

/// A value of a property, linked to its search where one makes sense.
#[derive(Debug, Clone)]
pub struct PropValue {
    pub text: String,
    pub url: Option<String>,
}

/// A replacement token: its default text and the value given in the URL, if any.
#[derive(Debug, Clone)]
pub struct TokenView {
    pub name: String,
    pub default: String,
    pub value: String,
    pub id: String,
}

/// A topic named by a supportTopicDescription article.
#[derive(Debug, Clone)]
pub struct DescribedTopic {
    pub id: String,
    pub url: String,
    pub name: String,
    pub category: String,
    pub tags: String,
}

/// A problem found in an article, as its page lists it.
#[derive(Debug, Clone)]
pub struct ProblemView {
    pub path: String,
    pub url: String,
    pub line: usize,
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
}

/// A "Copy for reply" row of an article page: what it copies, and the reply text's URL in
/// each format.
#[derive(Debug, Clone)]
pub struct ReplyRow {
    /// `Whole article`, a heading's text, or a named section's name.
    pub label: String,
    /// A named section (`<!--name-->`), shown by its name.
    pub named: bool,
    pub text_url: String,
    pub markdown_url: String,
}

/// `/articles/{path}`: one article with its properties, tokens and related articles.
#[derive(Template)]
#[template(path = "article.html")]
pub struct ArticlePage {
    pub chrome: Chrome,
    pub title: String,
    pub path: String,
    pub description: String,
    pub type_label: String,
    pub type_url: String,
    pub crumbs: Vec<Link>,
    /// Sanitized HTML of the body, from the render module.
    pub html: String,
    pub props: Vec<PropRow>,
    pub tokens: Vec<TokenView>,
    pub tokens_filled: bool,
    pub form_action: String,
    pub filled_text: String,
    /// "Copy for reply": the whole article first, then its sections.
    pub replies: Vec<ReplyRow>,
    /// Sanitized HTML of a scoping-questions form preview.
    pub payload_html: Option<String>,
    pub described: Vec<DescribedTopic>,
    pub related: Vec<ArticleItem>,
    pub raw_url: String,
    pub api_url: String,
    pub problems: Vec<ProblemView>,
    pub feedback: FeedbackView,
    pub freshness: super::freshness::Freshness,
    pub history_url: String,
}

/// `/topics/{id}`: every article of a support topic, grouped by type.
#[derive(Template)]
#[template(path = "topic.html")]
pub struct TopicPage {
    pub chrome: Chrome,
    pub id: String,
    pub name: Option<String>,
    pub name_link: Option<Link>,
    pub total: usize,
    pub groups: Vec<Group>,
    pub search_url: String,
    pub api_url: String,
}

/// A resource of a service, with its article count.
#[derive(Debug, Clone)]
pub struct ResourceLink {
    pub name: String,
    pub count: u64,
    pub url: String,
}

/// A service of the services page.
#[derive(Debug, Clone)]
pub struct ServiceRow {
    pub bar: Bar,
    pub resources: Vec<ResourceLink>,
}

/// `/services`: every service with its resources.
#[derive(Template)]
#[template(path = "services.html")]
pub struct ServicesPage {
    pub chrome: Chrome,
    pub total: String,
    pub services: Vec<ServiceRow>,
    pub without_service: usize,
}

/// `/services/{service}`: a service's resources and articles, grouped by type.
#[derive(Template)]
#[template(path = "service.html")]
pub struct ServicePage {
    pub chrome: Chrome,
    pub service: String,
    pub count: usize,
    pub resources: Vec<ResourceLink>,
    pub groups: Vec<Group>,
    pub search_url: String,
}

/// `/id/{articleId}` when several files share the ID.
#[derive(Template)]
#[template(path = "id.html")]
pub struct IdPage {
    pub chrome: Chrome,
    pub id: String,
    pub items: Vec<ArticleItem>,
}

/// A row of the health page's tables.
#[derive(Debug, Clone)]
pub struct CountRow {
    pub label: String,
    pub severity: &'static str,
    pub errors: usize,
    pub warnings: usize,
    pub url: String,
    pub active: bool,
}

/// `/check`: the content-health report.
#[derive(Template)]
#[template(path = "check.html")]
pub struct CheckPage {
    pub chrome: Chrome,
    pub ready: bool,
    pub files: String,
    pub articles: String,
    pub errors: usize,
    pub warnings: usize,
    pub took: String,
    pub codes: Vec<CountRow>,
    pub folders: Vec<CountRow>,
    pub problems: Vec<ProblemView>,
    pub matching: usize,
    pub filter: String,
    pub clear_url: String,
}

/// Any page's error: status, reason and what to do.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub reason: String,
    pub message: String,
}

/// One line of a diff, with its kind (`add`, `del`, `hunk`, `ctx`) for its colour.
#[derive(Debug, Clone)]
pub struct DiffLine {
    pub kind: &'static str,
    pub text: String,
}

/// One commit of an article's history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub short: String,
    pub date: String,
    pub author: String,
    pub subject: String,
    pub renamed_from: Option<String>,
    pub diff: Vec<DiffLine>,
}

/// `/articles/{path}/history`: the commits that changed an article, newest first.
#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryPage {
    pub chrome: Chrome,
    pub title: String,
    pub path: String,
    pub article_url: String,
    /// `None`: the articles are not in a git work tree.
    pub entries: Option<Vec<HistoryEntry>>,
    pub freshness: super::freshness::Freshness,
    /// The list stops at this many commits.
    pub limit: usize,
}

impl HistoryEntry {
    pub fn of(e: crate::history::Entry) -> HistoryEntry {
        let diff = e
            .diff
            .lines()
            .map(|l| DiffLine {
                kind: if l.starts_with("+++") || l.starts_with("---") {
                    "file"
                } else if l.starts_with('+') {
                    "add"
                } else if l.starts_with('-') {
                    "del"
                } else if l.starts_with("@@") {
                    "hunk"
                } else {
                    "ctx"
                },
                text: l.to_owned(),
            })
            .collect();
        HistoryEntry {
            short: e.change.short,
            date: super::freshness::date(e.change.time),
            author: e.change.author,
            subject: e.change.subject,
            renamed_from: e.renamed_from,
            diff,
        }
    }
}

/// One column of the searches-per-day chart, in the SVG's units (100 high).
#[derive(Debug, Clone)]
pub struct DayColumn {
    pub x: String,
    pub y: String,
    pub height: String,
    pub width: String,
    /// `2026-12-02: 14 searches`, the column's tooltip and accessible text.
    pub title: String,
}

/// The flagged articles of one team.
#[derive(Debug, Clone)]
pub struct OwnerView {
    pub owner: String,
    pub flags: u64,
    pub articles: Vec<FlaggedView>,
}

/// A flagged article in a team's list.
#[derive(Debug, Clone)]
pub struct FlaggedView {
    pub title: String,
    pub url: String,
    pub outdated: u64,
    pub wrong: u64,
    pub missing: u64,
    pub last_comment: String,
}

/// One list of `/insights` as a bar chart.
#[derive(Debug, Clone)]
pub struct BarList {
    /// The element id (`gaps-zero`, ...).
    pub id: &'static str,
    pub title: &'static str,
    /// What it counts; empty for nothing to add.
    pub about: &'static str,
    /// What it says when there is nothing to list.
    pub empty: &'static str,
    pub bars: Vec<Bar>,
}

/// `/insights`: what agents searched for and did not find, what they open and flag.
#[derive(Template)]
#[template(path = "insights.html")]
pub struct InsightsPage {
    pub chrome: Chrome,
    pub days: u32,
    pub searches: String,
    pub feedback: String,
    pub logging: bool,
    /// The gaps, top queries and most opened articles.
    pub lists: Vec<BarList>,
    pub owners: Vec<OwnerView>,
    pub per_day: Vec<DayColumn>,
    pub busiest_day: String,
    /// Why there are no insights, when the store is off.
    pub off: Option<String>,
}

impl InsightsPage {
    pub fn new(chrome: Chrome, i: crate::store::Insights, logging: bool) -> InsightsPage {
        let bars = |list: &[crate::store::QueryCount]| -> Vec<Bar> {
            let max = list.first().map_or(0, |q| q.count);
            list.iter()
                .map(|q| Bar::new(q.q.clone(), links::search(&q.q), q.count, max))
                .collect()
        };
        let max_opened = i.most_opened.first().map_or(0, |o| o.count);
        let most_opened = i
            .most_opened
            .iter()
            .map(|o| Bar::new(o.path.clone(), links::article(&o.path), o.count, max_opened))
            .collect();
        let owners = i
            .flagged_by_owner
            .iter()
            .map(|o| OwnerView {
                owner: if o.ownership_id.is_empty() {
                    "No owner named".to_owned()
                } else {
                    o.ownership_id.clone()
                },
                flags: o.flags,
                articles: o
                    .articles
                    .iter()
                    .map(|a| FlaggedView {
                        title: a.title.clone(),
                        url: links::article(&a.path),
                        outdated: a.outdated,
                        wrong: a.wrong,
                        missing: a.missing,
                        last_comment: a.last_comment.clone(),
                    })
                    .collect(),
            })
            .collect();
        let busiest = i.per_day.iter().map(|d| d.searches).max().unwrap_or(0);
        let n = i.per_day.len().max(1) as f64;
        let per_day = i
            .per_day
            .iter()
            .enumerate()
            .map(|(k, d)| {
                let h = if busiest == 0 {
                    0.0
                } else {
                    d.searches as f64 * 100.0 / busiest as f64
                };
                DayColumn {
                    x: format!("{:.2}", k as f64 * 100.0 / n),
                    y: format!("{:.2}", 100.0 - h),
                    height: format!("{h:.2}"),
                    width: format!("{:.2}", 100.0 / n * 0.8),
                    title: format!(
                        "{}: {} {}",
                        d.day,
                        thousands(d.searches),
                        if d.searches == 1 {
                            "search"
                        } else {
                            "searches"
                        }
                    ),
                }
            })
            .collect();
        InsightsPage {
            chrome,
            days: i.days,
            searches: thousands(i.searches),
            feedback: thousands(i.feedback),
            logging,
            lists: vec![
                BarList {
                    id: "gaps-zero",
                    title: "Content gaps: no results",
                    about: "Searches that found nothing, most frequent first.",
                    empty: "No search came back empty.",
                    bars: bars(&i.zero_results),
                },
                BarList {
                    id: "gaps-noclick",
                    title: "Content gaps: nothing opened",
                    about: "Searches with results of which no article was opened.",
                    empty: "Every search led to an article.",
                    bars: bars(&i.no_click),
                },
                BarList {
                    id: "top-queries",
                    title: "Top queries",
                    about: "",
                    empty: "No searches yet.",
                    bars: bars(&i.top_queries),
                },
                BarList {
                    id: "most-opened",
                    title: "Most opened articles",
                    about: "Articles a search led to.",
                    empty: "No article was opened from a search yet.",
                    bars: most_opened,
                },
            ],
            owners,
            per_day,
            busiest_day: thousands(busiest),
            off: None,
        }
    }

    /// The page when there is no store to read: it says why.
    pub fn off(chrome: Chrome, why: String) -> InsightsPage {
        InsightsPage {
            off: Some(why),
            ..InsightsPage::new(chrome, crate::store::Insights::default(), false)
        }
    }
}

/// The feedback panel of an article page.
#[derive(Debug, Clone)]
pub struct FeedbackView {
    /// The article's path with `.md`, posted with the form.
    pub path: String,
    /// `(value, label)` of each button.
    pub kinds: Vec<(&'static str, &'static str)>,
    pub max_comment: usize,
    /// Why feedback is off, when it is.
    pub off: Option<String>,
    /// The kind just sent (after the redirect back): the panel thanks for it.
    pub sent: Option<&'static str>,
}

impl FeedbackView {
    pub fn new(path: &str, off: Option<String>, sent: Option<&str>) -> FeedbackView {
        use crate::store::FeedbackKind;
        FeedbackView {
            path: path.to_owned(),
            kinds: FeedbackKind::ALL
                .iter()
                .map(|k| (k.as_str(), k.label()))
                .collect(),
            max_comment: crate::store::MAX_COMMENT_CHARS,
            off,
            sent: sent
                .and_then(FeedbackKind::of_name)
                .map(FeedbackKind::label),
        }
    }
}
