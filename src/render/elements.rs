//! The portal's custom elements (`<Insight>`, `<video>`, `<videoGroup>`, `<azureKB>`,
//! `<metric>`) -> something a reader outside the portal can use.
//!
//! Left to the sanitizer these would lose their tags and show their children's text run
//! together (`SqlConnectivity The diagnostic is running...`). Each is found in the raw text,
//! read, and replaced by a placeholder that becomes an aside, a video link or a list of them.
//! An element alone on its lines becomes a block of its own; one inside a sentence stays
//! inline. Elements inside fenced code are code, and are left alone.

use super::escape;
use super::links::{self, Href};
use super::slots::{Slot, TokenUse, plain_string};
use crate::article::body::strip_markup;
use crate::article::fences::Fences;

/// A custom element, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Element {
    /// A `:::Section Title:::` line.
    Marker {
        title: String,
    },
    /// A diagnostic the portal runs, by symptom id.
    Insight {
        symptoms: Vec<String>,
    },
    Video(Video),
    VideoGroup(Vec<Video>),
    /// Related knowledge-base articles the portal looks up.
    AzureKb {
        link: Option<String>,
    },
    /// A metric chart the portal draws.
    Metric {
        title: String,
        name: String,
        aggregation: String,
        span: String,
    },
}

/// One `<video>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Video {
    pub src: String,
    pub title: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    VideoGroup,
    Video,
    Insight,
    AzureKb,
    Metric,
}

/// Longest first: `videogroup` before `video`.
const NAMES: &[(&str, Kind)] = &[
    ("videogroup", Kind::VideoGroup),
    ("video", Kind::Video),
    ("insight", Kind::Insight),
    ("azurekb", Kind::AzureKb),
    ("metric", Kind::Metric),
];

/// Whether `lower[at..]` starts with `<name` followed by the end of the name.
fn opens(lower: &str, at: usize, name: &str) -> bool {
    lower[at..]
        .strip_prefix('<')
        .and_then(|r| r.strip_prefix(name))
        .and_then(|r| r.chars().next())
        .is_some_and(|c| c == '>' || c == '/' || c.is_whitespace())
}

/// The element opening at `at`: inner range and end, in the lower-cased text.
fn span(lower: &str, at: usize, name: &str) -> Option<(usize, usize, usize)> {
    let gt = at + lower[at..].find('>')?;
    if lower[..gt].ends_with('/') {
        return Some((gt + 1, gt + 1, gt + 1));
    }
    let closing = format!("</{name}");
    let mut from = gt + 1;
    while let Some(i) = lower[from..].find(&closing) {
        let start = from + i;
        let after = &lower[start + closing.len()..];
        let ws = after.len() - after.trim_start().len();
        if after[ws..].starts_with('>') {
            return Some((gt + 1, start, start + closing.len() + ws + 1));
        }
        from = start + closing.len();
    }
    None
}

/// Reads elements from one stretch of text.
struct Reader<'a> {
    text: &'a str,
    lower: String,
    tokens: &'a [TokenUse],
}

impl Reader<'_> {
    /// The text of the first `<name>` child within `range`, markup stripped.
    fn child(&self, range: (usize, usize), name: &str) -> Option<String> {
        let (from, to) = range;
        let mut at = from;
        while let Some(i) = self.lower[at..to].find('<') {
            let open = at + i;
            at = open + 1;
            if !opens(&self.lower, open, name) {
                continue;
            }
            let (inner, end_inner, _) = span(&self.lower[..to], open, name)?;
            let raw = plain_string(self.tokens, &self.text[inner..end_inner]);
            let value = strip_markup(&raw);
            return (!value.is_empty()).then_some(value);
        }
        None
    }

    fn video(&self, range: (usize, usize)) -> Video {
        Video {
            src: self.child(range, "src").unwrap_or_default(),
            title: self.child(range, "title").unwrap_or_default(),
        }
    }

    fn read(&self, kind: Kind, range: (usize, usize)) -> Element {
        let child = |name| self.child(range, name).unwrap_or_default();
        match kind {
            Kind::Video => Element::Video(self.video(range)),
            Kind::VideoGroup => {
                let mut videos = Vec::new();
                let (mut at, to) = range;
                while let Some(i) = self.lower[at..to].find("<video") {
                    let open = at + i;
                    at = open + 1;
                    if !opens(&self.lower, open, "video") {
                        continue;
                    }
                    let Some((inner, end_inner, end)) = span(&self.lower[..to], open, "video")
                    else {
                        break;
                    };
                    videos.push(self.video((inner, end_inner)));
                    at = end;
                }
                Element::VideoGroup(videos)
            }
            Kind::Insight => Element::Insight {
                symptoms: child("symptomid")
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            },
            Kind::AzureKb => Element::AzureKb {
                link: ["url", "link", "href"]
                    .into_iter()
                    .filter_map(|n| self.child(range, n))
                    .find(|u| u.to_ascii_lowercase().starts_with("https://")),
            },
            Kind::Metric => Element::Metric {
                title: child("title"),
                name: child("name"),
                aggregation: child("aggregationtype"),
                span: child("timespanduration"),
            },
        }
    }
}

fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, pos: usize) -> usize {
    text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1)
}

/// Replaces the custom elements of `text` with placeholders, adding them to `elements`.
pub(crate) fn extract(text: &str, tokens: &[TokenUse], elements: &mut Vec<Element>) -> String {
    let lower = text.to_ascii_lowercase();
    if !NAMES.iter().any(|(n, _)| lower.contains(&format!("<{n}"))) {
        return text.to_owned();
    }
    let fences = Fences::find(text);
    let reader = Reader {
        text,
        lower,
        tokens,
    };
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    let mut search = 0;
    while let Some(i) = reader.lower[search..].find('<') {
        let at = search + i;
        search = at + 1;
        let Some(&(name, kind)) = NAMES.iter().find(|(n, _)| opens(&reader.lower, at, n)) else {
            continue;
        };
        if fences.contains(at) {
            continue;
        }
        let Some((inner, end_inner, end)) = span(&reader.lower, at, name) else {
            continue;
        };
        elements.push(reader.read(kind, (inner, end_inner)));
        let slot = Slot::Element(elements.len() - 1);
        let (ls, le) = (line_start(text, at), line_end(text, end));
        let before = &text[ls..at];
        if ls >= pos && before.trim().is_empty() && text[end..le].trim().is_empty() {
            // A block of its own. Indentation up to 3 keeps it in a list item without
            // turning it into indented code.
            let indent = if before.contains('\t') {
                3
            } else {
                before.len().min(3)
            };
            out.push_str(&text[pos..ls]);
            out.push('\n');
            out.push_str(&"   "[..indent]);
            slot.write(&mut out);
            out.push_str("\n\n");
            pos = le;
        } else {
            out.push_str(&text[pos..at]);
            slot.write(&mut out);
            pos = end;
        }
        search = pos;
    }
    out.push_str(&text[pos..]);
    out
}

/// A titled aside.
fn aside(out: &mut String, class: &str, title: &str, body: &str) {
    out.push_str("<aside class=\"");
    out.push_str(class);
    out.push_str("\"><p class=\"kb-aside-title\">");
    escape::text(out, title);
    out.push_str("</p>");
    out.push_str(body);
    out.push_str("</aside>\n");
}

/// `▶ Title`, linked when the source is `https`.
fn video_link(out: &mut String, video: &Video) {
    let title = if video.title.is_empty() {
        "Video"
    } else {
        &video.title
    };
    let https = video.src.to_ascii_lowercase().starts_with("https://");
    let (open, close) = if https {
        links::open_tag(&Href::Web(video.src.clone()), None)
    } else {
        (String::new(), "")
    };
    out.push_str(&open);
    out.push_str("▶ ");
    escape::text(out, title);
    out.push_str(close);
}

/// The heading a `:::Section Title:::` line becomes: level 2, rendered a level down like
/// every heading (`<h3>`).
pub(crate) fn marker_html(title: &str, id: &str) -> String {
    let level = super::heading_level(2);
    let mut out = format!("<h{level} class=\"kb-marker\" id=\"");
    escape::attr(&mut out, id);
    out.push_str("\">");
    escape::text(&mut out, title);
    out.push_str(&format!("</h{level}>\n"));
    out
}

