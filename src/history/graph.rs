//! The commit graph from HEAD with generation numbers, for the ancestry questions that tracing
//! a sign-off's lineage asks (is this commit on the history of that one?). libgit2 answers each
//! by walking and inflating commits again; on a history of 50,000 commits with plans moved
//! between folders that took most of a `log`. Here one walk reads the graph, and each question
//! visits only the commits between the two.

use std::collections::HashMap;

use git2::{Oid, Repository, Sort};

pub(crate) struct Graph {
    index: HashMap<Oid, u32>,
    parents: Vec<Vec<u32>>,
    /// One more than the largest generation of the parents (1 for a root): an ancestor always
    /// has a smaller generation than its descendants.
    generation: Vec<u32>,
}

impl Graph {
    /// The graph of every commit reachable from HEAD; `None` when it cannot be read whole (a
    /// shallow clone's cut parents, a missing object: the caller then asks git).
    pub(crate) fn read(git: &Repository) -> Option<Graph> {
        let head = git.head().ok()?.target()?;
        let mut revwalk = git.revwalk().ok()?;
        // Parents before children, so each generation is known when its children come.
        revwalk
            .set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
            .ok()?;
        revwalk.push(head).ok()?;
        let mut graph = Graph {
            index: HashMap::new(),
            parents: Vec::new(),
            generation: Vec::new(),
        };
        for id in revwalk {
            let id = id.ok()?;
            let commit = git.find_commit(id).ok()?;
            let parents: Vec<u32> = commit
                .parent_ids()
                .map(|p| graph.index.get(&p).copied())
                .collect::<Option<_>>()?;
            let generation = 1 + parents
                .iter()
                .map(|&p| graph.generation[p as usize])
                .max()
                .unwrap_or(0);
            let n = u32::try_from(graph.parents.len()).ok()?;
            graph.index.insert(id, n);
            graph.parents.push(parents);
            graph.generation.push(generation);
        }
        Some(graph)
    }

    /// Whether `ancestor` is a strict ancestor of `commit`; `None` when either is not in the
    /// graph.
    pub(crate) fn descends(&self, commit: Oid, ancestor: Oid) -> Option<bool> {
        let from = *self.index.get(&commit)?;
        let target = *self.index.get(&ancestor)?;
        let floor = self.generation[target as usize];
        let mut stack = vec![from];
        let mut visited: std::collections::HashSet<u32> = std::collections::HashSet::new();
        while let Some(c) = stack.pop() {
            for &p in &self.parents[c as usize] {
                if p == target {
                    return Some(true);
                }
                // Nothing at or below the ancestor's generation can lead to it.
                if self.generation[p as usize] > floor && visited.insert(p) {
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

    /// a ← b ← c ← e (merge of c and d), a ← d; f on its own line from a.
    fn graph() -> (Graph, [Oid; 6]) {
        let ids: [Oid; 6] = std::array::from_fn(|i| Oid::from_bytes(&[i as u8 + 1; 20]).unwrap());
        let parents = vec![vec![], vec![0], vec![1], vec![0], vec![2, 3], vec![0]];
        let mut generation = Vec::new();
        for ps in &parents {
            let g: u32 = 1 + ps
                .iter()
                .map(|&p: &u32| generation[p as usize])
                .max()
                .unwrap_or(0);
            generation.push(g);
        }
        let index = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i as u32))
            .collect();
        (
            Graph {
                index,
                parents,
                generation,
            },
            ids,
        )
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
