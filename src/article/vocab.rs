//! The vocabulary of the properties block: the known keys ([`Key`]), the typed values they
//! fill ([`Properties`], the one list of an article's properties that the parser, the index's
//! stored meta, the API and the article page's panel share), and the canonical spellings of
//! selfHelpType and cloud values. The corpus writes keys in several cases (`articleid`,
//! `ArticleId`) and values in many (`RCA`, `MoonCake`); everything downstream sees one form.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The properties the article model types. Anything else lands in `extra`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    PageTitle,
    Description,
    Service,
    Resource,
    Authors,
    MsAuthor,
    DisplayOrder,
    ArticleId,
    DiagnosticScenario,
    SelfHelpType,
    SupportTopicIds,
    ResourceTags,
    ProductPesIds,
    CloudEnvironments,
    OwnershipId,
    InfoBubbleText,
}

impl Key {
    /// Every key, in the order readers list them.
    pub const ALL: [Key; 16] = [
        Key::PageTitle,
        Key::Description,
        Key::Service,
        Key::Resource,
        Key::Authors,
        Key::MsAuthor,
        Key::DisplayOrder,
        Key::ArticleId,
        Key::DiagnosticScenario,
        Key::SelfHelpType,
        Key::SupportTopicIds,
        Key::ResourceTags,
        Key::ProductPesIds,
        Key::CloudEnvironments,
        Key::OwnershipId,
        Key::InfoBubbleText,
    ];

    /// The spelling the format documents.
    pub fn name(self) -> &'static str {
        match self {
            Key::PageTitle => "pageTitle",
            Key::Description => "description",
            Key::Service => "service",
            Key::Resource => "resource",
            Key::Authors => "authors",
            Key::MsAuthor => "ms.author",
            Key::DisplayOrder => "displayOrder",
            Key::ArticleId => "articleId",
            Key::DiagnosticScenario => "diagnosticScenario",
            Key::SelfHelpType => "selfHelpType",
            Key::SupportTopicIds => "supportTopicIds",
            Key::ResourceTags => "resourceTags",
            Key::ProductPesIds => "productPesIds",
            Key::CloudEnvironments => "cloudEnvironments",
            Key::OwnershipId => "ownershipId",
            Key::InfoBubbleText => "infoBubbleText",
        }
    }

    /// Matches a key as written, in any case.
    pub fn from_name(name: &str) -> Option<Key> {
        Key::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    /// A known key one edit away from `name` (`supportToicIds`), for a hint. Short keys are
    /// left alone: one edit turns most short words into other words.
    pub fn near_miss(name: &str) -> Option<Key> {
        let lower = name.to_ascii_lowercase();
        if lower.len() < 8 {
            return None;
        }
        Key::ALL
            .into_iter()
            .find(|k| edit_distance_at_most_one(&lower, &k.name().to_ascii_lowercase()))
    }
}

/// The typed properties of an article, as the parser reads them from its block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Properties {
    pub page_title: String,
    pub description: String,
    /// Lower-cased: resource-provider names are case-insensitive.
    pub service: String,
    /// Lower-cased, like `service`.
    pub resource: String,
    pub article_id: String,
    /// One canonical lower-case spelling per value (`rca`, `problemscopingquestions`, ...).
    pub self_help_type: String,
    pub diagnostic_scenario: String,
    pub support_topic_ids: Vec<String>,
    pub product_pes_ids: Vec<String>,
    /// Lower-cased.
    pub resource_tags: Vec<String>,
    /// Canonical names: `public`, `fairfax`, `mooncake`, `blackforest`, `usnat`, `ussec`.
    pub cloud_environments: Vec<String>,
    pub authors: Vec<String>,
    pub ms_author: String,
    pub ownership_id: String,
    pub display_order: Option<i64>,
    pub info_bubble_text: String,
    /// Properties with keys outside the known set, keyed as written.
    pub extra: BTreeMap<String, String>,
}

/// The value of one known property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    Text(&'a str),
    List(&'a [String]),
    Number(Option<i64>),
}

