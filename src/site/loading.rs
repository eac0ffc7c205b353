//! Reading the site's plans: each plan with the history the site publishes (consequences
//! kept private, a restricted past left out), duplicate ids refused.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::context;
use super::data::Latest;
use super::links::absolute_url;
use super::templates::{environment, shows_summary_charts};
use super::{Facts, Invested, Options, Part, Site, SiteInfo, SitePlan, Updates, data, output};
use crate::error::Error;
use crate::history::trust::Trust;
use crate::history::{Audit, PlanHistory};
use crate::plan::PlanFile;
use crate::plan::model::Visibility;
use crate::repo::Repo;

/// A plan file as the site needs it: the typed plan and the text, not the positions.
pub(crate) fn load_for_site(repo: &Repo, path: &Path) -> PlanFile {
    let mut file = repo.load_plan(path);
    file.front_matter = None;
    file.index = crate::plan::LineIndex::new("");
    file
}

/// Takes a plan's consequences and incentive (the field, the body section and their changes in
/// the history) out of what the site publishes.
pub(crate) fn keep_consequences_private(file: &mut PlanFile, history: Option<&mut PlanHistory>) {
    use crate::history::FieldChange;
    const SECTION: &str = "Consequences and incentive";
    let key = crate::plan::body::section_key(SECTION);
    if let Some(plan) = file.plan.as_mut() {
        plan.consequences = None;
    }
    if let Some(body) = &file.body {
        let start = body.offset.min(file.text.len());
        let mut cut: Option<(usize, usize)> = None;
        let mut offset = start;
        for line in file.text[start..].split_inclusive('\n') {
            if let Some(heading) = line.strip_prefix("## ") {
                match cut {
                    Some((from, usize::MAX)) => cut = Some((from, offset)),
                    None if crate::plan::body::section_key(heading.trim_end()) == key => {
                        cut = Some((offset, usize::MAX));
                    }
                    _ => {}
                }
            }
            offset += line.len();
        }
        if let Some((from, to)) = cut {
            let to = to.min(file.text.len());
            file.text.replace_range(from..to, "");
        }
    }
    if let Some(history) = history {
        let private = |c: &FieldChange| match c {
            FieldChange::Field { field, .. } => {
                field == "consequences" || field.starts_with("consequences.")
            }
            FieldChange::Body { sections, .. } => sections
                .iter()
                .any(|s| crate::plan::body::section_key(s) == key),
        };
        for revision in &mut history.revisions {
            // Most revisions have nothing to take out: they are left as they are.
            if !revision.changes.iter().any(private) {
                continue;
            }
            let kept: Vec<FieldChange> = revision
                .changes
                .iter()
                .filter_map(|c| match c {
                    FieldChange::Field { field, .. }
                        if field == "consequences" || field.starts_with("consequences.") =>
                    {
                        None
                    }
                    FieldChange::Body { field, sections } => {
                        let sections: Vec<String> = sections
                            .iter()
                            .filter(|s| crate::plan::body::section_key(s) != key)
                            .cloned()
                            .collect();
                        (!sections.is_empty()).then(|| FieldChange::Body {
                            field: field.clone(),
                            sections,
                        })
                    }
                    other => Some(other.clone()),
                })
                .collect();
            revision.changes = kept.into();
        }
    }
}

/// The distinct words of a body (three letters or more, lowercase), for the search index.
pub(crate) fn search_words(body: &str) -> String {
    use std::borrow::Cow;
    // Deduplicated before they are sorted: a body repeats most of its words.
    let words: std::collections::HashSet<Cow<str>> = body
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(|w| {
            // Most words are ASCII and already lowercase: they are borrowed, not copied.
            if !w.is_ascii() {
                Cow::Owned(w.to_lowercase())
            } else if w.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(w.to_ascii_lowercase())
            } else {
                Cow::Borrowed(w)
            }
        })
        .collect();
    let mut words: Vec<Cow<str>> = words.into_iter().collect();
    words.sort_unstable();
    words.join(" ")
}

