//! The data files: `plans.json` (each plan's current state), each plan's published history,
//! the search index and the listing in parts, the Atom feed and the reassessment calendar.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::Serialize;

use super::context::{PlanSummary, Urls};
use super::templates::{render, v};
use super::{Site, SitePlan, feeds, output, published};
use crate::error::Error;
use crate::pretty_json::{self, ListDocument};

/// How many recent changes the Atom feed carries.
pub(crate) const FEED_ENTRIES: usize = 50;

/// The search index as plans are read: each word of their text, and the positions of the
/// plans that use it (in path order, the order of `search/ids.json`).
#[derive(Default)]
pub(crate) struct SearchIndex {
    plans: HashMap<Box<str>, Vec<u32>>,
}

impl SearchIndex {
    /// Adds the plan at position `i` and its distinct `words` (separated by spaces).
    pub(crate) fn add(&mut self, i: usize, words: &str) {
        for word in words.split(' ').filter(|w| !w.is_empty()) {
            match self.plans.get_mut(word) {
                Some(plans) => plans.push(i as u32),
                None => {
                    self.plans.insert(word.into(), vec![i as u32]);
                }
            }
        }
    }

    /// The index in the parts the site publishes: by the first [`SEARCH_PREFIX`] characters
    /// of the words, each word with its plans in path order.
    fn parts(&self) -> BTreeMap<String, BTreeMap<&str, &[u32]>> {
        let mut parts: BTreeMap<String, BTreeMap<&str, &[u32]>> = BTreeMap::new();
        for (word, plans) in &self.plans {
            let prefix: String = word.chars().take(SEARCH_PREFIX).collect();
            parts.entry(prefix).or_default().insert(word, plans);
        }
        parts
    }

    /// Puts each word's plans in path order, once plans read in parallel (and so added in
    /// any order) are all in.
    pub(crate) fn finish(mut self) -> SearchIndex {
        for plans in self.plans.values_mut() {
            plans.sort_unstable();
            plans.shrink_to_fit();
        }
        self
    }
}

/// What a streamed build gathered as it wrote each plan's page, and let go of the plans.
pub(crate) struct Streamed {
    /// The newest changes, for the feed.
    pub(crate) latest: Latest,
    /// Each plan's entry of `plans.json`.
    pub(crate) spool: Spool,
    /// Every plan's words.
    pub(crate) search: SearchIndex,
}

/// A plan's entry of `plans.json` in the [`Spool`]: where it starts and how long it is.
#[derive(Clone, Copy)]
pub(crate) struct Spooled {
    offset: u64,
    len: usize,
}

/// What a streamed build sets aside on disk rather than hold for every plan: each typed plan
/// between reading it and writing its page, and each plan's entry of `plans.json` from then
/// until `plans.json` is written (pages are written in any order, `plans.json` lists the plans
/// in path order). A nameless temporary file beside the folder being written, gone once
/// closed.
pub(crate) struct Spool {
    /// The file: entries are added at its end.
    file: std::sync::Mutex<std::fs::File>,
    /// The folder it is in, for messages.
    dir: std::path::PathBuf,
}

impl Spool {
    pub(crate) fn in_folder(dir: &std::path::Path) -> Result<Spool, Error> {
        let file = tempfile::tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
        Ok(Spool {
            file: std::sync::Mutex::new(file),
            dir: dir.to_path_buf(),
        })
    }

    /// Sets `entry` aside.
    pub(crate) fn put(&self, entry: &[u8]) -> Result<Spooled, Error> {
        use std::io::{Seek, SeekFrom, Write};
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let offset = file.seek(SeekFrom::End(0)).map_err(|e| self.failed(e))?;
        file.write_all(entry).map_err(|e| self.failed(e))?;
        Ok(Spooled {
            offset,
            len: entry.len(),
        })
    }

    /// An error of the spool file, for the build to report.
    pub(crate) fn failed(&self, e: std::io::Error) -> Error {
        Error::io(&self.dir, e)
    }

    /// Reads back the entry set aside `at`, into `out`.
    pub(crate) fn get(&self, at: Spooled, out: &mut Vec<u8>) -> std::io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.seek(SeekFrom::Start(at.offset))?;
        out.resize(at.len, 0);
        file.read_exact(out)
    }
}

