//! The web layer's names for what a search can ask that the search core does not name
//! itself: each order's label (its name is [`Sort::as_str`]; a facet's names and label are
//! [`Facet`](crate::search::Facet)'s).

use crate::search::Sort;

/// How the sort menu names an order ([`Sort::ALL`] gives the menu's order, and
/// [`Sort::as_str`] each value).
pub fn sort_label(sort: Sort) -> &'static str {
    match sort {
        Sort::Auto => "Best match",
        Sort::Relevance => "Relevance",
        Sort::Order => "Display order",
        Sort::Title => "Title",
        Sort::Updated => "Last changed",
    }
}
