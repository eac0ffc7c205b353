//! `planbook build`: the static site. Load → history → views → render (in parallel) → write
//! into a fresh folder → swap it in.

pub mod chart;
pub mod context;
pub mod feeds;
pub mod markdown;
pub mod output;
pub mod pagination;
pub mod published;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use minijinja::Environment;
use rayon::prelude::*;
use serde::Serialize;

use crate::error::Error;
use crate::history::trust::Trust;
use crate::history::{Audit, PlanHistory};
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
    (
        "_pager.html",
        include_str!("../../site-templates/_pager.html"),
    ),
    (
        "_attention.html",
        include_str!("../../site-templates/_attention.html"),
    ),
    (
        "attention.html",
        include_str!("../../site-templates/attention.html"),
    ),
    ("hub.html", include_str!("../../site-templates/hub.html")),
    ("feed.xml", include_str!("../../site-templates/feed.xml")),
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

/// How many recent changes the Atom feed carries.
const FEED_ENTRIES: usize = 50;

/// How to build.
pub struct Options {
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
    /// Always empty: page links are made relative to each page when it is written.
    base_url: String,
    /// The absolute address of the site, when it is known.
    site_url: Option<String>,
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

/// Builds the site of `repo` into `options.out`.
pub fn build(repo: Repo, options: &Options) -> Result<Built, Error> {
    Ok(build_with(repo, options, Updates::None)?.0)
}

/// Builds the site and keeps it in memory, for updates after edits.
pub fn build_site(repo: Repo, options: &Options) -> Result<(Built, Site), Error> {
    build_with(repo, options, Updates::AfterEdits)
}

/// Whether the site in memory will take in edits after it is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Updates {
    /// A one-off build: the audit trail is released as soon as the histories are read.
    None,
    /// `serve`: the audit trail is kept to recompute uncommitted changes after an edit.
    AfterEdits,
}

fn build_with(repo: Repo, options: &Options, updates: Updates) -> Result<(Built, Site), Error> {
    // The output folder is checked before anything is read, so a wrong `--out` fails at once.
    let staging = output::Staging::new(&repo.root, &repo.plans_dir(), &options.out)?;
    let site = Site::load(repo, options, updates)?;
    let pages = site.write_all(&staging, options.progress.as_ref())?;
    let out = staging.commit()?;
    Ok((site.built(out, pages), site))
}

/// One plan on the site.
struct SitePlan {
    file: PlanFile,
    summary: PlanSummary,
    /// The history the site publishes: from where the plan stopped being restricted.
    history: Option<PlanHistory>,
    /// The whole history, kept only when it differs from the published one: sign-offs are
    /// verified on it, and it is never written out.
    full_history: Option<PlanHistory>,
    /// The plan has consequences and an incentive that this site does not publish.
    consequences_held: bool,
    /// Everyone the plan names (their pages list it), sorted.
    named: Vec<String>,
    /// The body's distinct words, for the search index.
    words: String,
}

/// A page of the site.
enum Page {
    Plan(usize),
    Index,
    List(ListPage),
    Hub(Hub),
}

/// A page listing plans: by status, by region, everyone a person takes part in, or the
/// plans of a manager's reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum ListPage {
    Status(String),
    Region(String),
    Person(String),
    Manager(String),
}

/// An index of list pages (`status/`, `regions/`, `owners/`, `managers/`), or the page shown
/// for an address the site does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hub {
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

/// What `Site::update` did.
pub struct Updated {
    /// Pages written again.
    pub pages: usize,
}

/// A site held in memory: every plan with its views and history, ready to be written whole,
/// or in part after an edit (what `serve` does, so an edit shows in a moment on any size).
pub struct Site {
    repo: Repo,
    base: String,
    today: Date,
    env: Environment<'static>,
    info: SiteInfo,
    repo_url: Option<String>,
    /// The plans on the site, in path order.
    plans: Vec<SitePlan>,
    /// Plans left out, with the reason.
    skipped: Vec<(PathBuf, String)>,
    /// Plan path (as written in links) → id.
    by_path: HashMap<String, String>,
    /// The audit trail, kept to recompute a plan's uncommitted changes after an edit (only
    /// by a site that takes in edits: see [`Updates`]).
    audit: Option<Audit>,
    shallow: bool,
    /// Who vouches for sign-offs, kept to assess them again after an edit.
    trust: Trust,
    /// Restricted plans (and so restricted pasts) are on this site.
    include_restricted: bool,
    /// Consequences and incentives are kept off this site.
    private_consequences: bool,
}

