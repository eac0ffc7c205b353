//! Taking in edits (`serve`): only the pages an edit touches are written again.

use std::path::PathBuf;

use super::loading::{load_for_site, skip_reason};
use super::{Hub, Page, Site, output};
use crate::error::Error;

/// What `Site::update` did.
pub(crate) struct Updated {
    /// Pages written again.
    pub pages: usize,
}

impl Site {
    /// Takes in edits to the plan files at `paths` (relative to the root) and writes again
    /// only the pages they touch: the plans' own pages, the index, and the status, region and
    /// people pages they were or are listed on. The data files (`plans.json`, search index,
    /// feed, calendar) are left to [`Site::write_data`].
    ///
    /// `Ok(None)` when the edit needs a whole build: a plan added, removed or renamed, or a
    /// plan's id or visibility changed. An `Err` (a plan that no longer parses, say) leaves
    /// the site as it was.
    pub(crate) fn update(
        &mut self,
        paths: &[PathBuf],
        staging: &output::Staging,
    ) -> Result<Option<Updated>, Error> {
        // Read and check every edited plan before changing anything.
        let mut edits = Vec::new();
        for path in paths {
            let at = self
                .plans
                .iter()
                .position(|p| p.file.as_ref().is_some_and(|f| &f.path == path));
            let Some(i) = at else {
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
            let old = self.plans[i].file.as_ref().and_then(|f| f.plan.as_ref());
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
            *self.plans[i] = self.site_plan(file, history.map(|h| *h));
            lists.extend(
                self.lists_of(&self.plans[i])
                    .iter()
                    .map(|l| self.list_url(l)),
            );
        }

        self.members = std::sync::OnceLock::new();
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
}
