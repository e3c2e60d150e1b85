//! Articles made from the grammar's pieces: a properties block in every quirk the corpus
//! has, then a body of headings, paragraphs, lists, tables, fences, callouts, sections
//! (nested, crossing, unpaired, inside code), tokens, raw HTML, comments that end at `--!>`
//! or at once, custom elements, and a JSON payload.
//!
//! Every generated article knows the words a reader must see on its page: the words of
//! its plain text (not those inside comments, attribute values, code-fenced markers'
//! names or the payload).

use proptest::prelude::*;

/// A generated article: its bytes and the words its page must show.
#[derive(Debug, Clone)]
pub struct Generated {
    pub bytes: Vec<u8>,
    pub words: Vec<String>,
}

/// A piece of text and the words of it a reader sees.
#[derive(Debug, Clone, Default)]
struct Piece {
    text: String,
    words: Vec<String>,
}

impl Piece {
    fn hidden(text: impl Into<String>) -> Piece {
        Piece {
            text: text.into(),
            words: Vec::new(),
        }
    }

    fn shown(text: impl Into<String>, word: &str) -> Piece {
        Piece {
            text: text.into(),
            words: vec![word.to_owned()],
        }
    }

    fn join(pieces: Vec<Piece>, sep: &str) -> Piece {
        let mut out = Piece::default();
        for (i, p) in pieces.into_iter().enumerate() {
            if i > 0 {
                out.text.push_str(sep);
            }
            out.text.push_str(&p.text);
            out.words.extend(p.words);
        }
        out
    }
}

/// A word a reader sees: letters only, so no Markdown or HTML can take it apart.
fn word() -> impl Strategy<Value = String> {
    "[a-z]{4,9}"
}

const SECTIONS: &[&str] = &[
    "issueDescription",
    "resolutionDetails",
    "recommendedActions",
    "salutation",
    "rcaDescription",
    "x.y-z",
];
const TOKENS: &[&str] = &["vmname", "StartTime", "ResourceName", "$ Scenario"];

/// Inline text: words between emphasis, code, links, tokens, raw inline HTML and comments.
fn inline() -> impl Strategy<Value = Piece> {
    let atom = prop_oneof![
        word().prop_map(|w| Piece::shown(w.clone(), &w)),
        word().prop_map(|w| Piece::shown(format!("**{w}**"), &w)),
        word().prop_map(|w| Piece::shown(format!("*{w}*"), &w)),
        word().prop_map(|w| Piece::shown(format!("`{w} code`"), &w)),
        word().prop_map(|w| Piece::shown(format!("[{w}](https://example.test/{w})"), &w)),
        word().prop_map(|w| Piece::shown(format!("[{w}](data-blade:Ext.Blade.id.$x)"), &w)),
        word().prop_map(|w| Piece::shown(format!("[{w}](../../../above.md)"), &w)),
        word().prop_map(|w| Piece::shown(format!("[{w}](other%20page.MD#Fix)"), &w)),
        word().prop_map(|w| Piece::shown(format!("[{w}](javascript:alert(1))"), &w)),
        word().prop_map(|w| Piece::hidden(format!("![{w}](img\\{w}.png)"))),
        (prop::sample::select(TOKENS), word()).prop_map(|(t, w)| {
            let name = t.trim_start_matches("$ ");
            Piece::shown(format!("<!--${t}-->{w}<!--/${name}-->"), &w)
        }),
        word().prop_map(|w| Piece::shown(format!("<b>{w}</b>"), &w)),
        word()
            .prop_map(|w| Piece::shown(format!("<span class=\"x\" onclick=\"y\">{w}</span>"), &w)),
        word().prop_map(|w| Piece::shown(
            format!("<a href=\"https://example.test/\" title='t>t'>{w}</a>"),
            &w
        )),
        word().prop_map(|w| Piece::shown(format!("<a href=\"data-blade:Ext.Blade\">{w}</a>"), &w)),
        Just(Piece::hidden("<br>")),
        Just(Piece::hidden(
            "<img src=\"https://example.test/a.png\" alt=\"alt\">"
        )),
        word().prop_map(|w| Piece::hidden(format!("<!-- {w} -->"))),
        word().prop_map(|w| Piece::hidden(format!("<!-- {w} --!>"))),
        Just(Piece::hidden("<!-->")),
        Just(Piece::hidden("<!--->")),
        Just(Piece::hidden("<?xml version=\"1.0\"?>")),
        Just(Piece::hidden("</>")),
        Just(Piece::hidden("&amp; &lt; &#106; &bogus;")),
        Just(Piece::hidden("1 < 2 > 0")),
        Just(Piece::hidden("\u{E000}o0\u{E001}")),
        Just(Piece::hidden("[^1]")),
    ];
    prop::collection::vec(atom, 1..8).prop_map(|p| Piece::join(p, " "))
}