/// Every person id a plan names.
pub(crate) fn people_named(plan: &crate::plan::Plan) -> Vec<String> {
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

/// A plan's history as the site publishes it: a plan that was `restricted` and is no longer
/// shows only what happened from the revision that lifted the restriction (and of that
/// revision only the change of visibility, since its other changes list restricted values).
/// The whole history comes back second when anything was left out.
pub(crate) fn published_history(history: PlanHistory) -> (PlanHistory, Option<PlanHistory>) {
    use crate::history::FieldChange;
    let lifted = |change: &FieldChange| {
        matches!(change, FieldChange::Field { field, from, .. }
            if field == "visibility" && from.as_str() == Some("restricted"))
    };
    let Some(cut) = history
        .revisions
        .iter()
        .position(|r| r.changes.iter().any(lifted))
    else {
        return (history, None);
    };
    let mut revisions = history.revisions[..=cut].to_vec();
    if let Some(first) = revisions.last_mut() {
        let kept: Vec<FieldChange> = first
            .changes
            .iter()
            .filter(|c| lifted(c))
            .cloned()
            .collect();
        first.changes = kept.into();
    }
    // The sign-offs are the plan's current ones, judged on the whole history.
    let published = PlanHistory {
        id: history.id.clone(),
        path: history.path.clone(),
        revisions,
        signoffs: history.signoffs.clone(),
    };
    (published, Some(history))
}

/// Plans a streamed build holds typed between reading them and writing their pages: about
/// 5 KB each with their bodies. Beyond, it sets each typed plan aside (see [`Held`]) and
/// parses its body again, which costs a tenth more time and keeps memory to the summaries.
pub(crate) const HELD_TYPED_UP_TO: usize = 20_000;

/// What a streamed build lets go of a plan between reading it and writing its page: its text
/// (read again then, and proved to be the one parsed by its SHA-256) and, on a site of more
/// than [`HELD_TYPED_UP_TO`] plans, its body (parsed again from the text) and its typed plan
/// (set aside in the spool), of which only the id and the visibility, which choose the plans
/// on the site, stay.
pub(crate) struct Held {
    digest: crate::history::diff::TextDigest,
    /// Where the body starts in the text, when there is one.
    body: Option<usize>,
    plan: Option<data::Spooled>,
}

impl Held {
    /// Takes `file`'s text out and, with `aside`, its body and typed plan. A typed plan the
    /// spool cannot take stays whole (writing the site's files reports what is wrong with the
    /// folder).
    pub(crate) fn hold(file: &mut PlanFile, spool: &data::Spool, aside: bool) -> Held {
        let digest = crate::history::diff::text_digest(&file.text);
        file.text = String::new();
        if !aside {
            return Held {
                digest,
                body: None,
                plan: None,
            };
        }
        let body = file.body.take().map(|b| b.offset);
        let spooled = file.plan.as_ref().and_then(|plan| {
            let bytes = serde_json::to_vec(plan).ok()?;
            spool.put(&bytes).ok()
        });
        if let (Some(plan), Some(_)) = (file.plan.as_mut(), spooled) {
            **plan = crate::plan::Plan {
                id: plan.id.take(),
                visibility: plan.visibility,
                ..crate::plan::Plan::default()
            };
        }
        Held {
            digest,
            body,
            plan: spooled,
        }
    }

    /// Puts back into `file` what [`Held::hold`] took: an error when the text changed since
    /// it was parsed (a page must not mix two versions of a plan).
    pub(crate) fn restore(
        &self,
        repo: &Repo,
        spool: &data::Spool,
        file: &mut PlanFile,
    ) -> Result<(), Error> {
        match repo.plan_text(&file.path) {
            Some(text) if crate::history::diff::text_digest(&text) == self.digest => {
                file.text = text;
            }
            _ => {
                return Err(Error::Config {
                    path: file.path.clone(),
                    line: 1,
                    column: 1,
                    message: "the plan changed while the site was being built".into(),
                    help: "build again once the edit is saved".into(),
                });
            }
        }
        if let Some(offset) = self.body {
            let index = crate::plan::LineIndex::new(&file.text);
            file.body = Some(crate::plan::body::Body::parse(&file.text, offset, &index));
        }
        if let Some(at) = self.plan {
            let mut bytes = Vec::new();
            spool.get(at, &mut bytes).map_err(|e| spool.failed(e))?;
            let plan = serde_json::from_slice(&bytes).map_err(|e| spool.failed(e.into()))?;
            file.plan = Some(Box::new(plan));
        }
        Ok(())
    }
}

/// Two plans with one id would share a page, and which one is published would depend on the
/// order of the build: the build fails with the `duplicate-id` finding instead.
pub(crate) fn duplicate_ids<'a>(
    files: impl IntoIterator<Item = &'a PlanFile>,
) -> Result<(), Error> {
    let mut seen: HashMap<&str, &PlanFile> = HashMap::new();
    for file in files {
        let Some(id) = file.plan.as_ref().and_then(|p| p.id.as_deref()) else {
            continue;
        };
        if let Some(first) = seen.insert(id, file) {
            let (first, second) = if first.path <= file.path {
                (first, file)
            } else {
                (file, first)
            };
            let span = second
                .anchors
                .id
                .unwrap_or(crate::diagnostic::Span::point(1, 1));
            return Err(Error::Config {
                path: second.path.clone(),
                line: span.line as usize,
                column: span.column as usize,
                message: format!(
                    "[duplicate-id] plan id `{id}` is already used by {}; the site cannot have both",
                    crate::diagnostic::display_path(&first.path)
                ),
                help: "give each plan its own id (and file name); `planbook check` lists every duplicate".into(),
            });
        }
    }
    Ok(())
}

