//! The pages: a plan's page, the index and its pages, the lists (by status, region, person
//! and manager), the hubs that index them, and the 404 page.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use super::context::{self, PlanSummary, Urls};
use super::data::{Listing, listing_parts};
use super::evidence::signoff_evidence;
use super::links::{absolute_links, relative_links, rewrite_link};
use super::templates::{render, v};
use super::{Hub, ListPage, Site, SitePlan, chart, markdown, output, pagination, published};
use crate::error::Error;
use crate::plan::model::Status;

#[derive(Serialize)]
pub(crate) struct Facet {
    key: String,
    label: String,
    url: String,
    count: usize,
}

/// The label of a status key: `in_review` → "in review".
pub(crate) fn status_label(key: &str) -> &str {
    Status::ALL
        .iter()
        .find(|s| s.as_str() == key)
        .map_or(key, |s| s.label())
}

/// Pages by status (lifecycle order), region and owner (by name).
pub(crate) fn facets(
    summaries: &[&PlanSummary],
    urls: &Urls,
) -> (Vec<Facet>, Vec<Facet>, Vec<Facet>) {
    let statuses = Status::ALL
        .iter()
        .filter_map(|s| {
            let count = summaries.iter().filter(|p| p.status == s.as_str()).count();
            (count > 0).then(|| Facet {
                key: s.as_str().into(),
                label: capitalize(s.label()),
                url: urls.status(s.as_str()),
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

pub(crate) fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// How many items of each kind the index shows of what needs attention; the attention page
/// (`attention/`) lists them all.
pub(crate) const ATTENTION_PER_KIND: usize = 10;

/// The first `n` items of each kind of a list sorted by kind.
pub(crate) fn first_of_each_kind(
    items: Vec<context::AttentionView>,
    n: usize,
) -> Vec<context::AttentionView> {
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

impl Site {
    /// The site path of a page URL (`plans/x/index.html`, relative to the site's root).
    pub(crate) fn file_of(&self, url: &str) -> String {
        url.to_string()
    }

    /// Renders and writes a plan's page.
    pub(crate) fn write_plan_page(
        &self,
        staging: &output::Staging,
        plan: &SitePlan,
    ) -> Result<(), Error> {
        let html = self.plan_page(plan)?;
        let file = self.file_of(&plan.summary.url);
        staging.write(&file, relative_links(&html, &file).as_bytes())
    }

    pub(crate) fn plan_page(&self, plan: &SitePlan) -> Result<String, Error> {
        let (file, data) = plan
            .file
            .as_deref()
            .and_then(|f| Some((f, f.plan.as_ref()?)))
            .ok_or_else(|| Error::usage("plan vanished", None))?;
        let urls = self.urls();
        let history = plan.history.as_deref();
        let dir = file.path.parent().unwrap_or(Path::new(""));
        let rewrite =
            |dest: &str| rewrite_link(dest, dir, &self.by_path, &urls, self.repo_url.as_deref());
        let body = markdown::render(file.body_text(), &rewrite);
        let people = &self.repo.people;
        // Sign-offs are judged on the whole history, even where the page shows less of it.
        let whole = plan.full_history.as_deref().or(history);
        let verified = |person: &str, date: &str| {
            signoff_evidence(people, &self.trust.policy, whole, person, date)
        };
        let mut page = context::page(context::PageSource {
            plan: data,
            summary: plan.summary.clone(),
            people,
            urls: &urls,
            history,
            evidence: &verified,
            body,
            repo_url: self.repo_url.as_deref(),
            source_path: &crate::diagnostic::display_path(&file.path),
            today: self.today,
        });
        page.consequences_held = plan.consequences_held;
        render(
            &self.env,
            "plan.html",
            minijinja::context! { site => v(&self.info), page => v(&page) },
        )
    }

    pub(crate) fn summaries(&self) -> Vec<&PlanSummary> {
        self.plans.iter().map(|p| &p.summary).collect()
    }

    /// The index: what needs attention, then the plans a page at a time (`page/2/`…). Its
    /// search and filters read every plan from the listing (see [`Site::write_listing`]).
    pub(crate) fn write_index(&self, staging: &output::Staging) -> Result<(), Error> {
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
        let all = summaries.len();
        self.write_paginated(staging, "index.html", "index.html", &summaries, all, shared)
    }

    /// Writes the pages of a plan table whose first page is `first`, rendering `template` with
    /// `shared` and each page's `plans` and `paginator`; removes pages left from a longer list.
    /// The first `own` plans are the list's own (`plans`); any after them are the other plans
    /// a person takes part in, given to the page as `also`.
    pub(crate) fn write_paginated(
        &self,
        staging: &output::Staging,
        template: &str,
        first: &str,
        plans: &[&PlanSummary],
        own: usize,
        shared: minijinja::Value,
    ) -> Result<(), Error> {
        let pages = pagination::paginate(plans, self.repo.config.site.paginate_by, first);
        let count = pages.len();
        pages.into_par_iter().try_for_each(|(paginator, plans)| {
            let file = pagination::page_url(first, paginator.current);
            let before = paginator.first_item.saturating_sub(1);
            let (plans, also) = plans.split_at(own.saturating_sub(before).min(plans.len()));
            let html = render(
                &self.env,
                template,
                minijinja::context! { plans => v(&plans), also => v(&also), paginator => v(&paginator), ..shared.clone() },
            )?;
            staging.write(&file, relative_links(&html, &file).as_bytes())
        })?;
        let folder = first.strip_suffix("index.html").unwrap_or(first);
        let pages = format!("{folder}page");
        if count == 1 {
            return staging.remove_page(&pages);
        }
        staging.remove_stale(&pages, &|name| {
            name.parse::<usize>()
                .is_ok_and(|n| (2..=count).contains(&n))
        })
    }

    /// What needs a leader's action across the plans on the site, each linked to its plan,
    /// most pressing kind first.
    pub(crate) fn attention(&self) -> Vec<context::AttentionView> {
        let mut items: Vec<&crate::plan::attention::Item> =
            self.plans.iter().flat_map(|p| &p.facts.attention).collect();
        crate::plan::attention::in_order(&mut items);
        let by_id: HashMap<&str, &PlanSummary> = self
            .plans
            .iter()
            .map(|p| (p.summary.id.as_str(), &p.summary))
            .collect();
        items
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
                plan: item.plan.clone(),
            })
            .collect()
    }

    /// Every list page the site has, by URL (two regions spelled `EMEA` and `Emea` share a
    /// page; the first spelling names it).
    pub(crate) fn list_pages(&self) -> BTreeMap<String, ListPage> {
        let mut lists = std::collections::BTreeSet::new();
        for plan in &self.plans {
            lists.extend(self.lists_of(plan));
        }
        // Everyone in a reporting line has a page and every manager an organisation page,
        // so that the links between managers and reports lead somewhere even where nobody
        // in them owns a plan.
        let people = &self.repo.people;
        for (id, person) in &people.by_id {
            if person.manager.is_some() {
                lists.insert(ListPage::Person(id.clone()));
            }
        }
        for manager in people.managers() {
            lists.insert(ListPage::Person(manager.to_string()));
            lists.insert(ListPage::Manager(manager.to_string()));
        }
        let mut out = BTreeMap::new();
        for list in lists {
            out.entry(self.list_url(&list)).or_insert(list);
        }
        out
    }

    /// The plans on each list page, by the page's URL, in path order: worked out once from
    /// the lists each plan is on, rather than by reading every plan for every list page.
    pub(crate) fn members(&self) -> &HashMap<String, Vec<usize>> {
        self.members.get_or_init(|| {
            let mut out: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, plan) in self.plans.iter().enumerate() {
                for list in self.lists_of(plan) {
                    let plans = out.entry(self.list_url(&list)).or_default();
                    if plans.last() != Some(&i) {
                        plans.push(i);
                    }
                }
            }
            out
        })
    }

    /// The plans on a list page, in path order.
    pub(crate) fn members_of(&self, list: &ListPage) -> Vec<&SitePlan> {
        self.members()
            .get(&self.list_url(list))
            .map(|plans| plans.iter().map(|i| &*self.plans[*i]).collect())
            .unwrap_or_default()
    }

    /// The list pages a plan appears on.
    pub(crate) fn lists_of(&self, plan: &SitePlan) -> Vec<ListPage> {
        let mut out = vec![ListPage::Status(plan.summary.status.to_string())];
        out.extend(plan.summary.region.clone().map(ListPage::Region));
        out.extend(
            plan.facts
                .people
                .iter()
                .map(|p| ListPage::Person(p.id.clone())),
        );
        out.extend(
            self.repo
                .people
                .managers_of(&plan.summary.owner.id)
                .into_iter()
                .map(|m| ListPage::Manager(m.to_string())),
        );
        out
    }

    pub(crate) fn list_url(&self, list: &ListPage) -> String {
        let urls = self.urls();
        match list {
            ListPage::Status(status) => urls.status(status),
            ListPage::Region(region) => urls.region(region),
            ListPage::Person(id) => urls.person(id),
            ListPage::Manager(id) => urls.manager(id),
        }
    }

    pub(crate) fn write_list(
        &self,
        staging: &output::Staging,
        list: &ListPage,
    ) -> Result<(), Error> {
        let site = &self.info;
        let urls = self.urls();
        // The plans of the list, then (on a person's page) the others they take part in.
        let (plans, own, shared): (Vec<&PlanSummary>, usize, minijinja::Value) = match list {
            ListPage::Status(key) => {
                let plans: Vec<&PlanSummary> = self
                    .members_of(list)
                    .into_iter()
                    .map(|p| &p.summary)
                    .collect();
                let heading = capitalize(status_label(key));
                let own = plans.len();
                (
                    plans,
                    own,
                    minijinja::context! { site => v(site), heading => v(&heading), kind => v(&"Status"), kind_url => v(&urls.hub("status")) },
                )
            }
            ListPage::Region(region) => {
                let plans: Vec<&PlanSummary> = self
                    .members_of(list)
                    .into_iter()
                    .map(|p| &p.summary)
                    .collect();
                let heading = format!("Plans in {region}");
                let own = plans.len();
                (
                    plans,
                    own,
                    minijinja::context! { site => v(site), heading => v(&heading), kind => v(&"Regions"), kind_url => v(&urls.hub("regions")) },
                )
            }
            // The plans they own, then the others they take part in (as sponsor, team
            // member, activity owner, source of help or signer), their part in each, and
            // the help asked of them.
            ListPage::Person(id) => {
                let theirs = self.members_of(list);
                let (owned, also): (Vec<&PlanSummary>, Vec<&PlanSummary>) = theirs
                    .iter()
                    .map(|p| &p.summary)
                    .partition(|p| &p.owner.id == id);
                let mut involvement = Vec::new();
                let mut help = Vec::new();
                for p in &theirs {
                    let people = &p.facts.people;
                    let Ok(at) = people.binary_search_by(|part| part.id.as_str().cmp(id)) else {
                        continue;
                    };
                    let part = &people[at];
                    if let Some(roles) = &part.roles {
                        involvement.push(context::Involvement {
                            title: p.summary.title.clone(),
                            url: p.summary.url.clone(),
                            status_label: p.summary.status_label,
                            roles: roles.clone(),
                        });
                    }
                    help.extend(
                        part.help
                            .iter()
                            .map(|asked| context::HelpAsked::new(&p.summary, asked)),
                    );
                }
                let person = context::person(&self.repo.people, &urls, id);
                let manager = self
                    .repo
                    .people
                    .get(id)
                    .and_then(|p| p.manager.as_deref())
                    .map(|m| context::person(&self.repo.people, &urls, m));
                let heading = person.name.clone();
                let own = owned.len();
                (
                    owned.into_iter().chain(also).collect(),
                    own,
                    minijinja::context! { site => v(site), heading => v(&heading), kind => v(&"People"), kind_url => v(&urls.hub("owners")), person => v(&person), involvement => v(&involvement), help => v(&help), manager => v(&manager) },
                )
            }
            // The plans owned by everyone who reports to them, directly or not, with totals.
            ListPage::Manager(id) => {
                let people = &self.repo.people;
                let plans = self.members_of(list);
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
                let own = summaries.len();
                (
                    summaries,
                    own,
                    minijinja::context! { site => v(site), heading => v(&heading), kind => v(&"Managers"), kind_url => v(&urls.hub("managers")), manager => v(&person), totals => v(&totals), reports => v(&reports) },
                )
            }
        };
        let first = self.file_of(&self.list_url(list));
        self.write_paginated(staging, "list.html", &first, &plans, own, shared)
    }

    /// A roll-up of plans: how many per status, behind or at risk, and what they invest.
    pub(crate) fn totals(&self, plans: &[&SitePlan]) -> context::Totals {
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
        for invested in plans.iter().filter_map(|p| p.facts.investment.as_ref()) {
            if let Some(budget) = invested.budget {
                *money.entry(invested.currency.clone()).or_default() += budget;
            }
            days += invested.days;
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
    pub(crate) fn write_hub(&self, staging: &output::Staging, hub: Hub) -> Result<(), Error> {
        let urls = self.urls();
        let lists = self.list_pages();
        let members = self.members();
        let count = |url: &String| members.get(url).map_or(0, Vec::len);
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
                        count: count(url),
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
