//! Helpers of the index and search tests: running `kb`, writing articles into temporary
//! folders, building, reading and comparing indexes, and a synthetic corpus big enough that
//! building its index takes a noticeable time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use selfhelp_kb::index::{IndexOptions, IndexReport, Indexer, KbIndex, names};
use selfhelp_kb::search::{FacetCount, SearchRequest, SearchResponse, Searcher};

/// The crate root: `articles/` and `tests/fixtures/` are found from here.
pub fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The project's sample articles.
pub fn sample_articles() -> PathBuf {
    crate_root().join("articles")
}

/// The articles written for the search tests.
pub fn search_fixtures() -> PathBuf {
    crate_root().join("tests/fixtures/search")
}

/// `kb` run from the crate root with `RUST_LOG` unset, so that standard error carries only
/// what `kb` itself reports.
pub fn kb_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kb"));
    cmd.current_dir(crate_root()).env_remove("RUST_LOG");
    cmd
}

/// Runs a command to its end and returns what it printed.
pub fn output(cmd: &mut Command) -> Output {
    cmd.output().expect("the kb binary runs")
}

/// Standard output of a finished command, as text.
pub fn stdout(out: &Output) -> &str {
    std::str::from_utf8(&out.stdout).expect("stdout is UTF-8")
}

/// Standard error of a finished command, as text.
pub fn stderr(out: &Output) -> &str {
    std::str::from_utf8(&out.stderr).expect("stderr is UTF-8")
}

/// `kb index --articles <articles> --index <index>` plus `extra` arguments, run to its end.
pub fn kb_index(articles: &Path, index: &Path, extra: &[&str]) -> Output {
    output(
        kb_command()
            .arg("index")
            .arg("--articles")
            .arg(articles)
            .arg("--index")
            .arg(index)
            .args(extra),
    )
}

/// Waits for a child that is expected to end by itself, polling so that a child that hangs
/// (waiting on a lock, say) fails the test after `limit` instead of blocking it forever.
pub fn wait_bounded(mut child: Child, limit: Duration, what: &str) -> Output {
    let started = Instant::now();
    loop {
        match child.try_wait().expect("the child can be waited for") {
            Some(_) => {
                return child
                    .wait_with_output()
                    .expect("the child's output is read");
            }
            None if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what} was still running after {limit:?}");
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// The counts of one `kb index` run, read from its summary line or its JSON report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct Counts {
    pub articles: usize,
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
    pub warnings: usize,
}

/// Expected counts of a run over articles without problems (no warnings).
pub fn counts(
    articles: usize,
    added: usize,
    updated: usize,
    removed: usize,
    unchanged: usize,
) -> Counts {
    Counts {
        articles,
        added,
        updated,
        removed,
        unchanged,
        warnings: 0,
    }
}

/// Parses `kb index`'s summary line, checking its exact format:
/// `indexed N articles: added A, updated U, removed R, unchanged K; W warnings; T s`, with the
/// time in seconds to two decimals.
pub fn parse_summary(line: &str) -> Counts {
    let fail = || -> ! { panic!("not a summary line: {line:?}") };
    let number = |s: &str| -> usize {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            fail();
        }
        s.parse().unwrap_or_else(|_| fail())
    };
    let rest = line.strip_prefix("indexed ").unwrap_or_else(|| fail());
    let mut parts = Vec::new();
    let mut rest = rest;
    for separator in [
        " articles: added ",
        ", updated ",
        ", removed ",
        ", unchanged ",
        "; ",
        " warnings; ",
    ] {
        let (part, tail) = rest.split_once(separator).unwrap_or_else(|| fail());
        parts.push(number(part));
        rest = tail;
    }
    let seconds = rest.strip_suffix(" s").unwrap_or_else(|| fail());
    let (whole, fraction) = seconds.split_once('.').unwrap_or_else(|| fail());
    number(whole);
    if fraction.len() != 2 {
        fail();
    }
    number(fraction);
    Counts {
        articles: parts[0],
        added: parts[1],
        updated: parts[2],
        removed: parts[3],
        unchanged: parts[4],
        warnings: parts[5],
    }
}

/// Runs `kb index` and returns the counts of its summary line, which must be all it prints on
/// standard output.
pub fn kb_index_counts(articles: &Path, index: &Path, extra: &[&str]) -> Counts {
    let out = kb_index(articles, index, extra);
    assert!(out.status.success(), "kb index failed: {}", stderr(&out));
    let text = stdout(&out);
    let line = text
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("no line end after the summary: {text:?}"));
    assert!(!line.contains('\n'), "more than the summary line: {text:?}");
    parse_summary(line)
}

