//! `planbook schema`: print the JSON Schema of plan front matter.

use crate::error::Error;
use crate::plan::schema::BUILTIN;
use crate::{ExitStatus, cmd};

pub(crate) fn run() -> Result<ExitStatus, Error> {
    cmd::print(BUILTIN)?;
    Ok(ExitStatus::Success)
}
