//! Article <-> tantivy document: the one place that knows how an article is laid out in the
//! index.

use serde::{Deserialize, Serialize};
use tantivy::TantivyDocument;
use tantivy::schema::{Facet as TantivyFacet, Value};

use super::facet::{Facet, age_path};
use super::schema::{Fields, title_key};
use crate::article::{Article, Properties};

/// The properties of an article as stored in the index: enough for a result list and an
/// article page's properties panel without re-parsing. Read the properties through
/// [`Deref`](std::ops::Deref) (`meta.service`), as an [`Article`]'s.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredMeta {
    pub path: String,
    pub title: String,
    pub properties: Properties,
    /// Problems found when the article was indexed (code names), for the health page.
    pub warnings: usize,
}

impl StoredMeta {
    pub fn of(a: &Article) -> StoredMeta {
        StoredMeta {
            path: a.path.clone(),
            title: a.title.clone(),
            properties: a.properties.clone(),
            warnings: a.problems.len(),
        }
    }
}

impl std::ops::Deref for StoredMeta {
    type Target = Properties;

    fn deref(&self) -> &Properties {
        &self.properties
    }
}

/// Builds the document for an article whose file hashed to `hash` (with its last change,
/// as [`stamp`] makes it) and that last changed at `updated` (unix seconds), when known.
pub fn to_document(f: &Fields, a: &Article, hash: &str, updated: Option<i64>) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    doc.add_text(f.path, &a.path);
    doc.add_text(f.hash, hash);
    if !a.article_id.is_empty() {
        doc.add_text(f.article_id, &a.article_id);
    }
    for t in &a.support_topic_ids {
        doc.add_text(f.topic, t);
    }
    for p in &a.product_pes_ids {
        doc.add_text(f.pes, p);
    }
    doc.add_text(f.title, &a.title);
    doc.add_text(f.title_exact, title_key(&a.title));
    doc.add_text(f.title_sort, a.title.to_lowercase());
    doc.add_text(f.title_verbatim, &a.title);
    doc.add_text(f.title_words, &a.title);
    doc.add_text(f.description, &a.description);
    let headings: Vec<&str> = a.headings.iter().map(|h| h.text.as_str()).collect();
    doc.add_text(f.headings, headings.join("\n"));
    for h in &headings {
        let key = title_key(h);
        if !key.is_empty() {
            doc.add_text(f.heading_exact, key);
        }
    }
    let description = title_key(&a.description);
    if !description.is_empty() {
        doc.add_text(f.description_exact, description);
    }
    let codes = hidden_codes(&a.source, &a.text);
    if !codes.is_empty() {
        doc.add_text(f.codes, codes.join(" "));
    }
    for d in crate::article::acronyms::definitions(&a.text) {
        doc.add_text(f.defines, definition_term(&d.short, &d.long));
    }
    doc.add_text(f.body, &a.text);
    // Serializing a list of plain structs cannot fail.
    doc.add_bytes(
        f.outline,
        &serde_json::to_vec(&a.headings).unwrap_or_default(),
    );
    for facet in Facet::ALL {
        for steps in facet.paths(a) {
            doc.add_facet(f.facets[facet], TantivyFacet::from_path(steps));
        }
    }
    if let Some(order) = a.display_order {
        doc.add_i64(f.display_order, order);
    }
    if let Some(secs) = updated {
        doc.add_i64(f.updated, secs);
        doc.add_facet(
            f.facets[Facet::Age],
            TantivyFacet::from_path(age_path(secs)),
        );
    }
    // Serializing a struct of strings cannot fail.
    let meta = serde_json::to_vec(&StoredMeta::of(a)).unwrap_or_default();
    doc.add_bytes(f.meta, &meta);
    doc.add_text(f.source, &a.source);
    doc
}

/// What the index keeps in its `hash` column for a file: the blake3 of its bytes, and its
/// last change when known. A file whose date changes while its bytes do not (its commit
/// arrives after the edit, or git's date replaces the file's time) is then added again.
pub fn stamp(hash: &str, updated: Option<i64>) -> String {
    match updated {
        Some(secs) => format!("{hash} {secs}"),
        None => hash.to_owned(),
    }
}

/// Separates the short and the long form in a term of [`Fields::defines`].
pub const DEFINITION_SEPARATOR: char = '\u{1f}';

/// The term of [`Fields::defines`] for a definition: both forms lower-cased, white space
/// collapsed.
pub fn definition_term(short: &str, long: &str) -> String {
    let norm = |s: &str| crate::article::body::collapse_ws(&s.to_lowercase());
    format!("{}{DEFINITION_SEPARATOR}{}", norm(short), norm(long))
}