impl Site {
    /// Reads every plan, its history (from the cache when it is warm) and the templates.
    fn load(repo: Repo, options: &Options, updates: Updates) -> Result<Site, Error> {
        // Every link is relative: the site works from disk, from a CI artifact and under any
        // sub-path. Only the feed and the calendar need the absolute address, `site_url`.
        let base = String::new();
        let env = environment(&repo.root)?;
        let bar = options
            .progress
            .clone()
            .unwrap_or_else(indicatif::ProgressBar::hidden);

        // Every plan that parsed with a usable id, visible in this build.
        let listed = repo.plan_files()?;
        let paths = listed.paths;
        let files: Vec<PlanFile> = paths.par_iter().map(|p| load_for_site(&repo, p)).collect();
        duplicate_ids(&files)?;
        let mut skipped = listed.skipped;
        let mut visible = Vec::new();
        for file in files {
            match &file.plan {
                Some(plan) if plan.id.as_deref().is_some_and(crate::plan::is_slug) => {
                    if plan.visibility == Visibility::Restricted && !options.include_restricted {
                        continue;
                    }
                    visible.push(file);
                }
                _ => skipped.push((file.path.clone(), skip_reason(&file))),
            }
        }
        let ids: Vec<String> = visible.iter().map(PlanFile::id).collect();

        // History: the audit trail of the plans on the site.
        bar.set_message("reading the history");
        let selected: Vec<PathBuf> = visible.iter().map(|f| f.path.clone()).collect();
        let trust = Trust::current(&repo, options.reviews.as_deref())?;
        let site_publishes_consequences = repo.config.site.publish_consequences;
        let mut audit = Audit::open(&repo, true)?;
        let shallow = audit.as_ref().is_some_and(|a| a.shallow || !a.complete());
        let histories: Vec<Option<PlanHistory>> = match audit.as_mut() {
            Some(audit) => audit
                .history(&selected, &ids, &trust)?
                .plans
                .into_iter()
                .map(Some)
                .collect(),
            None => visible.iter().map(|_| None).collect(),
        };
        // Its commit walk and diff cache weigh hundreds of megabytes on a long history.
        if updates == Updates::None {
            audit = None;
        }

        let repo_url = repo
            .config
            .repo_url
            .clone()
            .or_else(|| crate::git::origin_web_url(&repo.root));
        let by_path = visible
            .iter()
            .zip(&ids)
            .map(|(f, id)| (crate::diagnostic::display_path(&f.path), id.clone()))
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
            audit,
            shallow,
            trust,
            include_restricted: options.include_restricted,
            private_consequences: !(options.include_restricted || site_publishes_consequences),
        };
        site.plans = visible
            .into_par_iter()
            .zip(histories.into_par_iter())
            .map(|(file, history)| site.site_plan(file, history))
            .collect();
        Ok(site)
    }

    /// What a build of this site produced.
    pub fn built(&self, out: PathBuf, pages: usize) -> Built {
        Built {
            out,
            plans: self.plans.len(),
            pages,
            skipped: self.skipped.clone(),
            shallow: self.shallow,
        }
    }

    /// The repository the site was built from.
    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    fn urls(&self) -> Urls<'_> {
        Urls { base: &self.base }
    }

    /// A plan with what the site shows of it.
    fn site_plan(&self, mut file: PlanFile, mut history: Option<PlanHistory>) -> SitePlan {
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
        );
        let mut named = people_named(plan);
        named.sort_unstable();
        named.dedup();
        let words = search_words(file.body_text());
        SitePlan {
            file,
            summary,
            history,
            consequences_held,
            full_history,
            named,
            words,
        }
    }

    /// Writes every page, the data files and the assets; returns the number of pages.
    pub fn write_all(
        &self,
        staging: &output::Staging,
        progress: Option<&indicatif::ProgressBar>,
    ) -> Result<usize, Error> {
        let bar = progress
            .cloned()
            .unwrap_or_else(indicatif::ProgressBar::hidden);
        bar.set_message("writing pages");
        let mut pages = vec![Page::Index];
        pages.extend((0..self.plans.len()).map(Page::Plan));
        pages.extend(self.list_pages().into_values().map(Page::List));
        pages.extend(Hub::ALL.map(Page::Hub));
        bar.set_length(pages.len() as u64);
        let count = self.write_pages(staging, &pages, &bar)?;
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
                    Page::Plan(i) => {
                        let plan = &self.plans[*i];
                        let html = self.plan_page(plan)?;
                        let file = self.file_of(&plan.summary.url);
                        staging.write(&file, relative_links(&html, &file).as_bytes())?;
                    }
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

    /// Takes in edits to the plan files at `paths` (relative to the root) and writes again
    /// only the pages they touch: the plans' own pages, the index, and the status, region and
    /// people pages they were or are listed on. The data files (`plans.json`, search index,
    /// feed, calendar) are left to [`Site::write_data`].
    ///
    /// `Ok(None)` when the edit needs a whole build: a plan added, removed or renamed, or a
    /// plan's id or visibility changed. An `Err` (a plan that no longer parses, say) leaves
    /// the site as it was.
    pub fn update(
        &mut self,
        paths: &[PathBuf],
        staging: &output::Staging,
    ) -> Result<Option<Updated>, Error> {
        // Read and check every edited plan before changing anything.
        let mut edits = Vec::new();
        for path in paths {
            let Some(i) = self.plans.iter().position(|p| &p.file.path == path) else {
                return Ok(None);
            };
            if !self.repo.root.join(path).is_file() {
                return Ok(None);
            }
            let file = load_for_site(&self.repo, path);
            let Some(plan) = &file.plan else {
                let help = file.problems.first().and_then(|p| p.help.clone());
                return Err(Error::usage(
                    format!("{} cannot be read: {}", path.display(), skip_reason(&file)),
                    Some(help.unwrap_or_else(|| "`planbook check` shows every problem".into())),
                ));
            };
            let old = self.plans[i].file.plan.as_ref();
            if plan.id != old.and_then(|p| p.id.clone())
                || Some(plan.visibility) != old.map(|p| p.visibility)
            {
                return Ok(None);
            }
            edits.push((i, file));
        }
        let changed: Vec<usize> = edits.iter().map(|(i, _)| *i).collect();
        let mut lists = std::collections::BTreeSet::new();
        for (i, file) in edits {
            lists.extend(
                self.lists_of(&self.plans[i])
                    .iter()
                    .map(|l| self.list_url(l)),
            );
            let full = self.plans[i].full_history.take();
            let mut history = full.or_else(|| self.plans[i].history.take());
            if let (Some(audit), Some(history)) = (&self.audit, history.as_mut()) {
                history
                    .revisions
                    .retain(|r| r.commit != crate::history::WORKING_TREE);
                if let Some(revision) = audit.working_revision(&file.path) {
                    history.revisions.insert(0, revision);
                }
                let current = history
                    .revisions
                    .first()
                    .map(|r| r.signoffs.to_vec())
                    .unwrap_or_default();
                history.signoffs = audit.signoffs(&history.revisions, &current, &self.trust);
            }
            self.plans[i] = self.site_plan(file, history);
            lists.extend(
                self.lists_of(&self.plans[i])
                    .iter()
                    .map(|l| self.list_url(l)),
            );
        }

        let mut pages = vec![Page::Index];
        pages.extend(changed.iter().map(|i| Page::Plan(*i)));
        pages.extend(Hub::ALL.map(Page::Hub));
        let mut existing = self.list_pages();
        for url in &lists {
            match existing.remove(url) {
                Some(list) => pages.push(Page::List(list)),
                // Nobody is listed there any more.
                None => staging.remove_page(url.trim_end_matches("index.html"))?,
            }
        }
        let pages = self.write_pages(staging, &pages, &indicatif::ProgressBar::hidden())?;
        Ok(Some(Updated { pages }))
    }

    /// The site path of a page URL (`plans/x/index.html`, relative to the site's root).
    fn file_of(&self, url: &str) -> String {
        url.to_string()
    }

    fn plan_page(&self, plan: &SitePlan) -> Result<String, Error> {
        let file = &plan.file;
        let data = file
            .plan
            .as_ref()
            .ok_or_else(|| Error::usage("plan vanished", None))?;
        let urls = self.urls();
        let history = plan.history.as_ref();
        let dir = file.path.parent().unwrap_or(Path::new(""));
        let rewrite =
            |dest: &str| rewrite_link(dest, dir, &self.by_path, &urls, self.repo_url.as_deref());
        let body = markdown::render(file.body_text(), &rewrite);
        let people = &self.repo.people;
        // Sign-offs are judged on the whole history, even where the page shows less of it.
        let whole = plan.full_history.as_ref().or(history);
        let verified = |person: &str, date: &str| {
            signoff_evidence(people, &self.trust.policy, whole, person, date)
        };
        let mut page = context::page(
            data,
            plan.summary.clone(),
            people,
            &urls,
            history,
            &verified,
            body,
            self.repo_url.as_deref(),
            &crate::diagnostic::display_path(&file.path),
            self.today,
        );
        page.consequences_held = plan.consequences_held;
        render(
            &self.env,
            "plan.html",
            minijinja::context! { site => v(&self.info), page => v(&page) },
        )
    }

    fn summaries(&self) -> Vec<&PlanSummary> {
        self.plans.iter().map(|p| &p.summary).collect()
    }

    /// The index: what needs attention, then the plans a page at a time (`page/2/`…). Its
    /// search and filters read every plan from the listing (see [`Site::write_listing`]).
    fn write_index(&self, staging: &output::Staging) -> Result<(), Error> {
        let summaries = self.summaries();
        let (statuses, regions, owners) = facets(&summaries, &self.urls());
        let attention = self.attention();
        let html = render(
            &self.env,
            "attention.html",
            minijinja::context! { site => v(&self.info), attention => v(&attention) },
        )?;
        let file = "attention/index.html";
        staging.write(file, relative_links(&html, file).as_bytes())?;
        let attention_total = attention.len();
        let attention = first_of_each_kind(attention, ATTENTION_PER_KIND);
        let listing = Listing {
            parts: listing_parts(self.plans.len()),
        };
        let shared = minijinja::context! { site => v(&self.info), statuses => v(&statuses), regions => v(&regions), owners => v(&owners), counts => v(&statuses), attention => v(&attention), attention_total => attention_total, listing => v(&listing) };
        self.write_paginated(staging, "index.html", "index.html", &summaries, shared)
    }

    /// Writes the pages of a plan table whose first page is `first`, rendering `template` with
    /// `shared` and each page's `plans` and `paginator`; removes pages left from a longer list.
    fn write_paginated(
        &self,
        staging: &output::Staging,
        template: &str,
        first: &str,
        plans: &[&PlanSummary],
        shared: minijinja::Value,
    ) -> Result<(), Error> {
        let pages = pagination::paginate(plans, self.repo.config.site.paginate_by, first);
        let count = pages.len();
        pages.into_par_iter().try_for_each(|(paginator, plans)| {
            let file = pagination::page_url(first, paginator.current);
            let html = render(
                &self.env,
                template,
                minijinja::context! { plans => v(&plans), paginator => v(&paginator), ..shared.clone() },
            )?;
            staging.write(&file, relative_links(&html, &file).as_bytes())
        })?;
        let folder = first.strip_suffix("index.html").unwrap_or(first);
        staging.remove_stale_folders(&format!("{folder}page"), &|name| {
            name.parse::<usize>()
                .is_ok_and(|n| (2..=count).contains(&n))
        })
    }

    /// What needs a leader's action across the plans on the site, each linked to its plan,
    /// most pressing kind first.
    fn attention(&self) -> Vec<context::AttentionView> {
        let plans: Vec<(&str, &crate::plan::Plan)> = self
            .plans
            .iter()
            .filter_map(|p| Some((p.summary.id.as_str(), p.file.plan.as_ref()?)))
            .collect();
        let by_id: HashMap<&str, &PlanSummary> = self
            .plans
            .iter()
            .map(|p| (p.summary.id.as_str(), &p.summary))
            .collect();
        crate::plan::attention::list(
            &plans,
            &self.repo.people,
            &self.repo.config.signoff,
            self.today,
        )
        .into_iter()
        .map(|item| context::AttentionView {
            kind: item.kind.as_str(),
            label: item.kind.label(),
            url: by_id
                .get(item.plan.as_str())
                .map(|s| s.url.clone())
                .unwrap_or_default(),
            title: published::cap(&item.title).into_owned(),
            message: published::cap(&item.message).into_owned(),
            date: item.date.map(|d| d.to_string()),
            plan: item.plan,
        })
        .collect()
    }

    /// Every list page the site has, by URL (two regions spelled `EMEA` and `Emea` share a
    /// page; the first spelling names it).
    fn list_pages(&self) -> BTreeMap<String, ListPage> {
        let mut lists = std::collections::BTreeSet::new();
        for plan in &self.plans {
            lists.extend(self.lists_of(plan));
        }
        let mut out = BTreeMap::new();
        for list in lists {
            out.entry(self.list_url(&list)).or_insert(list);
        }
        out
    }

    /// The list pages a plan appears on.
    fn lists_of(&self, plan: &SitePlan) -> Vec<ListPage> {
        let mut out = vec![ListPage::Status(plan.summary.status.to_string())];
        out.extend(plan.summary.region.clone().map(ListPage::Region));
        out.extend(plan.named.iter().cloned().map(ListPage::Person));
        out.extend(
            self.repo
                .people
                .managers_of(&plan.summary.owner.id)
                .into_iter()
                .map(|m| ListPage::Manager(m.to_string())),
        );
        out
    }

    fn list_url(&self, list: &ListPage) -> String {
        let urls = self.urls();
        match list {
            ListPage::Status(status) => urls.status(status),
            ListPage::Region(region) => urls.region(region),
            ListPage::Person(id) => urls.person(id),
            ListPage::Manager(id) => urls.manager(id),
        }
    }

    fn write_list(&self, staging: &output::Staging, list: &ListPage) -> Result<(), Error> {
        let site = &self.info;
        let urls = self.urls();
        let (plans, shared): (Vec<&PlanSummary>, minijinja::Value) = match list {
            ListPage::Status(key) => {
                let plans: Vec<&PlanSummary> = self
                    .summaries()
                    .into_iter()
                    .filter(|p| p.status == key.as_str())
                    .collect();
                let heading = capitalize(status_label(key));
                (
                    plans,
                    minijinja::context! { site => v(site), heading => v(&heading), kind => v(&"Status"), kind_url => v(&urls.hub("status")) },
                )
            }
            ListPage::Region(region) => {
                let url = self.list_url(list);
                let plans: Vec<&PlanSummary> = self
                    .summaries()
                    .into_iter()
                    .filter(|p| p.region_url.as_ref() == Some(&url))
                    .collect();
                let heading = format!("Plans in {region}");
                (
                    plans,
                    minijinja::context! { site => v(site), heading => v(&heading), kind => v(&"Regions"), kind_url => v(&urls.hub("regions")) },
                )
            }
            // The plans they own, then the others they take part in (as sponsor, team
            // member, activity owner, source of help or signer), their part in each, and
            // the help asked of them.
            ListPage::Person(id) => {
                let theirs: Vec<&SitePlan> = self
                    .plans
                    .iter()
                    .filter(|p| p.named.binary_search(id).is_ok())
                    .collect();
                let (owned, also): (Vec<&PlanSummary>, Vec<&PlanSummary>) = theirs
                    .iter()
                    .map(|p| &p.summary)
                    .partition(|p| &p.owner.id == id);
                let mut involvement = Vec::new();
                let mut help = Vec::new();
                for p in &theirs {
                    let Some(plan) = p.file.plan.as_ref() else {
                        continue;
                    };
                    if let Some(roles) = context::roles_in(plan, id) {
                        involvement.push(context::Involvement {
                            title: p.summary.title.clone(),
                            url: p.summary.url.clone(),
                            status_label: p.summary.status_label,
                            roles,
                        });
                    }
                    help.extend(context::help_asked(plan, id, &p.summary, self.today));
                }
                let person = context::person(&self.repo.people, &urls, id);
                let manager = self
                    .repo
                    .people
                    .get(id)
                    .and_then(|p| p.manager.as_deref())
                    .map(|m| context::person(&self.repo.people, &urls, m));
                let heading = person.name.clone();
                (
                    owned,
                    minijinja::context! { site => v(site), also => v(&also), heading => v(&heading), kind => v(&"People"), kind_url => v(&urls.hub("owners")), person => v(&person), involvement => v(&involvement), help => v(&help), manager => v(&manager) },
                )
            }
            // The plans owned by everyone who reports to them, directly or not, with totals.
            ListPage::Manager(id) => {
                let people = &self.repo.people;
                let plans: Vec<&SitePlan> = self
                    .plans
                    .iter()
                    .filter(|p| people.reports_to(&p.summary.owner.id, id))
                    .collect();
                let summaries: Vec<&PlanSummary> = plans.iter().map(|p| &p.summary).collect();
                let totals = self.totals(&plans);
                let person = context::person(people, &urls, id);
                let reports: Vec<context::Entry> = people
                    .by_id
                    .iter()
                    .filter(|(_, p)| p.manager.as_deref() == Some(id.as_str()))
                    .map(|(report, p)| context::Entry {
                        label: p.name.clone(),
                        url: if people.managers().contains(&report.as_str()) {
                            urls.manager(report)
                        } else {
                            urls.person(report)
                        },
                        count: plans
                            .iter()
                            .filter(|pl| {
                                pl.summary.owner.id == *report
                                    || people.reports_to(&pl.summary.owner.id, report)
                            })
                            .count(),
                        note: p.title.clone(),
                    })
                    .collect();
                let heading = format!("{}'s organisation", person.name);
                (
                    summaries,
                    minijinja::context! { site => v(site), heading => v(&heading), kind => v(&"Managers"), kind_url => v(&urls.hub("managers")), manager => v(&person), totals => v(&totals), reports => v(&reports) },
                )
            }
        };
        let first = self.file_of(&self.list_url(list));
        self.write_paginated(staging, "list.html", &first, &plans, shared)
    }

    /// A roll-up of plans: how many per status, behind or at risk, and what they invest.
    fn totals(&self, plans: &[&SitePlan]) -> context::Totals {
        let summaries: Vec<&PlanSummary> = plans.iter().map(|p| &p.summary).collect();
        let (statuses, _, _) = facets(&summaries, &self.urls());
        let state = |s: &str| {
            summaries
                .iter()
                .filter(|p| p.primary.as_ref().is_some_and(|m| m.progress.state == s))
                .count()
        };
        let mut money: BTreeMap<String, f64> = BTreeMap::new();
        let mut days = 0.0;
        for p in plans {
            let Some(plan) = p.file.plan.as_ref() else {
                continue;
            };
            if let Some(inv) = &plan.investment {
                if let Some(budget) = inv.budget {
                    *money
                        .entry(plan.currency.clone().unwrap_or_default())
                        .or_default() += budget;
                }
                days += inv.days.unwrap_or(0.0);
            }
        }
        context::Totals {
            plans: plans.len(),
            statuses: statuses
                .into_iter()
                .map(|f| context::Entry {
                    label: f.label,
                    url: f.url,
                    count: f.count,
                    note: None,
                })
                .collect(),
            behind: state("behind"),
            at_risk: state("at-risk"),
            investment: money
                .into_iter()
                .map(|(c, v)| format!("{c} {}", chart::fmt(v)).trim().to_string())
                .collect(),
            days: (days > 0.0).then(|| chart::fmt(days)),
        }
    }

    /// An index of list pages, or the page for addresses the site does not have.
    fn write_hub(&self, staging: &output::Staging, hub: Hub) -> Result<(), Error> {
        let urls = self.urls();
        let lists = self.list_pages();
        let summaries = self.summaries();
        let count = |list: &ListPage| -> usize {
            match list {
                ListPage::Status(s) => summaries.iter().filter(|p| p.status == s.as_str()).count(),
                ListPage::Region(_) => {
                    let url = self.list_url(list);
                    summaries
                        .iter()
                        .filter(|p| p.region_url.as_ref() == Some(&url))
                        .count()
                }
                ListPage::Person(id) => self
                    .plans
                    .iter()
                    .filter(|p| p.named.binary_search(id).is_ok())
                    .count(),
                ListPage::Manager(id) => summaries
                    .iter()
                    .filter(|p| self.repo.people.reports_to(&p.owner.id, id))
                    .count(),
            }
        };
        let entries = |keep: &dyn Fn(&ListPage) -> bool| -> Vec<context::Entry> {
            let mut out: Vec<context::Entry> = lists
                .iter()
                .filter(|(_, l)| keep(l))
                .map(|(url, l)| {
                    let (label, note) = match l {
                        ListPage::Status(s) => (capitalize(status_label(s)), None),
                        ListPage::Region(r) => (r.clone(), None),
                        ListPage::Person(id) | ListPage::Manager(id) => {
                            let p = context::person(&self.repo.people, &urls, id);
                            (p.name, p.title)
                        }
                    };
                    context::Entry {
                        label,
                        url: url.clone(),
                        count: count(l),
                        note,
                    }
                })
                .collect();
            match out.first().map(|_| keep(&ListPage::Status(String::new()))) {
                // Statuses in lifecycle order, the others by name.
                Some(true) => out.sort_by_key(|e| {
                    Status::ALL
                        .iter()
                        .position(|s| capitalize(s.label()) == e.label)
                        .unwrap_or(usize::MAX)
                }),
                _ => out.sort_by(|a, b| a.label.cmp(&b.label)),
            }
            out
        };
        let (file, heading, lead, entries) = match hub {
            Hub::Status => (
                urls.hub("status"),
                "Plans by status",
                "Where each plan is in its lifecycle.",
                entries(&|l| matches!(l, ListPage::Status(_))),
            ),
            Hub::Regions => (
                urls.hub("regions"),
                "Plans by region",
                "The regions plans cover.",
                entries(&|l| matches!(l, ListPage::Region(_))),
            ),
            Hub::Owners => (
                urls.hub("owners"),
                "People",
                "Everyone who owns, sponsors, supports, signs or is asked to help with a plan, and how many plans they take part in.",
                entries(&|l| matches!(l, ListPage::Person(_))),
            ),
            Hub::Managers => (
                urls.hub("managers"),
                "Managers",
                "Each manager's organisation: the plans of everyone who reports to them.",
                entries(&|l| matches!(l, ListPage::Manager(_))),
            ),
            Hub::NotFound => ("404.html".to_string(), "Page not found", "", Vec::new()),
        };
        let hubs: Vec<context::Entry> = [
            ("Plans by status", "status"),
            ("Plans by region", "regions"),
            ("People", "owners"),
            ("Managers", "managers"),
        ]
        .iter()
        .map(|(label, folder)| context::Entry {
            label: label.to_string(),
            url: urls.hub(folder),
            count: 0,
            note: None,
        })
        .collect();
        let html = render(
            &self.env,
            "hub.html",
            minijinja::context! { site => v(&self.info), heading => v(&heading), lead => v(&lead), entries => v(&entries), not_found => v(&(hub == Hub::NotFound)), hubs => v(&hubs) },
        )?;
        // The 404 page is served at any depth: with the site's address known its links are
        // absolute, else they hold from the root.
        let html = match (hub, self.info.site_url.as_deref()) {
            (Hub::NotFound, Some(base)) => absolute_links(&html, base),
            _ => relative_links(&html, &file),
        };
        staging.write(&file, html.as_bytes())
    }
}