/// One block of Markdown.
fn block() -> impl Strategy<Value = Piece> {
    let leaf = prop_oneof![
        inline(),
        (1..=6usize, inline()).prop_map(|(n, p)| Piece {
            text: format!("{} {}", "#".repeat(n), p.text),
            words: p.words,
        }),
        prop::collection::vec(inline(), 1..4).prop_map(|items| {
            let mut p = Piece::join(items, "\n- ");
            p.text.insert_str(0, "- ");
            p
        }),
        (inline(), inline()).prop_map(|(a, b)| {
            let mut p = Piece::join(vec![a, b], " | ");
            p.text = format!("| h1 | h2 |\n|----|----|\n| {} |", p.text);
            p
        }),
        (word(), prop::sample::select(SECTIONS)).prop_map(|(w, s)| Piece::shown(
            format!("```html\n<!--{s}-->{w}<!--/{s}-->\n<video>x</video>\n```"),
            &w
        )),
        word().prop_map(|w| Piece::shown(format!("    indented {w}"), &w)),
        inline().prop_map(|p| Piece {
            text: format!("> [!NOTE]\n> {}", p.text),
            words: p.words,
        }),
        word().prop_map(|w| Piece::shown(format!("<div>\n{w}\n</div>"), &w)),
        word().prop_map(|w| Piece::shown(
            format!("<table><tr><td>{w}</td><td><b>x</b></td></tr></table>"),
            &w
        )),
        word().prop_map(|w| Piece::shown(format!(":::Section {w}:::"), &w)),
        Just(Piece::hidden(
            "<Insight><symptomId>a1, b2</symptomId></Insight>"
        )),
        Just(Piece::hidden(
            "<video><src>https://example.test/v.mp4</src><title>v</title></video>"
        )),
        Just(Piece::hidden(
            "<azureKB><url>https://example.test/kb</url></azureKB>"
        )),
        (prop::sample::select(SECTIONS), any::<bool>()).prop_map(|(s, closing)| Piece::hidden(
            format!("<!--{}{s}-->", if closing { "/" } else { "" })
        )),
        (
            prop::sample::select(SECTIONS),
            prop::sample::select(SECTIONS),
            word()
        )
            .prop_map(|(a, b, w)| Piece::shown(
                format!("<!--{a}-->{w}<!--{b}-->x<!--/{a}-->y<!--/{b}-->"),
                &w
            )),
        word().prop_map(|w| Piece::shown(format!("{w}\n\n[^1]: the note"), &w)),
        Just(Piece::hidden("<script>alert(1)</script><style>p{}</style>")),
        Just(Piece::hidden("---")),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        (
            prop::sample::select(SECTIONS),
            prop::collection::vec(inner, 1..4),
            any::<bool>(),
        )
            .prop_map(|(name, blocks, inline_markers)| {
                let body = Piece::join(blocks, "\n\n");
                let text = if inline_markers {
                    format!("<!--{name}-->{}<!--/{name}-->", body.text)
                } else {
                    format!("<!--{name}-->\n{}\n<!--/{name}-->", body.text)
                };
                Piece {
                    text,
                    words: body.words,
                }
            })
    })
}

/// Keys as the corpus writes them: documented, another case, misspelt, repeated, unknown.
fn key(canonical: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(canonical.to_owned()),
        Just(canonical.to_lowercase()),
        Just(canonical.to_uppercase()),
    ]
}

fn value_list(values: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(values), 0..4).prop_map(|v| v.join(" , "))
}

/// One `key=value` with its quoting: double, single, none (for values without spaces), or
/// a raw `&` that makes the block not well-formed XML.
fn attribute(
    name: impl Strategy<Value = String>,
    value: impl Strategy<Value = String>,
) -> impl Strategy<Value = String> {
    (name, value, 0..4u8).prop_map(|(k, v, quote)| match quote {
        0 | 1 => format!("{k}=\"{v}\""),
        2 => format!("{k}='{v}'"),
        _ if !v.is_empty() && !v.contains([' ', '"', '\'', '>', '/']) => format!("{k}={v}"),
        _ => format!("{k}=\"{v} & more\""),
    })
}

