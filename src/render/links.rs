//! Where a link or an image may point, decided once for Markdown links and raw `<a>`/`<img>`
//! alike.
//!
//! Articles link to web pages, to portal blades (`data-blade:...`, which are not URLs), to
//! mail addresses and to other articles by relative `.md` path. Every destination ends up as
//! one of a few shapes: `http(s)://...`, `mailto:...`, `#fragment`, `/articles/...` or
//! `/files/...`, or no link at all. Nothing else can come out, whatever went in, so no
//! `javascript:`, `data:` or `vbscript:` URL can either. Paths are resolved here against the
//! article's folder; one that climbs above the articles root is dropped.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::LinkContext;
use super::escape;
use crate::article::name::md_stem;

/// Where a link goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Href {
    /// An absolute `http(s)` URL: opens in a new tab.
    Web(String),
    /// A page of this site, a `#fragment` or a `mailto:` address.
    Local(String),
    /// An Azure-portal blade: `Extension.Blade`.
    Portal(String),
    /// Not a link: keep the text only.
    Drop,
}

/// Schemes that name a portal blade rather than a web address (`datablade` is a typo that
/// occurs).
const PORTAL_SCHEMES: &[&str] = &[
    "data-blade",
    "datablade",
    "button-data-blade",
    "button-data-context",
];

/// Extensions of files in the articles tree a link may point at (served under `/files/`).
/// Relative links to anything else are not links to an article or a file we serve: the
/// corpus has only mistyped web addresses there (`www.example.com/x`, `httpsdocs...`).
const FILE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "webp", "bmp", "svg", "txt", "pdf", "json", "csv", "zip",
];

/// Browsers ignore tabs and newlines anywhere in a URL and spaces at its ends.
fn clean(url: &str) -> String {
    url.trim_matches(|c: char| c.is_whitespace() || c.is_control())
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// The scheme of `url`, when it has one (`C:` of a Windows path counts: it is no web path).
fn scheme(url: &str) -> Option<&str> {
    let colon = url.find(':')?;
    let head = &url[..colon];
    let mut chars = head.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(head)
}

/// Classifies a link destination, as written, from the article at `ctx.article_path`.
pub(crate) fn link(dest: &str, ctx: &LinkContext) -> Href {
    let url = clean(dest);
    if let Some(scheme) = scheme(&url) {
        let rest = &url[scheme.len() + 1..];
        let lower = scheme.to_ascii_lowercase();
        return match lower.as_str() {
            "http" | "https" => Href::Web(url),
            "mailto" if !rest.trim().is_empty() => Href::Local(format!("mailto:{rest}")),
            // A portal button that opens a web page.
            "button-link" if scheme_of(rest).is_some_and(|s| s.starts_with("http")) => {
                link(rest, ctx)
            }
            s if PORTAL_SCHEMES.contains(&s) => Href::Portal(blade(rest)),
            _ => Href::Drop,
        };
    }
    if let Some(host) = url.strip_prefix("//") {
        return if host.is_empty() {
            Href::Drop
        } else {
            Href::Web(format!("https:{url}"))
        };
    }
    if url.is_empty() || url.starts_with("\\\\") {
        return Href::Drop;
    }
    if let Some(fragment) = url.strip_prefix('#') {
        return Href::Local(format!(
            "#{}",
            encode(&percent_decode(fragment).unwrap_or_default())
        ));
    }
    let (path, fragment) = match url.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (&*url, None),
    };
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let Some(resolved) = resolve(&ctx.article_path, path) else {
        return Href::Drop;
    };
    let mut href = match md_stem(&resolved) {
        Some(page) => format!("/articles/{}", encode_path(page)),
        None if is_file(&resolved) => format!("/files/{}", encode_path(&resolved)),
        None => return Href::Drop,
    };
    if let Some(f) = fragment.filter(|f| !f.is_empty()) {
        href.push('#');
        href.push_str(&encode(&percent_decode(f).unwrap_or_default()));
    }
    Href::Local(href)
}

