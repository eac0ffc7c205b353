//! `planbook build`: the static site. Load → history → views → render (in parallel) → write
//! into a fresh folder → swap it in.

pub mod chart;
pub mod context;
pub mod feeds;
pub mod markdown;
pub mod output;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use minijinja::Environment;
use rayon::prelude::*;
use serde::Serialize;

use crate::error::Error;
use crate::history::{Audit, History, PlanHistory};
use crate::plan::PlanFile;
use crate::plan::model::{Status, Visibility};
use crate::repo::Repo;
use context::{PlanSummary, Urls};

/// The default templates, replaced file by file by a repository's `site-templates/`.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../site-templates/base.html")),
    (
        "index.html",
        include_str!("../../site-templates/index.html"),
    ),
    ("list.html", include_str!("../../site-templates/list.html")),
    ("plan.html", include_str!("../../site-templates/plan.html")),
    (
        "_plan_table.html",
        include_str!("../../site-templates/_plan_table.html"),
    ),
];

/// Static files, replaceable the same way (`site-templates/assets/…`).
pub const ASSETS: &[(&str, &str)] = &[
    (
        "assets/style.css",
        include_str!("../../site-templates/assets/style.css"),
    ),
    (
        "assets/app.js",
        include_str!("../../site-templates/assets/app.js"),
    ),
];

/// How to build.
pub struct Options {
    pub out: PathBuf,
    pub base_url: String,
    pub include_restricted: bool,
    pub today: Date,
    /// Shows progress on a terminal (hidden when not given).
    pub progress: Option<indicatif::ProgressBar>,
}

/// What a build produced.
pub struct Built {
    pub out: PathBuf,
    pub plans: usize,
    pub pages: usize,
    /// Plans left out because they could not be read, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
    /// The history came from a shallow clone, so it is incomplete.
    pub shallow: bool,
}

#[derive(Serialize)]
struct SiteInfo {
    title: String,
    base_url: String,
    generated: String,
    plan_count: usize,
    repo_url: Option<String>,
}

#[derive(Serialize)]
struct Facet {
    key: String,
    label: String,
    url: String,
    count: usize,
}

