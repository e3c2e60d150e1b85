//! Sanitized article HTML -> text: the filled text of a page, for copying a filled-in article
//! into a case note ([`from_html`]), and the two formats of a reply to a customer, plain text
//! and Markdown ([`write`], for [`super::reply`]).
//!
//! Working from the rendered HTML rather than the Markdown means the text shows what the
//! page shows: token values filled in, portal elements described, callouts labelled, an
//! image by its alt text (whether it loaded or not), a footnote as `[1]` where it is cited
//! and `[1] text` where it is defined. The input is ammonia's output, so it is well formed:
//! tags are balanced, attributes double-quoted, and text escaped with a handful of entities.
//!
//! One writer serves the three [`Style`]s, so that blocks, list numbers and table cells
//! read alike in each. The filled text keeps only the words; a reply also keeps links as
//! links (`label (https://url)` or `[label](url)`), says where a portal blade link
//! ([`super::links::PORTAL_CLASS`]) opens, indents what a list item holds under it, and in
//! Markdown marks emphasis, code, headings, quotes and tables, escaping the text so that
//! nothing in it reads as markup.

use super::escape::decode_entities;
use super::links::{PORTAL_CLASS, public_url};
use crate::article::html::{Kind, Tag, Token, Tokens};

/// Elements that end a line.
const BREAK: &[&str] = &["br", "tr", "li", "dt", "dd"];
/// Elements that stand apart as blocks (a blank line around them).
const BLOCK: &[&str] = &[
    "p",
    "div",
    "section",
    "aside",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "table",
    "hr",
];

/// What the text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// The words of the page, for a case note: no addresses, no markup.
    Filled,
    /// A reply as plain text: links as `label (https://url)`, nested blocks indented.
    Text,
    /// A reply as Markdown.
    Markdown,
}

/// What a reply says after the label of a portal blade link, which opens nothing outside
/// the portal. After the label, not before it: the label is often a step of its own
/// ("Redeploy VM", "Open Backend Health"), and inside a sentence it is a noun ("check the
/// [Service health] of Azure"), so that neither can take a clause in front of it.
const PORTAL: &str = " (in the Azure portal)";

/// A superscript: a footnote's number where it is cited or defined (written in brackets),
/// or any other.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sup {
    Reference,
    Label,
    Other,
}

/// What holds the lines of a nested block, and so starts each of them.
#[derive(Clone, Copy)]
enum Container {
    /// A list item: its lines after the first are indented by its marker's width.
    Item(usize),
    /// A Markdown quote (`> `): a `<blockquote>` or a callout.
    Quote,
}

/// What a capture collects.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Held {
    /// A `<pre>`: verbatim lines.
    Pre,
    /// Markdown inline code: verbatim, on one line.
    Code,
    /// A Markdown table cell: words, on one line.
    Cell,
}

/// Text being collected apart from the output, to be written whole when its element ends.
struct Capture {
    buf: String,
    held: Held,
    /// The writer's owed newlines and space when the capture began, restored after it.
    saved: (usize, bool),
}

/// An open `<a>` of a reply.
struct Link {
    /// Where it goes, for a reader outside the site; `None`: the label only.
    url: Option<String>,
    /// Where the label starts in the buffer it is written to.
    label_start: usize,
    /// How many captures were open: the buffer `label_start` is in.
    depth: usize,
}

/// An open portal blade link: where its label starts.
struct Portal {
    start: usize,
    depth: usize,
}

/// One Markdown table: rows of cells, each cell's text already Markdown.
#[derive(Default)]
struct Table {
    rows: Vec<Vec<String>>,
    /// `text-align` of each cell of the first row: `left`, `right`, `center` or empty.
    align: Vec<&'static str>,
}

