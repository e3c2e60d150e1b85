//! An article, or one section of it, as text a support agent pastes into an email to the
//! customer: plain text or Markdown ([`ReplyFormat`]).
//!
//! A reply is the article page's own rendering, read back as text: the render passes run
//! with the reply as their target, so tokens are filled as on the page (a value given by
//! name, any case; the default text otherwise), links are classified by the one set of link
//! rules, and the sanitizer has the last word before any text is taken out, so that no raw
//! HTML of the article can come through as markup. What differs from the page is what a
//! reader outside the portal can use:
//!
//! - a portal blade link (`data-blade:`, `button-data-blade:`, `button-data-context:`)
//!   keeps its label and says where it opens: `<label> (in the Azure portal)`, after any
//!   emphasis around the label (`**Resource Health** (in the Azure portal)`);
//! - the portal's elements become words or are left out
//!   (`Element::reply_html` in `elements.rs`): an `<Insight>` check is left
//!   out, a video is `Video: <title>` linking to it, `<azureKB>` is a `Related article`
//!   link when it has one, a `<metric>` chart says which chart to open in the portal;
//! - a JSON payload (a scoping form, a list of support topics) is what the portal asks or
//!   offers when a case is opened, not text to send: it is left out;
//! - web and `mailto:` links are kept: `label (https://url)` in text, `[label](url)` in
//!   Markdown; links to the site's own pages and files (other articles, images) only when
//!   the site has a public address ([`PublicBase`]), which the reader can open; without
//!   one, and for links to a place in the page (`#fragment`), the label is kept alone;
//! - comments and markers are gone, their text kept, as on the page.
//!
//! A reply is of the whole body or of one section, named by its anchor
//! ([`Reply::sections`]): a heading's `id` on the page (its section runs to the next
//! heading of the same or a higher level, so a `##` section holds its `###`s, and stops
//! where the named section holding the heading ends), or the name of a named section
//! `<!--name-->…<!--/name-->` (any case; every section of that name, in order). A
//! heading's anchor wins over a section of the same name.

use std::collections::BTreeMap;
use std::str::FromStr;

use super::escape::decode_entities;
use super::text::{self, Style};
use crate::article::Article;
use crate::article::html::{Kind, Token, Tokens};

/// The two forms a reply takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReplyFormat {
    /// Plain text: paragraphs, `- ` and `1. ` lists, headings as lines, table cells
    /// separated by ` | `, code as it is, links as `label (https://url)`.
    #[default]
    Text,
    /// Markdown (CommonMark with GitHub's tables), its text escaped.
    Markdown,
}

impl ReplyFormat {
    /// Every format, in the order help texts list them.
    pub const ALL: [ReplyFormat; 2] = [ReplyFormat::Text, ReplyFormat::Markdown];

    /// The format's name in a URL or on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyFormat::Text => "text",
            ReplyFormat::Markdown => "markdown",
        }
    }

    fn style(self) -> Style {
        match self {
            ReplyFormat::Text => Style::Text,
            ReplyFormat::Markdown => Style::Markdown,
        }
    }
}

/// A name that is no [`ReplyFormat`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a reply format; give `text` or `markdown`")]
pub struct UnknownFormat(pub String);

impl FromStr for ReplyFormat {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReplyFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// The public address of this knowledge base's pages (`https://kb.example.com`), where a
/// customer can open the articles and images a reply links to. Without one, a reply keeps
/// only the labels of such links: the addresses of a site on a support agent's machine
/// mean nothing to a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicBase(String);

/// Why a text is no [`PublicBase`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a public address for links; give an http(s) URL without a query or \
     fragment, such as https://kb.example.com"
)]
pub struct BadPublicBase(pub String);