impl Element {
    /// The element as HTML (a [`Element::Marker`] needs its anchor: see [`marker_html`]).
    pub(crate) fn html(&self) -> String {
        let mut out = String::new();
        match self {
            Element::Marker { title } => {
                out = marker_html(title, &crate::article::slug::slug(title))
            }
            Element::Insight { symptoms } => {
                let mut body = String::from(
                    "<p>The Azure portal runs a diagnostic check on your resource here.</p>",
                );
                if !symptoms.is_empty() {
                    body.push_str("<p class=\"kb-insight-symptom\">Symptom: ");
                    for (i, s) in symptoms.iter().enumerate() {
                        if i > 0 {
                            body.push_str(", ");
                        }
                        body.push_str("<code>");
                        escape::text(&mut body, s);
                        body.push_str("</code>");
                    }
                    body.push_str("</p>");
                }
                aside(&mut out, "kb-insight", "Insight", &body);
            }
            Element::Video(v) => {
                out.push_str("<p class=\"kb-video\">");
                video_link(&mut out, v);
                out.push_str("</p>\n");
            }
            Element::VideoGroup(videos) => {
                out.push_str("<ul class=\"kb-video-group\">");
                for v in videos {
                    out.push_str("<li class=\"kb-video\">");
                    video_link(&mut out, v);
                    out.push_str("</li>");
                }
                out.push_str("</ul>\n");
            }
            Element::AzureKb { link } => {
                let mut body = String::from(
                    "<p>The Azure portal lists knowledge-base articles and web results related \
                     to this issue here.</p>",
                );
                if let Some(url) = link {
                    link_paragraph(&mut body, url, "Open the related article");
                }
                aside(&mut out, "kb-azurekb", "Related articles", &body);
            }
            Element::Metric {
                title,
                name,
                aggregation,
                span,
            } => {
                let heading = match (title.is_empty(), name.is_empty()) {
                    (false, _) => format!("Metric chart: {title}"),
                    (true, false) => format!("Metric chart: {name}"),
                    (true, true) => "Metric chart".to_owned(),
                };
                let mut body = String::from("<p>The Azure portal shows a chart of ");
                if name.is_empty() {
                    body.push_str("this metric");
                } else {
                    body.push_str("the <code>");
                    escape::text(&mut body, name);
                    body.push_str("</code> metric");
                }
                body.push_str(" here");
                push_detail(&mut body, &[aggregation.as_str(), span.as_str()]);
                body.push_str(".</p>");
                aside(&mut out, "kb-metric", &heading, &body);
            }
        }
        out
    }

    /// The element as HTML for a reply to a customer ([`super::reply`]), who reads it in an
    /// email, outside the portal: what the portal would show becomes words or a link, and an
    /// element that means nothing there is left out (an empty string).
    ///
    /// - `<Insight>`: left out. It is a check the portal runs while the customer reads;
    ///   its result is in the portal, not in the article.
    /// - `<video>`: `Video: <title>` linking to its `https` source (`Video` without a
    ///   title); left out when the source is not `https`, as there is nothing to open.
    /// - `<videoGroup>`: a list of those.
    /// - `<azureKB>`: `Related article` linking to its `https` address; left out without
    ///   one (the portal's search results are not in the article).
    /// - `<metric>`: `In the Azure portal, check the metric chart: <title> (<name>,
    ///   <aggregation>, <time span>).`, with what the element gives.
    /// - `:::Section:::` markers are headings in both ([`marker_html`]).
    pub(crate) fn reply_html(&self) -> String {
        let mut out = String::new();
        match self {
            Element::Marker { .. } => out = self.html(),
            Element::Insight { .. } => {}
            Element::Video(v) => {
                if let Some(link) = reply_video(v) {
                    out.push_str("<p>");
                    out.push_str(&link);
                    out.push_str("</p>\n");
                }
            }
            Element::VideoGroup(videos) => {
                let links: Vec<String> = videos.iter().filter_map(reply_video).collect();
                if !links.is_empty() {
                    out.push_str("<ul>");
                    for link in links {
                        out.push_str("<li>");
                        out.push_str(&link);
                        out.push_str("</li>");
                    }
                    out.push_str("</ul>\n");
                }
            }
            Element::AzureKb { link } => {
                if let Some(url) = link {
                    link_paragraph(&mut out, url, "Related article");
                    out.push('\n');
                }
            }
            Element::Metric {
                title,
                name,
                aggregation,
                span,
            } => {
                out.push_str("<p>In the Azure portal, check the metric chart");
                let label = if title.is_empty() { name } else { title };
                if !label.is_empty() {
                    out.push_str(": ");
                    escape::text(&mut out, label);
                }
                let shown_name = if title.is_empty() { "" } else { name.as_str() };
                push_detail(&mut out, &[shown_name, aggregation.as_str(), span.as_str()]);
                out.push_str(".</p>\n");
            }
        }
        out
    }
}

