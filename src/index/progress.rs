//! How a long index run tells its caller how far it is, without the index knowing what
//! shows it (a terminal bar, a log line, nothing).

/// Receives progress from [`super::Indexer::sync`]; called from its worker threads.
pub trait Progress: Sync {
    /// The run will read `files` files.
    fn start(&self, files: u64) {
        let _ = files;
    }

    /// `files` more files are done.
    fn advance(&self, files: u64) {
        let _ = files;
    }
}

/// No one is watching.
impl Progress for () {}