impl FromStr for PublicBase {
    type Err = BadPublicBase;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim().trim_end_matches('/');
        let rest = ["https://", "http://"]
            .into_iter()
            .find_map(|scheme| {
                trimmed
                    .get(..scheme.len())
                    .filter(|head| head.eq_ignore_ascii_case(scheme))
                    .map(|_| &trimmed[scheme.len()..])
            })
            .ok_or_else(|| BadPublicBase(s.to_owned()))?;
        let host = rest.split('/').next().unwrap_or_default();
        let bad = host.is_empty()
            || rest
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '"'));
        if bad {
            return Err(BadPublicBase(s.to_owned()));
        }
        Ok(PublicBase(trimmed.to_owned()))
    }
}

impl PublicBase {
    /// The address, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a reply cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// No heading has that anchor and no named section that name.
    #[error("the article has no section `{anchor}`; {}", known_list(known))]
    UnknownSection {
        anchor: String,
        /// The anchors the article has, in order.
        known: Vec<String>,
    },
}

fn known_list(known: &[String]) -> String {
    const SHOWN: usize = 20;
    if known.is_empty() {
        return "it has none: give no section for the whole article".to_owned();
    }
    let mut list: Vec<String> = known.iter().take(SHOWN).map(|a| format!("`{a}`")).collect();
    if known.len() > SHOWN {
        list.push(format!("and {} more", known.len() - SHOWN));
    }
    format!("its sections are {}", list.join(", "))
}

/// What kind of section a reply can be made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    /// A heading and what follows it, up to the next heading of its level or a higher one
    /// or the end of the named section holding it. `level` is the article's: 1 for `#`, 2 for `##` (and `:::Section:::` markers), ...
    Heading { level: u8 },
    /// A named section, `<!--name-->…<!--/name-->`.
    Named,
}

/// A section a reply can be made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplySection {
    /// What names it in a request: the heading's anchor on the page, or the section's name.
    pub anchor: String,
    /// What a reader calls it: the heading's text (values filled in), or the name.
    pub label: String,
    pub kind: SectionKind,
}

/// An article rendered for replies, with the given token values: its sections, and its text
/// in either format.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The sanitized HTML of the body, rendered for a reply.
    html: String,
    sections: Vec<ReplySection>,
}

impl Reply {
    /// Renders `article` for replies; `values` fill its tokens by name, any case (a blank
    /// value counts as none), as on the article page.
    pub fn new(article: &Article, values: &BTreeMap<String, String>) -> Reply {
        let html = super::reply_html(article, values);
        let sections = sections_of(&html);
        Reply { html, sections }
    }

    /// Every section, in the order the article has them: each heading with an anchor, then
    /// in its place each named section (once for a name, and only when no heading has the
    /// name as its anchor).
    pub fn sections(&self) -> &[ReplySection] {
        &self.sections
    }

    /// The reply text: the whole body (`section` `None` or empty) or the section with that
    /// anchor (a leading `#` is ignored). Links to the site's pages keep their address only
    /// under `base`. The text ends with one newline.
    pub fn text(
        &self,
        section: Option<&str>,
        format: ReplyFormat,
        base: Option<&PublicBase>,
    ) -> Result<String, ReplyError> {
        let base = base.map(PublicBase::as_str);
        let tokens: Vec<Token<'_>> = Tokens::new(&self.html).collect();
        let wanted = section
            .map(|s| s.strip_prefix('#').unwrap_or(s))
            .filter(|s| !s.is_empty());
        let Some(anchor) = wanted else {
            return Ok(text::write(tokens, format.style(), base));
        };
        let ranges = ranges(&tokens, anchor);
        if ranges.is_empty() {
            return Err(ReplyError::UnknownSection {
                anchor: anchor.to_owned(),
                known: self.sections.iter().map(|s| s.anchor.clone()).collect(),
            });
        }
        let picked = ranges
            .into_iter()
            .flat_map(|r| tokens[r].iter().cloned())
            .collect::<Vec<_>>();
        Ok(text::write(picked, format.style(), base))
    }
}