struct Writer<'b> {
    style: Style,
    /// The public address of the site, for links to its pages and files.
    base: Option<&'b str>,
    out: String,
    /// Newlines owed before the next text (1 = line break, 2 = blank line).
    pending: usize,
    /// The owed line break is a Markdown hard break (`<br>`), written as `\` before it.
    hard_break: bool,
    /// A space owed before the next text.
    space: bool,
    /// The current line holds no text yet (its prefix and a list marker do not count):
    /// Markdown escapes what would start a block there.
    line_empty: bool,
    /// One entry per open list: the next number of an `<ol>`, `None` for `<ul>`.
    lists: Vec<Option<usize>>,
    /// One entry per open `<sup>`: what it is.
    sups: Vec<Sup>,
    /// A footnote's number (or a callout's label) was just written: its text follows on the
    /// same line rather than as a block of its own.
    after_label: bool,
    /// A list item's marker was just written: a paragraph that opens the item (a loose
    /// list's `<li><p>`) starts on the marker's line.
    after_marker: bool,
    /// One entry per open `<li>`: whether it holds blocks (a loose list's item), which a
    /// blank line then separates from the next item.
    items: Vec<bool>,
    /// Open containers, each with an id of its own.
    containers: Vec<(usize, Container)>,
    next_container: usize,
    /// The containers of the last line that has text: a blank line after it stays inside
    /// the ones it shares with the next line, and no others (two quotes in a row stay two).
    line_containers: Vec<usize>,
    captures: Vec<Capture>,
    /// Open Markdown emphasis: where its text starts and its marker's length, so that one
    /// that stays empty is taken back.
    marks: Vec<(usize, usize)>,
    links: Vec<Link>,
    /// One entry per open `<span>`: whether it is a portal link's.
    spans: Vec<bool>,
    portal: Option<Portal>,
    /// A portal link's label was written (at this capture depth): its words follow the
    /// emphasis around it, before the next text or the end of the line.
    portal_words: Option<usize>,
    /// Table cells open in the plain styles: a line break there is a space.
    cells: usize,
    /// One entry per open `<div>`: whether it is a callout (a quote in Markdown).
    divs: Vec<bool>,
    /// One entry per open `<p>`: whether it is a callout's label.
    paragraphs: Vec<bool>,
    tables: Vec<Table>,
    /// Inside a Markdown heading: a line break is a space.
    heading: bool,
    /// The language of the `<pre>` being read (`<code class="language-x">`), for its fence.
    language: Option<String>,
}