/// The label of a status key: `in_review` → "in review".
fn status_label(key: &str) -> &str {
    Status::ALL
        .iter()
        .find(|s| s.as_str() == key)
        .map_or(key, |s| s.label())
}

/// Makes the root-relative links of a page absolute under `base` (which ends with `/`).
fn absolute_links(html: &str, base: &str) -> String {
    let mut out = relative_links(html, "one/page.html");
    for attribute in [" href=\"", " src=\"", " data-base=\""] {
        out = out.replace(&format!("{attribute}../"), &format!("{attribute}{base}"));
    }
    out
}

/// A plan file as the site needs it: the typed plan and the text, not the positions.
fn load_for_site(repo: &Repo, path: &Path) -> PlanFile {
    let mut file = repo.load_plan(path);
    file.front_matter = None;
    file.index = crate::plan::LineIndex::new("");
    file
}

/// The distinct words of a body (three letters or more, lowercase), for the search index.
/// Takes a plan's consequences and incentive (the field, the body section and their changes in
/// the history) out of what the site publishes.
fn keep_consequences_private(file: &mut PlanFile, history: Option<&mut PlanHistory>) {
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
        for revision in &mut history.revisions {
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

fn search_words(body: &str) -> String {
    let mut words: Vec<String> = body
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect();
    words.sort_unstable();
    words.dedup();
    words.join(" ")
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

/// A plan's history as the site publishes it: a plan that was `restricted` and is no longer
/// shows only what happened from the revision that lifted the restriction (and of that
/// revision only the change of visibility, since its other changes list restricted values).
/// The whole history comes back second when anything was left out.
fn published_history(history: PlanHistory) -> (PlanHistory, Option<PlanHistory>) {
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

/// Two plans with one id would share a page, and which one is published would depend on the
/// order of the build: the build fails with the `duplicate-id` finding instead.
fn duplicate_ids(files: &[PlanFile]) -> Result<(), Error> {
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

fn skip_reason(file: &PlanFile) -> String {
    match file.problems.first() {
        Some(p) => format!(
            "{} (line {}, column {})",
            p.message, p.span.line, p.span.column
        ),
        None => "its id is not a valid slug".to_string(),
    }
}

/// An absolute site address with one slash at its end.
pub fn absolute_url(url: &str) -> String {
    format!("{}/", url.trim().trim_end_matches('/'))
}

/// Makes the links of a page written at `file` (relative to the site's root) relative to that
/// page: every `href`, `src` and `data-base` value that is an address from the site's root
/// (no scheme, no leading `/`, `#` or `?`) is prefixed with the way back to the root.
pub fn relative_links(html: &str, file: &str) -> String {
    const ATTRIBUTES: [&str; 3] = [" href=\"", " src=\"", " data-base=\""];
    let depth = file.matches('/').count();
    let up = "../".repeat(depth);
    let mut out = String::with_capacity(html.len() + 1024);
    // The next place of each attribute, found once and found again only once passed, so the
    // page is read in one pass whatever it holds.
    let find = |attribute: &str, from: usize| {
        html.get(from..)
            .and_then(|rest| rest.find(attribute))
            .map(|i| from + i)
    };
    let mut next: Vec<Option<usize>> = ATTRIBUTES.iter().map(|a| find(a, 0)).collect();
    let mut done = 0;
    loop {
        let Some((which, at)) = next
            .iter()
            .enumerate()
            .filter_map(|(i, at)| at.map(|at| (i, at)))
            .min_by_key(|(_, at)| *at)
        else {
            out.push_str(&html[done..]);
            return out;
        };
        let attribute = ATTRIBUTES[which];
        let value_start = at + attribute.len();
        out.push_str(&html[done..value_start]);
        done = value_start;
        next[which] = find(attribute, value_start);
        let rest = &html[value_start..];
        let value = &rest[..rest.find('"').unwrap_or(rest.len())];
        let has_scheme = value.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
        let empty_link = value.is_empty() && which != 2;
        let from_root = !(has_scheme || value.starts_with(['/', '#', '?']) || empty_link);
        if from_root {
            out.push_str(&up);
        }
    }
}

/// The template environment: the built-in templates, each replaceable by a file of the same
/// name in the repository's `site-templates/`.
fn environment(root: &Path) -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    // `.xml` templates (the feed) escape for XML, dropping what XML 1.0 cannot carry.
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".xml") {
            minijinja::AutoEscape::Custom("xml".into())
        } else {
            minijinja::default_auto_escape_callback(name)
        }
    });
    env.set_formatter(|out, state, value| {
        if matches!(state.auto_escape(), minijinja::AutoEscape::Custom(name) if name == "xml")
            && !value.is_safe()
        {
            let text = if value.is_none() || value.is_undefined() {
                String::new()
            } else {
                value.to_string()
            };
            return out
                .write_str(&crate::xml::escape(&text))
                .map_err(minijinja::Error::from);
        }
        minijinja::escape_formatter(out, state, value)
    });
    let dir = root.join("site-templates");
    for (name, default) in TEMPLATES {
        let relative = Path::new("site-templates").join(name);
        let source = match crate::repo::read_inside(root, &relative)? {
            Some(bytes) => String::from_utf8(bytes).map_err(|e| {
                Error::io(
                    &relative,
                    std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
                )
            })?,
            None => default.to_string(),
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
fn facets(summaries: &[&PlanSummary], urls: &Urls) -> (Vec<Facet>, Vec<Facet>, Vec<Facet>) {
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
    // A file of the repository that is not on the site: on the forge when its address is
    // known, else the link goes nowhere rather than to a page that does not exist.
    Some(repo_url.map_or_else(String::new, |u| {
        format!("{u}/blob/HEAD/{}{fragment}", target.replace(' ', "%20"))
    }))
}

/// How the sign-off by `person` dated `date` stands in the audit trail (`None` without one,
/// or when the history cannot tell: a shallow or partial clone).
fn signoff_evidence(
    people: &crate::plan::People,
    policy: &crate::config::SignoffPolicy,
    history: Option<&PlanHistory>,
    person: &str,
    date: &str,
) -> Option<context::EvidenceView> {
    let record = history?
        .signoffs
        .iter()
        .find(|r| r.person == person && r.date == date)?;
    let verified = record.verified(policy);
    let (label, tone) = if record.stale {
        let since = record
            .stale_since
            .as_deref()
            .map(|c| format!(" since {}", c.chars().take(7).collect::<String>()))
            .unwrap_or_default();
        (format!("stale{since}"), "warn")
    } else if verified {
        (record.describe(people), "ok")
    } else {
        ("unverified".to_string(), "warn")
    };
    let detail = if record.stale {
        format!("{} changed after this sign-off", record.changed.join(", "))
    } else if verified {
        match record.evidence {
            Some(crate::config::Evidence::Signature) => {
                "The commit that added it is signed with one of this person's keys".to_string()
            }
            Some(crate::config::Evidence::Review) => {
                "This person approved the pull request that added it".to_string()
            }
            Some(crate::config::Evidence::Author) => {
                "Added in a commit this person authored and committed (emails are self-declared)"
                    .to_string()
            }
            Some(crate::config::Evidence::Attestation) => {
                "A trusted committer recorded this person's approval".to_string()
            }
            None => String::new(),
        }
    } else if record.evidence.is_some() {
        format!(
            "Found {} evidence, which this repository does not accept",
            record.describe(people)
        )
    } else {
        "No commit, signature or review shows that this person gave it".to_string()
    };
    Some(context::EvidenceView {
        label,
        tone: tone.to_string(),
        detail,
        kind: record.evidence.map(|k| k.as_str().to_string()),
        verified: verified && !record.stale,
        stale: record.stale,
    })
}

/// Every plan as `plans.json` lists it, serialized one by one, asking `stop` as it goes.
struct AllPlans<'a> {
    plans: &'a [SitePlan],
    stop: &'a dyn Fn() -> bool,
    stopped: &'a std::cell::Cell<bool>,
}

impl Serialize for AllPlans<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(self.plans.len()))?;
        for (i, p) in self.plans.iter().enumerate() {
            if i % 64 == 0 && (self.stop)() {
                self.stopped.set(true);
                return Err(S::Error::custom("stopped"));
            }
            let Some(plan) = p.file.plan.as_ref() else {
                continue;
            };
            let mut summary = p.summary.clone();
            if let Some(primary) = summary.primary.as_mut() {
                primary.chart = String::new();
            }
            seq.serialize_element(&PlanData {
                id: &p.summary.id,
                path: crate::diagnostic::display_path(&p.file.path),
                url: &p.summary.url,
                summary: &summary,
                plan,
                history_url: p.history.as_ref().map(|_| history_file(&p.summary.id)),
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct PlanData<'a> {
    id: &'a str,
    path: String,
    url: &'a str,
    /// What the index shows, without the chart's drawing.
    summary: &'a PlanSummary,
    plan: &'a crate::plan::Plan,
    /// Where the plan's history is, relative to `plans.json`: `plans/<id>/history.json`
    /// (none without a git history).
    history_url: Option<String>,
}

/// Characters of a word that name its part of the search index.
const SEARCH_PREFIX: usize = 3;

impl Site {
    /// The search index in parts, so that a search fetches only what its words need:
    /// `search/ids.json` lists the plans' ids, and `search/<prefix>.json` (the first three
    /// characters of the words, as hexadecimal UTF-8) maps each word of the plans' text to
    /// the positions of the plans that use it in that list.
    fn write_search(&self, staging: &output::Staging) -> Result<(), Error> {
        let ids: Vec<&str> = self.plans.iter().map(|p| p.summary.id.as_str()).collect();
        staging.write(
            "search/ids.json",
            serde_json::to_string(&ids).unwrap_or_default().as_bytes(),
        )?;
        let mut parts: BTreeMap<String, BTreeMap<&str, Vec<u32>>> = BTreeMap::new();
        for (i, plan) in self.plans.iter().enumerate() {
            for word in plan.words.split(' ').filter(|w| !w.is_empty()) {
                let prefix: String = word.chars().take(SEARCH_PREFIX).collect();
                parts
                    .entry(prefix)
                    .or_default()
                    .entry(word)
                    .or_default()
                    .push(i as u32);
            }
        }
        let name = |prefix: &str| -> String {
            let hex: String = prefix.bytes().map(|b| format!("{b:02x}")).collect();
            format!("{hex}.json")
        };
        parts.par_iter().try_for_each(|(prefix, words)| {
            staging.write(
                &format!("search/{}", name(prefix)),
                serde_json::to_string(words).unwrap_or_default().as_bytes(),
            )
        })?;
        // After an edit (`serve`), a part whose words are all gone would still find them.
        let written: std::collections::HashSet<String> = parts.keys().map(|p| name(p)).collect();
        staging.remove_stale("search", &|file| {
            file == "ids.json" || written.contains(file)
        })
    }
}

/// How many items of each kind the index shows of what needs attention; the attention page
/// (`attention/`) lists them all.
const ATTENTION_PER_KIND: usize = 10;

/// The first `n` items of each kind of a list sorted by kind.
fn first_of_each_kind(items: Vec<context::AttentionView>, n: usize) -> Vec<context::AttentionView> {
    let mut out: Vec<context::AttentionView> = Vec::new();
    let mut run = 0;
    for item in items {
        run = if out.last().is_some_and(|last| last.kind == item.kind) {
            run + 1
        } else {
            1
        };
        if run <= n {
            out.push(item);
        }
    }
    out
}

/// How many plans a part of the listing holds.
const LISTING_PART: usize = 1000;

/// What the index tells its script about the listing.
#[derive(Serialize)]
struct Listing {
    /// How many parts it has: `listing/0.json`, `listing/1.json`…
    parts: usize,
}

fn listing_parts(plans: usize) -> usize {
    plans.div_ceil(LISTING_PART)
}

/// A part of the listing: its plans as arrays (the order of their fields is in
/// docs/templates.md, "The listing"), their owners and the labels of the keys they use given
/// once, so that 10,000 plans stay small.
#[derive(Serialize)]
struct ListingPart<'a> {
    /// A plan's page: `{id}` stands for its id.
    plan_url: String,
    /// Each owner once: id, name, page.
    owners: Vec<[&'a str; 3]>,
    /// Status and state keys → the words shown.
    labels: BTreeMap<&'static str, &'static str>,
    plans: Vec<serde_json::Value>,
}

fn listing_part<'a>(plans: &[&'a PlanSummary], urls: &Urls) -> ListingPart<'a> {
    let mut owners: Vec<[&str; 3]> = Vec::new();
    let mut owner_at: HashMap<&str, usize> = HashMap::new();
    let mut labels = BTreeMap::new();
    let rows = plans
        .iter()
        .map(|s| {
            let owner = *owner_at.entry(s.owner.id.as_str()).or_insert_with(|| {
                owners.push([&s.owner.id, &s.owner.name, &s.owner.url]);
                owners.len() - 1
            });
            labels.insert(s.status, s.status_label);
            let progress = s.primary.as_ref().map(|m| {
                let p = &m.progress;
                labels.insert(p.state, p.state_label);
                let forecast = p.forecast.as_ref().map(|f| {
                    labels.insert(f.state, f.state_label);
                    serde_json::json!([f.value, f.state])
                });
                serde_json::json!([p.state, p.percent, p.latest, m.target, forecast])
            });
            serde_json::json!([
                s.id,
                s.title,
                s.scope,
                s.status,
                s.outcome,
                owner,
                s.region,
                s.start,
                s.end,
                s.reassess,
                s.days_to_reassess,
                s.overdue,
                s.last_change,
                s.last_author,
                s.last_checkin,
                progress,
            ])
        })
        .collect();
    ListingPart {
        plan_url: urls.plan("{id}"),
        owners,
        labels,
        plans: rows,
    }
}

impl Site {
    /// The listing the index's search and filters read when a plan table has more than one
    /// page: every plan in the order of the index (and of `search/ids.json`), in parts of
    /// [`LISTING_PART`] plans fetched side by side.
    fn write_listing(&self, staging: &output::Staging) -> Result<(), Error> {
        let summaries = self.summaries();
        let chunks: Vec<&[&PlanSummary]> = summaries.chunks(LISTING_PART).collect();
        chunks.par_iter().enumerate().try_for_each(|(i, chunk)| {
            let part = listing_part(chunk, &self.urls());
            staging.write(
                &format!("listing/{i}.json"),
                serde_json::to_string(&part).unwrap_or_default().as_bytes(),
            )
        })?;
        let written = chunks.len();
        staging.remove_stale("listing", &|file| {
            file.strip_suffix(".json")
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n < written)
        })
    }
}