/// `Video: <title>` (or `Video`) linking to an `https` source; `None` for any other source.
fn reply_video(video: &Video) -> Option<String> {
    if !video.src.to_ascii_lowercase().starts_with("https://") {
        return None;
    }
    let (open, close) = links::open_tag(&Href::Web(video.src.clone()), None);
    let mut out = String::new();
    if video.title.is_empty() {
        out.push_str(&open);
        out.push_str("Video");
    } else {
        out.push_str("Video: ");
        out.push_str(&open);
        escape::text(&mut out, &video.title);
    }
    out.push_str(close);
    Some(out)
}

/// `<p>` with a link to the web address `url` reading `label`.
fn link_paragraph(out: &mut String, url: &str, label: &str) {
    let (open, close) = links::open_tag(&Href::Web(url.to_owned()), None);
    out.push_str("<p>");
    out.push_str(&open);
    out.push_str(label);
    out.push_str(close);
    out.push_str("</p>");
}

/// ` (a, b)`: the non-empty parts of a metric's detail, escaped; nothing when all are empty.
fn push_detail(out: &mut String, parts: &[&str]) {
    let detail: Vec<&str> = parts.iter().copied().filter(|s| !s.is_empty()).collect();
    if !detail.is_empty() {
        out.push_str(" (");
        escape::text(out, &detail.join(", "));
        out.push(')');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::slots::{Piece, pieces};

    fn run(text: &str) -> (String, Vec<Element>) {
        let mut els = Vec::new();
        let out = extract(text, &[], &mut els);
        (out, els)
    }

    #[test]
    fn reads_each_element_kind() {
        let text = "<Insight>\n  <symptomId>A, B</symptomId>\n  <executionText>x</executionText>\n</Insight>\n\
                    <videoGroup>\n <video>\n  <src>https://v.test/1</src>\n  <title>One &amp; two</title>\n </video>\n\
                    <video><src>https://v.test/2</src><title>Two</title></video>\n</videoGroup>\n\
                    <azureKB>\n  <client>portal</client>\n</azureKB>\n\
                    <metric>\n <title>Healthy hosts</title>\n <name>HealthyHostCount</name>\n <aggregationType>Avg</aggregationType>\n <timeSpanDuration>3d</timeSpanDuration>\n</metric>\n";
        let (out, els) = run(text);
        assert_eq!(
            els,
            [
                Element::Insight {
                    symptoms: vec!["A".into(), "B".into()]
                },
                Element::VideoGroup(vec![
                    Video {
                        src: "https://v.test/1".into(),
                        title: "One & two".into()
                    },
                    Video {
                        src: "https://v.test/2".into(),
                        title: "Two".into()
                    },
                ]),
                Element::AzureKb { link: None },
                Element::Metric {
                    title: "Healthy hosts".into(),
                    name: "HealthyHostCount".into(),
                    aggregation: "Avg".into(),
                    span: "3d".into()
                },
            ]
        );
        assert!(!out.contains('<'), "{out}");
        let slots: Vec<_> = pieces(&out)
            .filter(|p| matches!(p, Piece::Slot(_)))
            .collect();
        assert_eq!(slots.len(), 4);
    }

    #[test]
    fn inline_elements_stay_inline_and_code_is_left_alone() {
        let (out, els) =
            run("See <video><src>https://v.test</src></video> now.\n```\n<video></video>\n```\n");
        assert_eq!(els.len(), 1);
        assert!(
            out.starts_with("See \u{E000}e0\u{E001} now.\n```\n<video>"),
            "{out:?}"
        );
    }

    #[test]
    fn unclosed_elements_are_left_to_the_sanitizer() {
        let (out, els) = run("<video><src>https://v.test</src>");
        assert!(els.is_empty());
        assert_eq!(out, "<video><src>https://v.test</src>");
    }

    #[test]
    fn videos_link_only_to_https() {
        let v = |src: &str| {
            Element::Video(Video {
                src: src.into(),
                title: "T".into(),
            })
            .html()
        };
        assert!(v("https://v.test").contains("<a href=\"https://v.test\""));
        assert!(!v("javascript:alert(1)").contains("<a"));
        assert!(v("http://v.test").contains("▶ T"));
    }
}