impl Value<'_> {
    /// No text, no item, no number.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Text(s) => s.is_empty(),
            Value::List(l) => l.is_empty(),
            Value::Number(n) => n.is_none(),
        }
    }
}

impl Properties {
    /// The value of a known property.
    pub fn get(&self, key: Key) -> Value<'_> {
        match key {
            Key::PageTitle => Value::Text(&self.page_title),
            Key::Description => Value::Text(&self.description),
            Key::Service => Value::Text(&self.service),
            Key::Resource => Value::Text(&self.resource),
            Key::Authors => Value::List(&self.authors),
            Key::MsAuthor => Value::Text(&self.ms_author),
            Key::DisplayOrder => Value::Number(self.display_order),
            Key::ArticleId => Value::Text(&self.article_id),
            Key::DiagnosticScenario => Value::Text(&self.diagnostic_scenario),
            Key::SelfHelpType => Value::Text(&self.self_help_type),
            Key::SupportTopicIds => Value::List(&self.support_topic_ids),
            Key::ResourceTags => Value::List(&self.resource_tags),
            Key::ProductPesIds => Value::List(&self.product_pes_ids),
            Key::CloudEnvironments => Value::List(&self.cloud_environments),
            Key::OwnershipId => Value::Text(&self.ownership_id),
            Key::InfoBubbleText => Value::Text(&self.info_bubble_text),
        }
    }

    /// Every known property that has a value, in [`Key::ALL`]'s order.
    pub fn entries(&self) -> impl Iterator<Item = (Key, Value<'_>)> {
        Key::ALL
            .into_iter()
            .map(|k| (k, self.get(k)))
            .filter(|(_, v)| !v.is_empty())
    }
}

fn edit_distance_at_most_one(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        // One substitution, or one transposition of neighbours.
        short[prefix + 1..] == long[prefix + 1..]
            || (prefix + 1 < short.len()
                && short[prefix] == long[prefix + 1]
                && short[prefix + 1] == long[prefix]
                && short[prefix + 2..] == long[prefix + 2..])
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}

/// The selfHelpType values the portal knows, in their canonical lower-case spelling.
pub const SELF_HELP_TYPES: &[&str] = &[
    "generic",
    "problemscopingquestions",
    "tsg_content",
    "diagnostics",
    "resource",
    "rca",
    "supporttopicdescription",
    "advisorrecommendationmetadata",
    "servicehealthinsights",
    "tsg_description",
    "tsg_questions",
    "apollo",
    "diagnoseandsolve",
    "partnercenterquickstart",
];

/// The canonical spelling of a selfHelpType value: trimmed and lower-cased.
pub fn canonical_self_help_type(value: &str) -> String {
    value.trim().to_lowercase()
}

/// The cloud environments, canonically spelled.
pub const CLOUDS: &[&str] = &[
    "public",
    "fairfax",
    "mooncake",
    "blackforest",
    "usnat",
    "ussec",
];

/// The canonical spelling of a cloud environment (`MoonCake` -> `mooncake`).
pub fn canonical_cloud(value: &str) -> String {
    value.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_in_any_case() {
        assert_eq!(Key::from_name("articleid"), Some(Key::ArticleId));
        assert_eq!(
            Key::from_name("supportTopicIDs"),
            Some(Key::SupportTopicIds)
        );
        assert_eq!(Key::from_name("MS.AUTHOR"), Some(Key::MsAuthor));
        assert_eq!(Key::from_name("articleTags"), None);
    }

    #[test]
    fn near_misses_are_one_edit_away() {
        assert_eq!(Key::near_miss("supportToicIds"), Some(Key::SupportTopicIds));
        assert_eq!(Key::near_miss("pageTilte"), Some(Key::PageTitle));
        assert_eq!(Key::near_miss("articleTags"), None);
        assert_eq!(Key::near_miss("disableClouds"), None);
        assert_eq!(Key::near_miss("URL"), None);
    }
}