/// The URL an image may load from: `https` as written, a relative path as `/files/...`;
/// anything else (`http:`, `data:`, `C:\...`, a path above the root) is `None`.
pub(crate) fn image(src: &str, ctx: &LinkContext) -> Option<String> {
    let url = clean(src);
    if let Some(scheme) = scheme(&url) {
        return scheme.eq_ignore_ascii_case("https").then_some(url);
    }
    if url.is_empty() || url.starts_with("//") || url.starts_with("\\\\") || url.starts_with('#') {
        return None;
    }
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let resolved = resolve(&ctx.article_path, path)?;
    Some(format!("/files/{}", encode_path(&resolved)))
}

/// `Extension.Blade` from `Extension.Blade.param.value`.
fn blade(rest: &str) -> String {
    let mut parts = rest.split('.').map(str::trim).filter(|p| !p.is_empty());
    match (parts.next(), parts.next()) {
        (Some(ext), Some(blade)) => format!("{ext}.{blade}"),
        (Some(one), None) => one.to_owned(),
        _ => String::new(),
    }
}

/// The class of the `<span>` a portal blade link becomes: what marks a blade link in
/// rendered HTML, for the page's style and for the words a reply puts in its place.
pub(crate) const PORTAL_CLASS: &str = "kb-portal-link";

/// The address a reader outside this site can open for an `href` or `src` this module
/// made: a web or `mailto:` address as it is; a page or file of this site (`/articles/...`,
/// `/files/...`) under `base`, the public address of the site, when there is one; `None`
/// for a `#fragment` (a place in the page the reader does not have) and for a site path
/// without a base.
pub(crate) fn public_url(href: &str, base: Option<&str>) -> Option<String> {
    let lower = href.get(..8).unwrap_or(href).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
    {
        return Some(href.to_owned());
    }
    if href.starts_with("/articles/") || href.starts_with("/files/") {
        return base.map(|b| format!("{b}{href}"));
    }
    None
}

/// What a link becomes: the opening tag and the matching closing tag (either may be empty).
pub(crate) fn open_tag(href: &Href, title: Option<&str>) -> (String, &'static str) {
    let mut out = String::new();
    match href {
        Href::Web(url) | Href::Local(url) => {
            out.push_str("<a href=\"");
            escape::attr(&mut out, url);
            out.push('"');
            if let Some(t) = title.filter(|t| !t.trim().is_empty()) {
                out.push_str(" title=\"");
                escape::attr(&mut out, t);
                out.push('"');
            }
            if matches!(href, Href::Web(_)) {
                out.push_str(" rel=\"noopener noreferrer\" target=\"_blank\"");
            }
            out.push('>');
            (out, "</a>")
        }
        Href::Portal(blade) => {
            out.push_str("<span class=\"");
            out.push_str(PORTAL_CLASS);
            out.push_str("\" title=\"Opens in the Azure portal");
            if !blade.is_empty() {
                out.push_str(": ");
                escape::attr(&mut out, blade);
            }
            out.push_str("\">");
            (out, "</span>")
        }
        Href::Drop => (out, ""),
    }
}

/// Resolves `path` (relative to the folder of `article`, or to the root when it starts with
/// `/`) to a `/`-separated path under the articles root. `None` when it climbs above the
/// root, names the root itself or does not decode.
pub(crate) fn resolve(article: &str, path: &str) -> Option<String> {
    let decoded = percent_decode(path)?.replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    if !decoded.starts_with('/') {
        parts.extend(
            article
                .rsplit_once('/')
                .map(|(dir, _)| dir)
                .unwrap_or("")
                .split('/'),
        );
        parts.retain(|p| !p.is_empty());
    }
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s if s.chars().any(char::is_control) => return None,
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Whether `path` names a file we serve, by its extension.
fn is_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && FILE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
    })
}

/// The lower-cased scheme of `url`, when it has one.
fn scheme_of(url: &str) -> Option<String> {
    scheme(url.trim()).map(str::to_ascii_lowercase)
}

