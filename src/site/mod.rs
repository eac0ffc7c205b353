//! `planbook build`: the static site. Load → history → views → render (in parallel) → write
//! into a fresh folder → swap it in.
//!
//! One job per module: `loading` reads the plans and their published history, `pages`
//! renders the pages (plans, the index, lists, hubs), `data` writes the data files
//! (`plans.json`, per-plan histories, the search index, the listing, the feeds), `update`
//! takes in edits for `serve`, `templates` holds the template environment, `links` makes links
//! relative (or absolute) and rewrites the links in plan text, and `evidence` words what the
//! history layer says of each sign-off.

pub(crate) mod chart;
pub(crate) mod context;
mod data;
mod evidence;
pub(crate) mod feeds;
mod links;
mod loading;
pub(crate) mod markdown;
pub(crate) mod output;
mod pages;
pub(crate) mod pagination;
pub(crate) mod published;
mod templates;
mod update;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use minijinja::Environment;
use rayon::prelude::*;
use serde::Serialize;

use crate::error::Error;
use crate::history::trust::Trust;
use crate::history::{Audit, PlanHistory};
use crate::plan::PlanFile;
use crate::repo::Repo;
use context::{PlanSummary, Urls};
use templates::ASSETS;

pub(crate) use update::Updated;

/// How to build.
pub(crate) struct Options {
    pub out: PathBuf,
    /// The site's absolute address (`site.url`, `--site-url`), used only where an absolute
    /// URL is required: the feed, the calendar and canonical links. Links between pages are
    /// always relative.
    pub site_url: Option<String>,
    pub include_restricted: bool,
    pub today: Date,
    /// Shows progress on a terminal (hidden when not given).
    pub progress: Option<indicatif::ProgressBar>,
    /// `--reviews`: a folder of pull-request reviews that count as sign-off evidence.
    pub reviews: Option<PathBuf>,
}

/// What a build produced.
pub(crate) struct Built {
    pub out: PathBuf,
    pub plans: usize,
    pub pages: usize,
    /// Plans left out because they could not be read, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
    /// The history came from a shallow clone, so it is incomplete.
    pub shallow: bool,
    /// Objects are missing (a partial clone, a damaged repository): the history is incomplete.
    pub partial: bool,
    /// Why git's index could not be read, if it could not: uncommitted edits are not shown.
    pub worktree_unread: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct SiteInfo {
    title: String,
    /// Always empty: page links are made relative to each page when it is written.
    base_url: String,
    /// The absolute address of the site, when it is known.
    site_url: Option<String>,
    generated: String,
    plan_count: usize,
    repo_url: Option<String>,
}

/// Builds the site of `repo` into `options.out`.
pub(crate) fn build(repo: Repo, options: &Options) -> Result<Built, Error> {
    Ok(build_with(repo, options, Updates::None, loading::HELD_TYPED_UP_TO)?.0)
}

/// Builds the site and keeps it in memory, for updates after edits.
pub(crate) fn build_site(repo: Repo, options: &Options) -> Result<(Built, Site), Error> {
    build_with(
        repo,
        options,
        Updates::AfterEdits,
        loading::HELD_TYPED_UP_TO,
    )
}

/// Whether the site in memory will take in edits after it is written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Updates {
    /// A one-off build: the audit trail is released as soon as the histories are read.
    None,
    /// `serve`: the audit trail is kept to recompute uncommitted changes after an edit.
    AfterEdits,
}

/// Builds the site; a one-off build of more than `held_typed_up_to` plans sets each typed plan
/// aside until its page is written (see [`loading::HELD_TYPED_UP_TO`]).
pub(crate) fn build_with(
    repo: Repo,
    options: &Options,
    updates: Updates,
    held_typed_up_to: usize,
) -> Result<(Built, Site), Error> {
    // The output folder is checked before anything is read, so a wrong `--out` fails at once.
    let staging = output::Staging::new(&repo.root, &repo.plans_dir(), &options.out)?;
    // A one-off build writes each plan's page and history as soon as the plan is read, and
    // keeps only what the other pages need; `serve` keeps every plan whole for its updates.
    let stream = (updates == Updates::None).then_some(&staging);
    let site = Site::load(repo, options, updates, stream, held_typed_up_to)?;
    let pages = site.write_all(&staging, options.progress.as_ref())?;
    let out = staging.commit()?;
    Ok((site.built(out, pages), site))
}

