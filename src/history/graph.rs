//! The commit graph from HEAD with generation numbers, for the ancestry questions that tracing
//! a sign-off's lineage asks (is this commit on the history of that one?). libgit2 answers each
//! by walking and inflating commits again; on a history of 50,000 commits with plans moved
//! between folders that took most of a `log`. Here one walk reads the graph, and each question
//! visits only the commits between the two.

use std::collections::HashMap;

use git2::Oid;

use crate::history::walk::Walk;

/// Lists of items, one after another in one vector (a history of 50,000 commits holds their
/// parents in two allocations, not fifty thousand).
#[derive(Debug, Clone, PartialEq)]
struct Lists<T> {
    items: Vec<T>,
    /// Where each list ends in `items`.
    ends: Vec<u32>,
}

impl<T> Default for Lists<T> {
    fn default() -> Lists<T> {
        Lists {
            items: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl<T> Lists<T> {
    /// Adds a list; `None`, and nothing added, past four billion items.
    fn push(&mut self, list: impl IntoIterator<Item = T>) -> Option<()> {
        let before = self.items.len();
        self.items.extend(list);
        match u32::try_from(self.items.len()) {
            Ok(end) => {
                self.ends.push(end);
                Some(())
            }
            Err(_) => {
                self.items.truncate(before);
                None
            }
        }
    }

    /// The list at position `i`.
    fn get(&self, i: usize) -> &[T] {
        let start = i.checked_sub(1).map_or(0, |j| self.ends[j] as usize);
        &self.items[start..self.ends[i] as usize]
    }
}

/// Commits, each with its parents' ids.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Edges {
    ids: Vec<Oid>,
    parents: Lists<Oid>,
}

impl Edges {
    /// Adds commit `id` with its `parents`; an error, and nothing added, past four billion
    /// parents.
    pub(crate) fn push(
        &mut self,
        id: Oid,
        parents: impl IntoIterator<Item = Oid>,
    ) -> Result<(), git2::Error> {
        self.parents
            .push(parents)
            .ok_or_else(|| git2::Error::from_str("a history of over four billion parents"))?;
        self.ids.push(id);
        Ok(())
    }

    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Each commit with its parents, in the order added.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Oid, &[Oid])> {
        self.ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, self.parents.get(i)))
    }

    /// Adds every commit of `other` after these (see [`Edges::push`]).
    pub(crate) fn append(&mut self, other: &Edges) -> Result<(), git2::Error> {
        for (id, parents) in other.iter() {
            self.push(id, parents.iter().copied())?;
        }
        Ok(())
    }
}

pub(crate) struct Graph {
    /// The commit at each position.
    ids: Vec<Oid>,
    index: HashMap<Oid, u32>,
    /// The positions of each commit's parents.
    parents: Lists<u32>,
    /// One more than the largest generation of the parents (1 for a root): an ancestor always
    /// has a smaller generation than its descendants.
    generation: Vec<u32>,
}

impl Graph {
    /// The graph of the commits a walk went through (see [`Walk::graph`]), without reading
    /// them again; `None` when a parent is not among them.
    pub(crate) fn of_walk(walk: &Walk) -> Option<Graph> {
        if walk.graph.is_empty() {
            return None;
        }
        Graph::of_edges(&walk.graph)
    }

    /// The graph of `edges`; `None` when a parent is not among the commits, or when a commit
    /// is its own ancestor (a crafted cache or grafts file: git's commits cannot be).
    fn of_edges(edges: &Edges) -> Option<Graph> {
        let mut index: HashMap<Oid, u32> = HashMap::with_capacity(edges.len());
        for (i, id) in edges.ids.iter().enumerate() {
            index.insert(*id, u32::try_from(i).ok()?);
        }
        let positions: Vec<u32> = edges
            .parents
            .items
            .iter()
            .map(|p| index.get(p).copied())
            .collect::<Option<_>>()?;
        let parents = Lists {
            items: positions,
            ends: edges.parents.ends.clone(),
        };
        let generation = generations(&parents, edges.len())?;
        Some(Graph {
            ids: edges.ids.clone(),
            index,
            parents,
            generation,
        })
    }

    /// The parents of `commit`; `None` when it is not in the graph.
    pub(crate) fn parents_of(&self, commit: Oid) -> Option<Vec<Oid>> {
        let at = *self.index.get(&commit)?;
        Some(
            self.parents
                .get(at as usize)
                .iter()
                .map(|&p| self.ids[p as usize])
                .collect(),
        )
    }

    /// Whether `ancestor` is a strict ancestor of `commit`; `None` when either is not in the
    /// graph.
    pub(crate) fn descends(&self, commit: Oid, ancestor: Oid) -> Option<bool> {
        let from = *self.index.get(&commit)?;
        let target = *self.index.get(&ancestor)?;
        let floor = self.generation[target as usize];
        let mut stack = vec![from];
        // One bit per commit: a question may visit tens of thousands of them.
        let mut visited = vec![0u64; self.ids.len().div_ceil(64)];
        while let Some(c) = stack.pop() {
            for &p in self.parents.get(c as usize) {
                if p == target {
                    return Some(true);
                }
                let (word, bit) = (p as usize / 64, 1u64 << (p % 64));
                // Nothing at or below the ancestor's generation can lead to it.
                if self.generation[p as usize] > floor && visited[word] & bit == 0 {
                    visited[word] |= bit;
                    stack.push(p);
                }
            }
        }
        Some(false)
    }
}

