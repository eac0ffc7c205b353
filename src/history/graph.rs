//! The commit graph from HEAD with generation numbers, for the ancestry questions that tracing
//! a sign-off's lineage asks (is this commit on the history of that one?). libgit2 answers each
//! by walking and inflating commits again; on a history of 50,000 commits with plans moved
//! between folders that took most of a `log`. Here one walk reads the graph, and each question
//! visits only the commits between the two.

use std::collections::HashMap;

use git2::{Oid, Repository};

use crate::history::walk::Walk;

/// Commits, each with its parents' ids, in flat lists (a history of 50,000 commits holds two
/// megabytes, not fifty thousand small allocations).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Edges {
    ids: Vec<Oid>,
    /// Where the parents of each commit end in `parents`.
    ends: Vec<u32>,
    parents: Vec<Oid>,
}

impl Edges {
    /// Adds commit `id` with its `parents`; `None` past four billion parents.
    pub(crate) fn push(&mut self, id: Oid, parents: impl IntoIterator<Item = Oid>) -> Option<()> {
        self.parents.extend(parents);
        self.ends.push(u32::try_from(self.parents.len()).ok()?);
        self.ids.push(id);
        Some(())
    }

    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Each commit with its parents, in the order added.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Oid, &[Oid])> {
        self.ids.iter().enumerate().map(|(i, id)| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
            (*id, &self.parents[start..self.ends[i] as usize])
        })
    }

    /// Adds every commit of `other` after these; `None` past four billion parents.
    pub(crate) fn append(&mut self, other: &Edges) -> Option<()> {
        for (id, parents) in other.iter() {
            self.push(id, parents.iter().copied())?;
        }
        Some(())
    }
}

pub(crate) struct Graph {
    /// The commit at each position.
    ids: Vec<Oid>,
    index: HashMap<Oid, u32>,
    /// The positions of each commit's parents, flat: commit `c`'s end at `ends[c]`.
    parents: Vec<u32>,
    ends: Vec<u32>,
    /// One more than the largest generation of the parents (1 for a root): an ancestor always
    /// has a smaller generation than its descendants.
    generation: Vec<u32>,
}

impl Graph {
    /// The graph of every commit reachable from HEAD; `None` when it cannot be read whole (a
    /// shallow clone's cut parents, a missing object: the caller then asks git).
    pub(crate) fn read(git: &Repository) -> Option<Graph> {
        let head = git.head().ok()?.target()?;
        // Every commit reachable from HEAD, each read once, depth first.
        let mut seen: std::collections::HashSet<Oid> = std::collections::HashSet::new();
        let mut edges = Edges::default();
        let mut stack = vec![head];
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let commit = git.find_commit(id).ok()?;
            let parents: Vec<Oid> = commit.parent_ids().collect();
            stack.extend(parents.iter().rev().copied());
            edges.push(id, parents)?;
        }
        Graph::of_edges(&edges)
    }

    /// The graph of the commits a walk went through (see [`Walk::graph`]), without reading
    /// them again; `None` when a parent is not among them (a shallow clone's cut parents).
    pub(crate) fn of_walk(walk: &Walk) -> Option<Graph> {
        if walk.graph.is_empty() {
            return None;
        }
        Graph::of_edges(&walk.graph)
    }

    /// The graph of `edges`; `None` when a parent is not among the commits.
    fn of_edges(edges: &Edges) -> Option<Graph> {
        let mut index: HashMap<Oid, u32> = HashMap::with_capacity(edges.len());
        for (i, id) in edges.ids.iter().enumerate() {
            index.insert(*id, u32::try_from(i).ok()?);
        }
        let parents: Vec<u32> = edges
            .parents
            .iter()
            .map(|p| index.get(p).copied())
            .collect::<Option<_>>()?;
        let graph = Graph {
            ids: edges.ids.clone(),
            index,
            parents,
            ends: edges.ends.clone(),
            generation: Vec::new(),
        };
        Some(graph.with_generations())
    }

    /// The positions of the parents of the commit at position `c`.
    fn parents(&self, c: u32) -> &[u32] {
        let start = if c == 0 {
            0
        } else {
            self.ends[c as usize - 1] as usize
        };
        &self.parents[start..self.ends[c as usize] as usize]
    }

    /// The graph with every commit's generation.
    fn with_generations(mut self) -> Graph {
        let n = self.ids.len();
        // Generations, parents before children (an explicit stack: histories run deep).
        let mut generation = vec![0u32; n];
        let mut todo: Vec<(u32, bool)> = Vec::new();
        for start in 0..n as u32 {
            todo.push((start, false));
            while let Some((c, parents_done)) = todo.pop() {
                if generation[c as usize] != 0 {
                    continue;
                }
                let of = self.parents(c);
                if parents_done {
                    generation[c as usize] = 1 + of
                        .iter()
                        .map(|&p| generation[p as usize])
                        .max()
                        .unwrap_or(0);
                } else {
                    todo.push((c, true));
                    todo.extend(
                        of.iter()
                            .filter(|&&p| generation[p as usize] == 0)
                            .map(|&p| (p, false)),
                    );
                }
            }
        }
        self.generation = generation;
        self
    }

    /// The parents of `commit`; `None` when it is not in the graph.
    pub(crate) fn parents_of(&self, commit: Oid) -> Option<Vec<Oid>> {
        let at = *self.index.get(&commit)?;
        Some(
            self.parents(at)
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
            for &p in self.parents(c) {
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
    fn the_graph_is_read_from_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let git = Repository::init(dir.path()).unwrap();
        let who = git2::Signature::now("A", "a@example.com").unwrap();
        let tree = git
            .find_tree(git.treebuilder(None).unwrap().write().unwrap())
            .unwrap();
        let commit = |message: &str, parents: &[Oid], head: bool| {
            let parents: Vec<git2::Commit> = parents
                .iter()
                .map(|p| git.find_commit(*p).unwrap())
                .collect();
            let parents: Vec<&git2::Commit> = parents.iter().collect();
            let update = head.then_some("HEAD");
            git.commit(update, &who, &who, message, &tree, &parents)
                .unwrap()
        };
        let a = commit("a", &[], false);
        let b = commit("b", &[a], false);
        let c = commit("c", &[b], false);
        let d = commit("d", &[a], false);
        let e = commit("e", &[c, d], true);
        let g = Graph::read(&git).unwrap();
        // The walk's graph is the same graph, read once by the walk.
        let walk =
            crate::history::walk::walk(&git, e, &[], Path::new("plans"), &mut |_, _| {}).unwrap();
        let of_walk = Graph::of_walk(&walk).unwrap();
        for (x, y) in [(e, d), (e, a), (c, d), (d, b), (b, a), (a, e)] {
            assert_eq!(of_walk.descends(x, y), g.descends(x, y), "{x} {y}");
        }
        assert_eq!(of_walk.parents_of(e), Some(vec![c, d]));
        assert_eq!(of_walk.parents_of(a), Some(vec![]));
        assert_eq!(g.parents_of(e), Some(vec![c, d]));
        assert_eq!(of_walk.ids.len(), 5);
        assert_eq!(g.ids.len(), 5);
        assert_eq!(g.descends(e, d), Some(true));
        assert_eq!(g.descends(e, a), Some(true));
        assert_eq!(g.descends(c, d), Some(false));
        assert_eq!(g.descends(d, b), Some(false));
        let generation = |id: Oid| g.generation[g.index[&id] as usize];
        assert_eq!(
            [a, b, c, d, e].map(generation),
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