/// A plan's entry of `plans.json`, as it is written there, appended to `out`: `false` for a
/// plan without a typed plan (none is on the site).
pub(crate) fn plan_entry(p: &SitePlan, out: &mut Vec<u8>) -> bool {
    let Some((file, plan)) = p.file.as_ref().and_then(|f| Some((f, f.plan.as_ref()?))) else {
        return false;
    };
    // Without the chart's drawing (copied only where there is one).
    let summary = match &p.summary.primary {
        Some(primary) if !primary.chart.is_empty() => {
            let mut summary = p.summary.clone();
            if let Some(primary) = summary.primary.as_mut() {
                primary.chart = String::new();
            }
            std::borrow::Cow::Owned(summary)
        }
        _ => std::borrow::Cow::Borrowed(&p.summary),
    };
    let data = PlanData {
        id: &p.summary.id,
        path: crate::diagnostic::display_path(&file.path),
        url: &p.summary.url,
        summary: &summary,
        plan,
        history_url: p.has_history.then(|| history_file(&p.summary.id)),
    };
    // Serializing plain data into memory does not fail.
    pretty_json::entry(&data, out).is_ok()
}

#[derive(Serialize)]
pub(crate) struct PlanData<'a> {
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
pub(crate) const SEARCH_PREFIX: usize = 3;

/// How many plans a part of the listing holds.
pub(crate) const LISTING_PART: usize = 1000;

/// What the index tells its script about the listing.
#[derive(Serialize)]
pub(crate) struct Listing {
    /// How many parts it has: `listing/0.json`, `listing/1.json`…
    pub parts: usize,
}

pub(crate) fn listing_parts(plans: usize) -> usize {
    plans.div_ceil(LISTING_PART)
}

/// A part of the listing: its plans as arrays (the order of their fields is in
/// docs/templates.md, "The listing"), their owners and the labels of the keys they use given
/// once, so that 10,000 plans stay small.
#[derive(Serialize)]
pub(crate) struct ListingPart<'a> {
    /// A plan's page: `{id}` stands for its id.
    plan_url: String,
    /// Each owner once: id, name, page.
    owners: Vec<[&'a str; 3]>,
    /// Status and state keys → the words shown.
    labels: BTreeMap<&'static str, &'static str>,
    plans: Vec<serde_json::Value>,
}

pub(crate) fn listing_part<'a>(plans: &[&'a PlanSummary], urls: &Urls) -> ListingPart<'a> {
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

/// The file of a plan's published history, relative to the site's root: beside its page.
pub(crate) fn history_file(id: &str) -> String {
    format!("plans/{id}/history.json")
}

/// The newest changes across plans for the feed: at most [`FEED_ENTRIES`], newest first
/// (ties by plan id, then commit). Dates are compared as instants: authors write them in their
/// own UTC offsets.
#[derive(Default)]
pub(crate) struct Latest {
    entries: BTreeMap<LatestKey, feeds::Entry>,
}

/// Newest first, then by plan id and commit (and the revision's place in its history).
type LatestKey = (std::cmp::Reverse<jiff::Timestamp>, String, String, usize);

impl Latest {
    /// Takes the change `key` unless [`FEED_ENTRIES`] newer ones are already held; `entry`
    /// is made only when it is taken.
    fn offer(&mut self, key: LatestKey, entry: impl FnOnce() -> feeds::Entry) {
        let full = self.entries.len() >= FEED_ENTRIES;
        if full
            && self
                .entries
                .last_key_value()
                .is_some_and(|(last, _)| &key >= last)
        {
            return;
        }
        self.entries.insert(key, entry());
        if self.entries.len() > FEED_ENTRIES {
            self.entries.pop_last();
        }
    }

    /// The changes, newest first.
    pub(crate) fn entries(&self) -> Vec<feeds::Entry> {
        self.entries.values().cloned().collect()
    }
}