/// One plan on the site.
pub(crate) struct SitePlan {
    /// The plan's file: let go by a streamed build once the plan's page is written and its
    /// entry of `plans.json` set aside.
    file: Option<Box<PlanFile>>,
    summary: PlanSummary,
    /// The history the site publishes: from where the plan stopped being restricted.
    history: Option<Box<PlanHistory>>,
    /// The whole history, kept only when it differs from the published one: sign-offs are
    /// verified on it, and it is never written out.
    full_history: Option<Box<PlanHistory>>,
    /// The site publishes a history of the plan (`plans/<id>/history.json`), whether or not
    /// it is still held in `history`.
    has_history: bool,
    /// The plan has consequences and an incentive that this site does not publish.
    consequences_held: bool,
    /// What the index, the list pages and the calendar read of the plan.
    facts: Facts,
    /// The body's distinct words, for the search index.
    words: String,
    /// Where a streamed build put the plan's entry of `plans.json` once its page was written
    /// (its typed plan is let go then).
    entry: Option<data::Spooled>,
}

/// What the index, the list pages and the calendar read of a plan besides its summary, worked
/// out when the plan is read: a streamed build then lets go of the typed plan.
pub(crate) struct Facts {
    /// Everyone the plan names (their pages list it), sorted, with their part in it.
    people: Vec<Part>,
    /// What needs a leader's action in the plan (see [`crate::plan::attention`]).
    attention: Vec<crate::plan::attention::Item>,
    /// What the plan invests, for a manager's totals.
    investment: Option<Invested>,
    /// When the plan is to be reassessed, for the calendar: none once it is assessed or
    /// withdrawn.
    reassess: Option<Date>,
}

/// A person the plan names, and their part in it.
pub(crate) struct Part {
    id: String,
    /// Their roles in words (see [`context::roles_in`]).
    roles: Option<String>,
    /// The help the plan asks of them.
    help: Vec<Asked>,
}

/// What a plan asks of a person it names: kept for each such person, without the plan's
/// title and address, which its summary has (see [`context::HelpAsked`]).
pub(crate) struct Asked {
    ask: String,
    by: Option<String>,
    /// "requested", "agreed", "delivered" or "declined".
    status: String,
    overdue: bool,
}

/// A plan's investment: its budget, in the plan's currency, and days.
pub(crate) struct Invested {
    currency: String,
    budget: Option<f64>,
    days: f64,
}

/// A page of the site.
pub(crate) enum Page {
    Plan(usize),
    Index,
    List(ListPage),
    Hub(Hub),
}

/// A page listing plans: by status, by region, everyone a person takes part in, or the
/// plans of a manager's reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ListPage {
    Status(String),
    Region(String),
    Person(String),
    Manager(String),
}

/// An index of list pages (`status/`, `regions/`, `owners/`, `managers/`), or the page shown
/// for an address the site does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hub {
    Status,
    Regions,
    Owners,
    Managers,
    NotFound,
}

impl Hub {
    const ALL: [Hub; 5] = [
        Hub::Status,
        Hub::Regions,
        Hub::Owners,
        Hub::Managers,
        Hub::NotFound,
    ];
}

