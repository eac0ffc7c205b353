//! `planbook check`: run every rule over the plans and collect findings.

pub(crate) mod domain;
pub(crate) mod history;
pub mod rules;
pub(crate) mod waivers;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use rayon::prelude::*;

use crate::config::SignoffPolicy;
use crate::diagnostic::{Diagnostic, Severity, Span};
use crate::plan::{Body, Node, People, Plan, PlanFile};
use crate::repo::Repo;
use crate::rules::{Level, Rule};

/// Collects the findings about one file.
pub(crate) struct Findings<'a> {
    file: &'a Path,
    pub(crate) out: Vec<Diagnostic>,
}

impl<'a> Findings<'a> {
    pub(crate) fn new(file: &'a Path) -> Findings<'a> {
        Findings {
            file,
            out: Vec::new(),
        }
    }

    /// Records a finding under `rule` at `span` that is a warning even when the rule's level
    /// is `error` (a rule that is stricter as the plan matures).
    pub(crate) fn warn(
        &mut self,
        rule: Rule,
        span: Span,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        self.add(rule, span, message, help);
        if let Some(last) = self.out.last_mut() {
            last.severity = Severity::Warning;
        }
    }

    /// Records a finding under `rule` at `span`.
    pub(crate) fn add(
        &mut self,
        rule: Rule,
        span: Span,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        self.out.push(Diagnostic {
            file: self.file.to_path_buf(),
            span,
            severity: Severity::Error,
            rule,
            message: message.into(),
            help: help.into(),
        });
    }
}

/// Everything a rule may look at for one plan.
pub(crate) struct Subject<'a> {
    pub(crate) file: &'a PlanFile,
    pub(crate) plan: &'a Plan,
    pub(crate) front_matter: &'a Node,
    pub(crate) body: &'a Body,
    pub(crate) people: &'a People,
    /// The repository's configuration (rule levels).
    pub(crate) config: &'a crate::config::Config,
    /// The sign-off policy and the people it trusts: with `--base`, the base revision's.
    pub(crate) policy: &'a SignoffPolicy,
    pub(crate) signers: &'a People,
    pub(crate) as_of: Date,
    pub(crate) root: &'a Path,
}

/// What `check` looks at beyond the plans themselves.
pub struct Settings<'a> {
    pub repo: &'a Repo,
    pub as_of: Date,
    /// Who verifies sign-offs: the people and policy of the base revision under `--base`.
    pub trust: &'a crate::history::signoff::Trust,
    /// Whether the text of a plan with findings is kept for the report to quote its lines
    /// (the human report does; JSON, SARIF, GitHub and JUnit reports do not need it).
    pub keep_text: bool,
}

/// Reads the plan files at `paths` (relative to the root) in parallel, runs every rule that
/// needs no history on the ones `report` selects, and returns the plans with the findings
/// (call [`finish`] once every finding is in).
///
/// Each file's front-matter tree, body and (unless it has findings the report quotes) text are
/// dropped as soon as its rules have run: what is kept of a plan is its typed model and the
/// positions rules comparing plans need, so that memory grows with the number of plans by a
/// summary each, not by their text (see `PlanFile::summarise`).
pub fn check_paths(
    settings: &Settings,
    paths: &[PathBuf],
    report: &(dyn Fn(&Path) -> bool + Sync),
) -> (Vec<PlanFile>, Vec<Diagnostic>) {
    // Unzipped in parallel, in place: ten thousand plans are not moved again one by one.
    let (plans, found): (Vec<PlanFile>, Vec<Vec<Diagnostic>>) = paths
        .par_iter()
        .map(|path| {
            let mut file = settings.repo.load_plan(path);
            let found = if report(path) {
                check_file(settings, &file)
            } else {
                Vec::new()
            };
            file.summarise(settings.keep_text && !found.is_empty());
            (file, found)
        })
        .unzip();
    let mut diagnostics: Vec<Diagnostic> = found.into_iter().flatten().collect();
    diagnostics.extend(across_plans(&plans, report));
    (plans, diagnostics)
}

