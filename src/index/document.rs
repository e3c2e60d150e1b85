//! Article <-> tantivy document: the one place that knows how an article is laid out in the
//! index.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tantivy::TantivyDocument;
use tantivy::schema::{Facet, Value};

use super::schema::{Fields, title_key};
use crate::article::Article;

/// The properties of an article as stored in the index: enough for a result list and an
/// article page's properties panel without re-parsing.
///
/// Its fields are those of [`Properties`](crate::article::Properties), under the same
/// names (a test holds them to it), written out because the search core moves them into its
/// hits one by one; it holds a `Properties` itself with the search core's next change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredMeta {
    pub path: String,
    pub article_id: String,
    pub title: String,
    pub page_title: String,
    pub description: String,
    pub service: String,
    pub resource: String,
    pub self_help_type: String,
    pub diagnostic_scenario: String,
    pub support_topic_ids: Vec<String>,
    pub product_pes_ids: Vec<String>,
    pub resource_tags: Vec<String>,
    pub cloud_environments: Vec<String>,
    pub authors: Vec<String>,
    pub ms_author: String,
    pub ownership_id: String,
    pub display_order: Option<i64>,
    pub info_bubble_text: String,
    pub extra: BTreeMap<String, String>,
    /// Problems found when the article was indexed (code names), for the health page.
    pub warnings: usize,
}

impl StoredMeta {
    pub fn of(a: &Article) -> StoredMeta {
        let p = a.properties.clone();
        StoredMeta {
            path: a.path.clone(),
            title: a.title.clone(),
            page_title: p.page_title,
            description: p.description,
            service: p.service,
            resource: p.resource,
            article_id: p.article_id,
            self_help_type: p.self_help_type,
            diagnostic_scenario: p.diagnostic_scenario,
            support_topic_ids: p.support_topic_ids,
            product_pes_ids: p.product_pes_ids,
            resource_tags: p.resource_tags,
            cloud_environments: p.cloud_environments,
            authors: p.authors,
            ms_author: p.ms_author,
            ownership_id: p.ownership_id,
            display_order: p.display_order,
            info_bubble_text: p.info_bubble_text,
            extra: p.extra,
            warnings: a.problems.len(),
        }
    }
}

/// The facet of the resource: `/service/resource`, with `-` standing for a missing service.
pub fn resource_facet(service: &str, resource: &str) -> Facet {
    let service = if service.is_empty() { "-" } else { service };
    Facet::from_path([service, resource])
}

/// Builds the document for an article whose file hashed to `hash`.
pub fn to_document(f: &Fields, a: &Article, hash: &str) -> TantivyDocument {
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
    if !a.service.is_empty() {
        doc.add_facet(f.service, Facet::from_path([a.service.as_str()]));
    }
    if !a.resource.is_empty() {
        doc.add_facet(f.resource, resource_facet(&a.service, &a.resource));
    }
    for tag in &a.resource_tags {
        doc.add_facet(f.tag, Facet::from_path([tag.as_str()]));
    }
    if !a.self_help_type.is_empty() {
        doc.add_facet(f.r#type, Facet::from_path([a.self_help_type.as_str()]));
    }
    for cloud in &a.cloud_environments {
        doc.add_facet(f.cloud, Facet::from_path([cloud.as_str()]));
    }
    if !a.diagnostic_scenario.is_empty() {
        let scenario = a.diagnostic_scenario.to_lowercase();
        doc.add_facet(f.scenario, Facet::from_path([scenario.as_str()]));
    }
    if let Some(order) = a.display_order {
        doc.add_i64(f.display_order, order);
    }
    // Serializing a struct of strings cannot fail.
    let meta = serde_json::to_vec(&StoredMeta::of(a)).unwrap_or_default();
    doc.add_bytes(f.meta, &meta);
    doc.add_text(f.source, &a.source);
    doc
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
    doc.get_first(f.outline)
        .and_then(|v| v.as_bytes())
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or_default()
}

/// Reads the stored properties of a document.
pub fn meta_of(f: &Fields, doc: &TantivyDocument) -> StoredMeta {
    doc.get_first(f.meta)
        .and_then(|v| v.as_bytes())
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or_default()
}

/// Reads a stored text field.
pub fn text_of(doc: &TantivyDocument, field: tantivy::schema::Field) -> &str {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every property the parser reads is stored, under its name and with its value: a
    /// property added to `Properties` and not here fails this test.
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
        let stored = serde_json::to_value(StoredMeta::of(&a)).expect("json");
        let props = props.as_object().expect("an object");
        for (key, value) in props {
            assert!(!value.is_null(), "{key} is not set by the test article");
            assert_eq!(stored.get(key), Some(value), "{key}");
        }
        assert_eq!(props.len(), 17);
    }
}