pub(crate) fn skip_reason(file: &PlanFile) -> String {
    match file.problems.first() {
        Some(p) => format!(
            "{} (line {}, column {})",
            p.message, p.span.line, p.span.column
        ),
        None => "its id is not a valid slug".to_string(),
    }
}

impl Site {
    /// Reads every plan, its history (from the cache when it is warm) and the templates.
    ///
    /// With `stream`, each plan's page and history file are written there as soon as the plan
    /// is ready, and only what the other pages need of it is kept (see [`Site::release`]);
    /// with more than `held_typed_up_to` plans, each typed plan waits in the spool until then
    /// (see [`Held`]).
    pub(crate) fn load(
        mut repo: Repo,
        options: &Options,
        updates: Updates,
        stream: Option<&output::Staging>,
        held_typed_up_to: usize,
    ) -> Result<Site, Error> {
        // Every link is relative: the site works from disk, from a CI artifact and under any
        // sub-path. Only the feed and the calendar need the absolute address, `site_url`.
        let base = String::new();
        let env = environment(&repo.root)?;
        let bar = options
            .progress
            .clone()
            .unwrap_or_else(indicatif::ProgressBar::hidden);

        // What can fail at once fails before the history is walked.
        let listed = repo.plan_files()?;
        let trust = Trust::current(&repo, options.reviews.as_deref())?;
        // The history is walked before the plans are read: what a walk without a cache holds
        // while it compares revisions is let go first.
        bar.set_message("reading the history");
        let mut audit = Audit::open(&repo, true)?;

        // Every plan that parsed with a usable id, visible in this build.
        let paths = listed.paths;
        // A streamed build lets go of each plan's text until its page is written (the texts
        // of 10,000 plans weigh 150 MB), and of its typed plan and body on a big site, and
        // reads them again then.
        let spool = stream
            .map(|staging| data::Spool::in_folder(staging.scratch_folder()))
            .transpose()?;
        let aside = paths.len() > held_typed_up_to;
        // Unchanged plans are taken as an earlier `check`, `build` or `serve` parsed them (an
        // edit `serve` takes in later is parsed).
        repo.keep_parsed();
        let mut visible: Vec<(PlanFile, Option<Held>)> = paths
            .par_iter()
            .map(|p| {
                let mut file = load_for_site(&repo, p);
                let held = spool
                    .as_ref()
                    .map(|spool| Held::hold(&mut file, spool, aside));
                (file, held)
            })
            .collect();
        repo.save_parsed();
        duplicate_ids(visible.iter().map(|(f, _)| f))?;
        let mut skipped = listed.skipped;
        visible.retain(|(file, _)| match &file.plan {
            Some(plan) if plan.id.as_deref().is_some_and(crate::plan::is_slug) => {
                plan.visibility != Visibility::Restricted || options.include_restricted
            }
            _ => {
                skipped.push((file.path.clone(), skip_reason(file)));
                false
            }
        });
        let ids: Vec<String> = visible.iter().map(|(f, _)| f.id()).collect();

        // History: the audit trail of the plans on the site.
        let selected: Vec<PathBuf> = visible.iter().map(|(f, _)| f.path.clone()).collect();
        let site_publishes_consequences = repo.config.site.publish_consequences;
        let shallow = audit.as_ref().is_some_and(|a| a.shallow || !a.complete());
        let partial = audit.as_ref().is_some_and(|a| !a.shallow && !a.complete());
        // Each plan's history is produced when its page is written, then let go: together
        // they weigh hundreds of megabytes on a long history.
        let trail = audit
            .as_mut()
            .map(|audit| audit.trail(&selected, &trust))
            .transpose()?;
        let worktree_unread = audit
            .as_ref()
            .and_then(|a| a.worktree_unread().map(str::to_string));
        let git_dir = audit.as_ref().map(|a| a.git_dir.clone());
        let open_git = || git_dir.as_ref().and_then(|d| crate::git::open(d).ok());

        let repo_url = repo
            .config
            .repo_url
            .clone()
            .or_else(|| crate::git::origin_web_url(&repo.root));
        let by_path = visible
            .iter()
            .zip(&ids)
            .map(|((f, _), id)| (crate::diagnostic::display_path(&f.path), id.clone()))
            .collect();
        let info = SiteInfo {
            title: repo
                .config
                .site
                .title
                .clone()
                .unwrap_or_else(|| "Sales Improvement Plans".into()),
            base_url: base.clone(),
            site_url: options.site_url.as_deref().map(absolute_url),
            generated: options.today.to_string(),
            plan_count: visible.len(),
            repo_url: repo_url.clone(),
        };
        // A site that takes in edits may be given a template that shows them.
        let summary_charts = updates != Updates::None || shows_summary_charts(&env);
        let mut site = Site {
            repo,
            base,
            today: options.today,
            env,
            info,
            repo_url,
            plans: Vec::with_capacity(visible.len()),
            skipped,
            by_path,
            audit: None,
            shallow,
            partial,
            worktree_unread,
            trust,
            include_restricted: options.include_restricted,
            private_consequences: !(options.include_restricted || site_publishes_consequences),
            streamed: None,
            members: std::sync::OnceLock::new(),
            summary_charts,
        };
        let history_of = |git: &Option<git2::Repository>, i: usize, file: &PlanFile, id: &str| {
            let (audit, trail, git) = (audit.as_ref()?, trail.as_ref()?, git.as_ref()?);
            Some(audit.history_at(trail, git, i, &file.path, id, &site.trust))
        };
        let (Some(staging), Some(spool)) = (stream, spool) else {
            site.plans = visible
                .into_par_iter()
                .enumerate()
                .map_init(open_git, |git, (i, (file, _))| {
                    let history = history_of(git, i, &file, &ids[i]);
                    Box::new(site.site_plan(file, history))
                })
                .collect();
            site.finish_loading(audit, updates);
            return Ok(site);
        };
        bar.set_message("writing plan pages");
        bar.set_length(visible.len() as u64);
        let latest = std::sync::Mutex::new(Latest::default());
        let search = std::sync::Mutex::new(data::SearchIndex::default());
        site.plans = visible
            .into_par_iter()
            .enumerate()
            .map_init(open_git, |git, (i, (mut file, held))| {
                if let Some(held) = &held {
                    held.restore(&site.repo, &spool, &mut file)?;
                }
                let history = history_of(git, i, &file, &ids[i]);
                let mut plan = site.site_plan(file, history);
                site.write_plan_page(staging, &plan)?;
                site.write_history(staging, &plan)?;
                let mut entry = Vec::new();
                if data::plan_entry(&plan, &mut entry) {
                    plan.entry = Some(spool.put(&entry)?);
                }
                if let Some(history) = &plan.history {
                    let mut latest = latest.lock().unwrap_or_else(|e| e.into_inner());
                    site.offer_changes(&mut latest, &plan.summary, history);
                }
                let words = std::mem::take(&mut plan.words);
                search
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .add(i, &words);
                Site::release(&mut plan);
                bar.inc(1);
                // Boxed: gathering the plans of each thread and joining them moves pointers.
                Ok(Box::new(plan))
            })
            .collect::<Result<_, Error>>()?;
        site.streamed = Some(data::Streamed {
            latest: latest.into_inner().unwrap_or_else(|e| e.into_inner()),
            spool,
            search: search
                .into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .finish(),
        });
        site.finish_loading(audit, updates);
        Ok(site)
    }