/// Code-like words of the raw file that its plain text lacks, because they stand in a link
/// target, an attribute, a property or a metadata block. Each once, in order.
fn hidden_codes<'a>(raw: &'a str, text: &str) -> Vec<&'a str> {
    let runs = |s: &'a str| {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|r| !r.is_empty())
    };
    let shown: std::collections::HashSet<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|r| !r.is_empty())
        .collect();
    let mut seen = std::collections::HashSet::new();
    runs(raw)
        .filter(|r| looks_like_code(r) && !shown.contains(r) && seen.insert(*r))
        .collect()
}

/// A word that names something (an identifier, or letters mixed with digits or with capitals
/// inside, as `AzCopyV10recommendation`): worth finding where the article's text does not show
/// it.
fn looks_like_code(run: &str) -> bool {
    let mut chars = run.chars();
    let inner_capital = chars.next().is_some() && chars.any(char::is_uppercase);
    let mixed = run.chars().any(|c| c.is_ascii_digit()) && run.chars().any(char::is_alphabetic);
    run.len() >= 3 && (super::tokenize::is_identifier(run) || inner_capital || mixed)
}

/// The stored outline of a document: its headings, anchors and section offsets.
pub fn outline_of(f: &Fields, doc: &TantivyDocument) -> Vec<crate::article::Heading> {
    json_of(doc, f.outline)
}

/// A stored JSON field, read as `T`; `T`'s default when it is missing or does not parse.
fn json_of<T: serde::de::DeserializeOwned + Default>(
    doc: &TantivyDocument,
    field: tantivy::schema::Field,
) -> T {
    doc.get_first(field)
        .and_then(|v| v.as_bytes())
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or_default()
}

/// Reads the stored properties of a document.
pub fn meta_of(f: &Fields, doc: &TantivyDocument) -> StoredMeta {
    json_of(doc, f.meta)
}

/// What a result list shows of an article, read from the same stored properties as
/// [`StoredMeta`] (the same field names, by the same derive) but skipping the rest: a page
/// of hits parses ten of these, and authors, tags, extra keys and the info bubble are no
/// part of a hit.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct HitMeta {
    pub path: String,
    pub title: String,
    pub properties: HitProperties,
}

/// The properties of a [`HitMeta`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct HitProperties {
    pub description: String,
    pub service: String,
    pub resource: String,
    pub article_id: String,
    pub self_help_type: String,
    pub support_topic_ids: Vec<String>,
}

/// Reads the stored properties of a hit (see [`HitMeta`]).
pub fn hit_meta_of(f: &Fields, doc: &TantivyDocument) -> HitMeta {
    json_of(doc, f.meta)
}

/// Reads a stored text field.
pub fn text_of(doc: &TantivyDocument, field: tantivy::schema::Field) -> &str {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every property the parser reads comes back from the document the index stores:
    /// a property added to `Properties` is set by this article or the count fails.
    #[test]
    fn the_stored_meta_keeps_every_property() {
        let text = "<properties pageTitle=\"P\" description=\"D\" service=\"S\" \
                    resource=\"R\" articleId=\"A\" selfHelpType=\"rca\" \
                    diagnosticScenario=\"Sc\" supportTopicIds=\"1, 2\" productPesIds=\"3\" \
                    resourceTags=\"t\" cloudEnvironments=\"public\" authors=\"au\" \
                    ms.author=\"ma\" ownershipId=\"o\" displayOrder=\"4\" \
                    infoBubbleText=\"i\" custom=\"c\" />\n# T\n";
        let a = Article::parse("s/a.md", text.as_bytes());
        let props = serde_json::to_value(&a.properties).expect("json");
        let props = props.as_object().expect("an object");
        for (key, value) in props {
            assert!(!value.is_null(), "{key} is not set by the test article");
        }
        assert_eq!(props.len(), 17);
        assert_eq!(
            a.properties.entries().count(),
            16,
            "every known key has a value"
        );
        let (_, fields) = Fields::build();
        let doc = to_document(&fields, &a, "hash", Some(1_700_000_000));
        let stored = meta_of(&fields, &doc);
        assert_eq!(stored, StoredMeta::of(&a));
        assert_eq!(stored.properties, a.properties);
        assert_eq!(
            (stored.path.as_str(), stored.title.as_str()),
            ("s/a.md", "P")
        );
        let p = &a.properties;
        assert_eq!(
            hit_meta_of(&fields, &doc),
            HitMeta {
                path: "s/a.md".into(),
                title: "P".into(),
                properties: HitProperties {
                    description: p.description.clone(),
                    service: p.service.clone(),
                    resource: p.resource.clone(),
                    article_id: p.article_id.clone(),
                    self_help_type: p.self_help_type.clone(),
                    support_topic_ids: p.support_topic_ids.clone(),
                },
            },
            "a hit reads the same values as the full record"
        );
        assert!(!p.self_help_type.is_empty() && !p.support_topic_ids.is_empty());
    }
}
