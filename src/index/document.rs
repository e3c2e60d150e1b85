//! Article <-> tantivy document: the one place that knows how an article is laid out in the
//! index.

use serde::{Deserialize, Serialize};
use tantivy::TantivyDocument;
use tantivy::schema::document::{DeserializeError, DocumentDeserialize, DocumentDeserializer};
use tantivy::schema::{Facet as TantivyFacet, Field, OwnedValue, Value};

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
    doc.add_text(
        f.outline,
        serde_json::to_string(&a.headings).unwrap_or_default(),
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
    let meta = serde_json::to_string(&StoredMeta::of(a)).unwrap_or_default();
    doc.add_text(f.meta, meta);
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
    fn codes(s: &str) -> impl Iterator<Item = &str> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|r| looks_like_code(r))
    }
    // Only code-like runs are looked up, so only those of the text are kept: hashing every
    // word of the body was a tenth of a full build.
    let shown: foldhash::HashSet<&str> = codes(text).collect();
    let mut seen = foldhash::HashSet::default();
    codes(raw)
        .filter(|r| !shown.contains(r) && seen.insert(*r))
        .collect()
}

/// A word that names something (an identifier, or letters mixed with digits or with capitals
/// inside, as `AzCopyV10recommendation`): worth finding where the article's text does not show
/// it.
fn looks_like_code(run: &str) -> bool {
    let mut chars = run.chars();
    let inner_capital = chars.next().is_some() && chars.any(char::is_uppercase);
    let mixed = run.chars().any(|c| c.is_ascii_digit()) && run.chars().any(char::is_alphabetic);
    // Every identifier is one of the two (see `could_have_parts`): its parts break at an
    // inner capital or where letters meet digits, and a hex literal mixes them too.
    run.len() >= 3 && (inner_capital || mixed)
}

/// The stored outline of a document: its headings, anchors and section offsets.
pub fn outline_of(f: &Fields, doc: &impl Stored) -> Vec<crate::article::Heading> {
    json_of(doc, f.outline)
}

/// Stored values read back by field: a whole [`TantivyDocument`], or a hit's
/// [`StoredValues`].
pub trait Stored {
    /// The first text value of `field`.
    fn first_text(&self, field: Field) -> Option<&str>;
}

impl Stored for TantivyDocument {
    fn first_text(&self, field: Field) -> Option<&str> {
        self.get_first(field).and_then(|v| v.as_str())
    }
}

/// A document's stored values as the store holds them, for a page of hits.
///
/// Reading a [`TantivyDocument`] copies every value once more into its compact layout, and a
/// hit's document holds several KB (its Markdown, body text and properties) of which a
/// result list shows a few lines.
#[derive(Debug, Default)]
pub struct StoredValues(Vec<(Field, OwnedValue)>);

impl DocumentDeserialize for StoredValues {
    fn deserialize<'de, D: DocumentDeserializer<'de>>(
        mut doc: D,
    ) -> Result<StoredValues, DeserializeError> {
        let mut values = Vec::with_capacity(doc.size_hint());
        while let Some(value) = doc.next_field::<OwnedValue>()? {
            values.push(value);
        }
        Ok(StoredValues(values))
    }
}

impl Stored for StoredValues {
    fn first_text(&self, field: Field) -> Option<&str> {
        self.0.iter().find_map(|(f, v)| match v {
            OwnedValue::Str(s) if *f == field => Some(s.as_str()),
            _ => None,
        })
    }
}

/// A stored JSON field, read as `T`; `T`'s default when it is missing or does not parse.
fn json_of<T: serde::de::DeserializeOwned + Default>(doc: &impl Stored, field: Field) -> T {
    doc.first_text(field)
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default()
}

/// Reads the stored properties of a document.
pub fn meta_of(f: &Fields, doc: &impl Stored) -> StoredMeta {
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
pub fn hit_meta_of(f: &Fields, doc: &impl Stored) -> HitMeta {
    json_of(doc, f.meta)
}

/// Reads a stored text field.
pub fn text_of(doc: &impl Stored, field: Field) -> &str {
    doc.first_text(field).unwrap_or("")
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

    /// A hit reads from the store exactly what the whole document holds: the same
    /// properties, outline and body, and nothing for a field it does not have.
    #[test]
    fn a_hits_stored_values_are_the_documents() {
        let text = "<properties pageTitle=\"Disk fails\" description=\"When &quot;it&quot; fails\" \
                    service=\"microsoft.compute\" resource=\"disks\" articleId=\"d1\" \
                    supportTopicIds=\"7\" />\n# Disk fails\n\nThe disk fails.\n\n\
                    ## Résumé & \"fix\"\n\nDetach it.\n";
        let a = Article::parse("s/disk.md", text.as_bytes());
        let (schema, fields) = Fields::build();
        let index = tantivy::Index::create_in_ram(schema);
        super::super::schema::register_analyzers(&index);
        let mut writer = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("a writer");
        writer
            .add_document(to_document(&fields, &a, "hash", None))
            .expect("add");
        writer.commit().expect("commit");
        let searcher = index.reader().expect("a reader").searcher();
        let address = tantivy::DocAddress::new(0, 0);
        let whole: TantivyDocument = searcher.doc(address).expect("the document");
        let hit: StoredValues = searcher.doc(address).expect("its values");

        assert_eq!(hit_meta_of(&fields, &hit), hit_meta_of(&fields, &whole));
        assert_eq!(
            hit_meta_of(&fields, &hit).properties.description,
            "When \"it\" fails"
        );
        let outline = outline_of(&fields, &hit);
        assert_eq!(outline, outline_of(&fields, &whole));
        assert_eq!(
            outline.iter().map(|h| h.text.as_str()).collect::<Vec<_>>(),
            ["Disk fails", "Résumé & \"fix\""]
        );
        assert_eq!(text_of(&hit, fields.body), a.text);
        assert_eq!(text_of(&hit, fields.source), text);
        assert_eq!(text_of(&hit, fields.hash), "", "a column only, not stored");
        assert_eq!(meta_of(&fields, &hit), StoredMeta::of(&a));
    }

    proptest::proptest! {
        /// Dropping the identifier test from `looks_like_code` dropped no code: every
        /// identifier of three bytes or more has an inner capital or mixes letters and digits.
        #[test]
        fn every_identifier_looks_like_code(run in "[a-zA-Z0-9xÉéß٣]{3,12}") {
            if crate::index::tokenize::is_identifier(&run) {
                proptest::prop_assert!(looks_like_code(&run));
            }
        }
    }
}