    /// Keeps the audit trail only where the site is updated after an edit (`serve`); a
    /// one-off build lets go of it (its commit walk and cache weigh hundreds of megabytes on a
    /// long history).
    fn finish_loading(&mut self, audit: Option<Audit>, updates: Updates) {
        self.audit = if updates == Updates::None {
            None
        } else {
            audit
        };
    }

    /// Drops what only a plan's own page, history file and entry of `plans.json` need, once
    /// they are written: its history and its file (or, when its entry could not be set aside,
    /// the file's text and body). The summary and the facts stay.
    fn release(plan: &mut SitePlan) {
        plan.history = None;
        plan.full_history = None;
        if plan.entry.is_some() {
            plan.file = None;
        } else if let Some(file) = plan.file.as_mut() {
            file.text = String::new();
            file.body = None;
            file.problems = Vec::new();
        }
    }

    /// A plan with what the site shows of it.
    pub(crate) fn site_plan(
        &self,
        mut file: PlanFile,
        mut history: Option<PlanHistory>,
    ) -> SitePlan {
        let consequences_held = self.private_consequences
            && file.plan.as_ref().is_some_and(|p| p.consequences.is_some());
        if self.private_consequences {
            keep_consequences_private(&mut file, history.as_mut());
        }
        let (history, full_history) = match history {
            Some(history) if !self.include_restricted => {
                let (published, full) = published_history(history);
                (Some(published), full)
            }
            other => (other, None),
        };
        let plan = file.plan.as_ref().expect("plans on the site have parsed");
        let summary = context::summary(
            plan,
            &file.id(),
            &self.repo.people,
            &self.urls(),
            history.as_ref(),
            self.today,
            self.summary_charts,
        );
        let facts = self.facts(plan, &file.id());
        let words = search_words(file.body_text());
        SitePlan {
            file: Some(Box::new(file)),
            summary,
            has_history: history.is_some(),
            history: history.map(Box::new),
            consequences_held,
            full_history: full_history.map(Box::new),
            facts,
            words,
            entry: None,
        }
    }