/// Builds or updates the index in `index` from `articles` in this process, as `kb index`
/// does, and releases it.
pub fn build_index(articles: &Path, index: &Path) -> IndexReport {
    let mut indexer = Indexer::open(index).expect("the index opens for writing");
    let report = indexer
        .sync(
            articles,
            IndexOptions::default(),
            &indicatif::ProgressBar::hidden(),
        )
        .expect("the index is brought in line with the articles");
    indexer.finish().expect("the writer finishes");
    report
}

/// A searcher over the index in `dir`, opened afresh so that it sees the last commit.
pub fn open_searcher(dir: &Path) -> Searcher {
    Searcher::new(KbIndex::open(dir).expect("the index opens for reading"))
}

/// Runs a search that must succeed.
pub fn search(searcher: &Searcher, req: &SearchRequest) -> SearchResponse {
    searcher
        .search(req)
        .unwrap_or_else(|e| panic!("search {req:?} failed: {e}"))
}

/// A free-text search with the largest page, so that `hits` holds every result of a small
/// index.
pub fn query(searcher: &Searcher, q: &str) -> SearchResponse {
    search(
        searcher,
        &SearchRequest {
            per_page: 100,
            ..SearchRequest::text(q)
        },
    )
}

/// The hits' paths, in order.
pub fn paths(resp: &SearchResponse) -> Vec<String> {
    resp.hits.iter().map(|h| h.path.clone()).collect()
}

/// The hits' paths, sorted.
pub fn path_set(resp: &SearchResponse) -> Vec<String> {
    let mut out = paths(resp);
    out.sort();
    out
}

/// Every page of `req` at `per_page`, concatenated; checks along the way that each page but
/// the last is full, that the page after the last is empty and that `total` never changes.
pub fn all_pages(searcher: &Searcher, req: &SearchRequest, per_page: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut total = None;
    for page in 1.. {
        let resp = search(
            searcher,
            &SearchRequest {
                page,
                per_page,
                ..req.clone()
            },
        );
        assert_eq!(*total.get_or_insert(resp.total), resp.total, "page {page}");
        assert_eq!(resp.page, page);
        if resp.hits.is_empty() {
            assert_eq!(
                out.len(),
                resp.total,
                "results before the empty page {page}"
            );
            return out;
        }
        let expected = per_page.min(resp.total - out.len());
        assert_eq!(resp.hits.len(), expected, "hits on page {page}");
        out.extend(paths(&resp));
    }
    unreachable!("pages run out")
}

/// A facet list as a map from value to count.
pub fn facet_map(list: &[FacetCount]) -> BTreeMap<String, u64> {
    list.iter().map(|f| (f.value.clone(), f.count)).collect()
}

/// Asserts that every facet list of a response is sorted by count (descending), then value.
pub fn assert_facets_sorted(resp: &SearchResponse) {
    let f = &resp.facets;
    for (name, list) in [
        ("service", &f.service),
        ("resource", &f.resource),
        ("tag", &f.tag),
        ("type", &f.r#type),
        ("cloud", &f.cloud),
        ("scenario", &f.scenario),
    ] {
        for pair in list.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(
                a.count > b.count || (a.count == b.count && a.value < b.value),
                "facet {name} is not sorted by count then value: {list:?}"
            );
        }
    }
}

/// Asserts that a snippet has no markup but `<mark>` pairs around words.
pub fn assert_snippet_clean(snippet: &str) {
    let opened = snippet.matches("<mark>").count();
    assert_eq!(
        opened,
        snippet.matches("</mark>").count(),
        "unbalanced marks: {snippet}"
    );
    let bare = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !bare.contains('<') && !bare.contains('>'),
        "a tag other than <mark>, or an unescaped `<`/`>`: {snippet}"
    );
}

/// Relative `/`-separated paths of the `.md` files under `root`, sorted.
pub fn md_files(root: &Path) -> Vec<String> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        let entries = std::fs::read_dir(dir).expect("the folder can be listed");
        for entry in entries {
            let entry = entry.expect("the entry can be read");
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{prefix}{name}");
            let kind = entry.file_type().expect("the entry has a type");
            if kind.is_dir() && !name.starts_with('.') {
                walk(&entry.path(), &format!("{path}/"), out);
            } else if kind.is_file() && name.to_ascii_lowercase().ends_with(".md") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, "", &mut out);
    out.sort();
    out
}

/// Path -> blake3 of the bytes of every `.md` file under `root`: what a fresh index of the
/// folder holds.
pub fn disk_files(root: &Path) -> BTreeMap<String, String> {
    md_files(root)
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(root.join(&path)).expect("the article can be read");
            let hash = blake3::hash(&bytes).to_hex().to_string();
            (path, hash)
        })
        .collect()
}

