//! Long plan tables cut into pages, as Zola and mdBook users know them: the first page at the
//! list's own address, the others at `page/2/`, `page/3/`… under it (`site.paginate_by`).

use serde::Serialize;

/// Where a page sits in its list, for the pager and `rel="prev"`/`rel="next"` links.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Paginator {
    /// This page's number, from 1.
    pub current: usize,
    /// How many pages the list has (1 when it fits on one).
    pub pages: usize,
    /// How many plans a page shows (`site.paginate_by`; 0 when every plan is on one page).
    pub per_page: usize,
    /// How many plans the list holds across its pages.
    pub total: usize,
    /// The position (from 1) of this page's first plan in the list; 0 when the list is empty.
    pub first_item: usize,
    /// The position of this page's last plan.
    pub last_item: usize,
    /// URL of the page before, when there is one.
    pub prev: Option<String>,
    /// URL of the page after, when there is one.
    pub next: Option<String>,
    /// Every page of the list, in order.
    pub links: Vec<PageLink>,
}

/// One page of a list, for the pager.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PageLink {
    /// The page's number, from 1.
    pub number: usize,
    pub url: String,
    /// This is the page the pager is on.
    pub current: bool,
}

/// The URL of page `number` of the list whose first page is `first` (`status/active/index.html`,
/// or `index.html` for the site's index).
pub(crate) fn page_url(first: &str, number: usize) -> String {
    if number <= 1 {
        return first.to_string();
    }
    let folder = first.strip_suffix("index.html").unwrap_or(first);
    format!("{folder}page/{number}/index.html")
}

/// `items` in pages of `per_page` (one page when 0, and one empty page for an empty list),
/// each with its [`Paginator`].
pub(crate) fn paginate<'a, T>(
    items: &'a [T],
    per_page: usize,
    first: &str,
) -> Vec<(Paginator, &'a [T])> {
    let chunks: Vec<&[T]> = if per_page == 0 || items.len() <= per_page {
        vec![items]
    } else {
        items.chunks(per_page).collect()
    };
    let pages = chunks.len();
    let url = |n: usize| page_url(first, n);
    let size = if per_page == 0 { items.len() } else { per_page };
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let current = i + 1;
            let first_item = if chunk.is_empty() { 0 } else { i * size + 1 };
            let paginator = Paginator {
                current,
                pages,
                per_page,
                total: items.len(),
                first_item,
                last_item: i * size + chunk.len(),
                prev: (current > 1).then(|| url(current - 1)),
                next: (current < pages).then(|| url(current + 1)),
                links: (1..=pages)
                    .map(|n| PageLink {
                        number: n,
                        url: url(n),
                        current: n == current,
                    })
                    .collect(),
            };
            (paginator, chunk)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_item_once_with_links_both_ways() {
        let items: Vec<u32> = (0..250).collect();
        let pages = paginate(&items, 100, "status/active/index.html");
        assert_eq!(pages.len(), 3);
        let seen: Vec<u32> = pages.iter().flat_map(|(_, c)| c.iter().copied()).collect();
        assert_eq!(seen, items);
        let (first, _) = &pages[0];
        assert_eq!(first.prev, None);
        assert_eq!(
            first.next.as_deref(),
            Some("status/active/page/2/index.html")
        );
        let (last, chunk) = &pages[2];
        assert_eq!(chunk.len(), 50);
        assert_eq!(
            (last.first_item, last.last_item, last.total),
            (201, 250, 250)
        );
        assert_eq!(
            last.prev.as_deref(),
            Some("status/active/page/2/index.html")
        );
        assert_eq!(last.next, None);
        assert_eq!(last.links[0].url, "status/active/index.html");
        assert!(last.links[2].current && !last.links[1].current);
    }

    #[test]
    fn the_index_pages_under_page_and_short_or_unpaged_lists_stay_whole() {
        assert_eq!(page_url("index.html", 2), "page/2/index.html");
        assert_eq!(page_url("index.html", 1), "index.html");
        let items = [1, 2, 3];
        for per_page in [0, 3, 10] {
            let pages = paginate(&items, per_page, "index.html");
            assert_eq!(pages.len(), 1);
            assert_eq!(pages[0].1, &items);
            assert_eq!((pages[0].0.first_item, pages[0].0.last_item), (1, 3));
        }
        let empty: [u8; 0] = [];
        let pages = paginate(&empty, 10, "index.html");
        assert_eq!(pages.len(), 1);
        assert_eq!((pages[0].0.first_item, pages[0].0.last_item), (0, 0));
    }
}