    /// What the index, the list pages and the calendar read of `plan`.
    fn facts(&self, plan: &crate::plan::Plan, id: &str) -> Facts {
        use crate::plan::model::Status;
        let mut named = people_named(plan);
        named.sort_unstable();
        named.dedup();
        let people = named
            .into_iter()
            .map(|person| Part {
                roles: context::roles_in(plan, &person),
                help: context::help_asked(plan, &person, self.today),
                id: person,
            })
            .collect();
        let config = &self.repo.config;
        let attention =
            crate::plan::attention::of(id, plan, &self.repo.people, &config.signoff, self.today);
        let investment = plan.investment.as_ref().map(|i| Invested {
            currency: plan.currency.clone().unwrap_or_default(),
            budget: i.budget,
            days: i.days.unwrap_or(0.0),
        });
        let reassess = match plan.status {
            Some(Status::Assessed | Status::Withdrawn) => None,
            _ => plan.period.as_ref().and_then(|p| p.reassess),
        };
        Facts {
            people,
            attention,
            investment,
            reassess,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `dir`, by its path inside, with its bytes.
    fn files_in(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
        let mut out = std::collections::BTreeMap::new();
        let mut folders = vec![dir.to_path_buf()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    let bytes = std::fs::read(&path).unwrap();
                    out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
                }
            }
        }
        out
    }