/// A site held in memory: every plan with its views and history, ready to be written whole,
/// or in part after an edit (what `serve` does, so an edit shows in a moment on any size).
pub(crate) struct Site {
    repo: Repo,
    base: String,
    today: Date,
    env: Environment<'static>,
    info: SiteInfo,
    repo_url: Option<String>,
    /// The plans on the site, in path order. Boxed: they are gathered in parallel, each
    /// thread's then joined, and moving 1.4 KB a plan held the vectors about twice over.
    #[expect(clippy::vec_box, reason = "plans are gathered from threads and joined")]
    plans: Vec<Box<SitePlan>>,
    /// Plans left out, with the reason.
    skipped: Vec<(PathBuf, String)>,
    /// Plan path (as written in links) → id.
    by_path: HashMap<String, String>,
    /// The audit trail, kept to recompute a plan's uncommitted changes after an edit (only
    /// by a site that takes in edits: see [`Updates`]).
    audit: Option<Audit>,
    /// The history is incomplete: a shallow clone, or objects missing.
    shallow: bool,
    /// Objects are missing from a clone that is not shallow (see [`Built::partial`]).
    partial: bool,
    /// See [`Built::worktree_unread`].
    worktree_unread: Option<String>,
    /// Who vouches for sign-offs, kept to assess them again after an edit.
    trust: Trust,
    /// Restricted plans (and so restricted pasts) are on this site.
    include_restricted: bool,
    /// Consequences and incentives are kept off this site.
    private_consequences: bool,
    /// The plans' pages and history files were written as the plans were read, and what
    /// the data files need was gathered then (see [`data::Streamed`]).
    streamed: Option<data::Streamed>,
    /// The plans on each list page, by the page's URL (see [`Site::members`]); worked out
    /// again after an edit.
    members: std::sync::OnceLock<HashMap<String, Vec<usize>>>,
    /// Plans' summaries carry their primary metric's chart: only a repository's own template
    /// could show it (see [`templates::shows_summary_charts`]), and 10,000 charts weigh 32 MB.
    summary_charts: bool,
}

impl Site {
    /// What a build of this site produced.
    pub(crate) fn built(&self, out: PathBuf, pages: usize) -> Built {
        Built {
            out,
            plans: self.plans.len(),
            pages,
            skipped: self.skipped.clone(),
            shallow: self.shallow && !self.partial,
            partial: self.partial,
            worktree_unread: self.worktree_unread.clone(),
        }
    }

    /// The repository the site was built from.
    pub(crate) fn repo(&self) -> &Repo {
        &self.repo
    }

    fn urls(&self) -> Urls<'_> {
        Urls { base: &self.base }
    }

    /// Writes every page, the data files and the assets; returns the number of pages.
    pub(crate) fn write_all(
        &self,
        staging: &output::Staging,
        progress: Option<&indicatif::ProgressBar>,
    ) -> Result<usize, Error> {
        let bar = progress
            .cloned()
            .unwrap_or_else(indicatif::ProgressBar::hidden);
        bar.set_message("writing pages");
        let mut pages = vec![Page::Index];
        if self.streamed.is_none() {
            pages.extend((0..self.plans.len()).map(Page::Plan));
        }
        pages.extend(self.list_pages().into_values().map(Page::List));
        pages.extend(Hub::ALL.map(Page::Hub));
        bar.set_length(pages.len() as u64);
        let mut count = self.write_pages(staging, &pages, &bar)?;
        if self.streamed.is_some() {
            count += self.plans.len();
        }
        self.write_data(staging, &|| false)?;
        for (name, default) in ASSETS {
            // A link to a file outside the repository (`/proc/self/environ`, say) fails the
            // build rather than publish that file.
            let custom = Path::new("site-templates").join(name);
            let bytes = crate::repo::read_inside(&self.repo.root, &custom)?
                .unwrap_or_else(|| default.as_bytes().to_vec());
            staging.write(name, &bytes)?;
        }
        bar.finish_and_clear();
        Ok(count)
    }

    /// Renders and writes pages in parallel, each written as soon as it is rendered so that a
    /// big site never sits in memory.
    fn write_pages(
        &self,
        staging: &output::Staging,
        pages: &[Page],
        bar: &indicatif::ProgressBar,
    ) -> Result<usize, Error> {
        pages
            .par_iter()
            .map(|page| {
                match page {
                    Page::Plan(i) => self.write_plan_page(staging, &self.plans[*i])?,
                    Page::Index => self.write_index(staging)?,
                    Page::List(list) => self.write_list(staging, list)?,
                    Page::Hub(hub) => self.write_hub(staging, *hub)?,
                }
                bar.inc(1);
                Ok(())
            })
            .collect::<Result<(), Error>>()?;
        Ok(pages.len())
    }
}
