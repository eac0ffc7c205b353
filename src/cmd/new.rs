pub fn run(
    _: &crate::cmd::Context,
    _: &crate::cli::NewArgs,
) -> Result<crate::Outcome, crate::error::Error> {
    todo!()
}