    #[test]
    fn a_site_whose_typed_plans_waited_in_the_spool_is_the_site_that_held_them() {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        let examples = files_in(&manifest.join("plans"));
        for (path, bytes) in &examples {
            let to = root.join("plans").join(path);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::write(to, bytes).unwrap();
        }
        for name in ["people.yaml", "planbook.toml"] {
            std::fs::copy(manifest.join(name), root.join(name)).unwrap();
        }
        let build = |out: &str, held_typed_up_to: usize| {
            let options = super::super::Options {
                out: dir.path().join(out),
                site_url: Some("https://plans.example.com/".into()),
                include_restricted: false,
                today: jiff::civil::date(2026, 3, 1),
                progress: None,
                reviews: None,
            };
            let repo = Repo::discover(&root, None).unwrap();
            super::super::build_with(repo, &options, Updates::None, held_typed_up_to).unwrap();
            files_in(&options.out)
        };
        let held = build("held", usize::MAX);
        let aside = build("aside", 0);
        let plans: serde_json::Value =
            serde_json::from_slice(&held[Path::new("plans.json")]).unwrap();
        assert_eq!(plans["plans"].as_array().unwrap().len(), examples.len());
        assert_eq!(
            held.keys().collect::<Vec<_>>(),
            aside.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &held {
            assert!(aside[path] == *bytes, "{} differs", path.display());
        }
    }

    #[test]
    fn every_example_plan_comes_back_from_the_spool_as_it_was_parsed() {
        let repo = Repo::discover(Path::new(env!("CARGO_MANIFEST_DIR")), None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let spool = data::Spool::in_folder(dir.path()).unwrap();
        let paths = repo.plan_files().unwrap().paths;
        assert!(!paths.is_empty());
        for path in &paths {
            let parsed = load_for_site(&repo, path);
            let mut file = load_for_site(&repo, path);
            let held = Held::hold(&mut file, &spool, true);
            held.restore(&repo, &spool, &mut file).unwrap();
            assert_eq!(
                format!("{:?}", file.plan),
                format!("{:?}", parsed.plan),
                "{path:?}"
            );
            assert_eq!(
                format!("{:?}", file.body),
                format!("{:?}", parsed.body),
                "{path:?}"
            );
        }
    }

    #[test]
    fn what_is_held_comes_back_as_it_was_parsed_and_only_if_the_text_is_the_same() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("plans")).unwrap();
        let plan =
            "---\nid: a\ntitle: A\nvisibility: internal\nowner: ana\n---\n\n## Summary\n\nText.\n";
        std::fs::write(dir.path().join("plans/a.md"), plan).unwrap();
        let repo = Repo::discover(dir.path(), None).unwrap();
        let spool = data::Spool::in_folder(dir.path()).unwrap();
        let parsed = load_for_site(&repo, Path::new("plans/a.md"));
        let mut file = load_for_site(&repo, Path::new("plans/a.md"));
        let held = Held::hold(&mut file, &spool, false);
        assert!(file.text.is_empty());
        assert_eq!(format!("{:?}", file.plan), format!("{:?}", parsed.plan));
        held.restore(&repo, &spool, &mut file).unwrap();
        assert_eq!(file.text, plan);

        let held = Held::hold(&mut file, &spool, true);
        assert!(file.text.is_empty() && file.body.is_none());
        let kept = file.plan.as_deref().unwrap();
        assert_eq!(kept.id.as_deref(), Some("a"));
        assert_eq!(kept.owner, None, "only the id and visibility stay");
        held.restore(&repo, &spool, &mut file).unwrap();
        assert_eq!(file.text, plan);
        assert_eq!(format!("{:?}", file.plan), format!("{:?}", parsed.plan));
        assert_eq!(format!("{:?}", file.body), format!("{:?}", parsed.body));

        let held = Held::hold(&mut file, &spool, true);
        std::fs::write(dir.path().join("plans/a.md"), plan.replace("Text", "Edit")).unwrap();
        let error = held.restore(&repo, &spool, &mut file).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("changed while the site was being built")
        );
        std::fs::remove_file(dir.path().join("plans/a.md")).unwrap();
        assert!(held.restore(&repo, &spool, &mut file).is_err());
    }
}