/// The rules that compare plans with each other (`duplicate-id` across files, `supersedes`),
/// reported for the plans `report` selects.
pub(crate) fn across_plans(
    plans: &[PlanFile],
    report: &(dyn Fn(&Path) -> bool + Sync),
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    duplicate_plan_ids(plans, report, &mut diagnostics);
    unknown_supersedes(plans, report, &mut diagnostics);
    diagnostics
}

/// Applies the levels of `[rules]` (dropping what is off), turns what `plans` waive into notes,
/// and sorts by file, line, column.
pub fn finish(
    repo: &Repo,
    trust: &crate::history::signoff::Trust,
    plans: &[PlanFile],
    diagnostics: &mut Vec<Diagnostic>,
) {
    apply_levels(repo, diagnostics);
    waivers::apply(plans, &trust.people, &trust.policy, diagnostics);
    diagnostics.sort_by(|a, b| {
        (&a.file, a.span.line, a.span.column, a.rule).cmp(&(
            &b.file,
            b.span.line,
            b.span.column,
            b.rule,
        ))
    });
}

/// Every rule that looks at one plan alone, on `file`.
pub(crate) fn check_file(settings: &Settings, file: &PlanFile) -> Vec<Diagnostic> {
    let mut findings = Findings::new(&file.path);
    for p in &file.problems {
        findings.add(p.rule, p.span, p.message.clone(), p.help.clone());
    }
    if let (Some(plan), Some(front_matter), Some(body)) =
        (&file.plan, &file.front_matter, &file.body)
    {
        let subject = Subject {
            file,
            plan,
            front_matter,
            body,
            people: &settings.repo.people,
            config: &settings.repo.config,
            policy: &settings.trust.policy,
            signers: &settings.trust.people,
            as_of: settings.as_of,
            root: &settings.repo.root,
        };
        rules::run_all(&subject, &mut findings);
    }
    findings.out
}

/// `duplicate-id` across files: every plan after the first with the same id is reported.
fn duplicate_plan_ids(
    plans: &[PlanFile],
    report: &(dyn Fn(&Path) -> bool + Sync),
    out: &mut Vec<Diagnostic>,
) {
    let mut by_id: BTreeMap<&str, Vec<&PlanFile>> = BTreeMap::new();
    for file in plans {
        if let Some(id) = file.plan.as_ref().and_then(|p| p.id.as_deref()) {
            by_id.entry(id).or_default().push(file);
        }
    }
    for (id, files) in by_id {
        let Some((first, rest)) = files.split_first() else {
            continue;
        };
        for file in rest.iter().filter(|f| report(&f.path)) {
            let mut findings = Findings::new(&file.path);
            findings.add(
                Rule::DuplicateId,
                file.anchors.id.unwrap_or(Span::point(1, 1)),
                format!(
                    "plan id `{id}` is already used by {}",
                    crate::diagnostic::display_path(&first.path)
                ),
                Some("give each plan its own id (and file name)".to_string()),
            );
            out.extend(findings.out);
        }
    }
}

/// `broken-link` for `supersedes`: it must name a plan in the repository.
fn unknown_supersedes(
    plans: &[PlanFile],
    report: &(dyn Fn(&Path) -> bool + Sync),
    out: &mut Vec<Diagnostic>,
) {
    let ids: HashSet<&str> = plans
        .iter()
        .filter_map(|p| p.plan.as_ref()?.id.as_deref())
        .collect();
    for file in plans.iter().filter(|f| report(&f.path)) {
        let Some(supersedes) = file.plan.as_ref().and_then(|p| p.supersedes.as_deref()) else {
            continue;
        };
        if ids.contains(supersedes) {
            continue;
        }
        let mut findings = Findings::new(&file.path);
        findings.add(
            Rule::BrokenLink,
            file.anchors.supersedes.unwrap_or(Span::point(1, 1)),
            format!("`supersedes` names plan `{supersedes}`, which does not exist"),
            Some("use the id of an existing plan".to_string()),
        );
        out.extend(findings.out);
    }
}

fn apply_levels(repo: &Repo, diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.retain_mut(|d| match repo.config.level(d.rule) {
        Level::Off => false,
        // As severe as the rule found it (a rule may find only a warning, e.g. in a draft).
        Level::Error => true,
        Level::Warning => {
            d.severity = Severity::Warning;
            true
        }
    });
}
