//! Logging setup: `tracing` to standard error, filtered by `RUST_LOG` (default `info`), so
//! standard output stays clean for machine-readable results.

/// Installs the global subscriber; a second call does nothing.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