impl Writer<'_> {
    fn reply(&self) -> bool {
        self.style != Style::Filled
    }

    fn markdown(&self) -> bool {
        self.style == Style::Markdown
    }

    /// Inside a table cell or inline code: everything stays on one line.
    fn inline_capture(&self) -> bool {
        self.captures
            .last()
            .is_some_and(|c| matches!(c.held, Held::Cell | Held::Code))
    }

    /// Inside code: text is verbatim and markup is not written.
    fn in_code(&self) -> bool {
        self.captures
            .last()
            .is_some_and(|c| matches!(c.held, Held::Pre | Held::Code))
    }

    /// Starts the line with its prefix when nothing is on it yet.
    fn start_line(&mut self) {
        if self.captures.is_empty() && (self.out.is_empty() || self.out.ends_with('\n')) {
            let prefix = self.prefix();
            self.out.push_str(&prefix);
            self.line_containers = self.containers.iter().map(|(id, _)| *id).collect();
        }
    }

    fn sink(&mut self) -> &mut String {
        match self.captures.last_mut() {
            Some(c) => &mut c.buf,
            None => &mut self.out,
        }
    }

    fn sink_len(&self) -> usize {
        self.captures.last().map_or(self.out.len(), |c| c.buf.len())
    }

    /// What starts each line of the first `n` containers, in the reply styles.
    fn prefix_of(&self, n: usize) -> String {
        let mut p = String::new();
        if self.reply() {
            for (_, c) in self.containers.iter().take(n) {
                match c {
                    Container::Item(width) => p.push_str(&" ".repeat(*width)),
                    Container::Quote if self.markdown() => p.push_str("> "),
                    Container::Quote => {}
                }
            }
        }
        p
    }

    /// What starts each line here.
    fn prefix(&self) -> String {
        self.prefix_of(self.containers.len())
    }

    /// What starts a blank line here: the containers shared with the line before.
    fn blank_prefix(&self) -> String {
        let shared = self
            .containers
            .iter()
            .zip(&self.line_containers)
            .take_while(|((id, _), line)| id == *line)
            .count();
        self.prefix_of(shared).trim_end().to_owned()
    }

    fn push_container(&mut self, c: Container) {
        self.next_container += 1;
        self.containers.push((self.next_container, c));
    }

    /// Appends `s`, starting the line with its prefix when it is the line's first text.
    fn emit(&mut self, s: &str) {
        self.start_line();
        self.sink().push_str(s);
    }

    fn newline(&mut self, n: usize) {
        self.portal_words();
        if self.inline_capture() || (self.heading && n == 1) {
            self.space = true;
            return;
        }
        if n > self.pending {
            self.pending = n;
            self.hard_break = false;
        }
        self.space = false;
    }

    /// A `<br>`: a line break, which Markdown must be told is one; a space in a table cell.
    fn line_break(&mut self) {
        if self.cells > 0 && self.style == Style::Text {
            self.space = true;
            return;
        }
        self.newline(1);
        if self.markdown() && self.pending == 1 && !self.inline_capture() && !self.heading {
            self.hard_break = true;
        }
    }

    /// Writes the words owed after a portal link's label.
    fn portal_words(&mut self) {
        if self.portal_words.take() == Some(self.captures.len()) {
            self.sink().push_str(PORTAL);
        }
    }

    fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if self.in_code() {
            let s = if self.inline_capture() {
                s.replace('\n', " ")
            } else {
                s.to_owned()
            };
            self.sink().push_str(&s);
            return;
        }
        let ws = |c: char| c.is_ascii_whitespace();
        // Markdown emphasis just opened takes no space after its marker.
        let just_marked = self.marks.last().is_some_and(|m| m.0 == self.sink_len());
        if s.starts_with(ws) && !just_marked {
            self.space = true;
        }
        let mut words = 0;
        for word in s.split_ascii_whitespace() {
            if words > 0 {
                self.space = true;
            }
            words += 1;
            self.word(word);
        }
        if words > 0 && s.ends_with(ws) {
            self.space = true;
        }
    }

    /// Writes one word of text, escaped for Markdown.
    fn word(&mut self, word: &str) {
        self.flush();
        if self.markdown() {
            let mut escaped = String::with_capacity(word.len() + 4);
            escape_markdown(word, self.line_empty, &mut escaped);
            self.emit(&escaped);
        } else {
            self.emit(word);
        }
        self.after_marker = false;
        self.line_empty = false;
    }

    /// Writes what is owed before text.
    fn flush(&mut self) {
        self.portal_words();
        if self.sink_len() == 0 {
            self.pending = 0;
            self.space = false;
            return;
        }
        if self.pending > 0 {
            let blank = self.blank_prefix();
            let hard = std::mem::take(&mut self.hard_break);
            let sink = self.sink();
            while sink.ends_with(' ') {
                sink.pop();
            }
            if hard {
                sink.push('\\');
            }
            let have = sink.len() - sink.trim_end_matches('\n').len();
            for i in have..self.pending {
                let sink = match self.captures.last_mut() {
                    Some(c) => &mut c.buf,
                    None => &mut self.out,
                };
                if i > 0 {
                    sink.push_str(&blank);
                }
                sink.push('\n');
            }
            self.pending = 0;
            self.space = false;
            self.line_empty = true;
        } else if self.space {
            let sink = self.sink();
            if !sink.ends_with([' ', '\n']) {
                sink.push(' ');
            }
            self.space = false;
        }
    }

    /// Opens Markdown emphasis or strike-through: its marker goes before the next word.
    fn mark_open(&mut self, marker: &str) {
        self.flush();
        self.emit(marker);
        self.line_empty = false;
        self.marks.push((self.sink_len(), marker.len()));
    }

    /// Closes emphasis: its marker after the last word, or nothing when it holds none.
    fn mark_close(&mut self, marker: &str) {
        let Some((start, len)) = self.marks.pop() else {
            return;
        };
        if self.sink_len() == start {
            let at = start.saturating_sub(len);
            self.sink().truncate(at);
        } else {
            self.sink().push_str(marker);
        }
    }

    fn capture(&mut self, held: Held) {
        let saved = (self.pending, self.space);
        self.pending = 0;
        self.space = false;
        self.line_empty = false;
        self.captures.push(Capture {
            buf: String::new(),
            held,
            saved,
        });
    }

    fn end_capture(&mut self) -> String {
        self.portal_words();
        match self.captures.pop() {
            Some(c) => {
                (self.pending, self.space) = c.saved;
                c.buf
            }
            None => String::new(),
        }
    }

    fn open(&mut self, name: &str, tag: &Tag<'_>) {
        let block = BLOCK.contains(&name);
        // A paragraph makes its list item loose; in a reply, a nested list does not (the
        // list it is in is as tight as the article wrote it).
        let loosens = block && !(self.reply() && matches!(name, "ul" | "ol"));
        if loosens && let Some(loose) = self.items.last_mut() {
            *loose = true;
        }
        // A block right after a label, or opening a list item, starts on that line.
        let mut join = false;
        if self.after_label && block {
            self.after_label = false;
            if self.style == Style::Filled {
                self.space = true;
                return;
            }
            if !matches!(name, "ul" | "ol" | "pre" | "table") {
                self.space = true;
                join = true;
            }
        }
        if self.after_marker && block && !matches!(name, "ul" | "ol" | "pre") {
            if self.style == Style::Filled {
                return;
            }
            join = true;
        }
        let block_newline = |w: &mut Self, n: usize| {
            if !join {
                w.newline(n);
            }
        };
        match name {
            "img" => self.image(tag),
            "sup" => {
                // pulldown-cmark's classes for the two ends of a footnote.
                let sup = match attribute(tag, "class") {
                    Some("footnote-reference") => Sup::Reference,
                    Some("footnote-definition-label") => Sup::Label,
                    _ => Sup::Other,
                };
                if sup != Sup::Other {
                    self.text("[");
                }
                self.sups.push(sup);
            }
            "li" => {
                self.newline(1);
                self.flush();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "- ".to_owned(),
                };
                self.emit(&marker);
                self.push_container(Container::Item(marker.len()));
                self.after_marker = true;
                self.line_empty = true;
                self.items.push(false);
            }
            "ul" | "ol" => {
                self.newline(if self.lists.is_empty() { 2 } else { 1 });
                self.lists.push((name == "ol").then_some(1));
            }
            "a" if self.reply() && !self.in_code() => self.link_open(tag),
            "span" => {
                let portal = self.reply()
                    && !self.in_code()
                    && attribute(tag, "class")
                        .is_some_and(|c| c.split_ascii_whitespace().any(|c| c == PORTAL_CLASS));
                if portal {
                    self.portal_open();
                }
                self.spans.push(portal);
            }
            "strong" | "b" if self.markdown() && !self.in_code() => self.mark_open("**"),
            "em" | "i" if self.markdown() && !self.in_code() => self.mark_open("*"),
            "del" | "s" | "strike" if self.markdown() && !self.in_code() => self.mark_open("~~"),
            "code" if self.captures.last().is_some_and(|c| c.held == Held::Pre) => {
                self.language = attribute(tag, "class")
                    .and_then(|c| {
                        c.split_ascii_whitespace()
                            .find_map(|c| c.strip_prefix("language-"))
                    })
                    .map(str::to_owned);
            }
            "code" if self.markdown() && !self.in_code() => {
                self.flush();
                self.capture(Held::Code);
            }
            "div" => {
                let callout = self.reply()
                    && attribute(tag, "class")
                        .is_some_and(|c| c.split_ascii_whitespace().any(|c| c == "kb-callout"));
                if callout {
                    block_newline(self, 2);
                    self.push_container(Container::Quote);
                } else {
                    block_newline(self, 2);
                }
                self.divs.push(callout);
            }
            "blockquote" => {
                block_newline(self, 2);
                self.push_container(Container::Quote);
            }
            "p" => {
                block_newline(self, 2);
                let label = self.reply() && attribute(tag, "class") == Some("kb-callout-label");
                if label && self.markdown() {
                    self.mark_open("**");
                }
                self.paragraphs.push(label);
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if self.markdown() => {
                block_newline(self, 2);
                self.flush();
                // Headings render a level down (`heading_level`): `<h3>` was `##`.
                let level = name
                    .get(1..)
                    .and_then(|d| d.parse::<usize>().ok())
                    .map_or(1, |l| l.saturating_sub(1).max(1));
                self.emit(&format!("{} ", "#".repeat(level)));
                self.line_empty = true;
                self.heading = true;
            }
            "hr" if self.markdown() => {
                block_newline(self, 2);
                self.flush();
                self.emit("---");
                self.newline(2);
            }
            "br" => self.line_break(),
            "dt" | "dd" if self.markdown() => self.newline(2),
            "table" if self.markdown() => {
                block_newline(self, 2);
                self.tables.push(Table::default());
            }
            "tr" if self.markdown() && !self.tables.is_empty() => {
                if let Some(t) = self.tables.last_mut() {
                    t.rows.push(Vec::new());
                }
            }
            "td" | "th" if self.markdown() && !self.tables.is_empty() => {
                let align = attribute(tag, "style").map_or("", |s| {
                    ["left", "right", "center"]
                        .into_iter()
                        .find(|a| s.contains(a))
                        .unwrap_or("")
                });
                if let Some(t) = self.tables.last_mut()
                    && t.rows.len() <= 1
                {
                    t.align.push(align);
                }
                self.capture(Held::Cell);
            }
            "td" | "th" => {
                self.cells += 1;
                // Cells after the first of a row.
                if self.sink_len() > 0 && !self.out.ends_with('\n') && self.pending == 0 {
                    self.emit(" | ");
                    self.space = false;
                }
            }
            "pre" => {
                self.newline(2);
                self.capture(Held::Pre);
            }
            _ if BREAK.contains(&name) => self.newline(1),
            _ if block => block_newline(self, 2),
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        match name {
            "li" => {
                let loose = self.items.pop().unwrap_or(false);
                self.containers.pop();
                self.newline(if loose { 2 } else { 1 });
            }
            "sup" => match self.sups.pop() {
                Some(Sup::Reference) => self.text("]"),
                Some(Sup::Label) => {
                    self.text("]");
                    self.after_label = true;
                }
                _ => {}
            },
            "ul" | "ol" => {
                self.lists.pop();
                self.newline(if self.lists.is_empty() { 2 } else { 1 });
            }
            "a" if self.reply() && !self.in_code() => self.link_close(),
            "span" => self.span_close(),
            "strong" | "b" if self.markdown() && !self.in_code() => self.mark_close("**"),
            "em" | "i" if self.markdown() && !self.in_code() => self.mark_close("*"),
            "del" | "s" | "strike" if self.markdown() && !self.in_code() => {
                self.mark_close("~~");
            }
            "code" if self.captures.last().is_some_and(|c| c.held == Held::Code) => {
                let code = self.end_capture();
                self.inline_code(&code);
            }
            "div" => {
                if self.divs.pop() == Some(true) {
                    self.containers.pop();
                }
                self.newline(2);
            }
            "blockquote" => {
                self.containers.pop();
                self.newline(2);
            }
            "p" => {
                if self.paragraphs.pop() == Some(true) {
                    self.label_close();
                } else {
                    self.newline(2);
                }
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if self.markdown() => {
                self.heading = false;
                self.newline(2);
            }
            "table" if self.markdown() => {
                if let Some(t) = self.tables.pop() {
                    self.table(t);
                }
                self.newline(2);
            }
            "td" | "th" if self.captures.last().is_some_and(|c| c.held == Held::Cell) => {
                let cell = self.end_capture();
                if let Some(row) = self.tables.last_mut().and_then(|t| t.rows.last_mut()) {
                    row.push(cell.trim().to_owned());
                }
            }
            "td" | "th" => {
                self.cells = self.cells.saturating_sub(1);
            }
            "tr" if self.markdown() && !self.tables.is_empty() => {}
            "pre" if self.captures.last().is_some_and(|c| c.held == Held::Pre) => {
                let code = self.end_capture();
                self.code_block(&code);
                self.newline(2);
            }
            _ if BREAK.contains(&name) => self.newline(1),
            _ if BLOCK.contains(&name) => self.newline(2),
            _ => {}
        }
    }

    /// A callout's label ends: `Note:`, and its text follows on the same line.
    fn label_close(&mut self) {
        self.sink().push(':');
        if self.markdown() {
            self.mark_close("**");
        }
        self.after_label = true;
        self.space = true;
    }

    fn image(&mut self, tag: &Tag<'_>) {
        let Some(alt) = attribute(tag, "alt").map(decode_entities) else {
            return;
        };
        let url = match self.reply() {
            true => attribute(tag, "src")
                .map(decode_entities)
                .and_then(|src| public_url(&src, self.base)),
            false => None,
        };
        match url {
            Some(url) if self.markdown() => {
                self.flush();
                let mut escaped = String::new();
                escape_markdown(&alt, false, &mut escaped);
                self.emit(&format!("![{escaped}]({})", url_text(&url)));
                self.after_marker = false;
                self.line_empty = false;
            }
            Some(url) => {
                self.space = true;
                self.text(&alt);
                self.space = true;
                self.word(&format!("({})", url_text(&url)));
                self.space = true;
            }
            None => {
                self.space = true;
                self.text(&alt);
                self.space = true;
            }
        }
    }

    fn link_open(&mut self, tag: &Tag<'_>) {
        let url = attribute(tag, "href")
            .map(decode_entities)
            .and_then(|href| public_url(&href, self.base));
        if url.is_some() && self.markdown() {
            self.flush();
            self.emit("[");
            self.line_empty = false;
        }
        self.links.push(Link {
            url,
            label_start: self.sink_len(),
            depth: self.captures.len(),
        });
    }

    fn link_close(&mut self) {
        let Some(link) = self.links.pop() else {
            return;
        };
        let Some(url) = link.url else {
            return;
        };
        if link.depth != self.captures.len() || link.label_start > self.sink_len() {
            return;
        }
        let label = self
            .sink()
            .get(link.label_start..)
            .unwrap_or_default()
            .trim()
            .to_owned();
        let shown = url_text(&url);
        let address = shown.strip_prefix("mailto:").unwrap_or(&shown).to_owned();
        if self.markdown() {
            if label.is_empty() || label == shown || label == address {
                // `[` and the label give way to an autolink.
                let at = link.label_start.saturating_sub(1);
                self.sink().truncate(at);
                self.emit(&format!("<{address}>"));
            } else {
                self.sink().push_str(&format!("]({shown})"));
            }
        } else if label.is_empty() {
            self.word(&address);
        } else if label != shown && label != address {
            self.sink().push_str(&format!(" ({address})"));
        }
    }

    fn portal_open(&mut self) {
        self.flush();
        self.start_line();
        self.portal = Some(Portal {
            start: self.sink_len(),
            depth: self.captures.len(),
        });
    }

    fn span_close(&mut self) {
        if self.spans.pop() == Some(true) {
            self.portal_close();
        }
    }

    /// A portal link's label is written: its words follow ([`PORTAL`]).
    fn portal_close(&mut self) {
        let Some(p) = self.portal.take() else {
            return;
        };
        let written = p.depth == self.captures.len()
            && self
                .sink()
                .get(p.start..)
                .is_some_and(|label| !label.trim().is_empty());
        if written {
            self.portal_words = Some(p.depth);
        }
    }

    fn inline_code(&mut self, code: &str) {
        if code.is_empty() {
            return;
        }
        let longest = longest_run(code, '`');
        let fence = "`".repeat(longest + 1);
        let pad = if code.starts_with('`') || code.ends_with('`') {
            " "
        } else {
            ""
        };
        self.emit(&format!("{fence}{pad}{code}{pad}{fence}"));
        self.after_marker = false;
        self.line_empty = false;
    }

    /// A `<pre>`: its lines as they are (in Markdown, fenced), each line under the prefix.
    fn code_block(&mut self, code: &str) {
        let language = self.language.take();
        if code.is_empty() {
            return;
        }
        if self.inline_capture() {
            // A code block in a table cell: the cell is one line.
            self.text(code);
            return;
        }
        self.flush();
        let mut lines: Vec<String> = Vec::new();
        if self.markdown() {
            let body = code.strip_suffix('\n').unwrap_or(code);
            let fence = "`".repeat(longest_run(body, '`').max(2) + 1);
            lines.push(format!("{fence}{}", language.unwrap_or_default()));
            lines.extend(body.split('\n').map(str::to_owned));
            lines.push(fence);
            for (i, line) in lines.iter().enumerate() {
                if i > 0 {
                    self.sink().push('\n');
                }
                self.emit(line);
            }
            self.sink().push('\n');
        } else {
            for line in code.split_inclusive('\n') {
                self.emit(line);
            }
        }
        self.line_empty = false;
    }

    /// A Markdown table: the first row is its header (Markdown has no table without one).
    fn table(&mut self, t: Table) {
        let rows: Vec<&Vec<String>> = t.rows.iter().filter(|r| !r.is_empty()).collect();
        let Some(columns) = rows.iter().map(|r| r.len()).max() else {
            return;
        };
        self.flush();
        let line = |cells: &[String]| {
            let mut s = String::from("|");
            for i in 0..columns {
                s.push(' ');
                s.push_str(cells.get(i).map_or("", String::as_str));
                s.push_str(" |");
            }
            s
        };
        let mut lines = vec![line(rows[0])];
        let mut rule = String::from("|");
        for i in 0..columns {
            rule.push_str(match t.align.get(i).copied().unwrap_or("") {
                "left" => " :--- |",
                "right" => " ---: |",
                "center" => " :---: |",
                _ => " --- |",
            });
        }
        lines.push(rule);
        lines.extend(rows[1..].iter().map(|r| line(r)));
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                self.sink().push('\n');
            }
            self.emit(l);
        }
        self.line_empty = false;
    }
}

