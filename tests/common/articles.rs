//! Articles a test writes: one from a title and a body, copies of folders, and a synthetic
//! corpus big enough that building its index takes a noticeable time.

use std::path::Path;

use super::rng::Rng;

/// The text of an article with every property an article needs, an H1 equal to the title and
/// `body` after it.
pub fn article_source(title: &str, article_id: &str, body: &str) -> String {
    format!(
        "<properties\n\tpageTitle=\"{title}\"\n\tdescription=\"Written by the tests.\"\n\
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

/// Copies a folder tree (files and folders; links are not expected).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("the target folder can be created");
    for entry in std::fs::read_dir(from).expect("the folder can be listed") {
        let entry = entry.expect("the entry can be read");
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("the entry has a type");
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).expect("the file can be copied");
        }
    }
}

/// A word that the synthetic articles of one generation carry and no other text does: a
/// digit keeps it apart from the generated words, four characters keep typo matching off.
pub fn marker(generation: usize) -> String {
    assert!(generation < 10, "markers have one digit");
    format!("zq{generation}x")
}

fn word(rng: &mut Rng) -> String {
    const SYLLABLES: [&str; 24] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "qu", "ri", "don", "mar",
        "bel", "tor", "vin", "gal", "pek", "sul", "fra", "gom", "hel", "jur",
    ];
    let n = 2 + rng.below(3);
    (0..n).map(|_| *rng.pick(&SYLLABLES)).collect()
}

fn words(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| word(rng)).collect::<Vec<_>>().join(" ")
}

/// Writes (or overwrites) `count` synthetic articles under `root`, all of one `generation`:
/// each generation has other words throughout and its own [`marker`] in every body.
pub fn write_synthetic(root: &Path, count: usize, generation: usize) {
    for i in 0..count {
        let mut rng = Rng::new((i as u64) << 8 | generation as u64);
        let title = format!("Synthetic article {i} {}", words(&mut rng, 2));
        let body = format!(
            "{} {}\n\n## {}\n\n{}\n\n{}\n",
            marker(generation),
            words(&mut rng, 45),
            words(&mut rng, 3),
            words(&mut rng, 45),
            words(&mut rng, 45),
        );
        let text = format!(
            "<properties\n\tpageTitle=\"{title}\"\n\tdescription=\"{}\"\n\
             \tservice=\"microsoft.synthetic{}\"\n\tresource=\"things\"\n\
             \tarticleId=\"synthetic-{i}\"\n\tselfHelpType=\"generic\"\n\
             \tsupportTopicIds=\"{}\"\n/>\n# {title}\n\n{body}",
            words(&mut rng, 8),
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
