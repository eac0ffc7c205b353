//! Links on the site: relative from each page (so the site works from disk and under any
//! sub-path), absolute where only an absolute address will do, and plan text's links rewritten
//! to the pages they mean.

use std::collections::HashMap;
use std::path::Path;

use super::context::Urls;

/// Makes the root-relative links of a page absolute under `base` (which ends with `/`).
pub(crate) fn absolute_links(html: &str, base: &str) -> String {
    let mut out = relative_links(html, "one/page.html");
    for attribute in [" href=\"", " src=\"", " data-base=\""] {
        out = out.replace(&format!("{attribute}../"), &format!("{attribute}{base}"));
    }
    out
}

/// An absolute site address with one slash at its end.
pub(crate) fn absolute_url(url: &str) -> String {
    format!("{}/", url.trim().trim_end_matches('/'))
}

/// Makes the links of a page written at `file` (relative to the site's root) relative to that
/// page: every `href`, `src` and `data-base` value that is an address from the site's root
/// (no scheme, no leading `/`, `#` or `?`) is prefixed with the way back to the root.
pub(crate) fn relative_links(html: &str, file: &str) -> String {
    const ATTRIBUTES: [&str; 3] = [" href=\"", " src=\"", " data-base=\""];
    let depth = file.matches('/').count();
    let up = "../".repeat(depth);
    let mut out = String::with_capacity(html.len() + 1024);
    // The next place of each attribute, found once and found again only once passed, so the
    // page is read in one pass whatever it holds (with SIMD searchers: a page of 10,000 is
    // read three times over).
    let finders = ATTRIBUTES.map(memchr::memmem::Finder::new);
    let find = |which: usize, from: usize| {
        html.as_bytes()
            .get(from..)
            .and_then(|rest| finders[which].find(rest))
            .map(|i| from + i)
    };
    let mut next: Vec<Option<usize>> = (0..ATTRIBUTES.len()).map(|i| find(i, 0)).collect();
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
        next[which] = find(which, value_start);
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

/// A relative link in a plan body, made to work on the site: plan files become plan pages;
/// other repository files point at the repository's web view when it is known. An empty
/// address (a file the site cannot link to) makes the link plain text.
pub(crate) fn rewrite_link(
    dest: &str,
    dir: &Path,
    plans: &HashMap<String, String>,
    urls: &Urls,
    repo_url: Option<&str>,
) -> Option<String> {
    let (path, fragment) = match crate::plan::body::link_target(dir, dest) {
        crate::plan::body::LinkTarget::Repository { path, fragment } => (path, fragment),
        // Out of the repository, nothing on the site or the forge is there: plain text.
        crate::plan::body::LinkTarget::OutsideRepository => return Some(String::new()),
        crate::plan::body::LinkTarget::Elsewhere => return None,
    };
    let target = crate::diagnostic::display_path(&path);
    if let Some(id) = plans.get(&target) {
        return Some(format!("{}{fragment}", urls.plan(id)));
    }
    // A file of the repository that is not on the site: on the forge when its address is
    // known, else plain text rather than a link to a page that does not exist.
    Some(repo_url.map_or_else(String::new, |u| {
        format!("{u}/blob/HEAD/{}{fragment}", target.replace(' ', "%20"))
    }))
}
