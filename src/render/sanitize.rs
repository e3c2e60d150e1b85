//! The last gate: ammonia with an allow-list of what the render passes emit.
//!
//! Everything a page shows from an article goes through [`sanitize`], whatever the passes
//! before it did, so that a mistake upstream cannot become script on a page. Beyond ammonia's
//! defaults (no `<script>`/`<style>` or their content, no event handlers, no `style`, no
//! comments; `style` only as `text-align` on table cells), it allows only these URLs: `http(s)`, `mailto:`, `#fragment`, `/articles/...`
//! and `/files/...` in `href`, `https` and `/files/...` in `src`; and only the classes and
//! attributes listed below. The builder is made once per process. Before ammonia parses
//! anything, `nesting.rs` bounds how deeply elements nest, so that hostile nesting costs
//! linear time.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

/// Classes each element may carry: exactly what the passes emit. A `section` may also carry
/// `kb-section-<name>` and a `code` block `language-<name>`.
const CLASSES: &[(&str, &[&str])] = &[
    ("section", &["kb-section", "kb-issue"]),
    (
        "span",
        &[
            "kb-token",
            "kb-portal-link",
            "kb-task",
            "kb-task-done",
            "kb-image-missing",
            "kb-form-required",
            "kb-form-control",
        ],
    ),
    (
        "div",
        &[
            "kb-callout",
            "kb-callout-note",
            "kb-callout-tip",
            "kb-callout-important",
            "kb-callout-warning",
            "kb-callout-caution",
            "footnote-definition",
            "kb-form",
            "kb-form-content",
            "kb-topics",
        ],
    ),
    (
        "p",
        &[
            "kb-callout-label",
            "kb-aside-title",
            "kb-insight-symptom",
            "kb-video",
            "kb-form-title",
            "kb-form-label",
            "kb-form-watermark",
            "kb-form-note",
            "kb-form-info",
            "kb-form-visibility",
            "kb-form-attachment",
            "kb-topic-title",
            "kb-topic-description",
            "kb-topic-meta",
        ],
    ),
    // `:::Section:::` markers: level 2, rendered a level down (`heading_level`).
    ("h3", &["kb-marker"]),
    ("aside", &["kb-insight", "kb-metric", "kb-azurekb"]),
    (
        "ul",
        &[
            "kb-video-group",
            "kb-form-options",
            "kb-form-hints",
            "kb-topic-list",
            "kb-topic-tags",
        ],
    ),
    ("ol", &["kb-form-fields"]),
    ("li", &["kb-video", "kb-form-field", "kb-topic"]),
    ("sup", &["footnote-reference", "footnote-definition-label"]),
    ("code", &["kb-topic-id"]),
];

/// Keeps the allowed classes of `value`; `None` when none is left.
fn classes<'u>(element: &str, value: &'u str) -> Option<Cow<'u, str>> {
    let allowed = CLASSES
        .iter()
        .find(|(e, _)| *e == element)
        .map_or(&[][..], |(_, c)| *c);
    let keep = |class: &str| {
        allowed.contains(&class)
            || (element == "section" && suffix_ok(class, "kb-section-"))
            || (element == "code" && suffix_ok(class, "language-"))
    };
    let kept: Vec<&str> = value.split_ascii_whitespace().filter(|c| keep(c)).collect();
    match kept.as_slice() {
        [] => None,
        [one] if *one == value => Some(Cow::Borrowed(value)),
        _ => Some(Cow::Owned(kept.join(" "))),
    }
}

/// `class` is `prefix` followed by an identifier.
fn suffix_ok(class: &str, prefix: &str) -> bool {
    class.strip_prefix(prefix).is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+'))
    })
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn href_ok(value: &str) -> bool {
    let v = value.trim_start();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|p| starts_with_ci(v, p))
        || v.starts_with('#')
        || v.starts_with("/articles/")
        || v.starts_with("/files/")
}

fn src_ok(value: &str) -> bool {
    let v = value.trim_start();
    starts_with_ci(v, "https://") || v.starts_with("/files/")
}

/// A `style` (allowed on table cells only) keeps just the alignment pulldown-cmark writes.
fn text_align(value: &str) -> Option<Cow<'static, str>> {
    value.split(';').find_map(|decl| {
        let (prop, val) = decl.split_once(':')?;
        if !prop.trim().eq_ignore_ascii_case("text-align") {
            return None;
        }
        ["left", "right", "center"]
            .into_iter()
            .find(|a| val.trim().eq_ignore_ascii_case(a))
            .map(|a| Cow::Owned(format!("text-align:{a}")))
    })
}

fn filter<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    match attribute {
        "href" => href_ok(value).then_some(Cow::Borrowed(value)),
        "src" => src_ok(value).then_some(Cow::Borrowed(value)),
        "class" => classes(element, value),
        // Only ever the one value, whatever an article wrote.
        "rel" => Some(Cow::Borrowed("noopener noreferrer")),
        "target" => (value == "_blank").then_some(Cow::Borrowed(value)),
        "style" => text_align(value),
        "cite" => None,
        _ => Some(Cow::Borrowed(value)),
    }
}

static CLEANER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::default();
    b.add_tags(["section"])
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(UrlRelative::PassThrough)
        .link_rel(None)
        .add_tag_attributes("a", ["rel", "target", "title"])
        .add_tag_attributes("section", ["data-section"])
        .add_tag_attributes("span", ["data-token"])
        .add_tag_attributes("div", ["id"])
        .add_tag_attributes("th", ["style"])
        .add_tag_attributes("td", ["style"])
        .attribute_filter(filter);
    for h in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        b.add_tag_attributes(h, ["id"]);
    }
    for (element, _) in CLASSES {
        b.add_tag_attributes(*element, ["class"]);
    }
    b
});

/// Removes everything but the allowed tags, attributes, classes and URLs: no script, style,
/// event handler, or `javascript:`/`data:`/`vbscript:` URL survives. Elements nested more
/// than 100 levels deep lose their tags first (not their text): the parser's time grows with
/// the square of the depth.
pub fn sanitize(html: &str) -> String {
    CLEANER.clean(&super::nesting::bound(html)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_listed_classes() {
        assert_eq!(
            sanitize(r#"<span class="kb-token evil">x</span><p class="evil">y</p>"#),
            r#"<span class="kb-token">x</span><p>y</p>"#
        );
        assert_eq!(
            sanitize(
                r#"<section class="kb-section kb-section-rcaDescription x" data-section="r">a</section>"#
            ),
            r#"<section class="kb-section kb-section-rcaDescription" data-section="r">a</section>"#
        );
    }

    #[test]
    fn urls_are_limited_to_known_shapes() {
        let out = sanitize(
            r#"<a href="javascript:x">a</a><a href="//evil.test">b</a><a href="rel.md">c</a><a href="/articles/x" target="_top" rel="opener">d</a><img src="data:image/png;base64,AA"><img src="http://x.test/a.png">"#,
        );
        assert_eq!(
            out,
            r#"<a>a</a><a>b</a><a>c</a><a href="/articles/x" rel="noopener noreferrer">d</a><img><img>"#
        );
    }

    #[test]
    fn table_alignment_survives_but_no_other_style() {
        assert_eq!(
            sanitize(
                r#"<table><tr><td style="background: red; text-align: right">1</td><td style="x:expression(alert(1))">2</td></tr></table><p style="color:red">x</p>"#
            ),
            r#"<table><tbody><tr><td style="text-align:right">1</td><td>2</td></tr></tbody></table><p>x</p>"#
        );
    }
}
