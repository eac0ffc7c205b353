//! `planbook schema`: print the JSON Schema of plan front matter.

use crate::error::Error;
use crate::plan::schema::BUILTIN;
use crate::{Outcome, cmd};

pub fn run() -> Result<Outcome, Error> {
    cmd::print(BUILTIN)?;
    Ok(Outcome::Success)
}
