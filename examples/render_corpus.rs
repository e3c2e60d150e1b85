//! Renders every article of a folder as its page does (`render::article_html`, no token
//! values) and prints one line per article: its path, then the BLAKE3 hash of the HTML. Run
//! it at two revisions and compare the lists to see which articles a change renders
//! differently; `--html PATH...` prints the HTML of those articles instead.
//!
//! ```sh
//! cargo run --release --example render_corpus -- ../shared/corpus/articles > after.tsv
//! git stash; cargo run --release --example render_corpus -- ../shared/corpus/articles > before.tsv
//! diff before.tsv after.tsv
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use selfhelp_kb::render::article_html;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(
        args.next()
            .context("usage: render_corpus DIR [--html PATH...]")?,
    );
    let wanted: Vec<String> = match args.next().as_deref() {
        Some("--html") => args.collect(),
        Some(other) => anyhow::bail!("unknown argument {other}"),
        None => Vec::new(),
    };
    let corpus =
        selfhelp_kb::corpus::load(&root).with_context(|| format!("reading {}", root.display()))?;
    let values = BTreeMap::new();
    for article in &corpus.articles {
        if wanted.is_empty() {
            let html = article_html(article, &values);
            println!("{}\t{}", article.path, blake3::hash(html.as_bytes()));
        } else if wanted.contains(&article.path) {
            println!("==> {}\n{}", article.path, article_html(article, &values));
        }
    }
    Ok(())
}
