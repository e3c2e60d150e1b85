//! The `kb` binary: parse the command line, run it, report an error chain once.

use std::process::ExitCode;

use clap::Parser;

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