/// The file of a plan's published history, relative to the site's root: beside its page.
fn history_file(id: &str) -> String {
    format!("plans/{id}/history.json")
}

impl Site {
    /// Writes `plans.json`, the search index, the Atom feed and the calendar.
    ///
    /// `stop` is asked now and then while `plans.json` (the big one, written last) is written;
    /// when it says so, the old file stays and `Ok(false)` says the data is still to write.
    pub fn write_data(
        &self,
        staging: &output::Staging,
        stop: &dyn Fn() -> bool,
    ) -> Result<bool, Error> {
        let site = &self.info;
        let today = self.today;

        self.write_search(staging)?;
        self.write_listing(staging)?;

        // Absolute addresses only when the site's address is known: no link is invented.
        let site_url = site.site_url.clone();
        let absolute = |url: &str| -> Option<String> {
            let page = url.trim_end_matches("index.html");
            site_url.as_ref().map(|base| format!("{base}{page}"))
        };
        // The latest changes across plans (newest first; ties by plan and commit). Dates are
        // compared as instants: authors write them in their own UTC offsets.
        type Change<'p> = (
            Option<jiff::Timestamp>,
            &'p PlanSummary,
            &'p crate::history::Revision,
        );
        let mut latest: Vec<Change> = self
            .plans
            .iter()
            .filter_map(|p| Some((&p.summary, p.history.as_ref()?)))
            .flat_map(|(s, h)| h.revisions.iter().map(move |r| (r.date.parse().ok(), s, r)))
            .filter(|(_, _, r)| r.commit != crate::history::WORKING_TREE)
            .collect();
        let order = |a: &Change, b: &Change| {
            (b.0, a.1.id.as_str(), a.2.commit.as_str()).cmp(&(
                a.0,
                b.1.id.as_str(),
                b.2.commit.as_str(),
            ))
        };
        if latest.len() > FEED_ENTRIES {
            latest.select_nth_unstable_by(FEED_ENTRIES, order);
            latest.truncate(FEED_ENTRIES);
        }
        latest.sort_unstable_by(order);
        let entries: Vec<feeds::Entry> = latest
            .into_iter()
            .map(|(_, s, r)| {
                let url = absolute(&s.url);
                feeds::Entry {
                    id: feeds::Entry::atom_id(&s.id, url.as_deref(), &r.commit),
                    plan_id: s.id.clone(),
                    plan_title: published::cap(&s.title).into_owned(),
                    url,
                    commit: r.commit.clone(),
                    date: r.date.clone(),
                    author: published::cap(&r.author.name).into_owned(),
                    summary: published::cap(&r.summary).into_owned(),
                    changes: r.changes.iter().map(ToString::to_string).collect(),
                }
            })
            .collect();
        let updated = entries
            .first()
            .map_or_else(|| format!("{today}T00:00:00Z"), |e| e.date.clone());
        let feed = feeds::Feed {
            title: &site.title,
            site_url: site_url.as_deref(),
            updated: &updated,
            entries: &entries,
        };
        let mut feed = render(&self.env, "feed.xml", v(&feed))?;
        // Templates lose their last line break (as in Jinja); a file ends with one.
        if !feed.ends_with('\n') {
            feed.push('\n');
        }
        staging.write("feed.xml", feed.as_bytes())?;