/// Builds the site of `repo`.
pub fn build(repo: &Repo, options: &Options) -> Result<Built, Error> {
    let base = normalize_base(&options.base_url);
    let urls = Urls { base: &base };
    let staging = output::Staging::new(&repo.root, &repo.plans_dir(), &options.out)?;
    let env = environment(&repo.root)?;

    // Load: every plan that parsed with a usable id, visible in this build.
    let paths = repo.plan_paths()?;
    let files: Vec<PlanFile> = paths
        .par_iter()
        .map(|path| {
            let mut file = repo.load_plan(path);
            // The site needs the typed plan and the text, not the positions.
            file.front_matter = None;
            file.index = crate::plan::LineIndex::new("");
            file
        })
        .collect();
    let mut skipped = Vec::new();
    let mut plans: Vec<&PlanFile> = Vec::new();
    for file in &files {
        match &file.plan {
            Some(plan) if plan.id.as_deref().is_some_and(crate::plan::is_slug) => {
                if plan.visibility == Visibility::Restricted && !options.include_restricted {
                    continue;
                }
                plans.push(file);
            }
            _ => skipped.push((file.path.clone(), skip_reason(file))),
        }
    }
    let ids: Vec<String> = plans.iter().map(|f| f.id()).collect();

    let bar = options
        .progress
        .clone()
        .unwrap_or_else(indicatif::ProgressBar::hidden);
    bar.set_message("reading the history");
    // History: the audit trail of the plans on the site (from the cache when it is warm).
    let selected: Vec<PathBuf> = plans.iter().map(|f| f.path.clone()).collect();
    let audit = Audit::open(repo)?;
    let shallow = audit.as_ref().is_some_and(|a| a.shallow);
    let history: Option<History> = audit.map(|mut audit| audit.history(&selected, &ids));

    let histories: HashMap<&str, &PlanHistory> = history
        .iter()
        .flat_map(|h| h.plans.iter())
        .map(|p| (p.id.as_str(), p))
        .collect();
    let repo_url = repo
        .config
        .repo_url
        .clone()
        .or_else(|| origin_url(&repo.root));

    // Views.
    let people = &repo.people;
    let summaries: Vec<PlanSummary> = plans
        .iter()
        .zip(&ids)
        .filter_map(|(f, id)| {
            Some(context::summary(
                f.plan.as_ref()?,
                id,
                people,
                &urls,
                histories.get(id.as_str()).copied(),
                options.today,
            ))
        })
        .collect();
    let site = SiteInfo {
        title: repo
            .config
            .site
            .title
            .clone()
            .unwrap_or_else(|| "Sales Improvement Plans".into()),
        base_url: base.clone(),
        generated: options.today.to_string(),
        plan_count: summaries.len(),
        repo_url: repo_url.clone(),
    };
    let by_path: HashMap<String, String> = plans
        .iter()
        .zip(&ids)
        .map(|(f, id)| (crate::diagnostic::display_path(&f.path), id.clone()))
        .collect();

    // Plan pages, in parallel.
    bar.set_message("writing plan pages");
    bar.set_length(plans.len() as u64);
    // Each page is written as soon as it is rendered, so a big site never sits in memory.
    let pages: Vec<Result<(), Error>> = plans
        .par_iter()
        .zip(summaries.par_iter())
        .map(|(file, summary)| {
            let plan = file
                .plan
                .as_ref()
                .ok_or_else(|| Error::usage("plan vanished", None))?;
            let history = histories.get(summary.id.as_str()).copied();
            let dir = file.path.parent().unwrap_or(Path::new(""));
            let rewrite =
                |dest: &str| rewrite_link(dest, dir, &by_path, &urls, repo_url.as_deref());
            let body = markdown::render(file.body_text(), &rewrite);
            let verified =
                |person: &str, date: &str| signoff_verified(people, history, person, date);
            let page = context::page(
                plan,
                summary.clone(),
                people,
                &urls,
                history,
                &verified,
                body,
                repo_url.as_deref(),
                &crate::diagnostic::display_path(&file.path),
                options.today,
            );
            let html = render(
                &env,
                "plan.html",
                minijinja::context! { site => v(&site), page => v(&page) },
            )?;
            bar.inc(1);
            staging.write(&format!("plans/{}/index.html", summary.id), html.as_bytes())
        })
        .collect();
    let mut page_count = 0;
    for page in pages {
        page?;
        page_count += 1;
    }

    // Index and the pages by status, region and owner.
    let facets = facets(&summaries, &urls);
    let counts: Vec<Facet> = facets
        .0
        .iter()
        .map(|f| Facet {
            key: f.key.clone(),
            label: f.label.clone(),
            url: f.url.clone(),
            count: f.count,
        })
        .collect();
    let index = render(
        &env,
        "index.html",
        minijinja::context! { site => v(&site), plans => v(&summaries), statuses => v(&facets.0), regions => v(&facets.1), owners => v(&facets.2), counts => v(&counts) },
    )?;
    staging.write("index.html", index.as_bytes())?;
    page_count += 1;
    type FacetKey = fn(&PlanSummary) -> String;
    let lists: [(&str, &Vec<Facet>, FacetKey); 2] = [
        ("Status", &facets.0, |p| p.status.to_string()),
        ("Region", &facets.1, |p| {
            p.region.clone().unwrap_or_default()
        }),
    ];
    for (kind, facets, key) in lists {
        for facet in facets {
            let selected: Vec<&PlanSummary> =
                summaries.iter().filter(|p| key(p) == facet.key).collect();
            let heading = match kind {
                "Status" => format!("Plans {}", facet.label.to_lowercase()),
                _ => format!("Plans in {}", facet.label),
            };
            let html = render(
                &env,
                "list.html",
                minijinja::context! { site => v(&site), plans => v(&selected), heading => v(&heading), kind => v(&kind) },
            )?;
            staging.write(
                &format!("{}index.html", facet.url.trim_start_matches(&base)),
                html.as_bytes(),
            )?;
            page_count += 1;
        }
    }
    // A page for everyone a visible plan names: the plans they own, then the others they
    // take part in (as sponsor, team member, activity owner, source of help or signer).
    let mut involved: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, file) in plans.iter().enumerate() {
        for person in file.plan.as_ref().map(people_named).unwrap_or_default() {
            let list = involved.entry(person).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    for (id, indexes) in &involved {
        let owned: Vec<&PlanSummary> = indexes
            .iter()
            .map(|i| &summaries[*i])
            .filter(|p| &p.owner.id == id)
            .collect();
        let also: Vec<&PlanSummary> = indexes
            .iter()
            .map(|i| &summaries[*i])
            .filter(|p| &p.owner.id != id)
            .collect();
        let person = context::person(people, &urls, id);
        let heading = person.name.clone();
        let html = render(
            &env,
            "list.html",
            minijinja::context! { site => v(&site), plans => v(&owned), also => v(&also), heading => v(&heading), kind => v(&"People"), person => v(&person) },
        )?;
        staging.write(
            &format!("{}index.html", person.url.trim_start_matches(&base)),
            html.as_bytes(),
        )?;
        page_count += 1;
    }

    // Data, feed, calendar, search index, assets.
    write_data(
        &staging,
        &plans,
        &ids,
        &summaries,
        &histories,
        &site,
        options.today,
    )?;
    for (name, default) in ASSETS {
        let custom = repo.root.join("site-templates").join(name);
        let bytes = match std::fs::read(&custom) {
            Ok(bytes) => bytes,
            Err(_) => default.as_bytes().to_vec(),
        };
        staging.write(name, &bytes)?;
    }
    bar.finish_and_clear();
    let out = staging.commit()?;
    Ok(Built {
        out,
        plans: summaries.len(),
        pages: page_count,
        skipped,
        shallow,
    })
}

/// Every person id a plan names.
fn people_named(plan: &crate::plan::Plan) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    out.extend(plan.owner.clone());
    out.extend(plan.sponsor.clone());
    out.extend(plan.team.iter().flatten().filter_map(|m| m.person.clone()));
    out.extend(plan.activities.iter().filter_map(|a| a.owner.clone()));
    out.extend(
        plan.signoffs
            .iter()
            .flatten()
            .filter_map(|s| s.person.clone()),
    );
    out.extend(
        plan.help_needed
            .iter()
            .flatten()
            .filter_map(|h| h.from.clone())
            .filter(|f| !crate::plan::model::Function::is_function(f)),
    );
    out
}

