//! The vocabulary of the properties block: canonical key names and the canonical spellings of
//! selfHelpType and cloud values. The corpus writes keys in several cases (`articleid`,
//! `ArticleId`) and values in many (`RCA`, `MoonCake`); everything downstream sees one form.

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
    const ALL: [Key; 16] = [
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
