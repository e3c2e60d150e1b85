//! One module per `kb` subcommand: each turns its arguments into calls to the library and
//! writes the output.

pub mod check;
pub mod eval;
pub mod export;
pub mod index;
mod progress;
pub mod search;
pub mod serve;
