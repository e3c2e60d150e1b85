//! Progress bars for long work, drawn only for a person watching a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar on standard error when it is a terminal and output is not quiet; else a hidden one.
pub fn bar(quiet: bool, what: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    let style = ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} ({per_sec}, {eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(what.to_owned());
    bar
}

/// The index reports its progress to a bar.
impl crate::index::Progress for ProgressBar {
    fn start(&self, files: u64) {
        self.set_length(files);
    }

    fn advance(&self, files: u64) {
        self.inc(files);
    }
}