/// The length of the longest run of `c` in `s`.
fn longest_run(s: &str, c: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for ch in s.chars() {
        if ch == c {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// A URL as a reply writes it: spaces, parentheses and angle brackets percent-encoded, so
/// that it stays one word and cannot end a Markdown link early.
fn url_text(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            c if c.is_whitespace() || c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one word of text with a backslash before every character that Markdown would
/// read as markup there (`line_start`: the word opens a line, where `#`, `>`, `-`, `+`,
/// `=` and `1.` open blocks).
fn escape_markdown(word: &str, line_start: bool, out: &mut String) {
    let chars: Vec<char> = word.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '~' | '|' => true,
            // `snake_case` is no emphasis; `_word_` is.
            '_' => {
                !(prev.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(char::is_alphanumeric))
            }
            '<' => next.is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')),
            // `&amp;` would be read as a reference.
            '&' => {
                let rest: String = chars[i + 1..].iter().collect();
                let name = rest.strip_prefix('#').unwrap_or(&rest);
                let len = name.chars().take_while(char::is_ascii_alphanumeric).count();
                len > 0 && name.get(len..).is_some_and(|r| r.starts_with(';'))
            }
            '#' | '>' | '-' | '+' | '=' => i == 0 && line_start,
            // `1.` and `1)` open an ordered list.
            '.' | ')' => {
                line_start
                    && i > 0
                    && i + 1 == chars.len()
                    && i <= 9
                    && chars[..i].iter().all(char::is_ascii_digit)
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
}

/// The value of the attribute `name` of a start tag, as the sanitizer writes attributes:
/// `name="value"` (a bare `name` has none).
fn attribute<'t>(tag: &Tag<'t>, name: &str) -> Option<&'t str> {
    tag.attrs()
        .find(|a| a.name.eq_ignore_ascii_case(name))
        .and_then(|a| a.value)
}

/// The text of sanitized HTML, for the filled text.
pub(crate) fn from_html(html: &str) -> String {
    write(Tokens::new(html), Style::Filled, None)
}

/// The text of sanitized HTML's tokens in a style; links to the site's own pages and files
/// are kept under `base`, the site's public address, when there is one.
pub(crate) fn write<'a>(
    tokens: impl IntoIterator<Item = Token<'a>>,
    style: Style,
    base: Option<&str>,
) -> String {
    let mut w = Writer {
        style,
        base,
        out: String::new(),
        pending: 0,
        hard_break: false,
        space: false,
        line_empty: true,
        lists: Vec::new(),
        sups: Vec::new(),
        after_label: false,
        after_marker: false,
        items: Vec::new(),
        containers: Vec::new(),
        next_container: 0,
        line_containers: Vec::new(),
        captures: Vec::new(),
        marks: Vec::new(),
        links: Vec::new(),
        spans: Vec::new(),
        portal: None,
        portal_words: None,
        cells: 0,
        divs: Vec::new(),
        paragraphs: Vec::new(),
        tables: Vec::new(),
        heading: false,
        language: None,
    };
    for token in tokens {
        match token.kind {
            Kind::Text(t) => w.text(&decode_entities(t)),
            Kind::StartTag(tag) => w.open(&tag.name.to_ascii_lowercase(), &tag),
            Kind::EndTag(tag) => w.close(&tag.name.to_ascii_lowercase()),
            _ => {}
        }
    }
    w.portal_words();
    while !w.captures.is_empty() {
        let rest = w.end_capture();
        w.text(&rest);
    }
    let mut out = w.out;
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out.replace('\u{a0}', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_lists_and_tables_become_lines() {
        let html = "<h1 id=\"t\">Title</h1>\n<p>The VM <strong><span class=\"kb-token\">web&amp;01</span></strong> stopped.</p>\n\
                    <ol><li>One</li><li>Two <code>x</code></li></ol>\n<ul><li>a</li></ul>\
                    <table><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>\
                    <pre><code>line 1\n  line 2\n</code></pre><p>end&nbsp;here</p>";
        assert_eq!(
            from_html(html),
            "Title\n\nThe VM web&01 stopped.\n\n1. One\n2. Two x\n\n- a\n\nA | B\n1 | 2\n\nline 1\n  line 2\n\nend here\n"
        );
    }

    #[test]
    fn a_loose_list_item_starts_on_its_marker_line() {
        let html = "<ol>\n<li>\n<p>One</p>\n</li>\n<li>\n<p>Two</p>\n<p>More</p>\n</li>\n</ol>\n\
                    <ul><li><p>a</p><ul><li>b</li><li>c</li></ul></li><li>d</li></ul>";
        assert_eq!(
            from_html(html),
            "1. One\n\n2. Two\n\nMore\n\n- a\n\n- b\n- c\n\n- d\n"
        );
    }

    #[test]
    fn images_read_as_their_alt_text_loaded_or_not() {
        let html = "<p>See<img src=\"/files/a.png\" alt=\"The &amp; diagram\" title=\"t\">\
                    <span class=\"kb-image-missing\">Missing one</span> <img src=\"x\">end</p>";
        assert_eq!(from_html(html), "See The & diagram Missing one end\n");
    }

    #[test]
    fn footnotes_read_as_bracketed_numbers() {
        let html = "<p>A claim.<sup class=\"footnote-reference\"><a href=\"#s\">1</a></sup> More.</p>\n\
                    <p>x<sup>2</sup></p>\n\
                    <div class=\"footnote-definition\" id=\"s\"><sup class=\"footnote-definition-label\">1</sup>\n\
                    <p>The source.</p>\n</div>";
        assert_eq!(
            from_html(html),
            "A claim.[1] More.\n\nx2\n\n[1] The source.\n"
        );
    }
}