/// Decodes `%XX` sequences; `None` when the bytes are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

/// Characters left as they are in a path segment, a fragment or a query value: ASCII
/// letters, digits and `-_.~`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes everything but [`UNRESERVED`]: one path segment, fragment or query
/// value of the site's URLs.
pub(crate) fn encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// [`encode`] for each segment of a `/`-separated path.
pub(crate) fn encode_path(path: &str) -> String {
    path.split('/').map(encode).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(path: &str) -> LinkContext {
        LinkContext {
            article_path: path.to_owned(),
        }
    }

    #[test]
    fn relative_md_links_resolve_against_the_folder() {
        let c = ctx("svc/sub/a.md");
        assert_eq!(
            link("../other/B.MD#Fix-it", &c),
            Href::Local("/articles/svc/other/B#Fix-it".into())
        );
        assert_eq!(
            link("./c d.md?x=1", &c),
            Href::Local("/articles/svc/sub/c%20d".into())
        );
        assert_eq!(link("/top.md", &c), Href::Local("/articles/top".into()));
        assert_eq!(
            link("img\\x.png", &c),
            Href::Local("/files/svc/sub/img/x.png".into())
        );
        assert_eq!(link("../../../etc/passwd", &c), Href::Drop);
        assert_eq!(link("%2e%2e/%2e%2e/%2e%2e/x.md", &c), Href::Drop);
        assert_eq!(link("#Steps", &c), Href::Local("#Steps".into()));
        // Not an article and not a file: mistyped web addresses, token defaults.
        assert_eq!(link("www.peeringdb.com/net/694", &c), Href::Drop);
        assert_eq!(link("[Link]", &c), Href::Drop);
        assert_eq!(link("(https://x.test/a", &c), Href::Drop);
    }

    #[test]
    fn schemes_are_allowed_by_name_only() {
        let c = ctx("a.md");
        assert_eq!(
            link(" https://x.test/a ", &c),
            Href::Web("https://x.test/a".into())
        );
        assert_eq!(
            link("mailTo:a@b.test", &c),
            Href::Local("mailto:a@b.test".into())
        );
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            " \u{1}javascript:x",
            "vbscript:x",
            "data:text/html,<script>",
            "C:\\Users\\x.png",
            "file:///etc/passwd",
        ] {
            assert_eq!(link(bad, &c), Href::Drop, "{bad}");
        }
    }

    #[test]
    fn button_links_open_their_web_page() {
        let c = ctx("a.md");
        assert_eq!(
            link("button-link:https://x.test/a", &c),
            Href::Web("https://x.test/a".into())
        );
        assert_eq!(link("button-link:javascript:x", &c), Href::Drop);
    }

    #[test]
    fn portal_blades_keep_extension_and_blade() {
        let c = ctx("a.md");
        assert_eq!(
            link(
                "data-blade:Microsoft_Azure_Insights.AzureDiagnosticsBlade.subscriptionId.$subscriptionId",
                &c
            ),
            Href::Portal("Microsoft_Azure_Insights.AzureDiagnosticsBlade".into())
        );
        assert_eq!(
            link(
                "button-data-context:SqlAzureExtension.ServerBlade.id.$resourceId",
                &c
            ),
            Href::Portal("SqlAzureExtension.ServerBlade".into())
        );
    }

    #[test]
    fn images_load_from_https_or_the_articles_tree() {
        let c = ctx("svc/a.md");
        assert_eq!(
            image("Screenshots\\Event Log.jpg", &c).as_deref(),
            Some("/files/svc/Screenshots/Event%20Log.jpg")
        );
        assert_eq!(
            image("https://x.test/a.png", &c).as_deref(),
            Some("https://x.test/a.png")
        );
        for bad in [
            "http://x.test/a.png",
            "data:image/png;base64,AAAA",
            "../../x.png",
            "//x.test/a.png",
            "C:\\Users\\a.png",
            "javascript:x",
        ] {
            assert_eq!(image(bad, &c), None, "{bad}");
        }
    }
}