/// Path -> content hash of every live document of the index in `dir`, read from its fast
/// columns. Fails when a path is indexed twice.
pub fn indexed_files(dir: &Path) -> BTreeMap<String, String> {
    let index = KbIndex::open(dir).expect("the index opens for reading");
    let searcher = index.searcher();
    let mut out = BTreeMap::new();
    for segment in searcher.segment_readers() {
        let ff = segment.fast_fields();
        let column = |name: &str| {
            ff.str(name)
                .expect("the column can be read")
                .unwrap_or_else(|| panic!("no {name} column"))
        };
        let (paths, hashes) = (column(names::PATH), column(names::HASH));
        let text = |col: &tantivy::columnar::StrColumn, doc| {
            let ord = col
                .term_ords(doc)
                .next()
                .expect("every document has a value");
            let mut s = String::new();
            col.ord_to_str(ord, &mut s).expect("the term can be read");
            s
        };
        for doc in segment.doc_ids_alive() {
            let path = text(&paths, doc);
            let hash = text(&hashes, doc);
            if let Some(previous) = out.insert(path.clone(), hash) {
                panic!("{path} is indexed twice (one copy with hash {previous})");
            }
        }
    }
    out
}

/// Asserts two path -> hash maps are equal, naming a few differences rather than printing
/// thousands of entries.
pub fn assert_same_files(
    actual: &BTreeMap<String, String>,
    expected: &BTreeMap<String, String>,
    what: &str,
) {
    if actual == expected {
        return;
    }
    let differing: Vec<&String> = actual
        .keys()
        .chain(expected.keys())
        .filter(|p| actual.get(*p) != expected.get(*p))
        .take(5)
        .collect();
    panic!(
        "{what}: {} files indexed, {} expected; first differences: {differing:?}",
        actual.len(),
        expected.len()
    );
}

/// The text of an article with every property an article needs, an H1 equal to the title and
/// `body` after it.
pub fn article_source(title: &str, article_id: &str, body: &str) -> String {
    format!(
        "<properties\n\tpageTitle=\"{title}\"\n\tdescription=\"Written by the index tests.\"\n\
         \tservice=\"microsoft.testing\"\n\tresource=\"things\"\n\tarticleId=\"{article_id}\"\n\
         \tselfHelpType=\"generic\"\n\tcloudEnvironments=\"public\"\n/>\n# {title}\n\n{body}\n"
    )
}

/// Writes `text` at `root/rel`, creating folders on the way.
pub fn write_file(root: &Path, rel: &str, text: &str) {
    let file = root.join(rel);
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).expect("the folder can be created");
    }
    std::fs::write(&file, text).expect("the article can be written");
}

/// Copies `from/rel` to `to/rel` byte for byte, creating folders on the way.
pub fn copy_file(from: &Path, to: &Path, rel: &str) {
    let target = to.join(rel);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).expect("the folder can be created");
    }
    std::fs::copy(from.join(rel), &target).expect("the file can be copied");
}

/// A word that the synthetic articles of one generation carry and no other text does: a
/// digit keeps it apart from the generated words, four characters keep typo matching off.
pub fn marker(generation: usize) -> String {
    assert!(generation < 10, "markers have one digit");
    format!("zq{generation}x")
}

/// xorshift64*: a small deterministic generator, so that a corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 33) as usize % n
    }

    fn word(&mut self) -> String {
        const SYLLABLES: [&str; 24] = [
            "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "qu", "ri", "don", "mar",
            "bel", "tor", "vin", "gal", "pek", "sul", "fra", "gom", "hel", "jur",
        ];
        let n = 2 + self.below(3);
        (0..n)
            .map(|_| SYLLABLES[self.below(SYLLABLES.len())])
            .collect()
    }

    fn words(&mut self, n: usize) -> String {
        (0..n).map(|_| self.word()).collect::<Vec<_>>().join(" ")
    }
}

/// Writes (or overwrites) `count` synthetic articles under `root`, all of one `generation`:
/// each generation has other words throughout and its own [`marker`] in every body.
pub fn write_synthetic(root: &Path, count: usize, generation: usize) {
    for i in 0..count {
        let mut rng = Rng::new((i as u64) << 8 | generation as u64);
        let title = format!("Synthetic article {i} {}", rng.words(2));
        let body = format!(
            "{} {}\n\n## {}\n\n{}\n\n{}\n",
            marker(generation),
            rng.words(45),
            rng.words(3),
            rng.words(45),
            rng.words(45),
        );
        let text = format!(
            "<properties\n\tpageTitle=\"{title}\"\n\tdescription=\"{}\"\n\
             \tservice=\"microsoft.synthetic{}\"\n\tresource=\"things\"\n\
             \tarticleId=\"synthetic-{i}\"\n\tselfHelpType=\"generic\"\n\
             \tsupportTopicIds=\"{}\"\n/>\n# {title}\n\n{body}",
            rng.words(8),
            i % 8,
            50_000_000 + i,
        );
        write_file(
            root,
            &format!("group-{:02}/article-{i:04}.md", i % 16),
            &text,
        );
    }
}