fn skip_reason(file: &PlanFile) -> String {
    match file.problems.first() {
        Some(p) => format!("{} (line {})", p.message, p.span.line),
        None => "its id is not a valid slug".to_string(),
    }
}

/// `/`, or the sub-path the site is published under, always with slashes at both ends.
pub fn normalize_base(base: &str) -> String {
    let trimmed = base.trim().trim_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
        return format!("{trimmed}/");
    }
    format!("/{trimmed}/")
}

/// The template environment: the built-in templates, each replaceable by a file of the same
/// name in the repository's `site-templates/`.
fn environment(root: &Path) -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    let dir = root.join("site-templates");
    for (name, default) in TEMPLATES {
        let source = match std::fs::read_to_string(dir.join(name)) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => default.to_string(),
            Err(e) => return Err(Error::io(&dir.join(name), e)),
        };
        env.add_template_owned(name.to_string(), source)
            .map_err(|e| template_error(&dir, &e))?;
    }
    Ok(env)
}

/// A serializable view as a template value.
fn v(value: &impl Serialize) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(value))
}

fn render(env: &Environment, name: &str, ctx: minijinja::Value) -> Result<String, Error> {
    let template = env
        .get_template(name)
        .map_err(|e| template_error(Path::new("site-templates"), &e))?;
    template
        .render(ctx)
        .map_err(|e| template_error(Path::new("site-templates"), &e))
}

