//! `planbook diff BASE [HEAD]`: what a change does to the plans, for reviewers.

use crate::Outcome;
use crate::cli::{DiffArgs, DiffFormat};
use crate::cmd::{self, Context};
use crate::error::Error;
use crate::review;

pub fn run(ctx: &Context, args: &DiffArgs) -> Result<Outcome, Error> {
    let repo = ctx.repo()?;
    let review = review::review(&repo, &args.base, args.head.as_deref())?;
    match args.format {
        DiffFormat::Markdown => cmd::print(&review::markdown(&review))?,
        DiffFormat::Json => cmd::print_json(&review)?,
    }
    Ok(Outcome::Success)
}
