//! `kb show`: one article from the index, as its Markdown or as reply text.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;

use crate::cli::ShowArgs;
use crate::index::KbIndex;
use crate::render::reply::Reply;
use crate::search::lookup;

pub fn run(args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let index = KbIndex::open(&args.index)?;
    let Some(stored) = lookup::article(&index, &args.path)? else {
        bail!(
            "no article at `{}` in {}; give the path as `kb search` shows it, with `.md`",
            args.path,
            args.index.display()
        );
    };
    let text = if args.reply {
        let article = stored.parse();
        let values: BTreeMap<String, String> = args.tokens.iter().cloned().collect();
        // A name the article has no token for fills nothing: say so rather than print the
        // default as if it had been filled.
        for name in values.keys() {
            if !article
                .tokens
                .iter()
                .any(|t| t.name.eq_ignore_ascii_case(name))
            {
                let known: Vec<&str> = article.tokens.iter().map(|t| t.name.as_str()).collect();
                eprintln!(
                    "kb: warning: `{}` has no token `{name}`; its tokens are: {}",
                    args.path,
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                );
            }
        }
        Reply::new(&article, &values).text(
            args.section.as_deref(),
            args.format,
            args.public_base.as_ref(),
        )?
    } else {
        stored.source
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