/// The block (and any text before it), and whether it is terminated: an unterminated block
/// runs on into the body, whose words are then not the page's to show.
fn properties(id: usize) -> impl Strategy<Value = (Piece, bool)> {
    let title = prop::collection::vec(word(), 1..4);
    (
        title,
        prop::collection::vec(
            prop_oneof![
                attribute(
                    key("service"),
                    prop::sample::select(
                        &[
                            "microsoft.compute",
                            "Microsoft.Storage",
                            "",
                            "microsoft.sql"
                        ][..]
                    )
                    .prop_map(str::to_owned)
                ),
                attribute(
                    key("resource"),
                    prop::sample::select(&["virtualmachines", "VAULTS", ""][..])
                        .prop_map(str::to_owned)
                ),
                attribute(
                    key("selfHelpType"),
                    prop::sample::select(
                        &[
                            "rca",
                            "RCA",
                            "Diagnostics",
                            "generic",
                            "problemScopingQuestions",
                            "bogus",
                            ""
                        ][..]
                    )
                    .prop_map(str::to_owned)
                ),
                attribute(
                    key("supportTopicIds"),
                    value_list(&["32750101", "32750102", " 32750101", "a1b2-c3"])
                ),
                attribute(
                    key("cloudEnvironments"),
                    value_list(&["public", "MoonCake", "fairfax", "mars"])
                ),
                attribute(key("resourceTags"), value_list(&["windows", "Linux"])),
                attribute(
                    key("displayOrder"),
                    prop::sample::select(&["1", "-3", "x", ""][..]).prop_map(str::to_owned)
                ),
                attribute(
                    key("diagnosticScenario"),
                    prop::sample::select(&["Boot", "Deploy", ""][..]).prop_map(str::to_owned)
                ),
                attribute(Just("supportToicIds".to_owned()), Just("1".to_owned())),
                attribute(Just("articleTags".to_owned()), word()),
                attribute(key("description"), word()),
            ],
            0..8,
        ),
        prop_oneof![Just("\n\t"), Just(" "), Just("\u{a0}"), Just("\n  ")],
        prop_oneof![Just("\n/>"), Just(" />"), Just(">"), Just("")],
        prop_oneof![
            Just(Piece::default()),
            word().prop_map(|w| Piece::shown(format!("# {w}\n"), &w)),
            word().prop_map(|w| Piece::hidden(format!("<!-- {w} -->\n"))),
            word().prop_map(|w| Piece::shown(format!("{w} stray\n\n"), &w)),
        ],
    )
        .prop_map(move |(title, attrs, sep, end, before)| {
            let mut all = vec![
                format!("pageTitle=\"{}\"", title.join(" ")),
                format!("articleId=\"fuzz-{id}\""),
            ];
            all.extend(attrs);
            let block = format!("<properties{sep}{}{end}\n", all.join(sep));
            // The title is the page's heading only when the body has no H1 of its own:
            // not a word the page must show.
            let piece = Piece {
                text: format!("{}{block}", before.text),
                words: before.words,
            };
            (piece, !end.is_empty())
        })
}

fn payload() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        word().prop_map(|w| format!(
            "\n---\n{{\"title\": \"{w}\", \"formElements\": [{{\"id\": \"a\", \"displayLabel\": \"When?\", \
             \"dropdownOptions\": [{{\"value\": \"1\", \"text\": \"{w}\"}}]}}]}}\n---\n"
        )),
        word().prop_map(|w| format!(
            "\n---\n{{\"supportTopics\": [{{\"id\": 32750101, \"shortDescription\": \"{w}\", \
             \"searchTags\": \"a;b\"}}, {{\"id\": \"bad id!\"}}, 7]}}\n"
        )),
        Just("\n---\n{\"unterminated\": [1, 2\n".to_owned()),
    ]
}

/// An article whose articleId is `fuzz-{id}`.
pub fn article(id: usize) -> impl Strategy<Value = Generated> {
    (
        properties(id),
        prop::collection::vec(block(), 0..10),
        payload(),
        0..8u8,
    )
        .prop_map(|((props, terminated), blocks, payload, encoding)| {
            let body = Piece::join(blocks, "\n\n");
            let text = format!("{}\n{}\n{payload}", props.text, body.text);
            let mut words = props.words;
            if terminated {
                words.extend(body.words);
            }
            let bytes = match encoding {
                0 => text.replace('\n', "\r\n").into_bytes(),
                1 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
                _ => text.into_bytes(),
            };
            Generated { bytes, words }
        })
}
