//! `planbook new ID`: write a new plan from the template, with every section.

use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::ToSpan;

use crate::ExitStatus;
use crate::cli::NewArgs;
use crate::cmd::{self, Context};
use crate::error::Error;
use crate::repo::Repo;

/// The plan template; its `{{name}}` placeholders are filled in by minijinja.
use crate::plan::TEMPLATE;

pub(crate) fn run(ctx: &Context, args: &NewArgs) -> Result<ExitStatus, Error> {
    if !crate::plan::is_slug(&args.id) {
        return Err(Error::usage(
            format!("`{}` is not a valid plan id", args.id),
            Some("use lowercase letters, digits and hyphens, e.g. `dach-midmarket-2026h1`".into()),
        ));
    }
    let repo = ctx.repo()?;
    let previous = match &args.from {
        Some(from) => Some(previous_plan(ctx, &repo, from)?),
        None => None,
    };
    let owner = match (&previous, &args.owner) {
        (Some(old), None) => old
            .plan
            .as_ref()
            .and_then(|p| p.owner.clone())
            .map_or_else(|| owner(&repo, None), Ok)?,
        _ => owner(&repo, args.owner.as_deref())?,
    };
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
    let folder = match (&args.region, &previous) {
        (Some(region), _) => repo.plans_dir().join(slugify(region)),
        // The next period's plan sits beside the one it follows.
        (None, Some(old)) => repo.root.join(old.path.parent().unwrap_or(Path::new(""))),
        (None, None) => repo.plans_dir(),
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
    let text = match &previous {
        Some(old) => next_period(old, &args.id, args.title.as_deref(), &owner)?,
        None => plan_text(
            &args.id,
            &title,
            &owner,
            region,
            repo.config.region_currency(region),
            cmd::as_of(None)?,
        ),
    };
    write_new(&path, &text)?;
    if !ctx.quiet {
        let shown = path.strip_prefix(&repo.root).unwrap_or(&path);
        cmd::print(&format!(
            "Created {}\nNext: fill in the figures and each section, then run `planbook check {}`.\n",
            shown.display(),
            shown.display()
        ))?;
    }
    Ok(ExitStatus::Success)
}

/// A new draft plan from the template, starting on the first of the month after `today`.
/// Without a `currency` for the region, the plan says `XXX` (ISO 4217's "no currency"), which
/// `placeholder` reports until someone writes the real one: a guess would be worse.
pub(crate) fn plan_text(
    id: &str,
    title: &str,
    owner: &str,
    region: &str,
    currency: Option<&str>,
    today: jiff::civil::Date,
) -> String {
    let start = first_of_next_month(today);
    let (currency, hint) = match currency {
        Some(code) => (code, String::new()),
        None => (
            NO_CURRENCY,
            "; replace XXX (set `currency` under [regions.NAME] in planbook.toml for `new --region`)"
                .to_string(),
        ),
    };
    fill(&[
        ("currency", currency.to_string()),
        ("currency_hint", hint),
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

/// ISO 4217's code for "no currency": written when the region's currency is not known.
pub(crate) const NO_CURRENCY: &str = "XXX";

/// The plan `--from` names: an id or a plan file.
fn previous_plan(ctx: &Context, repo: &Repo, from: &str) -> Result<crate::plan::PlanFile, Error> {
    let cwd = ctx.cwd()?;
    let paths = cmd::select_plans(repo, &cwd, &[from.to_string()])?;
    let path = paths.first().ok_or_else(|| {
        Error::usage(
            format!("--from {from}: no such plan"),
            Some("give the id or the file of an existing plan".to_string()),
        )
    })?;
    let file = repo.load_plan(path);
    if file.plan.is_none() {
        return Err(Error::usage(
            format!("--from {from}: {} cannot be read as a plan", path.display()),
            Some(format!("`planbook check {}` shows why", path.display())),
        ));
    }
    Ok(file)
}

/// The next period's plan from `old`: the same owner, scope, metrics, activities and text;
/// the latest actuals as baselines; the period moved to start the day after the old one ended;
/// check-ins, reassessments, sign-offs and the outcome cleared; `supersedes` the old plan.
fn next_period(
    old: &crate::plan::PlanFile,
    id: &str,
    title: Option<&str>,
    owner: &str,
) -> Result<String, Error> {
    use serde_json::Value;
    let plan = old
        .plan
        .as_ref()
        .ok_or_else(|| Error::usage("the plan cannot be read", None))?;
    let (front, body) = crate::plan::front_matter_json(&old.text).ok_or_else(|| {
        Error::usage(
            format!("{}: its front matter cannot be read", old.path.display()),
            Some(format!("`planbook check {}` shows why", old.path.display())),
        )
    })?;
    let Value::Object(mut map) = front else {
        return Err(Error::usage("the front matter is not a map", None));
    };
    let period = plan.period.clone().unwrap_or_default();
    let (Some(start), Some(end)) = (period.start, period.end) else {
        return Err(Error::usage(
            format!("{} has no complete period to follow", old.path.display()),
            Some("give the old plan `period: {start, reassess, end}` first".to_string()),
        ));
    };
    let new_start = end.saturating_add(1.day());
    let shift = |date: jiff::civil::Date| -> String { shifted(start, new_start, date).to_string() };
    let old_id = plan.id.clone().unwrap_or_default();
    map.insert("id".into(), Value::String(id.to_string()));
    map.insert(
        "title".into(),
        Value::String(title.map_or_else(|| plan.title.clone().unwrap_or_default(), str::to_string)),
    );
    map.insert("status".into(), Value::String("draft".into()));
    map.insert("owner".into(), Value::String(owner.to_string()));
    for cleared in [
        "outcome",
        "signoffs",
        "checkins",
        "reassessments",
        "supersedes",
        // Granted for the old plan's period by the people who signed it off.
        "waivers",
    ] {
        // Keeping the order of the other fields, as the owner wrote them.
        map.shift_remove(cleared);
    }
    let mut period_map = serde_json::Map::new();
    period_map.insert("start".into(), Value::String(new_start.to_string()));
    if let Some(reassess) = period.reassess {
        period_map.insert("reassess".into(), Value::String(shift(reassess)));
    }
    period_map.insert("end".into(), Value::String(shift(end)));
    map.insert("period".into(), Value::Object(period_map));
    if let Some(Value::Array(metrics)) = map.get_mut("metrics") {
        for metric in metrics.iter_mut() {
            let id = metric.get("id").and_then(Value::as_str).map(str::to_string);
            let latest = plan
                .metrics
                .iter()
                .find(|m| m.id == id)
                .and_then(|m| plan.aggregate(m));
            if let Some(number) = latest.and_then(serde_json::Number::from_f64) {
                metric["baseline"] = Value::Number(number);
            }
            // The old path ran from the old baseline over the old dates.
            if let Some(object) = metric.as_object_mut() {
                object.remove("milestones");
            }
        }
    }
    if let Some(Value::Array(activities)) = map.get_mut("activities") {
        for activity in activities.iter_mut() {
            activity["status"] = Value::String("planned".into());
            if let Some(due) = activity
                .get("due")
                .and_then(Value::as_str)
                .and_then(|d| d.parse().ok())
            {
                activity["due"] = Value::String(shift(due));
            }
        }
    }
    if let Some(Value::Array(help)) = map.get_mut("help_needed") {
        for request in help.iter_mut() {
            if let Some(object) = request.as_object_mut() {
                object.remove("status");
            }
            if let Some(by) = request
                .get("by")
                .and_then(Value::as_str)
                .and_then(|d| d.parse().ok())
            {
                request["by"] = Value::String(shift(by));
            }
        }
    }
    map.insert("supersedes".into(), Value::String(old_id));
    let mut text = String::from(
        "---
",
    );
    write_yaml(&Value::Object(map), 0, &mut text);
    text.push_str(
        "---
",
    );
    text.push_str(&fresh_assessment(old.text.get(body..).unwrap_or("")));
    Ok(text)
}

/// `date` moved by as many months and days as lie between `from` and `to`, counted so that a
/// month's last day stays a month's last day: a period of 1 December to 31 May is followed by
/// 1 June to 30 November, not to 29 November.
fn shifted(
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    date: jiff::civil::Date,
) -> jiff::civil::Date {
    let next = date.saturating_add(1.day());
    match from.until((jiff::Unit::Month, next)) {
        Ok(span) => to
            .checked_add(span)
            .map_or(to, |d| d.saturating_sub(1.day())),
        Err(_) => to,
    }
}

/// The old plan's text with its Assessment section back to the template's guidance: the next
/// period's assessment is still to be written.
fn fresh_assessment(body: &str) -> String {
    let key = crate::plan::body::section_key(crate::check::rules::ASSESSMENT_SECTION);
    let heading = |line: &str| {
        line.strip_prefix("## ")
            .map(|h| crate::plan::body::section_key(h.trim_end()))
    };
    let guidance = TEMPLATE
        .split_once(&format!(
            "\n## {}\n",
            crate::check::rules::ASSESSMENT_SECTION
        ))
        .map_or("", |(_, rest)| rest)
        .split("\n## ")
        .next()
        .unwrap_or("")
        .trim();
    let mut out = String::with_capacity(body.len());
    let mut skipping = false;
    for line in body.split_inclusive('\n') {
        match heading(line) {
            Some(k) if k == key => {
                out.push_str(line);
                out.push_str(&format!("\n{guidance}\n\n"));
                skipping = true;
                continue;
            }
            Some(_) => skipping = false,
            None => {}
        }
        if !skipping {
            out.push_str(line);
        }
    }
    out
}

/// Writes a JSON value as block-style YAML at `indent` spaces.
fn write_yaml(value: &serde_json::Value, indent: usize, out: &mut String) {
    use serde_json::Value;
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match item {
                    Value::Object(inner) if !inner.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        write_yaml(item, indent + 2, out);
                    }
                    Value::Array(items) if !items.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        write_yaml(item, indent + 2, out);
                    }
                    _ => out.push_str(&format!("{pad}{key}: {}\n", scalar(item))),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(map) if !map.is_empty() => {
                        let mut inner = String::new();
                        write_yaml(item, indent + 2, &mut inner);
                        // The first line of the entry goes after the dash.
                        let inner = inner.replacen(&format!("{pad}  "), &format!("{pad}- "), 1);
                        out.push_str(&inner);
                    }
                    _ => out.push_str(&format!("{pad}- {}\n", scalar(item))),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

/// A scalar as YAML text: numbers and booleans as they are, text quoted when it needs to be.
fn scalar(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(text) => {
            let is_date = text.len() == 10 && text.parse::<jiff::civil::Date>().is_ok();
            if is_date {
                text.clone()
            } else {
                yaml_text(text)
            }
        }
        Value::Null => "null".into(),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
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
    let email = crate::git::user_email(&repo.root);
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
    // Text YAML would read as something else (a number, a boolean, null) is quoted too.
    let lower = text.to_ascii_lowercase();
    let special = text.parse::<f64>().is_ok()
        || ["true", "false", "null", "~", ".inf", "-.inf", ".nan"].contains(&lower.as_str())
        || lower.starts_with("0x")
        || lower.starts_with("0o");
    let plain = !special
        && text
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

/// The plan template with its `{{name}}` placeholders filled in (by minijinja, as the site's
/// templates are: a value is never read as a placeholder itself).
fn fill(values: &[(&str, String)]) -> String {
    let mut env = minijinja::Environment::new();
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
            .expect("the default delimiters are valid"),
    );
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let values: std::collections::BTreeMap<String, String> = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    env.render_str(TEMPLATE, values)
        .expect("the plan template names only the values `new` gives it")
}

fn first_of_next_month(today: jiff::civil::Date) -> jiff::civil::Date {
    today.first_of_month().saturating_add(1.month())
}

/// Writes `text` to a new file at `path`, atomically, refusing to replace an existing file.
pub(crate) fn write_new(path: &Path, text: &str) -> Result<(), Error> {
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
        for special in ["101", "2026", "true", "null", "0x1F", "1e5"] {
            assert_eq!(yaml_text(special), format!("\"{special}\""), "{special}");
        }
    }

    #[test]
    fn the_next_period_keeps_month_ends_and_a_fresh_assessment() {
        let d = |s: &str| s.parse::<jiff::civil::Date>().unwrap();
        let (from, to) = (d("2026-12-01"), d("2027-06-01"));
        assert_eq!(shifted(from, to, d("2027-05-31")), d("2027-11-30"));
        assert_eq!(shifted(from, to, d("2027-03-01")), d("2027-09-01"));
        assert_eq!(shifted(from, to, d("2027-01-15")), d("2027-07-15"));
        assert_eq!(shifted(from, to, d("2027-02-28")), d("2027-08-31"));
        let body =
            "\n## Summary\n\nKept.\n\n## Assessment\n\nWe missed by 5%.\n\n## Notes\n\nKept too.\n";
        let fresh = fresh_assessment(body);
        assert!(!fresh.contains("We missed"), "{fresh}");
        assert!(fresh.contains("At the end of the period"), "{fresh}");
        assert!(
            fresh.contains("Kept.") && fresh.contains("## Notes\n\nKept too."),
            "{fresh}"
        );
    }

    #[test]
    fn values_are_filled_in_once_and_never_read_as_placeholders() {
        let today = "2026-02-10".parse().unwrap();
        let text = plan_text(
            "dach",
            "Fix {{owner}} & co",
            "ana",
            "DACH",
            Some("EUR"),
            today,
        );
        assert!(text.contains("title: \"Fix {{owner}} & co\"\n"), "{text}");
        assert!(text.contains("owner: ana\n"), "{text}");
        assert!(text.contains("start: 2026-03-01\n"), "{text}");
        assert!(!text.contains("{{id}}") && text.ends_with('\n'));
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