/// The generation of each of `n` commits with `parents` (positions), parents before
/// children, with an explicit stack (histories run deep); `None` when a commit is its own
/// ancestor.
fn generations(parents: &Lists<u32>, n: usize) -> Option<Vec<u32>> {
    let mut generation = vec![0u32; n];
    // The commits whose parents are being visited: meeting one again is a cycle.
    let mut on_path = vec![false; n];
    let mut todo: Vec<(u32, bool)> = Vec::new();
    for start in 0..u32::try_from(n).ok()? {
        todo.push((start, false));
        while let Some((c, parents_done)) = todo.pop() {
            let at = c as usize;
            let of = parents.get(at);
            if parents_done {
                generation[at] = 1 + of
                    .iter()
                    .map(|&p| generation[p as usize])
                    .max()
                    .unwrap_or(0);
                on_path[at] = false;
                continue;
            }
            if generation[at] != 0 {
                continue;
            }
            if on_path[at] {
                return None;
            }
            on_path[at] = true;
            todo.push((c, true));
            for &p in of {
                if on_path[p as usize] {
                    return None;
                }
                if generation[p as usize] == 0 {
                    todo.push((p, false));
                }
            }
        }
    }
    Some(generation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// a ← b ← c ← e (merge of c and d), a ← d; f on its own line from a.
    fn graph() -> (Graph, [Oid; 6]) {
        let ids: [Oid; 6] = std::array::from_fn(|i| Oid::from_bytes(&[i as u8 + 1; 20]).unwrap());
        let parents: [&[usize]; 6] = [&[], &[0], &[1], &[0], &[2, 3], &[0]];
        let mut edges = Edges::default();
        for (id, of) in ids.iter().zip(parents) {
            edges.push(*id, of.iter().map(|&p| ids[p])).unwrap();
        }
        (Graph::of_edges(&edges).unwrap(), ids)
    }

    #[test]
    fn the_walks_graph_answers_as_git_does() {
        let dir = tempfile::tempdir().unwrap();
        let git = git2::Repository::init(dir.path()).unwrap();
        let commit = |message: &str, parents: &[Oid]| {
            crate::git::testing::empty_commit(&git, message, parents)
        };
        let a = commit("a", &[]);
        let b = commit("b", &[a]);
        let c = commit("c", &[b]);
        let d = commit("d", &[a]);
        let e = commit("e", &[c, d]);
        let walk =
            crate::history::walk::walk(&git, e, None, Path::new("plans"), &mut |_, _| {}).unwrap();
        let g = Graph::of_walk(&walk).unwrap();
        let all = [a, b, c, d, e];
        for x in all {
            let parents: Vec<Oid> = git.find_commit(x).unwrap().parent_ids().collect();
            assert_eq!(g.parents_of(x), Some(parents), "{x}");
            for y in all {
                let git_says = git.graph_descendant_of(x, y).unwrap();
                assert_eq!(g.descends(x, y), Some(git_says), "{x} {y}");
            }
        }
        assert_eq!(g.descends(e, d), Some(true));
        assert_eq!(g.descends(c, d), Some(false));
        let generation = |id: Oid| g.generation[g.index[&id] as usize];
        assert_eq!(
            all.map(generation),
            [1, 2, 3, 2, 4],
            "one more than the largest parent's"
        );
    }

    #[test]
    fn edges_list_each_commit_with_its_own_parents_and_append_in_order() {
        let id = |b: u8| Oid::from_bytes(&[b; 20]).unwrap();
        let mut edges = Edges::default();
        edges.push(id(3), [id(1), id(2)]).unwrap();
        edges.push(id(2), [id(1)]).unwrap();
        let mut more = Edges::default();
        more.push(id(1), []).unwrap();
        more.push(id(4), [id(3)]).unwrap();
        edges.append(&more).unwrap();
        let listed: Vec<(Oid, Vec<Oid>)> = edges.iter().map(|(c, p)| (c, p.to_vec())).collect();
        assert_eq!(
            listed,
            [
                (id(3), vec![id(1), id(2)]),
                (id(2), vec![id(1)]),
                (id(1), vec![]),
                (id(4), vec![id(3)]),
            ]
        );
        assert_eq!(edges.len(), 4);
    }

    /// Commits that are their own ancestors (a crafted cache, a grafts file) make no graph,
    /// and the question is asked of git; nothing loops.
    #[test]
    fn a_cycle_makes_no_graph() {
        let id = |b: u8| Oid::from_bytes(&[b; 20]).unwrap();
        for cycle in [
            vec![(1, vec![1])],
            vec![(1, vec![2]), (2, vec![1])],
            vec![(1, vec![2]), (2, vec![3]), (3, vec![4]), (4, vec![2])],
        ] {
            let mut edges = Edges::default();
            for (c, parents) in &cycle {
                edges.push(id(*c), parents.iter().map(|&p| id(p))).unwrap();
            }
            assert!(Graph::of_edges(&edges).is_none(), "{cycle:?}");
        }
        // A diamond is no cycle.
        let mut edges = Edges::default();
        for (c, parents) in [(4u8, vec![2u8, 3]), (2, vec![1]), (3, vec![1]), (1, vec![])] {
            edges.push(id(c), parents.into_iter().map(id)).unwrap();
        }
        let g = Graph::of_edges(&edges).unwrap();
        assert_eq!(g.generation, [3, 2, 2, 1]);
    }

    #[test]
    fn ancestry_follows_every_parent_and_nothing_else() {
        let (g, [a, b, c, d, e, f]) = graph();
        assert_eq!(g.descends(e, a), Some(true));
        assert_eq!(g.descends(e, d), Some(true));
        assert_eq!(g.descends(e, b), Some(true));
        assert_eq!(g.descends(c, d), Some(false));
        assert_eq!(g.descends(e, f), Some(false));
        assert_eq!(g.descends(a, a), Some(false));
        assert_eq!(g.descends(b, e), Some(false));
        let unknown = Oid::from_bytes(&[9; 20]).unwrap();
        assert_eq!(g.descends(unknown, a), None);
    }
}