fn template_error(dir: &Path, e: &minijinja::Error) -> Error {
    let name = e.name().unwrap_or("template");
    Error::Config {
        path: dir.join(name),
        line: e.line().unwrap_or(1),
        column: 1,
        message: format!("template error: {}", e.detail().unwrap_or(&e.to_string())),
        help: "fix the template, or delete it from site-templates/ to use the built-in one".into(),
    }
}

/// Pages by status (lifecycle order), region and owner (by name).
fn facets(summaries: &[PlanSummary], urls: &Urls) -> (Vec<Facet>, Vec<Facet>, Vec<Facet>) {
    let statuses = Status::ALL
        .iter()
        .filter_map(|s| {
            let count = summaries.iter().filter(|p| p.status == s.as_str()).count();
            (count > 0).then(|| Facet {
                key: s.as_str().into(),
                label: capitalize(s.label()),
                url: format!("{}status/{}/", urls.base, s.as_str()),
                count,
            })
        })
        .collect();
    let mut regions: BTreeMap<String, usize> = BTreeMap::new();
    let mut owners: BTreeMap<(String, String), usize> = BTreeMap::new();
    for p in summaries {
        if let Some(r) = &p.region {
            *regions.entry(r.clone()).or_default() += 1;
        }
        *owners
            .entry((p.owner.name.clone(), p.owner.id.clone()))
            .or_default() += 1;
    }
    let regions = regions
        .into_iter()
        .map(|(r, count)| Facet {
            url: urls.region(&r),
            key: r.clone(),
            label: r,
            count,
        })
        .collect();
    let owners = owners
        .into_iter()
        .map(|((name, id), count)| Facet {
            url: urls.person(&id),
            key: id,
            label: name,
            count,
        })
        .collect();
    (statuses, regions, owners)
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A relative link in a plan body, made to work on the site: plan files become plan pages;
/// other repository files point at the repository's web view when it is known.
fn rewrite_link(
    dest: &str,
    dir: &Path,
    plans: &HashMap<String, String>,
    urls: &Urls,
    repo_url: Option<&str>,
) -> Option<String> {
    let crate::plan::body::LinkTarget::Repository { path, fragment } =
        crate::plan::body::link_target(dir, dest)
    else {
        return None;
    };
    let target = crate::diagnostic::display_path(&path);
    if let Some(id) = plans.get(&target) {
        return Some(format!("{}{fragment}", urls.plan(id)));
    }
    repo_url.map(|u| format!("{u}/blob/HEAD/{}{fragment}", target.replace(' ', "%20")))
}

/// Whether the sign-off by `person` dated `date` was verified from history.
fn signoff_verified(
    people: &crate::plan::People,
    history: Option<&PlanHistory>,
    person: &str,
    date: &str,
) -> Option<bool> {
    let history = history?;
    let key = crate::history::signoff_key(person, date);
    let added = crate::check::history::added_at(&history.revisions, &key)?;
    Some(crate::check::history::verified(
        people,
        person,
        &history.revisions[added],
    ))
}

/// The web address of the `origin` remote, if it is a GitHub-style host.
fn origin_url(root: &Path) -> Option<String> {
    let git = git2::Repository::discover(root).ok()?;
    let remote = git.find_remote("origin").ok()?;
    let url = remote
        .url()
        .ok()?
        .trim()
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .to_string();
    let web = if let Some(rest) = url.strip_prefix("git@") {
        let (host, path) = rest.split_once(':')?;
        format!("https://{host}/{path}")
    } else if let Some(rest) = url.strip_prefix("ssh://git@") {
        format!("https://{}", rest.replacen(':', "/", 1))
    } else if url.starts_with("https://") || url.starts_with("http://") {
        match url.split_once('@') {
            Some((scheme_user, host)) if scheme_user.contains("://") => {
                format!("{}://{host}", scheme_user.split("://").next()?)
            }
            _ => url,
        }
    } else {
        return None;
    };
    Some(web)
}

#[derive(Serialize)]
struct PlanData<'a> {
    id: &'a str,
    path: String,
    url: &'a str,
    summary: &'a PlanSummary,
    plan: &'a crate::plan::Plan,
    history: Option<&'a PlanHistory>,
}

