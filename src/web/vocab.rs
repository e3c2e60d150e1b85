//! The web layer's names for what a search can ask: each facet's query parameter and label
//! and where its filter and its counts are in the search core's types, and each order's
//! label (its name is [`Sort::as_str`]). The query reader, the page URLs, the search page and the OpenAPI document
//! all read them here.

use crate::search::{FacetCount, Facets, SearchRequest, Sort};

/// A facet a search filters and counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    Service,
    Resource,
    Tag,
    Type,
    Cloud,
    Scenario,
}

impl Facet {
    /// Every facet, in the order a page URL lists their filters.
    pub const ALL: [Facet; 6] = [
        Facet::Service,
        Facet::Resource,
        Facet::Tag,
        Facet::Type,
        Facet::Cloud,
        Facet::Scenario,
    ];

    /// Its query parameter (`/search?service=...`) and `field:value` name.
    pub fn param(self) -> &'static str {
        match self {
            Facet::Service => "service",
            Facet::Resource => "resource",
            Facet::Tag => "tag",
            Facet::Type => "type",
            Facet::Cloud => "cloud",
            Facet::Scenario => "scenario",
        }
    }

    /// How a page names it.
    pub fn label(self) -> &'static str {
        match self {
            Facet::Service => "Service",
            Facet::Resource => "Resource",
            Facet::Tag => "Resource tag",
            Facet::Type => "Article type",
            Facet::Cloud => "Cloud",
            Facet::Scenario => "Diagnostic scenario",
        }
    }

    /// The facet of a query parameter.
    pub fn of_param(param: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.param() == param)
    }

    /// The values a request filters it by.
    pub fn filter(self, req: &SearchRequest) -> &Vec<String> {
        match self {
            Facet::Service => &req.service,
            Facet::Resource => &req.resource,
            Facet::Tag => &req.tag,
            Facet::Type => &req.r#type,
            Facet::Cloud => &req.cloud,
            Facet::Scenario => &req.scenario,
        }
    }

    /// [`Facet::filter`], to fill in.
    pub fn filter_mut(self, req: &mut SearchRequest) -> &mut Vec<String> {
        match self {
            Facet::Service => &mut req.service,
            Facet::Resource => &mut req.resource,
            Facet::Tag => &mut req.tag,
            Facet::Type => &mut req.r#type,
            Facet::Cloud => &mut req.cloud,
            Facet::Scenario => &mut req.scenario,
        }
    }

    /// Its counts in a response.
    pub fn counts(self, facets: &Facets) -> &[FacetCount] {
        match self {
            Facet::Service => &facets.service,
            Facet::Resource => &facets.resource,
            Facet::Tag => &facets.tag,
            Facet::Type => &facets.r#type,
            Facet::Cloud => &facets.cloud,
            Facet::Scenario => &facets.scenario,
        }
    }
}

/// How the sort menu names an order ([`Sort::ALL`] gives the menu's order, and
/// [`Sort::as_str`] each value).
pub fn sort_label(sort: Sort) -> &'static str {
    match sort {
        Sort::Auto => "Best match",
        Sort::Relevance => "Relevance",
        Sort::Order => "Display order",
        Sort::Title => "Title",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_go_both_ways() {
        for f in Facet::ALL {
            assert_eq!(Facet::of_param(f.param()), Some(f));
        }
    }
}