/// The reply text of `article` with `values`: [`Reply::new`], then [`Reply::text`].
pub fn reply_text(
    article: &Article,
    values: &BTreeMap<String, String>,
    section: Option<&str>,
    format: ReplyFormat,
    base: Option<&PublicBase>,
) -> Result<String, ReplyError> {
    Reply::new(article, values).text(section, format, base)
}

/// The level of a heading tag (`h3` -> 3).
fn heading_tag(name: &str) -> Option<u8> {
    let mut chars = name.chars();
    let (Some(h), Some(d), None) = (chars.next(), chars.next(), chars.next()) else {
        return None;
    };
    let level = d.to_digit(10)?;
    (h.eq_ignore_ascii_case(&'h') && (1..=6).contains(&level)).then_some(level as u8)
}

/// The decoded value of attribute `name` of a start tag.
fn attr(kind: &Kind<'_>, name: &str) -> Option<String> {
    match kind {
        Kind::StartTag(tag) => tag
            .attrs()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .and_then(|a| a.value)
            .map(decode_entities),
        _ => None,
    }
}

fn start_name<'t>(kind: &Kind<'t>) -> Option<&'t str> {
    match kind {
        Kind::StartTag(tag) => Some(tag.name),
        _ => None,
    }
}

/// The index of the end tag closing the `name` element that starts at `from`.
fn matching_end(tokens: &[Token<'_>], from: usize, name: &str) -> usize {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(from) {
        match &t.kind {
            Kind::StartTag(tag) if tag.name.eq_ignore_ascii_case(name) && !tag.self_closing => {
                depth += 1;
            }
            Kind::EndTag(tag) if tag.name.eq_ignore_ascii_case(name) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// Elements without an end tag, as the sanitizer writes them.
const VOID: [&str; 13] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Where the section of the heading at `start` (of `level`) ends: at the next heading of its
/// level or a higher one, or where the element holding the heading ends (a named section's
/// `<section>`, a list item), whichever comes first.
fn heading_end(tokens: &[Token<'_>], start: usize, level: u8) -> usize {
    let mut depth = 0usize;
    for (j, t) in tokens.iter().enumerate().skip(start) {
        match &t.kind {
            Kind::StartTag(tag) => {
                if j > start && heading_tag(tag.name).is_some_and(|l| l <= level) {
                    return j;
                }
                let void = VOID.iter().any(|v| tag.name.eq_ignore_ascii_case(v));
                if !void && !tag.self_closing {
                    depth += 1;
                }
            }
            Kind::EndTag(_) if depth == 0 => return j,
            Kind::EndTag(_) => depth -= 1,
            _ => {}
        }
    }
    tokens.len()
}

/// The tokens of the section named `anchor`: one range for a heading's, one per section
/// for a name; none when there is no such section.
fn ranges(tokens: &[Token<'_>], anchor: &str) -> Vec<std::ops::Range<usize>> {
    let heading = tokens.iter().enumerate().find_map(|(i, t)| {
        let level = start_name(&t.kind).and_then(heading_tag)?;
        (attr(&t.kind, "id").as_deref() == Some(anchor)).then_some((i, level))
    });
    if let Some((start, level)) = heading {
        return std::iter::once(start..heading_end(tokens, start, level)).collect();
    }
    let mut out = Vec::new();
    let mut next = 0;
    for (i, t) in tokens.iter().enumerate() {
        let named = start_name(&t.kind).is_some_and(|n| n.eq_ignore_ascii_case("section"))
            && attr(&t.kind, "data-section").is_some_and(|n| n.eq_ignore_ascii_case(anchor));
        if named && i >= next {
            let end = matching_end(tokens, i, "section");
            out.push(i + 1..end);
            next = end;
        }
    }
    out
}

/// The sections of a reply's HTML ([`Reply::sections`]).
fn sections_of(html: &str) -> Vec<ReplySection> {
    let tokens: Vec<Token<'_>> = Tokens::new(html).collect();
    let anchors: Vec<String> = tokens
        .iter()
        .filter(|t| start_name(&t.kind).and_then(heading_tag).is_some())
        .filter_map(|t| attr(&t.kind, "id"))
        .collect();
    let mut out: Vec<ReplySection> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let Some(name) = start_name(&t.kind) else {
            continue;
        };
        if let Some(level) = heading_tag(name) {
            let Some(id) = attr(&t.kind, "id").filter(|id| !id.is_empty()) else {
                continue;
            };
            if out.iter().any(|s| s.anchor == id) {
                continue;
            }
            let end = matching_end(&tokens, i, name);
            let mut label = String::new();
            for t in tokens.get(i + 1..end).unwrap_or_default() {
                if let Kind::Text(s) = t.kind {
                    label.push_str(&decode_entities(s));
                }
            }
            out.push(ReplySection {
                anchor: id,
                label: crate::article::body::collapse_ws(&label.replace('\u{a0}', " ")),
                // The page renders every heading a level down (`heading_level`).
                kind: SectionKind::Heading {
                    level: level.saturating_sub(1).max(1),
                },
            });
        } else if name.eq_ignore_ascii_case("section") {
            let Some(section) = attr(&t.kind, "data-section").filter(|n| !n.is_empty()) else {
                continue;
            };
            let shadowed = anchors.contains(&section);
            let listed = out
                .iter()
                .any(|s| s.kind == SectionKind::Named && s.anchor.eq_ignore_ascii_case(&section));
            if !shadowed && !listed {
                out.push(ReplySection {
                    label: section.clone(),
                    anchor: section,
                    kind: SectionKind::Named,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(body: &str) -> Article {
        let text = format!(
            "<properties pageTitle=\"Internal title\" articleId=\"t\" selfHelpType=\"rca\" />\n{body}"
        );
        Article::parse("svc/folder/page.md", text.as_bytes())
    }

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// The reply of `body` in both formats: `(text, markdown)`.
    fn both(body: &str, vals: &[(&str, &str)], section: Option<&str>) -> (String, String) {
        let reply = Reply::new(&article(body), &values(vals));
        let text = reply.text(section, ReplyFormat::Text, None);
        let markdown = reply.text(section, ReplyFormat::Markdown, None);
        (
            text.expect("the text reply"),
            markdown.expect("the Markdown reply"),
        )
    }

    /// Asserts the text and the Markdown reply of `replies` (as [`both`] gives them).
    fn assert_replies(replies: (String, String), text: &str, markdown: &str) {
        assert_eq!(replies.0, text, "the text reply");
        assert_eq!(replies.1, markdown, "the Markdown reply");
    }

    const RESTART: &str = "# Your VM restarted\n\n\
        <!--issueDescription-->\n\
        The VM **<!--$vmname-->Virtual machine<!--/$vmname-->** restarted at \
        <!--$StartTime-->StartTime<!--/$StartTime--> (UTC).\n\
        <!--/issueDescription-->\n\n\
        ## What to do\n\n\
        1. Open [Boot diagnostics](data-blade:Microsoft_Azure_Compute.BootDiagnosticsBlade.id.$resourceId) and look at the screenshot.\n\
        2. **[Resource Health](button-data-blade:Microsoft_Azure_Health.ResourceHealthBlade)**\n\
        3. Read [the availability guide](https://learn.example.com/availability) or write to [support](mailto:help@example.com).\n\n\
        ### Check the agent\n\n\
        Run this on the VM:\n\n\
        ```bash\nsudo systemctl status walinuxagent   # *not* Markdown\n```\n\n\
        ## More help\n\n\
        See [the boot article](../other/boot-fails.md#steps), [the steps above](#what-to-do) and \
        <https://status.example.com>.\n";

    #[test]
    fn tokens_take_the_values_given_and_their_defaults_otherwise() {
        let (text, markdown) = both(RESTART, &[("VMNAME", "web-01")], Some("issueDescription"));
        assert_eq!(text, "The VM web-01 restarted at StartTime (UTC).\n");
        assert_eq!(
            markdown,
            "The VM **web-01** restarted at StartTime (UTC).\n"
        );
        // A blank value counts as none.
        let (text, _) = both(RESTART, &[("vmname", "  ")], Some("issueDescription"));
        assert_eq!(
            text,
            "The VM Virtual machine restarted at StartTime (UTC).\n"
        );
    }

    #[test]
    fn a_heading_section_runs_to_the_next_heading_of_its_level() {
        let (text, markdown) = both(RESTART, &[("vmname", "web-01")], Some("what-to-do"));
        assert_eq!(
            text,
            "What to do\n\n\
             1. Open Boot diagnostics (in the Azure portal) and look at the screenshot.\n\
             2. Resource Health (in the Azure portal)\n\
             3. Read the availability guide (https://learn.example.com/availability) or write to support (help@example.com).\n\n\
             Check the agent\n\n\
             Run this on the VM:\n\n\
             sudo systemctl status walinuxagent   # *not* Markdown\n"
        );
        assert_eq!(
            markdown,
            "## What to do\n\n\
             1. Open Boot diagnostics (in the Azure portal) and look at the screenshot.\n\
             2. **Resource Health** (in the Azure portal)\n\
             3. Read [the availability guide](https://learn.example.com/availability) or write to [support](mailto:help@example.com).\n\n\
             ### Check the agent\n\n\
             Run this on the VM:\n\n\
             ```bash\n\
             sudo systemctl status walinuxagent   # *not* Markdown\n\
             ```\n"
        );
        // A `###` section alone, and a leading `#` is ignored.
        let (text, _) = both(RESTART, &[], Some("#check-the-agent"));
        assert_eq!(
            text,
            "Check the agent\n\nRun this on the VM:\n\nsudo systemctl status walinuxagent   # *not* Markdown\n"
        );
    }

    #[test]
    fn links_to_the_site_keep_their_address_only_under_a_public_base() {
        let reply = Reply::new(&article(RESTART), &values(&[]));
        let local = reply.text(Some("more-help"), ReplyFormat::Text, None);
        assert_eq!(
            local.expect("a reply"),
            "More help\n\nSee the boot article, the steps above and https://status.example.com.\n"
        );
        let base: PublicBase = "https://kb.example.com/".parse().expect("a base");
        let public = reply.text(Some("more-help"), ReplyFormat::Text, Some(&base));
        assert_eq!(
            public.expect("a reply"),
            "More help\n\nSee the boot article (https://kb.example.com/articles/svc/other/boot-fails#steps), \
             the steps above and https://status.example.com.\n"
        );
        let markdown = reply.text(Some("more-help"), ReplyFormat::Markdown, Some(&base));
        assert_eq!(
            markdown.expect("a reply"),
            "## More help\n\nSee [the boot article](https://kb.example.com/articles/svc/other/boot-fails#steps), \
             the steps above and <https://status.example.com>.\n"
        );
    }

    #[test]
    fn the_whole_article_in_both_formats() {
        let body = "# Storage access fails\n\n\
            <!--issueDescription-->Requests to **<!--$account-->your account<!--/$account-->** get 403.<!--/issueDescription-->\n\n\
            > [!NOTE]\n> The firewall applies to every request.\n\n\
            | Setting | Value |\n|:--|--:|\n| Public access | Off |\n| Firewall | `10.0.0.0/8` |\n\n\
            - One\n  - Nested *a*\n- Two\n";
        assert_replies(
            both(body, &[("account", "contoso_data")], None),
            "Storage access fails\n\n\
             Requests to contoso_data get 403.\n\n\
             Note: The firewall applies to every request.\n\n\
             Setting | Value\n\
             Public access | Off\n\
             Firewall | 10.0.0.0/8\n\n\
             - One\n  - Nested a\n- Two\n",
            "# Storage access fails\n\n\
             Requests to **contoso_data** get 403.\n\n\
             > **Note:** The firewall applies to every request.\n\n\
             | Setting | Value |\n\
             | :--- | ---: |\n\
             | Public access | Off |\n\
             | Firewall | `10.0.0.0/8` |\n\n\
             - One\n  - Nested *a*\n- Two\n",
        );
    }

    #[test]
    fn a_heading_in_a_named_section_ends_with_it() {
        let body = "# T\n\n<!--recommendedActions-->\n## Do this\n\n- One\n<!--/recommendedActions-->\n\n\
                    <!--additionalInfo-->\nMore.\n<!--/additionalInfo-->\n\n## Next\n";
        let (text, _) = both(body, &[], Some("do-this"));
        assert_eq!(text, "Do this\n\n- One\n");
        // At the top level it runs to the next heading of its level.
        let (text, _) = both(body, &[], Some("t"));
        assert_eq!(text, "T\n\nDo this\n\n- One\n\nMore.\n\nNext\n");
    }

    #[test]
    fn named_sections_are_found_by_name_in_any_case_every_one_of_that_name() {
        let body = "# T\n\n<!--resolution-->\nFirst part.\n<!--/resolution-->\n\nBetween.\n\n\
                    <!--Resolution-->\nSecond part.\n<!--/Resolution-->\n";
        let (text, markdown) = both(body, &[], Some("RESOLUTION"));
        assert_eq!(text, "First part.\n\nSecond part.\n");
        assert_eq!(markdown, "First part.\n\nSecond part.\n");
    }

    #[test]
    fn raw_html_and_comments_never_pass_as_markup() {
        let body = "# T\n\n<div onclick=\"steal()\">Click <b>here</b><script>alert(1)</script>\
                    <!-- internal: do not share --></div>\n\n\
                    Value: <!--$v-->x<!--/$v--> and <style>p{}</style>end <!-- note --> done.\n";
        assert_replies(
            both(body, &[("v", "<img src=x onerror=alert(1)> *bold*")], None),
            "T\n\nClick here\n\nValue: <img src=x onerror=alert(1)> *bold* and end done.\n",
            "# T\n\nClick **here**\n\nValue: \\<img src=x onerror=alert(1)> \\*bold\\* and end done.\n",
        );
    }

    #[test]
    fn portal_elements_become_words_or_are_left_out() {
        let body = "# T\n\n<Insight>\n<symptomId>VmDown</symptomId>\n</Insight>\n\n\
                    <video>\n<src>https://v.example.com/1</src>\n<title>Fix the boot</title>\n</video>\n\n\
                    <video>\n<src>http://v.example.com/2</src>\n<title>Plain HTTP</title>\n</video>\n\n\
                    <azureKB>\n<client>portal</client>\n</azureKB>\n\n\
                    <azureKB>\n<url>https://kb.example.com/x</url>\n</azureKB>\n\n\
                    <metric>\n<title>CPU</title>\n<name>Percentage CPU</name>\n<aggregationType>Avg</aggregationType>\n</metric>\n\n\
                    <metric>\n<name>Disk</name>\n</metric>\n";
        assert_replies(
            both(body, &[], None),
            "T\n\n\
             Video: Fix the boot (https://v.example.com/1)\n\n\
             Related article (https://kb.example.com/x)\n\n\
             In the Azure portal, check the metric chart: CPU (Percentage CPU, Avg).\n\n\
             In the Azure portal, check the metric chart: Disk.\n",
            "# T\n\n\
             Video: [Fix the boot](https://v.example.com/1)\n\n\
             [Related article](https://kb.example.com/x)\n\n\
             In the Azure portal, check the metric chart: CPU (Percentage CPU, Avg).\n\n\
             In the Azure portal, check the metric chart: Disk.\n",
        );
    }

    #[test]
    fn code_blocks_stay_verbatim_in_list_items() {
        let body = "1. Run:\n\n   ```\n   az vm list  --query \"[?name=='a_b']\"\n     <indented>\n   ```\n\n2. Done.\n";
        assert_replies(
            both(body, &[], None),
            "1. Run:\n\n   az vm list  --query \"[?name=='a_b']\"\n     <indented>\n\n2. Done.\n",
            "1. Run:\n\n   ```\n   az vm list  --query \"[?name=='a_b']\"\n     <indented>\n   ```\n\n2. Done.\n",
        );
    }

    #[test]
    fn markdown_escapes_what_would_read_as_markup() {
        let body = "# T\n\n\\# not a heading, 1\\. not a list, a_b \\_c\\_ \\*d\\* [e] `f` &amp;copy; x < y <z\n\n-1 and\n\n\\- 2. or\n\n1\\. one\n";
        let (_, markdown) = both(body, &[], None);
        assert_eq!(
            markdown,
            "# T\n\n\\# not a heading, 1. not a list, a_b \\_c\\_ \\*d\\* \\[e\\] `f` \\&copy; x < y \\<z\n\n\\-1 and\n\n\\- 2. or\n\n1\\. one\n"
        );
    }

    #[test]
    fn sections_list_headings_and_names_in_order() {
        let body = "# Title\n\n<!--issueDescription-->\nText.\n<!--/issueDescription-->\n\n\
                    ## Fix <!--$vm-->it<!--/$vm-->\n\n:::Section Videos:::\n\n<!--summary-->\n## Summary\nS.\n<!--/summary-->\n\n\
                    <!--issueDescription-->\nAgain.\n<!--/issueDescription-->\n";
        let reply = Reply::new(&article(body), &values(&[("vm", "web-01")]));
        let got: Vec<(&str, &str, SectionKind)> = reply
            .sections()
            .iter()
            .map(|s| (s.anchor.as_str(), s.label.as_str(), s.kind))
            .collect();
        let heading = |level| SectionKind::Heading { level };
        assert_eq!(
            got,
            [
                ("title", "Title", heading(1)),
                ("issueDescription", "issueDescription", SectionKind::Named),
                // The anchor is made from the default, the label shows the value.
                ("fix-it", "Fix web-01", heading(2)),
                ("videos", "Videos", heading(2)),
                // The section `summary` is left out: the heading's anchor wins.
                ("summary", "Summary", heading(2)),
            ]
        );
    }

    #[test]
    fn an_unknown_section_says_which_there_are() {
        let reply = Reply::new(&article("# A\n\n## B\n"), &values(&[]));
        let err = reply.text(Some("c"), ReplyFormat::Text, None);
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("the article has no section `c`; its sections are `a`, `b`".to_owned())
        );
        let none = Reply::new(&article("Just text.\n"), &values(&[]));
        assert_eq!(
            none.text(Some("x"), ReplyFormat::Text, None)
                .map_err(|e| e.to_string()),
            Err("the article has no section `x`; it has none: give no section for the whole article".to_owned())
        );
        assert_eq!(
            none.text(Some(""), ReplyFormat::Text, None),
            Ok("Just text.\n".to_owned())
        );
    }

    #[test]
    fn formats_and_bases_are_read_strictly() {
        assert_eq!("text".parse::<ReplyFormat>(), Ok(ReplyFormat::Text));
        assert_eq!("markdown".parse::<ReplyFormat>(), Ok(ReplyFormat::Markdown));
        for bad in ["", "Text", "md", "html"] {
            assert_eq!(
                bad.parse::<ReplyFormat>(),
                Err(UnknownFormat(bad.to_owned()))
            );
        }
        let base: Result<PublicBase, _> = " https://kb.example.com/help/ ".parse();
        assert_eq!(
            base.map(|b| b.as_str().to_owned()),
            Ok("https://kb.example.com/help".to_owned())
        );
        for bad in [
            "kb.example.com",
            "ftp://x",
            "https://",
            "https://x/?a=1",
            "https://x/#a",
            "https://a b",
        ] {
            assert!(bad.parse::<PublicBase>().is_err(), "{bad}");
        }
    }
}