#[allow(clippy::too_many_arguments)]
fn write_data(
    staging: &output::Staging,
    plans: &[&PlanFile],
    ids: &[String],
    summaries: &[PlanSummary],
    histories: &HashMap<&str, &PlanHistory>,
    site: &SiteInfo,
    today: Date,
) -> Result<(), Error> {
    let data: Vec<PlanData> = plans
        .iter()
        .zip(ids)
        .zip(summaries)
        .filter_map(|((f, id), s)| {
            Some(PlanData {
                id,
                path: crate::diagnostic::display_path(&f.path),
                url: &s.url,
                summary: s,
                plan: f.plan.as_ref()?,
                history: histories.get(id.as_str()).copied(),
            })
        })
        .collect();
    #[derive(Serialize)]
    struct Data<'a> {
        generated: &'a str,
        plans: Vec<PlanData<'a>>,
    }
    // Streamed: building it as one JSON value first took gigabytes for 10,000 plans.
    staging.write_json(
        "plans.json",
        &Data {
            generated: &site.generated,
            plans: data,
        },
    )?;

    let search: Vec<serde_json::Value> = plans
        .iter()
        .zip(ids)
        .map(|(f, id)| {
            let mut words: Vec<String> = f
                .body_text()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() >= 3)
                .map(str::to_lowercase)
                .collect();
            words.sort_unstable();
            words.dedup();
            serde_json::json!({ "id": id, "text": words.join(" ") })
        })
        .collect();
    staging.write(
        "search-index.json",
        serde_json::to_string(&search)
            .unwrap_or_default()
            .as_bytes(),
    )?;

    let site_url = if site.base_url.starts_with("http") {
        site.base_url.clone()
    } else {
        format!("https://planbook.invalid{}", site.base_url)
    };
    let absolute = |url: &str| {
        if url.starts_with("http") {
            url.to_string()
        } else {
            format!("{}{}", site_url.trim_end_matches('/'), url)
        }
    };
    let mut entries: Vec<feeds::Entry> = summaries
        .iter()
        .filter_map(|s| Some((s, *histories.get(s.id.as_str())?)))
        .flat_map(|(s, h)| {
            h.revisions
                .iter()
                .filter(|r| r.commit != crate::history::WORKING_TREE)
                .map(move |r| feeds::Entry {
                    plan_id: s.id.clone(),
                    plan_title: s.title.clone(),
                    url: absolute(&s.url),
                    commit: r.commit.clone(),
                    date: r.date.clone(),
                    author: r.author.name.clone(),
                    summary: r.summary.clone(),
                    changes: r.changes.iter().map(ToString::to_string).collect(),
                })
        })
        .collect();
    entries.sort_by(|a, b| b.date.cmp(&a.date));
    entries.truncate(50);
    let updated = entries
        .first()
        .map_or_else(|| format!("{today}T00:00:00Z"), |e| e.date.clone());
    staging.write(
        "feed.xml",
        feeds::atom(&site.title, &site_url, &updated, &entries).as_bytes(),
    )?;

    let events: Vec<feeds::Event> = plans
        .iter()
        .zip(summaries)
        .filter_map(|(f, s)| {
            let plan = f.plan.as_ref()?;
            if matches!(plan.status, Some(Status::Assessed | Status::Withdrawn)) {
                return None;
            }
            Some(feeds::Event {
                uid: format!("reassess-{}@planbook", s.id),
                date: plan.period.as_ref()?.reassess?,
                summary: format!("Reassess: {}", s.title),
                description: format!(
                    "{} ({}), owner {}. {}",
                    s.title,
                    s.scope,
                    s.owner.name,
                    absolute(&s.url)
                ),
                url: absolute(&s.url),
            })
        })
        .collect();
    let stamp = format!("{}T000000Z", today.strftime("%Y%m%d"));
    staging.write("reassessments.ics", feeds::ics(&stamp, &events).as_bytes())?;
    Ok(())
}