        let events: Vec<feeds::Event> = self
            .plans
            .iter()
            .filter_map(|p| {
                let (plan, s) = (p.file.plan.as_ref()?, &p.summary);
                if matches!(plan.status, Some(Status::Assessed | Status::Withdrawn)) {
                    return None;
                }
                Some(feeds::Event {
                    uid: format!("reassess-{}@planbook", s.id),
                    date: plan.period.as_ref()?.reassess?,
                    summary: format!("Reassess: {}", published::cap(&s.title)),
                    description: format!(
                        "{} ({}), owner {}.{}",
                        published::cap(&s.title),
                        s.scope,
                        s.owner.name,
                        absolute(&s.url)
                            .map(|u| format!(" {u}"))
                            .unwrap_or_default()
                    ),
                    url: absolute(&s.url),
                })
            })
            .collect();
        let stamp = format!("{}T000000Z", today.strftime("%Y%m%d"));
        staging.write("reassessments.ics", feeds::ics(&stamp, &events).as_bytes())?;

        // Each plan's history in its own file (capped: see [`published`]), so that
        // `plans.json` holds the current state of every plan and stays small.
        self.plans
            .par_iter()
            .filter_map(|p| Some((&p.summary.id, p.history.as_ref()?)))
            .try_for_each(|(id, history)| {
                staging.write_json(&history_file(id), &published::history(history))
            })?;

        #[derive(Serialize)]
        struct Data<'a> {
            generated: &'a str,
            plans: AllPlans<'a>,
        }
        let stopped = std::cell::Cell::new(false);
        // Streamed: building it as one JSON value first took gigabytes for 10,000 plans.
        let written = staging.write_json(
            "plans.json",
            &Data {
                generated: &site.generated,
                plans: AllPlans {
                    plans: &self.plans,
                    stop,
                    stopped: &stopped,
                },
            },
        );
        match written {
            Err(_) if stopped.get() => Ok(false),
            Err(e) => Err(e),
            Ok(()) => Ok(true),
        }
    }
}