impl Site {
    /// Offers the committed changes of a plan's published history to the feed.
    pub(crate) fn offer_changes(
        &self,
        latest: &mut Latest,
        summary: &PlanSummary,
        history: &crate::history::PlanHistory,
    ) {
        let committed = history
            .revisions
            .iter()
            .enumerate()
            .filter(|(_, r)| r.commit != crate::history::WORKING_TREE);
        for (i, r) in committed {
            let key = (
                std::cmp::Reverse(r.date.instant()),
                summary.id.clone(),
                r.commit.clone(),
                i,
            );
            latest.offer(key, || {
                let url = self.absolute(&summary.url);
                feeds::Entry {
                    id: feeds::Entry::atom_id(&summary.id, url.as_deref(), &r.commit),
                    plan_id: summary.id.clone(),
                    plan_title: published::cap(&summary.title).into_owned(),
                    url,
                    commit: r.commit.clone(),
                    date: r.date.to_string(),
                    author: published::cap(&r.author.name).into_owned(),
                    summary: published::cap(&r.summary).into_owned(),
                    changes: r.changes.iter().map(ToString::to_string).collect(),
                }
            });
        }
    }

    /// `plans.json`, as pretty JSON: `{"generated": …, "plans": [entries]}`, each plan's entry
    /// read back from the spool or serialized now. Asks `stop` every 64 plans, and sets
    /// `stopped` when it stops.
    fn write_plans(
        &self,
        w: &mut dyn std::io::Write,
        stop: &dyn Fn() -> bool,
        stopped: &std::cell::Cell<bool>,
    ) -> std::io::Result<()> {
        let generated = [("generated", self.info.generated.as_str().into())];
        let mut file = ListDocument::start(w, &generated, "plans")?;
        let mut entry = Vec::new();
        for (i, p) in self.plans.iter().enumerate() {
            if i % 64 == 0 && stop() {
                stopped.set(true);
                return Err(std::io::Error::other("stopped"));
            }
            entry.clear();
            match (p.entry, &self.streamed) {
                (Some(at), Some(streamed)) => streamed.spool.get(at, &mut entry)?,
                _ if plan_entry(p, &mut entry) => {}
                _ => continue,
            }
            file.entry(&entry)?;
        }
        file.end()
    }

    /// The absolute address of a page, when the site's address is known: no link is invented.
    fn absolute(&self, url: &str) -> Option<String> {
        let page = url.trim_end_matches("index.html");
        self.info
            .site_url
            .as_ref()
            .map(|base| format!("{base}{page}"))
    }

    /// Writes a plan's published history (capped: see [`published`]) in its own file, so
    /// that `plans.json` holds the current state of every plan and stays small.
    pub(crate) fn write_history(
        &self,
        staging: &output::Staging,
        plan: &SitePlan,
    ) -> Result<(), Error> {
        match &plan.history {
            Some(history) => staging.write_json(
                &history_file(&plan.summary.id),
                &published::history(history),
            ),
            None => Ok(()),
        }
    }

    /// The search index in parts, so that a search fetches only what its words need:
    /// `search/ids.json` lists the plans' ids, and `search/<prefix>.json` (the first three
    /// characters of the words, as hexadecimal UTF-8) maps each word of the plans' text to
    /// the positions of the plans that use it in that list.
    pub(crate) fn write_search(&self, staging: &output::Staging) -> Result<(), Error> {
        let ids: Vec<&str> = self.plans.iter().map(|p| p.summary.id.as_str()).collect();
        staging.write_data(
            "search/ids.json",
            &serde_json::to_string(&ids).unwrap_or_default(),
        )?;
        // A streamed build gathered the words as it read the plans; `serve` keeps each plan's.
        let gathered;
        let index = match &self.streamed {
            Some(streamed) => &streamed.search,
            None => {
                let mut index = SearchIndex::default();
                for (i, plan) in self.plans.iter().enumerate() {
                    index.add(i, &plan.words);
                }
                gathered = index;
                &gathered
            }
        };
        let parts = index.parts();
        let name = |prefix: &str| -> String {
            let hex: String = prefix.bytes().map(|b| format!("{b:02x}")).collect();
            format!("{hex}.json")
        };
        parts.par_iter().try_for_each(|(prefix, words)| {
            staging.write_data(
                &format!("search/{}", name(prefix)),
                &serde_json::to_string(words).unwrap_or_default(),
            )
        })?;
        // After an edit (`serve`), a part whose words are all gone would still find them.
        let written: std::collections::HashSet<String> = parts.keys().map(|p| name(p)).collect();
        staging.remove_stale("search", &|file| {
            let json = match file.strip_suffix(".js") {
                Some(stem) => format!("{stem}.json"),
                None => file.to_string(),
            };
            json == "ids.json" || written.contains(&json)
        })
    }

