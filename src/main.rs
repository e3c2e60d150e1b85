//! The `kb` binary: parse the command line, run it, report an error chain once.

use std::process::ExitCode;

use clap::Parser;

// Search allocates many small, short-lived buffers per query; mimalloc serves them faster
// than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = selfhelp_kb::cli::Cli::parse();
    selfhelp_kb::logging::init();
    match selfhelp_kb::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("kb: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
