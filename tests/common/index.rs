//! Building an index in-process, reading what it holds, and comparing it with the articles
//! on disk.

use std::collections::BTreeMap;
use std::path::Path;

use selfhelp_kb::index::{IndexOptions, IndexReport, Indexer, KbIndex, names};
use selfhelp_kb::search::{SearchRequest, SearchResponse, Searcher};

/// Brings `indexer` in line with `articles`, as `kb index` does but without a progress bar:
/// the one place the tests call [`Indexer::sync`].
pub fn sync(indexer: &mut Indexer, articles: &Path, full: bool) -> IndexReport {
    indexer
        .sync(
            articles,
            IndexOptions { full },
            &indicatif::ProgressBar::hidden(),
        )
        .unwrap_or_else(|e| panic!("indexing {}: {e}", articles.display()))
}

/// Builds or updates the index in `index` from `articles` in this process and releases it.
pub fn build_index(articles: &Path, index: &Path) -> IndexReport {
    let mut indexer = Indexer::open(index).expect("the index opens for writing");
    let report = sync(&mut indexer, articles, false);
    indexer.finish().expect("the writer finishes");
    report
}

/// A searcher over the index in `dir`, opened afresh so that it sees the last commit.
pub fn open_searcher(dir: &Path) -> Searcher {
    Searcher::new(KbIndex::open(dir).unwrap_or_else(|e| panic!("opening {}: {e}", dir.display())))
}

/// Runs a search that must succeed.
pub fn search(searcher: &Searcher, req: &SearchRequest) -> SearchResponse {
    searcher
        .search(req)
        .unwrap_or_else(|e| panic!("search {req:?} failed: {e}"))
}

/// A free-text search with the largest page, so that `hits` holds every result of a small
/// index (and the first 100 of a big one).
pub fn query(searcher: &Searcher, q: &str) -> SearchResponse {
    search(
        searcher,
        &SearchRequest {
            per_page: 100,
            ..SearchRequest::text(q)
        },
    )
}

/// How many articles browsing everything finds.
pub fn browse_total(searcher: &Searcher) -> usize {
    search(searcher, &SearchRequest::default()).total
}

/// The hits' paths, in order.
pub fn paths(resp: &SearchResponse) -> Vec<String> {
    resp.hits.iter().map(|h| h.path.clone()).collect()
}

/// Relative `/`-separated paths of the `.md` files (any case) under `root`, sorted, read with
/// `std::fs` alone (not the project's listing code); hidden entries are skipped, as the
/// indexer skips them, and links are not followed.
pub fn md_files(root: &Path) -> Vec<String> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.expect("the entry can be read");
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = format!("{prefix}{name}");
            let kind = entry.file_type().expect("the entry has a type");
            if kind.is_dir() {
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

/// Path -> content hash (blake3 of the file) of every live document of the index in `dir`,
/// read from its fast columns: exactly what decides whether two indexes hold the same articles. Fails when a
/// path is indexed twice (a crash must not leave duplicates either).
pub fn indexed_files(dir: &Path) -> BTreeMap<String, String> {
    let index = KbIndex::open(dir).unwrap_or_else(|e| panic!("opening {}: {e}", dir.display()));
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
            // The column keeps the content hash, then the last change after a space.
            let stamp = text(&hashes, doc);
            let hash = stamp.split(' ').next().unwrap_or_default().to_owned();
            if let Some(previous) = out.insert(path.clone(), hash) {
                panic!("{path} is indexed twice (one copy with hash {previous})");
            }
        }
    }
    out
}

/// Asserts two path -> hash maps are equal, naming the first differences rather than
/// printing thousands of entries.
pub fn assert_same_files(
    actual: &BTreeMap<String, String>,
    expected: &BTreeMap<String, String>,
    what: &str,
) {
    if actual == expected {
        return;
    }
    let short =
        |h: Option<&String>| h.map_or("missing".to_owned(), |h| h.chars().take(12).collect());
    let differing: Vec<String> = actual
        .keys()
        .chain(expected.keys())
        .filter(|p| actual.get(*p) != expected.get(*p))
        .take(8)
        .map(|p| {
            format!(
                "{p}: {} vs {}",
                short(actual.get(p)),
                short(expected.get(p))
            )
        })
        .collect();
    panic!(
        "{what}: {} files indexed, {} expected; first differences (actual vs expected): \
         {differing:#?}",
        actual.len(),
        expected.len()
    );
}

/// The commit an index folder is at, read from its `meta.json` alone: tantivy's opstamp and
/// the ids of the segments it names. Two builds of the same articles hold the same files but
/// never the same segments, so this tells whether a run committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub opstamp: u64,
    pub segments: Vec<String>,
}

/// The commit of the index in `dir` (`meta.json` must exist and parse).
pub fn commit_of(dir: &Path) -> Commit {
    let file = dir.join("meta.json");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    let meta: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
    let opstamp = meta["opstamp"]
        .as_u64()
        .unwrap_or_else(|| panic!("no opstamp in {}", file.display()));
    let mut segments: Vec<String> = meta["segments"]
        .as_array()
        .unwrap_or_else(|| panic!("no segments in {}", file.display()))
        .iter()
        .map(|s| {
            s["segment_id"]
                .as_str()
                .unwrap_or_else(|| panic!("a segment without an id in {}", file.display()))
                .to_owned()
        })
        .collect();
    segments.sort();
    Commit { opstamp, segments }
}

/// Bytes used by the files directly in `dir`.
pub fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}