    /// The listing the index's search and filters read when a plan table has more than one
    /// page: every plan in the order of the index (and of `search/ids.json`), in parts of
    /// [`LISTING_PART`] plans fetched side by side.
    pub(crate) fn write_listing(&self, staging: &output::Staging) -> Result<(), Error> {
        let summaries = self.summaries();
        let chunks: Vec<&[&PlanSummary]> = summaries.chunks(LISTING_PART).collect();
        chunks.par_iter().enumerate().try_for_each(|(i, chunk)| {
            let part = listing_part(chunk, &self.urls());
            staging.write_data(
                &format!("listing/{i}.json"),
                &serde_json::to_string(&part).unwrap_or_default(),
            )
        })?;
        let written = chunks.len();
        staging.remove_stale("listing", &|file| {
            file.strip_suffix(".json")
                .or_else(|| file.strip_suffix(".js"))
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n < written)
        })
    }

    /// Writes `plans.json`, the search index, the Atom feed and the calendar.
    ///
    /// `stop` is asked now and then while `plans.json` (the big one, written last) is written;
    /// when it says so, the old file stays and `Ok(false)` says the data is still to write.
    pub(crate) fn write_data(
        &self,
        staging: &output::Staging,
        stop: &dyn Fn() -> bool,
    ) -> Result<bool, Error> {
        let site = &self.info;
        let today = self.today;

        self.write_search(staging)?;
        self.write_listing(staging)?;

        let site_url = site.site_url.clone();
        let absolute = |url: &str| self.absolute(url);
        // The latest changes across plans: gathered as the plans were read, or now.
        let entries = match &self.streamed {
            Some(streamed) => streamed.latest.entries(),
            None => {
                let mut latest = Latest::default();
                for p in &self.plans {
                    if let Some(history) = &p.history {
                        self.offer_changes(&mut latest, &p.summary, history);
                    }
                }
                latest.entries()
            }
        };
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
                let s = &p.summary;
                Some(feeds::Event {
                    uid: format!("reassess-{}@planbook", s.id),
                    date: p.facts.reassess?,
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
            .try_for_each(|p| self.write_history(staging, p))?;

        let stopped = std::cell::Cell::new(false);
        // Written entry by entry: building it as one JSON value first took gigabytes for
        // 10,000 plans.
        let written =
            staging.write_with("plans.json", &mut |w| self.write_plans(w, stop, &stopped));
        match written {
            Err(_) if stopped.get() => Ok(false),
            Err(e) => Err(e),
            Ok(()) => Ok(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(commit: &str) -> feeds::Entry {
        feeds::Entry {
            plan_id: String::new(),
            plan_title: String::new(),
            url: None,
            id: String::new(),
            commit: commit.to_string(),
            date: String::new(),
            author: String::new(),
            summary: String::new(),
            changes: Vec::new(),
        }
    }

    #[test]
    fn the_feed_keeps_the_newest_changes_whatever_the_order_they_come_in() {
        let mut latest = Latest::default();
        let mut made = 0;
        // Seconds 0..120, offered in a scrambled order; ties on a second broken by plan id.
        for n in (0..240u32).map(|i| (i * 97) % 240) {
            let second = i64::from(n / 2);
            let key = (
                std::cmp::Reverse(jiff::Timestamp::from_second(second).unwrap()),
                format!("plan-{}", n % 2),
                format!("c{n}"),
                0,
            );
            latest.offer(key, || {
                made += 1;
                entry(&format!("c{n}"))
            });
        }
        let commits: Vec<String> = latest.entries().into_iter().map(|e| e.commit).collect();
        // Newest second first; within a second, plan-0 (even) before plan-1 (odd).
        let expected: Vec<String> = (0..120u32)
            .rev()
            .flat_map(|second| [format!("c{}", 2 * second), format!("c{}", 2 * second + 1)])
            .take(FEED_ENTRIES)
            .collect();
        assert_eq!(commits.len(), FEED_ENTRIES);
        assert_eq!(commits, expected);
        assert!(
            made < 240,
            "entries are made only for changes that get in ({made})"
        );
    }
}
