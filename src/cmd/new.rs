//! `planbook new ID`: write a new plan from the template, with every section.

use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::ToSpan;

use crate::Outcome;
use crate::cli::NewArgs;
use crate::cmd::{self, Context};
use crate::error::Error;
use crate::repo::Repo;

/// The plan template; `{{name}}` placeholders are filled in.
use crate::plan::TEMPLATE;

pub fn run(ctx: &Context, args: &NewArgs) -> Result<Outcome, Error> {
    if !crate::plan::is_slug(&args.id) {
        return Err(Error::usage(
            format!("`{}` is not a valid plan id", args.id),
            Some("use lowercase letters, digits and hyphens, e.g. `dach-midmarket-2026h1`".into()),
        ));
    }
    let repo = ctx.repo()?;
    let owner = owner(&repo, args.owner.as_deref())?;
    // Without a plans folder yet there is nothing to clash with; it is created below.
    let existing = repo.plan_paths().unwrap_or_default();
    if let Some(taken) = existing
        .iter()
        .find(|p| p.file_stem().is_some_and(|s| s == args.id.as_str()))
    {
        return Err(Error::usage(
            format!(
                "a plan with id `{}` already exists: {}",
                args.id,
                taken.display()
            ),
            Some("choose another id, or edit the existing plan".into()),
        ));
    }
    let folder = match &args.region {
        Some(region) => repo.plans_dir().join(slugify(region)),
        None => repo.plans_dir(),
    };
    let path = folder.join(format!("{}.md", args.id));
    let title = args
        .title
        .clone()
        .unwrap_or_else(|| default_title(&args.id));
    let region = args
        .region
        .as_deref()
        .unwrap_or(crate::plan::TEMPLATE_REGION);
    let text = plan_text(&args.id, &title, &owner, region, cmd::as_of(None)?);
    write_new(&path, &text)?;
    if !ctx.quiet {
        let shown = path.strip_prefix(&repo.root).unwrap_or(&path);
        cmd::print(&format!(
            "Created {}\nNext: fill in the figures and each section, then run `planbook check {}`.\n",
            shown.display(),
            shown.display()
        ))?;
    }
    Ok(Outcome::Success)
}

/// A new draft plan from the template, starting on the first of the month after `today`.
pub fn plan_text(
    id: &str,
    title: &str,
    owner: &str,
    region: &str,
    today: jiff::civil::Date,
) -> String {
    let start = first_of_next_month(today);
    fill(&[
        ("id", id.to_string()),
        ("title", yaml_text(title)),
        ("owner", owner.to_string()),
        ("region", yaml_text(region)),
        ("start", start.to_string()),
        ("reassess", start.saturating_add(3.months()).to_string()),
        (
            "end",
            start
                .saturating_add(6.months())
                .saturating_sub(1.day())
                .to_string(),
        ),
    ])
}

/// The owner given, or the person whose email is git's `user.email`.
fn owner(repo: &Repo, given: Option<&str>) -> Result<String, Error> {
    let known = || {
        repo.people
            .by_id
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(id) = given {
        if repo.people.contains(id) {
            return Ok(id.to_string());
        }
        return Err(Error::usage(
            format!("`{id}` is not in people.yaml"),
            Some(if repo.people.by_id.is_empty() {
                "add the owner to people.yaml first".to_string()
            } else {
                format!("use one of: {}", known())
            }),
        ));
    }
    let email = git2::Repository::discover(&repo.root)
        .and_then(|r| r.config())
        .or_else(|_| git2::Config::open_default())
        .and_then(|c| c.get_string("user.email"))
        .ok();
    match email.as_deref().and_then(|e| repo.people.by_email(e)) {
        Some(id) => Ok(id.to_string()),
        None => Err(Error::usage(
            "could not tell who owns the new plan",
            Some(match email {
                Some(email) => format!(
                    "your git email {email} is not in people.yaml: pass --owner ID (one of: {})",
                    known()
                ),
                None => format!("pass --owner ID (one of: {})", known()),
            }),
        )),
    }
}

fn default_title(id: &str) -> String {
    let words = id.replace('-', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// A value written into YAML as a double-quoted string when it needs quoting.
fn yaml_text(text: &str) -> String {
    let plain = text
        .chars()
        .all(|c| c.is_alphanumeric() || " -/().&'".contains(c))
        && text.chars().next().is_some_and(char::is_alphanumeric)
        && !text.ends_with(' ');
    if plain {
        text.to_string()
    } else {
        serde_json::Value::String(text.to_string()).to_string()
    }
}

fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "other".to_string()
    } else {
        slug
    }
}

fn fill(values: &[(&str, String)]) -> String {
    let mut text = TEMPLATE.to_string();
    for (name, value) in values {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    text
}

fn first_of_next_month(today: jiff::civil::Date) -> jiff::civil::Date {
    today.first_of_month().saturating_add(1.month())
}

/// Writes `text` to a new file at `path`, atomically, refusing to replace an existing file.
pub fn write_new(path: &Path, text: &str) -> Result<(), Error> {
    let folder = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
    let mut temp = crate::atomic::temp_file_in(&folder).map_err(|e| Error::io(&folder, e))?;
    temp.write_all(text.as_bytes())
        .map_err(|e| Error::io(path, e))?;
    temp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    temp.persist_noclobber(path).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            Error::usage(
                format!("{} already exists", path.display()),
                Some(
                    "planbook never overwrites a file: choose another id or remove the file"
                        .to_string(),
                ),
            )
        } else {
            Error::io(path, e.error)
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_titles() {
        assert!(crate::plan::is_slug("dach-2026h1"));
        assert!(!crate::plan::is_slug("Dach"));
        assert!(!crate::plan::is_slug("-x"));
        assert!(!crate::plan::is_slug("../x"));
        assert_eq!(slugify("UK & Ireland"), "uk-ireland");
        assert_eq!(default_title("dach-midmarket"), "Dach midmarket");
        assert_eq!(yaml_text("EMEA: North"), "\"EMEA: North\"");
        assert_eq!(yaml_text("DACH"), "DACH");
    }

    #[test]
    fn template_has_every_section() {
        for section in crate::check::rules::ALWAYS_SECTIONS
            .iter()
            .chain(crate::check::rules::REVIEW_SECTIONS.iter())
            .chain([crate::check::rules::ASSESSMENT_SECTION].iter())
        {
            assert!(TEMPLATE.contains(&format!("## {section}")), "{section}");
        }
    }
}
